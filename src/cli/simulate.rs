//! `smsmerge simulate`: the built-in stand-in of the OpenTech API as a server of its own,
//! for trying smsmerge (or another client) against faults without an account.

use super::Exit;
use super::args::SimulateArgs;
use super::terminal;
use crate::gateway::simulator::{Simulator, SimulatorConfig};
use anyhow::{Result, anyhow, bail};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// `smsmerge simulate`: serves the simulator until Ctrl-C.
pub fn run(args: &SimulateArgs) -> Result<Exit> {
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

/// The simulator's settings from the command line, each share checked.
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
        ("--answer-html-rate", args.answer_html_rate),
        ("--answer-empty-rate", args.answer_empty_rate),
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
    config.fail_status = args.fail_status;
    config.retry_after = args.retry_after;
    config.html_rate = args.answer_html_rate;
    config.empty_rate = args.answer_empty_rate;
    config.answer_size = args.answer_size;
    config.content_type = args.content_type.clone();
    config.answer_template = args.answer_template.clone();
    config.balance_answer = args.balance_answer.clone();
    config.echo = args.answer_echo;
    config.log = args.log.clone();
    config.seed = args.seed;
    Ok(config)
}
