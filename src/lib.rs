//! smsmerge: mail-merge for SMS. A workbook of recipients and templates goes in; every row is
//! rendered, checked, sent through the OpenTech HTTP SMS API, and a results
//! workbook comes out with a status for every row.
//!
//! One pipeline, one direction: [`book`] reads a sheet into a [`Table`](book::Table);
//! [`plan`] turns its rows into messages or rejections with domain settings (no command-line
//! types); [`dispatch`] sends them concurrently through a [`gateway`], journaling every
//! attempt and telling what happens as [events](dispatch::events::Event) to a consumer the
//! caller provides; [`report`] writes the results. [`job`] is the whole of a send (locks,
//! journal resume, budget, balance, confirmation, dispatch, results) behind one
//! [`Job`](job::Job), so that the command line ([`cli`]) and any other face call the same
//! function and cannot drift apart.
//!
//! The stages are public so that tests, benchmarks and other faces can drive them without
//! the command line. Planning a table held in memory and sending it to the built-in
//! simulator:
//!
//! ```
//! use smsmerge::book::{Headers, Row, Table, value::{Value, ValueFormat}};
//! use smsmerge::dispatch::{self, Batch, DispatchSettings, events::Collected, journal, stop::Stop};
//! use smsmerge::gateway::opentech::{Account, ClientSettings, OpenTech};
//! use smsmerge::gateway::{secret::Secret, simulator::{SimAccount, Simulator, SimulatorConfig}};
//! use smsmerge::plan::{MessageSource, PlanSettings, Planner, outcome::{self, Status}};
//! use smsmerge::text::{phone::NumberRules, template::Template};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! let text = |s: &str| Value::Text(s.into());
//! let table = Table {
//!     path: "customers.xlsx".into(),
//!     sheet: "Sheet1".into(),
//!     headers: Headers::new(vec!["Name".into(), "Phone".into()]),
//!     rows: vec![
//!         Row { number: 2, cells: vec![text("Amal"), text("+962791234567")], hidden: false },
//!         Row { number: 3, cells: vec![text("Omar"), text("not a number")], hidden: false },
//!     ],
//!     untitled_columns: Vec::new(),
//!     ignored_columns: 0,
//!     title: None,
//!     skipped_sheets: Vec::new(),
//! };
//! let template = Template::parse("Dear {{Name}}, your order is ready.")?;
//! let settings = PlanSettings {
//!     recipient_column: 1,
//!     message: MessageSource::Global(template.bind(&table.headers)?),
//!     sender_column: None,
//!     default_sender: Some("SMSMERGE".into()), // a sender id the simulator knows
//!     numbers: NumberRules::checked(None), // each number checked against its country's plan
//!     allow_duplicates: false,
//!     max_segments: 10,
//!     format: ValueFormat::default(),
//!     exclude: None,
//!     opt_out_column: None,
//!     gsm_substitute: false,
//!     gsm_only: false,
//!     strict_braces: false,
//!     skip_hidden_rows: false,
//! };
//! let planner = Planner::new(&table.headers, &settings);
//! let plan = planner.finish(planner.plan_rows(&table.rows));
//!
//! // The simulator on a free port of 127.0.0.1, and a client with its demo account.
//! let simulator = Simulator::start(SimulatorConfig::default(), "127.0.0.1:0".parse()?).await?;
//! let demo = SimAccount::demo();
//! let account = Account {
//!     uid: demo.uid,
//!     username: demo.username,
//!     password: Secret::new(demo.password),
//! };
//! let client = ClientSettings {
//!     base_url: simulator.url(),
//!     timeout: Duration::from_secs(30),
//!     connect_timeout: Duration::from_secs(10),
//!     success_pattern: None,
//! };
//! let gateway = OpenTech::new(account, &client)?;
//!
//! let keys = journal::keys(&plan);
//! let stop = Stop::new();
//! let batch = Batch { plan: &plan, keys: &keys, journal: None, stop: &stop, timing: None };
//! let sending = DispatchSettings {
//!     concurrency: 4,
//!     rate: None,
//!     retries: 2,
//!     retry_uncertain: false,
//!     backoff: Duration::from_millis(10),
//!     limit: None,
//! };
//! let mut events = Collected::default();
//! let done =
//!     dispatch::send_all(&gateway, &batch, outcome::from_plan(&plan), &sending, &mut events)
//!         .await;
//! let statuses: Vec<Status> = done.outcomes.iter().map(|o| o.status).collect();
//! assert_eq!(statuses, [Status::Sent, Status::Invalid], "{:?}", done.outcomes);
//! assert_eq!(simulator.accepted(), 1);
//! assert_eq!(events.events.len(), 3); // Started, one Outcome, Finished
//! # Ok(())
//! # }
//! ```

pub mod book;
pub mod cli;
pub mod dispatch;
pub mod gateway;
pub mod job;
pub mod plan;
pub mod report;
pub mod text;
pub mod ui;
