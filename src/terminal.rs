//! What smsmerge tells the person at the terminal: the plan before anything is written or
//! sent, warnings, and where the results went. Everything goes to stderr, so stdout stays free
//! for machine-readable output; a closed stderr is not an error.

use crate::book::Table;
use crate::outcome::{Status, Totals};
use std::io::Write;
use std::path::Path;

/// Prints a warning line (never silenced by `--quiet`).
pub fn warn(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "smsmerge: warning: {message}");
}

/// Prints the plan: rows read, to send, invalid, duplicates, messages by encoding and
/// segments, in a few aligned lines.
pub fn print_plan(table: &Table, totals: &Totals) {
    let mut out = String::new();
    out.push_str(&format!(
        "smsmerge: {} rows read from {} (sheet {:?})\n",
        totals.rows,
        table.path.display(),
        table.sheet
    ));
    let line = |label: &str, value: String| format!("  {label:<12}{value}\n");
    out.push_str(&line(
        "to send",
        format!(
            "{} messages, {} segments",
            totals.messages(),
            totals.segments()
        ),
    ));
    out.push_str(&line(
        "GSM-7",
        format!(
            "{} messages, {} segments",
            totals.gsm7.messages, totals.gsm7.segments
        ),
    ));
    out.push_str(&line(
        "UCS-2",
        format!(
            "{} messages, {} segments",
            totals.ucs2.messages, totals.ucs2.segments
        ),
    ));
    out.push_str(&line("invalid", totals.count(Status::Invalid).to_string()));
    out.push_str(&line(
        "duplicates",
        totals.count(Status::Duplicate).to_string(),
    ));
    let _ = std::io::stderr().write_all(out.as_bytes());
}

/// Says where the results are.
pub fn print_results_path(path: &Path) {
    let _ = writeln!(
        std::io::stderr(),
        "smsmerge: results written to {}",
        path.display()
    );
}
