//! The results as CSV, with every cell that a spreadsheet would take for a formula made safe.

use super::rows::*;
use super::types::*;
use crate::book::value::Value;
use std::borrow::Cow;
use std::io::Write;

pub(super) fn write_csv(out: &mut impl Write, report: &Report<'_>) -> Result<(), csv::Error> {
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
pub(super) fn csv_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}
