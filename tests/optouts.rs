//! Opt-outs: `--exclude` lists and the `opt_out` column. Opted-out rows are
//! SKIPPED, never sent (checked on the simulator's side), and counted.

mod common;

use assert_cmd::Command;
use common::{Results, SimProcess, Workdir, expect_exit};
use std::path::{Path, PathBuf};

const ACCOUNT: &str = "4242:shop:pw";

/// Six customers in Lebanon, numbers written the ways people write them.
fn customers(wd: &Workdir) -> PathBuf {
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "opt_out"],
            &["03 123 456", "Rana", ""],
            &["+961 71 234 567", "Karim", ""],
            &["0096176345678", "Maya", "FALSE"],
            &["070 111 222", "Omar", "yes"],
            &["081 222 333", "Ali", "TRUE"],
            &["079 333 444", "Lina", ""],
        ],
    )
}

fn send(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = wd.command();
    cmd.arg("send")
        .arg(book)
        .args(["--base-url", url, "--yes", "--sender", "OTSMS"])
        .args(["--country-code", "961", "--template", "Hi {{Name}}"])
        .args(args)
        .env("OTSMS_UID", "4242")
        .env("OTSMS_USERNAME", "shop")
        .env("OTSMS_PASSWORD", "pw");
    cmd
}

#[test]
fn excluded_and_opted_out_rows_are_skipped_and_never_sent() {
    let wd = Workdir::new();
    let book = customers(&wd);
    // National, international and 00 forms, as a CSV export would hold them.
    let list = wd.file(
        "optouts.csv",
        "Name,Mobile\nX,+961 3 123 456\nY,0096179333444\nZ,not a number\n",
    );
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let stderr = expect_exit(
        send(
            &wd,
            &book,
            &sim.url,
            &["--exclude", list.to_str().expect("utf-8 path")],
        ),
        0,
    );
    assert!(stderr.contains("--exclude: 2 numbers read"), "{stderr}");
    assert!(
        stderr.contains("warning: --exclude: 1 entry of") && stderr.contains("optouts.csv"),
        "{stderr}"
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(
        r.statuses(),
        ["SKIPPED", "SENT", "SENT", "SKIPPED", "SKIPPED", "SKIPPED"]
    );
    assert_eq!(r.text(0, "Detail"), "opted out (on the --exclude list)");
    assert_eq!(r.text(3, "Detail"), "opted out (\"opt_out\" column)");
    assert_eq!(r.text(5, "Detail"), "opted out (on the --exclude list)");
    let mut arrived: Vec<String> = sim.log().into_iter().map(|e| e.recipient).collect();
    arrived.sort();
    assert_eq!(arrived, ["96171234567", "96176345678"]);
    assert_eq!(r.summary_value("SKIPPED").to_string(), "4");
}

#[test]
fn a_workbook_list_without_a_header_and_a_list_of_one_number() {
    let wd = Workdir::new();
    let book = customers(&wd);
    let headerless = wd.xlsx("list.xlsx", "Sheet1", |ws| {
        ws.write_number(0, 0, 96171234567.0)?;
        ws.write_string(1, 0, "076 345 678")?;
        Ok(())
    });
    let one = wd.file("one.csv", "+961 79 333 444\n");
    let mut cmd = wd.dry_run(&book, &["--sender", "OTSMS", "--country-code", "961"]);
    cmd.args(["--template", "Hi {{Name}}", "--exclude"])
        .arg(&headerless)
        .arg("--exclude")
        .arg(&one);
    let stderr = expect_exit(cmd, 0);
    assert!(stderr.contains("--exclude: 3 numbers read"), "{stderr}");
    assert!(stderr.contains("opted out     5"), "{stderr}");
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(
        r.statuses(),
        [
            "READY", "SKIPPED", "SKIPPED", "SKIPPED", "SKIPPED", "SKIPPED"
        ]
    );
}

#[test]
fn an_opt_out_cell_that_says_neither_yes_nor_no_is_invalid() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "opt_out"],
            &["96170000001", "maybe"],
            &["96170000002", "no"],
        ],
    );
    let mut cmd = wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi"]);
    cmd.args(["--exclude", "missing.csv"]);
    let stderr = expect_exit(cmd, 2);
    assert!(
        stderr.contains("missing.csv: no such file") && stderr.lines().count() == 1,
        "{stderr}"
    );
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi"]),
        1,
    );
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.statuses(), ["INVALID", "READY"]);
    assert!(
        r.text(0, "Detail").contains("\"opt_out\" holds \"maybe\""),
        "{}",
        r.text(0, "Detail")
    );
}

#[test]
fn exclude_lists_from_the_config_file_apply_unless_a_flag_replaces_them() {
    let wd = Workdir::new();
    let book = customers(&wd);
    wd.file("a.csv", "03 123 456\n");
    wd.file("b.csv", "071 234 567\n");
    wd.file(
        "smsmerge.toml",
        "country_code = \"961\"\nexclude = [\"a.csv\"]\n",
    );
    let run = |extra: &[&str]| {
        let mut cmd = wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi"]);
        cmd.args(extra);
        expect_exit(cmd, 0);
        Results::read(&wd.path("book.results.xlsx")).statuses()
    };
    assert_eq!(
        run(&[]),
        ["SKIPPED", "READY", "READY", "SKIPPED", "SKIPPED", "READY"]
    );
    assert_eq!(
        run(&["--exclude", "b.csv"]),
        ["READY", "SKIPPED", "READY", "SKIPPED", "SKIPPED", "READY"]
    );
}

#[test]
fn an_exclude_list_is_read_by_the_same_numbering_plan_as_the_recipients() {
    // Kuwait has no trunk 0: its national numbers are eight bare digits, on the list and in
    // the workbook alike, and `96565748` is the national 9656 5748, not +965 65748.
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+965 500 12345", "Fahad"],
            &["965 9656 5748", "Noura"],
            &["6555 1234", "Bader"],
            &["9876 5432", "Sara"],
        ],
    );
    let list = wd.file("optouts.csv", "500 12345\n96565748\n+965 6555 1234\n");
    let mut cmd = wd.dry_run(&book, &["--sender", "OTSMS", "--country-code", "965"]);
    cmd.args(["--template", "Hi {{Name}}", "--exclude"])
        .arg(&list);
    let stderr = expect_exit(cmd, 0);
    assert!(stderr.contains("--exclude: 3 numbers read"), "{stderr}");
    let r = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(r.statuses(), ["SKIPPED", "SKIPPED", "SKIPPED", "READY"]);
    assert_eq!(r.text(3, "Recipient"), "96598765432");
}
