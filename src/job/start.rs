//! A send up to its results: the batch's locks, what an earlier run means for this one,
//! the refusals before the first request (budget, rate, account, balance), the question,
//! the journal, and dispatch with every attempt journaled. A stop before the first request
//! ends the run with nothing sent; after it, it stops the batch.

use super::cost::{held_now, next_rows, refusal};
use super::face::{Face, Said, plan_line, resumed_lines, send_plan_lines};
use super::rerun::{self, Earlier, Replaced, Resumed, SentBefore};
use super::results_file::{self, Destination};
use super::settings::SendSettings;
use crate::book::Table;
use crate::dispatch::clock::schedule_clock;
use crate::dispatch::journal::{self, Journal, RunHeader};
use crate::dispatch::lock::Lock;
use crate::dispatch::stop::{Stop, StopReason};
use crate::dispatch::{self, Batch, Dispatched, Timing};
use crate::gateway::connection::Connection;
use crate::gateway::opentech::OpenTech;
use crate::gateway::{Gateway, SendError};
use crate::plan::Plan;
use crate::plan::budget::Cost;
use crate::plan::outcome::{Outcomes, RowOutcome, Status};
use crate::report::{RunInfo, RunKind};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a real send produced; the journal and the lock stay open until the results are
/// written.
pub(super) struct Sent {
    pub(super) outcomes: Vec<RowOutcome>,
    pub(super) run: RunInfo,
    pub(super) interrupted: bool,
    pub(super) journal: Journal,
    pub(super) finished: bool,
    /// Whether anything may have reached the gateway, in this run or the one it resumed;
    /// a run that sent nothing leaves no journal behind.
    pub(super) sent_anything: bool,
    /// The earlier journal this run moved aside, to put back if it sent nothing.
    pub(super) kept: Option<PathBuf>,
    /// The batch's and the input workbook's.
    pub(super) locks: [Lock; 2],
}

/// How the dispatch phase ended.
pub(super) enum SendPlan {
    /// Messages were sent (or the run got as far as sending).
    Sent(Box<Sent>),
    /// The run ended before its first request, with nothing sent.
    Ended(Ended),
}

/// A send that ended before its first request: no journal written, no results.
pub(super) enum Ended {
    /// The batch was sent completely by an earlier run; the rows carry its outcomes.
    AlreadySent {
        before: SentBefore,
        outcomes: Vec<RowOutcome>,
    },
    /// "n" at the prompt.
    AnsweredNo,
    /// Ctrl-C or SIGTERM while connecting, reading the balance or at the prompt.
    Interrupted,
}

/// What a run sends and where its results go.
#[derive(Clone, Copy)]
pub(super) struct Run<'a> {
    pub(super) settings: &'a SendSettings,
    pub(super) table: &'a Table,
    pub(super) plan: &'a Plan,
    pub(super) kind: RunKind,
    pub(super) started: DateTime<FixedOffset>,
    pub(super) destination: &'a Destination,
}

/// The real send, against the gateway or the in-process simulator.
pub(super) async fn send_plan(
    run: Run<'_>,
    mut outcomes: Vec<RowOutcome>,
    stop: &Arc<Stop>,
    face: &mut dyn Face,
) -> Result<SendPlan> {
    let Run {
        settings,
        table,
        plan,
        kind,
        started,
        destination,
    } = run;
    // Before the lock, which is a file in the same folder: a folder that takes no file is
    // named as such, with what to do.
    results_file::check_writable(&destination.path)?;
    let journal_path = journal::path_for(&destination.path);
    // The batch's lock first: a second run of the same command is told that its batch is
    // being sent; a send of the same workbook to other results, that its workbook is.
    let batch_lock = Lock::acquire(&journal_path)?;
    let input_lock = Lock::acquire_input(&settings.book, &destination.path)?;
    // Watched from the moment the lock is held, so that no way out leaves it behind: before
    // the first request a stop ends the run with nothing sent, after it it stops the batch.
    face.watch(stop);
    let keys = journal::keys(plan);
    let earlier = rerun::earlier_run(settings, &journal_path, &keys, face).await?;
    let resumed = match &earlier {
        Earlier::Resume(previous) => Some(rerun::carry_over(
            previous,
            &keys,
            &mut outcomes,
            settings.dispatch.retry_uncertain,
        )),
        Earlier::AlreadySent { before, previous } => {
            rerun::carry_over(previous, &keys, &mut outcomes, false);
            let before = before.clone();
            return Ok(SendPlan::Ended(Ended::AlreadySent { before, outcomes }));
        }
        Earlier::Nothing | Earlier::Replace(_) => None,
    };
    if let (Some(note), false) = (destination.spared_note(), settings.quiet) {
        face.say(Said::Note(note));
    }
    for note in results_file::remove_left_behind(&destination.path) {
        if !settings.quiet {
            face.say(Said::Note(note));
        }
    }
    // The budget is checked on what this run will send, before the gateway is contacted.
    let next = next_rows(settings, table, plan, Outcomes::Known(&outcomes));
    let cost = next.cost();
    if let Some(refusal) = refusal(settings, &cost, &next) {
        bail!(refusal);
    }
    let asking = Asking {
        cost: &cost,
        resumed: resumed.as_ref(),
        earlier: &earlier,
        journal: &journal_path,
    };
    let prepared = tokio::select! {
        prepared = prepare(settings, asking, face) => prepared?,
        () = stop.stopped() => return Ok(SendPlan::Ended(Ended::Interrupted)),
    };
    let Some(Prepared {
        connection,
        balance_before,
    }) = prepared
    else {
        return Ok(SendPlan::Ended(Ended::AnsweredNo));
    };
    let gateway = &connection.gateway;
    let host = connection.host.clone();
    let header = RunHeader {
        version: journal::VERSION,
        started: started.to_rfc3339(),
        input: settings.book.clone(),
        input_hash: journal::hash_file(&settings.book)?,
        gateway: host.clone(),
        plan: settings.recorded.clone(),
    };
    let kept = match &earlier {
        Earlier::Replace(why) => {
            let kept = journal::rotate(&journal_path)?;
            if let (Some(note), false) = (why.note(&kept), settings.quiet) {
                face.say(Said::Note(note));
            }
            Some(kept)
        }
        _ => None,
    };
    let journal = Journal::open(&journal_path, header)?;
    if journal.mended() {
        face.say(Said::Warning(format!(
            "the last line of {} was torn (the process or the machine stopped while writing it) and is cut off; a message whose answer it held is UNCERTAIN",
            journal_path.display()
        )));
    }
    face.sending();
    let batch = Batch {
        plan,
        keys: &keys,
        journal: Some(&journal),
        stop,
        timing: settings.schedule.as_ref().map(|schedule| Timing {
            schedule,
            clock: schedule_clock(),
        }),
    };
    let Dispatched {
        outcomes,
        stopped_by,
        dispatched,
        elapsed,
    } = dispatch::send_all(gateway, &batch, outcomes, &settings.dispatch, face).await;
    let finished = stopped_by.is_none()
        && !outcomes
            .iter()
            .any(|o| matches!(o.status, Status::NotSent | Status::Failed));
    let sent_anything = resumed.is_some()
        || outcomes
            .iter()
            .any(|o| matches!(o.status, Status::Sent | Status::Uncertain));
    // A journal that failed takes nothing more; what landed is what a rerun reads, and the
    // failure is reported once the results are written (or not).
    if journal.fault().is_none() {
        journal
            .close(false)
            .await
            .with_context(|| format!("cannot write the journal {}", journal.path().display()))?;
    }
    let warning = match &stopped_by {
        Some(StopReason::Account(text)) => Some(format!(
            "the gateway answered \"{text}\": the batch was stopped and the rest NOT SENT"
        )),
        // Said with what was sent and where the results are, after they are written.
        Some(StopReason::Journal(_)) => None,
        Some(stop @ StopReason::NotAccepted { row, .. }) => Some(format!(
            "{stop}: the batch was stopped (an error page is never one message's problem); row {row} is UNCERTAIN, the rest NOT SENT; check the gateway (and success_pattern, if set) before running the same command again"
        )),
        Some(StopReason::Interrupted) => {
            face.say(Said::Interrupted);
            None
        }
        None => None,
    };
    if let Some(warning) = warning {
        face.say(Said::Warning(warning));
    }
    let balance_after = gateway.balance().await.ok().map(|b| b.to_string());
    connection.close();
    let mode = if connection.is_simulated() {
        "simulated: nothing left this machine"
    } else {
        "sent through the gateway"
    };
    let mut run = RunInfo::new(kind, mode, started);
    run.gateway = Some(host);
    run.sender = Some(
        settings
            .sender
            .clone()
            .unwrap_or_else(|| "per row".to_owned()),
    );
    run.dispatched = dispatched;
    run.sending_seconds = Some(elapsed.as_secs_f64());
    run.balance_before = balance_before;
    run.balance_after = balance_after;
    run.stopped = stopped_by.as_ref().map(ToString::to_string);
    run.resumed = resumed.map(|r| format!("{} messages were sent by an earlier run", r.sent));
    Ok(SendPlan::Sent(Box::new(Sent {
        outcomes,
        run,
        interrupted: stopped_by == Some(StopReason::Interrupted),
        journal,
        finished,
        sent_anything,
        kept,
        locks: [batch_lock, input_lock],
    })))
}

/// What the steps before the first request need to know to say what is about to happen.
struct Asking<'a> {
    /// What this run will send.
    cost: &'a Cost,
    /// What an earlier run of the batch already did, when this run resumes it.
    resumed: Option<&'a Resumed>,
    /// The earlier run: sent completely and now sent `--again`, or set aside with `--fresh`.
    earlier: &'a Earlier,
    /// The journal, named in the `--fresh` question.
    journal: &'a Path,
}

/// A gateway ready and a person who said yes.
struct Prepared {
    connection: Connection,
    balance_before: Option<String>,
}

/// Everything before the first request that waits for the network or a person: the
/// `--fresh` question, the connection, the balance, the plan's gateway lines and the
/// confirmation. `None` when the answer was no.
async fn prepare(
    settings: &SendSettings,
    asking: Asking<'_>,
    face: &mut dyn Face,
) -> Result<Option<Prepared>> {
    if let (Earlier::Replace(Replaced::Fresh { sent }), false) = (asking.earlier, settings.yes) {
        let question = format!(
            "{} holds an unfinished run that sent {sent} messages; start over and send them again?",
            asking.journal.display()
        );
        if !face.confirm(question).await? {
            return Ok(None);
        }
    }
    let connection = Connection::open(&settings.gateway).await?;
    let host = connection.host.clone();
    let segments = asking.cost.segments();
    // The balance must cover what this run sends: not the rows an earlier run sent, nor
    // those past --limit.
    let balance_before =
        check_balance(&connection.gateway, &host, segments, settings, face).await?;
    if !settings.quiet {
        let mut lines =
            send_plan_lines(&host, settings.sender.as_deref(), balance_before.as_deref());
        if let Some(resumed) = asking.resumed {
            lines.push_str(&resumed_lines(
                resumed.sent,
                resumed.uncertain,
                settings.dispatch.retry_uncertain,
            ));
        }
        face.say(Said::Lines(lines));
    }
    let count = asking.cost.messages();
    let cost_line = asking.cost.describe(settings.price.as_ref());
    let again = match asking.earlier {
        Earlier::Replace(Replaced::Again(before)) => {
            format!(" again (this batch was sent completely on {})", before.when)
        }
        _ => String::new(),
    };
    if count > 0 && settings.yes && !settings.quiet {
        face.say(Said::Lines(plan_line(
            "sending",
            format!("{cost_line}{again}"),
        )));
    }
    if count > 0 && !settings.yes {
        if let (Some((schedule, hold, now)), false) = (held_now(settings), settings.quiet) {
            face.say(Said::Note(format!(
                "{}: sending will wait until {}",
                schedule.reason(&hold, now),
                schedule.until(&hold, now)
            )));
        }
        if !face
            .confirm(format!("Send {cost_line} through {host}{again}?"))
            .await?
        {
            connection.close();
            return Ok(None);
        }
    }
    Ok(Some(Prepared {
        connection,
        balance_before,
    }))
}

/// Reads the balance before anything is sent. Bad credentials and an unreachable gateway stop
/// the run here (nothing sent, exit 2); a balance smaller than the plan needs stops it unless
/// `--ignore-balance`; a balance that cannot be read (an error page, no answer) is unknown,
/// and the check is skipped with a warning.
async fn check_balance(
    gateway: &OpenTech,
    host: &str,
    segments: usize,
    settings: &SendSettings,
    face: &mut dyn Face,
) -> Result<Option<String>> {
    match gateway.balance().await {
        Ok(balance) => {
            match balance.amount() {
                Some(amount) if amount < segments as f64 && !settings.ignore_balance => bail!(
                    "the balance is {balance} but this batch needs {segments} segments; top up, send fewer rows (--limit), or use --ignore-balance"
                ),
                Some(_) => {}
                None => face.say(Said::Warning(format!(
                    "the balance is {balance}; the balance check is skipped"
                ))),
            }
            Ok(Some(balance.to_string()))
        }
        Err(SendError::Account { text }) => {
            bail!(
                "{host} refused the account: \"{text}\"; check OTSMS_UID, OTSMS_USERNAME, OTSMS_PASSWORD and the sender id; nothing was sent"
            )
        }
        Err(SendError::Retryable { reason, .. }) => {
            bail!("{host}: {reason}; nothing was sent")
        }
        Err(other) => {
            face.say(Said::Warning(format!(
                "could not read the balance ({other}); the balance check is skipped"
            )));
            Ok(None)
        }
    }
}
