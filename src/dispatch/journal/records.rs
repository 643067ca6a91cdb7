//! What a journal line holds: the run header (which batch, by its plan's arguments and the
//! workbook's hash), attempt, outcome and finished records, and each row's key. The
//! format is read back by every later version: fields are added, never renamed.

use crate::plan::{MessageKey, Plan, Verdict};
use chrono::{DateTime, FixedOffset, Local};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

/// The journal format's version, written in every run header.
pub const VERSION: u32 = 1;

/// Everything that decides which messages a batch holds; two runs with different values are
/// different batches and are never mixed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanArgs {
    /// `--sheet`.
    pub sheet: Option<String>,
    /// `--to`.
    pub to: Option<String>,
    /// The global template's text (from `--template` or the file's content).
    pub template: Option<String>,
    /// `--template-name`: a template of the workbook's Templates sheet for every row.
    #[serde(default)]
    pub template_name: Option<String>,
    /// `--message-column`.
    pub message_column: String,
    /// The sender id (flag or config).
    pub sender: Option<String>,
    /// The country code (flag or config).
    pub country_code: Option<String>,
    /// `--date-format`.
    pub date_format: Option<String>,
    /// `--time-format` (flag or config): it changes the text, so the batch. Absent in older
    /// journals.
    #[serde(default)]
    pub time_format: Option<String>,
    /// `--skip-hidden-rows` (flag or config). Recorded, not compared: it only changes which
    /// rows are SKIPPED, never a message's text, so a resume with the other setting cannot
    /// send one twice.
    #[serde(default)]
    pub skip_hidden_rows: bool,
    /// `--allow-duplicates`.
    pub allow_duplicates: bool,
    /// `--max-segments`.
    pub max_segments: u16,
    /// The `--exclude` lists, so a rebuilt report skips the same rows. Not compared between
    /// runs: a number added to a list between runs must simply not be sent.
    #[serde(default)]
    pub exclude: Vec<PathBuf>,
    /// `--gsm-substitute` (flag or config): it changes the text, so the batch.
    #[serde(default)]
    pub gsm_substitute: bool,
    /// `--gsm-only`.
    #[serde(default)]
    pub gsm_only: bool,
    /// `--strict-braces`: it makes rows INVALID, so the batch.
    #[serde(default)]
    pub strict_braces: bool,
    /// `--no-number-check` (flag or config). Recorded, not compared: a number the plan
    /// accepts has the same digits either way, so a resume with the other setting only
    /// changes which rows are INVALID, never sends one twice. Absent in older journals.
    #[serde(default)]
    pub no_number_check: bool,
    /// `--allow-landlines` (flag or config). Recorded, not compared, like `exclude`.
    #[serde(default)]
    pub allow_landlines: bool,
}

impl PlanArgs {
    /// The names of the settings that differ, for the "different batch" error.
    pub fn differences(&self, other: &PlanArgs) -> Vec<&'static str> {
        let mut names = Vec::new();
        let mut check = |differs: bool, name| {
            if differs {
                names.push(name);
            }
        };
        check(self.sheet != other.sheet, "--sheet");
        check(self.to != other.to, "--to");
        check(self.template != other.template, "the template");
        check(self.template_name != other.template_name, "--template-name");
        check(
            self.message_column != other.message_column,
            "--message-column",
        );
        check(self.sender != other.sender, "the sender");
        check(self.country_code != other.country_code, "the country code");
        check(self.date_format != other.date_format, "--date-format");
        check(self.time_format != other.time_format, "--time-format");
        check(
            self.allow_duplicates != other.allow_duplicates,
            "--allow-duplicates",
        );
        check(self.max_segments != other.max_segments, "--max-segments");
        check(
            self.gsm_substitute != other.gsm_substitute,
            "--gsm-substitute",
        );
        check(self.gsm_only != other.gsm_only, "--gsm-only");
        check(self.strict_braces != other.strict_braces, "--strict-braces");
        names
    }
}

/// The first record of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunHeader {
    /// [`VERSION`].
    pub version: u32,
    /// When the run started (RFC 3339).
    pub started: String,
    /// The input workbook, as given.
    pub input: PathBuf,
    /// blake3 of the input's bytes: tells an edited workbook from the same one.
    pub input_hash: String,
    /// The gateway host, or "built-in simulator".
    pub gateway: String,
    /// What decides the batch's messages.
    pub plan: PlanArgs,
}

impl RunHeader {
    /// Whether the run went to the simulator started inside smsmerge (`--simulate`): such a
    /// run never counts as sent.
    pub fn is_simulated(&self) -> bool {
        self.gateway == crate::gateway::connection::SIMULATED_HOST
    }
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// A run starts (or resumes: a resumed run appends a new header). Boxed: a header is
    /// written once a run, attempts and outcomes once a message.
    Run(Box<RunHeader>),
    /// A request is about to leave.
    Attempt {
        /// The message's journal key.
        key: String,
        /// Its row in the run that wrote the record.
        row: u32,
        /// 1 for the first request of this run.
        attempt: u32,
        /// When.
        time: String,
    },
    /// What became of a message.
    Outcome(OutcomeRecord),
    /// The run left nothing to send: a rerun starts a new run.
    Finished {
        /// When.
        time: String,
    },
}

/// The `outcome` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    /// The message's journal key.
    pub key: String,
    /// Its row in the run that wrote the record.
    pub row: u32,
    /// The status word.
    pub status: String,
    /// The reason, for a person.
    pub detail: String,
    /// The gateway's reference for a SENT message.
    pub reference: Option<String>,
    /// When the gateway accepted it (RFC 3339).
    pub sent_at: Option<String>,
    /// Requests made.
    pub attempts: u32,
    /// When the record was written.
    pub time: String,
}

/// A row's key in the journal: its message key, and which repeat of the same message in the
/// batch it is (possible with `--allow-duplicates`), so repeats stay distinct. Written as the
/// key's hex, with `#n` for the n-th repeat. Kept as 20 bytes and written out only when a
/// record is made: a million rows' keys as strings cost ~100 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalKey {
    pub(super) message: MessageKey,
    pub(super) repeat: u32,
}

impl std::fmt::Display for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if self.repeat > 1 {
            write!(f, "#{}", self.repeat)?;
        }
        Ok(())
    }
}

/// Each row's journal key; `None` for rows that are not sent (INVALID, DUPLICATE).
pub fn keys(plan: &Plan) -> Vec<Option<JournalKey>> {
    let mut seen: HashMap<MessageKey, u32> = HashMap::new();
    plan.rows
        .iter()
        .map(|row| match &row.verdict {
            Verdict::Ready { key } => {
                let n = seen.entry(*key).or_default();
                *n += 1;
                Some(JournalKey {
                    message: *key,
                    repeat: *n,
                })
            }
            _ => None,
        })
        .collect()
}

pub(super) fn now() -> String {
    rfc3339(Local::now().fixed_offset())
}

pub(super) fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}
