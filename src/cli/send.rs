//! `smsmerge send`: book → plan → (journal, balance, confirmation) → dispatch → report.
//!
//! Reads like the pipeline it runs. A dry run stops after the plan and reports it. A real run
//! takes the batch's lock, decides from the journal what an earlier run means for this one
//! (`rerun`: resume it, start a new run, or stop because the batch was sent completely),
//! checks that the results can be written, checks the account and the balance before the
//! first message, asks for confirmation, sends with every attempt journaled, and reports.
//! Ctrl-C or SIGTERM before the first request ends the run with nothing sent; during the
//! send it stops it cleanly (exit 130); a second one quits at once, and a rerun resumes.
//!
//! Outside the hours to send (`--quiet-hours`, `--not-before`) dispatch waits, with the lock
//! held and the journal open; with `--no-wait` the run ends right after the plan instead
//! (exit 75), having taken no lock, touched no journal, asked no gateway and written no
//! results, so a cron job simply tries again later and an earlier results file is left as
//! it was.

use crate::book::{self, Row, Table};
use crate::cli::Exit;
use crate::cli::progress::Progress;
use crate::cli::rerun::{self, Earlier, Replaced, Resumed, SentBefore};
use crate::cli::results_file::{self, Destination, Stand};
use crate::cli::settings::SendSettings;
use crate::cli::terminal;
use crate::dispatch::clock::schedule_clock;
use crate::dispatch::journal::{self, Journal, RunHeader};
use crate::dispatch::lock::Lock;
use crate::dispatch::schedule::{Hold, Schedule};
use crate::dispatch::stop::{Stop, StopReason};
use crate::dispatch::{self, Batch, Dispatched, Timing};
use crate::gateway::connection::Connection;
use crate::gateway::opentech::OpenTech;
use crate::gateway::{Gateway, SendError};
use crate::plan::budget::{Cost, NextRows};
use crate::plan::outcome::{self, Outcomes, RowOutcome, Status, Totals};
use crate::plan::templates::{self, NamedTemplates};
use crate::plan::{self, Plan, PlannedRow};
use crate::report::{self, RunInfo, RunKind};
use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, FixedOffset, Local, Utc};
use std::path::{Path, PathBuf};
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
    fn new(exit: Exit, totals: Totals, run: RunInfo, results: &Path) -> Finished {
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
fn run_kind(settings: &SendSettings) -> RunKind {
    if settings.dry_run {
        RunKind::DryRun
    } else if settings.gateway.simulate {
        RunKind::Simulated
    } else {
        RunKind::Real
    }
}

/// Runs `send` with checked settings.
pub fn run(settings: &SendSettings) -> Result<Finished> {
    let started = Local::now().fixed_offset();
    let kind = run_kind(settings);
    let (table, plan) = read_and_plan(settings)?;
    let planned = Totals::new(&plan, Outcomes::Planned);
    if !settings.quiet {
        terminal::print_plan(&table, &planned);
        if let Some(listing) = terminal::lookalike_listing(&plan, &planned, 10) {
            terminal::print_raw(&listing);
        }
    }
    let ready = planned.count(Status::Ready);
    let hold = (ready > 0).then(|| held_now(settings)).flatten();
    let stand = match kind {
        RunKind::DryRun => Some(Stand::DryRun),
        RunKind::Simulated => Some(Stand::Simulated),
        RunKind::Real => None,
    };
    let destination = Destination::of(&settings.output, stand);
    if settings.dry_run {
        return dry_run(settings, &table, &plan, &destination, hold, started);
    }
    if settings.no_wait
        && let Some((schedule, hold, now)) = &hold
    {
        terminal::note(format!(
            "{}: nothing sent (--no-wait); sending can start at {}",
            schedule.reason(hold, *now),
            schedule.until(hold, *now)
        ));
        let run = RunInfo::new(kind, "not sent: held by the schedule (--no-wait)", started);
        return Ok(Finished::new(Exit::NotNow, planned, run, &destination.path));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcomes = outcome::from_plan(&plan);
    let dispatch = send_plan(
        settings,
        &table,
        &plan,
        outcomes,
        kind,
        started,
        &destination,
    );
    let sent = match runtime.block_on(dispatch)? {
        SendPlan::Sent(sent) => *sent,
        SendPlan::Ended(ended) => {
            return Ok(ended.finished(settings, &plan, planned, kind, started, &destination));
        }
    };
    let done = Outcomes::Known(&sent.outcomes);
    let (totals, run) = tally(settings, &plan, done, sent.run.clone());
    let written = write_results(
        settings,
        &destination.path,
        &table,
        &plan,
        done,
        &totals,
        &run,
    );
    // Only now, with the results in place, may the journal say the run finished: a kill
    // before this point leaves an unfinished run, whose rerun sends nothing twice.
    let finished = sent.finished && written.is_ok();
    runtime
        .block_on(sent.journal.close(finished))
        .with_context(|| format!("cannot write the journal {}", sent.journal.path().display()))?;
    if !sent.sent_anything {
        rerun::leave_no_trace(sent.journal.path(), sent.kept.as_deref())?;
    }
    sent.signals.abort();
    drop(sent.locks);
    let results_error = written.err().map(|error| {
        let line = results_lost(&error, &totals, &destination.path, sent.journal.path());
        terminal::error(&line);
        line
    });
    let exit = if sent.interrupted {
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

/// `send --dry-run`: the estimate, the results with every row's would-be status, no network.
/// It waits for no send: while one of this batch runs (it holds the lock), a dry run is
/// refused rather than write beside it.
fn dry_run(
    settings: &SendSettings,
    table: &Table,
    plan: &Plan,
    destination: &Destination,
    hold: Option<(&Schedule, Hold, DateTime<Utc>)>,
    started: DateTime<FixedOffset>,
) -> Result<Finished> {
    let (estimate, over) = dry_run_cost(settings, table, plan);
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
    results_file::check_writable(&destination.path)?;
    let _lock = Lock::acquire(&journal::path_for(&settings.output))
        .context("no dry run while this batch is being sent")?;
    if let (Some(note), false) = (destination.spared_note(), settings.quiet) {
        terminal::note(note);
    }
    let run = RunInfo::new(RunKind::DryRun, "dry run: nothing was sent", started);
    let (totals, run) = tally(settings, plan, Outcomes::Planned, run);
    write_results(
        settings,
        &destination.path,
        table,
        plan,
        Outcomes::Planned,
        &totals,
        &run,
    )?;
    let mut finished = Finished::new(exit_code(&totals, &run), totals, run, &destination.path);
    finished.results_written = true;
    Ok(finished)
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
    for sheet in &table.skipped_sheets {
        terminal::warn(format!(
            "{}: sheet {sheet:?} is an Excel 4.0 macro sheet, which smsmerge cannot read; it is skipped",
            table.path.display()
        ));
    }
    if let Some((row, title)) = &table.title {
        terminal::note(format!(
            "row {row} of sheet {:?} ({title:?}) is a title above the header, skipped; if it is the header, give --header-row {row}",
            table.sheet
        ));
    }
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
    warn_single_braces(&table, &plan, &settings.format);
    Ok((table, plan))
}

/// The plan's warning about templates that name a column in single braces (`{Name}`),
/// which go out as they are: the first such row's hint, and how many rows have one.
fn warn_single_braces(table: &Table, plan: &Plan, format: &crate::book::value::ValueFormat) {
    let mut flagged = plan
        .rows
        .iter()
        .zip(&table.rows)
        .filter(|(p, _)| p.single_braces);
    let Some((first, row)) = flagged.next() else {
        return;
    };
    let Some(hint) = plan.single_brace_note(row, &table.headers, format) else {
        return;
    };
    let whose = match plan.message {
        Some(plan::MessageSource::Global(_)) => "the template".to_owned(),
        _ => format!(
            "the template of {} (the first on row {})",
            terminal::plural(flagged.count() + 1, "row"),
            first.row_number
        ),
    };
    terminal::warn(format!(
        "{whose}: {hint} (the rows' Note says so; --strict-braces makes it an error)"
    ));
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
                title: None,
                skipped_sheets: Vec::new(),
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

/// Writes the results file at `path` and says where it is.
pub fn write_results(
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
    if !settings.quiet {
        terminal::print_results_path(path);
    }
    Ok(())
}

/// What a real send produced; the journal and the lock stay open until the results are
/// written.
struct Sent {
    outcomes: Vec<RowOutcome>,
    run: RunInfo,
    interrupted: bool,
    journal: Journal,
    finished: bool,
    /// Whether anything may have reached the gateway, in this run or the one it resumed;
    /// a run that sent nothing leaves no journal behind.
    sent_anything: bool,
    /// The earlier journal this run moved aside, to put back if it sent nothing.
    kept: Option<PathBuf>,
    /// The batch's and the input workbook's.
    locks: [Lock; 2],
    /// Watches for Ctrl-C until the results are written: a second one quits at once.
    signals: tokio::task::JoinHandle<()>,
}

/// How the dispatch phase ended.
enum SendPlan {
    /// Messages were sent (or the run got as far as sending).
    Sent(Box<Sent>),
    /// The run ended before its first request, with nothing sent.
    Ended(Ended),
}

/// A send that ended before its first request: no journal written, no results.
enum Ended {
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

impl Ended {
    /// What the run reports.
    fn finished(
        self,
        settings: &SendSettings,
        plan: &Plan,
        planned: Totals,
        kind: RunKind,
        started: DateTime<FixedOffset>,
        destination: &Destination,
    ) -> Finished {
        let (exit, totals, mode, already_sent) = match self {
            Ended::AlreadySent { before, outcomes } => {
                let line = before.nothing_to_do();
                if !settings.quiet {
                    terminal::note(&line);
                }
                let totals = Totals::new(plan, Outcomes::Known(&outcomes));
                (plan_exit_code(&totals), totals, line, true)
            }
            Ended::AnsweredNo => {
                terminal::note("nothing sent: you answered no");
                let mode = "not sent: you answered no".to_owned();
                (Exit::Attention, planned, mode, false)
            }
            Ended::Interrupted => {
                terminal::warn("interrupted before the first message: nothing was sent");
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

/// The real send, against the gateway or the in-process simulator.
async fn send_plan(
    settings: &SendSettings,
    table: &Table,
    plan: &Plan,
    mut outcomes: Vec<RowOutcome>,
    kind: RunKind,
    started: DateTime<FixedOffset>,
    destination: &Destination,
) -> Result<SendPlan> {
    // Before the lock, which is a file in the same folder: a folder that takes no file is
    // named as such, with what to do.
    results_file::check_writable(&destination.path)?;
    let journal_path = journal::path_for(&destination.path);
    // The batch's lock first: a second run of the same command is told that its batch is
    // being sent; a send of the same workbook to other results, that its workbook is.
    let batch_lock = Lock::acquire(&journal_path)?;
    let input_lock = Lock::acquire_input(&settings.book, &destination.path)?;
    // Caught from the moment the lock is held, so that no way out leaves it behind: before
    // the first request a signal ends the run with nothing sent, after it it stops the batch.
    let mut signals = Signals::new().ok();
    let keys = journal::keys(plan);
    let earlier = rerun::earlier_run(settings, &journal_path, &keys)?;
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
        terminal::note(note);
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
        prepared = prepare(settings, asking) => prepared?,
        () = next_signal(&mut signals) => return Ok(SendPlan::Ended(Ended::Interrupted)),
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
                terminal::note(note);
            }
            Some(kept)
        }
        _ => None,
    };
    let journal = Journal::open(&journal_path, header)?;
    if journal.mended() {
        terminal::warn(format!(
            "the last line of {} was torn (the process or the machine stopped while writing it) and is cut off; a message whose answer it held is UNCERTAIN",
            journal_path.display()
        ));
    }
    let stop: Arc<Stop> = Arc::new(Stop::new());
    let signals = tokio::spawn(watch_signals(Arc::clone(&stop), signals));
    let mut progress = Progress::new(cost.messages(), settings.quiet);
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
    let sent_anything = resumed.is_some()
        || outcomes
            .iter()
            .any(|o| matches!(o.status, Status::Sent | Status::Uncertain));
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
        Some(stop @ StopReason::NotAccepted { row, .. }) => terminal::warn(format!(
            "{stop}: the batch was stopped (an error page is never one message's problem); row {row} is UNCERTAIN, the rest NOT SENT; check the gateway (and success_pattern, if set) before running the same command again"
        )),
        Some(StopReason::Interrupted) => terminal::warn(
            "interrupted: the rest NOT SENT; run the same command again to send them",
        ),
        None => {}
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
        signals,
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
async fn prepare(settings: &SendSettings, asking: Asking<'_>) -> Result<Option<Prepared>> {
    if let (Earlier::Replace(Replaced::Fresh { sent }), false) = (asking.earlier, settings.yes) {
        let question = format!(
            "{} holds an unfinished run that sent {sent} messages; start over and send them again?",
            asking.journal.display()
        );
        if !ask(question).await? {
            return Ok(None);
        }
    }
    let connection = Connection::open(&settings.gateway).await?;
    let host = connection.host.clone();
    let segments = asking.cost.segments();
    // The balance must cover what this run sends: not the rows an earlier run sent, nor
    // those past --limit.
    let balance_before = check_balance(&connection.gateway, &host, segments, settings).await?;
    if !settings.quiet {
        terminal::print_send_plan(&host, settings.sender.as_deref(), balance_before.as_deref());
        if let Some(resumed) = asking.resumed {
            terminal::print_resumed(
                resumed.sent,
                resumed.uncertain,
                settings.dispatch.retry_uncertain,
            );
        }
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
        terminal::print_raw(&terminal::plan_line(
            "sending",
            format!("{cost_line}{again}"),
        ));
    }
    if count > 0 && !settings.yes {
        if let (Some((schedule, hold, now)), false) = (held_now(settings), settings.quiet) {
            terminal::note(format!(
                "{}: sending will wait until {}",
                schedule.reason(&hold, now),
                schedule.until(&hold, now)
            ));
        }
        if !ask(format!("Send {cost_line} through {host}{again}?")).await? {
            connection.close();
            return Ok(None);
        }
    }
    Ok(Some(Prepared {
        connection,
        balance_before,
    }))
}

/// Asks a yes/no question on the terminal from a thread of its own, so that the runtime
/// stays free to see Ctrl-C while the question waits for an answer.
async fn ask(question: String) -> Result<bool> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = answer.send(terminal::confirm(&question));
    });
    answered
        .await
        .map_err(|_| anyhow!("the confirmation prompt ended without an answer"))?
}

/// The next Ctrl-C or SIGTERM; never, when they cannot be caught.
async fn next_signal(signals: &mut Option<Signals>) {
    match signals {
        Some(signals) => signals.next().await,
        None => std::future::pending().await,
    }
}

/// First Ctrl-C or SIGTERM: stop starting sends (those in flight finish). Second: quit at
/// once; the journal is consistent, so a rerun resumes.
async fn watch_signals(stop: Arc<Stop>, signals: Option<Signals>) {
    let Some(mut signals) = signals else {
        return;
    };
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
        terminal::plan_line(
            "cost",
            format!("about {}", price.explained(cost.segments())),
        )
    });
    if settings.lacks_sender(&table.headers) {
        line.push_str(&terminal::plan_line(
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
fn refusal(settings: &SendSettings, cost: &Cost, next: &NextRows<'_>) -> Option<String> {
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
            terminal::plural(messages, "message"),
            crate::dispatch::schedule::seconds_in_words(seconds)
        )
    })
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
/// `--ignore-balance`; a balance that cannot be read (an error page, no answer) is unknown,
/// and the check is skipped with a warning.
async fn check_balance(
    gateway: &OpenTech,
    host: &str,
    segments: usize,
    settings: &SendSettings,
) -> Result<Option<String>> {
    match gateway.balance().await {
        Ok(balance) => {
            match balance.amount() {
                Some(amount) if amount < segments as f64 && !settings.ignore_balance => bail!(
                    "the balance is {balance} but this batch needs {segments} segments; top up, send fewer rows (--limit), or use --ignore-balance"
                ),
                Some(_) => {}
                None => terminal::warn(format!(
                    "the balance is {balance}; the balance check is skipped"
                )),
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
            terminal::warn(format!(
                "could not read the balance ({other}); the balance check is skipped"
            ));
            Ok(None)
        }
    }
}
