//! `smsmerge report JOURNAL [BOOK]`: the results workbook rebuilt from a send's journal and
//! its input, for when the process died (power loss, SIGKILL) before writing it. The journal
//! records the batch's settings, so the input is planned exactly as the send planned it, and
//! each message's last recorded outcome is put back in its row.

use crate::cli::Exit;
use crate::cli::args::{Cli, Command, ReportArgs};
use crate::cli::send;
use crate::cli::settings::SendSettings;
use crate::dispatch::journal::{self, PlanArgs};
use crate::plan::outcome::{self, RowOutcome, Status};
use crate::report::{RunInfo, RunKind};
use anyhow::{Result, anyhow};
use chrono::Local;
use clap::Parser;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Runs `report`.
pub fn run(args: &ReportArgs) -> Result<Exit> {
    let started = Local::now().fixed_offset();
    let previous = journal::load(&args.journal)?;
    let header = previous.header.clone().ok_or_else(|| {
        anyhow!(
            "{}: not a smsmerge journal (no run record)",
            args.journal.display()
        )
    })?;
    let book = args.book.clone().unwrap_or_else(|| header.input.clone());
    let output = match &args.output {
        Some(path) => path.clone(),
        None => results_path(&args.journal)?,
    };
    let settings = settings_for(&header.plan, &book, &output, args.quiet)?;
    let (table, plan) = send::read_and_plan(&settings)?;
    let mut outcomes = outcome::from_plan(&plan);
    let keys = journal::keys(&plan);
    for (outcome, key) in outcomes.iter_mut().zip(&keys) {
        if let (Status::Ready, Some(key)) = (outcome.status, key) {
            *outcome = previous
                .recorded_outcome(&key.to_string())
                .unwrap_or_else(|| {
                    RowOutcome::new(Status::NotSent, "not sent: the run ended before it")
                });
        }
    }
    let kind = if header.is_simulated() {
        RunKind::Simulated
    } else {
        RunKind::Real
    };
    let mut run = RunInfo::new(
        kind,
        &format!("rebuilt from the journal {}", args.journal.display()),
        started,
    );
    run.gateway = Some(header.gateway.clone());
    run.sender = header.plan.sender.clone();
    let done = outcome::Outcomes::Known(&outcomes);
    let (totals, run) = send::tally(&settings, &plan, done, run);
    send::write_results(&settings, &output, &table, &plan, done, &totals, &run)?;
    Ok(send::exit_code(&totals, &run))
}

/// `<results>.journal` → `<results>`.
fn results_path(journal: &Path) -> Result<PathBuf> {
    let name = journal.as_os_str().to_string_lossy();
    name.strip_suffix(".journal")
        .map(PathBuf::from)
        .ok_or_else(|| {
            anyhow!(
                "{}: a journal's name ends in .journal; give the results path with -o",
                journal.display()
            )
        })
}

/// The settings the send used, rebuilt through the same flags so they are checked the same
/// way.
fn settings_for(plan: &PlanArgs, book: &Path, output: &Path, quiet: bool) -> Result<SendSettings> {
    let mut argv: Vec<OsString> = ["smsmerge", "send"].map(OsString::from).to_vec();
    argv.push(book.into());
    let mut flag = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            argv.push(name.into());
            argv.push(value.into());
        }
    };
    flag("--sheet", plan.sheet.as_deref());
    flag("--to", plan.to.as_deref());
    flag("--template", plan.template.as_deref());
    flag("--template-name", plan.template_name.as_deref());
    flag("--message-column", Some(&plan.message_column));
    flag("--sender", plan.sender.as_deref());
    flag("--country-code", plan.country_code.as_deref());
    flag("--date-format", plan.date_format.as_deref());
    flag("--time-format", plan.time_format.as_deref());
    let max_segments = plan.max_segments.to_string();
    flag("--max-segments", Some(&max_segments));
    for (on, name) in [
        (plan.allow_duplicates, "--allow-duplicates"),
        (plan.gsm_substitute, "--gsm-substitute"),
        (plan.gsm_only, "--gsm-only"),
        (plan.strict_braces, "--strict-braces"),
        (plan.skip_hidden_rows, "--skip-hidden-rows"),
    ] {
        if on {
            argv.push(name.into());
        }
    }
    for list in &plan.exclude {
        argv.push("--exclude".into());
        argv.push(list.into());
    }
    if quiet {
        argv.push("--quiet".into());
    }
    argv.extend(["--dry-run", "-o"].map(OsString::from));
    argv.push(output.into());
    let cli = Cli::try_parse_from(argv)
        .map_err(|e| anyhow!("the journal's settings are not valid flags: {e}"))?;
    let Command::Send(args) = cli.command else {
        return Err(anyhow!(
            "the journal's settings did not make a send command"
        ));
    };
    SendSettings::from_args(&args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_path_drops_the_journal_suffix() {
        assert_eq!(
            results_path(Path::new("out/a.results.xlsx.journal")).unwrap(),
            PathBuf::from("out/a.results.xlsx")
        );
        assert!(results_path(Path::new("a.txt")).is_err());
    }
}
