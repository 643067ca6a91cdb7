//! smsmerge: mail-merge for SMS. A workbook of recipients and templates goes in; every row is
//! rendered, checked, (from part 2 on) sent through the OpenTech HTTP SMS API, and a results
//! workbook comes out with a status for every row.
//!
//! One pipeline, one direction: `book` → `plan` → dispatch → `report`. The stages are public
//! so that tests and benchmarks can drive them without the command line.

pub mod book;
pub mod cli;
pub mod outcome;
pub mod phone;
pub mod plan;
pub mod report;
pub mod settings;
pub mod sms;
pub mod template;
pub mod terminal;
pub mod value;

use anyhow::{Result, bail};
use chrono::Local;
use cli::{Cli, Command, SendArgs};
use settings::SendSettings;
use std::process::ExitCode;

/// How a run ended, as the process exit code scripts and cron read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row is fine (READY or SENT, or deliberately left out).
    Success = 0,
    /// Some rows were not sendable or not sent; the results say which.
    Attention = 1,
    /// Bad invocation or unreadable input: nothing was done.
    BadInput = 2,
    /// Interrupted by the user.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Runs one command line; the error, if any, is for a person and means nothing was done.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Send(args) => send(&args),
    }
}

/// `smsmerge send`: book → plan → report.
fn send(args: &SendArgs) -> Result<Exit> {
    let started = Local::now().fixed_offset();
    let settings = SendSettings::from_args(args)?;
    if !settings.dry_run {
        bail!(
            "sending is not available yet in this version; use --dry-run to check the workbook and write the results"
        );
    }
    let test = |headers: &book::Headers| settings.recipient_column(headers).is_some();
    let table = book::read(&settings.book, &settings.sheet, &settings.wanted(&test))?;
    if table.cells_outside_header > 0 {
        terminal::warn(format!(
            "{} cells right of the last header column of sheet {:?} have no header and are ignored",
            table.cells_outside_header, table.sheet
        ));
    }
    let plan_settings = settings.bind(&table)?;
    let plan = plan::build(&table, &plan_settings);
    let outcomes = outcome::from_plan(&plan);
    let totals = outcome::Totals::new(&plan, &outcomes);
    if !settings.quiet {
        terminal::print_plan(&table, &totals);
    }
    let run = report::RunInfo {
        mode: "dry run: nothing was sent".to_owned(),
        started,
        finished: Local::now().fixed_offset(),
    };
    report::write(
        &settings.output,
        &report::Report {
            table: &table,
            plan: &plan,
            outcomes: &outcomes,
            totals: &totals,
            run: &run,
            format: &settings.format,
        },
    )?;
    if !settings.quiet {
        terminal::print_results_path(&settings.output);
    }
    Ok(if totals.needs_attention() {
        Exit::Attention
    } else {
        Exit::Success
    })
}
