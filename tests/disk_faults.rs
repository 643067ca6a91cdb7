//! What a full disk, a power cut or a kill mid-write leaves on disk, and the runs after it: a
//! journal whose last line is torn, a journal damaged inside, and a journal (and results)
//! that cannot be written while sending because the file may grow no further. Every test
//! resumes afterwards and checks from the simulator's log that nothing was sent twice.
#![cfg(unix)]

mod common;

use common::{LogEntry, Results, SimProcess, TEST_ACCOUNT, TEST_PASSWORD, Workdir, expect_exit};
use std::collections::HashMap;
use std::path::Path;

const N: usize = 5;

/// The batch a full disk stops mid-way.
const TEN: usize = 10;

/// The recipient of row `i` of [`Workdir::numbered_book`], as smsmerge normalizes it.
fn recipient(i: usize) -> String {
    format!("9617{i:07}")
}

/// Asserts that no message reached the simulator twice; the recipients it received.
#[track_caller]
fn once_each(log: &[LogEntry]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for entry in log {
        *counts.entry(&entry.recipient).or_default() += 1;
    }
    assert!(counts.values().all(|&n| n == 1), "sent twice: {counts:?}");
    log.iter().map(|e| e.recipient.clone()).collect()
}

#[test]
fn a_torn_last_journal_line_is_cut_off_and_the_batch_resumes_twice_and_rebuilds() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = wd.numbered_book(N);
    let journal = wd.path("book.results.xlsx.journal");
    expect_exit(wd.send_to(&book, &sim.url, &["-j", "1", "--limit", "3"]), 1);
    // What a full disk or a power cut while the third answer was being recorded leaves.
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.trim_end().rfind('\n').unwrap() + 1;
    assert!(
        text[last..].contains(r#""type":"outcome""#) && text[last..].contains(r#""row":4"#),
        "the last record is the third message's answer: {}",
        &text[last..]
    );
    std::fs::write(&journal, &text[..last + 30]).unwrap();

    let stderr = expect_exit(wd.send_to(&book, &sim.url, &["-j", "1", "--limit", "1"]), 1);
    assert!(
        stderr.contains("book.results.xlsx.journal was torn"),
        "{stderr}"
    );
    assert_eq!(
        Results::read(&wd.path("book.results.xlsx")).statuses(),
        ["SENT", "SENT", "UNCERTAIN", "SENT", "NOT SENT"]
    );
    // The second resume reads the journal the first one appended to.
    let stderr = expect_exit(wd.send_to(&book, &sim.url, &["-j", "1", "--limit", "1"]), 1);
    assert!(!stderr.contains("torn"), "{stderr}");
    let expected = ["SENT", "SENT", "UNCERTAIN", "SENT", "SENT"];
    assert_eq!(
        Results::read(&wd.path("book.results.xlsx")).statuses(),
        expected
    );
    let sent = once_each(&sim.log());
    assert_eq!(sent, (0..N).map(recipient).collect::<Vec<_>>());

    let mut report = wd.command();
    report
        .arg("report")
        .arg(&journal)
        .args(["-o", "rebuilt.xlsx"]);
    expect_exit(report, 1);
    let rebuilt = Results::read(&wd.path("rebuilt.xlsx"));
    assert_eq!(rebuilt.statuses(), expected);
    assert!(rebuilt.text(2, "Detail").contains("no answer"));
}

#[test]
fn a_journal_damaged_inside_stops_the_run_and_fresh_sets_it_aside() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = wd.numbered_book(N);
    let journal = wd.path("book.results.xlsx.journal");
    expect_exit(wd.send_to(&book, &sim.url, &["--limit", "2"]), 1);
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.insert_str(text.find('\n').unwrap() + 1, "{\"type\":\"attem\n");
    std::fs::write(&journal, &text).unwrap();

    let stderr = expect_exit(wd.send_to(&book, &sim.url, &[]), 2);
    assert!(stderr.contains("line 2 is damaged"), "{stderr}");
    assert!(stderr.contains("--fresh sets it aside"), "{stderr}");
    assert_eq!(sim.accepted(), 2, "nothing sent");

    let stderr = expect_exit(wd.send_to(&book, &sim.url, &["--fresh"]), 0);
    assert!(stderr.contains("kept aside"), "{stderr}");
    assert_eq!(
        Results::read(&wd.path("book.results.xlsx")).statuses(),
        ["SENT"; N]
    );
    // The damaged journal is kept as it was, beside the new run's.
    let kept: Vec<String> = wd
        .listing()
        .into_iter()
        .filter(|n| n.starts_with("book.results.xlsx.journal.") && !n.ends_with(".lock"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read_to_string(wd.path(&kept[0])).unwrap(), text);
    assert_eq!(sim.accepted(), 2 + N);
}

/// Blocks of 512 bytes (`ulimit -f` counts in them, as POSIX says) that a file of a limited
/// run may hold: the journal's run header and the records of a few messages of ten, so the
/// journal fills mid-batch. A small CSV of results fits; an xlsx workbook does not.
const FILE_BLOCKS: u32 = 5;

/// `base` run by `sh` under `ulimit -f blocks`: every file it writes stops growing at that
/// size, like a disk that fills. The same at any speed: the journal fills after the same
/// bytes, however fast the machine.
fn under_file_limit(base: std::process::Command, blocks: u32) -> assert_cmd::Command {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(base.get_program())
        .args(base.get_args());
    if let Some(dir) = base.get_current_dir() {
        cmd.current_dir(dir);
    }
    for (name, value) in base.get_envs() {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    assert_cmd::Command::from_std(cmd)
}

/// `smsmerge send BOOK` to the simulator, one request at a time, as [`Workdir::send_to`]
/// sends it, for [`under_file_limit`].
fn send_process(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = wd.process();
    cmd.arg("send")
        .arg(book)
        .args(["--base-url", url, "--yes", "--sender", "OTSMS", "-j", "1"])
        .args(args)
        .env("OTSMS_UID", "4242")
        .env("OTSMS_USERNAME", "shop")
        .env("OTSMS_PASSWORD", TEST_PASSWORD);
    cmd
}

/// The statuses of a CSV results file, in row order.
fn csv_statuses(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let status = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Status")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[status].to_owned())
        .collect()
}

/// How many of `statuses` are `word`.
fn count(statuses: &[String], word: &str) -> usize {
    statuses.iter().filter(|s| *s == word).count()
}

/// The SENT and UNCERTAIN counts of a batch of [`TEN`] that a full disk stopped mid-way
/// (checked to be mid-way), and how its error line names the messages left.
#[track_caller]
fn stopped_mid_batch(statuses: &[String]) -> (usize, usize, String) {
    let (sent, unanswered, rest) = (
        count(statuses, "SENT"),
        count(statuses, "UNCERTAIN"),
        count(statuses, "NOT SENT"),
    );
    assert!(sent >= 1 && rest >= 1, "stopped mid-batch: {statuses:?}");
    assert_eq!(sent + unanswered + rest, TEN, "{statuses:?}");
    let rest_words = if rest == 1 {
        "the one message left".to_owned()
    } else {
        format!("the other {rest} messages")
    };
    (sent, unanswered, rest_words)
}

/// The error line a send stopped by a full disk ends with, for these counts: the first
/// sentences, up to what became of the results.
fn full_disk_line(journal: &Path, sent: usize, unanswered: usize) -> String {
    let were = if sent == 1 {
        "message was"
    } else {
        "messages were"
    };
    let mut line = format!(
        "smsmerge: error: the disk holding {} is full: sending stopped at once. {sent} {were} sent and recorded in the journal",
        journal.display()
    );
    match unanswered {
        0 => {}
        1 => line.push_str("; 1 more was being sent when the journal failed: its answer is not on record, so it is UNCERTAIN and not sent again (--retry-uncertain sends it)"),
        n => line.push_str(&format!("; {n} more were being sent when the journal failed: their answers are not on record, so they are UNCERTAIN and not sent again (--retry-uncertain sends them)")),
    }
    line.push_str(". ");
    line
}

/// What every run a full disk stopped must show: one error line, no panic, no password, and
/// not the vague words a later write used to put in place of the first error.
#[track_caller]
fn one_clear_error(stderr: &str) {
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(!stderr.contains("earlier journal write"), "{stderr}");
    assert!(!stderr.contains(TEST_PASSWORD), "{stderr}");
}

#[test]
fn a_full_disk_stops_the_send_at_once_writes_the_results_and_the_same_command_sends_the_rest() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = wd.numbered_book(TEN);
    let results = wd.path("out.csv");
    let limited = send_process(&wd, &book, &sim.url, &["-o", "out.csv"]);
    let stderr = expect_exit(under_file_limit(limited, FILE_BLOCKS), 1);
    one_clear_error(&stderr);

    // The results say what the journal says: how many of each depends on when the answers
    // came back, never on how many bytes the journal could take.
    let statuses = csv_statuses(&results);
    let (sent, unanswered, rest_words) = stopped_mid_batch(&statuses);
    let expected = format!(
        "{}The results are written to out.csv. Once there is space, run the same command again: it sends {rest_words} and nothing twice.\n",
        full_disk_line(Path::new("out.csv.journal"), sent, unanswered)
    );
    assert!(stderr.contains(&expected), "{expected}\nin\n{stderr}");
    let log = sim.log();
    once_each(&log);
    assert!((sent..=sent + unanswered).contains(&log.len()), "{log:?}");

    // With space again, the same command sends the rest, nothing twice.
    let again = expect_exit(
        wd.send_to(&book, &sim.url, &["-j", "1", "-o", "out.csv"]),
        if unanswered > 0 { 1 } else { 0 },
    );
    assert!(
        again.contains(&format!("{sent} sent by an earlier run")),
        "{again}"
    );
    let statuses = csv_statuses(&results);
    assert_eq!(count(&statuses, "SENT"), TEN - unanswered, "{statuses:?}");
    assert_eq!(count(&statuses, "UNCERTAIN"), unanswered, "{statuses:?}");
    let log = sim.log();
    let reached = once_each(&log);
    assert!(reached.len() >= TEN - unanswered && reached.len() <= TEN);

    // The journal rebuilds the same results.
    let mut report = wd.command();
    report
        .arg("report")
        .arg(wd.path("out.csv.journal"))
        .args(["-o", "rebuilt.csv"]);
    expect_exit(report, if unanswered > 0 { 1 } else { 0 });
    assert_eq!(csv_statuses(&wd.path("rebuilt.csv")), statuses);
}

#[test]
fn results_a_full_disk_cannot_take_are_left_to_smsmerge_report() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = wd.numbered_book(TEN);
    let results = wd.path("book.results.xlsx");
    let journal = wd.path("book.results.xlsx.journal");
    let limited = send_process(&wd, &book, &sim.url, &[]);
    let stderr = expect_exit(under_file_limit(limited, FILE_BLOCKS), 1);
    one_clear_error(&stderr);
    assert!(!results.exists(), "an xlsx workbook is over the limit");
    let left: Vec<String> = wd
        .listing()
        .into_iter()
        .filter(|n| n.starts_with('.') && !n.ends_with("-lock"))
        .collect();
    assert!(left.is_empty(), "no temporary file is left: {left:?}");

    // What the journal holds, rebuilt once there is space.
    let mut report = wd.command();
    report.arg("report").arg(&journal);
    let rebuilt_err = expect_exit(report, 1);
    assert!(!rebuilt_err.contains("error"), "{rebuilt_err}");
    let statuses = Results::read(&results).statuses();
    let (sent, unanswered, rest_words) = stopped_mid_batch(&statuses);
    let expected = format!(
        "{}The results could not be written either (the disk holding {results} is full). Once there is space, run the same command again: it sends {rest_words} and nothing twice (it writes the results too), or run `smsmerge report {journal}` to write the results without sending.\n",
        full_disk_line(&journal, sent, unanswered),
        results = results.display(),
        journal = journal.display(),
    );
    assert!(stderr.contains(&expected), "{expected}\nin\n{stderr}");

    let again = expect_exit(
        wd.send_to(&book, &sim.url, &["-j", "1"]),
        if unanswered > 0 { 1 } else { 0 },
    );
    assert!(
        again.contains(&format!("{sent} sent by an earlier run")),
        "{again}"
    );
    let statuses = Results::read(&results).statuses();
    assert_eq!(count(&statuses, "SENT"), TEN - unanswered, "{statuses:?}");
    let reached = once_each(&sim.log());
    assert!(reached.len() >= TEN - unanswered && reached.len() <= TEN);
}
