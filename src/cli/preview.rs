//! `smsmerge preview`: the first rendered messages of a workbook as a table on stdout, then
//! the plan's totals. It reads and plans exactly as `send` does (the same settings, the same
//! `send::read_and_plan`), so what it shows is what `send` would send; it stops there, like a
//! dry run that shows its plan instead of writing it: no account, no network, no file written.
//!
//! Text is shown as it will be sent: right-to-left text is left in logical order for the
//! terminal to display (no reshaping or reordering), and columns are sized by display width
//! (comfy-table measures with unicode-width), so Arabic lines up with Latin text. Control
//! characters and bidi overrides in a cell are shown as symbols (`crate::text::printable`) before
//! the table is laid out, so they can neither move the cursor nor turn a line around. Where that
//! measure and terminals part ways (unicode-width counts the lam-alef ligature `لا` as one
//! column; terminals give each letter a cell), a zero-width joiner between the two letters
//! makes them agree without changing what is drawn.

use crate::book::Table;
use crate::cli::Exit;
use crate::cli::args::PreviewArgs;
use crate::cli::send;
use crate::cli::settings::SendSettings;
use crate::cli::terminal;
use crate::plan::Plan;
use crate::plan::outcome::{Outcomes, RowOutcome, Totals};
use crate::text::printable::printable;
use anyhow::Result;
use comfy_table::{
    CellAlignment, ColumnConstraint, ContentArrangement, Row, Table as TextTable, Width, presets,
};

/// The table's width when stdout is not a terminal (a pipe, a file, a test), so that what a
/// script or a snapshot sees does not depend on the window it was started from.
pub const PIPE_WIDTH: u16 = 100;

/// Lines a message may take in the table before it is cut with `…`: a ten-segment message
/// would otherwise fill the screen, and the results file holds it whole.
const MAX_LINES: usize = 8;

/// The table's columns, left to right.
const HEADER: [&str; 6] = [
    "Row",
    "Recipient",
    "Encoding",
    "Segments",
    "Status",
    "Message",
];

/// Runs `preview`: the table and the totals on stdout; the exit code a dry run would give.
pub fn run(args: PreviewArgs) -> Result<Exit> {
    let PreviewArgs { rows, mut send } = args;
    // A preview is a dry run shown rather than written: with `dry_run` set the settings read
    // no account, and nothing below sends or writes.
    send.dry_run = true;
    let settings = SendSettings::from_args(&send)?;
    let (table, plan) = send::read_and_plan(&settings)?;
    let totals = Totals::new(&plan, Outcomes::Planned);
    let mut text = render(&table, &plan, &totals, rows, width());
    text.extend(terminal::lookalike_listing(&plan, &totals, 10));
    let (estimate, over_budget) = send::dry_run_cost(&settings, &table, &plan);
    text.push_str(&estimate);
    terminal::to_stdout(&text);
    if let Some(warning) = over_budget {
        terminal::warn(warning);
    }
    Ok(send::plan_exit_code(&totals))
}

/// The terminal's width, or [`PIPE_WIDTH`] when stdout is not a terminal.
fn width() -> u16 {
    let stdout = console::Term::stdout();
    if !stdout.is_term() {
        return PIPE_WIDTH;
    }
    stdout
        .size_checked()
        .map_or(PIPE_WIDTH, |(_rows, columns)| columns)
}

/// The table of the first `shown` rows, `width` columns wide at most, a line saying how many
/// more there are, and the totals `send` prints as its plan.
pub fn render(table: &Table, plan: &Plan, totals: &Totals, shown: usize, width: u16) -> String {
    let shown = shown.min(plan.rows.len());
    let mut out = String::new();
    if shown > 0 {
        let mut text = TextTable::new();
        text.load_style(presets::UTF8_FULL)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width)
            .set_header(HEADER);
        for planned in plan.rows.iter().take(shown) {
            let outcome = RowOutcome::planned(planned);
            let status = if outcome.detail.is_empty() {
                outcome.status.to_string()
            } else {
                format!("{}\n{}", outcome.status, as_shown(&outcome.detail))
            };
            let mut row = Row::from(vec![
                planned.row_number.to_string(),
                as_shown(planned.recipient.as_deref().unwrap_or_default()),
                planned
                    .sms
                    .map(|s| s.encoding.to_string())
                    .unwrap_or_default(),
                planned
                    .sms
                    .map(|s| s.segments.to_string())
                    .unwrap_or_default(),
                status,
                planned.text.as_deref().map(as_shown).unwrap_or_default(),
            ]);
            row.max_height(MAX_LINES);
            text.add_row(row);
        }
        // The short columns never wrap; status and message share what is left, the message
        // getting the larger part.
        for (index, column) in text.column_iter_mut().enumerate() {
            match index {
                0 | 3 => {
                    column.set_constraint(ColumnConstraint::ContentWidth);
                    column.set_cell_alignment(CellAlignment::Right);
                }
                1 | 2 => {
                    column.set_constraint(ColumnConstraint::ContentWidth);
                }
                4 => {
                    column.set_constraint(ColumnConstraint::UpperBoundary(Width::Percentage(25)));
                }
                _ => {}
            }
        }
        out.push_str(&text.to_string());
        out.push('\n');
    }
    if shown < plan.rows.len() {
        out.push_str(&format!(
            "first {} of {} rows shown; -n N shows more\n",
            shown,
            plan.rows.len()
        ));
    }
    out.push_str(&terminal::plan_summary(table, totals));
    out
}

/// A cell's text as the table shows it: made safe for the terminal ([`printable`]) and
/// measured as terminals draw it ([`as_drawn`]).
fn as_shown(text: &str) -> String {
    as_drawn(&printable(text))
}

/// A zero-width joiner (U+200D): drawn as nothing, and it ends a ligature for unicode-width.
const ZWJ: char = '\u{200d}';

/// The text with a zero-width joiner wherever unicode-width would count an Arabic letter
/// and the next one as fewer columns than their cells (the lam-alef ligature, with any marks
/// between them), so the table, measured by unicode-width, is as wide as a terminal draws
/// it. Terminals give every letter its own cell; a joiner draws as nothing and keeps the
/// letters joined.
fn as_drawn(text: &str) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let mut out = String::with_capacity(text.len());
    // Where the last letter that takes a cell starts in `out`, and whether it is Arabic.
    let mut last: Option<(usize, bool)> = None;
    for c in text.chars() {
        let cells = c.width().unwrap_or(0);
        if cells == 0 {
            out.push(c);
            continue;
        }
        if let Some((start, true)) = last {
            let before = &out[start..];
            let mut joined = before.to_owned();
            joined.push(c);
            if joined.width() < before.width() + cells {
                out.push(ZWJ);
            }
        }
        last = Some((out.len(), is_arabic(c)));
        out.push(c);
    }
    out
}

/// The Arabic blocks (letters, supplement, extended, presentation forms).
fn is_arabic(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06ff}'
        | '\u{0750}'..='\u{077f}'
        | '\u{08a0}'..='\u{08ff}'
        | '\u{fb50}'..='\u{fdff}'
        | '\u{fe70}'..='\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The width a terminal draws: one cell per character that takes one (wcwidth).
    fn drawn(text: &str) -> usize {
        use unicode_width::UnicodeWidthChar;
        text.chars().map(|c| c.width().unwrap_or(0)).sum()
    }

    #[test]
    fn lam_alef_is_measured_as_terminals_draw_it() {
        use unicode_width::UnicodeWidthStr;
        for text in ["دولار", "للاستلام", "لأ", "لَا", "لا لا", "Hi 😀 لا"]
        {
            assert_ne!(text.width(), drawn(text), "{text}: the case being fixed");
            let shown = as_drawn(text);
            assert_eq!(shown.width(), drawn(text), "{text}");
            assert_eq!(shown.replace(ZWJ, ""), text, "only joiners are added");
        }
        // Text the two measures agree on is left alone, emoji sequences included.
        for text in ["عزيزي سامي", "Dear Rana", "👍🏽 👨\u{200d}👩", "ل\u{200d}ا"]
        {
            assert_eq!(as_drawn(text), text);
        }
    }
}
