//! What a read produces: a sheet's header with its forgiving lookup, the rows with the row
//! numbers Excel shows, and what the caller asks for (which sheet, which header).

use super::error::*;
use crate::book::value::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// The header of a sheet, with the case- and space-insensitive lookup that placeholders,
/// `--to` and `--message-column` all use.
#[derive(Debug, Clone)]
pub struct Headers {
    pub(super) names: Vec<String>,
    pub(super) index: HashMap<String, usize>,
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

    /// True for a header with no columns (never produced by [`read`](fn@crate::book::read)).
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

pub(super) fn header_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// One data row: its 1-based spreadsheet row number and one value per header column.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row number a person sees in Excel (1-based, counting the header and blank rows).
    pub number: u32,
    /// Exactly `headers.len()` values.
    pub cells: Vec<Value>,
    /// Hidden in the spreadsheet program (by hand or by a filter), where the format records
    /// it (xlsx, ods); a person looking at the sheet does not see this row.
    pub hidden: bool,
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
    /// Sheets of the workbook that cannot be read and were left out (Excel 4.0 macro sheets).
    pub skipped_sheets: Vec<String>,
}

impl Table {
    /// How many of its rows are hidden in the spreadsheet program ([`Row::hidden`]).
    pub fn hidden_rows(&self) -> usize {
        self.rows.iter().filter(|r| r.hidden).count()
    }
}

/// Which sheet to read: `--sheet NAME|N`.
#[derive(Debug, Clone)]
pub enum SheetChoice {
    /// The first sheet whose header the caller wants.
    Auto,
    /// A sheet by name, or by 1-based position when no sheet has that name.
    Named(String),
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

/// Rows handed to [`read_with_progress`](crate::book::read_with_progress)'s callback at a time.
pub const ROW_BATCH: usize = 8192;

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

/// What [`read_with_progress`](crate::book::read_with_progress) shows the rows to, as they are read.
pub type OnRows<'a> = dyn FnMut(&Headers, &[Row]) + 'a;
