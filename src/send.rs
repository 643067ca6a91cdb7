//! `smsmerge send`: book → plan → (balance, confirmation) → dispatch → report.
//!
//! Reads like the pipeline it runs. A dry run stops after the plan and reports it; a real
//! run starts the gateway (or the in-process simulator), checks the account and the balance
//! before the first message, asks for confirmation, sends, and reports.

use crate::Exit;
use crate::book;
use crate::connection::Connection;
use crate::dispatch::{self, Dispatched};
use crate::gateway::opentech::OpenTech;
use crate::gateway::{Gateway, SendError, parse_balance};
use crate::outcome::{self, RowOutcome, Status, Totals};
use crate::plan::{self, Plan};
use crate::progress::Progress;
use crate::report::{self, RunInfo};
use crate::settings::SendSettings;
use crate::terminal;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, Local};

/// Runs `send` with checked settings.
pub fn run(settings: &SendSettings) -> Result<Exit> {
    let started = Local::now().fixed_offset();
    let test = |headers: &book::Headers| settings.recipient_column(headers).is_some();
    let table = book::read(&settings.book, &settings.sheet, &settings.wanted(&test))?;
    if !table.untitled_columns.is_empty() {
        terminal::warn(format!(
            "column(s) {} of sheet {:?} hold data but have no header; they are kept, titled by their letter",
            table.untitled_columns.join(", "),
            table.sheet
        ));
    }
    let plan = plan::build(&table, &settings.bind(&table)?);
    let outcomes = outcome::from_plan(&plan);
    let planned = Totals::new(&plan, &outcomes);
    if !settings.quiet {
        terminal::print_plan(&table, &planned);
    }
    let (outcomes, mut run) = if settings.dry_run {
        (outcomes, RunInfo::new("dry run: nothing was sent", started))
    } else {
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        runtime.block_on(send_plan(settings, &plan, outcomes, &planned, started))?
    };
    let totals = Totals::new(&plan, &outcomes);
    run.finished = Local::now().fixed_offset();
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
    Ok(exit_code(&totals, &run))
}

/// Exit 2 when a real send certainly sent nothing at all (the account was refused, the
/// gateway unreachable); otherwise 1 when any row needs attention. An UNCERTAIN message may
/// have been delivered, so a run with one is never "nothing done": a script that retries on
/// exit 2 must not send it again.
fn exit_code(totals: &Totals, run: &RunInfo) -> Exit {
    if run.dispatched > 0 && totals.count(Status::Sent) == 0 && totals.count(Status::Uncertain) == 0
    {
        return Exit::BadInput;
    }
    if totals.needs_attention() {
        Exit::Attention
    } else {
        Exit::Success
    }
}

/// The real send, against the gateway or the in-process simulator.
async fn send_plan(
    settings: &SendSettings,
    plan: &Plan,
    outcomes: Vec<RowOutcome>,
    planned: &Totals,
    started: DateTime<FixedOffset>,
) -> Result<(Vec<RowOutcome>, RunInfo)> {
    let connection = Connection::open(&settings.gateway).await?;
    let gateway = &connection.gateway;
    let host = connection.host.clone();
    let balance_before = check_balance(gateway, &host, planned.segments(), settings).await?;
    if !settings.quiet {
        terminal::print_send_plan(&host, settings.sender.as_deref(), balance_before.as_deref());
    }
    let to_send = settings
        .dispatch
        .limit
        .map_or(planned.messages(), |l| l.min(planned.messages()));
    if to_send > 0 && !settings.yes {
        let segments = if to_send == planned.messages() {
            planned.segments()
        } else {
            segments_of_first(plan, to_send)
        };
        let question = format!("Send {to_send} messages ({segments} segments) through {host}?");
        if !terminal::confirm(&question)? {
            bail!("nothing sent: not confirmed");
        }
    }
    let mut progress = Progress::new(to_send, settings.quiet);
    let Dispatched {
        outcomes,
        stopped_by,
        dispatched,
        elapsed,
    } = dispatch::send_all(gateway, plan, outcomes, &settings.dispatch, &mut progress).await;
    if let Some(text) = &stopped_by {
        terminal::warn(format!(
            "the gateway answered \"{text}\": the batch was stopped and the rest NOT SENT"
        ));
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
    Ok((outcomes, run))
}

/// Segments of the first `n` READY rows, for the confirmation of a `--limit` send.
fn segments_of_first(plan: &Plan, n: usize) -> usize {
    plan.rows
        .iter()
        .filter(|r| r.is_ready())
        .take(n)
        .filter_map(|r| r.sms.map(|s| s.segments))
        .sum()
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
