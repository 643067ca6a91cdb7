//! The batch's country check: bare digits (no `+`, no `00`) read as an international number
//! that lands in a country other than the one nearly every row is in are refused. An Emirati
//! `508770213` that lost its `0` in Excel is a valid number of Saint Pierre and Miquelon
//! (+508); one row alone cannot tell, but a list of +971 numbers can. This runs once after
//! every row is planned, so the per-row check stays a pure function of the cell.

use super::{NumberCheck, PlannedRow, Verdict};
use crate::text::numbering;
use std::collections::HashMap;

/// The share of rows (whose country is known) that makes a country the batch's own, in
/// percent. High on purpose: a mixed list (a Gulf office texting several countries) must
/// never lose a row to this check, and a single-country list reaches it easily.
pub const MAJORITY_PERCENT: usize = 95;

/// Makes INVALID every ready row whose number was bare digits read as international and
/// whose country differs from the batch's dominant one, when there is such a country.
pub fn refuse_strays(rows: &mut [PlannedRow]) {
    let Some(dominant) = dominant_country(rows) else {
        return;
    };
    for row in rows
        .iter_mut()
        .filter(|row| row.number_check == NumberCheck::AcceptedAsInternational)
    {
        let Some(to) = row.recipient.as_deref() else {
            continue;
        };
        let Some(code) = numbering::calling_code(to).filter(|&code| code != dominant) else {
            continue;
        };
        if row.is_ready() {
            row.verdict = Verdict::Invalid(detail(to, code, dominant).into());
            row.number_check = NumberCheck::RefusedByPlan;
        }
    }
}

/// The calling code of at least [`MAJORITY_PERCENT`] of the rows with a known recipient.
fn dominant_country(rows: &[PlannedRow]) -> Option<u16> {
    let mut counts: HashMap<u16, usize> = HashMap::new();
    let mut known = 0usize;
    for code in rows
        .iter()
        .filter_map(|row| row.recipient.as_deref())
        .filter_map(numbering::calling_code)
    {
        *counts.entry(code).or_default() += 1;
        known += 1;
    }
    let (code, count) = counts.into_iter().max_by_key(|&(_, count)| count)?;
    (count * 100 >= known * MAJORITY_PERCENT).then_some(code)
}

/// `+508 770213 is a number in Saint Pierre and Miquelon, in a list of +971 numbers: …`
fn detail(digits: &str, code: u16, dominant: u16) -> String {
    let national = &digits[code.to_string().len()..];
    let country = numbering::country_label(code);
    let name = country
        .strip_suffix(&format!(" (+{code})"))
        .unwrap_or(&country);
    format!(
        "+{code} {national} is a number in {name}, in a list of +{dominant} numbers: write it with + if that is right, or give --country-code"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MessageKey;

    fn row(number: u32, to: &str, bare: bool) -> PlannedRow {
        PlannedRow {
            row_number: number,
            recipient: Some(to.into()),
            sender: None,
            text: None,
            sms: None,
            cost_note: None,
            single_braces: false,
            number_check: if bare {
                NumberCheck::AcceptedAsInternational
            } else {
                NumberCheck::Accepted
            },
            verdict: Verdict::Ready {
                key: MessageKey::new(to, "S", "t"),
            },
        }
    }

    fn batch(uae: usize, stray_bare: bool) -> Vec<PlannedRow> {
        let mut rows: Vec<_> = (0..uae)
            .map(|i| row(i as u32 + 2, "971501234567", false))
            .collect();
        rows.push(row(uae as u32 + 2, "508770213", stray_bare));
        rows
    }

    #[test]
    fn a_bare_number_in_another_country_than_the_batch_is_refused() {
        let mut rows = batch(19, true);
        refuse_strays(&mut rows);
        assert_eq!(
            rows[19].verdict,
            Verdict::Invalid(
                "+508 770213 is a number in Saint Pierre and Miquelon, in a list of +971 numbers: write it with + if that is right, or give --country-code".into()
            )
        );
        assert!(rows[..19].iter().all(PlannedRow::is_ready));
    }

    #[test]
    fn a_written_plus_or_a_mixed_batch_is_trusted() {
        let mut explicit = batch(19, false);
        refuse_strays(&mut explicit);
        assert!(explicit.iter().all(PlannedRow::is_ready));
        // 18 of 19 is under 95%: no country is the batch's own.
        let mut mixed = batch(18, true);
        refuse_strays(&mut mixed);
        assert!(mixed.iter().all(PlannedRow::is_ready));
    }
}
