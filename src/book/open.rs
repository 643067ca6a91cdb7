//! Opening a workbook with the reader its content needs, listing its sheets, and reading the
//! chosen one cell by cell into a `TableBuilder`.

use super::archive::*;
use super::builder::*;
use super::csv::*;
use super::error::*;
use super::sniff::*;
use super::table::*;
use super::{hidden, macro_sheets, ods_repair};
use calamine::{Data, DataRef, Ods, Reader, SheetType, SheetVisible, Xls, Xlsb, Xlsx, XlsxError};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// A sheet's name and whether the automatic choice may pick it (visible worksheets only).
#[derive(Debug, Clone)]
pub(super) struct SheetEntry {
    pub(super) name: String,
    pub(super) auto_candidate: bool,
}

pub(super) fn pick_named<'a>(sheets: &'a [SheetEntry], wanted: &str) -> Option<&'a SheetEntry> {
    let trimmed = wanted.trim();
    sheets
        .iter()
        .find(|s| s.name == wanted)
        .or_else(|| sheets.iter().find(|s| same_sheet_name(&s.name, wanted)))
        .or_else(|| {
            let n: usize = trimmed.parse().ok()?;
            sheets.get(n.checked_sub(1)?)
        })
}

/// Sheet names as people type them: case and outer spaces do not matter.
pub(super) fn same_sheet_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

pub(super) type Reading = BufReader<File>;

/// An opened input, with its path for error messages.
pub(super) struct Book {
    pub(super) path: PathBuf,
    pub(super) kind: Kind,
    /// Sheets left out when it was opened (Excel 4.0 macro sheets).
    pub(super) skipped_sheets: Vec<String>,
}

/// The reader for each supported kind of input.
pub(super) enum Kind {
    Xlsx(Box<Xlsx<Reading>>),
    Xlsb(Box<Xlsb<Reading>>),
    Xls(Box<Xls<Reading>>),
    Ods(Box<Ods<Reading>>),
    Csv,
}

impl Book {
    pub(super) fn open(path: &Path) -> Result<Book, BookError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BookError::NotFound {
                path: path.to_owned(),
            },
            _ => io_error(path, e),
        })?;
        if meta.is_dir() {
            return Err(BookError::IsFolder {
                path: path.to_owned(),
            });
        }
        if meta.len() == 0 {
            return Err(BookError::EmptyFile {
                path: path.to_owned(),
            });
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let magic = sniff(path)?;
        let mut skipped_sheets = Vec::new();
        let kind = match (magic, ext.as_str()) {
            (Magic::Zip, ext) => {
                let shape = check_archive(path)?;
                let (kind, skipped) = open_zip(path, ext, shape)?;
                skipped_sheets = skipped;
                kind
            }
            (Magic::OldBiff, _) => {
                return Err(BookError::TooOld {
                    path: path.to_owned(),
                });
            }
            (Magic::Cfb, _) => {
                if has_file_pass(path)? {
                    return Err(BookError::Encrypted {
                        path: path.to_owned(),
                    });
                }
                // Excel encrypts xlsx files into a CFB container, and .xls files are CFB too:
                // calamine's xlsx opener recognises the first, its xls opener the second.
                if let Err(BookError::Encrypted { .. }) =
                    open_calamine::<Xlsx<Reading>>(path, xlsx_error)
                {
                    return Err(BookError::Encrypted {
                        path: path.to_owned(),
                    });
                }
                Kind::Xls(Box::new(open_calamine(path, xls_error)?))
            }
            (Magic::Other, "csv" | "txt" | "tsv") => Kind::Csv,
            (Magic::Other, _) => {
                return Err(BookError::NotAWorkbook {
                    path: path.to_owned(),
                    what: describe_non_workbook(path)?,
                });
            }
        };
        Ok(Book {
            path: path.to_owned(),
            kind,
            skipped_sheets,
        })
    }

    pub(super) fn sheets(&self) -> Vec<SheetEntry> {
        let meta = match &self.kind {
            Kind::Xlsx(b) => b.sheets_metadata(),
            Kind::Xlsb(b) => b.sheets_metadata(),
            Kind::Xls(b) => b.sheets_metadata(),
            Kind::Ods(b) => b.sheets_metadata(),
            Kind::Csv => {
                let name = self
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                return vec![SheetEntry {
                    name,
                    auto_candidate: true,
                }];
            }
        };
        meta.iter()
            .filter(|s| s.typ == SheetType::WorkSheet)
            .map(|s| SheetEntry {
                name: s.name.clone(),
                auto_candidate: s.visible == SheetVisible::Visible,
            })
            .collect()
    }

    /// Streams one sheet into a table; with a predicate, reading stops right after a header
    /// that is not the one wanted.
    pub(super) fn read_sheet(
        &mut self,
        sheet: &str,
        wanted: Option<&dyn Fn(&Headers) -> bool>,
        header_row: Option<u32>,
        on_rows: &mut OnRows<'_>,
    ) -> Result<SheetRead, BookError> {
        let path = &self.path;
        let mut builder = TableBuilder::new(wanted);
        builder.header_row_wanted = header_row.map(|n| n.saturating_sub(1));
        builder.on_rows = Some(on_rows);
        match &self.kind {
            Kind::Xlsx(_) => {
                builder.find_hidden = Some(Box::new(|| hidden::xlsx_hidden_rows(path, sheet)));
            }
            Kind::Ods(_) => {
                builder.find_hidden = Some(Box::new(|| hidden::ods_hidden_rows(path, sheet)));
            }
            // xls and xlsb keep row visibility in binary records calamine does not expose;
            // a CSV file has none.
            Kind::Xls(_) | Kind::Xlsb(_) | Kind::Csv => {}
        }
        match &mut self.kind {
            Kind::Xlsx(b) => {
                let mut cells = b
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| xlsx_error(path, e))?;
                stream_cells(&mut builder, || {
                    cells.next_cell().map_err(|e| xlsx_error(path, e))
                })?;
            }
            Kind::Xlsb(b) => {
                let mut cells = b
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| xlsb_error(path, e))?;
                stream_cells(&mut builder, || {
                    cells.next_cell().map_err(|e| xlsb_error(path, e))
                })?;
            }
            Kind::Xls(b) => {
                let range = b.worksheet_range(sheet).map_err(|e| xls_error(path, e))?;
                push_range(&mut builder, &range);
            }
            Kind::Ods(b) => {
                let range = b.worksheet_range(sheet).map_err(|e| ods_error(path, e))?;
                push_range(&mut builder, &range);
            }
            Kind::Csv => read_csv(path, &mut builder)?,
        }
        let mut read = builder.finish(path, sheet)?;
        if let SheetRead::Table(table) = &mut read {
            table.skipped_sheets = self.skipped_sheets.clone();
        }
        Ok(read)
    }
}

/// Feeds the cells of a streaming reader (xlsx, xlsb) to the builder until either ends.
pub(super) fn stream_cells<'d>(
    builder: &mut TableBuilder<'_>,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'d>>>, BookError>,
) -> Result<(), BookError> {
    while let Some(cell) = next()? {
        let (row, col) = cell.get_position();
        let value = builder.value_of_ref(col, cell.get_value());
        if builder.push(row, col, value) == Flow::Stop {
            break;
        }
    }
    Ok(())
}

pub(super) fn push_range(builder: &mut TableBuilder<'_>, range: &calamine::Range<Data>) {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, c, data) in range.used_cells() {
        // A sheet never has more than 2^20 rows or 2^14 columns, so these casts are exact.
        let (row, col) = (row0 + r as u32, col0 + c as u32);
        let value = builder.value_of(col, data);
        if builder.push(row, col, value) == Flow::Stop {
            break;
        }
    }
}

/// xlsx, xlsm, xlsb and ods are all zip archives: the extension says which reader to try
/// first, and the others are tried when it fails, so a file saved under the wrong name still
/// opens. When none can read it, the error of the reader the extension asked for is reported.
pub(super) fn open_zip(
    path: &Path,
    ext: &str,
    shape: ArchiveShape,
) -> Result<(Kind, Vec<String>), BookError> {
    type Opener = fn(&Path, ArchiveShape) -> Result<(Kind, Vec<String>), BookError>;
    let xlsx: Opener = |p, _| {
        let (book, skipped) = open_xlsx(p)?;
        Ok((Kind::Xlsx(Box::new(book)), skipped))
    };
    let xlsb: Opener = |p, _| {
        let book = open_calamine(p, xlsb_error)?;
        Ok((Kind::Xlsb(Box::new(book)), Vec::new()))
    };
    let ods: Opener = |p, shape| Ok((Kind::Ods(Box::new(open_ods(p, shape)?)), Vec::new()));
    let order = match ext {
        "xlsb" => [xlsb, xlsx, ods],
        "ods" => [ods, xlsx, xlsb],
        _ => [xlsx, xlsb, ods],
    };
    let mut first_error = None;
    for open in order {
        match open(path, shape) {
            Ok(kind) => return Ok(kind),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| corrupt(path, "unreadable zip archive")))
}

/// Opens an xlsx or xlsm; one with Excel 4.0 macro sheets, which calamine refuses whole, is
/// opened from a copy without them (in an unnamed temporary file): their names come back.
pub(super) fn open_xlsx(path: &Path) -> Result<(Xlsx<Reading>, Vec<String>), BookError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    match Xlsx::new(BufReader::new(file)) {
        Ok(book) => Ok((book, Vec::new())),
        Err(XlsxError::Unrecognized {
            typ: "sheet:type", ..
        }) => {
            let file = File::open(path).map_err(|e| io_error(path, e))?;
            let mut archive = zip::ZipArchive::new(BufReader::new(file))
                .map_err(|_| corrupt(path, BROKEN_ZIP))?;
            let mut copy = tempfile::tempfile().map_err(|e| io_error(path, e))?;
            let skipped = macro_sheets::without_macro_sheets(
                &mut archive,
                std::io::BufWriter::new(&mut copy),
            )
            .map_err(|_| corrupt(path, UNKNOWN_CONTENT))?;
            std::io::Seek::rewind(&mut copy).map_err(|e| io_error(path, e))?;
            let book = Xlsx::new(BufReader::new(copy)).map_err(|e| xlsx_error(path, e))?;
            Ok((book, skipped))
        }
        Err(e) => Err(xlsx_error(path, e)),
    }
}

/// Opens an ods, from a repaired copy (in an unnamed temporary file, gone with the process)
/// when calamine would misread the file as it is.
pub(super) fn open_ods(path: &Path, shape: ArchiveShape) -> Result<Ods<Reading>, BookError> {
    if !shape.ods_needs_repair {
        return open_calamine(path, ods_error);
    }
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|_| corrupt(path, BROKEN_ZIP))?;
    let mut copy = tempfile::tempfile().map_err(|e| io_error(path, e))?;
    ods_repair::repair(&mut archive, std::io::BufWriter::new(&mut copy))
        .map_err(|_| corrupt(path, BROKEN_XML))?;
    std::io::Seek::rewind(&mut copy).map_err(|e| io_error(path, e))?;
    Ods::new(BufReader::new(copy)).map_err(|e| ods_error(path, e))
}

pub(super) fn open_calamine<R: Reader<Reading>>(
    path: &Path,
    map: fn(&Path, R::Error) -> BookError,
) -> Result<R, BookError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    R::new(BufReader::new(file)).map_err(|e| map(path, e))
}
