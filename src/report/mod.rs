//! The results file: every input row once, in input order, with its original columns (types
//! kept) and what happened to it; plus a Summary sheet. `.xlsx` or `.csv`, chosen by the
//! output's extension.
//!
//! The file is written to a temporary file in the destination folder and renamed into place,
//! so a crash never leaves a half-written results file behind, and an existing results file
//! is replaced only by a complete one.
//!
//! In a workbook the Results sheet is an Excel table (filter and sort buttons, banded rows),
//! and the Summary sheet has a chart of the rows per status and a table of messages and
//! segments per encoding.

use crate::book::Table;
use crate::book::value::{Value, ValueFormat};
use crate::plan::outcome::{Outcomes, RowOutcome, Status, Tone, Totals};
use crate::plan::{Plan, PlannedRow};
use chrono::{DateTime, FixedOffset, NaiveTime, Timelike};
use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartFormat, ChartPoint, ChartSolidFill, ChartType, Color, Format,
    FormatAlign, FormatBorder, IgnoreError, Table as XlsxTable, TableColumn, TableStyle, Workbook,
    Worksheet, XlsxError,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The columns smsmerge adds after the original ones, in order.
pub const RESULT_COLUMNS: [&str; 10] = [
    "Status",
    "Detail",
    "Recipient",
    "Message",
    "Encoding",
    "Segments",
    "Attempts",
    "Sent At",
    "Gateway Reference",
    "Note",
];

/// Columns in a sheet (A to XFD).
pub const MAX_COLUMNS: usize = 16_384;

/// Excel refuses longer cell texts (`MaxStringLengthExceeded`).
const MAX_CELL_CHARS: usize = 32_767;

/// Excel refuses longer table column names (MS-OI29500 2.1.681).
const MAX_TABLE_COLUMN_CHARS: usize = 255;

/// What kind of run it was, in the one word `--json` gives as its `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `--dry-run`: nothing was sent.
    DryRun,
    /// `--simulate`: sent to the simulator inside smsmerge; nothing left the machine.
    Simulated,
    /// Through a gateway.
    Real,
}

impl RunKind {
    /// `dry-run`, `simulated` or `real`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::DryRun => "dry-run",
            RunKind::Simulated => "simulated",
            RunKind::Real => "real",
        }
    }
}

/// Facts about the run for the Summary sheet.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// What kind of run it was.
    pub kind: RunKind,
    /// The kind of run in words, for a person: dry run, simulated, or sent through the
    /// gateway, and how it ended when it sent nothing.
    pub mode: String,
    /// When the run started.
    pub started: DateTime<FixedOffset>,
    /// When the results were complete.
    pub finished: DateTime<FixedOffset>,
    /// The gateway's host (never its URL, which could carry credentials).
    pub gateway: Option<String>,
    /// The sender id, or "per row".
    pub sender: Option<String>,
    /// Messages handed to dispatch.
    pub dispatched: usize,
    /// Time from the first request to the last answer.
    pub sending_seconds: Option<f64>,
    /// The balance before sending, as the gateway wrote it.
    pub balance_before: Option<String>,
    /// The balance after sending.
    pub balance_after: Option<String>,
    /// Why the batch stopped early, if it did.
    pub stopped: Option<String>,
    /// What an earlier, unfinished run of the batch had already done.
    pub resumed: Option<String>,
    /// The price of the segments sent (or, in a dry run, to send), when `price_per_segment`
    /// is configured.
    pub estimated_cost: Option<String>,
}

impl RunInfo {
    /// A run of this kind and mode that started now-ish; the rest is filled in as it goes.
    pub fn new(kind: RunKind, mode: &str, started: DateTime<FixedOffset>) -> RunInfo {
        RunInfo {
            kind,
            mode: mode.to_owned(),
            started,
            finished: started,
            gateway: None,
            sender: None,
            dispatched: 0,
            sending_seconds: None,
            balance_before: None,
            balance_after: None,
            stopped: None,
            resumed: None,
            estimated_cost: None,
        }
    }
}

/// Which file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// An Excel workbook with Results and Summary sheets.
    Xlsx,
    /// UTF-8 CSV with a BOM (so Excel shows Arabic correctly), Results only.
    Csv,
}

impl OutputFormat {
    /// The format a results path asks for, by extension.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "xlsx" => Some(OutputFormat::Xlsx),
            "csv" => Some(OutputFormat::Csv),
            _ => None,
        }
    }
}

/// Why the results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: cannot write the results")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot write the results workbook")]
    Xlsx { path: PathBuf, source: XlsxError },
    #[error("{path}: cannot write the results CSV")]
    Csv { path: PathBuf, source: csv::Error },
    /// The rename into place failed. Only the cause is kept (a `PersistError` would say it
    /// twice: in its own text and again as its source).
    #[error("{path}: cannot put the results in place")]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Everything a results file is made from.
pub struct Report<'a> {
    /// The input table.
    pub table: &'a Table,
    /// Its plan, row by row.
    pub plan: &'a Plan,
    /// Its outcomes, row by row.
    pub outcomes: Outcomes<'a>,
    /// Totals over the outcomes.
    pub totals: &'a Totals,
    /// Facts about the run.
    pub run: &'a RunInfo,
    /// How values print in CSV output.
    pub format: &'a ValueFormat,
}

/// The folder a results file goes in (`.` for a bare file name): where its temporary file
/// is made, so the final rename never crosses file systems.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes the results to `path` atomically (temporary file, then rename).
pub fn write(path: &Path, report: &Report<'_>) -> Result<(), ReportError> {
    let format = OutputFormat::from_path(path).unwrap_or(OutputFormat::Xlsx);
    let dir = folder_of(path);
    let io = |source| ReportError::Io {
        path: path.to_owned(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".smsmerge-").suffix(".part");
    // A temporary file is private (0600) by default; the results are an ordinary file that
    // colleagues may need to open, so let the umask decide, as for any file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(io)?;
    {
        let mut out = BufWriter::new(temp.as_file());
        match format {
            OutputFormat::Xlsx => {
                // See `ResultsTable`: rust_xlsxwriter writes a draft, unnamed and gone with
                // the process, and the results are the draft with the table widened.
                let results_table = ResultsTable::of(report);
                let mut draft = BufWriter::new(tempfile::tempfile_in(dir).map_err(io)?);
                write_xlsx(&mut draft, report, &results_table).map_err(|source| {
                    ReportError::Xlsx {
                        path: path.to_owned(),
                        source,
                    }
                })?;
                let draft = draft.into_inner().map_err(|e| io(e.into_error()))?;
                results_table.widen(draft, &mut out).map_err(io)?;
            }
            OutputFormat::Csv => {
                write_csv(&mut out, report).map_err(|source| ReportError::Csv {
                    path: path.to_owned(),
                    source,
                })?
            }
        }
        out.flush().map_err(io)?;
    }
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| ReportError::Persist {
        path: path.to_owned(),
        source: e.error,
    })?;
    Ok(())
}

/// One cell of a results row, before it is given a file format.
enum OutCell<'a> {
    Blank,
    Text(Cow<'a, str>),
    Count(u64),
    Original(&'a Value),
    Status(Status),
    /// When a message was accepted; a date-time cell in a workbook, RFC 3339 text in CSV.
    Moment(DateTime<FixedOffset>),
}

/// The results header: `Row`, the original titles, then ours. An original title that equals
/// one of ours (an input `Message` column holding templates, say) gets " (input)" appended, so
/// every column title is unique and ours always mean the same thing.
fn header_row(table: &Table) -> Vec<Cow<'_, str>> {
    let ours = |name: &str| {
        let name = name.trim();
        name.eq_ignore_ascii_case("Row")
            || RESULT_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name))
    };
    std::iter::once(Cow::Borrowed("Row"))
        .chain(table.headers.names().iter().map(|name| {
            if ours(name) {
                Cow::Owned(format!("{name} (input)"))
            } else {
                Cow::Borrowed(name.as_str())
            }
        }))
        .chain(RESULT_COLUMNS.map(Cow::Borrowed))
        .collect()
}

/// The cells of one results row, in column order; the one place that decides what each
/// column holds, for both xlsx and csv.
fn row_cells<'a>(
    cells: &'a [Value],
    planned: &'a PlannedRow,
    outcome: Cow<'a, RowOutcome>,
    brace_note: Option<String>,
) -> impl Iterator<Item = OutCell<'a>> {
    let text = |s: Option<&'a str>| s.map_or(OutCell::Blank, |s| OutCell::Text(Cow::Borrowed(s)));
    let sms = planned.sms;
    // An outcome made from the plan (a dry run keeps none) gives its texts away.
    let (status, detail, attempts, sent_at, reference) = match outcome {
        Cow::Borrowed(o) => (
            o.status,
            Cow::Borrowed(&*o.detail),
            o.attempts,
            o.sent_at,
            o.reference.as_deref().map(Cow::Borrowed),
        ),
        Cow::Owned(o) => (
            o.status,
            Cow::Owned(o.detail.into_string()),
            o.attempts,
            o.sent_at,
            o.reference.map(|r| Cow::Owned(r.into_string())),
        ),
    };
    let ours = [
        OutCell::Status(status),
        if detail.is_empty() {
            OutCell::Blank
        } else {
            OutCell::Text(detail)
        },
        text(planned.recipient.as_deref()),
        text(planned.text.as_deref()),
        sms.map_or(OutCell::Blank, |s| {
            OutCell::Text(Cow::Borrowed(s.encoding.as_str()))
        }),
        sms.map_or(OutCell::Blank, |s| OutCell::Count(s.segments as u64)),
        attempts.map_or(OutCell::Blank, |n| OutCell::Count(n.into())),
        sent_at.map_or(OutCell::Blank, OutCell::Moment),
        reference.map_or(OutCell::Blank, OutCell::Text),
        match (brace_note, &planned.cost_note) {
            (None, None) => OutCell::Blank,
            (Some(braces), None) => OutCell::Text(Cow::Owned(braces)),
            (None, Some(cost)) => OutCell::Text(Cow::Owned(cost.to_string())),
            (Some(braces), Some(cost)) => OutCell::Text(Cow::Owned(format!("{braces}; {cost}"))),
        },
    ];
    std::iter::once(OutCell::Count(planned.row_number.into()))
        .chain(cells.iter().map(OutCell::Original))
        .chain(ours)
}

fn rows<'a>(report: &'a Report<'_>) -> impl Iterator<Item = impl Iterator<Item = OutCell<'a>>> {
    report
        .table
        .rows
        .iter()
        .zip(&report.plan.rows)
        .enumerate()
        .map(|(index, (row, planned))| {
            let brace_note = planned.single_braces.then(|| {
                let headers = &report.table.headers;
                report.plan.single_brace_note(row, headers, report.format)
            });
            let outcome = report.outcomes.get(index, planned);
            row_cells(&row.cells, planned, outcome, brace_note.flatten())
        })
}

fn write_csv(out: &mut impl Write, report: &Report<'_>) -> Result<(), csv::Error> {
    // The BOM makes Excel read the file as UTF-8, so Arabic text is not garbled.
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(
        header_row(report.table)
            .iter()
            .map(|h| csv_safe(h).into_owned()),
    )?;
    let mut fields: Vec<String> = Vec::new();
    for row in rows(report) {
        fields.clear();
        fields.extend(row.map(|cell| match cell {
            OutCell::Blank => String::new(),
            OutCell::Text(s) => csv_safe(&s).into_owned(),
            OutCell::Count(n) => n.to_string(),
            OutCell::Original(Value::Text(s)) => csv_safe(s).into_owned(),
            OutCell::Original(v) => report.format.display(v),
            OutCell::Status(s) => s.as_str().to_owned(),
            OutCell::Moment(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        }));
        writer.write_record(&fields)?;
    }
    writer.flush()?;
    Ok(())
}

/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'`, as OWASP advises for CSV, so opening the results never runs a cell's text
/// (`=HYPERLINK(...)` typed by whoever filled the input). The xlsx output needs no such
/// prefix: text is written as text there, never as a formula.
fn csv_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The formats of the Results sheet, made once.
///
/// Everything a reader must see is a cell format, not only the Excel table's style: other
/// spreadsheet programs (LibreOffice, Numbers, Google Sheets) ignore table styles.
struct Styles {
    header: Format,
    /// Any other Results cell.
    plain: Format,
    /// Long texts (messages, details) wrap inside their column, every line shown.
    wrap: Format,
    /// A boolean shows TRUE/FALSE everywhere (LibreOffice shows an unformatted one as 1/0).
    boolean: Format,
    /// Sent At, to the second.
    moment: Format,
    /// Seconds in the Summary, to the millisecond.
    seconds: Format,
    /// A rate in the Summary, to one decimal.
    rate: Format,
    /// A Summary number, set left so it sits beside its label.
    summary_number: Format,
    date: Format,
    date_time: Format,
    time: Format,
    time_seconds: Format,
    duration: Format,
    long_number: Format,
    good: Format,
    bad: Format,
    warning: Format,
    neutral: Format,
}

/// The fill and the text colour of a tone, as in Excel's "light red fill with dark red text"
/// presets; the Summary chart's bars take the text colour.
fn tone_colors(tone: Tone) -> (u32, u32) {
    match tone {
        Tone::Good => (0xC6EFCE, 0x006100),
        Tone::Bad => (0xFFC7CE, 0x9C0006),
        Tone::Warning => (0xFFEB9C, 0x9C5700),
        Tone::Neutral => (0xE7E6E6, 0x404040),
    }
}

impl Styles {
    fn new() -> Styles {
        // Every Results cell sits at the top of its row, beside the first line of a wrapped
        // message rather than below its last.
        let cell = || Format::new().set_align(FormatAlign::Top);
        let status = |tone| {
            let (fill, font) = tone_colors(tone);
            cell()
                .set_background_color(Color::RGB(fill))
                .set_font_color(Color::RGB(font))
                .set_bold()
                .set_align(FormatAlign::Center)
        };
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            wrap: cell().set_text_wrap(),
            boolean: cell().set_num_format("\"TRUE\";\"TRUE\";\"FALSE\""),
            moment: cell().set_num_format("yyyy-mm-dd hh:mm:ss"),
            seconds: Format::new()
                .set_num_format("0.000")
                .set_align(FormatAlign::Left),
            rate: Format::new()
                .set_num_format("0.0")
                .set_align(FormatAlign::Left),
            summary_number: Format::new().set_align(FormatAlign::Left),
            plain: cell(),
            date: cell().set_num_format("yyyy-mm-dd"),
            date_time: cell().set_num_format("yyyy-mm-dd hh:mm"),
            time: cell().set_num_format("hh:mm"),
            time_seconds: cell().set_num_format("hh:mm:ss"),
            duration: cell().set_num_format("[h]:mm"),
            // Phone numbers stored as numbers would otherwise show as 9.61712E+10.
            long_number: cell().set_num_format("0"),
            good: status(Tone::Good),
            bad: status(Tone::Bad),
            warning: status(Tone::Warning),
            neutral: status(Tone::Neutral),
        }
    }

    /// A text cell's format: wrapped in the columns that wrap.
    fn text(&self, wrap: bool) -> &Format {
        if wrap { &self.wrap } else { &self.plain }
    }

    fn status(&self, status: Status) -> &Format {
        match status.tone() {
            Tone::Good => &self.good,
            Tone::Bad => &self.bad,
            Tone::Warning => &self.warning,
            Tone::Neutral => &self.neutral,
        }
    }
}

fn write_xlsx(
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

fn col_num(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

/// Rows given the height their wrapped texts need. Neither LibreOffice nor a PDF export
/// sizes rows to wrapped text by itself, so the height is written; rust_xlsxwriter keeps an
/// entry per sized row for the whole write, so only the first rows (all of any sheet one
/// would print) are sized, and the memory stays bounded. Beyond them Excel sizes the rows
/// when it opens the file.
const SIZED_ROWS: usize = 10_000;

/// One line of the default 11-point font, in points.
const LINE_HEIGHT: f64 = 15.0;

/// The tallest row Excel allows, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;

/// The lines a cell's text takes when wrapped in a column `width` characters wide: every
/// line break starts a line, and a long line takes as many as its length needs (a little
/// more than the width by characters, since words are not cut).
fn wrapped_lines(cell: &OutCell<'_>, width: f64) -> usize {
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

/// A sheet printed as a report: landscape A4, every column on one page wide (as many pages
/// down as it takes), the file name and page numbers in the footer.
fn print_as_report(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_footer("&L&F - &A&RPage &P of &N");
    Ok(())
}

/// Writes the Results sheet's cells with their formats.
struct CellWriter<'a> {
    styles: &'a Styles,
    layout: &'a [ColumnLayout],
    /// Sent At is shown in the run's time zone, which the Summary names.
    offset: FixedOffset,
}

impl CellWriter<'_> {
    fn write(
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

fn write_text(
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
fn write_original(
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

fn write_number(
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

/// At most [`MAX_CELL_CHARS`] UTF-16 units, never cutting an emoji in half.
fn fit_cell(s: &str) -> &str {
    cut_utf16(s, MAX_CELL_CHARS)
}

/// At most `max` UTF-16 units (how Excel and rust_xlsxwriter count), never cutting an emoji
/// in half.
fn cut_utf16(s: &str, max: usize) -> &str {
    // A char never takes more UTF-16 units than UTF-8 bytes, so a text this short in bytes
    // fits without counting (nearly every cell: this runs for millions of them).
    if s.len() <= max {
        return s;
    }
    let mut units = 0;
    for (at, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..at];
        }
    }
    s
}

/// The Results table's column names: the header's titles as Excel takes them in a table,
/// which is stricter than a cell. A name is at most 255 characters, on one line (control
/// characters become spaces), and unique ignoring case: a repeat gets 2, 3, ... appended, as
/// Excel does when it makes a table. The header cells show these names, as Excel requires.
fn table_column_names(titles: &[Cow<'_, str>]) -> Vec<String> {
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
struct ResultsTable {
    /// The last column of the table.
    last_col: u16,
    /// The last row of the table (row 0 is the header).
    last_row: u32,
}

impl ResultsTable {
    /// The last row of the table as `add_table` is given it.
    const DRAFT_LAST_ROW: u32 = 1;

    /// The part rust_xlsxwriter writes the workbook's first table to.
    const PART: &str = "xl/tables/table1.xml";

    fn of(report: &Report<'_>) -> ResultsTable {
        ResultsTable {
            last_col: col_num(report.table.headers.len() + RESULT_COLUMNS.len()),
            // A table has at least one row under its header.
            last_row: u32::try_from(report.table.rows.len())
                .unwrap_or(u32::MAX)
                .max(Self::DRAFT_LAST_ROW),
        }
    }

    /// Copies the `draft` workbook to `out` with the table widened to every row.
    fn widen(&self, draft: File, out: impl Write + Seek) -> std::io::Result<()> {
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
struct ColumnLayout {
    /// In characters, as Excel counts a column's width.
    width: f64,
    /// Whether its texts wrap inside the column (every line of a message shows).
    wrap: bool,
}

/// Texts longer than this wrap, in a column this wide: a message reads as a paragraph, and
/// the sheet still prints one page wide.
const WRAP_WIDTH: usize = 36;

/// Our columns whose texts always wrap, and the width each is given at most.
const WRAPPED_RESULT_COLUMNS: [(&str, usize); 3] = [("Message", 40), ("Detail", 30), ("Note", 30)];

/// Column widths from the header and the first rows, so a person can read the sheet
/// without resizing; bounded so one long message does not make a column a screen wide, and
/// long or many-line texts (messages, details) wrap instead of being cut off.
fn column_layout(report: &Report<'_>) -> Vec<ColumnLayout> {
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
fn text_extent(text: &str) -> (usize, bool) {
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest, text.contains('\n'))
}

fn write_summary(
    sheet: &mut Worksheet,
    report: &Report<'_>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("Summary")?;
    print_as_report(sheet)?;
    // Labels fit their column, and the values (numbers set left) sit right beside them.
    sheet.set_column_width(0, SUMMARY_LABEL_WIDTH)?;
    sheet.set_column_width(1, 40)?;
    let totals = report.totals;
    let run = report.run;
    let duration = (run.finished - run.started).as_seconds_f64();
    let mut facts: Vec<(&str, SummaryValue)> = vec![
        ("Input file", report.table.path.display().to_string().into()),
        ("Sheet", report.table.sheet.clone().into()),
        ("Mode", run.mode.clone().into()),
        (
            "Started",
            run.started
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                .into(),
        ),
        (
            "Finished",
            run.finished
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                .into(),
        ),
        ("Duration (s)", SummaryValue::Seconds(duration)),
        ("Rows", totals.rows.into()),
    ];
    let optional = [
        ("Gateway", run.gateway.clone()),
        ("Sender", run.sender.clone()),
        ("Balance before", run.balance_before.clone()),
        ("Balance after", run.balance_after.clone()),
        ("Stopped early", run.stopped.clone()),
        ("Resumed", run.resumed.clone()),
        ("Estimated cost", run.estimated_cost.clone()),
        (
            "Sent At is in",
            (totals.count(Status::Sent) > 0).then(|| format!("UTC{}", run.started.offset())),
        ),
    ];
    facts.extend(
        optional
            .into_iter()
            .filter_map(|(label, v)| Some((label, v?.into()))),
    );
    if let Some(seconds) = run.sending_seconds {
        facts.push(("Messages sent", totals.count(Status::Sent).into()));
        facts.push(("Sending time (s)", SummaryValue::Seconds(seconds)));
        let rate = if seconds > 0.0 {
            run.dispatched as f64 / seconds
        } else {
            0.0
        };
        facts.push(("Throughput (msg/s)", SummaryValue::Rate(rate)));
    }
    let mut r = 0;
    sheet.write_string_with_format(r, 0, "Run", &styles.header)?;
    sheet.write_string_with_format(r, 1, "", &styles.header)?;
    for (label, value) in facts {
        r += 1;
        sheet.write_string(r, 0, label)?;
        value.write(sheet, r, 1, styles)?;
    }
    r += 2;
    sheet.write_string_with_format(r, 0, "Status", &styles.header)?;
    sheet.write_string_with_format(r, 1, "Rows", &styles.header)?;
    let first_status_row = r + 1;
    for status in Status::ALL {
        r += 1;
        sheet.write_string_with_format(r, 0, status.as_str(), styles.status(status))?;
        sheet.write_number_with_format(
            r,
            1,
            totals.count(status) as f64,
            &styles.summary_number,
        )?;
    }
    let chart = status_chart(&sheet.name(), first_status_row, r);
    sheet.insert_chart(0, 3, &chart)?;
    r += 2;
    for (col, title) in ["Encoding", "Messages", "Segments"].into_iter().enumerate() {
        sheet.write_string_with_format(r, col_num(col), title, &styles.header)?;
    }
    sheet.set_column_width(2, 12)?;
    for (name, t) in [
        ("GSM-7", totals.encodings.gsm7),
        ("UCS-2", totals.encodings.ucs2),
        (
            "Total",
            crate::plan::outcome::EncodingTotals {
                messages: totals.messages(),
                segments: totals.segments(),
            },
        ),
    ] {
        r += 1;
        sheet.write_string(r, 0, name)?;
        sheet.write_number_with_format(r, 1, t.messages as f64, &styles.summary_number)?;
        sheet.write_number_with_format(r, 2, t.segments as f64, &styles.summary_number)?;
    }
    // What look-alike characters cost, over the messages to send: every line always, so a
    // reader of many runs' Summary sheets finds them in the same cells.
    r += 2;
    sheet.write_string_with_format(r, 0, "Look-alike characters", &styles.header)?;
    sheet.write_string_with_format(r, 1, "", &styles.header)?;
    for (label, n) in [
        (
            "Messages UCS-2 only because of look-alikes",
            totals.avoidable.messages,
        ),
        (
            "Segments --gsm-substitute would save",
            totals.avoidable.segments,
        ),
        (
            "Messages changed by --gsm-substitute",
            totals.substituted.messages,
        ),
        (
            "Segments saved by --gsm-substitute",
            totals.substituted.segments,
        ),
    ] {
        r += 1;
        sheet.write_string(r, 0, label)?;
        sheet.write_number_with_format(r, 1, n as f64, &styles.summary_number)?;
    }
    Ok(())
}

/// A column chart of the status table on `sheet` (rows `first` to `last`, names in column A,
/// counts in B), each bar in its status's colour. Every status has its bar, so charts of
/// different runs compare at a glance; a zero count shows no label.
fn status_chart(sheet: &str, first: u32, last: u32) -> Chart {
    let points: Vec<ChartPoint> = Status::ALL
        .into_iter()
        .map(|status| {
            let (_, color) = tone_colors(status.tone());
            ChartPoint::new().set_format(
                ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)),
            )
        })
        .collect();
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name("Rows")
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, 1, last, 1))
        .set_points(&points)
        .set_data_label(ChartDataLabel::new().show_value().set_num_format("#,##0;;"))
        .set_gap(50);
    chart.title().set_name("Rows by status");
    chart.legend().set_hidden();
    chart.y_axis().set_num_format("#,##0");
    chart.set_width(640);
    chart
}

/// The Summary's label column: its longest label ("Messages UCS-2 only because of
/// look-alikes") fits.
const SUMMARY_LABEL_WIDTH: f64 = 44.0;

/// A value in the Summary sheet's Run table.
enum SummaryValue {
    Text(String),
    Number(f64),
    /// A duration, kept and shown to the millisecond.
    Seconds(f64),
    /// Messages a second, shown to one decimal.
    Rate(f64),
}

impl SummaryValue {
    fn write(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        col: u16,
        styles: &Styles,
    ) -> Result<(), XlsxError> {
        match self {
            SummaryValue::Text(s) => sheet.write_string(row, col, fit_cell(s))?,
            SummaryValue::Number(n) => {
                sheet.write_number_with_format(row, col, *n, &styles.summary_number)?
            }
            SummaryValue::Seconds(s) => {
                sheet.write_number_with_format(row, col, to_millisecond(*s), &styles.seconds)?
            }
            SummaryValue::Rate(r) => {
                sheet.write_number_with_format(row, col, (r * 10.0).round() / 10.0, &styles.rate)?
            }
        };
        Ok(())
    }
}

/// Seconds rounded to the millisecond, as the results and `--json` show durations: finer
/// digits are the clock's noise, not information.
pub fn to_millisecond(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

impl From<String> for SummaryValue {
    fn from(s: String) -> SummaryValue {
        SummaryValue::Text(s)
    }
}

impl From<usize> for SummaryValue {
    fn from(n: usize) -> SummaryValue {
        SummaryValue::Number(n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_by_utf16_units() {
        let emoji = "😀".repeat(20_000);
        let cut = fit_cell(&emoji);
        assert_eq!(cut.encode_utf16().count(), 32_766);
        let plain = "a".repeat(40_000);
        assert_eq!(fit_cell(&plain).len(), 32_767);
        assert_eq!(fit_cell("short"), "short");
    }

    fn names(titles: &[&str]) -> Vec<String> {
        let titles: Vec<Cow<'_, str>> = titles.iter().map(|t| Cow::Borrowed(*t)).collect();
        table_column_names(&titles)
    }

    #[test]
    fn table_column_names_are_unique_ignoring_case() {
        assert_eq!(
            names(&["Name", "name", "NAME", "Name2", "Phone"]),
            ["Name", "name2", "NAME3", "Name22", "Phone"]
        );
    }

    #[test]
    fn table_column_names_are_one_line_and_never_blank() {
        assert_eq!(
            names(&["Due\nDate", "a\tb\r", "\u{7}"]),
            ["Due Date", "a b ", "Column3"]
        );
    }

    #[test]
    fn table_column_names_fit_excel_even_with_a_number_appended() {
        let long = "é".repeat(300);
        let got = names(&[&long, &long]);
        assert_eq!(got[0], "é".repeat(255));
        assert_eq!(got[1], format!("{}2", "é".repeat(254)));
        let emoji = "😀".repeat(200);
        let got = names(&[&emoji]);
        assert_eq!(got[0].encode_utf16().count(), 254, "no emoji cut in half");
    }

    #[test]
    fn many_repeats_of_one_title_get_numbers_in_order() {
        let titles = vec!["x"; 16_000];
        let got = names(&titles);
        assert_eq!(got[0], "x");
        assert_eq!(got[1], "x2");
        assert_eq!(got[15_999], "x16000");
        let unique: HashSet<String> = got.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(unique.len(), 16_000);
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+961 3 123456"), "'+961 3 123456");
        assert_eq!(csv_safe("-50% today"), "'-50% today");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("Dear Ali"), "Dear Ali");
        assert_eq!(csv_safe(""), "");
    }
}
