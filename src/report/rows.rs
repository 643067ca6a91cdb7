//! One results row per input row: the input's cells (types kept) and what happened to it, as
//! the cells both formats write.

use super::types::*;
use crate::book::Table;
use crate::book::value::Value;
use crate::plan::PlannedRow;
use crate::plan::outcome::{RowOutcome, Status};
use chrono::{DateTime, FixedOffset};
use std::borrow::Cow;

/// One cell of a results row, before it is given a file format.
pub(super) enum OutCell<'a> {
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
pub(super) fn header_row(table: &Table) -> Vec<Cow<'_, str>> {
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
pub(super) fn row_cells<'a>(
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

pub(super) fn rows<'a>(
    report: &'a Report<'_>,
) -> impl Iterator<Item = impl Iterator<Item = OutCell<'a>>> {
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
