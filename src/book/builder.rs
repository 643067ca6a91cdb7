//! Cells, in reading order, become a [`Table`]: the header found (after a
//! lone title row, or at `--header-row`), empty rows and columns left out, limits kept.

use super::cells::*;
use super::error::*;
use super::hidden::HiddenRows;
use super::table::*;
use crate::book::value::Value;
use calamine::{Data, DataRef};
use std::collections::HashMap;
use std::path::Path;

/// What reading one sheet gave.
pub(super) enum SheetRead {
    /// The sheet, read.
    Table(Table),
    /// Nothing in it.
    Empty,
    /// Its header is not what the caller wants; reading stopped there.
    Unwanted(Headers),
}

/// Whether a cell source should keep feeding cells.
#[derive(Debug, PartialEq)]
pub(super) enum Flow {
    Continue,
    Stop,
}

/// Columns in an Excel sheet.
pub(super) const MAX_COLUMNS: u32 = 16_384;

/// Untitled columns with data that are kept (the first ones, in sheet order).
pub(super) const MAX_UNTITLED_COLUMNS: usize = 50;

/// Turns a row-major stream of cells into a header and rows; shared by every format so the
/// header, blank-row and row-number rules are written once.
///
/// Columns are kept compact: a table has the titled columns plus any untitled column that
/// holds data, in sheet order. A lone title in XFD1 costs one column, not 16 384 per row,
/// and a value typed right of the header is kept (titled by its letter), never dropped.
pub(super) struct TableBuilder<'a> {
    pub(super) wanted: Option<&'a dyn Fn(&Headers) -> bool>,
    /// Shown the rows as they are completed, [`ROW_BATCH`] at a time.
    pub(super) on_rows: Option<&'a mut OnRows<'a>>,
    /// Rows already shown to `on_rows`.
    pub(super) shown: usize,
    pub(super) header_cells: Vec<(u32, Value)>,
    pub(super) header_row: Option<u32>,
    /// `--header-row`, 0-based: rows above it are not read; no title is looked for.
    pub(super) header_row_wanted: Option<u32>,
    /// A first non-empty row of one text cell, held until the next row says whether it is a
    /// title (the next row has several titles) or the header of a one-column sheet.
    pub(super) title_cells: Option<(u32, Vec<(u32, Value)>)>,
    /// The title that was skipped.
    pub(super) title: Option<(u32, String)>,
    /// Whether the first row was already looked at as a possible title.
    pub(super) title_checked: bool,
    /// Sheet column → table column, for the titled columns (indexed by sheet column, up to
    /// the last titled one: a lookup per cell, so no hashing).
    pub(super) titled: Vec<Option<usize>>,
    /// Shares repeated texts between rows.
    pub(super) texts: TextInterner,
    pub(super) headers: Option<Headers>,
    pub(super) rejected_headers: Option<Headers>,
    pub(super) current_row: Option<u32>,
    pub(super) current: Vec<Value>,
    pub(super) current_has_data: bool,
    pub(super) rows: Vec<Row>,
    /// Values in untitled columns: (index in `rows`, sheet column, value). Rare, so kept
    /// aside and merged in `finish` rather than widening every row.
    pub(super) untitled: Vec<(usize, u32, Value)>,
    /// Untitled columns beyond [`MAX_UNTITLED_COLUMNS`], dropped.
    pub(super) ignored_columns: usize,
    /// Finds the sheet's hidden rows; called once the header is accepted, so a sheet that is
    /// not wanted, or a format that records none, costs nothing.
    pub(super) find_hidden: Option<Box<dyn FnOnce() -> HiddenRows + 'a>>,
    /// The sheet's hidden rows, once found.
    pub(super) hidden: HiddenRows,
}

impl<'a> TableBuilder<'a> {
    pub(super) fn new(wanted: Option<&'a dyn Fn(&Headers) -> bool>) -> TableBuilder<'a> {
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
            find_hidden: None,
            hidden: HiddenRows::default(),
        }
    }

    /// A streaming reader's cell as a value, its text shared with equal texts above it.
    pub(super) fn value_of_ref(&mut self, col: u32, data: &DataRef<'_>) -> Value {
        from_data_ref(data, &mut self.texts, col)
    }

    /// A loaded sheet's cell as a value, its text shared with equal texts above it.
    pub(super) fn value_of(&mut self, col: u32, data: &Data) -> Value {
        from_data(data, &mut self.texts, col)
    }

    /// Takes one cell (0-based row and column). Cells must come row by row.
    pub(super) fn push(&mut self, row: u32, col: u32, value: Value) -> Flow {
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
    pub(super) fn end_row(&mut self) -> Flow {
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
            if let Some(find) = self.find_hidden.take() {
                self.hidden = find();
            }
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
                hidden: self.hidden.contains(row),
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
    pub(super) fn header_names(&self) -> Headers {
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
    pub(super) fn could_be_title(&self, headers: &Headers) -> bool {
        matches!(self.header_cells.as_slice(), [(_, Value::Text(_))])
            && !self.wanted.is_some_and(|wanted| wanted(headers))
    }

    /// Shows the rows completed since the last call to `on_rows`.
    pub(super) fn show_rows(&mut self) {
        if let (Some(on_rows), Some(headers)) = (self.on_rows.as_mut(), &self.headers) {
            on_rows(headers, &self.rows[self.shown..]);
        }
        self.shown = self.rows.len();
    }

    pub(super) fn finish(mut self, path: &Path, sheet: &str) -> Result<SheetRead, BookError> {
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
            skipped_sheets: Vec::new(),
        }))
    }

    /// Adds the untitled columns that hold data, in sheet order, titled by their letters.
    pub(super) fn merge_untitled(&mut self, headers: Headers) -> (Headers, Vec<String>) {
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
