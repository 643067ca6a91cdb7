//! Opening the gateway a command will talk to: the real OpenTech API with the user's account,
//! or, with `--simulate`, a simulator started inside this process on loopback with its demo
//! account. Shared by `send` and `balance`.

use crate::gateway::opentech::{Account, ClientSettings, OpenTech};
use crate::gateway::secret::Secret;
use crate::gateway::simulator::{SimAccount, Simulator, SimulatorConfig};
use anyhow::Result;
use std::net::{Ipv4Addr, SocketAddr};

/// The gateway's name in messages and in the journal when it is the simulator started inside
/// smsmerge (`--simulate`).
pub const SIMULATED_HOST: &str = "built-in simulator";

/// Where messages go and for which account. The account is read only when the command will
/// talk to the real gateway, so a dry run and `--simulate` need no credentials; when it is
/// needed, it is read before any workbook is, so a missing password costs nothing.
#[derive(Debug)]
pub struct GatewaySettings {
    /// `--simulate`: an in-process simulator, no account.
    pub simulate: bool,
    /// Base URL, timeouts.
    pub client: ClientSettings,
    /// The account, when the command talks to the real gateway.
    pub account: Option<Account>,
}

impl GatewaySettings {
    /// The gateway's host, for the plan and the Summary (never the full URL).
    pub fn host(&self) -> String {
        let url = &self.client.base_url;
        match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => url.to_string(),
        }
    }
}

/// A gateway ready to use.
pub struct Connection {
    /// The client.
    pub gateway: OpenTech,
    /// What to call it in messages: the host, or "built-in simulator".
    pub host: String,
    simulator: Option<Simulator>,
}

impl Connection {
    /// Reads the account (unless simulating) and builds the client.
    pub async fn open(settings: &GatewaySettings) -> Result<Connection> {
        if !settings.simulate {
            let account = settings
                .account
                .clone()
                .ok_or_else(|| anyhow::anyhow!("no account was read for the gateway"))?;
            let gateway = OpenTech::new(account, &settings.client)?;
            return Ok(Connection {
                gateway,
                host: settings.host(),
                simulator: None,
            });
        }
        let simulator = Simulator::start(
            SimulatorConfig::default(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )
        .await?;
        let demo = SimAccount::demo();
        let account = Account {
            uid: demo.uid,
            username: demo.username,
            password: Secret::new(demo.password),
        };
        let mut client = settings.client.clone();
        client.base_url = simulator.url();
        Ok(Connection {
            gateway: OpenTech::new(account, &client)?,
            host: SIMULATED_HOST.to_owned(),
            simulator: Some(simulator),
        })
    }

    /// True when nothing leaves this machine.
    pub fn is_simulated(&self) -> bool {
        self.simulator.is_some()
    }

    /// Stops the simulator, if there is one (requests it left hanging are released).
    pub fn close(&self) {
        if let Some(simulator) = &self.simulator {
            simulator.shutdown();
        }
    }
}
