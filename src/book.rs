//! Reading the input: a workbook (xlsx, xlsm, xls, xlsb, ods) or a CSV file becomes a [`Table`]:
//! the header of the chosen sheet and its non-empty rows, each with the row number a person
//! sees in Excel. This module knows nothing about SMS; the caller says which sheet it wants
//! through a predicate on the header.
//!
//! Large xlsx/xlsb sheets are streamed cell by cell (calamine's cells readers) rather than
//! loaded as a dense range, so one stray value far away (say in XFD1048576) costs one cell,
//! not billions (tafia/calamine#428). xls and ods are loaded whole by calamine when opened.

use crate::value::Value;
use calamine::{
    Data, DataRef, ExcelDateTime, Ods, OdsError, Reader, SheetType, SheetVisible, Xls, XlsError,
    Xlsb, XlsbError, Xlsx, XlsxError,
};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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
    /// Non-empty cells right of the last header column, which have no name and are not read.
    pub cells_outside_header: usize,
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
    #[error("{path}: cannot read it: {source}")]
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
    #[error("{path}: the workbook is damaged or truncated ({detail})")]
    Corrupt { path: PathBuf, detail: String },
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
    /// How to fix it, for the error: "name the column with --to COLUMN".
    pub hint: String,
}

/// Reads the chosen sheet of `path`. With [`SheetChoice::Auto`] the first visible worksheet
/// whose header passes `wanted.test` is taken; with a named sheet, `wanted` is not consulted
/// (the caller checks the columns and explains what is missing).
pub fn read(path: &Path, choice: &SheetChoice, wanted: &Wanted<'_>) -> Result<Table, BookError> {
    let mut book = Book::open(path)?;
    let sheets = book.sheets();
    match choice {
        SheetChoice::Named(name) => {
            let sheet = pick_named(&sheets, name).ok_or_else(|| BookError::NoSuchSheet {
                path: path.to_owned(),
                wanted: name.clone(),
                sheets: list_names(&sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>()),
            })?;
            match book.read_sheet(&sheet.name, None)? {
                SheetRead::Table(table) => Ok(table),
                SheetRead::Empty | SheetRead::Unwanted(_) => Err(BookError::EmptySheet {
                    path: path.to_owned(),
                    sheet: sheet.name.clone(),
                }),
            }
        }
        SheetChoice::Auto => {
            let mut seen = Vec::new();
            for sheet in sheets.iter().filter(|s| s.auto_candidate) {
                match book.read_sheet(&sheet.name, Some(wanted.test))? {
                    SheetRead::Table(table) => return Ok(table),
                    SheetRead::Empty => {}
                    SheetRead::Unwanted(headers) => seen.push(format!(
                        "sheet {:?} has headers {}",
                        sheet.name,
                        headers.listing()
                    )),
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
                hint: wanted.hint.clone(),
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
        .or_else(|| {
            sheets
                .iter()
                .find(|s| s.name.trim().to_lowercase() == trimmed.to_lowercase())
        })
        .or_else(|| {
            let n: usize = trimmed.parse().ok()?;
            sheets.get(n.checked_sub(1)?)
        })
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
            (Magic::Zip, ext) => open_zip(path, ext)?,
            (Magic::Cfb, _) => {
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
    ) -> Result<SheetRead, BookError> {
        let path = &self.path;
        let mut builder = TableBuilder::new(wanted);
        match &mut self.kind {
            Kind::Xlsx(b) => {
                let mut cells = b
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| xlsx_error(path, e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| xlsx_error(path, e))? {
                    let (row, col) = cell.get_position();
                    if builder.push(row, col, from_data_ref(cell.get_value())) == Flow::Stop {
                        break;
                    }
                }
            }
            Kind::Xlsb(b) => {
                let mut cells = b
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| xlsb_error(path, e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| xlsb_error(path, e))? {
                    let (row, col) = cell.get_position();
                    if builder.push(row, col, from_data_ref(cell.get_value())) == Flow::Stop {
                        break;
                    }
                }
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

fn push_range(builder: &mut TableBuilder<'_>, range: &calamine::Range<Data>) {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, c, data) in range.used_cells() {
        // A sheet never has more than 2^20 rows or 2^14 columns, so these casts are exact.
        let (row, col) = (row0 + r as u32, col0 + c as u32);
        if builder.push(row, col, from_data(data.clone())) == Flow::Stop {
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
    } else {
        Magic::Other
    })
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

/// xlsx, xlsm, xlsb and ods are all zip archives: the extension says which reader to try
/// first, and the others are tried when it fails, so a file saved under the wrong name still
/// opens. When none can read it, the error of the reader the extension asked for is reported.
fn open_zip(path: &Path, ext: &str) -> Result<Kind, BookError> {
    type Opener = fn(&Path) -> Result<Kind, BookError>;
    let xlsx: Opener = |p| Ok(Kind::Xlsx(Box::new(open_calamine(p, xlsx_error)?)));
    let xlsb: Opener = |p| Ok(Kind::Xlsb(Box::new(open_calamine(p, xlsb_error)?)));
    let ods: Opener = |p| Ok(Kind::Ods(Box::new(open_calamine(p, ods_error)?)));
    let order = match ext {
        "xlsb" => [xlsb, xlsx, ods],
        "ods" => [ods, xlsx, xlsb],
        _ => [xlsx, xlsb, ods],
    };
    let mut first_error = None;
    for open in order {
        match open(path) {
            Ok(kind) => return Ok(kind),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| corrupt(path, "unreadable zip archive")))
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

fn xlsx_error(path: &Path, e: XlsxError) -> BookError {
    match e {
        XlsxError::Password => BookError::Encrypted {
            path: path.to_owned(),
        },
        XlsxError::Io(source) => io_error(path, source),
        other => corrupt(path, other),
    }
}

fn xlsb_error(path: &Path, e: XlsbError) -> BookError {
    match e {
        XlsbError::Io(source) => io_error(path, source),
        other => corrupt(path, other),
    }
}

fn xls_error(path: &Path, e: XlsError) -> BookError {
    match e {
        XlsError::Password => BookError::Encrypted {
            path: path.to_owned(),
        },
        XlsError::Io(source) => io_error(path, source),
        other => corrupt(path, other),
    }
}

fn ods_error(path: &Path, e: OdsError) -> BookError {
    match e {
        OdsError::Password => BookError::Encrypted {
            path: path.to_owned(),
        },
        OdsError::Io(source) => io_error(path, source),
        other => corrupt(path, other),
    }
}

fn from_data_ref(data: &DataRef<'_>) -> Value {
    match data {
        DataRef::SharedString(s) => Value::text(*s),
        DataRef::String(s) => Value::text(s.as_str()),
        DataRef::Int(i) => Value::Int(*i),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => from_excel_datetime(dt),
        DataRef::DateTimeIso(s) => from_iso_datetime(s),
        DataRef::DurationIso(s) => Value::text(s.as_str()),
        DataRef::Error(e) => Value::Error(e.to_string().into()),
        DataRef::Empty => Value::Empty,
    }
}

/// The one place a calamine cell becomes a [`Value`] (qsv's `match` on `Data`, made total).
fn from_data(data: Data) -> Value {
    match data {
        Data::String(s) => Value::Text(s.into_boxed_str()),
        Data::Int(i) => Value::Int(i),
        Data::Float(f) => Value::Number(f),
        Data::Bool(b) => Value::Bool(b),
        Data::DateTime(dt) => from_excel_datetime(&dt),
        Data::DateTimeIso(s) => from_iso_datetime(&s),
        Data::DurationIso(s) => Value::Text(s.into_boxed_str()),
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

fn from_iso_datetime(s: &str) -> Value {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    if let Ok(dt) = s.parse::<NaiveDateTime>() {
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

/// Whether a cell source should keep feeding cells.
#[derive(Debug, PartialEq)]
enum Flow {
    Continue,
    Stop,
}

/// Turns a row-major stream of cells into a header and rows; shared by every format so the
/// header, blank-row and row-number rules are written once.
struct TableBuilder<'a> {
    wanted: Option<&'a dyn Fn(&Headers) -> bool>,
    header_cells: Vec<(u32, Value)>,
    header_row: Option<u32>,
    headers: Option<Headers>,
    rejected_headers: Option<Headers>,
    current_row: Option<u32>,
    current: Vec<Value>,
    current_has_data: bool,
    rows: Vec<Row>,
    cells_outside_header: usize,
}

impl<'a> TableBuilder<'a> {
    fn new(wanted: Option<&'a dyn Fn(&Headers) -> bool>) -> TableBuilder<'a> {
        TableBuilder {
            wanted,
            header_cells: Vec::new(),
            header_row: None,
            headers: None,
            rejected_headers: None,
            current_row: None,
            current: Vec::new(),
            current_has_data: false,
            rows: Vec::new(),
            cells_outside_header: 0,
        }
    }

    /// Takes one cell (0-based row and column). Cells must come row by row.
    fn push(&mut self, row: u32, col: u32, value: Value) -> Flow {
        if self.current_row != Some(row) && self.end_row() == Flow::Stop {
            return Flow::Stop;
        }
        self.current_row = Some(row);
        if value.is_blank() {
            return Flow::Continue;
        }
        match &self.headers {
            None => {
                self.header_row = Some(row);
                self.header_cells.push((col, value));
            }
            Some(headers) => {
                let col = col as usize;
                if col >= headers.len() {
                    self.cells_outside_header += 1;
                    return Flow::Continue;
                }
                if self.current.is_empty() {
                    self.current = vec![Value::Empty; headers.len()];
                }
                self.current[col] = value;
                self.current_has_data = true;
            }
        }
        Flow::Continue
    }

    /// Closes the row being collected; stops the stream when the header is not wanted.
    fn end_row(&mut self) -> Flow {
        if self.headers.is_none() {
            if self.header_cells.is_empty() {
                return Flow::Continue;
            }
            let headers = Headers::new(header_names(&self.header_cells));
            if let Some(wanted) = self.wanted
                && !wanted(&headers)
            {
                self.rejected_headers = Some(headers);
                return Flow::Stop;
            }
            self.headers = Some(headers);
            return Flow::Continue;
        }
        if self.current_has_data
            && let Some(row) = self.current_row
        {
            self.rows.push(Row {
                number: row + 1,
                cells: std::mem::take(&mut self.current),
            });
        }
        self.current.clear();
        self.current_has_data = false;
        Flow::Continue
    }

    fn finish(mut self, path: &Path, sheet: &str) -> Result<SheetRead, BookError> {
        if self.rejected_headers.is_none() {
            self.end_row();
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
            });
        }
        Ok(SheetRead::Table(Table {
            path: path.to_owned(),
            sheet: sheet.to_owned(),
            headers,
            rows: self.rows,
            cells_outside_header: self.cells_outside_header,
        }))
    }
}

/// Header texts from the header row's cells: trimmed, gaps named by their column letter so
/// every column of the results has a title.
fn header_names(cells: &[(u32, Value)]) -> Vec<String> {
    let width = cells
        .iter()
        .map(|(c, _)| *c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut names: Vec<String> = (0..width).map(|c| column_letter(c as u32)).collect();
    let fmt = crate::value::ValueFormat::default();
    for (col, value) in cells {
        names[*col as usize] = fmt.display(value).trim().to_owned();
    }
    names
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
/// from the first line, every cell text, and row numbers that count blank lines like Excel.
fn read_csv(path: &Path, builder: &mut TableBuilder<'_>) -> Result<(), BookError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut input = BufReader::with_capacity(1 << 16, file);
    let head = input.fill_buf().map_err(|e| io_error(path, e))?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(BookError::Utf16 {
            path: path.to_owned(),
        });
    }
    let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let delimiter = detect_delimiter(&head[bom..]);
    input.consume(bom);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    // Excel shows every line, blank ones included, as a row, and the csv crate skips blank
    // lines; so each record's row number is worked out from where it ends: the line after it,
    // minus the line breaks inside its quoted fields.
    let file_len = std::fs::metadata(path)
        .map_err(|e| io_error(path, e))?
        .len();
    let ends_with_newline = last_byte(path)? == Some(b'\n');
    let mut row: u64 = 0;
    let mut previous_end_line: u64 = 0;
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
        let end = reader.position();
        let newlines_inside: u64 = record
            .iter()
            .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
            .sum();
        let terminated = (end.byte() + bom as u64) < file_len || ends_with_newline;
        let last_line = end.line() - u64::from(terminated);
        let first_line = last_line - newlines_inside;
        let blank_lines_before = first_line.saturating_sub(previous_end_line + 1);
        row += blank_lines_before + 1;
        previous_end_line = last_line;
        let row0 = u32::try_from(row - 1).unwrap_or(u32::MAX);
        for (col, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| BookError::NotUtf8 {
                path: path.to_owned(),
                line: first_line,
            })?;
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            if builder.push(row0, col, Value::text(text)) == Flow::Stop {
                return Ok(());
            }
        }
    }
    Ok(())
}

fn last_byte(path: &Path) -> Result<Option<u8>, BookError> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    if file.seek(SeekFrom::End(-1)).is_err() {
        return Ok(None);
    }
    let mut byte = [0u8; 1];
    let n = read_up_to(&mut file, &mut byte).map_err(|e| io_error(path, e))?;
    Ok((n == 1).then_some(byte[0]))
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
        assert_eq!(t.headers.names(), ["A", "Phone", "C", "Name"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].number, 4);
        assert_eq!(t.rows[1].number, 7);
        assert_eq!(t.rows[1].cells[3], Value::text("Ali"));
        assert_eq!(t.cells_outside_header, 1);
    }

    #[test]
    fn builder_stops_after_an_unwanted_header() {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
        let mut b = TableBuilder::new(Some(wanted));
        assert_eq!(b.push(0, 0, Value::text("Notes")), Flow::Continue);
        assert_eq!(b.push(1, 0, Value::text("x")), Flow::Stop);
        let SheetRead::Unwanted(headers) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected an unwanted header");
        };
        assert_eq!(headers.names(), ["Notes"]);
    }
}
