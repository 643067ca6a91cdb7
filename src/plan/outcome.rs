//! What happened to each row, and the totals over a run.
//!
//! This is the boundary between the stages that decide (plan and dispatch)
//! and the stage that reports: the report and the exit code are built only from these values.

use crate::plan::{HIDDEN_IN_EXCEL, NumberCheck, Plan, PlannedRow, Verdict};
use crate::text::lookalike::CostNote;
use crate::text::sms::{Encoding, SmsInfo};
use chrono::{DateTime, FixedOffset};
use std::borrow::Cow;

/// A row's status word, exactly as it appears in the results workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Would be sent (dry run), or is about to be.
    Ready,
    /// Accepted by the gateway.
    Sent,
    /// Refused by the gateway, or still failing after the retries.
    Failed,
    /// May or may not have reached the gateway; never re-sent on a guess.
    Uncertain,
    /// Cannot be sent as it is (bad number, blank placeholder, too long, ...).
    Invalid,
    /// The same recipient and text as an earlier row.
    Duplicate,
    /// Deliberately left out (opt-outs).
    Skipped,
    /// Sendable but not sent (the batch stopped, `--limit`, an interrupt).
    NotSent,
}

/// How a status cell is coloured: the four colours a person scans for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Green.
    Good,
    /// Red.
    Bad,
    /// Amber.
    Warning,
    /// Grey.
    Neutral,
}

impl Status {
    /// Every status, in the order the Summary lists them.
    pub const ALL: [Status; 8] = [
        Status::Ready,
        Status::Sent,
        Status::Failed,
        Status::Uncertain,
        Status::Invalid,
        Status::Duplicate,
        Status::Skipped,
        Status::NotSent,
    ];

    /// The status word, as users filter on it in Excel.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ready => "READY",
            Status::Sent => "SENT",
            Status::Failed => "FAILED",
            Status::Uncertain => "UNCERTAIN",
            Status::Invalid => "INVALID",
            Status::Duplicate => "DUPLICATE",
            Status::Skipped => "SKIPPED",
            Status::NotSent => "NOT SENT",
        }
    }

    /// The status a word names, as written by [`Status::as_str`].
    pub fn from_word(word: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// The colour of the status cell.
    pub fn tone(self) -> Tone {
        match self {
            Status::Ready | Status::Sent => Tone::Good,
            Status::Failed | Status::Invalid => Tone::Bad,
            Status::Uncertain | Status::Duplicate => Tone::Warning,
            Status::Skipped | Status::NotSent => Tone::Neutral,
        }
    }

    /// Whether a row with this status makes the run end with exit code 1: something the
    /// user wanted sent was not (a duplicate or an opt-out was left out on purpose).
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            Status::Failed | Status::Uncertain | Status::Invalid | Status::NotSent
        )
    }

    /// Position in [`Status::ALL`] (the declaration order).
    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one row, in table order.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOutcome {
    /// The status word.
    pub status: Status,
    /// Why, for every row that is not READY or SENT; empty otherwise. Boxed, like the
    /// reference: one outcome per row is kept until the results are written, and a box has
    /// no spare capacity (8 bytes less each, per row).
    pub detail: Box<str>,
    /// Requests made for this row; `None` when it was never dispatched.
    pub attempts: Option<u32>,
    /// When the gateway accepted it.
    pub sent_at: Option<DateTime<FixedOffset>>,
    /// The gateway's answer for an accepted message, kept as its reference.
    pub reference: Option<Box<str>>,
}

impl RowOutcome {
    /// An outcome with only a status and a reason.
    pub fn new(status: Status, detail: impl Into<Box<str>>) -> RowOutcome {
        RowOutcome {
            status,
            detail: detail.into(),
            attempts: None,
            sent_at: None,
            reference: None,
        }
    }
}

/// The outcome of every row before anything is sent: READY, INVALID or DUPLICATE, straight
/// from the plan. A send starts from this and fills it in.
pub fn from_plan(plan: &Plan) -> Vec<RowOutcome> {
    plan.rows.iter().map(RowOutcome::planned).collect()
}

impl RowOutcome {
    /// A row's outcome before anything is sent: its plan's verdict.
    pub fn planned(row: &PlannedRow) -> RowOutcome {
        let detail: Box<str> = match &row.verdict {
            Verdict::Ready { .. } => Box::default(),
            Verdict::Invalid(reason) | Verdict::Skipped(reason) => reason.clone(),
            Verdict::Duplicate { of_row } => {
                format!("same recipient and message as row {of_row}").into()
            }
        };
        RowOutcome::new(planned_status(&row.verdict), detail)
    }
}

/// The status of a row whose verdict is `verdict`, before anything is sent.
fn planned_status(verdict: &Verdict) -> Status {
    match verdict {
        Verdict::Ready { .. } => Status::Ready,
        Verdict::Invalid(_) => Status::Invalid,
        Verdict::Skipped(_) => Status::Skipped,
        Verdict::Duplicate { .. } => Status::Duplicate,
    }
}

/// The rows' outcomes as the totals, the budget and the results read them.
///
/// Why not always a vector: a run that sends nothing (a dry run, a preview) would keep one
/// outcome per row only to repeat the plan's verdicts, 64 MB for a million rows; it reads
/// them from the plan instead.
#[derive(Debug, Clone, Copy)]
pub enum Outcomes<'a> {
    /// Nothing was dispatched: each row's outcome is its plan's verdict.
    Planned,
    /// One per row, in table order, as dispatch (or a journal) left them.
    Known(&'a [RowOutcome]),
}

impl<'a> Outcomes<'a> {
    /// The status of row `index` (of the plan), whose plan is `row`.
    pub fn status(self, index: usize, row: &PlannedRow) -> Status {
        match self {
            Outcomes::Known(known) if index < known.len() => known[index].status,
            _ => planned_status(&row.verdict),
        }
    }

    /// The outcome of row `index`, whose plan is `row`: borrowed when it is known, made from
    /// the plan when not.
    pub fn get(self, index: usize, row: &PlannedRow) -> Cow<'a, RowOutcome> {
        match self {
            Outcomes::Known(known) if index < known.len() => Cow::Borrowed(&known[index]),
            _ => Cow::Owned(RowOutcome::planned(row)),
        }
    }
}

/// Messages and segments: of one encoding, or of the rows look-alike characters made dearer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EncodingTotals {
    /// Messages.
    pub messages: usize,
    /// Segments, which is what the provider bills.
    pub segments: usize,
}

impl EncodingTotals {
    /// Counts one message of `segments` segments.
    pub fn add(&mut self, segments: usize) {
        self.messages += 1;
        self.segments += segments;
    }
}

/// Messages and segments in each encoding: what a set of messages costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByEncoding {
    /// GSM-7 messages.
    pub gsm7: EncodingTotals,
    /// UCS-2 messages.
    pub ucs2: EncodingTotals,
}

impl ByEncoding {
    /// Counts one message in its encoding.
    pub fn add(&mut self, info: SmsInfo) {
        match info.encoding {
            Encoding::Gsm7 => self.gsm7.add(info.segments),
            Encoding::Ucs2 => self.ucs2.add(info.segments),
        }
    }

    /// Messages in both encodings.
    pub fn messages(&self) -> usize {
        self.gsm7.messages + self.ucs2.messages
    }

    /// Segments in both encodings: what the provider bills.
    pub fn segments(&self) -> usize {
        self.gsm7.segments + self.ucs2.segments
    }
}

/// The totals a person wants before and after a run, computed once for the terminal and the
/// Summary sheet alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows read (every row of the results).
    pub rows: usize,
    counts: [usize; 8],
    /// READY or SENT messages, by encoding.
    pub encodings: ByEncoding,
    /// READY or SENT messages that are UCS-2 only because of look-alike characters, and
    /// the segments `--gsm-substitute` would save on them.
    pub avoidable: EncodingTotals,
    /// READY or SENT messages in which `--gsm-substitute` replaced look-alikes, and the
    /// segments that saved.
    pub substituted: EncodingTotals,
    /// INVALID rows that only the numbering plan refused (the country-blind rules take
    /// them): a sudden jump says the plan is behind, and `--no-number-check` is the way out.
    pub invalid_by_numbering_plan: usize,
    /// SKIPPED rows left out because they are hidden in Excel (`--skip-hidden-rows`), not
    /// opted out.
    pub skipped_hidden: usize,
}

impl Totals {
    /// Counts statuses, and messages and segments of the rows that are (or would be) sent.
    pub fn new(plan: &Plan, outcomes: Outcomes<'_>) -> Totals {
        let mut totals = Totals {
            rows: plan.rows.len(),
            ..Totals::default()
        };
        for (index, row) in plan.rows.iter().enumerate() {
            let status = outcomes.status(index, row);
            totals.counts[status.index()] += 1;
            if status == Status::Invalid && row.number_check == NumberCheck::RefusedByPlan {
                totals.invalid_by_numbering_plan += 1;
            }
            if status == Status::Skipped
                && matches!(&row.verdict, Verdict::Skipped(reason) if &**reason == HIDDEN_IN_EXCEL)
            {
                totals.skipped_hidden += 1;
            }
            if matches!(status, Status::Ready | Status::Sent)
                && let Some(sms) = row.sms
            {
                totals.encodings.add(sms);
                if let Some(note) = &row.cost_note {
                    match **note {
                        CostNote::Avoidable { .. } => &mut totals.avoidable,
                        CostNote::Replaced { .. } => &mut totals.substituted,
                    }
                    .add(note.saving());
                }
            }
        }
        totals
    }

    /// Rows with this status.
    pub fn count(&self, status: Status) -> usize {
        self.counts[status.index()]
    }

    /// Messages counted in the encoding totals.
    pub fn messages(&self) -> usize {
        self.encodings.messages()
    }

    /// Segments counted in the encoding totals.
    pub fn segments(&self) -> usize {
        self.encodings.segments()
    }

    /// True when some row needs the user's attention (exit code 1).
    pub fn needs_attention(&self) -> bool {
        Status::ALL
            .iter()
            .any(|s| s.needs_attention() && self.count(*s) > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One outcome per row is kept until the results are written (the memory target in
    /// BENCHMARKS.md).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_row_outcome_stays_small() {
        eprintln!("RowOutcome: {} bytes", std::mem::size_of::<RowOutcome>());
        assert!(std::mem::size_of::<RowOutcome>() <= 64);
    }

    #[test]
    fn status_words_are_exact() {
        let words: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            words,
            [
                "READY",
                "SENT",
                "FAILED",
                "UNCERTAIN",
                "INVALID",
                "DUPLICATE",
                "SKIPPED",
                "NOT SENT"
            ]
        );
    }

    #[test]
    fn index_is_the_position_in_all() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
    }

    #[test]
    fn duplicates_and_skips_do_not_need_attention() {
        assert!(!Status::Duplicate.needs_attention());
        assert!(!Status::Skipped.needs_attention());
        assert!(!Status::Ready.needs_attention());
        assert!(Status::Invalid.needs_attention());
        assert!(Status::NotSent.needs_attention());
    }
}
