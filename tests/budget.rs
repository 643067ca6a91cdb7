//! The budget guard and estimated costs, end to end: `--max-total-segments`
//! and `max_total_segments` refuse a send that needs more (exit 2, nothing sent, the template
//! responsible named), count only what the run will send, and `price_per_segment` prices it.

mod common;

use assert_cmd::Command;
use common::{Results, SimProcess, TEST_ACCOUNT, TEST_PASSWORD, Workdir, expect_exit};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::path::PathBuf;

/// 200 GSM-7 characters: 2 segments.
fn two_segments() -> String {
    format!("Dear {{{{Name}}}}, {}", "x".repeat(185))
}

/// Rows 2-4 with the short template (1 segment each), rows 5-6 with the long one (2 each):
/// 7 segments in all, the long template's 4 the largest share.
fn book(wd: &Workdir) -> PathBuf {
    let long = two_segments();
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["phone", "Name", "message"],
            &["96170000001", "Ali", "Hi {{Name}}"],
            &["96170000002", "Badr", "Hi {{Name}}"],
            &["96170000003", "Carla", "Hi {{Name}}"],
            &["96170000004", "Dina", &long],
            &["96170000005", "Elie", &long],
        ],
    )
}

fn refused_with_nothing_sent(wd: &Workdir, sim: &SimProcess, cmd: Command) -> String {
    let stderr = expect_exit(cmd, 2);
    assert!(sim.log().is_empty(), "nothing may be sent: {:?}", sim.log());
    assert!(!wd.path("book.results.xlsx").exists(), "no results");
    assert!(
        !wd.path("book.results.xlsx.journal").exists(),
        "no journal: the run never started"
    );
    assert!(!stderr.contains(TEST_PASSWORD), "{stderr}");
    stderr
}

#[test]
fn a_send_needing_more_segments_than_the_budget_is_refused_naming_the_template() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    let stderr = refused_with_nothing_sent(
        &wd,
        &sim,
        wd.send_to(&book, &sim.url, &["--max-total-segments", "6"]),
    );
    let error = stderr
        .lines()
        .find(|l| l.starts_with("smsmerge: error:"))
        .unwrap_or_else(|| panic!("one error line: {stderr}"));
    assert_eq!(
        error,
        "smsmerge: error: this send needs 7 segments (5 messages), more than \
         --max-total-segments 6 allows; the largest share, 4 segments in 2 messages \
         (2 each on average), comes from the template \"Dear {{Name}}, xxxxxxxxxxxxxxx…\" \
         in column \"message\", first used on row 5; nothing was sent: shorten the template, \
         send fewer rows with --limit, or raise the limit"
    );
}

#[test]
fn exactly_the_budget_is_sent() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    expect_exit(
        wd.send_to(&book, &sim.url, &["--max-total-segments", "7"]),
        0,
    );
    assert_eq!(sim.log().len(), 5);
}

#[test]
fn the_budget_counts_only_what_this_run_sends() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    // --limit 3: the three short messages, 3 segments.
    expect_exit(
        wd.send_to(
            &book,
            &sim.url,
            &["--limit", "3", "--max-total-segments", "3"],
        ),
        1,
    );
    assert_eq!(sim.log().len(), 3);
    // The rerun sends the rest, 4 segments: the 3 already sent do not count again.
    expect_exit(
        wd.send_to(&book, &sim.url, &["--max-total-segments", "4"]),
        0,
    );
    assert_eq!(sim.log().len(), 5);
}

#[test]
fn the_config_file_sets_the_budget_and_the_flag_overrides_it() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    wd.file("smsmerge.toml", "max_total_segments = 5\n");
    let stderr = refused_with_nothing_sent(&wd, &sim, wd.send_to(&book, &sim.url, &[]));
    assert!(
        stderr.contains("more than max_total_segments = 5 (config file) allows"),
        "{stderr}"
    );
    expect_exit(
        wd.send_to(&book, &sim.url, &["--max-total-segments", "100"]),
        0,
    );
    assert_eq!(sim.log().len(), 5);
}

#[test]
fn a_named_template_of_the_templates_sheet_is_blamed_by_its_name() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let fill = |book: &mut Workbook| -> Result<(), XlsxError> {
        let ws = book.add_worksheet();
        ws.set_name("Customers")?;
        let rows: [[&str; 3]; 4] = [
            ["phone", "Name", "template"],
            ["96170000001", "Ali", "short"],
            ["96170000002", "Badr", "Long"],
            ["96170000003", "Carla", "long "],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *cell)?;
            }
        }
        let ws = book.add_worksheet();
        ws.set_name("Templates")?;
        ws.write_string(0, 0, "name")?;
        ws.write_string(0, 1, "text")?;
        ws.write_string(1, 0, "short")?;
        ws.write_string(1, 1, "Hi {{Name}}")?;
        ws.write_string(2, 0, "long")?;
        ws.write_string(2, 1, "مرحبا {{Name}} ".repeat(15))?;
        Ok(())
    };
    let book = wd.xlsx_book("book.xlsx", fill);
    let stderr = refused_with_nothing_sent(
        &wd,
        &sim,
        wd.send_to(&book, &sim.url, &["--max-total-segments", "4"]),
    );
    // The cells say "Long" and "long ": one template, counted together, named as the
    // Templates sheet spells it.
    assert!(
        stderr.contains(
            "the largest share, 6 segments in 2 messages (3 each on average), comes from \
             template \"long\" of the Templates sheet, first used on row 3"
        ),
        "{stderr}"
    );
}

#[test]
fn one_template_for_every_row_is_named_as_such() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    let template = two_segments();
    let stderr = refused_with_nothing_sent(
        &wd,
        &sim,
        wd.send_to(
            &book,
            &sim.url,
            &["--template", &template, "--max-total-segments", "9"],
        ),
    );
    assert!(
        stderr.contains(
            "this send needs 10 segments (5 messages), more than --max-total-segments 9 allows; \
             all of them (5 messages, 2 each on average) come from the one template of every \
             row (--template or --template-file), first used on row 2"
        ),
        "{stderr}"
    );
}

#[test]
fn a_dry_run_over_budget_says_a_send_would_be_refused() {
    let wd = Workdir::new();
    let book = book(&wd);
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--max-total-segments", "6"]),
        0,
    );
    assert!(
        stderr.contains("a real send would be refused: this send needs 7 segments"),
        "{stderr}"
    );
    assert!(wd.path("book.results.xlsx").exists());
}

#[test]
fn the_price_per_segment_gives_an_estimated_cost() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    wd.file(
        "smsmerge.toml",
        "price_per_segment = 0.025\ncurrency = \"SAR\"\n",
    );
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert!(
        stderr.contains("  cost          about 0.175 SAR (7 segments at 0.025 each)"),
        "{stderr}"
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    let cost = "0.175 SAR (7 segments at 0.025 each)";
    assert_eq!(r.summary_value("Estimated cost").to_string(), cost);

    // A real send prices what was sent: here the first 3 messages, 3 segments.
    let stderr = expect_exit(wd.send_to(&book, &sim.url, &["--limit", "3"]), 1);
    assert!(
        stderr.contains(
            "  sending       3 messages, 3 segments (GSM-7: 3 in 3 messages), about 0.075 SAR"
        ),
        "{stderr}"
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    let cost = "0.075 SAR (3 segments at 0.025 each)";
    assert_eq!(r.summary_value("Estimated cost").to_string(), cost);

    // --json has it too.
    let mut cmd = wd.send_to(&book, &sim.url, &["--json"]);
    let out = cmd.output().expect("run smsmerge");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    // The results hold the whole batch, SENT by this run or the one before: 7 segments.
    assert_eq!(
        json["estimated_cost"],
        "0.175 SAR (7 segments at 0.025 each)"
    );
}

#[test]
fn bad_budget_and_price_settings_are_refused_before_anything_is_read() {
    let wd = Workdir::new();
    let book = book(&wd);
    for (config, expected) in [
        (
            "max_total_segments = 0\n",
            "max_total_segments = 0 in the config file: give the most segments one send may need",
        ),
        ("max_total_segments = -5\n", "smsmerge.toml"),
        (
            "price_per_segment = -0.5\n",
            "price_per_segment = -0.5 in the config file: give the price of one segment",
        ),
        (
            "price_per_segment = nan\n",
            "price_per_segment = NaN in the config file",
        ),
        (
            "currency = \"SAR\"\n",
            "currency is set in the config file but price_per_segment is not",
        ),
    ] {
        wd.file("smsmerge.toml", config);
        let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 2);
        assert!(stderr.contains(expected), "{config}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{config}: {stderr}");
    }
    std::fs::remove_file(wd.path("smsmerge.toml")).expect("remove the config");
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--max-total-segments", "0"]),
        2,
    );
    assert!(stderr.contains("--max-total-segments"), "{stderr}");
    assert!(!wd.path("book.results.xlsx").exists());
}

#[test]
fn the_balance_check_counts_only_what_this_run_sends() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT, "--balance", "3"]);
    let book = book(&wd);
    let stderr = refused_with_nothing_sent(&wd, &sim, wd.send_to(&book, &sim.url, &[]));
    assert!(
        stderr.contains("the balance is 3.00 but this batch needs 7 segments"),
        "{stderr}"
    );
    // --limit 3 sends the three 1-segment messages, which the balance covers (the refusal
    // above suggests exactly this).
    expect_exit(wd.send_to(&book, &sim.url, &["--limit", "3"]), 1);
    assert_eq!(sim.log().len(), 3);
}

#[test]
fn preview_shows_the_cost_the_look_alikes_and_a_budget_it_exceeds() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["phone", "message"],
            &[
                "96170000001",
                &format!("{}’{}", "a".repeat(75), "b".repeat(74)),
            ],
            &["96170000002", "plain"],
        ],
    );
    wd.file("smsmerge.toml", "price_per_segment = 0.05\n");
    let mut cmd = wd.command();
    cmd.arg("preview")
        .arg(&book)
        .args(["--sender", "OTSMS"])
        .args(["--max-total-segments", "3"]);
    let out = cmd.output().expect("run smsmerge");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(
        stdout.contains("  look-alikes   1 row UCS-2 only because of look-alike characters"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  cost          about 0.20 (4 segments at 0.05 each)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("a real send would be refused: this send needs 4 segments (2 messages)"),
        "{stderr}"
    );
}

#[test]
fn a_refused_fresh_start_keeps_the_unfinished_run_to_resume() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let book = book(&wd);
    // An unfinished run: 3 sent, 2 left.
    expect_exit(wd.send_to(&book, &sim.url, &["--limit", "3"]), 1);
    let journal = wd.path("book.results.xlsx.journal");
    let before = std::fs::read(&journal).expect("the unfinished run's journal");
    // --fresh would send all 5 again (7 segments): over budget, refused before the journal
    // is moved aside.
    let stderr = expect_exit(
        wd.send_to(&book, &sim.url, &["--fresh", "--max-total-segments", "6"]),
        2,
    );
    assert!(stderr.contains("this send needs 7 segments"), "{stderr}");
    assert_eq!(std::fs::read(&journal).expect("still there"), before);
    assert_eq!(sim.log().len(), 3);
    // So a plain rerun resumes it and sends only the two left.
    expect_exit(wd.send_to(&book, &sim.url, &[]), 0);
    let log = sim.log();
    assert_eq!(log.len(), 5);
    let mut recipients: Vec<&str> = log.iter().map(|e| e.recipient.as_str()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    assert_eq!(recipients.len(), 5, "nobody got a message twice: {log:?}");
}

/// The confirmation needs a terminal: `script` (util-linux) gives the run one.
#[test]
fn the_confirmation_shows_segments_by_encoding_and_the_price() {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(script) = script else {
        eprintln!("skipped: no `script` command to give smsmerge a terminal");
        return;
    };
    let wd = Workdir::new();
    book(&wd);
    wd.file(
        "smsmerge.toml",
        "price_per_segment = 0.025\ncurrency = \"SAR\"\nsender = \"OTSMS\"\n",
    );
    let smsmerge = env!("CARGO_BIN_EXE_smsmerge");
    let mut cmd = Command::new(script);
    cmd.current_dir(wd.path("."))
        .env("HOME", wd.path("."))
        .env("XDG_CONFIG_HOME", wd.path("."))
        .args([
            "-qec",
            &format!("{smsmerge} send book.xlsx --simulate"),
            "/dev/null",
        ])
        .write_stdin("n\n");
    let out = cmd.output().expect("run script");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains(
            "Send 5 messages, 7 segments (GSM-7: 7 in 5 messages), about 0.175 SAR through \
             built-in simulator? [y/N]"
        ),
        "{shown}"
    );
    assert!(shown.contains("nothing sent: you answered no"), "{shown}");
    assert!(!shown.contains("error"), "{shown}");
    assert!(!wd.simulated_results("book").exists());
    assert!(!wd.path("book.simulated.xlsx.journal").exists());
}
