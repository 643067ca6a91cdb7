//! Reading a journal back: what an earlier run left behind ([`Previous`]), what it means
//! for each message now (SENT stays SENT, an attempt with no answer is UNCERTAIN), and
//! which lines are damage rather than a torn last record.

use crate::dispatch::journal::records::{JournalKey, OutcomeRecord, Record, RunHeader};
use crate::plan::outcome::{RowOutcome, Status};
use anyhow::{Context, Result};
use chrono::DateTime;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// What an earlier, unfinished run left behind.
#[derive(Debug, Default)]
pub struct Previous {
    /// The last run header.
    pub header: Option<RunHeader>,
    /// Whether the last run finished.
    pub finished: bool,
    /// When it finished (RFC 3339), as its `finished` record says.
    pub finished_at: Option<String>,
    /// Keys with an attempt record.
    pub attempted: HashMap<String, u32>,
    /// The last outcome of each key.
    pub outcomes: HashMap<String, OutcomeRecord>,
}

impl Previous {
    /// Whether any message may have reached the gateway: one was accepted, or a request got
    /// no answer. A journal without any is no record worth keeping: its run sent nothing.
    pub fn sent_anything(&self) -> bool {
        self.outcomes
            .values()
            .any(|o| o.status == Status::Sent.as_str())
            || self.has_uncertain()
    }

    /// How many of these messages (the journal keys of a plan's rows) the journal has as
    /// accepted or unanswered, or `None` when some message is neither: then a resume of the
    /// journal's run would still send something.
    pub fn covers(&self, keys: &[Option<JournalKey>]) -> Option<Covered> {
        let mut covered = Covered::default();
        for key in keys.iter().flatten() {
            match self.carried_outcome(&key.to_string())?.status {
                Status::Sent => covered.sent += 1,
                _ => covered.uncertain += 1,
            }
        }
        Some(covered)
    }

    /// Whether some message got no answer: such a run is resumed, not replaced, when the
    /// user asks for `--retry-uncertain`.
    pub fn has_uncertain(&self) -> bool {
        self.attempted
            .keys()
            .any(|key| match self.outcomes.get(key) {
                Some(o) => o.status == Status::Uncertain.as_str(),
                None => true,
            })
    }

    /// What the earlier run means for one message now: SENT stays SENT; an attempt with no
    /// answer is UNCERTAIN; anything else (never tried, FAILED, NOT SENT) is to be sent.
    pub fn carried_outcome(&self, key: &str) -> Option<RowOutcome> {
        let outcome = self.outcomes.get(key);
        if let Some(o) = outcome
            && o.status == Status::Sent.as_str()
        {
            return Some(RowOutcome {
                status: Status::Sent,
                detail: Box::default(),
                attempts: Some(o.attempts),
                sent_at: o
                    .sent_at
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok()),
                reference: o.reference.as_deref().map(Box::from),
            });
        }
        let unanswered = match outcome {
            Some(o) => o.status == Status::Uncertain.as_str(),
            None => self.attempted.contains_key(key),
        };
        unanswered.then(|| {
            let mut o = RowOutcome::new(
                Status::Uncertain,
                "an earlier run sent it and got no answer; it may have been delivered (--retry-uncertain re-sends it)",
            );
            o.attempts = self.attempted.get(key).copied();
            o
        })
    }
}

impl Previous {
    /// A message's outcome as the journal tells it, for rebuilding the results: the last
    /// recorded outcome; UNCERTAIN for an attempt that got none; `None` if never attempted.
    pub fn recorded_outcome(&self, key: &str) -> Option<RowOutcome> {
        if let Some(carried) = self.carried_outcome(key) {
            return Some(carried);
        }
        let o = self.outcomes.get(key)?;
        let mut outcome = RowOutcome::new(
            Status::from_word(&o.status).unwrap_or(Status::NotSent),
            o.detail.as_str(),
        );
        outcome.attempts = Some(o.attempts).filter(|n| *n > 0);
        outcome.reference = o.reference.as_deref().map(Box::from);
        Some(outcome)
    }
}

/// The messages of a plan a journal already has: accepted, or sent without an answer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Covered {
    /// Accepted by the gateway.
    pub sent: usize,
    /// Sent, and no answer came: they may have been delivered.
    pub uncertain: usize,
}

/// Reads a journal. A torn last line (the process died writing it, the disk filled, the power
/// went) is ignored: it is a record that never became durable, so its attempt never left, and
/// an outcome lost that way leaves its message UNCERTAIN (its attempt line is whole). A torn
/// record that an older smsmerge resumed behind, gluing its run header to the fragment, is
/// read the same way: the fragment is dropped and the header kept.
pub fn load(path: &Path) -> Result<Previous> {
    let file = File::open(path).with_context(|| format!("journal {}", path.display()))?;
    let mut previous = Previous::default();
    let mut lines = BufReader::new(file).lines().peekable();
    let mut number = 0;
    while let Some(line) = lines.next() {
        number += 1;
        let line = line.with_context(|| format!("journal {}", path.display()))?;
        let record: Record = match serde_json::from_str(&line) {
            Ok(record) => record,
            Err(_) if lines.peek().is_none() => break,
            Err(e) => match glued_header(&line) {
                Some(header) => header,
                None => {
                    return Err(Damaged {
                        path: path.to_owned(),
                        line: number,
                        error: e.to_string(),
                    }
                    .into());
                }
            },
        };
        match record {
            Record::Run(header) => {
                previous.header = Some(*header);
                previous.finished = false;
                previous.finished_at = None;
            }
            Record::Attempt { key, attempt, .. } => {
                // A request made after an outcome (a rerun sending what an earlier run left
                // NOT SENT or FAILED) makes that outcome history: until its own outcome is
                // read, this request's fate is unknown.
                previous.outcomes.remove(&key);
                let n = previous.attempted.entry(key).or_default();
                *n = (*n).max(attempt);
            }
            Record::Outcome(outcome) => {
                previous.outcomes.insert(outcome.key.clone(), outcome);
            }
            Record::Finished { time } => {
                previous.finished = true;
                previous.finished_at = Some(time);
            }
        }
    }
    Ok(previous)
}

/// The first run header of a journal, read without the rest: enough to tell a real send's
/// journal from a simulated one's. `None` when the first line is not a run header.
pub fn first_header(path: &Path) -> Result<Option<RunHeader>> {
    let file = File::open(path).with_context(|| format!("journal {}", path.display()))?;
    let mut line = String::new();
    BufReader::new(file)
        .read_line(&mut line)
        .with_context(|| format!("journal {}", path.display()))?;
    Ok(match serde_json::from_str(&line) {
        Ok(Record::Run(header)) => Some(*header),
        _ => None,
    })
}

/// A journal line that is not a record, inside the journal (a torn last line is not damage).
#[derive(Debug, thiserror::Error)]
#[error("journal {} line {line} is damaged: {error}", path.display())]
pub struct Damaged {
    /// The journal.
    pub path: PathBuf,
    /// The line, from 1.
    pub line: usize,
    /// What the JSON parser said.
    pub error: String,
}

/// The run header at the end of a line that starts with a torn record.
fn glued_header(line: &str) -> Option<Record> {
    const HEADER: &str = r#"{"type":"run""#;
    let at = line.rfind(HEADER).filter(|&at| at > 0)?;
    match serde_json::from_str(&line[at..]) {
        Ok(record @ Record::Run(_)) => Some(record),
        _ => None,
    }
}
