//! What a results file is made from and where it goes: the run's facts for the Summary,
//! the chosen format, the errors, and the fixed columns every results row carries.

use crate::book::Table;
use crate::book::value::ValueFormat;
use crate::plan::Plan;
use crate::plan::outcome::{Outcomes, Totals};
use chrono::{DateTime, FixedOffset};
use rust_xlsxwriter::XlsxError;
use std::path::{Path, PathBuf};

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
pub(super) const MAX_CELL_CHARS: usize = 32_767;

/// Excel refuses longer table column names (MS-OI29500 2.1.681).
pub(super) const MAX_TABLE_COLUMN_CHARS: usize = 255;

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

/// Seconds rounded to the millisecond, as the results and `--json` show durations: finer
/// digits are the clock's noise, not information.
pub fn to_millisecond(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}
