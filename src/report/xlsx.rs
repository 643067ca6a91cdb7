//! The Results sheet of the workbook: an Excel table over every row, columns sized and
//! wrapped to read in any spreadsheet program, printed as a report.

use super::rows::*;
use super::sheet::*;
use super::styles::*;
use super::summary::*;
use super::types::*;
use crate::book::value::Value;
use chrono::{FixedOffset, NaiveTime, Timelike};
use rust_xlsxwriter::{
    Format, IgnoreError, Table as XlsxTable, TableColumn, TableStyle, Workbook, Worksheet,
    XlsxError,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

pub(super) fn write_xlsx(
    out: &mut (impl Write + Send),
    report: &Report<'_>,
    results_table: &ResultsTable,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    // zlib's default level 6 took a quarter of a dry run's CPU time. Level 2 costs ~9% less
    // CPU than level 3 for the whole dry run (100k rows) for a file 5-6% larger; level 1
    // saves more but makes the file 1.5 times as large.
    workbook.set_zip_compression_level(2);
    let styles = Styles::new();
    let table = report.table;
    let recipient_col = col_num(table.headers.len() + 3);

    // A sheet of at most SIZED_ROWS rows is kept in memory, where rows may be sized in any
    // order; a larger one is streamed. rust_xlsxwriter 0.102's constant-memory mode writes
    // the last row twice when that row was given a height (`flush_last_row`), which a
    // streamed sheet never does: its last row is beyond the sized ones.
    let sheet = if report.table.rows.len() <= SIZED_ROWS {
        workbook.add_worksheet()
    } else {
        workbook.add_worksheet_with_constant_memory()?
    };
    sheet.set_name("Results")?;
    sheet.set_freeze_panes(1, 0)?;
    // Recipients are written as text so no digit is lost; don't let Excel flag each one.
    sheet.ignore_error_range(
        1,
        recipient_col,
        results_table.last_row,
        recipient_col,
        IgnoreError::NumberStoredAsText,
    )?;
    let layout = column_layout(report);
    for (col, column) in layout.iter().enumerate() {
        sheet.set_column_width(col_num(col), column.width)?;
    }
    print_as_report(sheet)?;
    // Every page of a printed Results sheet starts with the header row.
    sheet.set_repeat_rows(0, 0)?;
    // Other programs do not draw the table's banding: lines keep a printed row readable.
    sheet.set_print_gridlines(true);
    // The table writes the header row; in constant-memory mode that has to come before the
    // rows below it.
    let columns: Vec<TableColumn> = table_column_names(&header_row(table))
        .into_iter()
        .map(|name| {
            TableColumn::new()
                .set_header(name)
                .set_header_format(&styles.header)
        })
        .collect();
    sheet.add_table(
        0,
        0,
        ResultsTable::DRAFT_LAST_ROW,
        results_table.last_col,
        &XlsxTable::new()
            .set_style(TableStyle::Medium2)
            .set_columns(&columns),
    )?;
    let cells = CellWriter {
        styles: &styles,
        layout: &layout,
        offset: *report.run.started.offset(),
    };
    for (i, row) in rows(report).enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if i >= SIZED_ROWS {
            for (col, cell) in row.enumerate() {
                cells.write(sheet, r, col, cell)?;
            }
            continue;
        }
        // In constant-memory mode a row's height must be set before its cells are written.
        let row: Vec<OutCell<'_>> = row.collect();
        let lines = row
            .iter()
            .zip(&layout)
            .filter(|(_, column)| column.wrap)
            .map(|(cell, column)| wrapped_lines(cell, column.width))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            sheet.set_row_height(r, (LINE_HEIGHT * lines as f64).min(MAX_ROW_HEIGHT))?;
        }
        for (col, cell) in row.into_iter().enumerate() {
            cells.write(sheet, r, col, cell)?;
        }
    }

    write_summary(workbook.add_worksheet(), report, &styles)?;
    workbook.save_to_writer(out)
}

/// Rows given the height their wrapped texts need. Neither LibreOffice nor a PDF export
/// sizes rows to wrapped text by itself, so the height is written; rust_xlsxwriter keeps an
/// entry per sized row for the whole write, so only the first rows (all of any sheet one
/// would print) are sized, and the memory stays bounded. Beyond them Excel sizes the rows
/// when it opens the file.
pub(super) const SIZED_ROWS: usize = 10_000;

/// One line of the default 11-point font, in points.
pub(super) const LINE_HEIGHT: f64 = 15.0;

/// The tallest row Excel allows, in points.
pub(super) const MAX_ROW_HEIGHT: f64 = 409.0;

/// The lines a cell's text takes when wrapped in a column `width` characters wide: every
/// line break starts a line, and a long line takes as many as its length needs (a little
/// more than the width by characters, since words are not cut).
pub(super) fn wrapped_lines(cell: &OutCell<'_>, width: f64) -> usize {
    let text = match cell {
        OutCell::Text(s) => &**s,
        OutCell::Original(Value::Text(s)) => &**s,
        _ => return 1,
    };
    // A column's width counts digits; most letters are narrower, so a line of one character
    // less than the width fits.
    let per_line = (width - 1.0).max(4.0) as usize;
    if text.len() <= per_line && !text.contains('\n') {
        return 1;
    }
    text.split('\n')
        .map(|line| line.chars().count().div_ceil(per_line).max(1))
        .sum()
}

/// Writes the Results sheet's cells with their formats.
pub(super) struct CellWriter<'a> {
    pub(super) styles: &'a Styles,
    pub(super) layout: &'a [ColumnLayout],
    /// Sent At is shown in the run's time zone, which the Summary names.
    pub(super) offset: FixedOffset,
}

impl CellWriter<'_> {
    pub(super) fn write(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        col: usize,
        cell: OutCell<'_>,
    ) -> Result<(), XlsxError> {
        let styles = self.styles;
        let wrap = self.layout.get(col).is_some_and(|c| c.wrap);
        let col = col_num(col);
        match cell {
            OutCell::Blank => {}
            OutCell::Text(s) => write_text(sheet, row, col, &s, styles.text(wrap))?,
            OutCell::Original(Value::Text(s)) => write_text(sheet, row, col, s, styles.text(wrap))?,
            OutCell::Count(n) => {
                sheet.write_number_with_format(row, col, n as f64, &styles.plain)?;
            }
            OutCell::Status(status) => {
                sheet.write_string_with_format(row, col, status.as_str(), styles.status(status))?;
            }
            OutCell::Moment(t) => {
                // To the second, as the CSV's RFC 3339 text has it.
                let local = t.with_timezone(&self.offset).naive_local();
                let local = local.with_nanosecond(0).unwrap_or(local);
                sheet.write_datetime_with_format(row, col, local, &styles.moment)?;
            }
            OutCell::Original(value) => write_original(sheet, row, col, value, styles)?,
        }
        Ok(())
    }
}

pub(super) fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, col, fit_cell(text), format)?;
    Ok(())
}

/// Writes an input cell back with its own type: numbers stay numbers, dates stay dates.
pub(super) fn write_original(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    styles: &Styles,
) -> Result<(), XlsxError> {
    match value {
        Value::Empty => {}
        Value::Text(s) => write_text(sheet, row, col, s, &styles.plain)?,
        Value::Error(s) => write_text(sheet, row, col, s, &styles.plain)?,
        Value::Int(i) => write_number(sheet, row, col, *i as f64, styles)?,
        Value::Number(n) => write_number(sheet, row, col, *n, styles)?,
        Value::Bool(b) => {
            sheet.write_boolean_with_format(row, col, *b, &styles.boolean)?;
        }
        Value::DateTime(dt) => {
            let style = if dt.time() == NaiveTime::MIN {
                &styles.date
            } else {
                &styles.date_time
            };
            sheet.write_datetime_with_format(row, col, dt, style)?;
        }
        Value::Time(t) => {
            let style = if t.second() == 0 {
                &styles.time
            } else {
                &styles.time_seconds
            };
            sheet.write_datetime_with_format(row, col, t, style)?;
        }
        Value::Duration(d) => {
            let days = d.num_milliseconds() as f64 / 86_400_000.0;
            sheet.write_number_with_format(row, col, days, &styles.duration)?;
        }
    }
    Ok(())
}

pub(super) fn write_number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    n: f64,
    styles: &Styles,
) -> Result<(), XlsxError> {
    if n.fract() == 0.0 && n.abs() >= 1e9 {
        sheet.write_number_with_format(row, col, n, &styles.long_number)?;
    } else {
        sheet.write_number_with_format(row, col, n, &styles.plain)?;
    }
    Ok(())
}

/// The Results table's column names: the header's titles as Excel takes them in a table,
/// which is stricter than a cell. A name is at most 255 characters, on one line (control
/// characters become spaces), and unique ignoring case: a repeat gets 2, 3, ... appended, as
/// Excel does when it makes a table. The header cells show these names, as Excel requires.
pub(super) fn table_column_names(titles: &[Cow<'_, str>]) -> Vec<String> {
    let mut taken = HashSet::new();
    // The last number appended to each name, so many repeats of one name stay linear.
    let mut last_suffix: HashMap<String, usize> = HashMap::new();
    titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let mut base: String = title
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if base.trim().is_empty() {
                base = format!("Column{}", i + 1);
            }
            let mut name = cut_utf16(&base, MAX_TABLE_COLUMN_CHARS).to_owned();
            if taken.insert(name.to_lowercase()) {
                return name;
            }
            let n = last_suffix.entry(base.to_lowercase()).or_insert(1);
            loop {
                *n += 1;
                let suffix = n.to_string();
                name = format!(
                    "{}{suffix}",
                    cut_utf16(&base, MAX_TABLE_COLUMN_CHARS - suffix.len())
                );
                if taken.insert(name.to_lowercase()) {
                    return name;
                }
            }
        })
        .collect()
}

/// Where the Results sheet's Excel table lies, and how it gets there.
///
/// rust_xlsxwriter 0.102's `add_table` keeps a hash map entry for every cell of the table's
/// range, to find overlapping tables. In constant-memory mode that undoes the point: for a
/// 100 000-row results sheet it cost 52 MB and a quarter of a second more, for a million
/// rows 417 MB and 17 s more. So the table is added over the header and one row only (the
/// draft), and when the workbook is complete its part is copied with the range widened to
/// every row. Every other part is copied still compressed, so this costs one copy of the
/// file. An `add_table` that costs nothing per cell would make this unnecessary.
pub(super) struct ResultsTable {
    /// The last column of the table.
    pub(super) last_col: u16,
    /// The last row of the table (row 0 is the header).
    pub(super) last_row: u32,
}

impl ResultsTable {
    /// The last row of the table as `add_table` is given it.
    const DRAFT_LAST_ROW: u32 = 1;

    /// The part rust_xlsxwriter writes the workbook's first table to.
    const PART: &str = "xl/tables/table1.xml";

    pub(super) fn of(report: &Report<'_>) -> ResultsTable {
        ResultsTable {
            last_col: col_num(report.table.headers.len() + RESULT_COLUMNS.len()),
            // A table has at least one row under its header.
            last_row: u32::try_from(report.table.rows.len())
                .unwrap_or(u32::MAX)
                .max(Self::DRAFT_LAST_ROW),
        }
    }

    /// Copies the `draft` workbook to `out` with the table widened to every row.
    pub(super) fn widen(&self, draft: File, out: impl Write + Seek) -> std::io::Result<()> {
        let range = |last_row| {
            format!(
                "ref=\"{}\"",
                rust_xlsxwriter::utility::cell_range(0, 0, last_row, self.last_col)
            )
        };
        let (draft_range, full_range) = (range(Self::DRAFT_LAST_ROW), range(self.last_row));
        let mut archive = ZipArchive::new(BufReader::new(draft))?;
        let mut zip = ZipWriter::new(out);
        for i in 0..archive.len() {
            let part = archive.by_index_raw(i)?;
            if part.name_raw() != Self::PART.as_bytes() {
                zip.raw_copy_file(part)?;
                continue;
            }
            drop(part);
            let mut xml = String::new();
            archive.by_index(i)?.read_to_string(&mut xml)?;
            // The range of the table and of its autofilter.
            if xml.matches(&draft_range).count() != 2 {
                return Err(std::io::Error::other(format!(
                    "{}: no table of {draft_range}",
                    Self::PART
                )));
            }
            zip.start_file(
                Self::PART,
                SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
            )?;
            zip.write_all(xml.replace(&draft_range, &full_range).as_bytes())?;
        }
        zip.finish()?;
        Ok(())
    }
}

/// How one Results column is laid out.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ColumnLayout {
    /// In characters, as Excel counts a column's width.
    pub(super) width: f64,
    /// Whether its texts wrap inside the column (every line of a message shows).
    pub(super) wrap: bool,
}

/// Texts longer than this wrap, in a column this wide: a message reads as a paragraph, and
/// the sheet still prints one page wide.
pub(super) const WRAP_WIDTH: usize = 36;

/// Our columns whose texts always wrap, and the width each is given at most.
pub(super) const WRAPPED_RESULT_COLUMNS: [(&str, usize); 3] =
    [("Message", 40), ("Detail", 30), ("Note", 30)];

/// Column widths from the header and the first rows, so a person can read the sheet
/// without resizing; bounded so one long message does not make a column a screen wide, and
/// long or many-line texts (messages, details) wrap instead of being cut off.
pub(super) fn column_layout(report: &Report<'_>) -> Vec<ColumnLayout> {
    const SAMPLE_ROWS: usize = 500;
    let header = header_row(report.table);
    let first_ours = 1 + report.table.headers.len();
    // Per column: the widest line seen and whether a text had several lines.
    let mut seen: Vec<(usize, bool)> = header
        .iter()
        .map(|h| (h.chars().count() + 3, false))
        .collect();
    for row in rows(report).take(SAMPLE_ROWS) {
        for (col, cell) in row.enumerate() {
            let (len, lines) = match cell {
                OutCell::Blank => (0, false),
                OutCell::Text(s) => text_extent(&s),
                OutCell::Original(Value::Text(s)) => text_extent(s),
                OutCell::Count(n) => (n.to_string().len(), false),
                OutCell::Original(v) => (report.format.display(v).chars().count(), false),
                OutCell::Status(s) => (s.as_str().len() + 2, false),
                OutCell::Moment(_) => ("2026-12-31 23:59:59".len(), false),
            };
            if let Some((w, many)) = seen.get_mut(col) {
                *w = (*w).max(len + 1);
                *many |= lines;
            }
        }
    }
    seen.into_iter()
        .enumerate()
        .map(|(col, (widest, many_lines))| {
            let ours = col
                .checked_sub(first_ours)
                .and_then(|i| RESULT_COLUMNS.get(i))
                .and_then(|name| WRAPPED_RESULT_COLUMNS.iter().find(|(n, _)| n == name));
            let (wrap, cap) = match ours {
                Some((_, cap)) => (true, *cap),
                None => (many_lines || widest > WRAP_WIDTH + 1, WRAP_WIDTH),
            };
            let width = if wrap { widest.min(cap) } else { widest };
            ColumnLayout {
                width: width.clamp(6, 60) as f64,
                wrap,
            }
        })
        .collect()
}

/// The longest line of a text in characters, and whether it has more than one line.
pub(super) fn text_extent(text: &str) -> (usize, bool) {
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest, text.contains('\n'))
}
