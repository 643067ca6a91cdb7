//! One send of a planned batch, for every face: the command line and the browser page call
//! the same [`Job`], so they cannot drift apart.
//!
//! A job takes the batch's locks, decides from the journal what an earlier run means for this
//! one (resume it, start a new run, or stop because the batch was sent completely), checks
//! that the results can be written, checks the budget, the account and the balance before the
//! first message, asks its face to confirm, sends with every attempt journaled, writes the
//! results, and only then marks the journal finished. What it says and what happens while
//! sending go to the [`Face`]; the face decides how to ask, show and stop, never what the
//! rules are. Stopping is a handle ([`Job::stop_handle`]) any face can trigger: Ctrl-C on the
//! command line, a button in the page.

pub mod cost;
pub mod face;
pub mod journal_stop;
pub mod rerun;
pub mod results_file;
pub mod settings;
mod start;

pub use cost::{MAX_SENDING_TIME, dry_run_cost, held_now};
pub use face::{Answer, Face, Said};
pub use settings::SendSettings;

use crate::book::Table;
use crate::dispatch::stop::{Stop, StopReason};
use crate::plan::Plan;
use crate::plan::outcome::{self, Outcomes, Status, Totals};
use crate::report::{self, RunInfo, RunKind};
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, Local};
use results_file::{Destination, Stand};
use start::SendPlan;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How a run ended, as the process exit code scripts and cron read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row is fine (READY or SENT, or deliberately left out).
    Success = 0,
    /// Some rows were not sendable or not sent; the results say which.
    Attention = 1,
    /// Bad invocation or unreadable input: nothing was done.
    BadInput = 2,
    /// Not a time to send (quiet hours, `--not-before`) and `--no-wait`: nothing was done; try
    /// again later. 75 is EX_TEMPFAIL of sysexits.h, "a temporary failure, retry later".
    NotNow = 75,
    /// Interrupted by the user.
    Interrupted = 130,
}

/// Where a run's results go: the results file, or a dry run's or simulation's stand-in.
pub fn destination(settings: &SendSettings) -> Destination {
    let stand = match run_kind(settings) {
        RunKind::DryRun => Some(Stand::DryRun),
        RunKind::Simulated => Some(Stand::Simulated),
        RunKind::Real => None,
    };
    Destination::of(&settings.output, stand)
}

/// A send (to the gateway or the simulator) of one planned batch with its settings.
pub struct Job<'a> {
    settings: &'a SendSettings,
    table: &'a Table,
    plan: &'a Plan,
    started: DateTime<FixedOffset>,
    stop: Arc<Stop>,
}

impl<'a> Job<'a> {
    /// A job for `plan` (planned from `table` with `settings`), started at `started` (the
    /// moment the run began, as the journal and the Summary record it).
    pub fn new(
        settings: &'a SendSettings,
        table: &'a Table,
        plan: &'a Plan,
        started: DateTime<FixedOffset>,
    ) -> Job<'a> {
        Job {
            settings,
            table,
            plan,
            started,
            stop: Arc::new(Stop::new()),
        }
    }

    /// The handle that stops this job the way Ctrl-C does: before the first request nothing
    /// is sent; after it no request starts, those in flight finish, the rest are NOT SENT,
    /// and a rerun resumes.
    pub fn stop_handle(&self) -> Arc<Stop> {
        Arc::clone(&self.stop)
    }

    /// Sends the batch and writes its results. An error means nothing was sent; a run that
    /// sent and then could not write its results says so in [`Finished::results_error`].
    pub async fn run(self, face: &mut dyn Face) -> Result<Finished> {
        let Job {
            settings,
            table,
            plan,
            started,
            stop,
        } = self;
        let kind = run_kind(settings);
        let destination = destination(settings);
        let planned = Totals::new(plan, Outcomes::Planned);
        let outcomes = outcome::from_plan(plan);
        let this = start::Run {
            settings,
            table,
            plan,
            kind,
            started,
            destination: &destination,
        };
        let mut sent = match start::send_plan(this, outcomes, &stop, face).await? {
            SendPlan::Sent(sent) => *sent,
            SendPlan::Ended(ended) => return Ok(ended.finished(this, planned, face)),
        };
        // A journal that failed holds some answers no more: the results say what it says.
        let fault = sent.journal.fault();
        let unanswered = match &fault {
            Some(_) => journal_stop::as_journaled(
                &mut sent.outcomes,
                plan.rows.iter().map(|row| row.row_number),
                &sent.journal.unanswered(),
            ),
            None => 0,
        };
        let done = Outcomes::Known(&sent.outcomes);
        let (totals, run) = tally(settings, plan, done, sent.run.clone());
        face.writing_results();
        results_file::test_gate().await;
        let written = write_report(
            settings,
            &destination.path,
            table,
            plan,
            done,
            &totals,
            &run,
        );
        // The write does not yield to the runtime: a Ctrl-C during it reaches the face's
        // watcher only once the runtime next polls its signals, which this pause lets it do.
        tokio::time::sleep(SIGNALS_SETTLE).await;
        let interrupted_while_writing =
            !sent.interrupted && stop.get() == Some(&StopReason::Interrupted);
        if interrupted_while_writing {
            face.say(Said::Warning(interrupted_while_writing_line(
                written.is_ok(),
            )));
        }
        if let Some(fault) = &fault {
            let why = written
                .as_ref()
                .err()
                .map(|e| results_failure(e, &destination.path));
            let results = match &why {
                None => journal_stop::Results::Written(&destination.path),
                Some(why) => journal_stop::Results::Lost(why),
            };
            let counts = journal_stop::Counts::of(&totals, unanswered);
            face.say(Said::Error(journal_stop::error_line(
                fault, counts, results,
            )));
        }
        if written.is_ok() && !settings.quiet {
            face.say(Said::ResultsAt(destination.path.clone()));
        }
        // Only now, with the results in place, may the journal say the run finished: a kill
        // before this point leaves an unfinished run, whose rerun sends nothing twice. An
        // interrupted run is never finished: its exit says "run the same command again", and
        // that rerun sends nothing twice and writes the results once more. A journal that
        // failed takes nothing more.
        let finished = sent.finished && written.is_ok() && !interrupted_while_writing;
        if fault.is_none() {
            sent.journal.close(finished).await.with_context(|| {
                format!("cannot write the journal {}", sent.journal.path().display())
            })?;
        }
        if !sent.sent_anything {
            rerun::leave_no_trace(sent.journal.path(), sent.kept.as_deref())?;
        }
        drop(sent.locks);
        let results_error = written.err().map(|error| match &fault {
            // Said already, in the journal's error line.
            Some(_) => format!("{error:#}"),
            None => {
                let line = results_lost(&error, &totals, &destination.path, sent.journal.path());
                face.say(Said::Error(line.clone()));
                line
            }
        });
        let exit = if sent.interrupted || interrupted_while_writing {
            Exit::Interrupted
        } else if results_error.is_some() {
            // Something may have been sent: never "nothing done".
            Exit::Attention
        } else {
            exit_code(&totals, &run)
        };
        let mut finished = Finished::new(exit, totals, run, &destination.path);
        finished.results_written = results_error.is_none();
        finished.results_error = results_error;
        Ok(finished)
    }
}

/// How a send ended: the exit code and what the results say, for `--json` and `--log-file`.
#[derive(Debug)]
pub struct Finished {
    /// The process's exit code.
    pub exit: Exit,
    /// Counts per status, messages and segments.
    pub totals: Totals,
    /// Mode, times, balance, why it stopped.
    pub run: RunInfo,
    /// Where the results go: the results file, or a dry run's or simulation's stand-in for it.
    pub results: PathBuf,
    /// Whether the results file was written: not when the run had nothing to write (the
    /// window closed with `--no-wait`, a batch already sent, a "no" at the prompt), nor when
    /// writing it failed.
    pub results_written: bool,
    /// The batch had been sent completely by an earlier run: this one did nothing.
    pub already_sent: bool,
    /// Why the results could not be written after sending (the journal has the outcomes).
    pub results_error: Option<String>,
}

impl Finished {
    /// A run that ended with this code and these totals, its results not (yet) written.
    pub fn new(exit: Exit, totals: Totals, run: RunInfo, results: &Path) -> Finished {
        Finished {
            exit,
            totals,
            run,
            results: results.to_owned(),
            results_written: false,
            already_sent: false,
            results_error: None,
        }
    }
}

/// What kind of run the settings ask for.
pub fn run_kind(settings: &SendSettings) -> RunKind {
    if settings.dry_run {
        RunKind::DryRun
    } else if settings.gateway.simulate {
        RunKind::Simulated
    } else {
        RunKind::Real
    }
}

/// The error of a send whose results could not be written: the cause once, what was sent,
/// that the journal has it, and what to do.
fn results_lost(error: &anyhow::Error, totals: &Totals, results: &Path, journal: &Path) -> String {
    let (sent, uncertain) = (totals.count(Status::Sent), totals.count(Status::Uncertain));
    if sent + uncertain == 0 {
        return format!(
            "{error:#}; nothing was sent: close {} (if it is open in Excel or LibreOffice) or make it writable, then run the same command again",
            results.display()
        );
    }
    let mut what = if sent == 1 {
        "1 message was sent".to_owned()
    } else {
        format!("{sent} messages were sent")
    };
    if uncertain > 0 {
        what.push_str(&format!(" ({uncertain} more got no answer)"));
    }
    format!(
        "{error:#}; {what} and the journal {journal} has every outcome: close {results} (if it is open in Excel or LibreOffice) or make it writable, then run `smsmerge report {journal}` to write the results",
        journal = journal.display(),
        results = results.display()
    )
}

/// Why the results could not be written, in a few words: a full disk is named as such (the
/// writer's own chain says the OS error twice), anything else as its chain says it.
fn results_failure(error: &anyhow::Error, results: &Path) -> String {
    let full = error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| crate::dispatch::journal::disk_full(e.kind()))
    });
    if full {
        format!("the disk holding {} is full", results.display())
    } else {
        format!("{error:#}")
    }
}

/// The totals of the outcomes and the run's facts with its finishing time.
pub fn tally(
    settings: &SendSettings,
    plan: &Plan,
    outcomes: Outcomes<'_>,
    mut run: RunInfo,
) -> (Totals, RunInfo) {
    let totals = Totals::new(plan, outcomes);
    run.finished = Local::now().fixed_offset();
    // The segments counted are those sent, or in a dry run those that would be.
    run.estimated_cost = settings
        .price
        .as_ref()
        .map(|price| price.explained(totals.segments()));
    (totals, run)
}

/// What an interrupted send says of the rows it did not send ([`Said::Interrupted`]), in the
/// command line's words.
pub const INTERRUPTED_WARNING: &str =
    "interrupted: the rest NOT SENT; run the same command again to send them";

/// How long a send lets the runtime look at its signals after the results write, so that a
/// Ctrl-C pressed during the write counts: far under anything a person notices.
const SIGNALS_SETTLE: Duration = Duration::from_millis(10);

/// What a run interrupted while its results were being written says: the write was not cut
/// short, and nothing was sent after the interrupt.
fn interrupted_while_writing_line(written: bool) -> String {
    let results = if written {
        "the results were written to the end first"
    } else {
        "the results could not be written (see below)"
    };
    format!(
        "interrupted while the results were being written: sending had ended, so nothing was sent after the interrupt; {results}"
    )
}

/// Writes the results file at `path` (the face is told where it is).
pub fn write_report(
    settings: &SendSettings,
    path: &Path,
    table: &Table,
    plan: &Plan,
    outcomes: Outcomes<'_>,
    totals: &Totals,
    run: &RunInfo,
) -> Result<()> {
    report::write(
        path,
        &report::Report {
            table,
            plan,
            outcomes,
            totals,
            run,
            format: &settings.format,
        },
    )?;
    Ok(())
}

impl start::Ended {
    /// What the run reports.
    fn finished(self, run: start::Run<'_>, planned: Totals, face: &mut dyn Face) -> Finished {
        let start::Run {
            settings,
            plan,
            kind,
            started,
            destination,
            ..
        } = run;
        let (exit, totals, mode, already_sent) = match self {
            start::Ended::AlreadySent { before, outcomes } => {
                let line = before.nothing_to_do();
                if !settings.quiet {
                    face.say(Said::Note(line.clone()));
                }
                let totals = Totals::new(plan, Outcomes::Known(&outcomes));
                (plan_exit_code(&totals), totals, line, true)
            }
            start::Ended::AnsweredNo => {
                face.say(Said::Note("nothing sent: you answered no".to_owned()));
                let mode = "not sent: you answered no".to_owned();
                (Exit::Attention, planned, mode, false)
            }
            start::Ended::Interrupted => {
                face.say(Said::Warning(
                    "interrupted before the first message: nothing was sent".to_owned(),
                ));
                let mode = "not sent: interrupted before the first message".to_owned();
                (Exit::Interrupted, planned, mode, false)
            }
        };
        let mut run = RunInfo::new(kind, &mode, started);
        run.finished = Local::now().fixed_offset();
        let mut finished = Finished::new(exit, totals, run, &destination.path);
        finished.already_sent = already_sent;
        finished
    }
}

/// Exit 2 when a real send certainly sent nothing at all (the account was refused, the
/// gateway unreachable); otherwise 1 when any row needs attention. An UNCERTAIN message may
/// have been delivered, so a run with one is never "nothing done": a script that retries on
/// exit 2 must not send it again.
pub fn exit_code(totals: &Totals, run: &RunInfo) -> Exit {
    if run.dispatched > 0 && totals.count(Status::Sent) == 0 && totals.count(Status::Uncertain) == 0
    {
        return Exit::BadInput;
    }
    plan_exit_code(totals)
}

/// The exit code of rows planned and not sent (a dry run, a preview): 1 when any row needs
/// attention, so a script can check a workbook before it sends.
pub fn plan_exit_code(totals: &Totals) -> Exit {
    if totals.needs_attention() {
        Exit::Attention
    } else {
        Exit::Success
    }
}
