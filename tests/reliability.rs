//! Reliability of real sends: journal, resume, interrupts and the lock,
//! tested by doing to the real binary what happens to it in production. `smsmerge send` is
//! spawned against `smsmerge simulate` (a child process with latency, so that a batch takes
//! seconds), then killed with SIGKILL at several points, interrupted with SIGINT or SIGTERM,
//! started twice at once, or run again after its gateway, input or flags changed.
//!
//! Every test checks both sides: the simulator's log (what arrived, and how often) and the
//! results workbook (every row's status). The kill tests also read the journal the killed run
//! left, to know exactly which messages had a request out without an answer: those, and only
//! those, may end UNCERTAIN. The moment to kill is found by polling the simulator's log or the
//! journal (or the run's stderr), not by sleeping, so the tests do not depend on the machine's
//! speed.
#![cfg(unix)]

mod common;

use chrono::DateTime;
use common::held::HeldGateway;
use common::{LogEntry, Results, SimProcess, Workdir};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The batch

/// The simulator's default account (`1000:demo:demo`).
const ACCOUNT: [(&str, &str); 3] = [
    ("OTSMS_UID", "1000"),
    ("OTSMS_USERNAME", "demo"),
    ("OTSMS_PASSWORD", "demo"),
];

/// The flags of every batch here: one sender, four requests in flight.
const SEND: &[&str] = &["--sender", "OTSMS", "-j", "4"];

/// No run of smsmerge here may take longer; one that does is killed and the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// The Detail of a row an interrupt left unsent.
const INTERRUPTED: &str = "not sent: interrupted";

/// The recipient of row `i` (0-based) of a numbered book, as smsmerge normalizes it.
fn recipient(i: usize) -> String {
    format!("9617{i:07}")
}

/// The message of row `i` of a numbered book.
fn text(i: usize) -> String {
    format!("Message number {i}")
}

/// A workbook with Phone and Message columns holding these rows.
fn write_book(wd: &Workdir, name: &str, rows: &[(String, String)]) -> PathBuf {
    wd.xlsx(name, "Sheet1", |ws| {
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(0, 1, "Message")?;
        for (r, (phone, message)) in rows.iter().enumerate() {
            ws.write_string(r as u32 + 1, 0, phone)?;
            ws.write_string(r as u32 + 1, 1, message)?;
        }
        Ok(())
    })
}

/// `n` distinct one-segment messages to distinct numbers; row `i` goes to `recipient(i)`.
fn numbered_book(wd: &Workdir, n: usize) -> PathBuf {
    let rows: Vec<(String, String)> = (0..n)
        .map(|i| (format!("+{}", recipient(i)), text(i)))
        .collect();
    write_book(wd, "book.xlsx", &rows)
}

/// The spreadsheet row number of row `i` (0-based, after the header).
fn row_number(i: usize) -> u32 {
    i as u32 + 2
}

fn results_path(wd: &Workdir) -> PathBuf {
    wd.path("book.results.xlsx")
}

fn journal_path(wd: &Workdir) -> PathBuf {
    wd.path("book.results.xlsx.journal")
}

fn lock_path(wd: &Workdir) -> PathBuf {
    wd.path("book.results.xlsx.journal.lock")
}

/// The journals earlier runs left, moved aside as `<journal>.<YYYYmmddTHHMMSS>`.
fn rotated_journals(wd: &Workdir) -> Vec<String> {
    let prefix = "book.results.xlsx.journal.";
    wd.listing()
        .into_iter()
        .filter(|name| name.starts_with(prefix) && name != "book.results.xlsx.journal.lock")
        .collect()
}

/// Whether `name` ends in the time stamp of a rotated journal: 8 digits, `T`, 6 digits.
fn has_stamp(name: &str) -> bool {
    let Some(stamp) = name.strip_prefix("book.results.xlsx.journal.") else {
        return false;
    };
    stamp.len() == 15
        && stamp
            .char_indices()
            .all(|(i, c)| if i == 8 { c == 'T' } else { c.is_ascii_digit() })
}

// ---------------------------------------------------------------------------------------------
// Running smsmerge as a child that can be killed or interrupted

/// `smsmerge send` running as a child process, its stdout and stderr going to files of the
/// workdir. Killed when dropped, so a failing test leaves no process behind.
struct Running {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// What a run left.
struct Done {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Starts `smsmerge send BOOK --base-url URL --yes ARGS...` with the demo account.
fn start(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> Running {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let stdout = wd.path(&format!("run-{n}.stdout"));
    let stderr = wd.path(&format!("run-{n}.stderr"));
    let child = wd
        .process()
        .arg("send")
        .arg(book)
        .args(["--base-url", url, "--yes"])
        .args(args)
        .envs(ACCOUNT)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("create the stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("create the stderr file"))
        .spawn()
        .expect("start smsmerge send");
    Running {
        child,
        stdout,
        stderr,
    }
}

/// Runs `smsmerge send` to its end.
fn run(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> Done {
    start(wd, book, url, args).wait()
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr_so_far(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends a signal (`INT`, `TERM`) with the `kill` command.
    fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Polls until `ready` holds; fails if the run ends first or takes too long.
    #[track_caller]
    fn wait_for(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let started = Instant::now();
        loop {
            if ready() {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                panic!(
                    "smsmerge ended ({status}) before {what}; stderr:\n{}",
                    self.stderr_so_far()
                );
            }
            assert!(
                started.elapsed() < DEADLINE,
                "waited {DEADLINE:?} for {what}; stderr:\n{}",
                self.stderr_so_far()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits for the end of the run.
    #[track_caller]
    fn wait(mut self) -> Done {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            if started.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!(
                    "smsmerge still ran after {DEADLINE:?}; stderr:\n{}",
                    self.stderr_so_far()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let done = Done {
            status,
            stdout: std::fs::read_to_string(&self.stdout).expect("read stdout"),
            stderr: std::fs::read_to_string(&self.stderr).expect("read stderr"),
        };
        assert!(!done.stderr.contains("panicked"), "{}", done.stderr);
        done
    }

    /// SIGKILL now; asserts that the run was still going (it died of the signal).
    #[track_caller]
    fn kill(mut self) -> Done {
        self.child.kill().expect("SIGKILL smsmerge");
        let done = self.wait();
        assert_eq!(
            done.status.signal(),
            Some(9),
            "smsmerge had ended ({}) before the kill; stderr:\n{}",
            done.status,
            done.stderr
        );
        done
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Does nothing to a child already waited for: std keeps its status and signals no pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts the exit code of a run.
#[track_caller]
fn expect_code(done: &Done, code: i32) {
    assert_eq!(
        done.status.code(),
        Some(code),
        "exit status {}; stdout:\n{}\nstderr:\n{}",
        done.status,
        done.stdout,
        done.stderr
    );
}

/// The exit code of a run whose rows are all SENT or UNCERTAIN.
fn code_for(uncertain: usize) -> i32 {
    if uncertain == 0 { 0 } else { 1 }
}

/// The number in the plan's "already done  N sent by an earlier run" line, if there is one.
fn resumed_count(stderr: &str) -> Option<usize> {
    let line = stderr
        .lines()
        .find(|l| l.contains(" sent by an earlier run"))?;
    let before = line.split(" sent by an earlier run").next()?;
    let digits: String = before
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        before.trim_start().starts_with("already done"),
        "the resume line: {line:?}"
    );
    digits.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// What the simulator received

/// Reads a simulator log (also one whose simulator is gone).
fn read_log(path: &Path) -> Vec<LogEntry> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Log entries by recipient; asserts that no recipient arrived twice.
#[track_caller]
fn once_each(log: &[LogEntry]) -> HashMap<String, LogEntry> {
    let mut map = HashMap::new();
    for entry in log {
        let previous = map.insert(entry.recipient.clone(), entry.clone());
        assert!(
            previous.is_none(),
            "{} arrived twice: {:?} and {entry:?}",
            entry.recipient,
            previous
        );
    }
    map
}

/// How many times each recipient arrived.
fn arrivals(log: &[LogEntry]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for entry in log {
        *counts.entry(entry.recipient.clone()).or_default() += 1;
    }
    counts
}

/// The gateway reference the simulator answered for this entry.
fn reference(entry: &LogEntry) -> String {
    format!("OK: {}", entry.id)
}

// ---------------------------------------------------------------------------------------------
// What the journal recorded

/// A journal read back, by spreadsheet row (valid while the workbook is not edited).
#[derive(Debug, Default)]
struct Journal {
    /// `run` headers: one per run that wrote to it.
    runs: usize,
    /// Whether the last run closed it with a `finished` record.
    finished: bool,
    /// Rows with an `attempt` record.
    attempted: BTreeSet<u32>,
    /// Each row's last `outcome` record.
    outcomes: BTreeMap<u32, Value>,
}

impl Journal {
    /// Reads a journal; a torn last line (a kill in the middle of a write) is ignored.
    fn read(path: &Path) -> Journal {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read the journal {}: {e}", path.display()));
        let lines: Vec<&str> = text.lines().collect();
        let mut journal = Journal::default();
        for (n, line) in lines.iter().enumerate() {
            let record: Value = match serde_json::from_str(line) {
                Ok(record) => record,
                Err(_) if n + 1 == lines.len() => break,
                Err(e) => panic!("journal line {}: {e}: {line}", n + 1),
            };
            let row = || record["row"].as_u64().expect("a row number") as u32;
            match record["type"].as_str() {
                Some("run") => {
                    journal.runs += 1;
                    journal.finished = false;
                }
                Some("attempt") => {
                    journal.attempted.insert(row());
                }
                Some("outcome") => {
                    journal.outcomes.insert(row(), record.clone());
                }
                Some("finished") => journal.finished = true,
                other => panic!("journal line {}: unknown type {other:?}", n + 1),
            }
        }
        journal
    }

    /// Rows whose request left (or was about to) and got no answer: a rerun must report them
    /// UNCERTAIN, and may not send them again unless asked.
    fn unanswered(&self) -> BTreeSet<u32> {
        self.attempted
            .iter()
            .copied()
            .filter(|row| match self.outcomes.get(row) {
                None => true,
                Some(o) => o["status"] == "UNCERTAIN",
            })
            .collect()
    }

    /// Rows with a SENT outcome.
    fn sent(&self) -> BTreeMap<u32, &Value> {
        self.outcomes
            .iter()
            .filter(|(_, o)| o["status"] == "SENT")
            .map(|(row, o)| (*row, o))
            .collect()
    }

    /// The statuses of the outcome records, counted.
    fn statuses(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for o in self.outcomes.values() {
            *counts
                .entry(o["status"].as_str().unwrap_or("?").to_owned())
                .or_default() += 1;
        }
        counts
    }
}

/// A journal's `sent_at` as the results show it (whole seconds).
/// The journal's sent_at as the results show it: a date-time cell in the run's zone (these
/// runs share the test machine's zone), to the second.
fn sent_at_cell(record: &Value) -> String {
    let at = record["sent_at"]
        .as_str()
        .expect("a SENT outcome has sent_at");
    DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|e| panic!("sent_at {at:?}: {e}"))
        .naive_local()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Asserts that row `i` of the results is the SENT outcome the journal recorded for it: the
/// original reference, time and attempts, not a new send.
#[track_caller]
fn assert_carried(results: &Results, i: usize, record: &Value) {
    assert_eq!(results.status(i), "SENT", "row {}", row_number(i));
    assert_eq!(
        results.text(i, "Gateway Reference"),
        record["reference"].as_str().expect("a reference"),
        "reference of row {}",
        row_number(i)
    );
    assert_eq!(
        results.date_time(i, "Sent At"),
        sent_at_cell(record),
        "Sent At of row {}",
        row_number(i)
    );
    assert_eq!(
        results.text(i, "Attempts"),
        record["attempts"].to_string(),
        "Attempts of row {}",
        row_number(i)
    );
}

// ---------------------------------------------------------------------------------------------
// The checks shared by the kill tests

/// Checks a numbered batch of `n` rows after a rerun that resumed the run which left `killed`
/// (without `--retry-uncertain`):
/// - a row the killed run recorded SENT is SENT with its original reference, time, attempts;
/// - a row with an attempt and no answer is UNCERTAIN (it may have been delivered);
/// - every other row was sent by the rerun;
/// - the simulator received no message twice, every SENT row's message exactly once under the
///   reference the results show, and anything else only for an UNCERTAIN row: so the log and
///   the UNCERTAIN rows together cover every row.
#[track_caller]
fn check_resumed(killed: &Journal, results: &Results, log: &[LogEntry], n: usize) {
    assert_eq!(results.rows.len(), n);
    let sent_before = killed.sent();
    let unanswered = killed.unanswered();
    let arrived = once_each(log);
    for i in 0..n {
        let row = row_number(i);
        assert_eq!(results.text(i, "Row"), row.to_string());
        assert_eq!(results.text(i, "Recipient"), recipient(i));
        if let Some(record) = sent_before.get(&row) {
            assert_carried(results, i, record);
        } else if unanswered.contains(&row) {
            assert_eq!(results.status(i), "UNCERTAIN", "row {row}");
            assert!(
                results.text(i, "Detail").contains("--retry-uncertain"),
                "{}",
                results.text(i, "Detail")
            );
        } else {
            assert_eq!(results.status(i), "SENT", "row {row}");
            assert_eq!(results.text(i, "Attempts"), "1", "row {row}");
        }
        match results.status(i).as_str() {
            "SENT" => {
                let entry = arrived
                    .get(&recipient(i))
                    .unwrap_or_else(|| panic!("row {row} is SENT but never arrived"));
                assert_eq!(entry.text, text(i));
                assert_eq!(entry.attempt, 1, "{entry:?}");
                assert_eq!(results.text(i, "Gateway Reference"), reference(entry));
            }
            "UNCERTAIN" => {}
            other => panic!("row {row} ended {other}"),
        }
    }
    for entry in log {
        let i = (0..n)
            .find(|&i| recipient(i) == entry.recipient)
            .unwrap_or_else(|| panic!("not in the batch: {entry:?}"));
        assert!(
            matches!(results.status(i).as_str(), "SENT" | "UNCERTAIN"),
            "{entry:?}"
        );
    }
}

/// Starts sending `book` to `sim` and SIGKILLs the run once the simulator has accepted `at`
/// messages. Returns the journal the killed run left (checked: unfinished, only SENT outcomes).
fn send_and_kill_at(
    wd: &Workdir,
    sim: &SimProcess,
    book: &Path,
    at: usize,
    args: &[&str],
) -> Journal {
    let mut first = start(wd, book, &sim.url, args);
    first.wait_for(&format!("{at} messages were accepted"), || {
        sim.accepted() >= at
    });
    first.kill();
    assert!(!results_path(wd).exists(), "a killed run wrote no results");
    let killed = Journal::read(&journal_path(wd));
    assert_eq!(killed.runs, 1);
    assert!(!killed.finished, "killed before its end");
    assert!(
        killed.outcomes.values().all(|o| o["status"] == "SENT"),
        "a healthy gateway accepts everything: {:?}",
        killed.statuses()
    );
    killed
}

/// A SIGKILL after `at` of 240 messages were accepted, then the same command again.
fn kill_and_resume(at: usize) {
    const N: usize = 240;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--latency-ms", "50"]);
    let book = numbered_book(&wd, N);
    let killed = send_and_kill_at(&wd, &sim, &book, at, SEND);
    assert!(
        sim.accepted() < N,
        "the kill came before the batch was sent"
    );

    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, code_for(killed.unanswered().len()));
    assert_eq!(
        resumed_count(&rerun.stderr),
        Some(killed.sent().len()),
        "{}",
        rerun.stderr
    );
    let results = Results::read(&results_path(&wd));
    check_resumed(&killed, &results, &sim.log(), N);
    assert!(!lock_path(&wd).exists(), "the lock is released");
    let journal = Journal::read(&journal_path(&wd));
    assert_eq!(journal.runs, 2, "the rerun appended to the same journal");
    assert!(journal.finished, "nothing is left to send");
}

// ---------------------------------------------------------------------------------------------
// 1. SIGKILL

#[test]
fn killed_early_then_rerun_sends_each_message_at_most_once() {
    kill_and_resume(1);
}

#[test]
fn killed_midway_then_rerun_sends_each_message_at_most_once() {
    kill_and_resume(120);
}

#[test]
fn killed_late_then_rerun_sends_each_message_at_most_once() {
    kill_and_resume(200);
}

#[test]
fn killed_then_resumed_with_retry_uncertain_resends_only_the_unanswered() {
    const N: usize = 160;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--latency-ms", "50"]);
    let book = numbered_book(&wd, N);
    let killed = send_and_kill_at(&wd, &sim, &book, 60, SEND);
    let unanswered = killed.unanswered();

    let rerun = run(
        &wd,
        &book,
        &sim.url,
        &[SEND, &["--retry-uncertain"]].concat(),
    );
    expect_code(&rerun, 0);
    let results = Results::read(&results_path(&wd));
    let log = sim.log();
    let counts = arrivals(&log);
    let sent_before = killed.sent();
    for i in 0..N {
        let row = row_number(i);
        assert_eq!(results.status(i), "SENT", "row {row}");
        if let Some(record) = sent_before.get(&row) {
            assert_carried(&results, i, record);
        }
        let times = counts.get(&recipient(i)).copied().unwrap_or(0);
        if unanswered.contains(&row) {
            assert!(
                (1..=2).contains(&times),
                "unanswered row {row} arrived {times} times"
            );
        } else {
            assert_eq!(times, 1, "row {row}");
        }
        // The reference is the last arrival's: the one this run got an answer for.
        let last = log
            .iter()
            .rfind(|e| e.recipient == recipient(i))
            .expect("arrived");
        assert_eq!(results.text(i, "Gateway Reference"), reference(last));
        assert!(last.attempt as usize >= times, "{last:?}");
    }
}

#[test]
fn retry_uncertain_after_a_resumed_run_resends_only_the_uncertain_ones() {
    const N: usize = 160;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--latency-ms", "50"]);
    let book = numbered_book(&wd, N);
    let killed = send_and_kill_at(&wd, &sim, &book, 60, SEND);
    let unanswered = killed.unanswered();
    assert!(
        !unanswered.is_empty(),
        "with 4 requests in flight a kill leaves some unanswered"
    );

    // The rerun leaves the unanswered ones UNCERTAIN, and says how to re-send them.
    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, 1);
    let results = Results::read(&results_path(&wd));
    check_resumed(&killed, &results, &sim.log(), N);
    let after_rerun: Vec<String> = results.column("Gateway Reference");

    // Doing what the Detail says re-sends those, once, and nothing else.
    let retried = run(
        &wd,
        &book,
        &sim.url,
        &[SEND, &["--retry-uncertain"]].concat(),
    );
    expect_code(&retried, 0);
    let results = Results::read(&results_path(&wd));
    let log = sim.log();
    let counts = arrivals(&log);
    for (i, reference_after_rerun) in after_rerun.iter().enumerate() {
        let row = row_number(i);
        assert_eq!(results.status(i), "SENT", "row {row}");
        let times = counts.get(&recipient(i)).copied().unwrap_or(0);
        if unanswered.contains(&row) {
            assert!(
                (1..=2).contains(&times),
                "UNCERTAIN row {row} arrived {times} times"
            );
        } else {
            assert_eq!(times, 1, "row {row} was sent again");
            assert_eq!(&results.text(i, "Gateway Reference"), reference_after_rerun);
        }
    }
}

#[test]
fn killed_after_the_last_answer_before_the_results_rerun_sends_nothing_again() {
    const N: usize = 120;
    let wd = Workdir::new();
    // The balance read after the last send also takes the latency: a window of 100 ms between
    // the last outcome in the journal and the results file.
    let sim = SimProcess::start(&wd, &["--latency-ms", "100"]);
    let book = numbered_book(&wd, N);
    let mut first = start(&wd, &book, &sim.url, &["--sender", "OTSMS", "-j", "8"]);
    let journal = journal_path(&wd);
    first.wait_for("the journal records every answer", || {
        std::fs::read_to_string(&journal)
            .is_ok_and(|t| t.matches("\"type\":\"outcome\"").count() == N)
    });
    first.kill();
    assert!(
        !results_path(&wd).exists(),
        "the kill came before the results were written"
    );
    let killed = Journal::read(&journal);
    // The run is finished only once its results are in place.
    assert!(!killed.finished);
    assert_eq!(killed.sent().len(), N);
    assert_eq!(sim.accepted(), N);

    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, 0);
    let log = sim.log();
    let arrived = once_each(&log);
    assert_eq!(log.len(), N, "no message was sent again");
    let results = Results::read(&results_path(&wd));
    for i in 0..N {
        assert_carried(&results, i, killed.sent()[&row_number(i)]);
        assert_eq!(
            results.text(i, "Gateway Reference"),
            reference(&arrived[&recipient(i)])
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The gateway dies mid-run

#[test]
fn simulator_killed_midway_rows_fail_and_a_rerun_elsewhere_completes_the_batch() {
    const N: usize = 200;
    let wd = Workdir::new();
    let book = numbered_book(&wd, N);
    let args = [SEND, &["--retries", "1", "--backoff-ms", "10"]].concat();
    let sim = SimProcess::start(&wd, &["--latency-ms", "50"]);
    let (url1, log1_path) = (sim.url.clone(), sim.log_path.clone());
    let mut first = start(&wd, &book, &url1, &args);
    first.wait_for("60 messages were accepted", || sim.accepted() >= 60);
    drop(sim); // SIGKILL: connections are refused from now on
    let first = first.wait();
    expect_code(&first, 1);
    let log1 = read_log(&log1_path);
    let arrived1 = once_each(&log1);
    let r1 = Results::read(&results_path(&wd));
    let mut failed = BTreeSet::new();
    for i in 0..N {
        let row = row_number(i);
        let detail = r1.text(i, "Detail");
        match r1.status(i).as_str() {
            "SENT" => assert_eq!(
                r1.text(i, "Gateway Reference"),
                reference(&arrived1[&recipient(i)])
            ),
            // In flight when the simulator died: it may have been accepted.
            "UNCERTAIN" => {}
            "FAILED" => {
                assert!(
                    detail.contains("cannot connect to the gateway"),
                    "row {row}: {detail}"
                );
                assert!(!arrived1.contains_key(&recipient(i)), "row {row}");
                failed.insert(i);
            }
            other => panic!("row {row} ended {other}: {detail}"),
        }
    }
    for entry in &log1 {
        let i = (0..N).find(|&i| recipient(i) == entry.recipient).unwrap();
        assert!(
            matches!(r1.status(i).as_str(), "SENT" | "UNCERTAIN"),
            "{entry:?} arrived but row is {}",
            r1.status(i)
        );
    }
    // Killed after about 60 of 200: most rows could not be sent.
    assert!(failed.len() >= N / 2, "{} FAILED", failed.len());
    assert!(!Journal::read(&journal_path(&wd)).finished);

    // The gateway is back, on another port: the base URL is not part of the batch.
    let sim2 = SimProcess::start(&wd, &["--latency-ms", "5"]);
    assert_ne!(sim2.url, url1);
    let rerun = run(&wd, &book, &sim2.url, &args);
    let uncertain: Vec<usize> = (0..N).filter(|&i| r1.status(i) == "UNCERTAIN").collect();
    expect_code(&rerun, code_for(uncertain.len()));
    assert!(!rerun.stderr.contains("differ"), "{}", rerun.stderr);
    assert_eq!(
        resumed_count(&rerun.stderr),
        Some(N - failed.len() - uncertain.len())
    );
    let r2 = Results::read(&results_path(&wd));
    let log2 = sim2.log();
    let arrived2 = once_each(&log2);
    for i in 0..N {
        let row = row_number(i);
        match r1.status(i).as_str() {
            "SENT" => {
                assert_eq!(r2.status(i), "SENT", "row {row}");
                assert_eq!(
                    r2.text(i, "Gateway Reference"),
                    r1.text(i, "Gateway Reference")
                );
                assert_eq!(r2.date_time(i, "Sent At"), r1.date_time(i, "Sent At"));
            }
            "UNCERTAIN" => assert_eq!(r2.status(i), "UNCERTAIN", "row {row}"),
            _ => {
                assert_eq!(r2.status(i), "SENT", "row {row}");
                assert_eq!(
                    r2.text(i, "Gateway Reference"),
                    reference(&arrived2[&recipient(i)])
                );
            }
        }
    }
    let resent: BTreeSet<usize> = log2
        .iter()
        .map(|e| (0..N).find(|&i| recipient(i) == e.recipient).unwrap())
        .collect();
    assert_eq!(resent, failed, "the rerun sent exactly the FAILED rows");
    once_each(&[log1, log2].concat());
}

// ---------------------------------------------------------------------------------------------
// 3. Ctrl-C and SIGTERM

/// SIGINT or SIGTERM midway: the messages in flight finish, the rest is NOT SENT, the results
/// are written, exit 130; the same command again sends the rest.
fn interrupted_by(signal: &str) {
    const N: usize = 120;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--latency-ms", "50"]);
    let book = numbered_book(&wd, N);
    let mut first = start(&wd, &book, &sim.url, SEND);
    first.wait_for("30 messages were accepted", || sim.accepted() >= 30);
    first.signal(signal);
    let first = first.wait();
    expect_code(&first, 130);
    assert!(
        first
            .stderr
            .contains("interrupted: the rest NOT SENT; run the same command again"),
        "{}",
        first.stderr
    );

    let r1 = Results::read(&results_path(&wd));
    let log1 = sim.log();
    let arrived = once_each(&log1);
    let mut sent = 0;
    for i in 0..N {
        let row = row_number(i);
        match arrived.get(&recipient(i)) {
            Some(entry) => {
                sent += 1;
                assert_eq!(r1.status(i), "SENT", "row {row}");
                assert_eq!(r1.text(i, "Gateway Reference"), reference(entry));
                assert_eq!(r1.text(i, "Attempts"), "1");
            }
            None => {
                assert_eq!(r1.status(i), "NOT SENT", "row {row}");
                assert_eq!(r1.text(i, "Detail"), INTERRUPTED, "row {row}");
            }
        }
    }
    assert!((30..N - 40).contains(&sent), "{sent} sent");
    assert_eq!(r1.summary_value("Stopped early").to_string(), "interrupted");
    assert!(!Journal::read(&journal_path(&wd)).finished);
    assert!(!lock_path(&wd).exists(), "the lock is released");

    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, 0);
    assert_eq!(resumed_count(&rerun.stderr), Some(sent), "{}", rerun.stderr);
    let r2 = Results::read(&results_path(&wd));
    let log = sim.log();
    assert_eq!(log.len(), N);
    let arrived = once_each(&log);
    for i in 0..N {
        assert_eq!(r2.status(i), "SENT", "row {}", row_number(i));
        assert_eq!(
            r2.text(i, "Gateway Reference"),
            reference(&arrived[&recipient(i)])
        );
        if r1.status(i) == "SENT" {
            assert_eq!(r2.date_time(i, "Sent At"), r1.date_time(i, "Sent At"));
        }
    }
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_130_and_a_rerun_sends_the_rest() {
    interrupted_by("INT");
}

#[test]
fn sigterm_stops_cleanly_with_exit_130_and_a_rerun_sends_the_rest() {
    interrupted_by("TERM");
}

#[test]
fn a_second_ctrl_c_quits_at_once_and_a_rerun_resumes() {
    const N: usize = 24;
    let wd = Workdir::new();
    // Slow answers: the first Ctrl-C waits for them, the second must not.
    let sim = SimProcess::start(&wd, &["--latency-ms", "1000"]);
    let book = numbered_book(&wd, N);
    let mut first = start(&wd, &book, &sim.url, SEND);
    first.wait_for("4 messages were accepted", || sim.accepted() >= 4);
    first.signal("INT");
    let stderr = first.stderr.clone();
    first.wait_for("the first Ctrl-C is acknowledged", || {
        std::fs::read_to_string(&stderr)
            .is_ok_and(|t| t.contains("finishing the messages in flight"))
    });
    std::thread::sleep(Duration::from_millis(30));
    first.signal("INT");
    let first = first.wait();
    expect_code(&first, 130);
    assert!(
        first.stderr.contains("quitting at once"),
        "{}",
        first.stderr
    );
    // It did not wait for the answers in flight (300 ms), let alone write the results.
    assert!(
        !first.stderr.contains("the rest NOT SENT"),
        "{}",
        first.stderr
    );
    assert!(!results_path(&wd).exists());

    let killed = Journal::read(&journal_path(&wd));
    assert!(!killed.finished);
    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, code_for(killed.unanswered().len()));
    let results = Results::read(&results_path(&wd));
    // Rows stopped by the first Ctrl-C before their request left are NOT SENT in the journal:
    // check_resumed expects those sent by the rerun, like rows never tried.
    check_resumed(&killed, &results, &sim.log(), N);
}

// ---------------------------------------------------------------------------------------------
// 4. One run at a time

#[test]
fn a_second_run_of_the_same_batch_is_refused_naming_the_process() {
    const N: usize = 4;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = numbered_book(&wd, N);
    let args = ["--sender", "OTSMS", "-j", "1"];
    let mut first = start(&wd, &book, &gateway.url, &args);
    // Its first request is out, unanswered: the first run holds the lock until the test says.
    let held = gateway.next();
    let pid = first.pid();
    assert_eq!(
        std::fs::read_to_string(lock_path(&wd)).unwrap().trim(),
        pid.to_string()
    );

    let second = run(&wd, &book, &gateway.url, &args);
    expect_code(&second, 2);
    assert!(
        second.stderr.contains(&format!(
            "another smsmerge (process {pid}) is sending this batch"
        )),
        "{}",
        second.stderr
    );
    assert_eq!(
        Journal::read(&journal_path(&wd)).runs,
        1,
        "the second run wrote nothing to the journal"
    );

    first.signal("INT");
    let stderr = first.stderr.clone();
    first.wait_for("the Ctrl-C is acknowledged", || {
        std::fs::read_to_string(&stderr).is_ok_and(|t| t.contains("finishing the messages"))
    });
    held.accept();
    expect_code(&first.wait(), 130);
    assert!(gateway.try_next().is_none(), "no request after the Ctrl-C");
    assert!(!lock_path(&wd).exists(), "the lock is released");
}

/// The lock is the operating system's: a lock file on disk that nobody holds (what a killed
/// run leaves), whatever process id it names, blocks nothing. Pid 1 runs on every machine,
/// so a pid-file lock would refuse this for ever.
#[test]
fn a_lock_file_left_on_disk_by_a_killed_run_does_not_block() {
    const N: usize = 5;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    std::fs::write(lock_path(&wd), "1\n").unwrap();
    std::fs::write(wd.path(".book.xlsx.smsmerge-lock"), "1\nother.xlsx\n").unwrap();
    let done = run(&wd, &book, &sim.url, SEND);
    expect_code(&done, 0);
    assert_eq!(
        Results::read(&results_path(&wd)).statuses(),
        vec!["SENT"; N]
    );
    assert_eq!(once_each(&sim.log()).len(), N);
    assert!(!lock_path(&wd).exists(), "the lock is released");
    assert!(!wd.path(".book.xlsx.smsmerge-lock").exists());
}

/// kill -9 leaves the lock files behind, but the kernel released the locks with the process:
/// the same command at once is not refused, and resumes.
#[test]
fn a_rerun_right_after_a_kill_9_is_not_refused() {
    const N: usize = 6;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = numbered_book(&wd, N);
    let args = ["--sender", "OTSMS", "-j", "1"];
    let first = start(&wd, &book, &gateway.url, &args);
    gateway.next().accept();
    // The second request is out: the run is certainly sending when it is killed.
    let held = gateway.next();
    first.kill();
    drop(held);
    assert!(lock_path(&wd).exists(), "kill -9 leaves the lock file");
    assert!(wd.path(".book.xlsx.smsmerge-lock").exists());

    // The message out at the kill (and the one journaled behind it, if it was) has an
    // attempt and no answer: UNCERTAIN, not sent again. The rest are sent.
    let unanswered = Journal::read(&journal_path(&wd)).unanswered();
    assert!(unanswered.contains(&row_number(1)), "{unanswered:?}");
    let rerun = start(&wd, &book, &gateway.url, &args);
    for _ in 0..N - 1 - unanswered.len() {
        gateway.next().accept();
    }
    let rerun = rerun.wait();
    expect_code(&rerun, 1);
    assert!(
        !rerun.stderr.contains("another smsmerge"),
        "{}",
        rerun.stderr
    );
    let results = Results::read(&results_path(&wd));
    for i in 0..N {
        let expected = if unanswered.contains(&row_number(i)) {
            "UNCERTAIN"
        } else {
            "SENT"
        };
        assert_eq!(results.status(i), expected, "row {}", row_number(i));
    }
    assert!(gateway.try_next().is_none());
    assert!(!lock_path(&wd).exists(), "the lock is released");
    assert!(!wd.path(".book.xlsx.smsmerge-lock").exists());
}

/// The lock covers the input workbook, not only the results: two sends of one workbook to
/// different results files at once would each send every message.
#[test]
fn a_second_send_of_the_same_workbook_to_other_results_is_refused() {
    const N: usize = 4;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = numbered_book(&wd, N);
    let first = start(
        &wd,
        &book,
        &gateway.url,
        &["--sender", "OTSMS", "-j", "1", "-o", "a.xlsx"],
    );
    let held = gateway.next();
    let pid = first.pid();

    // Through another spelling of the same path, to other results.
    std::fs::create_dir(wd.path("sub")).unwrap();
    let other_spelling = wd.path("sub/../book.xlsx");
    let second = run(
        &wd,
        &other_spelling,
        &gateway.url,
        &["--sender", "OTSMS", "-j", "1", "-o", "b.xlsx"],
    );
    expect_code(&second, 2);
    assert!(
        second.stderr.contains(&format!(
            "another smsmerge (process {pid}) is sending {} to a.xlsx right now",
            other_spelling.display()
        )),
        "{}",
        second.stderr
    );
    assert!(!wd.path("b.xlsx").exists());
    assert!(
        !wd.path("b.xlsx.journal").exists(),
        "the second run wrote no journal"
    );

    held.accept();
    for _ in 1..N {
        gateway.next().accept();
    }
    expect_code(&first.wait(), 0);
    assert!(gateway.try_next().is_none(), "nothing was sent twice");
    assert!(!wd.path(".book.xlsx.smsmerge-lock").exists());
}

// ---------------------------------------------------------------------------------------------
// 5. A finished batch is not sent again by accident

#[test]
fn the_same_command_after_a_complete_send_sends_nothing() {
    const N: usize = 4;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    expect_code(&run(&wd, &book, &sim.url, SEND), 0);
    let journal_before = std::fs::read(journal_path(&wd)).unwrap();
    let results_before = std::fs::read(results_path(&wd)).unwrap();
    assert!(Journal::read(&journal_path(&wd)).finished);

    // As a cron line that fires twice would: --yes, and --json for the monitoring.
    let second = run(&wd, &book, &sim.url, &[SEND, &["--json"]].concat());
    expect_code(&second, 0);
    let line = second
        .stderr
        .lines()
        .find(|l| l.contains("this batch was sent completely on"))
        .unwrap_or_else(|| panic!("{}", second.stderr));
    let stamp = line
        .split("sent completely on ")
        .nth(1)
        .and_then(|rest| rest.get(..16))
        .expect("a date and time");
    assert!(
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M").is_ok(),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "({N} messages); nothing to do. To send it again on purpose, add --again"
        )),
        "{line}"
    );
    assert!(!second.stderr.contains("Send "), "{}", second.stderr);
    let json: Value = serde_json::from_str(second.stdout.trim()).expect("one JSON object");
    assert_eq!(json["already_sent"], true, "{json}");
    assert_eq!(json["mode"], "real", "{json}");
    assert_eq!(json["exit_code"], 0, "{json}");
    assert_eq!(json["statuses"]["SENT"], N, "{json}");

    assert_eq!(sim.accepted(), N, "nothing was sent again");
    assert_eq!(std::fs::read(journal_path(&wd)).unwrap(), journal_before);
    assert_eq!(std::fs::read(results_path(&wd)).unwrap(), results_before);
    assert!(rotated_journals(&wd).is_empty());
    assert!(!lock_path(&wd).exists(), "the lock is released");
}

#[test]
fn again_sends_a_finished_batch_once_more_and_keeps_the_old_journal() {
    const N: usize = 4;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    expect_code(&run(&wd, &book, &sim.url, SEND), 0);
    let first_journal = std::fs::read_to_string(journal_path(&wd)).unwrap();

    let second = run(&wd, &book, &sim.url, &[SEND, &["--again"]].concat());
    expect_code(&second, 0);
    // With --yes the line that stands for the question says "again" too.
    let sending = second
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("sending"))
        .unwrap_or_else(|| panic!("{}", second.stderr));
    assert!(
        sending.contains(&format!("{N} messages"))
            && sending.contains(" again (this batch was sent completely on "),
        "{sending}"
    );
    assert!(second.stderr.contains("sending this batch again (--again)"));
    assert_eq!(resumed_count(&second.stderr), None, "{}", second.stderr);
    let rotated = rotated_journals(&wd);
    assert_eq!(rotated.len(), 1, "{rotated:?}");
    assert!(has_stamp(&rotated[0]), "{rotated:?}");
    assert_eq!(
        std::fs::read_to_string(wd.path(&rotated[0])).unwrap(),
        first_journal,
        "the old journal is kept as it was"
    );
    let journal = Journal::read(&journal_path(&wd));
    assert_eq!(journal.runs, 1, "a new journal");
    assert!(journal.finished);
    assert_eq!(journal.sent().len(), N);

    let log = sim.log();
    assert_eq!(log.len(), 2 * N);
    assert!(arrivals(&log).values().all(|&n| n == 2));
    let results = Results::read(&results_path(&wd));
    for i in 0..N {
        assert_eq!(results.status(i), "SENT");
        let last = log.iter().rfind(|e| e.recipient == recipient(i)).unwrap();
        assert_eq!(last.attempt, 2);
        assert_eq!(results.text(i, "Gateway Reference"), reference(last));
    }
}

/// A nightly job with one output path: each night's workbook is another batch, and starts
/// a new run.
#[test]
fn a_new_workbook_under_the_same_name_is_a_new_batch() {
    const N: usize = 3;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    expect_code(&run(&wd, &book, &sim.url, SEND), 0);
    let tomorrow: Vec<(String, String)> = (0..N)
        .map(|i| {
            (
                format!("+{}", recipient(i)),
                format!("Tomorrow's message {i}"),
            )
        })
        .collect();
    write_book(&wd, "book.xlsx", &tomorrow);
    let second = run(&wd, &book, &sim.url, SEND);
    expect_code(&second, 0);
    assert!(
        second
            .stderr
            .contains("this is another batch (the input workbook differs); starting a new one"),
        "{}",
        second.stderr
    );
    assert_eq!(rotated_journals(&wd).len(), 1);
    let log = sim.log();
    assert_eq!(log.len(), 2 * N);
    assert!(log[N..].iter().all(|e| e.text.starts_with("Tomorrow's")));
}

/// A --retry-uncertain run that re-sent what a finished run left UNCERTAIN finishes the
/// batch: another one has nothing to re-send, and sends nothing (it used to start a new run
/// and send every message once more).
#[test]
fn retry_uncertain_on_a_finished_run_resends_only_the_uncertain_rows() {
    const N: usize = 6;
    let wd = Workdir::new();
    // A simulator that reads the first request for each message and drops it unanswered.
    let sim = SimProcess::start(&wd, &[]);
    let dropping = SimProcess::start(&wd, &["--drop-first", "1"]);
    let rows: Vec<(String, String)> = (0..N)
        .map(|i| (format!("+{}", recipient(i)), text(i)))
        .collect();
    let book = write_book(&wd, "book.xlsx", &rows);
    // The first three go to the dropping simulator, with --limit; the rest to the other.
    let first = run(
        &wd,
        &book,
        &dropping.url,
        &[SEND, &["--limit", "3"]].concat(),
    );
    expect_code(&first, 1);
    let rest = run(&wd, &book, &sim.url, SEND);
    expect_code(&rest, 1);
    let results = Results::read(&results_path(&wd));
    assert_eq!(
        results.statuses(),
        [
            "UNCERTAIN",
            "UNCERTAIN",
            "UNCERTAIN",
            "SENT",
            "SENT",
            "SENT"
        ]
    );
    assert!(
        Journal::read(&journal_path(&wd)).finished,
        "nothing is NOT SENT"
    );
    assert_eq!(sim.accepted(), 3);

    let retried = run(
        &wd,
        &book,
        &sim.url,
        &[SEND, &["--retry-uncertain"]].concat(),
    );
    expect_code(&retried, 0);
    assert_eq!(
        Results::read(&results_path(&wd)).statuses(),
        vec!["SENT"; N]
    );
    let log = sim.log();
    assert_eq!(log.len(), N, "the three uncertain ones, once each");
    assert_eq!(once_each(&log).len(), N);

    let again = run(
        &wd,
        &book,
        &sim.url,
        &[SEND, &["--retry-uncertain"]].concat(),
    );
    expect_code(&again, 0);
    assert!(
        again.stderr.contains("this batch was sent completely on"),
        "{}",
        again.stderr
    );
    assert_eq!(sim.accepted(), N, "nothing was sent a third time");
    assert_eq!(dropping.accepted(), 0);
}

#[test]
fn rotating_never_overwrites_a_journal_kept_earlier() {
    const N: usize = 2;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    expect_code(&run(&wd, &book, &sim.url, SEND), 0);
    let first_journal = std::fs::read_to_string(journal_path(&wd)).unwrap();
    // Journals kept by earlier runs in this second and the next ones: the next rotation
    // necessarily takes one of these names.
    let kept = "a journal kept by an earlier run\n";
    let now = chrono::Local::now();
    let stamps: Vec<String> = (0..=40)
        .map(|s| {
            (now + chrono::Duration::seconds(s))
                .format("%Y%m%dT%H%M%S")
                .to_string()
        })
        .collect();
    for stamp in &stamps {
        std::fs::write(wd.path(&format!("book.results.xlsx.journal.{stamp}")), kept).unwrap();
    }
    expect_code(
        &run(&wd, &book, &sim.url, &[SEND, &["--again"]].concat()),
        0,
    );
    for stamp in &stamps {
        let name = format!("book.results.xlsx.journal.{stamp}");
        assert_eq!(
            std::fs::read_to_string(wd.path(&name)).unwrap(),
            kept,
            "{name} was overwritten"
        );
    }
    let holding_first: Vec<String> = rotated_journals(&wd)
        .into_iter()
        .filter(|name| std::fs::read_to_string(wd.path(name)).unwrap() == first_journal)
        .collect();
    assert_eq!(holding_first.len(), 1, "{:?}", rotated_journals(&wd));
}

// ---------------------------------------------------------------------------------------------
// 6. Another batch, or the same one edited

#[test]
fn an_unfinished_run_of_another_batch_stops_the_run_unless_fresh() {
    const N: usize = 5;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    // --limit leaves the run unfinished.
    expect_code(
        &run(&wd, &book, &sim.url, &[SEND, &["--limit", "3"]].concat()),
        1,
    );
    let journal_before = std::fs::read_to_string(journal_path(&wd)).unwrap();
    assert!(!Journal::read(&journal_path(&wd)).finished);

    let template = ["--template", "Reminder for {{Phone}}"];
    let other_template = run(&wd, &book, &sim.url, &[SEND, &template].concat());
    let copy = wd.path("copy.xlsx");
    std::fs::copy(&book, &copy).unwrap();
    let other_input = run(
        &wd,
        &copy,
        &sim.url,
        &[SEND, &["-o", "book.results.xlsx"]].concat(),
    );
    let other_sender = run(&wd, &book, &sim.url, &["--sender", "INFO", "-j", "4"]);
    for (done, what) in [
        (&other_template, "the template"),
        (&other_input, "the input workbook"),
        (&other_sender, "the sender"),
    ] {
        expect_code(done, 2);
        assert!(
            done.stderr
                .contains("holds an unfinished run of another batch")
                && done.stderr.contains(&format!("({what} differs)"))
                && done.stderr.contains("--fresh"),
            "{what}: {}",
            done.stderr
        );
    }
    assert_eq!(sim.accepted(), 3, "nothing was sent");
    assert_eq!(
        std::fs::read_to_string(journal_path(&wd)).unwrap(),
        journal_before,
        "the journal is untouched"
    );
    assert!(rotated_journals(&wd).is_empty());

    // --fresh (confirmed by --yes) starts the other batch; the old journal is kept.
    let fresh = run(
        &wd,
        &book,
        &sim.url,
        &[SEND, &template, &["--fresh"]].concat(),
    );
    expect_code(&fresh, 0);
    let rotated = rotated_journals(&wd);
    assert_eq!(rotated.len(), 1, "{rotated:?}");
    assert_eq!(
        std::fs::read_to_string(wd.path(&rotated[0])).unwrap(),
        journal_before
    );
    let log = sim.log();
    assert_eq!(log.len(), 3 + N);
    let results = Results::read(&results_path(&wd));
    for i in 0..N {
        let message = format!("Reminder for +{}", recipient(i));
        assert_eq!(results.status(i), "SENT");
        assert_eq!(results.text(i, "Message"), message);
        let sent: Vec<&LogEntry> = log.iter().filter(|e| e.text == message).collect();
        assert_eq!(sent.len(), 1, "{message}");
        assert_eq!(results.text(i, "Gateway Reference"), reference(sent[0]));
    }
}

#[test]
fn an_edited_workbook_resumes_by_message_not_by_row() {
    const N: usize = 6;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    expect_code(
        &run(&wd, &book, &sim.url, &[SEND, &["--limit", "3"]].concat()),
        1,
    );
    let r1 = Results::read(&results_path(&wd));
    let first_reference: HashMap<usize, String> = (0..3)
        .map(|i| (i, r1.text(i, "Gateway Reference")))
        .collect();

    // Reversed, and message 1 (already sent) corrected: a new message to the same number.
    let corrected = "Message number 1, corrected".to_owned();
    let order: Vec<usize> = (0..N).rev().collect();
    let rows: Vec<(String, String)> = order
        .iter()
        .map(|&i| {
            let message = if i == 1 { corrected.clone() } else { text(i) };
            (format!("+{}", recipient(i)), message)
        })
        .collect();
    write_book(&wd, "book.xlsx", &rows);

    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, 0);
    assert!(
        rerun.stderr.contains("changed since the unfinished run"),
        "{}",
        rerun.stderr
    );
    assert_eq!(resumed_count(&rerun.stderr), Some(2), "{}", rerun.stderr);
    let r2 = Results::read(&results_path(&wd));
    let log = sim.log();
    assert_eq!(log.len(), 3 + 4, "{log:?}");
    for (at, &i) in order.iter().enumerate() {
        assert_eq!(r2.text(at, "Recipient"), recipient(i));
        assert_eq!(r2.status(at), "SENT", "message {i}");
        let message = r2.text(at, "Message");
        let sent: Vec<&LogEntry> = log
            .iter()
            .filter(|e| e.recipient == recipient(i) && e.text == message)
            .collect();
        assert_eq!(sent.len(), 1, "{message}");
        assert_eq!(r2.text(at, "Gateway Reference"), reference(sent[0]));
        match i {
            0 | 2 => assert_eq!(r2.text(at, "Gateway Reference"), first_reference[&i]),
            1 => assert_eq!(message, corrected),
            _ => {}
        }
    }
    // Message 1 went out in both forms; no other number got anything twice.
    let counts = arrivals(&log);
    for i in 0..N {
        assert_eq!(counts[&recipient(i)], if i == 1 { 2 } else { 1 });
    }
}

// ---------------------------------------------------------------------------------------------
// 7. --limit, then the rest

#[test]
fn a_limited_run_is_resumed_by_the_next_runs() {
    const N: usize = 6;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, N);
    let limited = [SEND, &["--limit", "2"]].concat();

    expect_code(&run(&wd, &book, &sim.url, &limited), 1);
    let r1 = Results::read(&results_path(&wd));
    assert_eq!(
        r1.statuses(),
        [
            "SENT", "SENT", "NOT SENT", "NOT SENT", "NOT SENT", "NOT SENT"
        ]
    );
    assert!(r1.text(5, "Detail").contains("--limit 2"));

    let second = run(&wd, &book, &sim.url, &limited);
    expect_code(&second, 1);
    assert_eq!(resumed_count(&second.stderr), Some(2), "{}", second.stderr);
    let r2 = Results::read(&results_path(&wd));
    assert_eq!(
        r2.statuses(),
        ["SENT", "SENT", "SENT", "SENT", "NOT SENT", "NOT SENT"]
    );

    let last = run(&wd, &book, &sim.url, SEND);
    expect_code(&last, 0);
    assert_eq!(resumed_count(&last.stderr), Some(4), "{}", last.stderr);
    let r3 = Results::read(&results_path(&wd));
    let log = sim.log();
    let arrived = once_each(&log);
    assert_eq!(log.len(), N);
    for i in 0..N {
        assert_eq!(r3.status(i), "SENT");
        assert_eq!(
            r3.text(i, "Gateway Reference"),
            reference(&arrived[&recipient(i)])
        );
    }
    for i in 0..2 {
        assert_eq!(r3.date_time(i, "Sent At"), r1.date_time(i, "Sent At"));
        assert_eq!(
            r3.text(i, "Gateway Reference"),
            r1.text(i, "Gateway Reference")
        );
    }
    assert!(Journal::read(&journal_path(&wd)).finished);
}

#[test]
fn the_resume_line_keeps_its_label_apart_from_the_count() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = numbered_book(&wd, 3);
    expect_code(
        &run(&wd, &book, &sim.url, &[SEND, &["--limit", "2"]].concat()),
        1,
    );
    let rerun = run(&wd, &book, &sim.url, SEND);
    expect_code(&rerun, 0);
    assert!(
        rerun
            .stderr
            .contains("already done  2 sent by an earlier run"),
        "{}",
        rerun.stderr
    );
}
