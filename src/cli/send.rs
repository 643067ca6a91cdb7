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
use crate::cli::face::TerminalFace;
use crate::cli::settings::SendSettings;
use crate::cli::terminal;
use crate::dispatch::events::Consumer;
use crate::dispatch::journal;
use crate::dispatch::lock::Lock;
use crate::dispatch::schedule::{Hold, Schedule};
use crate::job::results_file::{self, Destination};
use crate::job::{self, Job, held_now, run_kind};
use crate::plan::outcome::{Outcomes, Status, Totals};
use crate::plan::templates::{self, NamedTemplates};
use crate::plan::{self, Plan, PlannedRow};
use crate::report::{self, RunInfo, RunKind};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, Local, Utc};
use std::path::Path;
use std::sync::OnceLock;

pub use crate::job::{Finished, MAX_SENDING_TIME, dry_run_cost, exit_code, plan_exit_code, tally};

/// Runs `send` with checked settings; `also` follows the batch's events besides the
/// terminal (the monitor of `--log-file` and `--json`).
pub fn run(settings: &SendSettings, also: &mut (dyn Consumer + Send)) -> Result<Finished> {
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
    let destination = job::destination(settings);
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
    let job = Job::new(settings, &table, &plan, started);
    let mut face = TerminalFace::new(settings.quiet, also);
    runtime.block_on(job.run(&mut face))
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
    for note in results_file::remove_left_behind(&destination.path) {
        if !settings.quiet {
            terminal::note(note);
        }
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
    let hidden = table.hidden_rows();
    if hidden > 0 && !settings.quiet {
        terminal::note(hidden_rows_line(hidden, settings.skip_hidden_rows));
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

/// What the plan says of the rows hidden in Excel: that they are sent, or left out.
fn hidden_rows_line(hidden: usize, skipped: bool) -> String {
    let (rows, are) = if hidden == 1 {
        ("1 row is".to_owned(), "is")
    } else {
        (format!("{hidden} rows are"), "are")
    };
    if skipped {
        format!("{rows} hidden in Excel and {are} skipped (--skip-hidden-rows)")
    } else {
        format!("{rows} hidden in Excel and {are} included; --skip-hidden-rows leaves them out")
    }
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
    job::write_report(settings, path, table, plan, outcomes, totals, run)?;
    if !settings.quiet {
        terminal::print_results_path(path);
    }
    Ok(())
}
