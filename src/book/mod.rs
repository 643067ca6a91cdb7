//! Reading the input: a workbook (xlsx, xlsm, xls, xlsb, ods) or a CSV file becomes a [`Table`]:
//! the header of the chosen sheet and its non-empty rows, each with the row number a person
//! sees in Excel. This module knows nothing about SMS; the caller says which sheet it wants
//! through a predicate on the header.
//!
//! Large xlsx/xlsb sheets are streamed cell by cell (calamine's cells readers) rather than
//! loaded as a dense range, so one stray value far away (say in XFD1048576) costs one cell,
//! not billions (tafia/calamine#428). xls and ods are loaded whole by calamine when opened.

pub mod contained;
pub mod ods_repair;
pub mod value;

use crate::book::value::Value;
use calamine::{
    Data, DataRef, ExcelDateTime, Ods, OdsError, Reader, SheetType, SheetVisible, Xls, XlsError,
    Xlsb, XlsbError, Xlsx, XlsxError,
};
use rustc_hash::FxHashSet;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The header of a sheet, with the case- and space-insensitive lookup that placeholders,
/// `--to` and `--message-column` all use.
#[derive(Debug, Clone)]
pub struct Headers {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Headers {
    /// Builds the lookup; when two columns share a name the first one wins, as a person
    /// reading left to right would expect.
    pub fn new(names: Vec<String>) -> Headers {
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            index.entry(header_key(name)).or_insert(i);
        }
        Headers { names, index }
    }

    /// The column a name refers to, matched like Excel users expect: case-insensitive,
    /// surrounding spaces ignored.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(&header_key(name)).copied()
    }

    /// The header texts, in column order, as they appear in the sheet (trimmed).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True for a header with no columns (never produced by [`read`]).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The headers as a quoted list for error messages ("Name", "Tel").
    pub fn listing(&self) -> String {
        list_names(&self.names)
    }
}

/// Quotes and joins header names for an error message.
pub fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn header_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// One data row: its 1-based spreadsheet row number and one value per header column.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row number a person sees in Excel (1-based, counting the header and blank rows).
    pub number: u32,
    /// Exactly `headers.len()` values.
    pub cells: Vec<Value>,
}

/// The chosen sheet of the input, ready for planning.
#[derive(Debug)]
pub struct Table {
    /// The file it came from.
    pub path: PathBuf,
    /// The sheet's name (the file name for CSV).
    pub sheet: String,
    /// The first non-empty row.
    pub headers: Headers,
    /// Every non-empty row after the header, in sheet order.
    pub rows: Vec<Row>,
    /// Letters of the columns that hold data but have no title (kept, titled by the letter).
    pub untitled_columns: Vec<String>,
    /// Further untitled columns with data, too many to keep, left out.
    pub ignored_columns: usize,
    /// A lone title above the header (`Customer list, December`), skipped: its 1-based row
    /// and text.
    pub title: Option<(u32, String)>,
}

/// Which sheet to read: `--sheet NAME|N`.
#[derive(Debug, Clone)]
pub enum SheetChoice {
    /// The first sheet whose header the caller wants.
    Auto,
    /// A sheet by name, or by 1-based position when no sheet has that name.
    Named(String),
}

/// Why the input could not be read. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("{path}: no such file")]
    NotFound { path: PathBuf },
    #[error("{path}: is a folder, not a workbook")]
    IsFolder { path: PathBuf },
    #[error("{path}: cannot read it")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    EmptyFile { path: PathBuf },
    #[error(
        "{path}: the workbook is password-protected (encrypted); remove the password in Excel (File > Info > Protect Workbook) or save an unprotected copy"
    )]
    Encrypted { path: PathBuf },
    #[error(
        "{path}: this is not a workbook ({what}); smsmerge reads .xlsx, .xlsm, .xls, .xlsb, .ods and .csv"
    )]
    NotAWorkbook { path: PathBuf, what: String },
    #[error(
        "{path}: this workbook is in the format of Excel 4.0 or older, which smsmerge cannot read: save it as .xlsx"
    )]
    TooOld { path: PathBuf },
    #[error("{path}: the workbook is damaged or truncated ({detail})")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: not opened: {detail}")]
    Unsafe { path: PathBuf, detail: String },
    #[error("{path}: has no sheets with data")]
    NoData { path: PathBuf },
    #[error("{path}: there is no sheet {wanted:?}; the sheets are {sheets}")]
    NoSuchSheet {
        path: PathBuf,
        wanted: String,
        sheets: String,
    },
    #[error("{path}: sheet {sheet:?} is empty")]
    EmptySheet { path: PathBuf, sheet: String },
    #[error("{path}: sheet {sheet:?} has a header row (row {header_row}) but no data rows")]
    OnlyHeader {
        path: PathBuf,
        sheet: String,
        header_row: u32,
        /// The header row's cells, for callers to whom one row is data (an exclude list).
        headers: Vec<String>,
    },
    #[error("{path}: no sheet has {wanted}: {seen}; {hint}")]
    NoSheetWanted {
        path: PathBuf,
        wanted: String,
        seen: String,
        hint: String,
    },
    #[error(
        "{path}: line {line} is not UTF-8 text; in Excel use Save As > \"CSV UTF-8 (Comma delimited)\""
    )]
    NotUtf8 { path: PathBuf, line: u64 },
    #[error(
        "{path}: the file is UTF-16 text; in Excel use Save As > \"CSV UTF-8 (Comma delimited)\""
    )]
    Utf16 { path: PathBuf },
    #[error("{path}: cannot parse the CSV: {detail}")]
    Csv { path: PathBuf, detail: String },
}

/// What the caller looks for in a sheet's header when the sheet is chosen automatically, and
/// how to say so when no sheet has it.
pub struct Wanted<'a> {
    /// True for a header the caller can work with.
    pub test: &'a dyn Fn(&Headers) -> bool,
    /// What is looked for, for the error: "a recipient column (phone, mobile, ...)".
    pub description: String,
    /// The 1-based row of the header (`--header-row`); `None`: the first non-empty row, or
    /// the one after it when that is a lone title.
    pub header_row: Option<u32>,
    /// How to fix it, for the error: "name the column with --to COLUMN".
    pub hint: String,
    /// A fix that fits a sheet's header, better than the general hint: "use --to Tel".
    pub suggest: &'a dyn Fn(&Headers) -> Option<String>,
}

/// Reads the chosen sheet of `path`. With [`SheetChoice::Auto`] the first visible worksheet
/// whose header passes `wanted.test` is taken; with a named sheet, `wanted` is not consulted
/// (the caller checks the columns and explains what is missing).
pub fn read(path: &Path, choice: &SheetChoice, wanted: &Wanted<'_>) -> Result<Table, BookError> {
    read_with_progress(path, choice, wanted, None, &mut |_, _| {})
}

/// A second sheet wanted from the same workbook (the Templates sheet): it is read before the
/// chosen sheet, from the same opened file, so a large workbook's shared strings are loaded
/// once and the caller has it before the first rows arrive.
pub struct Companion<'a> {
    /// The sheet's name, matched like `--sheet` names (case and outer spaces ignored).
    pub name: &'a str,
    /// Called once with the sheet when the workbook has one of that name; not called when
    /// it has none (a CSV file never has one).
    pub found: &'a mut dyn FnMut(Result<Table, BookError>),
}

/// What [`read_with_progress`] shows the rows to, as they are read.
pub type OnRows<'a> = dyn FnMut(&Headers, &[Row]) + 'a;

/// Rows handed to [`read_with_progress`]'s callback at a time.
pub const ROW_BATCH: usize = 8192;

/// Like [`read`], and also shows the rows of the chosen sheet to `on_rows` as they are read,
/// [`ROW_BATCH`] at a time, in order, with the sheet's header, so the caller can plan them
/// while the rest of the sheet is read.
///
/// These are the rows as read: a sheet with untitled columns gets them merged into every row
/// only at the end, and a reader may fail after some rows; the returned table is the truth,
/// and a caller must check that its rows are the ones it was shown (same count, no untitled
/// columns) before using what it made of them.
pub fn read_with_progress(
    path: &Path,
    choice: &SheetChoice,
    wanted: &Wanted<'_>,
    companion: Option<Companion<'_>>,
    on_rows: &mut OnRows<'_>,
) -> Result<Table, BookError> {
    // calamine panics on some damaged files (e.g. a truncated .xls): that is a damaged file,
    // not a crash.
    contained::contained(|| read_unguarded(path, choice, wanted, companion, on_rows))
        .unwrap_or_else(|_reader_internals| {
            // The panic's text is about the reader's code, nothing a person can act on.
            Err(BookError::Corrupt {
                path: path.to_owned(),
                detail: "the reader stopped on it".to_owned(),
            })
        })
}

fn read_unguarded(
    path: &Path,
    choice: &SheetChoice,
    wanted: &Wanted<'_>,
    companion: Option<Companion<'_>>,
    on_rows: &mut OnRows<'_>,
) -> Result<Table, BookError> {
    let mut book = Book::open(path)?;
    let sheets = book.sheets();
    let companion_name = companion.as_ref().map(|c| c.name);
    if let Some(Companion { name, found }) = companion
        && !matches!(book.kind, Kind::Csv)
        && let Some(sheet) = sheets.iter().find(|s| same_sheet_name(&s.name, name))
    {
        found(
            match book.read_sheet(&sheet.name, None, None, &mut |_, _| {}) {
                Ok(SheetRead::Table(table)) => Ok(table),
                Ok(SheetRead::Empty | SheetRead::Unwanted(_)) => Err(BookError::EmptySheet {
                    path: path.to_owned(),
                    sheet: sheet.name.clone(),
                }),
                Err(e) => Err(e),
            },
        );
    }
    match choice {
        SheetChoice::Named(name) => {
            let sheet = pick_named(&sheets, name).ok_or_else(|| BookError::NoSuchSheet {
                path: path.to_owned(),
                wanted: name.clone(),
                sheets: list_names(&sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>()),
            })?;
            match book.read_sheet(&sheet.name, None, wanted.header_row, on_rows)? {
                SheetRead::Table(table) => Ok(table),
                SheetRead::Empty | SheetRead::Unwanted(_) => Err(BookError::EmptySheet {
                    path: path.to_owned(),
                    sheet: sheet.name.clone(),
                }),
            }
        }
        SheetChoice::Auto => {
            let mut seen = Vec::new();
            let mut suggestion = None;
            let candidates = sheets.iter().filter(|s| {
                s.auto_candidate && !companion_name.is_some_and(|c| same_sheet_name(&s.name, c))
            });
            for sheet in candidates {
                match book.read_sheet(&sheet.name, Some(wanted.test), wanted.header_row, on_rows)? {
                    SheetRead::Table(table) => return Ok(table),
                    SheetRead::Empty => {}
                    SheetRead::Unwanted(headers) => {
                        seen.push(format!(
                            "sheet {:?} has headers {}",
                            sheet.name,
                            headers.listing()
                        ));
                        suggestion = suggestion.or_else(|| (wanted.suggest)(&headers));
                    }
                }
            }
            if seen.is_empty() {
                return Err(BookError::NoData {
                    path: path.to_owned(),
                });
            }
            Err(BookError::NoSheetWanted {
                path: path.to_owned(),
                wanted: wanted.description.clone(),
                seen: seen.join("; "),
                hint: suggestion.unwrap_or_else(|| wanted.hint.clone()),
            })
        }
    }
}

/// What reading one sheet gave.
enum SheetRead {
    /// The sheet, read.
    Table(Table),
    /// Nothing in it.
    Empty,
    /// Its header is not what the caller wants; reading stopped there.
    Unwanted(Headers),
}

/// A sheet's name and whether the automatic choice may pick it (visible worksheets only).
#[derive(Debug, Clone)]
struct SheetEntry {
    name: String,
    auto_candidate: bool,
}

fn pick_named<'a>(sheets: &'a [SheetEntry], wanted: &str) -> Option<&'a SheetEntry> {
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
fn same_sheet_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

type Reading = BufReader<File>;

/// An opened input, with its path for error messages.
struct Book {
    path: PathBuf,
    kind: Kind,
}

/// The reader for each supported kind of input.
enum Kind {
    Xlsx(Box<Xlsx<Reading>>),
    Xlsb(Box<Xlsb<Reading>>),
    Xls(Box<Xls<Reading>>),
    Ods(Box<Ods<Reading>>),
    Csv,
}

/// The file's first bytes say what it is, whatever its name says.
#[derive(Debug, PartialEq)]
enum Magic {
    Zip,
    Cfb,
    /// A bare BIFF2, BIFF3 or BIFF4 stream (Excel 2.x to 4.0), from before the CFB container.
    OldBiff,
    Other,
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

impl Book {
    fn open(path: &Path) -> Result<Book, BookError> {
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
        let kind = match (magic, ext.as_str()) {
            (Magic::Zip, ext) => {
                let shape = check_archive(path)?;
                open_zip(path, ext, shape)?
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
        })
    }

    fn sheets(&self) -> Vec<SheetEntry> {
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
    fn read_sheet(
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
        builder.finish(path, sheet)
    }
}

/// Feeds the cells of a streaming reader (xlsx, xlsb) to the builder until either ends.
fn stream_cells<'d>(
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

fn push_range(builder: &mut TableBuilder<'_>, range: &calamine::Range<Data>) {
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

fn sniff(path: &Path) -> Result<Magic, BookError> {
    let mut head = [0u8; 8];
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    let n = read_up_to(&mut file, &mut head).map_err(|e| io_error(path, e))?;
    Ok(if head[..n].starts_with(b"PK") {
        Magic::Zip
    } else if n == 8 && head == CFB_MAGIC {
        Magic::Cfb
    } else if is_old_biff(&head[..n]) {
        Magic::OldBiff
    } else {
        Magic::Other
    })
}

/// A BIFF2–4 file starts with its BOF record: type 0x0009, 0x0209 or 0x0409, then a length of
/// 4 to 16 bytes and a version word.
fn is_old_biff(head: &[u8]) -> bool {
    match head {
        [0x09, 0x00 | 0x02 | 0x04, len, 0x00, ..] => (4..=16).contains(len),
        _ => false,
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Whether an .xls is protected by a password: its workbook stream starts with a BOF record
/// followed at once by FILEPASS (MS-XLS 2.4.117 says it must come right after). calamine
/// reports RC4 encryption but reads an XOR-obfuscated file as if it were plain, to fail
/// later as "damaged"; this finds both. The stream's first sector holds those two records,
/// so the sectors of the container are looked at directly, without parsing it.
fn has_file_pass(path: &Path) -> Result<bool, BookError> {
    const SECTOR: usize = 512;
    /// Enough sectors to reach the workbook stream's first one in any real file.
    const LOOKED_AT: u64 = 1 << 20;
    let mut data = Vec::new();
    File::open(path)
        .map_err(|e| io_error(path, e))?
        .take(LOOKED_AT)
        .read_to_end(&mut data)
        .map_err(|e| io_error(path, e))?;
    let bof = |s: &[u8]| {
        // BOF of the globals substream: BIFF8 (length 16, version 0x0600) or BIFF5 (0x0500).
        matches!(
            s,
            [
                0x09,
                0x08,
                0x10 | 0x08,
                0x00,
                0x00,
                0x06 | 0x05,
                0x05,
                0x00,
                ..
            ]
        )
    };
    Ok(data.chunks(SECTOR).skip(1).any(|sector| {
        if !bof(sector) {
            return false;
        }
        let len = usize::from(u16::from_le_bytes([sector[2], sector[3]]));
        sector.get(4 + len..6 + len) == Some(&[0x2F, 0x00])
    }))
}

/// Says what a file that is not a workbook looks like, so "report.xlsx" that is really a
/// CSV or an HTML export gets an explanation rather than a zip error.
fn describe_non_workbook(path: &Path) -> Result<String, BookError> {
    let mut head = vec![0u8; 512];
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    let n = read_up_to(&mut file, &mut head).map_err(|e| io_error(path, e))?;
    let head = &head[..n];
    let text = String::from_utf8_lossy(head).to_lowercase();
    Ok(if text.contains("<html") || text.contains("<table") {
        "it is an HTML page saved with a spreadsheet name".to_owned()
    } else if text.trim_start().starts_with("<?xml") {
        "it is an XML file, perhaps an Excel 2003 XML spreadsheet; save it as .xlsx".to_owned()
    } else if std::str::from_utf8(head).is_ok() {
        "it is plain text; if it is a CSV file, give it the .csv extension".to_owned()
    } else {
        "its content is not a known spreadsheet format".to_owned()
    })
}

/// An archive member may unpack to at most this much.
const MAX_MEMBER_BYTES: u64 = 1 << 30;
/// A member this large ...
const SUSPECT_MEMBER_BYTES: u64 = 64 << 20;
/// ... that unpacks this many times over is a zip bomb, not a spreadsheet (real sheets and
/// shared strings compress 5 to 20 times).
const MAX_RATIO: u64 = 200;
/// More shared strings than any real workbook holds; calamine reserves room for the number a
/// file claims before reading one, so a lie of 10^12 would abort the process.
const MAX_SHARED_STRINGS: u64 = 20_000_000;

/// What [`check_archive`] found that the readers must know.
#[derive(Debug, Clone, Copy, Default)]
struct ArchiveShape {
    /// An ods whose content calamine would misread as it is (see `ods_repair`).
    ods_needs_repair: bool,
}

/// Refuses zip archives that would unpack to far more than any workbook: calamine unpacks
/// shared strings whole, so a 300 KB file could otherwise take gigabytes.
fn check_archive(path: &Path) -> Result<ArchiveShape, BookError> {
    let mut shape = ArchiveShape::default();
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    // An archive zip cannot even list is left to the workbook readers to explain.
    let Ok(mut archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(shape);
    };
    let unsafe_file = |detail: String| BookError::Unsafe {
        path: path.to_owned(),
        detail,
    };
    for i in 0..archive.len() {
        let Ok(member) = archive.by_index_raw(i) else {
            continue;
        };
        let (size, packed) = (member.size(), member.compressed_size().max(1));
        if size > MAX_MEMBER_BYTES || (size > SUSPECT_MEMBER_BYTES && size / packed > MAX_RATIO) {
            return Err(unsafe_file(format!(
                "{} unpacks to {} MiB from {} KiB, which no workbook does (a zip bomb?)",
                member.name().unwrap_or_default(),
                size >> 20,
                packed >> 10
            )));
        }
    }
    if let Ok(mut member) = archive.by_name("META-INF/manifest.xml") {
        // An encrypted ods keeps its manifest readable and says so there; its content.xml
        // is ciphertext, which the check below would call damaged.
        let mut manifest = Vec::new();
        (&mut member)
            .take(1 << 20)
            .read_to_end(&mut manifest)
            .map_err(|e| io_error(path, e))?;
        if manifest
            .windows(b"encryption-data".len())
            .any(|w| w == b"encryption-data")
        {
            return Err(BookError::Encrypted {
                path: path.to_owned(),
            });
        }
    }
    let whole = match archive.by_name(ods_repair::CONTENT) {
        // calamine's ods reader loops forever when the file ends inside a table
        // (an unclosed <table:table>): a truncated or forged ods must be refused first.
        Ok(member) => {
            Some(is_whole_xml(&mut BufReader::new(member)).map_err(|e| io_error(path, e))?)
        }
        Err(_) => None,
    };
    if whole == Some(false) {
        return Err(BookError::Corrupt {
            path: path.to_owned(),
            detail: "content.xml ends inside a table".to_owned(),
        });
    }
    if whole.is_some()
        && let Ok(member) = archive.by_name(ods_repair::CONTENT)
    {
        shape.ods_needs_repair =
            ods_repair::needs_repair(BufReader::new(member)).map_err(|e| io_error(path, e))?;
    }
    if let Ok(member) = archive.by_name("xl/sharedStrings.xml") {
        let mut head = Vec::with_capacity(4096);
        member
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|e| io_error(path, e))?;
        let head = String::from_utf8_lossy(&head);
        for attribute in ["uniqueCount=\"", "count=\""] {
            let claimed = head
                .split(attribute)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(n) = claimed
                && n > MAX_SHARED_STRINGS
            {
                return Err(unsafe_file(format!(
                    "it claims {n} shared strings, more than any workbook holds"
                )));
            }
        }
    }
    Ok(shape)
}

/// Whether an ods content.xml is one whole, well-formed document: every element closed by
/// its own name before the end. calamine's ods reader loops forever on a file that ends
/// inside a table or a cell's comment, so such files are refused before it reads them.
fn is_whole_xml(reader: &mut impl BufRead) -> std::io::Result<bool> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut depth: usize = 0;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return Ok(false),
            },
            Ok(quick_xml::events::Event::Eof) => return Ok(depth == 0),
            Ok(_) => {}
            Err(_) => return Ok(false),
        }
        buf.clear();
    }
}

/// xlsx, xlsm, xlsb and ods are all zip archives: the extension says which reader to try
/// first, and the others are tried when it fails, so a file saved under the wrong name still
/// opens. When none can read it, the error of the reader the extension asked for is reported.
fn open_zip(path: &Path, ext: &str, shape: ArchiveShape) -> Result<Kind, BookError> {
    type Opener = fn(&Path, ArchiveShape) -> Result<Kind, BookError>;
    let xlsx: Opener = |p, _| Ok(Kind::Xlsx(Box::new(open_calamine(p, xlsx_error)?)));
    let xlsb: Opener = |p, _| Ok(Kind::Xlsb(Box::new(open_calamine(p, xlsb_error)?)));
    let ods: Opener = |p, shape| Ok(Kind::Ods(Box::new(open_ods(p, shape)?)));
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

/// Opens an ods, from a repaired copy (in an unnamed temporary file, gone with the process)
/// when calamine would misread the file as it is.
fn open_ods(path: &Path, shape: ArchiveShape) -> Result<Ods<Reading>, BookError> {
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

fn open_calamine<R: Reader<Reading>>(
    path: &Path,
    map: fn(&Path, R::Error) -> BookError,
) -> Result<R, BookError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    R::new(BufReader::new(file)).map_err(|e| map(path, e))
}

fn io_error(path: &Path, source: std::io::Error) -> BookError {
    BookError::Io {
        path: path.to_owned(),
        source,
    }
}

fn corrupt(path: &Path, detail: impl std::fmt::Display) -> BookError {
    BookError::Corrupt {
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

// What is wrong with a damaged file, in words a person can act on. The readers' own texts
// (`Text(BytesText { content: Borrowed(...) })`, record numbers) never reach a message.
const BROKEN_ZIP: &str = "its zip archive is broken";
const BROKEN_XML: &str = "its XML is broken";
const BAD_VALUE: &str = "a cell holds a value its format does not allow";
const BROKEN_RECORDS: &str = "its records are broken";
const UNKNOWN_CONTENT: &str = "its content is not what the format says";

fn missing_part(part: &str) -> String {
    format!("the part {part} is missing")
}

fn missing_sheet(sheet: &str) -> String {
    format!("the sheet {sheet:?} it lists is missing")
}

fn xlsx_error(path: &Path, e: XlsxError) -> BookError {
    let detail = match e {
        XlsxError::Password => {
            return BookError::Encrypted {
                path: path.to_owned(),
            };
        }
        XlsxError::Io(source) => return io_error(path, source),
        XlsxError::Zip(_) => BROKEN_ZIP.to_owned(),
        XlsxError::Xml(_)
        | XlsxError::XmlAttr(_)
        | XlsxError::XmlEof(_)
        | XlsxError::UnexpectedNode(_)
        | XlsxError::Unexpected(_)
        | XlsxError::Encoding(_) => BROKEN_XML.to_owned(),
        XlsxError::FileNotFound(part) => missing_part(&part),
        XlsxError::WorksheetNotFound(sheet) => missing_sheet(&sheet),
        XlsxError::Parse(_)
        | XlsxError::ParseFloat(_)
        | XlsxError::ParseInt(_)
        | XlsxError::CellTAttribute(_)
        | XlsxError::CellError(_) => BAD_VALUE.to_owned(),
        _ => UNKNOWN_CONTENT.to_owned(),
    };
    corrupt(path, detail)
}

fn xlsb_error(path: &Path, e: XlsbError) -> BookError {
    let detail = match e {
        XlsbError::Password => {
            return BookError::Encrypted {
                path: path.to_owned(),
            };
        }
        XlsbError::Io(source) => return io_error(path, source),
        XlsbError::Zip(_) => BROKEN_ZIP.to_owned(),
        XlsbError::Xml(_) | XlsbError::XmlAttr(_) | XlsbError::Encoding(_) => BROKEN_XML.to_owned(),
        XlsbError::FileNotFound(part) => missing_part(&part),
        XlsbError::WorksheetNotFound(sheet) => missing_sheet(&sheet),
        _ => BROKEN_RECORDS.to_owned(),
    };
    corrupt(path, detail)
}

fn xls_error(path: &Path, e: XlsError) -> BookError {
    let detail = match e {
        XlsError::Password => {
            return BookError::Encrypted {
                path: path.to_owned(),
            };
        }
        XlsError::Io(source) => return io_error(path, source),
        XlsError::Cfb(_) => "its container (the Excel 97-2003 file structure) is broken".to_owned(),
        XlsError::WorksheetNotFound(sheet) => missing_sheet(&sheet),
        _ => BROKEN_RECORDS.to_owned(),
    };
    corrupt(path, detail)
}

fn ods_error(path: &Path, e: OdsError) -> BookError {
    let detail = match e {
        OdsError::Password => {
            return BookError::Encrypted {
                path: path.to_owned(),
            };
        }
        OdsError::Io(source) => return io_error(path, source),
        OdsError::Zip(_) => BROKEN_ZIP.to_owned(),
        OdsError::Xml(_)
        | OdsError::XmlAttr(_)
        | OdsError::AttrError(_)
        | OdsError::EncodingError(_)
        | OdsError::Eof(_)
        | OdsError::Mismatch { .. } => BROKEN_XML.to_owned(),
        OdsError::FileNotFound(part) => missing_part(part),
        OdsError::WorksheetNotFound(sheet) => missing_sheet(&sheet),
        OdsError::InvalidMime(_) => "it is not an OpenDocument spreadsheet".to_owned(),
        OdsError::Parse(_)
        | OdsError::ParseInt(_)
        | OdsError::ParseFloat(_)
        | OdsError::ParseBool(_) => BAD_VALUE.to_owned(),
        _ => UNKNOWN_CONTENT.to_owned(),
    };
    corrupt(path, detail)
}

/// Shares the text of cells that repeat down a column (a message template, a sender, a
/// name from a short list): one allocation per distinct text instead of one per cell, which
/// for a million rows is most of the table's memory. Bounded, so a sheet of all-different
/// texts costs a lookup per cell and no more memory than without it.
#[derive(Default)]
struct TextInterner {
    /// Per sheet column (the first [`INTERNED_COLUMNS`] only), the texts seen so far.
    columns: Vec<FxHashSet<Arc<str>>>,
    /// Texts kept over all columns.
    kept: usize,
}

/// Sheet columns whose texts are shared; data beyond them is rare and just copied.
const INTERNED_COLUMNS: u32 = 256;
/// Distinct texts kept per column: enough for every template or sender a sheet repeats, few
/// enough that a column of unique values (phone numbers) does not grow a large table.
const INTERNED_PER_COLUMN: usize = 4096;
/// Distinct texts kept over all columns, bounding the table's memory on wide sheets.
const INTERNED_TOTAL: usize = 65_536;

impl TextInterner {
    fn intern(&mut self, col: u32, text: &str) -> Arc<str> {
        if col >= INTERNED_COLUMNS {
            return Arc::from(text);
        }
        let col = col as usize;
        if self.columns.len() <= col {
            self.columns.resize_with(col + 1, FxHashSet::default);
        }
        let seen = &mut self.columns[col];
        if let Some(shared) = seen.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        if seen.len() < INTERNED_PER_COLUMN && self.kept < INTERNED_TOTAL {
            seen.insert(Arc::clone(&shared));
            self.kept += 1;
        }
        shared
    }
}

/// The one place a calamine cell becomes a [`Value`] (qsv's `match` on `Data`, made total);
/// the streaming readers' borrowed form, converted without copying the cell first.
fn from_data_ref(data: &DataRef<'_>, texts: &mut TextInterner, col: u32) -> Value {
    match data {
        DataRef::String(s) => Value::Text(texts.intern(col, s)),
        DataRef::SharedString(s) => Value::Text(texts.intern(col, s)),
        DataRef::Int(i) => Value::Int(*i),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => from_excel_datetime(dt),
        DataRef::DateTimeIso(s) => from_iso_datetime(s),
        DataRef::DurationIso(s) => from_iso_duration(s),
        DataRef::Error(e) => Value::Error(e.to_string().into()),
        DataRef::Empty => Value::Empty,
    }
}

/// Like [`from_data_ref`], for the formats calamine loads whole (xls, ods).
fn from_data(data: &Data, texts: &mut TextInterner, col: u32) -> Value {
    match data {
        Data::String(s) => Value::Text(texts.intern(col, s)),
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => from_excel_datetime(dt),
        Data::DateTimeIso(s) => from_iso_datetime(s),
        Data::DurationIso(s) => from_iso_duration(s),
        Data::Error(e) => Value::Error(e.to_string().into()),
        Data::Empty => Value::Empty,
    }
}

fn from_excel_datetime(dt: &ExcelDateTime) -> Value {
    if dt.is_duration() {
        return match dt.as_duration() {
            Some(d) => Value::Duration(d),
            None => Value::Number(dt.as_f64()),
        };
    }
    let serial = dt.as_f64();
    match dt.as_datetime() {
        // A serial below 1 is a time of day typed without a date.
        Some(t) if (0.0..1.0).contains(&serial) => Value::Time(t.time()),
        Some(t) => Value::DateTime(t),
        None => Value::Number(serial),
    }
}

/// A date cell stored as ISO 8601 text (`<c t="d">` in xlsx, `office:date-value` in ods):
/// with or without a time, fractions of a second, and `Z` or an offset. The offset is
/// dropped rather than applied: the cell shows the wall-clock time it was typed with, as
/// Excel shows it.
fn from_iso_datetime(s: &str) -> Value {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Value::DateTime(dt.naive_local());
    }
    let naive = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    let minutes = || NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M");
    if let Ok(dt) = naive.parse::<NaiveDateTime>().or_else(|_| minutes()) {
        return Value::DateTime(dt);
    }
    if let Ok(d) = s.parse::<NaiveDate>() {
        return Value::DateTime(d.and_time(NaiveTime::MIN));
    }
    if let Ok(t) = s.parse::<NaiveTime>() {
        return Value::Time(t);
    }
    Value::text(s)
}

/// A time cell of an ods (`office:time-value="PT10H30M00S"`), or any ISO 8601 duration
/// calamine reports: under a day it is a time of day, as the same cell in an xlsx reads
/// (`10:30`); longer, an elapsed time.
fn from_iso_duration(s: &str) -> Value {
    match parse_iso_duration(s) {
        Some(d) if d >= chrono::TimeDelta::zero() && d < chrono::TimeDelta::days(1) => {
            let midnight = chrono::NaiveTime::MIN;
            Value::Time(midnight + d)
        }
        Some(d) => Value::Duration(d),
        None => Value::text(s),
    }
}

/// `PnDTnHnMnS` (days, hours, minutes, seconds with a fraction; a leading `-`), the forms
/// spreadsheets write; years and months have no fixed length and are not read.
fn parse_iso_duration(s: &str) -> Option<chrono::TimeDelta> {
    let s = s.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let rest = s.strip_prefix('P')?;
    let mut millis: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                let unit_millis = match (unit, in_time) {
                    ('D', false) => 86_400_000.0,
                    ('W', false) => 7.0 * 86_400_000.0,
                    ('H', true) => 3_600_000.0,
                    ('M', true) => 60_000.0,
                    ('S', true) => 1000.0,
                    _ => return None,
                };
                millis = millis.checked_add((value * unit_millis).round() as i64)?;
                any = true;
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    let d = chrono::TimeDelta::try_milliseconds(millis)?;
    Some(if negative { -d } else { d })
}

/// Whether a cell source should keep feeding cells.
#[derive(Debug, PartialEq)]
enum Flow {
    Continue,
    Stop,
}

/// Columns in an Excel sheet.
const MAX_COLUMNS: u32 = 16_384;

/// Untitled columns with data that are kept (the first ones, in sheet order).
const MAX_UNTITLED_COLUMNS: usize = 50;

/// Turns a row-major stream of cells into a header and rows; shared by every format so the
/// header, blank-row and row-number rules are written once.
///
/// Columns are kept compact: a table has the titled columns plus any untitled column that
/// holds data, in sheet order. A lone title in XFD1 costs one column, not 16 384 per row,
/// and a value typed right of the header is kept (titled by its letter), never dropped.
struct TableBuilder<'a> {
    wanted: Option<&'a dyn Fn(&Headers) -> bool>,
    /// Shown the rows as they are completed, [`ROW_BATCH`] at a time.
    on_rows: Option<&'a mut OnRows<'a>>,
    /// Rows already shown to `on_rows`.
    shown: usize,
    header_cells: Vec<(u32, Value)>,
    header_row: Option<u32>,
    /// `--header-row`, 0-based: rows above it are not read; no title is looked for.
    header_row_wanted: Option<u32>,
    /// A first non-empty row of one text cell, held until the next row says whether it is a
    /// title (the next row has several titles) or the header of a one-column sheet.
    title_cells: Option<(u32, Vec<(u32, Value)>)>,
    /// The title that was skipped.
    title: Option<(u32, String)>,
    /// Whether the first row was already looked at as a possible title.
    title_checked: bool,
    /// Sheet column → table column, for the titled columns (indexed by sheet column, up to
    /// the last titled one: a lookup per cell, so no hashing).
    titled: Vec<Option<usize>>,
    /// Shares repeated texts between rows.
    texts: TextInterner,
    headers: Option<Headers>,
    rejected_headers: Option<Headers>,
    current_row: Option<u32>,
    current: Vec<Value>,
    current_has_data: bool,
    rows: Vec<Row>,
    /// Values in untitled columns: (index in `rows`, sheet column, value). Rare, so kept
    /// aside and merged in `finish` rather than widening every row.
    untitled: Vec<(usize, u32, Value)>,
    /// Untitled columns beyond [`MAX_UNTITLED_COLUMNS`], dropped.
    ignored_columns: usize,
}

impl<'a> TableBuilder<'a> {
    fn new(wanted: Option<&'a dyn Fn(&Headers) -> bool>) -> TableBuilder<'a> {
        TableBuilder {
            wanted,
            on_rows: None,
            shown: 0,
            header_cells: Vec::new(),
            header_row: None,
            header_row_wanted: None,
            title_cells: None,
            title: None,
            title_checked: false,
            titled: Vec::new(),
            texts: TextInterner::default(),
            headers: None,
            rejected_headers: None,
            current_row: None,
            current: Vec::new(),
            current_has_data: false,
            rows: Vec::new(),
            untitled: Vec::new(),
            ignored_columns: 0,
        }
    }

    /// A streaming reader's cell as a value, its text shared with equal texts above it.
    fn value_of_ref(&mut self, col: u32, data: &DataRef<'_>) -> Value {
        from_data_ref(data, &mut self.texts, col)
    }

    /// A loaded sheet's cell as a value, its text shared with equal texts above it.
    fn value_of(&mut self, col: u32, data: &Data) -> Value {
        from_data(data, &mut self.texts, col)
    }

    /// Takes one cell (0-based row and column). Cells must come row by row.
    fn push(&mut self, row: u32, col: u32, value: Value) -> Flow {
        if self.current_row != Some(row) && self.end_row() == Flow::Stop {
            return Flow::Stop;
        }
        self.current_row = Some(row);
        if value.is_blank() || self.header_row_wanted.is_some_and(|first| row < first) {
            return Flow::Continue;
        }
        // Excel has 16 384 columns (A to XFD); a file that claims more is damaged or hostile,
        // and its cells beyond are not read.
        if col >= MAX_COLUMNS {
            return Flow::Continue;
        }
        let Some(headers) = &self.headers else {
            self.header_row = Some(row);
            self.header_cells.push((col, value));
            return Flow::Continue;
        };
        match self.titled.get(col as usize).copied().flatten() {
            Some(index) => {
                if self.current.is_empty() {
                    self.current = vec![Value::Empty; headers.len()];
                }
                self.current[index] = value;
            }
            None => self.untitled.push((self.rows.len(), col, value)),
        }
        self.current_has_data = true;
        Flow::Continue
    }

    /// Closes the row being collected; stops the stream when the header is not wanted.
    fn end_row(&mut self) -> Flow {
        if self.headers.is_none() {
            if self.header_cells.is_empty() {
                return Flow::Continue;
            }
            self.header_cells.sort_by_key(|(col, _)| *col);
            let headers = self.header_names();
            if self.header_row_wanted.is_none()
                && !self.title_checked
                && self.could_be_title(&headers)
            {
                self.title_checked = true;
                let row = self.header_row.unwrap_or_default();
                self.title_cells = Some((row, std::mem::take(&mut self.header_cells)));
                return Flow::Continue;
            }
            if let Some((title_row, title_cells)) = self.title_cells.take() {
                let several_titles = self.header_cells.len() >= 2
                    && self
                        .header_cells
                        .iter()
                        .all(|(_, v)| matches!(v, Value::Text(_)));
                if several_titles {
                    let text = title_cells
                        .first()
                        .map(|(_, v)| crate::book::value::ValueFormat::default().display(v))
                        .unwrap_or_default();
                    self.title = Some((title_row + 1, text));
                } else {
                    // The lone cell was the header of a one-column sheet, and this row its
                    // first data row.
                    let data_row = self.header_row;
                    let data = std::mem::replace(&mut self.header_cells, title_cells);
                    self.header_row = Some(title_row);
                    if self.end_row() == Flow::Stop {
                        return Flow::Stop;
                    }
                    self.current_row = data_row;
                    for (col, value) in data {
                        let _ = self.push(data_row.unwrap_or_default(), col, value);
                    }
                    return self.end_row();
                }
            }
            let headers = self.header_names();
            if let Some(wanted) = self.wanted
                && !wanted(&headers)
            {
                self.rejected_headers = Some(headers);
                return Flow::Stop;
            }
            // Header columns are below MAX_COLUMNS (checked in `push`), so this is bounded.
            let width = self
                .header_cells
                .last()
                .map_or(0, |(col, _)| *col as usize + 1);
            self.titled = vec![None; width];
            for (index, (col, _)) in self.header_cells.iter().enumerate() {
                self.titled[*col as usize] = Some(index);
            }
            self.headers = Some(headers);
            return Flow::Continue;
        }
        if self.current_has_data
            && let Some(row) = self.current_row
        {
            let cells = match std::mem::take(&mut self.current) {
                // A row whose values are all in untitled columns.
                cells if cells.is_empty() => vec![Value::Empty; self.header_cells.len()],
                cells => cells,
            };
            self.rows.push(Row {
                number: row + 1,
                cells,
            });
            if self.rows.len() - self.shown >= ROW_BATCH {
                self.show_rows();
            }
        }
        self.current.clear();
        self.current_has_data = false;
        Flow::Continue
    }

    /// The header as read so far, its cells in column order.
    fn header_names(&self) -> Headers {
        let format = crate::book::value::ValueFormat::default();
        Headers::new(
            self.header_cells
                .iter()
                .map(|(_, v)| crate::book::value::trim_visible(&format.display(v)).to_owned())
                .collect(),
        )
    }

    /// Whether a first row may be a title above the header: one text cell (a merged title's
    /// value is in its first cell) that is not itself a header the caller wants.
    fn could_be_title(&self, headers: &Headers) -> bool {
        matches!(self.header_cells.as_slice(), [(_, Value::Text(_))])
            && !self.wanted.is_some_and(|wanted| wanted(headers))
    }

    /// Shows the rows completed since the last call to `on_rows`.
    fn show_rows(&mut self) {
        if let (Some(on_rows), Some(headers)) = (self.on_rows.as_mut(), &self.headers) {
            on_rows(headers, &self.rows[self.shown..]);
        }
        self.shown = self.rows.len();
    }

    fn finish(mut self, path: &Path, sheet: &str) -> Result<SheetRead, BookError> {
        if self.rejected_headers.is_none() {
            self.end_row();
        }
        // A lone cell with nothing below it is the header of an empty one-column sheet.
        if let Some((row, cells)) = self.title_cells.take() {
            self.header_cells = cells;
            self.header_row = Some(row);
            self.end_row();
        }
        if self.untitled.is_empty() && self.shown < self.rows.len() {
            self.show_rows();
        }
        let Some(headers) = self.headers.take() else {
            return Ok(match self.rejected_headers.take() {
                Some(headers) => SheetRead::Unwanted(headers),
                None => SheetRead::Empty,
            });
        };
        if self.rows.is_empty() {
            return Err(BookError::OnlyHeader {
                path: path.to_owned(),
                sheet: sheet.to_owned(),
                header_row: self.header_row.map_or(1, |r| r + 1),
                headers: headers.names().to_vec(),
            });
        }
        let (headers, untitled_columns) = self.merge_untitled(headers);
        Ok(SheetRead::Table(Table {
            path: path.to_owned(),
            sheet: sheet.to_owned(),
            headers,
            rows: self.rows,
            untitled_columns,
            ignored_columns: self.ignored_columns,
            title: self.title,
        }))
    }

    /// Adds the untitled columns that hold data, in sheet order, titled by their letters.
    fn merge_untitled(&mut self, headers: Headers) -> (Headers, Vec<String>) {
        if self.untitled.is_empty() {
            return (headers, Vec::new());
        }
        let mut extra: Vec<u32> = self.untitled.iter().map(|(_, col, _)| *col).collect();
        extra.sort_unstable();
        extra.dedup();
        // Stray values in a few untitled columns are kept; thousands of them are not data a
        // message can use, and would not fit beside the results' own columns.
        if extra.len() > MAX_UNTITLED_COLUMNS {
            self.ignored_columns = extra.len() - MAX_UNTITLED_COLUMNS;
            extra.truncate(MAX_UNTITLED_COLUMNS);
            let kept: std::collections::HashSet<u32> = extra.iter().copied().collect();
            self.untitled.retain(|(_, col, _)| kept.contains(col));
        }
        let mut columns: Vec<(u32, String)> = self
            .header_cells
            .iter()
            .map(|(col, _)| *col)
            .zip(headers.names().iter().cloned())
            .chain(extra.iter().map(|&col| (col, column_letter(col))))
            .collect();
        columns.sort_by_key(|(col, _)| *col);
        let position: HashMap<u32, usize> = columns
            .iter()
            .enumerate()
            .map(|(i, (col, _))| (*col, i))
            .collect();
        let titled: Vec<usize> = self.header_cells.iter().map(|(c, _)| position[c]).collect();
        for row in &mut self.rows {
            let mut cells = vec![Value::Empty; columns.len()];
            for (value, &to) in row.cells.drain(..).zip(&titled) {
                cells[to] = value;
            }
            row.cells = cells;
        }
        for (row, col, value) in self.untitled.drain(..) {
            if let Some(r) = self.rows.get_mut(row) {
                r.cells[position[&col]] = value;
            }
        }
        let letters = extra.iter().map(|&c| column_letter(c)).collect();
        (
            Headers::new(columns.into_iter().map(|(_, name)| name).collect()),
            letters,
        )
    }
}

/// Excel's name for a 0-based column index: 0 → "A", 25 → "Z", 26 → "AA".
pub fn column_letter(mut col: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

/// Reads a CSV file as Excel would show it: UTF-8 with or without BOM, `,` `;` or tab chosen
/// from the first line (or from Excel's `sep=;` hint line), every cell text, and row numbers
/// that count blank lines as Excel does.
fn read_csv(path: &Path, builder: &mut TableBuilder<'_>) -> Result<(), BookError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(BookError::Utf16 {
            path: path.to_owned(),
        });
    }
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let (delimiter, data) = match sep_hint(data) {
        Some((sep, rest)) => (sep, rest),
        None => (detect_delimiter(data), data),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 0;
    let mut previous_end: usize = 0;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| BookError::Csv {
                path: path.to_owned(),
                detail: e.to_string(),
            })?;
        if !more {
            break;
        }
        // The csv crate skips blank lines; Excel shows each as a row.
        row += blank_lines_before(data, previous_end) + 1;
        previous_end = usize::try_from(reader.position().byte()).unwrap_or(data.len());
        let row0 = u32::try_from(row - 1).unwrap_or(u32::MAX);
        for (col, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| BookError::NotUtf8 {
                path: path.to_owned(),
                line: line_of(data, previous_end.saturating_sub(1)),
            })?;
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            let value = Value::Text(builder.texts.intern(col, text));
            if builder.push(row0, col, value) == Flow::Stop {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Excel writes `sep=;` as a first line to name the separator; it is a hint, not a row.
fn sep_hint(data: &[u8]) -> Option<(u8, &[u8])> {
    let rest = data.strip_prefix(b"sep=")?;
    let (&sep, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
    let rest = rest.strip_prefix(b"\n")?;
    Some((sep, rest))
}

/// Counts the blank lines the csv reader skipped between the end of the previous record (at
/// byte `from`, which may be before or inside that record's own line break) and the next one.
fn blank_lines_before(data: &[u8], from: usize) -> u64 {
    let mut i = from;
    // Whether the previous record's own line break is still ahead and must not be counted.
    let mut own_break_ahead = from > 0;
    if from > 0 {
        match data.get(from - 1) {
            Some(b'\n') => own_break_ahead = false,
            Some(b'\r') => {
                own_break_ahead = false;
                if data.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
    }
    let mut breaks = 0u64;
    while let Some(&b) = data.get(i) {
        match b {
            b'\r' => {
                i += if data.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                }
            }
            b'\n' => i += 1,
            _ => break,
        }
        breaks += 1;
    }
    if own_break_ahead {
        breaks.saturating_sub(1)
    } else {
        breaks
    }
}

/// The 1-based line of a byte offset, for error messages.
fn line_of(data: &[u8], offset: usize) -> u64 {
    let end = offset.min(data.len());
    1 + data[..end].iter().filter(|&&b| b == b'\n').count() as u64
}

/// Picks the separator that occurs most often, outside quotes, in the first line; Excel in
/// many European and Middle-Eastern locales writes `;`.
fn detect_delimiter(head: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                for (sep, n) in counts.iter_mut() {
                    if *sep == b {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map_or(b',', |(sep, _)| *sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn blank_lines_are_counted_for_every_line_ending() {
        // A record ends where the csv reader says: before, inside or after its line break.
        assert_eq!(blank_lines_before(b"a\n\n\nb", 2), 2);
        assert_eq!(blank_lines_before(b"a\n\n\nb", 1), 2);
        assert_eq!(blank_lines_before(b"a\r\n\r\nb", 1), 1);
        assert_eq!(blank_lines_before(b"a\r\n\r\nb", 2), 1);
        assert_eq!(blank_lines_before(b"a\r\n\r\nb", 3), 1);
        assert_eq!(blank_lines_before(b"a\r\nb", 2), 0);
        assert_eq!(blank_lines_before(b"a\r\nb", 1), 0);
        assert_eq!(blank_lines_before(b"a\nb", 2), 0);
        assert_eq!(blank_lines_before(b"\n\nb", 0), 2);
        assert_eq!(blank_lines_before(b"b", 0), 0);
    }

    #[test]
    fn ods_tables_must_be_closed() {
        let closed =
            b"<office><table:table table:name=\"S\"><table:table-row/></table:table></office>";
        assert!(is_whole_xml(&mut &closed[..]).unwrap());
        let cut = b"<office><table:table table:name=\"S\"><table:table-row/>";
        assert!(!is_whole_xml(&mut &cut[..]).unwrap());
        let rows_only = b"<table:table-row></table:table-row>";
        assert!(is_whole_xml(&mut &rows_only[..]).unwrap());
    }

    #[test]
    fn excel_sep_hint() {
        assert_eq!(sep_hint(b"sep=;\r\na;b"), Some((b';', &b"a;b"[..])));
        assert_eq!(sep_hint(b"sep=,\na"), Some((b',', &b"a"[..])));
        assert_eq!(sep_hint(b"phone,name"), None);
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter(b"phone,name\n1,2"), b',');
        assert_eq!(detect_delimiter(b"phone;name;msg\n"), b';');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"phone\tname\n"), b'\t');
        assert_eq!(detect_delimiter(b"phone\n"), b',');
    }

    #[test]
    fn headers_match_case_and_outer_spaces() {
        let h = Headers::new(vec!["Phone".into(), " First Name ".into(), "الاسم".into()]);
        assert_eq!(h.find("phone"), Some(0));
        assert_eq!(h.find("  PHONE "), Some(0));
        assert_eq!(h.find("first name"), Some(1));
        assert_eq!(h.find("الاسم"), Some(2));
        assert_eq!(h.find("firstname"), None);
    }

    #[test]
    fn builder_skips_blank_rows_and_keeps_row_numbers() {
        let mut b = TableBuilder::new(None);
        b.push(2, 1, Value::text("Phone"));
        b.push(2, 3, Value::text("Name"));
        b.push(3, 1, Value::text("961"));
        b.push(4, 1, Value::text("   "));
        b.push(6, 3, Value::text("Ali"));
        b.push(6, 9, Value::text("stray"));
        let SheetRead::Table(t) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected a table");
        };
        assert_eq!(t.headers.names(), ["Phone", "Name", "J"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].number, 4);
        assert_eq!(t.rows[1].number, 7);
        assert_eq!(t.rows[1].cells[1], Value::text("Ali"));
        assert_eq!(t.rows[1].cells[2], Value::text("stray"));
        assert_eq!(t.rows[0].cells[2], Value::Empty);
        assert_eq!(t.untitled_columns, ["J"]);
    }

    #[test]
    fn a_title_far_away_costs_one_column_and_gaps_with_data_are_kept() {
        let mut b = TableBuilder::new(None);
        b.push(0, 1, Value::text("Phone"));
        b.push(0, 16383, Value::text("note"));
        b.push(1, 0, Value::text("left"));
        b.push(1, 1, Value::text("961"));
        b.push(2, 5, Value::text("only here"));
        let SheetRead::Table(t) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected a table");
        };
        assert_eq!(t.headers.names(), ["A", "Phone", "F", "note"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            t.rows[0].cells,
            [
                Value::text("left"),
                Value::text("961"),
                Value::Empty,
                Value::Empty
            ]
        );
        assert_eq!(t.rows[1].number, 3);
        assert_eq!(t.rows[1].cells[2], Value::text("only here"));
        assert_eq!(t.untitled_columns, ["A", "F"]);
    }

    #[test]
    fn repeated_texts_are_shared_and_the_sharing_is_bounded() {
        let mut texts = TextInterner::default();
        let a = texts.intern(3, "Dear {{Name}}");
        let b = texts.intern(3, "Dear {{Name}}");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*texts.intern(4, "Dear {{Name}}"), "Dear {{Name}}");
        for i in 0..INTERNED_PER_COLUMN + 10 {
            texts.intern(0, &i.to_string());
        }
        assert_eq!(texts.columns[0].len(), INTERNED_PER_COLUMN);
        let far = texts.intern(INTERNED_COLUMNS, "x");
        assert_eq!(&*far, "x");
        assert!(texts.columns.len() <= INTERNED_COLUMNS as usize);
    }

    #[test]
    fn iso_date_cells_with_fractions_and_zones_are_dates() {
        let at = |s| match from_iso_datetime(s) {
            Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(at("2014-02-14T08:27:48.765Z"), "2014-02-14 08:27:48.765");
        assert_eq!(at("2014-02-14T08:27:48Z"), "2014-02-14 08:27:48.000");
        assert_eq!(at("2014-02-14T08:27:48+03:00"), "2014-02-14 08:27:48.000");
        assert_eq!(at("2014-02-14T08:27:48.5-05:00"), "2014-02-14 08:27:48.500");
        assert_eq!(at("2014-02-14T08:27"), "2014-02-14 08:27:00.000");
        assert_eq!(at("2014-02-14"), "2014-02-14 00:00:00.000");
        assert_eq!(from_iso_datetime("not a date"), Value::text("not a date"));
    }

    #[test]
    fn iso_durations_under_a_day_are_times_of_day() {
        let time = |h, m, s| Value::Time(chrono::NaiveTime::from_hms_opt(h, m, s).unwrap());
        assert_eq!(from_iso_duration("PT10H30M00S"), time(10, 30, 0));
        assert_eq!(from_iso_duration("PT0H05M30S"), time(0, 5, 30));
        assert!(matches!(from_iso_duration("PT23H59M59,5S"), Value::Time(_)));
        for (iso, hours) in [("P1DT2H", 26), ("PT36H00M00S", 36), ("-PT1H", -1)] {
            let elapsed = Value::Duration(chrono::TimeDelta::hours(hours));
            assert_eq!(from_iso_duration(iso), elapsed, "{iso}");
        }
        for bad in ["P", "PT", "PT10", "P1Y", "10:30", "PTXH"] {
            assert_eq!(from_iso_duration(bad), Value::text(bad), "{bad}");
        }
    }

    #[test]
    fn builder_stops_after_an_unwanted_header() {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
        let mut b = TableBuilder::new(Some(wanted));
        assert_eq!(b.push(0, 0, Value::text("Notes")), Flow::Continue);
        assert_eq!(b.push(0, 1, Value::text("More")), Flow::Continue);
        assert_eq!(b.push(1, 0, Value::text("x")), Flow::Stop);
        let SheetRead::Unwanted(headers) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected an unwanted header");
        };
        assert_eq!(headers.names(), ["Notes", "More"]);
    }

    /// Rows of text cells, `(row, col, text)`, through a builder wanting a phone column.
    fn built(cells: &[(u32, u32, &str)], header_row: Option<u32>) -> Table {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
        let mut b = TableBuilder::new(Some(wanted));
        b.header_row_wanted = header_row;
        for (row, col, text) in cells {
            if b.push(*row, *col, Value::text(*text)) == Flow::Stop {
                break;
            }
        }
        match b.finish(Path::new("x"), "S") {
            Ok(SheetRead::Table(t)) => t,
            Ok(SheetRead::Unwanted(h)) => panic!("unwanted header {:?}", h.names()),
            other => panic!("{other:?}", other = other.map(|_| ())),
        }
    }

    #[test]
    fn a_lone_title_above_the_header_is_skipped_and_reported() {
        let t = built(
            &[
                (0, 0, "Customer list, December"),
                (2, 0, "Phone"),
                (2, 1, "Name"),
                (3, 0, "961"),
                (3, 1, "Rana"),
            ],
            None,
        );
        assert_eq!(t.headers.names(), ["Phone", "Name"]);
        assert_eq!(t.title, Some((1, "Customer list, December".to_owned())));
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, 4);
    }

    #[test]
    fn a_one_column_sheet_keeps_its_header_and_first_row() {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("tel").is_some() || h.len() == 1;
        let mut b = TableBuilder::new(Some(wanted));
        for (row, text) in [(0, "Numbers"), (1, "961"), (2, "962")] {
            b.push(row, 0, Value::text(text));
        }
        let SheetRead::Table(t) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("a table");
        };
        assert_eq!(t.headers.names(), ["Numbers"]);
        assert_eq!(t.title, None);
        let numbers: Vec<u32> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 3]);
        // A wanted one-cell header is never a title.
        let t = built(&[(0, 0, "Phone"), (1, 0, "961"), (1, 1, "x")], None);
        assert_eq!(t.headers.names(), ["Phone", "B"]);
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn header_row_names_the_header_and_rows_above_are_not_read() {
        let t = built(
            &[
                (0, 0, "Report"),
                (0, 1, "for December"),
                (1, 0, "Phone"),
                (1, 1, "Name"),
                (2, 0, "961"),
            ],
            Some(1),
        );
        assert_eq!(t.headers.names(), ["Phone", "Name"]);
        assert_eq!(t.title, None);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, 3);
    }
}
