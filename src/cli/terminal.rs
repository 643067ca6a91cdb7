//! What smsmerge tells the person at the terminal: the plan before anything is written or
//! sent, warnings, errors, and where the results went. Messages go to stderr, so stdout stays
//! free for machine-readable output; a closed stderr is not an error.
//!
//! Every line leaves through `to_stderr` or `to_stdout`, which show control characters
//! and bidi overrides as visible symbols (`crate::text::printable`): much of what is printed comes
//! from cells, file names, the config file and the gateway.

use crate::book::Table;
use crate::plan::Plan;
use crate::plan::outcome::{Status, Totals};
use crate::text::lookalike;
use crate::text::printable::printable;
use std::io::Write;
use std::path::Path;

/// Writes `text` to stderr as the terminal should show it.
fn to_stderr(text: &str) {
    let _ = std::io::stderr().write_all(printable(text).as_bytes());
}

/// Writes `text` to stdout as the terminal should show it, and flushes it; a closed pipe
/// (`| head`) only means nobody reads the rest.
pub fn to_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(printable(text).as_bytes());
    let _ = stdout.flush();
}

/// Prints a warning line (never silenced by `--quiet`).
pub fn warn(message: impl std::fmt::Display) {
    to_stderr(&format!("smsmerge: warning: {message}\n"));
}

/// Prints an error line: the error that ended the run, with its chain of context on one
/// line (`{:#}`), or one a run reports before it goes on (the results could not be written
/// after sending), in the same form.
pub fn error(message: impl std::fmt::Display) {
    to_stderr(&format!("smsmerge: error: {message:#}\n"));
}

/// Prints the plan: rows read, to send, invalid, duplicates, messages by encoding and
/// segments, in a few aligned lines.
pub fn print_plan(table: &Table, totals: &Totals) {
    print_raw(&plan_summary(table, totals));
}

/// The lines of [`print_plan`], for `preview`, which shows them on stdout under its table.
pub fn plan_summary(table: &Table, totals: &Totals) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "smsmerge: {} read from {} (sheet {:?})\n",
        plural(totals.rows, "row"),
        table.path.display(),
        table.sheet
    ));
    out.push_str(&plan_line(
        "to send",
        format!(
            "{}, {}",
            plural(totals.messages(), "message"),
            plural(totals.segments(), "segment")
        ),
    ));
    out.push_str(&plan_line(
        "GSM-7",
        format!(
            "{}, {}",
            plural(totals.encodings.gsm7.messages, "message"),
            plural(totals.encodings.gsm7.segments, "segment")
        ),
    ));
    out.push_str(&plan_line(
        "UCS-2",
        format!(
            "{}, {}",
            plural(totals.encodings.ucs2.messages, "message"),
            plural(totals.encodings.ucs2.segments, "segment")
        ),
    ));
    out.push_str(&plan_line(
        "invalid",
        totals.count(Status::Invalid).to_string(),
    ));
    out.push_str(&plan_line(
        "duplicates",
        totals.count(Status::Duplicate).to_string(),
    ));
    let opted_out = totals.count(Status::Skipped) - totals.skipped_hidden;
    if opted_out > 0 {
        out.push_str(&plan_line("opted out", opted_out.to_string()));
    }
    if totals.skipped_hidden > 0 {
        out.push_str(&plan_line(
            "hidden",
            format!("{} (--skip-hidden-rows)", totals.skipped_hidden),
        ));
    }
    out
}

pub use crate::job::face::plan_line;

/// Prints lines already laid out like the plan's.
pub fn print_raw(text: &str) {
    to_stderr(text);
}

/// Says where the results are.
pub fn print_results_path(path: &Path) {
    to_stderr(&format!(
        "smsmerge: results written to {}\n",
        path.display()
    ));
}

/// The lines a real send adds to the plan: where the messages go, from whom, and the balance.
pub fn print_send_plan(gateway: &str, sender: Option<&str>, balance: Option<&str>) {
    print_raw(&crate::job::face::send_plan_lines(gateway, sender, balance));
}

/// Asks a yes/no question on the terminal; refuses to guess when there is no terminal to ask.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        anyhow::bail!(
            "not sending without confirmation: this is not a terminal; add --yes to send from a script or cron"
        );
    }
    to_stderr(&format!("{question} [y/N] "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// The simulator's start-up banner: the address first (scripts read it), then how to use it.
pub fn print_simulator(url: &url::Url, config: &crate::gateway::simulator::SimulatorConfig) {
    let base = url.as_str().trim_end_matches('/');
    let mut out = format!("smsmerge simulator listening on {base}\n");
    for account in &config.accounts {
        out.push_str(&format!(
            "  account: uid={} username={} password={}{}\n",
            account.uid,
            account.username,
            account.password,
            if account.enabled { "" } else { " (disabled)" }
        ));
    }
    out.push_str(&format!("  sender ids: {}\n", config.senders.join(", ")));
    out.push_str(&format!("  balance: {:.2}\n", config.balance));
    if let Some(first) = config.accounts.first() {
        out.push_str(&format!(
            "  try: OTSMS_UID={} OTSMS_USERNAME={} OTSMS_PASSWORD=... smsmerge send BOOK --base-url {base} --yes\n",
            first.uid, first.username
        ));
    }
    out.push_str("  Ctrl-C stops it.\n");
    to_stdout(&out);
}

/// An informational line (silenced by `--quiet` at the call site).
pub fn note(message: impl std::fmt::Display) {
    to_stderr(&format!("smsmerge: {message}\n"));
}

/// What a resumed run found already done.
pub fn print_resumed(sent: usize, uncertain: usize, retry_uncertain: bool) {
    print_raw(&crate::job::face::resumed_lines(
        sent,
        uncertain,
        retry_uncertain,
    ));
}

pub use crate::text::words::plural;

/// The look-alike part of the plan printed before sending. Without `--gsm-substitute`: the
/// rows to send that are UCS-2 only because of look-alike characters, up to `limit` of them
/// with the characters and their positions, segments now and in GSM-7, then how many more
/// and the segments `--gsm-substitute` would save over all of them. With it: how many rows
/// it changed and the segments that saved. The counts are the plan's `totals`. `None` when
/// neither applies.
#[must_use]
pub fn lookalike_listing(plan: &Plan, totals: &Totals, limit: usize) -> Option<String> {
    let mut out = String::new();
    let (replaced, avoidable) = (totals.substituted, totals.avoidable);
    if replaced.messages > 0 {
        out.push_str(&plan_line(
            "look-alikes",
            format!(
                "--gsm-substitute replaced look-alike characters in {}, saving {}",
                plural(replaced.messages, "row"),
                plural(replaced.segments, "segment")
            ),
        ));
    }
    if avoidable.messages > 0 {
        out.push_str(&plan_line(
            "look-alikes",
            format!(
                "{} UCS-2 only because of look-alike characters; --gsm-substitute would save {}",
                plural(avoidable.messages, "row"),
                plural(avoidable.segments, "segment")
            ),
        ));
        let listed = plan.rows.iter().filter(|r| r.is_ready()).filter_map(|row| {
            match row.cost_note.as_deref() {
                Some(lookalike::CostNote::Avoidable {
                    blockers,
                    segments,
                    gsm7_segments,
                }) => Some(format!(
                    "    row {}: {}; {} now, {} in GSM-7\n",
                    row.row_number,
                    lookalike::list_blockers(blockers, 5),
                    plural(*segments, "segment"),
                    gsm7_segments
                )),
                _ => None,
            }
        });
        out.extend(listed.take(limit));
        if avoidable.messages > limit {
            out.push_str(&format!("    and {} more\n", avoidable.messages - limit));
        }
    }
    (!out.is_empty()).then_some(out)
}
