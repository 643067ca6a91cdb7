//! smsmerge: mail-merge for SMS. A workbook of recipients and templates goes in; every row is
//! rendered, checked, (from part 2 on) sent through the OpenTech HTTP SMS API, and a results
//! workbook comes out with a status for every row.
//!
//! One pipeline, one direction: `book` → `plan` → dispatch → `report`. The stages are public
//! so that tests and benchmarks can drive them without the command line.

pub mod book;
pub mod budget;
pub mod cli;
pub mod config;
pub mod connection;
pub mod dispatch;
pub mod exclude;
pub mod gateway;
pub mod init;
pub mod journal;
pub mod lock;
pub mod lookalike;
pub mod monitor;
pub mod ods_repair;
pub mod outcome;
pub mod pacer;
pub mod panics;
pub mod phone;
pub mod plan;
pub mod preview;
pub mod progress;
pub mod rebuild;
pub mod report;
pub mod schedule;
pub mod secret;
pub mod send;
pub mod settings;
pub mod shell;
pub mod sms;
pub mod template;
pub mod templates;
pub mod terminal;
pub mod value;

use anyhow::{Result, anyhow, bail};
use cli::{BalanceArgs, Cli, Command, SimulateArgs};
use connection::Connection;
use gateway::Gateway;
use gateway::simulator::{Simulator, SimulatorConfig};
use settings::{GatewaySettings, SendSettings};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
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

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Runs one command line; the error, if any, is for a person and means nothing was done.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Send(args) => send_monitored(&args),
        Command::Preview(args) => preview::run(*args),
        Command::Init(args) => init::run(&args),
        Command::Balance(args) => balance(&args),
        Command::Report(args) => rebuild::run(&args),
        Command::Simulate(args) => simulate(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}

/// `smsmerge send`, its end reported to `--json` and `--log-file` as well as the terminal.
fn send_monitored(args: &cli::SendArgs) -> Result<Exit> {
    let mut monitor = monitor::Monitor::new(args);
    let mut attempt = || -> Result<Exit> {
        let config = config::load(args.gateway.config.as_deref());
        // The log is opened before anything else can fail, so the failure is logged too;
        // a config file that cannot be read is reported without a log from it.
        let log_file = match (&args.log_file, &config) {
            (Some(path), _) => Some(path.clone()),
            (None, Ok(Some(loaded))) => loaded.file.log_file.clone(),
            (None, _) => None,
        };
        if let Some(path) = &log_file {
            monitor.open_log(path, args)?;
        }
        let settings = SendSettings::from_config(args, config?)?;
        let finished = send::run(&settings)?;
        monitor.finished(&finished, &settings.output);
        Ok(finished.exit)
    };
    let result = attempt();
    if let Err(error) = &result {
        monitor.failed(error);
    }
    result
}

/// `smsmerge balance`: prints the account's balance on stdout.
fn balance(args: &BalanceArgs) -> Result<Exit> {
    let config = config::load(args.gateway.config.as_deref())?;
    let settings = GatewaySettings::from_args(&args.gateway, config.as_ref(), true)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let text = runtime.block_on(async {
        let connection = Connection::open(&settings).await?;
        let answer = connection.gateway.balance().await;
        connection.close();
        answer.map_err(|e| anyhow!("{}: {e}", connection.host))
    })?;
    println!("{text}");
    Ok(Exit::Success)
}

/// `smsmerge simulate`: serves the simulator until Ctrl-C.
fn simulate(args: &SimulateArgs) -> Result<Exit> {
    let config = simulate_config(args)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let simulator = Simulator::start(config.clone(), addr).await?;
        terminal::print_simulator(&simulator.url(), &config);
        tokio::signal::ctrl_c().await?;
        simulator.shutdown();
        anyhow::Ok(())
    })?;
    Ok(Exit::Success)
}

fn simulate_config(args: &SimulateArgs) -> Result<SimulatorConfig> {
    let mut config = SimulatorConfig::default();
    if !args.accounts.is_empty() {
        config.accounts = args
            .accounts
            .iter()
            .map(|a| a.parse().map_err(|e| anyhow!("--account {a:?}: {e}")))
            .collect::<Result<_>>()?;
    }
    if !args.senders.is_empty() {
        config.senders = args.senders.clone();
    }
    for (name, p) in [
        ("--fail-rate", args.fail_rate),
        ("--drop-rate", args.drop_rate),
        ("--hang-rate", args.hang_rate),
    ] {
        if !(0.0..=1.0).contains(&p) {
            bail!("{name} {p}: give a share between 0 and 1");
        }
    }
    config.balance = args.balance;
    config.latency = Duration::from_millis(args.latency_ms);
    config.jitter = Duration::from_millis(args.jitter_ms);
    config.fail_rate = args.fail_rate;
    config.drop_rate = args.drop_rate;
    config.hang_rate = args.hang_rate;
    config.fail_first = args.fail_first;
    config.drop_first = args.drop_first;
    config.log = args.log.clone();
    config.seed = args.seed;
    Ok(config)
}
