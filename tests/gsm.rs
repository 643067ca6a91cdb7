//! `--gsm-substitute` and `--gsm-only` end to end: what the gateway receives, what the
//! results say, and how a bad config value is refused.

mod common;

use common::{Results, SimProcess, TEST_ACCOUNT, Workdir, expect_exit};
use std::path::PathBuf;

/// 150 characters with one curly apostrophe: 3 UCS-2 segments, 1 in GSM-7.
fn curly() -> String {
    format!("{}’{}", "a".repeat(75), "b".repeat(74))
}

const QUOTES: &str = "“Sale” – 20% off… today";
const ARABIC: &str = "مرحبا بكم";
const MIXED: &str = "it’s مرحبا";

/// Rows 2-5: the curly-apostrophe text, quotes and dashes, Arabic, Arabic with ’.
fn book(wd: &Workdir) -> PathBuf {
    let curly = curly();
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["phone", "message"],
            &["96170000001", &curly],
            &["96170000002", QUOTES],
            &["96170000003", ARABIC],
            &["96170000004", MIXED],
        ],
    )
}

#[test]
fn gsm_substitute_sends_lookalike_rows_as_gsm7_and_arabic_as_ucs2() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    expect_exit(wd.send_to(&book, &sim.url, &["--gsm-substitute"]), 0);

    let log = sim.log();
    assert_eq!(log.len(), 4, "{log:?}");
    let of = |to: &str| {
        log.iter()
            .find(|e| e.recipient.ends_with(to))
            .unwrap_or_else(|| panic!("nothing sent to {to}: {log:?}"))
    };
    let straight = curly().replace('’', "'");
    let (row2, row3, row4, row5) = (of("01"), of("02"), of("03"), of("04"));
    assert_eq!(
        (row2.text.as_str(), row2.dcs, row2.segments),
        (straight.as_str(), false, 1)
    );
    assert_eq!(
        (row3.text.as_str(), row3.dcs),
        ("\"Sale\" - 20% off... today", false)
    );
    assert_eq!((row4.text.as_str(), row4.dcs), (ARABIC, true));
    assert_eq!((row5.text.as_str(), row5.dcs), ("it's مرحبا", true));

    // The Message column holds the text as sent.
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.text(0, "Message"), straight);
    assert_eq!(r.text(0, "Encoding"), "GSM-7");
    assert_eq!(r.text(0, "Segments"), "1");
    assert_eq!(r.text(2, "Encoding"), "UCS-2");
}

#[test]
fn without_gsm_substitute_the_curly_row_goes_as_three_ucs2_segments() {
    let wd = Workdir::new();
    let book = book(&wd);
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.text(0, "Message"), curly());
    assert_eq!(r.text(0, "Encoding"), "UCS-2");
    assert_eq!(r.text(0, "Segments"), "3");
}

/// The Summary's look-alike lines: messages UCS-2 only because of look-alikes, segments
/// --gsm-substitute would save, messages it changed, segments it saved.
fn look_alike_summary(r: &Results) -> [String; 4] {
    [
        "Messages UCS-2 only because of look-alikes",
        "Segments --gsm-substitute would save",
        "Messages changed by --gsm-substitute",
        "Segments saved by --gsm-substitute",
    ]
    .map(|label| r.summary_value(label).to_string())
}

#[test]
fn the_note_column_and_the_summary_say_what_look_alikes_cost() {
    let wd = Workdir::new();
    let book = book(&wd);
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(
        r.column("Note"),
        [
            "UCS-2 only because of \"’\" at 76: 3 segments, 1 in GSM-7 with --gsm-substitute",
            "UCS-2 only because of \"“\" at 1, \"”\" at 6, \"–\" at 8, \"…\" at 17: 1 segment, \
             1 in GSM-7 with --gsm-substitute",
            "",
            "",
        ]
    );
    assert_eq!(look_alike_summary(&r), ["2", "2", "0", "0"]);

    // With the substitution the Note says what was replaced, and the Summary what it saved.
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--gsm-substitute"]),
        0,
    );
    assert!(
        stderr.contains(
            "  look-alikes   --gsm-substitute replaced look-alike characters in 3 rows, saving 2 segments"
        ),
        "{stderr}"
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(
        r.column("Note"),
        [
            "Replaced by --gsm-substitute: ’ → '; now GSM-7, 1 segment instead of 3",
            "Replaced by --gsm-substitute: “ → \", ” → \", – → -, … → ...; now GSM-7, still 1 segment",
            "",
            "Replaced by --gsm-substitute: ’ → '; still UCS-2 (other characters have no \
             look-alike), 1 segment as before",
        ]
    );
    assert_eq!(look_alike_summary(&r), ["0", "0", "3", "2"]);
}

#[test]
fn json_counts_the_segments_look_alikes_cost() {
    let wd = Workdir::new();
    let book = book(&wd);
    let mut cmd = wd.dry_run(&book, &["--sender", "OTSMS", "--json"]);
    let out = cmd.output().expect("run smsmerge");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let segments = &json["segments"];
    assert_eq!(
        segments["gsm_substitute_would_save"],
        serde_json::json!({"messages": 2, "segments": 2})
    );
    assert_eq!(
        segments["gsm_substitute_saved"],
        serde_json::json!({"messages": 0, "segments": 0})
    );
    assert_eq!(segments["total"], 6);
}

#[test]
fn gsm_substitute_in_the_config_file_applies() {
    let wd = Workdir::new();
    let book = book(&wd);
    wd.file("smsmerge.toml", "gsm_substitute = true\n");
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.text(0, "Encoding"), "GSM-7");
    assert_eq!(r.text(1, "Message"), "\"Sale\" - 20% off... today");
}

#[test]
fn a_gsm_substitute_that_is_not_true_or_false_is_refused() {
    let wd = Workdir::new();
    let book = book(&wd);
    wd.file("smsmerge.toml", "gsm_substitute = \"yes\"\n");
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 2);
    assert!(stderr.contains("smsmerge.toml"), "{stderr}");
    assert!(stderr.contains("expected a boolean"), "{stderr}");
    assert!(!wd.path("book.results.xlsx").exists());
}

#[test]
fn gsm_only_marks_rows_that_need_ucs2_invalid_and_names_the_characters() {
    let wd = Workdir::new();
    let book = book(&wd);
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS", "--gsm-only"]), 1);
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.statuses(), ["INVALID", "INVALID", "INVALID", "INVALID"]);
    assert_eq!(r.text(0, "Detail"), "not GSM-7 (--gsm-only): \"’\" at 76");
    assert_eq!(
        r.text(2, "Detail"),
        "not GSM-7 (--gsm-only): \"م\" at 1, \"ر\" at 2, \"ح\" at 3, \"ب\" at 4, \"ا\" at 5, \
         \"ب\" at 7, \"ك\" at 8, \"م\" at 9"
    );
}

#[test]
fn gsm_only_with_gsm_substitute_keeps_the_lookalike_rows_and_refuses_arabic() {
    let wd = Workdir::new();
    let book = book(&wd);
    let stderr = expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--gsm-only", "--gsm-substitute"],
        ),
        1,
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(
        r.statuses(),
        ["READY", "READY", "INVALID", "INVALID"],
        "{stderr}"
    );
    // Only the characters without a look-alike are named; the ’ was replaced.
    let mixed = r.text(3, "Detail");
    assert!(
        mixed.starts_with("not GSM-7 (--gsm-only): \"م\" at 6"),
        "{mixed}"
    );
    assert!(!mixed.contains('’'), "{mixed}");
    assert_eq!(r.text(3, "Message"), "it's مرحبا");
}

#[test]
fn gsm_only_cuts_a_long_list_of_characters() {
    let wd = Workdir::new();
    let long = "ب".repeat(30);
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[&["phone", "message"], &["96170000001", &long]],
    );
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS", "--gsm-only"]), 1);
    let r = Results::read(&wd.path("book.results.xlsx"));
    let detail = r.text(0, "Detail");
    assert!(detail.ends_with("\"ب\" at 10, and 20 more"), "{detail}");
}

#[test]
fn a_rebuilt_report_uses_the_journal_s_gsm_substitute() {
    let wd = Workdir::new();
    let book = book(&wd);
    let mut cmd = wd.command();
    cmd.arg("send").arg(&book).args([
        "--sender",
        "OTSMS",
        "--simulate",
        "--yes",
        "--gsm-substitute",
    ]);
    expect_exit(cmd, 0);
    let results = wd.path("book.simulated.xlsx");
    let sent = Results::read(&results);
    std::fs::remove_file(&results).expect("remove the results");

    let mut cmd = wd.command();
    cmd.args(["report", "book.simulated.xlsx.journal"]);
    expect_exit(cmd, 0);
    let rebuilt = Results::read(&results);
    assert_eq!(rebuilt.column("Message"), sent.column("Message"));
    assert_eq!(rebuilt.text(0, "Encoding"), "GSM-7");
    assert_eq!(rebuilt.statuses(), ["SENT", "SENT", "SENT", "SENT"]);
}

#[test]
fn the_plan_names_the_rows_that_are_needlessly_ucs2() {
    let wd = Workdir::new();
    let book = book(&wd);
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert!(
        stderr.contains(
            "  look-alikes   2 rows UCS-2 only because of look-alike characters; --gsm-substitute would save 2 segments"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("    row 2: \"’\" at 76; 3 segments now, 1 in GSM-7"),
        "{stderr}"
    );
    assert!(
        stderr.contains("    row 3: \"“\" at 1, \"”\" at 6"),
        "{stderr}"
    );
    // Arabic, with or without a ’, is not needlessly UCS-2.
    assert!(
        !stderr.contains("row 4:") && !stderr.contains("row 5:"),
        "{stderr}"
    );
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--gsm-substitute"]),
        0,
    );
    assert!(!stderr.contains("UCS-2 only because"), "{stderr}");
    assert!(!stderr.contains("row 2:"), "{stderr}");
}

#[test]
fn the_plan_lists_ten_needless_rows_then_how_many_more() {
    let wd = Workdir::new();
    let curly = curly();
    let numbers: Vec<String> = (0..12).map(|i| format!("961700000{i:02}")).collect();
    let mut rows: Vec<[&str; 2]> = vec![["phone", "message"]];
    rows.extend(numbers.iter().map(|n| [n.as_str(), curly.as_str()]));
    let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
    let book = wd.xlsx_rows("book.xlsx", &rows);
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert!(
        stderr.contains(
            "  look-alikes   12 rows UCS-2 only because of look-alike characters; --gsm-substitute would save 24 segments"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("    row 11: "), "{stderr}");
    assert!(!stderr.contains("    row 12: "), "{stderr}");
    assert!(stderr.contains("    and 2 more\n"), "{stderr}");
}

#[test]
fn a_look_alike_that_is_trimmed_anyway_is_not_called_replaced() {
    // A no-break space after the text is trimmed like any space: nothing was replaced in
    // what is sent, so there is no note and nothing counted as saved.
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[&["phone", "message"], &["96170000001", "Hello\u{a0}"]],
    );
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--gsm-substitute"]),
        0,
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.text(0, "Message"), "Hello");
    assert_eq!(r.text(0, "Note"), "");
    assert_eq!(look_alike_summary(&r), ["0", "0", "0", "0"]);
}
