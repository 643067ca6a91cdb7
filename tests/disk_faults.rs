//! What a full disk, a power cut or a kill mid-write leaves on disk, and the runs after it: a
//! journal whose last line is torn, a journal damaged inside, a journal that cannot be written
//! while sending, and the temporary files of a results write that never finished. Every test
//! resumes afterwards and checks from the simulator's log that nothing was sent twice.
#![cfg(unix)]

mod common;

use common::{LogEntry, Results, SimProcess, TEST_ACCOUNT, Workdir, expect_exit};
use std::collections::HashMap;

const N: usize = 5;

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
