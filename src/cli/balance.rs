//! `smsmerge balance`: the account's balance on stdout, for a person or a script.

use super::Exit;
use super::args::BalanceArgs;
use super::config;
use super::terminal;
use crate::gateway::Gateway;
use crate::gateway::connection::Connection;
use crate::gateway::connection::GatewaySettings;
use anyhow::{Result, anyhow};

/// `smsmerge balance`: prints the account's balance on stdout; exit 1 when the gateway's
/// answer is not a number (it is printed as `unreadable (the gateway answered: ...)`).
pub fn run(args: &BalanceArgs) -> Result<Exit> {
    let config = config::load(args.gateway.config.as_deref())?;
    let settings = GatewaySettings::from_args(&args.gateway, config.as_ref(), true)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let balance = runtime.block_on(async {
        let connection = Connection::open(&settings).await?;
        let answer = connection.gateway.balance().await;
        connection.close();
        answer.map_err(|e| anyhow!("{}: {e}", connection.host))
    })?;
    terminal::to_stdout(&format!("{balance}\n"));
    // A script that reads the balance as a number must not take an error page for one.
    Ok(match balance.amount() {
        Some(_) => Exit::Success,
        None => Exit::Attention,
    })
}
