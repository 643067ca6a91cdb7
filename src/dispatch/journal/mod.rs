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

mod fault;
mod previous;
mod records;

pub use crate::dispatch::journal::fault::{WriteFault, disk_full};
pub use crate::dispatch::journal::previous::{Covered, Damaged, Previous, first_header, load};
pub use crate::dispatch::journal::records::{
    JournalKey, OutcomeRecord, PlanArgs, Record, RunHeader, VERSION, keys,
};
use crate::dispatch::journal::records::{now, rfc3339};
use crate::plan::outcome::RowOutcome;
use anyhow::{Context, Result};
use chrono::Local;
use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// Where each buffered record's line ends in `lines`, and which row it speaks of.
    ends: Vec<(usize, Marks)>,
    appended: u64,
    flushed: u64,
    /// The first write that failed: what it held is lost, so nothing later may claim to be
    /// on disk, and every later write fails with this same error.
    fault: Option<WriteFault>,
    /// Rows whose last record in the file is an attempt: in flight, or (after a failed write)
    /// sent without their answer on record, so a rerun reads them UNCERTAIN. As many as are
    /// in flight while the journal works.
    asked: HashSet<u32>,
}

/// What a record says about a row, for [`Buffered::asked`].
#[derive(Debug, Clone, Copy)]
enum Marks {
    /// A run header or a `finished` record.
    Nothing,
    /// A request for the row is about to leave.
    Attempt(u32),
    /// The row's outcome.
    Outcome(u32),
}

impl Buffered {
    /// Takes note of a record that is whole in the file.
    fn landed(&mut self, marks: Marks) {
        match marks {
            Marks::Nothing => {}
            Marks::Attempt(row) => {
                self.asked.insert(row);
            }
            Marks::Outcome(row) => {
                self.asked.remove(&row);
            }
        }
    }
}

/// Writes all of `bytes` (as `write_all` does) and says how many reached the file before an
/// error, so the records that landed whole are known.
fn write_counted(file: &mut File, bytes: &[u8]) -> (usize, std::io::Result<()>) {
    let mut written = 0;
    while written < bytes.len() {
        match file.write(&bytes[written..]) {
            Ok(0) => return (written, Err(std::io::ErrorKind::WriteZero.into())),
            Ok(n) => written += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (written, Err(e)),
        }
    }
    (written, Ok(()))
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
                ends: Vec::new(),
                appended: 0,
                flushed: 0,
                fault: None,
                asked: HashSet::new(),
            }),
            for_sync,
            synced: tokio::sync::Mutex::new(0),
            cut,
        };
        journal
            .append(&Record::Run(Box::new(header)), Marks::Nothing)
            .and_then(|_| journal.flush())
            .and_then(|_| journal.for_sync.sync_all())
            .map_err(|e| anyhow::anyhow!("{}; nothing was sent", WriteFault::new(path, &e)))?;
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

    /// The first write that failed, if one did: sending stops on it, and the run says what
    /// it was.
    pub fn fault(&self) -> Option<WriteFault> {
        self.buffered().ok().and_then(|b| b.fault.clone())
    }

    /// The rows (spreadsheet row numbers, ascending) whose last record in the file is an
    /// attempt: after a failed write, the messages whose answers are not on record, which
    /// a rerun reads as UNCERTAIN and does not send again.
    pub fn unanswered(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self
            .buffered()
            .map(|b| b.asked.iter().copied().collect())
            .unwrap_or_default();
        rows.sort_unstable();
        rows
    }

    /// Keeps the first failure, and hands back the error to report: that first one.
    fn failed(&self, b: &mut Buffered, error: std::io::Error) -> std::io::Error {
        b.fault
            .get_or_insert_with(|| WriteFault::new(&self.path, &error))
            .to_io_error()
    }

    /// Adds a record to the buffer and returns its sequence number; after a failed write,
    /// fails with that write's error.
    fn append(&self, record: &Record, marks: Marks) -> std::io::Result<u64> {
        let mut buffered = self.buffered()?;
        let b = &mut *buffered;
        if let Some(fault) = &b.fault {
            return Err(fault.to_io_error());
        }
        let start = b.lines.len();
        if let Err(e) = serde_json::to_writer(&mut b.lines, record) {
            b.lines.truncate(start);
            return Err(std::io::Error::other(e));
        }
        b.lines.push(b'\n');
        b.ends.push((b.lines.len(), marks));
        b.appended += 1;
        Ok(b.appended)
    }

    /// Writes every buffered record to the file, in one `write`: a kill leaves whole lines
    /// and at most one torn last line, which a reader ignores. Returns how many records are
    /// now in the file. A write that fails part way (a disk that fills) still leaves the
    /// records before it whole in the file, and they are counted as there.
    pub fn flush(&self) -> std::io::Result<u64> {
        let mut buffered = self.buffered()?;
        let b = &mut *buffered;
        if let Some(fault) = &b.fault {
            return Err(fault.to_io_error());
        }
        if !b.lines.is_empty() {
            let (written, result) = write_counted(&mut b.file, &b.lines);
            let ends = std::mem::take(&mut b.ends);
            for &(_, marks) in ends.iter().take_while(|(end, _)| *end <= written) {
                b.landed(marks);
                b.flushed += 1;
            }
            b.lines.clear();
            if let Err(e) = result {
                return Err(self.failed(b, e));
            }
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
        let sync = tokio::task::spawn_blocking(move || file.sync_data())
            .await
            .map_err(std::io::Error::other)
            .and_then(|synced| synced);
        if let Err(e) = sync {
            return Err(self.failed(&mut *self.buffered()?, e));
        }
        *synced = target;
        Ok(())
    }

    /// Records that a request for `key` is about to leave, and returns once that record is
    /// durable. An error means the request must not be sent.
    pub async fn attempt(&self, key: &JournalKey, row: u32, attempt: u32) -> std::io::Result<()> {
        let seq = self.append(
            &Record::Attempt {
                key: key.to_string(),
                row,
                attempt,
                time: now(),
            },
            Marks::Attempt(row),
        )?;
        self.sync_to(seq).await
    }

    /// Records a message's outcome: written with the next flush, durable with the next sync.
    pub fn outcome(&self, key: &JournalKey, row: u32, outcome: &RowOutcome) -> std::io::Result<()> {
        let record = Record::Outcome(OutcomeRecord {
            key: key.to_string(),
            row,
            status: outcome.status.as_str().to_owned(),
            detail: outcome.detail.to_string(),
            reference: outcome.reference.as_deref().map(str::to_owned),
            sent_at: outcome.sent_at.map(rfc3339),
            attempts: outcome.attempts.unwrap_or(0),
            time: now(),
        });
        self.append(&record, Marks::Outcome(row)).map(|_| ())
    }

    /// Closes the run: `finished` when it left nothing to send, then a final sync.
    pub async fn close(&self, finished: bool) -> std::io::Result<()> {
        if finished {
            self.append(&Record::Finished { time: now() }, Marks::Nothing)?;
        }
        let last = self.buffered()?.appended;
        self.sync_to(last).await
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MessageKey;
    use crate::plan::outcome::Status;
    use chrono::DateTime;

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
        glued.push_str(&serde_json::to_string(&Record::Run(Box::new(header()))).unwrap());
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
        journal.attempt(&k(1), 2, 1).await.unwrap();
        journal.attempt(&k(3), 4, 1).await.unwrap();
        journal.outcome(&k(3), 4, &sent()).unwrap();
        journal.flush().unwrap();
        // The disk "fills": the file is swapped for one that refuses writes.
        journal.buffered().unwrap().file = File::open(&path).unwrap();
        journal.outcome(&k(1), 2, &sent()).unwrap();
        let first = journal.flush().unwrap_err();
        // A later record would write fine, but the lost one must not be reported as durable;
        // each later write fails with the first error, not a vaguer one of its own.
        for later in [
            journal.attempt(&k(2), 3, 1).await.unwrap_err(),
            journal.flush().unwrap_err(),
            journal.close(true).await.unwrap_err(),
        ] {
            assert_eq!(later.kind(), first.kind());
            assert_eq!(later.raw_os_error(), first.raw_os_error());
        }
        let fault = journal.fault().unwrap();
        assert_eq!(fault.os_error, first.raw_os_error());
        assert_eq!(fault.path, path);
        // Row 2 went out and its answer was lost: the journal holds it as UNCERTAIN. Row 4's
        // answer is on record, and row 3 never left.
        assert_eq!(journal.unanswered(), [2]);
        drop(journal);
        let previous = load(&path).unwrap();
        let uncertain = previous.carried_outcome(&k(1).to_string()).unwrap();
        assert_eq!(uncertain.status, Status::Uncertain);
        assert_eq!(previous.carried_outcome(&k(3).to_string()), Some(sent()));
    }

    #[tokio::test]
    async fn a_journal_that_works_leaves_no_row_unanswered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::open(&path, header()).unwrap();
        journal.attempt(&k(1), 2, 1).await.unwrap();
        assert_eq!(journal.unanswered(), [2], "in flight");
        journal.attempt(&k(1), 2, 2).await.unwrap();
        journal.outcome(&k(1), 2, &sent()).unwrap();
        assert_eq!(journal.unanswered(), [2], "answered once it is written");
        journal.close(true).await.unwrap();
        assert!(journal.unanswered().is_empty());
        assert!(journal.fault().is_none());
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
