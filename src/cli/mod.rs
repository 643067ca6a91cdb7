//! The command line: one face over the engine. clap's definitions (`args`), the checked
//! settings they become (`settings`, `config`), what the terminal shows (`terminal`,
//! `progress`, `monitor` for `--json` and `--log-file`), and one file per command. Nothing
//! below this folder imports it.

pub mod args;
pub mod balance;
pub mod config;
pub mod face;
pub mod file_size;
pub mod help;
pub mod init;
pub mod monitor;
pub mod panics;
pub mod preview;
pub mod progress;
pub mod rebuild;
pub mod send;
pub mod settings;
pub mod shell;
pub mod simulate;
pub mod terminal;

use anyhow::Result;
use args::{Cli, Command};
use settings::SendSettings;
use std::process::ExitCode;

pub use crate::job::Exit;

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
        Command::Balance(args) => balance::run(&args),
        Command::Report(args) => rebuild::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        // The page is a face of its own over the engine: `main` starts it, not this face.
        Command::Ui(_) => Err(anyhow::anyhow!(
            "`smsmerge ui` is started by the binary, not the command line's dispatch"
        )),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}

/// `smsmerge send`, its end reported to `--json` and `--log-file` as well as the terminal.
fn send_monitored(args: &args::SendArgs) -> Result<Exit> {
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
        let finished = send::run(&settings, &mut monitor)?;
        monitor.finished(&finished);
        Ok(finished.exit)
    };
    let result = attempt();
    if let Err(error) = &result {
        monitor.failed(error);
    }
    result
}
