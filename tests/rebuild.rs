//! `smsmerge report JOURNAL [BOOK]`: the results rebuilt from a send's journal.

mod common;
use common::{OURS, Results, Workdir};

fn book(wd: &Workdir) -> std::path::PathBuf {
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["12", "Bad"],
            &["+9613123457", "سامي"],
            &["+9613123456", "Ali"],
            &["+9613123458", "Rana"],
        ],
    )
}

const SEND: [&str; 6] = [
    "--sender",
    "OTSMS",
    "--template",
    "Hi {{Name}}",
    "--simulate",
    "--yes",
];

fn columns(r: &Results) -> Vec<Vec<String>> {
    let names: Vec<&str> = std::iter::once("Row").chain(OURS).collect();
    (0..r.rows.len())
        .map(|i| names.iter().map(|c| r.text(i, c)).collect())
        .collect()
}

#[test]
fn a_lost_results_file_is_rebuilt_from_the_journal() {
    let wd = Workdir::new();
    let book = book(&wd);
    let out = wd
        .command()
        .arg("send")
        .arg(&book)
        .args(SEND)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = wd.path("book.simulated.xlsx");
    let original = columns(&Results::read(&results));
    std::fs::remove_file(&results).unwrap();

    let out = wd
        .command()
        .args(["report", "book.simulated.xlsx.journal"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("results written to book.simulated.xlsx"),
        "{stderr}"
    );
    let rebuilt = Results::read(&results);
    assert_eq!(columns(&rebuilt), original);
    let statuses: Vec<String> = rebuilt.statuses();
    assert_eq!(statuses, ["SENT", "INVALID", "SENT", "DUPLICATE", "SENT"]);
    let mode = rebuilt.summary_value("Mode").to_string();
    assert!(mode.starts_with("rebuilt from the journal"), "{mode}");
}

#[test]
fn a_journal_cut_short_rebuilds_what_it_knows() {
    // The run died after the first attempt was recorded and before its answer: that message
    // is UNCERTAIN, the ones never attempted NOT SENT.
    let wd = Workdir::new();
    let book = book(&wd);
    let out = wd
        .command()
        .arg("send")
        .arg(&book)
        .args(SEND)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let journal = wd.path("book.simulated.xlsx.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    let first_attempt = text
        .lines()
        .position(|l| l.contains("\"type\":\"attempt\""))
        .unwrap();
    let kept: Vec<&str> = text.lines().take(first_attempt + 1).collect();
    std::fs::write(&journal, kept.join("\n") + "\n").unwrap();

    let out = wd
        .command()
        .args([
            "report",
            "book.simulated.xlsx.journal",
            "book.xlsx",
            "-o",
            "again.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(wd.path("again.csv")).unwrap();
    let statuses: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap_or_default())
        .collect();
    let uncertain = statuses.iter().filter(|s| **s == "UNCERTAIN").count();
    let not_sent = statuses.iter().filter(|s| **s == "NOT SENT").count();
    assert_eq!((uncertain, not_sent), (1, 2), "{csv}");
}

#[test]
fn a_file_that_is_not_a_journal_is_refused_in_one_line() {
    let wd = Workdir::new();
    wd.file("x.journal", "hello\n");
    let out = wd.command().args(["report", "x.journal"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("smsmerge: error: "), "{stderr}");
    assert!(stderr.contains("x.journal"), "{stderr}");
}
