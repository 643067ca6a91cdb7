//! Start-up errors that teach: each says what was expected and the exact
//! fix, in one line, with exit code 2.

mod common;

use common::Workdir;

fn one_line_error(mut cmd: assert_cmd::Command) -> String {
    let out = cmd.output().expect("run smsmerge");
    let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("smsmerge: error: "), "{stderr}");
    stderr
}

#[test]
fn a_phone_column_under_another_name_is_named_in_the_fix() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Name", "Tel"], &["Ali", "+9613123456"]]);
    let stderr = one_line_error(wd.dry_run(&book, &["--sender", "OTSMS"]));
    assert!(
        stderr.contains("\"Name\", \"Tel\"") && stderr.ends_with("use --to Tel\n"),
        "{stderr}"
    );
    let book = wd.xlsx_rows(
        "arabic.xlsx",
        &[&["الاسم", "رقم الجوال"], &["علي", "+9613123456"]],
    );
    let stderr = one_line_error(wd.dry_run(&book, &["--sender", "OTSMS", "--sheet", "1"]));
    assert!(stderr.ends_with("use --to 'رقم الجوال'\n"), "{stderr}");
}

#[test]
fn without_a_likely_column_the_general_fix_is_given() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Name", "City"], &["Ali", "Beirut"]]);
    let stderr = one_line_error(wd.dry_run(&book, &["--sender", "OTSMS"]));
    assert!(
        stderr.contains("name the column with --to COLUMN"),
        "{stderr}"
    );
}

#[test]
fn a_missing_sender_and_a_missing_message_say_how_to_give_them() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Phone", "Text"], &["96170000001", "Hi"]]);
    // A dry run needs no sender; a real send does, and says so before any connection.
    let stderr = one_line_error(wd.send_without_sender("book.xlsx", &["--template", "Hi"]));
    assert!(stderr.contains("give --sender ID"), "{stderr}");
    let stderr = one_line_error(wd.dry_run(&book, &["--sender", "OTSMS"]));
    assert!(
        stderr.contains("use --template TEXT, --template-file PATH, --message-column COLUMN"),
        "{stderr}"
    );
}

#[test]
fn help_shows_the_common_jobs_as_examples() {
    let wd = Workdir::new();
    for args in [&["--help"][..], &["send", "--help"][..]] {
        let out = wd.command().args(args).output().expect("run smsmerge");
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8(out.stdout).expect("utf-8 help");
        for job in [
            "smsmerge init campaign",
            "smsmerge preview customers.xlsx",
            "--dry-run",
            "--simulate --yes",
            "--exclude optouts.csv",
            "--template-name reminder",
            "--quiet-hours 21:00-08:00",
            "--log-file /var/log/smsmerge.log --json",
        ] {
            assert!(help.contains(job), "{args:?} lacks {job:?}:\n{help}");
        }
    }
}
