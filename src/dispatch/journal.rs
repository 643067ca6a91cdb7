//! The journal: an append-only JSON-lines file beside the results (`<results>.journal`) that
//! records every real send, so that nothing is sent twice and nothing is lost when a run is
//! killed, crashes, loses power or is interrupted.
//!
//! A run header says what batch it is; an `attempt` record is written **and made durable
//! before its request leaves**; an `outcome` record follows the answer; a `finished` record
//! closes a run that left nothing to do. Durability is batched (group commit): concurrent
//! senders append their attempts, one of them syncs the file for all, and each waits only
//! until a sync covers its own record. Each line is written whole in one `write`, and a
//! reader ignores a torn last line, so a kill at any moment leaves a journal that resumes.

use crate::plan::outcome::{RowOutcome, Status};
use crate::plan::{MessageKey, Plan, Verdict};
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, Local};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// A run starts (or resumes: a resumed run appends a new header).
    Run(RunHeader),
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
                previous.header = Some(header);
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
        Ok(Record::Run(header)) => Some(header),
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

/// Makes the journal end with a whole line before a run appends to it: a torn last line is cut
/// off (see [`load`]), and a last record that is whole but for its newline gets one. Returns
/// how many bytes were cut.
fn mend_tail(file: &mut File) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    const CHUNK: u64 = 64 * 1024;
    let len = file.metadata()?.len();
    let mut end = len;
    let mut tail: Vec<u8> = Vec::new();
    // Back from the end, a chunk at a time, to the last newline (or the start).
    let line_start = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(CHUNK);
        let mut chunk = vec![0; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        if end == len && chunk.last() == Some(&b'\n') {
            return Ok(0);
        }
        let newline = chunk.iter().rposition(|&b| b == b'\n');
        chunk.extend_from_slice(&tail);
        tail = chunk;
        if let Some(at) = newline {
            tail.drain(..=at);
            break start + at as u64 + 1;
        }
        end = start;
    };
    if tail.is_empty() {
        return Ok(0);
    }
    if serde_json::from_slice::<Record>(&tail).is_ok() {
        file.seek(SeekFrom::End(0))?;
        file.write_all(b"\n")?;
        return Ok(0);
    }
    file.set_len(line_start)?;
    Ok(len - line_start)
}

/// The journal of a run in progress.
///
/// Records are serialized into a buffer and reach the file in batches: [`Journal::flush`]
/// writes everything buffered in one `write`, and a sync (group commit) flushes first. An
/// attempt is durable when its `attempt` call returns; an outcome is in the file (safe from
/// a kill, not yet from a power cut) after the next flush, which dispatch does as soon as it
/// has taken in the answers that are ready. Two `write`s per message were a third of a
/// send's system time.
pub struct Journal {
    path: PathBuf,
    buffer: Mutex<Buffered>,
    for_sync: Arc<File>,
    synced: tokio::sync::Mutex<u64>,
    /// Bytes of a torn last line that [`Journal::open`] cut off.
    cut: u64,
}

/// Records not yet written, and how many records there have been.
struct Buffered {
    file: File,
    lines: Vec<u8>,
    appended: u64,
    flushed: u64,
    /// A write failed: what it held is lost, so nothing later may claim to be on disk.
    broken: bool,
}

impl Journal {
    /// Opens (creating or appending to) the journal and writes the run header durably: this
    /// is also the probe that finds an unwritable folder or a full disk before any send.
    ///
    /// A torn last line left by an earlier run is cut off first (see [`load`]): this run's
    /// header must start a line of its own, or the journal would be damaged from then on.
    pub fn open(path: &Path, header: RunHeader) -> Result<Journal> {
        let mut file = File::options()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot write the journal {}", path.display()))?;
        let cut = mend_tail(&mut file)
            .with_context(|| format!("cannot write the journal {}", path.display()))?;
        let for_sync = Arc::new(
            file.try_clone()
                .with_context(|| format!("journal {}", path.display()))?,
        );
        let journal = Journal {
            path: path.to_owned(),
            buffer: Mutex::new(Buffered {
                file,
                lines: Vec::with_capacity(64 * 1024),
                appended: 0,
                flushed: 0,
                broken: false,
            }),
            for_sync,
            synced: tokio::sync::Mutex::new(0),
            cut,
        };
        journal
            .append(&Record::Run(header))
            .and_then(|_| journal.flush())
            .and_then(|_| journal.for_sync.sync_all())
            .with_context(|| format!("cannot write the journal {}", path.display()))?;
        Ok(journal)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether opening it cut off a torn last line (a record an earlier run never finished
    /// writing), so the user can be told.
    pub fn mended(&self) -> bool {
        self.cut > 0
    }

    fn buffered(&self) -> std::io::Result<std::sync::MutexGuard<'_, Buffered>> {
        self.buffer
            .lock()
            .map_err(|_| std::io::Error::other("journal lock poisoned"))
    }

    /// Adds a record to the buffer and returns its sequence number.
    fn append(&self, record: &Record) -> std::io::Result<u64> {
        let mut buffered = self.buffered()?;
        let b = &mut *buffered;
        let start = b.lines.len();
        if let Err(e) = serde_json::to_writer(&mut b.lines, record) {
            b.lines.truncate(start);
            return Err(std::io::Error::other(e));
        }
        b.lines.push(b'\n');
        b.appended += 1;
        Ok(b.appended)
    }

    /// Writes every buffered record to the file, in one `write`: a kill leaves whole lines
    /// and at most one torn last line, which a reader ignores. Returns how many records are
    /// now in the file.
    pub fn flush(&self) -> std::io::Result<u64> {
        let mut buffered = self.buffered()?;
        let b = &mut *buffered;
        if b.broken {
            return Err(std::io::Error::other("an earlier journal write failed"));
        }
        if !b.lines.is_empty() {
            let written = b.file.write_all(&b.lines);
            b.lines.clear();
            b.broken = written.is_err();
            written?;
            b.flushed = b.appended;
        }
        Ok(b.flushed)
    }

    /// Makes every record up to `seq` durable; concurrent callers share one sync.
    async fn sync_to(&self, seq: u64) -> std::io::Result<()> {
        let mut synced = self.synced.lock().await;
        if *synced >= seq {
            return Ok(());
        }
        let target = self.flush()?;
        let file = Arc::clone(&self.for_sync);
        tokio::task::spawn_blocking(move || file.sync_data())
            .await
            .map_err(std::io::Error::other)??;
        *synced = target;
        Ok(())
    }

    /// Records that a request for `key` is about to leave, and returns once that record is
    /// durable. An error means the request must not be sent.
    pub async fn attempt(&self, key: &JournalKey, row: u32, attempt: u32) -> std::io::Result<()> {
        let seq = self.append(&Record::Attempt {
            key: key.to_string(),
            row,
            attempt,
            time: now(),
        })?;
        self.sync_to(seq).await
    }

    /// Records a message's outcome: written with the next flush, durable with the next sync.
    pub fn outcome(&self, key: &JournalKey, row: u32, outcome: &RowOutcome) -> std::io::Result<()> {
        self.append(&Record::Outcome(OutcomeRecord {
            key: key.to_string(),
            row,
            status: outcome.status.as_str().to_owned(),
            detail: outcome.detail.to_string(),
            reference: outcome.reference.as_deref().map(str::to_owned),
            sent_at: outcome.sent_at.map(rfc3339),
            attempts: outcome.attempts.unwrap_or(0),
            time: now(),
        }))
        .map(|_| ())
    }

    /// Closes the run: `finished` when it left nothing to send, then a final sync.
    pub async fn close(&self, finished: bool) -> std::io::Result<()> {
        if finished {
            self.append(&Record::Finished { time: now() })?;
        }
        let last = self.buffered()?.appended;
        self.sync_to(last).await
    }
}

/// A row's key in the journal: its message key, and which repeat of the same message in the
/// batch it is (possible with `--allow-duplicates`), so repeats stay distinct. Written as the
/// key's hex, with `#n` for the n-th repeat. Kept as 20 bytes and written out only when a
/// record is made: a million rows' keys as strings cost ~100 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalKey {
    message: MessageKey,
    repeat: u32,
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

/// The journal that goes with a results file.
pub fn path_for(results: &Path) -> PathBuf {
    let mut name = results.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Moves a finished (or abandoned) journal aside, named with the time it was moved, so the
/// history of daily runs is kept. A name already taken (two runs in one second) gets `-2`,
/// `-3`, ...: a kept journal is never overwritten.
pub fn rotate(path: &Path) -> Result<PathBuf> {
    let stamp = Local::now().format("%Y%m%dT%H%M%S").to_string();
    for n in 1..1000 {
        let mut name = path.as_os_str().to_owned();
        name.push(if n == 1 {
            format!(".{stamp}")
        } else {
            format!(".{stamp}-{n}")
        });
        let target = PathBuf::from(name);
        // A hard link fails when the name exists, where a rename would replace it.
        match std::fs::hard_link(path, &target) {
            Ok(()) => {
                std::fs::remove_file(path).with_context(|| {
                    format!("cannot move the old journal {} aside", path.display())
                })?;
                return Ok(target);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot move the old journal {} aside", path.display())
                });
            }
        }
    }
    anyhow::bail!(
        "cannot move the old journal {} aside: too many kept journals",
        path.display()
    )
}

/// blake3 of a file's bytes, hex.
pub fn hash_file(path: &Path) -> Result<String> {
    let mut hasher = blake3::Hasher::new();
    let file = File::open(path).with_context(|| format!("{}", path.display()))?;
    hasher
        .update_reader(file)
        .with_context(|| format!("{}", path.display()))?;
    Ok(hasher.finalize().to_hex().to_string())
}

fn now() -> String {
    rfc3339(Local::now().fixed_offset())
}

fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal key standing for message number `n`.
    fn k(n: u32) -> JournalKey {
        JournalKey {
            message: MessageKey::new(&n.to_string(), "S", "text"),
            repeat: 1,
        }
    }

    #[test]
    fn repeats_of_a_message_get_numbered_keys() {
        let key = k(1);
        let again = JournalKey { repeat: 2, ..key };
        assert_eq!(key.to_string().len(), 32);
        assert_eq!(again.to_string(), format!("{key}#2"));
    }

    fn header() -> RunHeader {
        RunHeader {
            version: VERSION,
            started: now(),
            input: "book.xlsx".into(),
            input_hash: "abc".into(),
            gateway: "built-in simulator".into(),
            plan: PlanArgs::default(),
        }
    }

    fn sent() -> RowOutcome {
        RowOutcome {
            status: Status::Sent,
            detail: Box::default(),
            attempts: Some(2),
            sent_at: DateTime::parse_from_rfc3339("2026-11-25T10:00:00+02:00").ok(),
            reference: Some("OK: 7".into()),
        }
    }

    #[tokio::test]
    async fn a_journal_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xlsx.journal");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(1), 2, 1).await.unwrap();
        journal.attempt(&k(1), 2, 2).await.unwrap();
        journal.outcome(&k(1), 2, &sent()).unwrap();
        journal.attempt(&k(2), 3, 1).await.unwrap();
        journal.close(false).await.unwrap();
        let previous = load(&path).unwrap();
        assert!(!previous.finished);
        assert_eq!(previous.attempted[&k(1).to_string()], 2);
        let carried = previous.carried_outcome(&k(1).to_string()).unwrap();
        assert_eq!(carried, sent());
        let uncertain = previous.carried_outcome(&k(2).to_string()).unwrap();
        assert_eq!(uncertain.status, Status::Uncertain);
        assert_eq!(uncertain.attempts, Some(1));
        assert!(previous.carried_outcome(&k(3).to_string()).is_none());
    }

    #[tokio::test]
    async fn failed_and_not_sent_messages_are_sent_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(0), 2, 1).await.unwrap();
        journal
            .outcome(&k(0), 2, &RowOutcome::new(Status::Failed, "503"))
            .unwrap();
        journal.close(false).await.unwrap();
        assert!(
            load(&path)
                .unwrap()
                .carried_outcome(&k(0).to_string())
                .is_none()
        );
    }

    /// A rerun sends a message an earlier run left NOT SENT (or FAILED); when that rerun is
    /// killed with its request out, the earlier outcome must not make a third run send it
    /// again on a guess: its last attempt has no answer, so it is UNCERTAIN. The same holds
    /// for an attempt that dispatch withdrew (the schedule closed) and then made again.
    #[tokio::test]
    async fn an_attempt_after_an_outcome_leaves_the_message_uncertain_until_answered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(0), 2, 1).await.unwrap();
        journal
            .outcome(
                &k(0),
                2,
                &RowOutcome::new(Status::NotSent, "not sent: interrupted"),
            )
            .unwrap();
        journal.attempt(&k(1), 3, 1).await.unwrap();
        journal
            .outcome(&k(1), 3, &RowOutcome::new(Status::Failed, "503"))
            .unwrap();
        journal.close(false).await.unwrap();
        drop(journal);
        // The rerun: both go out again, and it is killed before any answer.
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(0), 2, 1).await.unwrap();
        journal.attempt(&k(1), 3, 1).await.unwrap();
        drop(journal);
        let previous = load(&path).unwrap();
        for key in [k(0), k(1)] {
            let carried = previous.carried_outcome(&key.to_string());
            assert_eq!(carried.map(|o| o.status), Some(Status::Uncertain), "{key}");
        }
        assert!(previous.has_uncertain());
    }

    #[tokio::test]
    async fn a_torn_last_line_is_ignored_but_damage_inside_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(0), 2, 1).await.unwrap();
        journal.close(true).await.unwrap();
        drop(journal);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"type\":\"attempt\",\"ke");
        std::fs::write(&path, &text).unwrap();
        let previous = load(&path).unwrap();
        assert!(previous.finished);
        assert_eq!(previous.attempted[&k(0).to_string()], 1);
        text.push_str("\n{}\n");
        std::fs::write(&path, &text).unwrap();
        assert!(load(&path).is_err());
    }

    /// What a kill, a full disk or a power cut mid-write leaves: the journal of one run, its
    /// last record (`k(1)`'s outcome) torn after `keep` bytes of its line.
    async fn torn_journal(path: &Path) -> String {
        let journal = Journal::open(path, header()).unwrap();
        journal.attempt(&k(0), 2, 1).await.unwrap();
        journal.outcome(&k(0), 2, &sent()).unwrap();
        journal.attempt(&k(1), 3, 1).await.unwrap();
        journal.outcome(&k(1), 3, &sent()).unwrap();
        journal.close(false).await.unwrap();
        drop(journal);
        let text = std::fs::read_to_string(path).unwrap();
        let last = text.trim_end().rfind('\n').unwrap() + 1;
        let torn = &text[..last + 20];
        std::fs::write(path, torn).unwrap();
        torn.to_owned()
    }

    #[tokio::test]
    async fn a_torn_last_line_is_cut_off_before_a_run_appends_and_its_message_is_uncertain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let torn = torn_journal(&path).await;
        let previous = load(&path).unwrap();
        assert_eq!(previous.carried_outcome(&k(0).to_string()), Some(sent()));
        let second = previous.carried_outcome(&k(1).to_string()).unwrap();
        assert_eq!(second.status, Status::Uncertain, "its outcome never landed");
        // The resume appends its header on a line of its own, and a second resume reads it.
        let journal = Journal::open(&path, header()).unwrap();
        assert!(journal.mended());
        journal.attempt(&k(2), 4, 1).await.unwrap();
        journal.close(false).await.unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        let whole = &torn[..torn.rfind('\n').unwrap() + 1];
        assert!(text.starts_with(whole), "nothing whole was cut");
        assert!(text[whole.len()..].starts_with(r#"{"type":"run""#));
        let journal = Journal::open(&path, header()).unwrap();
        assert!(!journal.mended());
        drop(journal);
        let previous = load(&path).unwrap();
        assert_eq!(previous.attempted.len(), 3);
        assert_eq!(
            previous
                .carried_outcome(&k(1).to_string())
                .map(|o| o.status),
            Some(Status::Uncertain)
        );
    }

    #[tokio::test]
    async fn a_last_record_missing_only_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(0), 2, 1).await.unwrap();
        journal.close(false).await.unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        let journal = Journal::open(&path, header()).unwrap();
        assert!(!journal.mended());
        drop(journal);
        let previous = load(&path).unwrap();
        assert_eq!(previous.attempted[&k(0).to_string()], 1);
        assert!(std::fs::read_to_string(&path).unwrap().starts_with(&text));
    }

    /// An older smsmerge resumed right after a torn line, gluing its run header to it: that
    /// line is read as the header, so such a journal resumes too.
    #[tokio::test]
    async fn a_run_header_glued_to_a_torn_line_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let torn = torn_journal(&path).await;
        let mut glued = torn.clone();
        glued.push_str(&serde_json::to_string(&Record::Run(header())).unwrap());
        glued.push('\n');
        std::fs::write(&path, &glued).unwrap();
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(2), 4, 1).await.unwrap();
        drop(journal);
        let previous = load(&path).unwrap();
        assert!(previous.header.is_some());
        assert_eq!(previous.attempted.len(), 3);
        assert!(!previous.finished);
        // Damage that is not a torn record before a header is still damage.
        std::fs::write(&path, format!("{torn}\n{{\"type\":\"attempt\"}}\n\n")).unwrap();
        let error = load(&path).unwrap_err();
        assert!(error.is::<Damaged>(), "{error:#}");
    }

    #[tokio::test]
    async fn concurrent_attempts_are_all_durable_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Arc::new(Journal::open(&path, header()).unwrap());
        let mut tasks = Vec::new();
        for i in 0..64 {
            let journal = Arc::clone(&journal);
            tasks.push(tokio::spawn(async move {
                journal.attempt(&k(i), i, 1).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let previous = load(&path).unwrap();
        assert_eq!(previous.attempted.len(), 64);
    }

    #[tokio::test]
    async fn outcomes_reach_the_file_at_the_flush_and_attempts_before_they_return() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(1), 2, 1).await.unwrap();
        // What a kill at this moment would leave: the attempt, durable.
        assert_eq!(load(&path).unwrap().attempted[&k(1).to_string()], 1);
        journal.outcome(&k(1), 2, &sent()).unwrap();
        journal.outcome(&k(2), 3, &sent()).unwrap();
        assert!(
            load(&path).unwrap().outcomes.is_empty(),
            "buffered until the flush"
        );
        assert_eq!(
            journal.flush().unwrap(),
            4,
            "header, attempt and two outcomes"
        );
        let previous = load(&path).unwrap();
        assert_eq!(previous.outcomes.len(), 2);
        assert!(!previous.finished);
    }

    #[tokio::test]
    async fn after_a_failed_write_nothing_claims_to_be_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        // The disk "fills": the file is swapped for one that refuses writes.
        journal.buffered().unwrap().file = File::open(&path).unwrap();
        journal.outcome(&k(1), 2, &sent()).unwrap();
        assert!(journal.flush().is_err());
        // A later record would write fine, but the lost one must not be reported as durable.
        assert!(journal.attempt(&k(2), 3, 1).await.is_err());
        assert!(journal.flush().is_err());
    }

    #[test]
    fn differences_name_the_settings() {
        let a = PlanArgs::default();
        let mut b = a.clone();
        b.sender = Some("X".into());
        b.template = Some("Hi".into());
        assert_eq!(a.differences(&b), ["the template", "the sender"]);
        assert!(a.differences(&a).is_empty());
        let mut c = a.clone();
        c.gsm_substitute = true;
        c.gsm_only = true;
        assert_eq!(a.differences(&c), ["--gsm-substitute", "--gsm-only"]);
    }

    #[test]
    fn a_journal_from_before_the_gsm_flags_reads_them_as_off() {
        let mut value = serde_json::to_value(PlanArgs::default()).unwrap();
        let fields = value.as_object_mut().unwrap();
        assert!(fields.remove("gsm_substitute").is_some());
        assert!(fields.remove("gsm_only").is_some());
        let old: PlanArgs = serde_json::from_value(value).unwrap();
        assert!(!old.gsm_substitute && !old.gsm_only);
    }

    #[test]
    fn rotation_never_overwrites_a_kept_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.journal");
        let mut kept = Vec::new();
        for i in 0..3 {
            std::fs::write(&path, format!("run {i}")).unwrap();
            kept.push(rotate(&path).unwrap());
        }
        assert!(!path.exists());
        let texts: Vec<String> = kept
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        assert_eq!(texts, ["run 0", "run 1", "run 2"]);
    }

    #[test]
    fn paths() {
        assert_eq!(
            path_for(Path::new("out/a.results.xlsx")),
            PathBuf::from("out/a.results.xlsx.journal")
        );
    }
}
