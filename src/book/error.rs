//! Why a file could not be read, in words a person can act on: never a parser's internal
//! text, always the file's name.

use calamine::{OdsError, XlsError, XlsbError, XlsxError};
use std::path::{Path, PathBuf};

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

pub(super) fn io_error(path: &Path, source: std::io::Error) -> BookError {
    BookError::Io {
        path: path.to_owned(),
        source,
    }
}

pub(super) fn corrupt(path: &Path, detail: impl std::fmt::Display) -> BookError {
    BookError::Corrupt {
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

// What is wrong with a damaged file, in words a person can act on. The readers' own texts
// (`Text(BytesText { content: Borrowed(...) })`, record numbers) never reach a message.
pub(super) const BROKEN_ZIP: &str = "its zip archive is broken";

pub(super) const BROKEN_XML: &str = "its XML is broken";

pub(super) const BAD_VALUE: &str = "a cell holds a value its format does not allow";

pub(super) const BROKEN_RECORDS: &str = "its records are broken";

pub(super) const UNKNOWN_CONTENT: &str = "its content is not what the format says";

pub(super) fn missing_part(part: &str) -> String {
    format!("the part {part} is missing")
}

pub(super) fn missing_sheet(sheet: &str) -> String {
    format!("the sheet {sheet:?} it lists is missing")
}

pub(super) fn xlsx_error(path: &Path, e: XlsxError) -> BookError {
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

pub(super) fn xlsb_error(path: &Path, e: XlsbError) -> BookError {
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

pub(super) fn xls_error(path: &Path, e: XlsError) -> BookError {
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

pub(super) fn ods_error(path: &Path, e: OdsError) -> BookError {
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
