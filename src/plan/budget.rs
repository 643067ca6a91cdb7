//! What a send will cost, said before it starts: the messages and segments by encoding that
//! the confirmation prompt shows (with a price when `price_per_segment` is configured), and
//! the budget guard, `--max-total-segments`, that refuses a batch needing more segments and
//! names the template responsible for most of them.
//!
//! Why: providers bill per segment, and the surprise people fear is a bill two or three
//! times the expected one (a template mistake multiplies the cost of a whole batch). An
//! operator running unattended sets a ceiling once; nobody has to read a plan at night.
//!
//! Boundary: counts come from the plan's [`SmsInfo`](crate::text::sms::SmsInfo) segments, the
//! one count used everywhere; this module only adds them up, prices them and words them.

use crate::book::Table;
use crate::book::value::ValueFormat;
use crate::plan::outcome::{ByEncoding, EncodingTotals, Outcomes, Status};
use crate::plan::{Plan, PlannedRow, TemplateUse};
use crate::text::words::plural;
use rustc_hash::FxHashMap;

/// The price of one segment, from the config file, to estimate what a send costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// Price of one segment, in `currency` (finite, not negative).
    pub per_segment: f64,
    /// How the money is written after the amount (`"SAR"`), if configured.
    pub currency: Option<String>,
}

impl Price {
    /// `segments` priced: as many decimals as the price has (at least 2, at most 6), so
    /// 0.025 per segment gives `3.750 SAR` and never a float artefact like `3.7500000001`.
    #[must_use]
    pub fn of(&self, segments: usize) -> String {
        let shown = self.per_segment.to_string();
        let decimals = shown
            .split_once('.')
            .map_or(0, |(_, d)| d.len())
            .clamp(2, 6);
        let amount = format!("{:.decimals$}", segments as f64 * self.per_segment);
        match &self.currency {
            Some(currency) => format!("{amount} {currency}"),
            None => amount,
        }
    }

    /// `0.175 SAR (7 segments at 0.025 each)`: a price with how it was worked out.
    #[must_use]
    pub fn explained(&self, segments: usize) -> String {
        format!(
            "{} ({} at {} each)",
            self.of(segments),
            plural(segments, "segment"),
            self.per_segment
        )
    }
}

/// What a send costs: its messages and segments by encoding (the type lives with the other
/// totals; its wording for the plan and the prompt lives here).
pub type Cost = ByEncoding;

impl Cost {
    /// `120 messages, 150 segments (GSM-7: 100 in 90 messages; UCS-2: 50 in 30 messages),
    /// about 3.750 SAR`: what the confirmation asks about and the plan shows.
    #[must_use]
    pub fn describe(&self, price: Option<&Price>) -> String {
        let mut out = format!(
            "{}, {}",
            plural(self.messages(), "message"),
            plural(self.segments(), "segment")
        );
        let parts: Vec<String> = [("GSM-7", self.gsm7), ("UCS-2", self.ucs2)]
            .into_iter()
            .filter(|(_, t)| t.messages > 0)
            .map(|(name, t)| {
                format!(
                    "{name}: {} in {}",
                    t.segments,
                    plural(t.messages, "message")
                )
            })
            .collect();
        if !parts.is_empty() {
            out.push_str(&format!(" ({})", parts.join("; ")));
        }
        if let Some(price) = price {
            out.push_str(&format!(", about {}", price.of(self.segments())));
        }
        out
    }
}

/// `--max-total-segments` (or `max_total_segments` in the config file): the most segments
/// one send may need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The ceiling, at least 1.
    pub max_segments: u64,
    /// Set in the config file rather than by the flag, for the refusal to say where.
    pub from_config: bool,
}

/// Messages and segments of one template, and where it was first used.
#[derive(Debug, Clone, Copy, Default)]
struct Share {
    totals: EncodingTotals,
    first_row: u32,
}

impl Budget {
    /// `Ok` when `cost` fits; otherwise the one-line refusal: how many segments the send
    /// needs, the ceiling, and which template accounts for most of them. `global` names the
    /// one template of every row (`--template`, `--template-name "x"`), for such a batch.
    pub fn check(&self, cost: &Cost, next: &NextRows<'_>, global: &str) -> Result<(), String> {
        let needed = cost.segments();
        if needed as u64 <= self.max_segments {
            return Ok(());
        }
        let limit = if self.from_config {
            format!("max_total_segments = {} (config file)", self.max_segments)
        } else {
            format!("--max-total-segments {}", self.max_segments)
        };
        let mut refusal = format!(
            "this send needs {needed} segments ({}), more than {limit} allows",
            plural(cost.messages(), "message"),
        );
        if let Some((
            template,
            Share {
                totals: share,
                first_row,
            },
        )) = next.largest_share()
        {
            let name = match &template {
                TemplateUse::Global => global.to_owned(),
                TemplateUse::Named(name) => format!("template {name:?} of the Templates sheet"),
                TemplateUse::Own { column, text } => format!(
                    "the template \"{}\" in column {:?}",
                    // On one line: a line break would show as \n.
                    crate::text::template::excerpt(text).replace(['\r', '\n'], " "),
                    next.table
                        .headers
                        .names()
                        .get(*column)
                        .map_or("?", String::as_str)
                ),
            };
            let each = average(share.segments, share.messages);
            let share_text = if share.segments == needed {
                format!(
                    "all of them ({}, {each} each on average) come from",
                    plural(share.messages, "message")
                )
            } else {
                format!(
                    "the largest share, {} in {} ({each} each on average), comes from",
                    plural(share.segments, "segment"),
                    plural(share.messages, "message")
                )
            };
            refusal.push_str(&format!(
                "; {share_text} {name}, first used on row {first_row}"
            ));
        }
        refusal.push_str(
            "; nothing was sent: shorten the template, send fewer rows with --limit, or raise the limit",
        );
        Err(refusal)
    }
}

/// `2.4` segments per message (one decimal, none when whole).
fn average(segments: usize, messages: usize) -> String {
    let average = segments as f64 / messages.max(1) as f64;
    if average.fract() == 0.0 {
        format!("{average:.0}")
    } else {
        format!("{average:.1}")
    }
}

/// The rows a send is about to send, with the table and plan they come from: what the
/// budget guard needs to blame a template.
#[derive(Clone, Copy)]
pub struct NextRows<'a> {
    /// The planned table.
    pub table: &'a Table,
    /// Its plan.
    pub plan: &'a Plan,
    /// The rows' outcomes so far (READY for those still to send).
    pub outcomes: Outcomes<'a>,
    /// `--limit`.
    pub limit: Option<usize>,
    /// How cell values print (a template cell holding a number, say).
    pub format: &'a ValueFormat,
}

impl<'a> NextRows<'a> {
    /// The rows this run will send, with their index in the table, in order: those still
    /// READY (an earlier run's SENT rows are not sent again), the first `limit` of them.
    fn rows(&self) -> impl Iterator<Item = (usize, &'a PlannedRow)> + use<'a> {
        let outcomes = self.outcomes;
        self.plan
            .rows
            .iter()
            .enumerate()
            .filter(move |&(i, row)| outcomes.status(i, row) == Status::Ready)
            .take(self.limit.unwrap_or(usize::MAX))
    }

    /// Their messages and segments, by encoding.
    #[must_use]
    pub fn cost(&self) -> Cost {
        let mut cost = Cost::default();
        self.rows()
            .filter_map(|(_, row)| row.sms)
            .for_each(|info| cost.add(info));
        cost
    }

    /// The template with the most segments among the rows to send; ties go to the one used
    /// first. Worked out only when a send is refused, so planning keeps no per-row template.
    fn largest_share(&self) -> Option<(TemplateUse<'a>, Share)> {
        let mut shares: FxHashMap<TemplateUse<'a>, Share> = FxHashMap::default();
        for (i, planned) in self.rows() {
            let (Some(row), Some(info)) = (self.table.rows.get(i), planned.sms) else {
                continue;
            };
            let Some(template) = self.plan.template_of(row, self.format) else {
                continue;
            };
            let share = shares.entry(template).or_insert(Share {
                first_row: planned.row_number,
                ..Share::default()
            });
            share.totals.add(info.segments);
        }
        shares
            .into_iter()
            .max_by_key(|(_, share)| (share.totals.segments, std::cmp::Reverse(share.first_row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(per_segment: f64, currency: Option<&str>) -> Price {
        Price {
            per_segment,
            currency: currency.map(str::to_owned),
        }
    }

    #[test]
    fn prices_keep_the_price_s_decimals_and_no_float_noise() {
        assert_eq!(price(0.025, Some("SAR")).of(150), "3.750 SAR");
        assert_eq!(price(0.1, None).of(3), "0.30");
        assert_eq!(price(2.0, Some("EGP")).of(7), "14.00 EGP");
        assert_eq!(price(0.0035, None).of(1_000_000), "3500.0000");
        assert_eq!(price(0.123456789, None).of(1), "0.123457");
    }

    #[test]
    fn averages_read_like_a_person_writes_them() {
        assert_eq!(average(6, 3), "2");
        assert_eq!(average(7, 3), "2.3");
        assert_eq!(average(0, 0), "0");
    }

    #[test]
    fn a_cost_says_messages_segments_by_encoding_and_price() {
        let cost = Cost {
            gsm7: EncodingTotals {
                messages: 90,
                segments: 100,
            },
            ucs2: EncodingTotals {
                messages: 30,
                segments: 50,
            },
        };
        assert_eq!(
            cost.describe(Some(&price(0.025, Some("SAR")))),
            "120 messages, 150 segments (GSM-7: 100 in 90 messages; UCS-2: 50 in 30 messages), about 3.750 SAR"
        );
        let gsm_only = Cost {
            gsm7: EncodingTotals {
                messages: 1,
                segments: 1,
            },
            ..Cost::default()
        };
        assert_eq!(
            gsm_only.describe(None),
            "1 message, 1 segment (GSM-7: 1 in 1 message)"
        );
    }
}
