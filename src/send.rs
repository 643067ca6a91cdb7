//! `smsmerge send`: book → plan → (journal, balance, confirmation) → dispatch → report.
//!
//! Reads like the pipeline it runs. A dry run stops after the plan and reports it. A real run
//! takes the batch's lock, resumes an unfinished run from its journal (or starts a new one),
//! checks the account and the balance before the first message, asks for confirmation, sends
//! with every attempt journaled, and reports. Ctrl-C or SIGTERM stops it cleanly (exit 130);
//! a second one quits at once, and a rerun resumes.
//!
//! Outside the hours to send (`--quiet-hours`, `--not-before`) dispatch waits, with the lock
//! held and the journal open; with `--no-wait` the run ends right after the plan instead
//! (exit 75), having taken no lock, touched no journal, asked no gateway and written no
//! results, so a cron job simply tries again later and an earlier results file is left as
//! it was.

use crate::Exit;
use crate::book::{self, Row, Table};
use crate::budget::{Cost, NextRows};
use crate::clock::schedule_clock;
use crate::connection::Connection;
use crate::dispatch::{self, Batch, Dispatched, Stop, StopReason, Timing};
use crate::gateway::opentech::OpenTech;
use crate::gateway::{Gateway, SendError, parse_balance};
use crate::journal::{self, Journal, JournalKey, Previous, RunHeader};
use crate::lock::Lock;
use crate::outcome::{self, Outcomes, RowOutcome, Status, Totals};
use crate::plan::{self, Plan, PlannedRow};
use crate::progress::Progress;
use crate::report::{self, RunInfo};
use crate::schedule::{Hold, Schedule};
use crate::settings::SendSettings;
use crate::templates::{self, NamedTemplates};
use crate::terminal;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, Local, Utc};
use std::sync::{Arc, OnceLock};

/// How a send ended: the exit code and what the results say, for `--json` and `--log-file`.
#[derive(Debug)]
pub struct Finished {
    /// The process's exit code.
    pub exit: Exit,
    /// Counts per status, messages and segments.
    pub totals: Totals,
    /// Mode, times, balance, why it stopped.
    pub run: RunInfo,
    /// Whether the results file was written (not when `--no-wait` found the window closed).
    pub results_written: bool,
}

/// Runs `send` with checked settings.
pub fn run(settings: &SendSettings) -> Result<Finished> {
    let started = Local::now().fixed_offset();
    let (table, plan) = read_and_plan(settings)?;
    let planned = Totals::new(&plan, Outcomes::Planned);
    if !settings.quiet {
        terminal::print_plan(&table, &planned);
        if let Some(listing) = crate::lookalike::plan_listing(&plan, &planned, 10) {
            terminal::print_raw(&listing);
        }
    }
    let ready = planned.count(Status::Ready);
    let hold = (ready > 0).then(|| held_now(settings)).flatten();
    if settings.dry_run {
        let (estimate, over) = dry_run_cost(settings, &table, &plan);
        if !settings.quiet {
            terminal::print_raw(&estimate);
        }
        if let Some(warning) = over {
            terminal::warn(warning);
        }
        if let (Some((schedule, hold, now)), false) = (&hold, settings.quiet) {
            terminal::note(format!(
                "{}: a real send now would wait until {}",
                schedule.reason(hold, *now),
                schedule.until(hold, *now)
            ));
        }
        let run = RunInfo::new("dry run: nothing was sent", started);
        let (totals, run) = write_results(settings, &table, &plan, Outcomes::Planned, run)?;
        let exit = exit_code(&totals, &run);
        return Ok(Finished {
            exit,
            totals,
            run,
            results_written: true,
        });
    }
    if settings.no_wait
        && let Some((schedule, hold, now)) = &hold
    {
        terminal::note(format!(
            "{}: nothing sent (--no-wait); sending can start at {}",
            schedule.reason(hold, *now),
            schedule.until(hold, *now)
        ));
        return Ok(Finished {
            exit: Exit::NotNow,
            totals: planned,
            run: RunInfo::new("not sent: held by the schedule (--no-wait)", started),
            results_written: false,
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcomes = outcome::from_plan(&plan);
    let sent = runtime.block_on(send_plan(settings, &table, &plan, outcomes, started))?;
    let done = Outcomes::Known(&sent.outcomes);
    let (totals, run) = write_results(settings, &table, &plan, done, sent.run)?;
    // Only now, with the results in place, may the journal say the run finished: a kill
    // before this point leaves an unfinished run, whose rerun sends nothing twice.
    runtime
        .block_on(sent.journal.close(sent.finished))
        .with_context(|| format!("cannot write the journal {}", sent.journal.path().display()))?;
    sent.signals.abort();
    drop(sent.locks);
    let exit = if sent.interrupted {
        Exit::Interrupted
    } else {
        exit_code(&totals, &run)
    };
    Ok(Finished {
        exit,
        totals,
        run,
        results_written: true,
    })
}

/// The schedule, when it holds requests back at this moment, with the hold and the moment.
fn held_now(settings: &SendSettings) -> Option<(&Schedule, Hold, DateTime<Utc>)> {
    let schedule = settings.schedule.as_ref()?;
    let now = schedule_clock().now();
    let hold = schedule.at(now).hold()?;
    Some((schedule, hold, now))
}

/// Book → plan: reads the sheet, warns about untitled columns, plans every row.
///
/// Rows are planned on another thread while the sheet is still being read (reading is
/// single-threaded, planning takes the other core), which nearly hides planning's time. What
/// was planned that way is used only when the table turns out to hold exactly those rows
/// under that header; otherwise (untitled columns merged at the end, say) the table is
/// planned again after reading, as it always was.
pub fn read_and_plan(settings: &SendSettings) -> Result<(Table, Plan)> {
    let test = |headers: &book::Headers| settings.recipient_column(headers).is_some();
    let wanted = settings.wanted(&test);
    // The Templates sheet, when the workbook has one; read before the first rows arrive.
    let named: OnceLock<Result<NamedTemplates, String>> = OnceLock::new();
    let (table, early) = std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<(book::Headers, Vec<Row>)>(2);
        let named = &named;
        let planning = scope.spawn(move || plan_while_reading(settings, named, received));
        let companion = book::Companion {
            name: templates::SHEET,
            found: &mut |sheet| {
                let templates = sheet
                    .map_err(|e| e.to_string())
                    .and_then(|table| NamedTemplates::from_table(&table, &settings.format));
                let _ = named.set(templates);
            },
        };
        let table = book::read_with_progress(
            &settings.book,
            &settings.sheet,
            &wanted,
            Some(companion),
            &mut |headers, rows| {
                // When the planning thread has stopped, the rows are planned after reading.
                let _ = batches.send((headers.clone(), rows.to_vec()));
            },
        );
        drop(batches);
        // A panic while planning early only means the rows are planned again below.
        (table, planning.join().ok().flatten())
    });
    let table = table?;
    if !table.untitled_columns.is_empty() {
        const SHOWN: usize = 10;
        let mut columns =
            table.untitled_columns[..table.untitled_columns.len().min(SHOWN)].join(", ");
        if table.untitled_columns.len() > SHOWN {
            columns.push_str(&format!(
                " and {} more",
                table.untitled_columns.len() - SHOWN
            ));
        }
        terminal::warn(format!(
            "column(s) {columns} of sheet {:?} hold data but have no header; they are kept, titled by their letter",
            table.sheet
        ));
    }
    if table.ignored_columns > 0 {
        terminal::warn(format!(
            "{} more untitled columns of sheet {:?} hold data and are left out",
            table.ignored_columns, table.sheet
        ));
    }
    // The results add `Row` and their own columns to the input's: refuse before anything is
    // sent rather than fail to write them after.
    let needed = table.headers.len() + 1 + report::RESULT_COLUMNS.len();
    if needed > report::MAX_COLUMNS {
        bail!(
            "{}: sheet {:?} has {} columns; with the results' own they would be {needed}, more than the {} a sheet holds: delete unused columns",
            table.path.display(),
            table.sheet,
            table.headers.len(),
            report::MAX_COLUMNS
        );
    }
    let bound = settings.bind(&table, named.get())?;
    let planner = plan::Planner::new(&table.headers, &bound);
    let rows = match early {
        Some(early) if early.fits(&table) => early.rows,
        _ => planner.plan_rows(&table.rows),
    };
    let plan = planner.finish(rows);
    Ok((table, plan))
}

/// Rows planned while the sheet was read, and what they were planned against.
struct EarlyPlan {
    headers: book::Headers,
    /// Row numbers of the first and last rows planned, to recognise them in the table.
    first_last: Option<(u32, u32)>,
    rows: Vec<PlannedRow>,
}

impl EarlyPlan {
    /// Whether these are the plans of exactly the table's rows, in its layout.
    fn fits(&self, table: &Table) -> bool {
        let ends = table
            .rows
            .first()
            .zip(table.rows.last())
            .map(|(a, b)| (a.number, b.number));
        table.untitled_columns.is_empty()
            && table.headers.names() == self.headers.names()
            && self.rows.len() == table.rows.len()
            && ends == self.first_last
    }
}

/// Plans batches of rows as the reader hands them over; `None` when the header cannot be
/// planned against (the same error is reported after reading).
fn plan_while_reading(
    settings: &SendSettings,
    named: &OnceLock<Result<NamedTemplates, String>>,
    batches: std::sync::mpsc::Receiver<(book::Headers, Vec<Row>)>,
) -> Option<EarlyPlan> {
    let mut early: Option<(EarlyPlan, plan::PlanSettings)> = None;
    for (headers, rows) in batches {
        let same_header = early
            .as_ref()
            .is_some_and(|(e, _)| e.headers.names() == headers.names());
        if !same_header {
            // Binding needs only the header; path and sheet name only word its errors.
            let probe = Table {
                path: settings.book.clone(),
                sheet: String::new(),
                headers: headers.clone(),
                rows: Vec::new(),
                untitled_columns: Vec::new(),
                ignored_columns: 0,
            };
            let bound = settings.bind(&probe, named.get()).ok()?;
            early = Some((
                EarlyPlan {
                    headers,
                    first_last: None,
                    rows: Vec::new(),
                },
                bound,
            ));
        }
        let (plan_so_far, bound) = early.as_mut()?;
        let planned = plan::Planner::new(&plan_so_far.headers, bound).plan_rows(&rows);
        plan_so_far.rows.extend(planned);
        if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            let start = plan_so_far.first_last.map_or(first.number, |(a, _)| a);
            plan_so_far.first_last = Some((start, last.number));
        }
    }
    early.map(|(e, _)| e)
}

/// Writes the results file and says where it is; returns the totals the exit code needs
/// and the run's facts with its finishing time.
pub fn write_results(
    settings: &SendSettings,
    table: &Table,
    plan: &Plan,
    outcomes: Outcomes<'_>,
    mut run: RunInfo,
) -> Result<(Totals, RunInfo)> {
    let totals = Totals::new(plan, outcomes);
    run.finished = Local::now().fixed_offset();
    // The segments counted are those sent, or in a dry run those that would be.
    run.estimated_cost = settings
        .price
        .as_ref()
        .map(|price| price.explained(totals.segments()));
    report::write(
        &settings.output,
        &report::Report {
            table,
            plan,
            outcomes,
            totals: &totals,
            run: &run,
            format: &settings.format,
        },
    )?;
    if !settings.quiet {
        terminal::print_results_path(&settings.output);
    }
    Ok((totals, run))
}

/// What a real send produced; the journal and the lock stay open until the results are
/// written.
struct Sent {
    outcomes: Vec<RowOutcome>,
    run: RunInfo,
    interrupted: bool,
    journal: Journal,
    finished: bool,
    /// The batch's and the input workbook's.
    locks: [Lock; 2],
    /// Watches for Ctrl-C until the results are written: a second one quits at once.
    signals: tokio::task::JoinHandle<()>,
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

/// The real send, against the gateway or the in-process simulator.
async fn send_plan(
    settings: &SendSettings,
    table: &Table,
    plan: &Plan,
    mut outcomes: Vec<RowOutcome>,
    started: DateTime<FixedOffset>,
) -> Result<Sent> {
    let journal_path = journal::path_for(&settings.output);
    // The batch's lock first: a second run of the same command is told that its batch is
    // being sent; a send of the same workbook to other results, that its workbook is.
    let batch_lock = Lock::acquire(&journal_path)?;
    let input_lock = Lock::acquire_input(&settings.book, &settings.output)?;
    let keys = journal::keys(plan);
    let earlier = earlier_run(settings, &journal_path)?;
    let resumed = match &earlier {
        Earlier::Resume(previous) => Some(previous),
        Earlier::Nothing | Earlier::Replace { .. } => None,
    }
    .map(|p| carry_over(p, &keys, &mut outcomes, settings.dispatch.retry_uncertain));
    // The budget is checked on what this run will send, before the gateway is contacted.
    let next = next_rows(settings, table, plan, Outcomes::Known(&outcomes));
    let cost = next.cost();
    if let Some(refusal) = over_budget(settings, &cost, &next) {
        bail!(refusal);
    }
    let connection = Connection::open(&settings.gateway).await?;
    let gateway = &connection.gateway;
    let host = connection.host.clone();
    // The balance must cover what this run sends: not the rows an earlier run sent, nor
    // those past --limit.
    let balance_before = check_balance(gateway, &host, cost.segments(), settings).await?;
    if !settings.quiet {
        terminal::print_send_plan(&host, settings.sender.as_deref(), balance_before.as_deref());
        if let Some(resumed) = &resumed {
            terminal::print_resumed(
                resumed.sent,
                resumed.uncertain,
                settings.dispatch.retry_uncertain,
            );
        }
    }
    let count = cost.messages();
    let cost_line = cost.describe(settings.price.as_ref());
    if count > 0 && settings.yes && !settings.quiet {
        terminal::print_raw(&terminal::plan_line("sending", &cost_line));
    }
    if count > 0 && !settings.yes {
        if let (Some((schedule, hold, now)), false) = (held_now(settings), settings.quiet) {
            terminal::note(format!(
                "{}: sending will wait until {}",
                schedule.reason(&hold, now),
                schedule.until(&hold, now)
            ));
        }
        let question = format!("Send {cost_line} through {host}?");
        if !terminal::confirm(&question)? {
            bail!("nothing sent: not confirmed");
        }
    }
    let header = RunHeader {
        version: journal::VERSION,
        started: started.to_rfc3339(),
        input: settings.book.clone(),
        input_hash: journal::hash_file(&settings.book)?,
        gateway: host.clone(),
        plan: settings.recorded.clone(),
    };
    if let Earlier::Replace { finished } = earlier {
        let kept = journal::rotate(&journal_path)?;
        if finished && !settings.quiet {
            terminal::note(format!(
                "the last run of this batch finished; starting a new one (its journal is kept as {})",
                kept.display()
            ));
        }
    }
    let journal = Journal::open(&journal_path, header)?;
    if journal.mended() {
        terminal::warn(format!(
            "the last line of {} was torn (the process or the machine stopped while writing it) and is cut off; a message whose answer it held is UNCERTAIN",
            journal_path.display()
        ));
    }
    let stop: Arc<Stop> = Arc::new(Stop::new());
    let signals = Signals::new().context("cannot watch for Ctrl-C")?;
    let signals = tokio::spawn(watch_signals(signals, Arc::clone(&stop)));
    let mut progress = Progress::new(count, settings.quiet);
    let batch = Batch {
        plan,
        keys: &keys,
        journal: Some(&journal),
        stop: &stop,
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
    } = dispatch::send_all(gateway, &batch, outcomes, &settings.dispatch, &mut progress).await;
    let finished = stopped_by.is_none()
        && !outcomes
            .iter()
            .any(|o| matches!(o.status, Status::NotSent | Status::Failed));
    journal
        .close(false)
        .await
        .with_context(|| format!("cannot write the journal {}", journal.path().display()))?;
    match &stopped_by {
        Some(StopReason::Account(text)) => terminal::warn(format!(
            "the gateway answered \"{text}\": the batch was stopped and the rest NOT SENT"
        )),
        Some(StopReason::Journal(error)) => terminal::warn(format!(
            "the journal could not be written ({error}): sending stopped, the rest NOT SENT"
        )),
        Some(StopReason::Interrupted) => terminal::warn(
            "interrupted: the rest NOT SENT; run the same command again to send them",
        ),
        None => {}
    }
    let balance_after = gateway.balance().await.ok();
    connection.close();
    let mode = if connection.is_simulated() {
        "simulated: nothing left this machine"
    } else {
        "sent through the gateway"
    };
    let mut run = RunInfo::new(mode, started);
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
    Ok(Sent {
        outcomes,
        run,
        interrupted: stopped_by == Some(StopReason::Interrupted),
        journal,
        finished,
        locks: [batch_lock, input_lock],
        signals,
    })
}

/// First Ctrl-C or SIGTERM: stop starting sends (those in flight finish). Second: quit at
/// once; the journal is consistent, so a rerun resumes.
async fn watch_signals(mut signals: Signals, stop: Arc<Stop>) {
    signals.next().await;
    let _ = stop.set(StopReason::Interrupted);
    terminal::warn(
        "interrupted: finishing the messages in flight; press Ctrl-C again to quit at once",
    );
    signals.next().await;
    terminal::warn("quitting at once; run the same command again to resume");
    std::process::exit(Exit::Interrupted as i32);
}

/// Ctrl-C and, on Unix, SIGTERM (what cron, systemd and `kill` send). Registered when made,
/// before the first line of the send is printed: a signal sent as soon as the run says it
/// is sending (or waiting) is handled, not lost to the default action.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Signals {
    /// Must be called inside the runtime.
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(windows)]
        Ok(Signals {
            ctrl_c: tokio::signal::windows::ctrl_c()?,
        })
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(windows)]
        let _ = self.ctrl_c.recv().await;
    }
}

/// What a resumed run found already done.
struct Resumed {
    sent: usize,
    uncertain: usize,
}

/// Gives READY rows the outcome an earlier run left them: SENT stays SENT, unanswered stays
/// UNCERTAIN (unless `retry_uncertain`), everything else is sent.
fn carry_over(
    previous: &Previous,
    keys: &[Option<JournalKey>],
    outcomes: &mut [RowOutcome],
    retry_uncertain: bool,
) -> Resumed {
    let mut resumed = Resumed {
        sent: 0,
        uncertain: 0,
    };
    for (outcome, key) in outcomes.iter_mut().zip(keys) {
        let (Status::Ready, Some(key)) = (outcome.status, key) else {
            continue;
        };
        match previous.carried_outcome(&key.to_string()) {
            Some(carried) if carried.status == Status::Sent => {
                resumed.sent += 1;
                *outcome = carried;
            }
            Some(carried) => {
                resumed.uncertain += 1;
                if !retry_uncertain {
                    *outcome = carried;
                }
            }
            None => {}
        }
    }
    resumed
}

/// What to do with the journal of an earlier run of this batch.
enum Earlier {
    /// There is none.
    Nothing,
    /// An unfinished run of the same batch, to resume.
    Resume(Box<Previous>),
    /// A journal to move aside for this run's own: a finished run's, an unreadable one, or
    /// an unfinished one with `--fresh`. Moved only when this run is sure to start, so a run
    /// refused later (budget, balance, no confirmation) leaves it where a rerun resumes it.
    Replace {
        /// The earlier run had finished (the user is told a new run starts).
        finished: bool,
    },
}

/// The earlier run to resume, if any. A finished run's journal is to be replaced (a new run
/// starts); an unfinished one is resumed only when it is the same batch, and replaced only
/// with `--fresh` after confirmation.
fn earlier_run(settings: &SendSettings, path: &std::path::Path) -> Result<Earlier> {
    if !path.exists() {
        return Ok(Earlier::Nothing);
    }
    let previous = match journal::load(path) {
        Ok(previous) => previous,
        // Damage inside the journal (not a torn last line, which is read past) cannot be
        // resumed from; `--fresh` sets it aside, kept for a person to look at.
        Err(e) if e.is::<journal::Damaged>() => {
            if !settings.fresh {
                bail!(
                    "{e:#}; it cannot be resumed from: --fresh sets it aside and starts over (messages it recorded as sent would be sent again)"
                );
            }
            if !settings.yes && !terminal::confirm(&format!("{e:#}. Set it aside and start over?"))?
            {
                bail!("nothing sent: not confirmed");
            }
            terminal::warn(format!(
                "{} cannot be read; it is kept aside and a new run starts (--fresh)",
                path.display()
            ));
            return Ok(Earlier::Replace { finished: false });
        }
        Err(e) => return Err(e),
    };
    let Some(header) = previous.header.clone() else {
        return Ok(Earlier::Replace { finished: false });
    };
    // A finished run is replaced by a new one, unless the user asks to re-send what it left
    // UNCERTAIN: that is a resume of the same run, or everything would be sent again.
    let retry_its_uncertain = settings.dispatch.retry_uncertain && previous.has_uncertain();
    if previous.finished && !retry_its_uncertain {
        return Ok(Earlier::Replace { finished: true });
    }
    let sent = previous
        .outcomes
        .values()
        .filter(|o| o.status == Status::Sent.as_str())
        .count();
    if settings.fresh {
        if !settings.yes {
            let question = format!(
                "{} holds an unfinished run that sent {sent} messages; start over and send them again?",
                path.display()
            );
            if !terminal::confirm(&question)? {
                bail!("nothing sent: not confirmed");
            }
        }
        return Ok(Earlier::Replace { finished: false });
    }
    let mut differences = settings.recorded.differences(&header.plan);
    if !same_file(&header.input, &settings.book) {
        differences.insert(0, "the input workbook");
    }
    if !differences.is_empty() {
        bail!(
            "{} holds an unfinished run of another batch ({} differ{}); run that batch's command again to finish it, or use --fresh to start over (its {sent} sent messages would be sent again)",
            path.display(),
            differences.join(", "),
            if differences.len() == 1 { "s" } else { "" }
        );
    }
    if journal::hash_file(&settings.book)? != header.input_hash {
        terminal::warn(format!(
            "{} changed since the unfinished run; messages it already sent are recognised by recipient, sender and text and are not sent again",
            settings.book.display()
        ));
    }
    Ok(Earlier::Resume(Box::new(previous)))
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// What a run that sends nothing (a dry run, a preview) says about the cost of sending: the
/// plan's `cost` line with the estimated price (empty without a configured price), and the
/// warning to give when a send would exceed the budget.
pub fn dry_run_cost(
    settings: &SendSettings,
    table: &Table,
    plan: &Plan,
) -> (String, Option<String>) {
    let next = next_rows(settings, table, plan, Outcomes::Planned);
    let cost = next.cost();
    let line = settings.price.as_ref().map_or_else(String::new, |price| {
        terminal::plan_line(
            "cost",
            format!("about {}", price.explained(cost.segments())),
        )
    });
    let warning = over_budget(settings, &cost, &next)
        .map(|refusal| format!("a real send would be refused: {refusal}"));
    (line, warning)
}

/// The budget guard's refusal when `cost`, the cost of `next`, exceeds the budget; `None`
/// without a budget or within it. A send stops on it, a dry run warns with it.
fn over_budget(settings: &SendSettings, cost: &Cost, next: &NextRows<'_>) -> Option<String> {
    let global = match &settings.template_name {
        Some(name) => format!("template {name:?} (--template-name)"),
        None => "the one template of every row (--template or --template-file)".to_owned(),
    };
    settings.budget.as_ref()?.check(cost, next, &global).err()
}

/// The rows this run will send (READY, the first `--limit` of them), for the cost shown and
/// the budget guard.
fn next_rows<'a>(
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

/// Reads the balance before anything is sent. Bad credentials and an unreachable gateway stop
/// the run here (nothing sent, exit 2); a balance smaller than the plan needs stops it unless
/// `--ignore-balance`; any other trouble reading it is only a warning.
async fn check_balance(
    gateway: &OpenTech,
    host: &str,
    segments: usize,
    settings: &SendSettings,
) -> Result<Option<String>> {
    match gateway.balance().await {
        Ok(text) => {
            if let Some(balance) = parse_balance(&text)
                && balance < segments as f64
                && !settings.ignore_balance
            {
                bail!(
                    "the balance is {text} but this batch needs {segments} segments; top up, send fewer rows (--limit), or use --ignore-balance"
                );
            }
            Ok(Some(text))
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
            terminal::warn(format!("could not read the balance: {other}"));
            Ok(None)
        }
    }
}
