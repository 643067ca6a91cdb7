//! What a batch will cost, and why a send of it is refused before it starts: the budget, a
//! rate that would take more than a day, and the moment's schedule. A dry run and a preview
//! warn with the same words a send stops with.

use crate::book::Table;
use crate::dispatch::clock::schedule_clock;
use crate::dispatch::schedule::{Hold, Schedule};
use crate::job::face::plan_line;
use crate::job::settings::SendSettings;
use crate::plan::Plan;
use crate::plan::budget::{Cost, NextRows};
use crate::plan::outcome::Outcomes;
use crate::text::words::plural;
use chrono::{DateTime, Utc};

/// The schedule, when it holds requests back at this moment, with the hold and the moment.
pub fn held_now(settings: &SendSettings) -> Option<(&Schedule, Hold, DateTime<Utc>)> {
    let schedule = settings.schedule.as_ref()?;
    let now = schedule_clock().now();
    let hold = schedule.at(now).hold()?;
    Some((schedule, hold, now))
}

/// What a run that sends nothing (a dry run, a preview) says about the cost of sending: the
/// plan's `cost` line with the estimated price (empty without a configured price), and the
/// warning to give when a real send would be refused (over the budget, or too slow at --rate).
pub fn dry_run_cost(
    settings: &SendSettings,
    table: &Table,
    plan: &Plan,
) -> (String, Option<String>) {
    let next = next_rows(settings, table, plan, Outcomes::Planned);
    let cost = next.cost();
    let mut line = settings.price.as_ref().map_or_else(String::new, |price| {
        plan_line(
            "cost",
            format!("about {}", price.explained(cost.segments())),
        )
    });
    if settings.lacks_sender(&table.headers) {
        line.push_str(&plan_line(
            "sender",
            "(none: a real send needs --sender or a sender column)",
        ));
    }
    let warning = refusal(settings, &cost, &next)
        .map(|refusal| format!("a real send would be refused: {refusal}"));
    (line, warning)
}

/// Why a send of `next`, which costs `cost`, is refused before it starts: it exceeds the
/// budget, or would take more than [`MAX_SENDING_TIME`] at `--rate`; `None` when neither. A
/// send stops on it, a dry run warns with it.
pub(crate) fn refusal(settings: &SendSettings, cost: &Cost, next: &NextRows<'_>) -> Option<String> {
    over_budget(settings, cost, next).or_else(|| too_slow(settings, cost.messages()))
}

/// The budget guard's refusal when `cost`, the cost of `next`, exceeds the budget; `None`
/// without a budget or within it.
fn over_budget(settings: &SendSettings, cost: &Cost, next: &NextRows<'_>) -> Option<String> {
    let global = match &settings.template_name {
        Some(name) => format!("template {name:?} (--template-name)"),
        None => "the one template of every row (--template or --template-file)".to_owned(),
    };
    settings.budget.as_ref()?.check(cost, next, &global).err()
}

/// The longest a send may take at its `--rate`: a batch that runs for days is a mistyped rate
/// more often than a plan, and nobody watches it end.
pub const MAX_SENDING_TIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The refusal of `messages` that would take more than [`MAX_SENDING_TIME`] at `--rate`.
fn too_slow(settings: &SendSettings, messages: usize) -> Option<String> {
    let rate = settings.dispatch.rate?;
    let seconds = messages as f64 / rate;
    (seconds > MAX_SENDING_TIME.as_secs_f64()).then(|| {
        format!(
            "at --rate {rate}, {} would take {}, more than 24 hours: raise the rate, or send fewer at a time (--limit)",
            plural(messages, "message"),
            crate::dispatch::schedule::seconds_in_words(seconds)
        )
    })
}

/// The rows this run will send (READY, the first `--limit` of them), for the cost shown and
/// the budget guard.
pub(crate) fn next_rows<'a>(
    settings: &'a SendSettings,
    table: &'a Table,
    plan: &'a Plan,
    outcomes: Outcomes<'a>,
) -> NextRows<'a> {
    NextRows {
        table,
        plan,
        outcomes,
        limit: settings.dispatch.limit,
        format: &settings.format,
    }
}
