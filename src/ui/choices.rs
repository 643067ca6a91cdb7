//! What the page has open and what the user chose in steps 2 and 3, turned into the
//! settings `send` would have: through its own flags and checks, so the page and the command
//! line cannot mean different things by the same choices.

use super::Session;
use crate::cli::args::{Cli, Command};
use crate::cli::settings::SendSettings;
use anyhow::{Result, bail};
use serde::Deserialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A workbook the page has open.
#[derive(Clone)]
pub struct Opened {
    /// Where it is (in the folder, or the private folder for an upload).
    pub path: PathBuf,
    /// Its file name, as the user knows it.
    pub name: String,
    /// Uploaded (results go to the folder) or picked (results beside it, as `send` puts
    /// them).
    pub uploaded: bool,
    /// The sheet chosen in the picker; `None`: as `send` chooses.
    pub sheet: Option<String>,
    /// Every sheet's name.
    pub sheets: Vec<String>,
    /// The chosen sheet, read.
    pub table: super::SharedTable,
    /// The recipient column `send` would use.
    pub recipient: Option<usize>,
}

/// What the user chose in steps 2 and 3, as the form sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Choices {
    /// Recipient column; empty: as `send` detects it.
    #[serde(default)]
    pub to: String,
    /// Sender id; empty: the config's, or a `sender` column.
    #[serde(default)]
    pub sender: String,
    /// Default country code; empty: the config's.
    #[serde(default)]
    pub country_code: String,
    /// Where the message is: `column`, `templates` or `typed`.
    #[serde(default)]
    pub source: String,
    /// The per-row message column.
    #[serde(default)]
    pub message_column: String,
    /// The one template typed in the page.
    #[serde(default)]
    pub template: String,
    /// A template of the Templates sheet for every row; empty: the `template` column's.
    #[serde(default)]
    pub template_name: String,
    /// `--gsm-substitute` (a checkbox: present or not).
    #[serde(default)]
    pub gsm_substitute: Option<String>,
}

/// How the flags are meant: a check writes its results privately, a send beside the book.
pub enum Purpose<'a> {
    /// `--dry-run`, results in the private temporary folder.
    Check,
    /// A real send (or to the simulator), with these extra flags.
    Send(&'a [OsString]),
}

impl Choices {
    /// `send`'s command line for these choices on `book`.
    fn command_line(&self, book: &Path, sheet: Option<&str>) -> Vec<OsString> {
        let mut line: Vec<OsString> = vec!["smsmerge".into(), "send".into(), book.into()];
        let mut flag = |name: &str, value: &str| {
            if !value.trim().is_empty() {
                line.push(name.into());
                line.push(value.into());
            }
        };
        flag("--sheet", sheet.unwrap_or(""));
        flag("--to", &self.to);
        flag("--sender", &self.sender);
        flag("--country-code", &self.country_code);
        match self.source.as_str() {
            "typed" => {
                // An empty template is `send`'s error too, not a silent per-row message.
                line.push("--template".into());
                line.push(self.template.clone().into());
            }
            "templates" => flag("--template-name", &self.template_name),
            _ => flag("--message-column", &self.message_column),
        }
        if self.gsm_substitute.is_some() {
            line.push("--gsm-substitute".into());
        }
        line
    }
}

/// The settings `send` would have for these choices, through its own flags and checks.
pub fn settings(
    session: &Session,
    opened: &Opened,
    choices: &Choices,
    purpose: Purpose<'_>,
) -> Result<SendSettings> {
    let mut line = choices.command_line(&opened.path, opened.sheet.as_deref());
    line.push("-q".into());
    match purpose {
        Purpose::Check => {
            line.push("--dry-run".into());
            line.push("-o".into());
            line.push(
                session
                    .temp_dir()
                    .join("check")
                    .join(results_name(opened))
                    .into(),
            );
        }
        Purpose::Send(extra) => {
            if opened.uploaded {
                line.push("-o".into());
                line.push(session.folder.join(results_name(opened)).into());
            }
            line.extend(extra.iter().cloned());
        }
    }
    if let Some(config) = &session.config {
        line.push("--config".into());
        line.push(config.into());
    }
    let cli = match <Cli as clap::Parser>::try_parse_from(line) {
        Ok(cli) => cli,
        Err(e) => bail!("{}", first_line(&e.to_string())),
    };
    let Command::Send(args) = cli.command else {
        bail!("not a send command");
    };
    SendSettings::from_config(&args, session.config()?)
}

/// The results' file name `send` gives this book.
fn results_name(opened: &Opened) -> String {
    crate::cli::settings::default_output(Path::new(&opened.name))
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results.xlsx".to_owned())
}

/// clap's error without its usage lines: the one line a person needs.
fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or(text)
        .trim_start_matches("error: ")
        .to_owned()
}
