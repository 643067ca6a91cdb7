//! Bad input gets one clear line on stderr and exit code 2, never a panic or a backtrace, and
//! nothing is written. Every input is generated here.

mod common;

use assert_cmd::Command;
use common::Workdir;
use std::path::{Path, PathBuf};

/// Flags that make a run valid apart from the bad input under test.
const OK_FLAGS: [&str; 4] = ["--sender", "OTSMS", "--template", "Hi {{Name}}"];

/// Runs `cmd` and checks that it failed cleanly: exit code 2, nothing on stdout, stderr one
/// line starting `smsmerge: error:` that contains every needle, no panic or backtrace (even
/// with RUST_BACKTRACE set), and the folder exactly as it was (no results, no temp file).
#[track_caller]
fn fails_cleanly(wd: &Workdir, mut cmd: Command, needles: &[&str]) -> String {
    let before = wd.listing();
    let out = cmd
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run smsmerge");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected:\n{stderr}");
    assert!(stderr.starts_with("smsmerge: error: "), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
    assert_eq!(wd.listing(), before, "the run left files behind");
    stderr
}

/// `smsmerge send BOOK --dry-run` with otherwise valid flags, plus `extra`.
fn dry_run(wd: &Workdir, book: &Path, extra: &[&str]) -> Command {
    let mut args = OK_FLAGS.to_vec();
    args.extend_from_slice(extra);
    wd.dry_run(book, &args)
}

/// A valid workbook with a recipient column and two rows.
fn good_book(wd: &Workdir, name: &str) -> PathBuf {
    wd.xlsx_rows(
        name,
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["+9613123457", "Sam"],
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Files that are not (readable) workbooks

#[test]
fn missing_file() {
    let wd = Workdir::new();
    let book = wd.path("nope.xlsx");
    fails_cleanly(&wd, dry_run(&wd, &book, &[]), &["nope.xlsx: no such file"]);
}

#[test]
fn a_folder() {
    let wd = Workdir::new();
    let book = wd.path("inbox.xlsx");
    std::fs::create_dir(&book).expect("mkdir");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["inbox.xlsx: is a folder, not a workbook"],
    );
}

#[test]
fn a_truncated_workbook() {
    let wd = Workdir::new();
    let good = good_book(&wd, "good.xlsx");
    let bytes = std::fs::read(&good).expect("read the workbook");
    std::fs::remove_file(&good).expect("remove");
    let book = wd.file("half.xlsx", &bytes[..bytes.len() / 2]);
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["half.xlsx: the workbook is damaged or truncated"],
    );
}

#[test]
fn a_zip_that_is_not_a_workbook() {
    let wd = Workdir::new();
    let book = wd.file(
        "archive.xlsx",
        common::stored_zip(&[("hello.txt", b"hello".as_slice())]),
    );
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["archive.xlsx: the workbook is damaged or truncated"],
    );
}

#[test]
fn a_text_file_renamed_xlsx() {
    let wd = Workdir::new();
    let book = wd.file("list.xlsx", "Phone,Name\n+9613123456,Ali\n");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["list.xlsx: this is not a workbook", "plain text", ".csv"],
    );
}

#[test]
fn an_html_file_renamed_xls() {
    let wd = Workdir::new();
    let book = wd.file(
        "export.xls",
        "<html><body><table><tr><td>Phone</td><td>Name</td></tr>\
         <tr><td>+9613123456</td><td>Ali</td></tr></table></body></html>\n",
    );
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["export.xls: this is not a workbook", "HTML page"],
    );
}

#[test]
fn an_empty_file() {
    let wd = Workdir::new();
    let book = wd.file("empty.xlsx", "");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["empty.xlsx: the file is empty"],
    );
}

#[test]
fn an_empty_csv_file() {
    let wd = Workdir::new();
    let book = wd.file("empty.csv", "");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["empty.csv: the file is empty"],
    );
}

// ---------------------------------------------------------------------------------------------
// Workbooks without the data needed

#[test]
fn a_workbook_whose_only_sheet_is_empty() {
    let wd = Workdir::new();
    let book = wd.xlsx("blank.xlsx", "Sheet1", |_| Ok(()));
    let stderr = fails_cleanly(&wd, dry_run(&wd, &book, &[]), &["blank.xlsx"]);
    assert!(
        stderr.contains("is empty") || stderr.contains("no sheets with data"),
        "the error should say the workbook is empty:\n{stderr}"
    );
    assert!(!stderr.contains("has headers no data"), "{stderr}");
}

#[test]
fn an_empty_sheet_chosen_by_name() {
    let wd = Workdir::new();
    let book = wd.xlsx("blank.xlsx", "Sheet1", |_| Ok(()));
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--sheet", "Sheet1"]),
        &["blank.xlsx: sheet \"Sheet1\" is empty"],
    );
}

#[test]
fn a_sheet_with_only_a_header_row() {
    let wd = Workdir::new();
    let book = wd.xlsx("header.xlsx", "Customers", |ws| {
        ws.write_string(2, 0, "Phone")?;
        ws.write_string(2, 1, "Name")?;
        Ok(())
    });
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["header.xlsx: sheet \"Customers\" has a header row (row 3) but no data rows"],
    );
}

#[test]
fn a_csv_with_only_a_header_line() {
    let wd = Workdir::new();
    let book = wd.file("header.csv", "\u{FEFF}Phone,Name\r\n");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["header.csv: sheet \"header.csv\" has a header row (row 1) but no data rows"],
    );
}

#[test]
fn a_sheet_name_that_does_not_exist() {
    let wd = Workdir::new();
    let book = wd.xlsx_book("book.xlsx", |b| {
        b.add_worksheet()
            .set_name("Customers")?
            .write_string(0, 0, "Phone")?;
        b.add_worksheet()
            .set_name("Notes")?
            .write_string(0, 0, "Info")?;
        Ok(())
    });
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--sheet", "Nope"]),
        &[
            "book.xlsx: there is no sheet \"Nope\"",
            "the sheets are \"Customers\", \"Notes\"",
        ],
    );
}

#[test]
fn a_sheet_number_out_of_range() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--sheet", "5"]),
        &[
            "book.xlsx: there is no sheet \"5\"",
            "the sheets are \"Sheet1\"",
        ],
    );
}

#[test]
fn no_recipient_column_in_a_workbook() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[&["Name", "Tel", "City"], &["Ali", "+9613123456", "Beirut"]],
    );
    let stderr = fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["book.xlsx", "\"Name\", \"Tel\", \"City\""],
    );
    assert!(stderr.contains("--to"), "should suggest --to:\n{stderr}");
}

#[test]
fn no_recipient_column_in_the_chosen_sheet() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Name", "Tel"], &["Ali", "+9613123456"]]);
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--sheet", "1"]),
        &[
            "has no recipient column",
            "the headers are \"Name\", \"Tel\"",
            "--to",
        ],
    );
}

#[test]
fn to_names_a_column_that_does_not_exist() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--to", "Mobile Number"]),
        &[
            "book.xlsx",
            "\"Mobile Number\"",
            "--to",
            "\"Phone\", \"Name\"",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// CSV encodings

#[test]
fn a_latin1_csv() {
    let wd = Workdir::new();
    let book = wd.file("latin.csv", b"Phone,Name\n+9613123456,Ren\xE9\n".as_slice());
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["latin.csv: line 2 is not UTF-8 text", "CSV UTF-8"],
    );
}

#[test]
fn a_utf16_csv() {
    let wd = Workdir::new();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "Phone,Name\r\n+9613123456,علي\r\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let book = wd.file("unicode.csv", bytes);
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &[]),
        &["unicode.csv: the file is UTF-16 text", "CSV UTF-8"],
    );
}

// ---------------------------------------------------------------------------------------------
// The results file

#[test]
fn output_with_an_unknown_extension() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["-o", "result.txt"]),
        &["-o result.txt: the results file must end in .xlsx or .csv"],
    );
}

#[test]
fn output_into_a_folder_that_does_not_exist() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["-o", "missing/out.xlsx"]),
        &["-o missing/out.xlsx: the folder missing does not exist"],
    );
}

#[test]
fn output_onto_the_input_itself() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    let before = std::fs::read(&book).expect("read the input");
    // The input is given as an absolute path, the output as a relative one.
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["-o", "./book.xlsx"]),
        &["-o ./book.xlsx: that is the input workbook"],
    );
    assert_eq!(std::fs::read(&book).expect("read the input"), before);
}

#[test]
fn output_onto_a_folder() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    std::fs::create_dir(wd.path("out.xlsx")).expect("mkdir");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["-o", "out.xlsx"]),
        &["-o out.xlsx: is a folder"],
    );
}

// ---------------------------------------------------------------------------------------------
// Flags

#[test]
fn a_bad_country_code() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--country-code", "abc"]),
        &["--country-code \"abc\": country code must be 1 to 3 digits"],
    );
}

#[test]
fn a_bad_date_format() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        dry_run(&wd, &book, &["--date-format", "%Q"]),
        &["--date-format \"%Q\" is not a valid strftime format"],
    );
}

#[test]
fn an_unclosed_placeholder_in_the_template() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Dear {{Name"]),
        &["template: unclosed placeholder \"{{Name\""],
    );
}

#[test]
fn an_empty_template() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "  "]),
        &["the template is empty"],
    );
}

#[test]
fn a_missing_template_file() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    fails_cleanly(
        &wd,
        wd.dry_run(&book, &["--sender", "OTSMS", "--template-file", "nope.txt"]),
        &["--template-file nope.txt"],
    );
}

#[test]
fn a_template_file_that_is_not_utf8() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    wd.file("latin.txt", b"Ch\xE8re {{Name}}".as_slice());
    fails_cleanly(
        &wd,
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template-file", "latin.txt"],
        ),
        &["--template-file latin.txt: not UTF-8 text"],
    );
}

#[test]
fn template_and_template_file_together() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    wd.file("notice.txt", "Hello {{Name}}");
    let before = wd.listing();
    // clap's own usage error: several lines, but exit code 2 and nothing done.
    let out = wd
        .dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi",
                "--template-file",
                "notice.txt",
            ],
        )
        .output()
        .expect("run smsmerge");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("'--template <TEXT>' cannot be used with '--template-file <PATH>'"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(wd.listing(), before);
}

#[test]
fn max_segments_zero_is_refused() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    let before = wd.listing();
    let out = dry_run(&wd, &book, &["--max-segments", "0"])
        .output()
        .expect("run smsmerge");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: invalid value '0' for '--max-segments <N>'"),
        "{stderr}"
    );
    assert_eq!(wd.listing(), before);
}

#[test]
fn send_without_an_account_names_the_variables_and_simulate() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    let mut cmd = wd.command();
    cmd.arg("send").arg(&book).args(OK_FLAGS).arg("--yes");
    fails_cleanly(
        &wd,
        cmd,
        &[
            "no account",
            "OTSMS_UID",
            "OTSMS_USERNAME",
            "OTSMS_PASSWORD",
            "--simulate",
        ],
    );
}

/// Absurd rates are refused in one short line that shows the rate as typed, whatever its
/// size: `1e-300` would mean no message before the machine is gone.
#[test]
fn absurd_rates_are_refused_in_one_short_line() {
    let wd = Workdir::new();
    let book = good_book(&wd, "book.xlsx");
    for (rate, says) in [
        (
            "1e-300",
            "--rate 1e-300: that is one message every more than a thousand years",
        ),
        ("1e-9", "--rate 1e-9: that is one message every 31.7 years"),
        (
            "0",
            "--rate 0.0: give a number of messages per second above 0",
        ),
        (
            "NaN",
            "--rate NaN: give a number of messages per second above 0",
        ),
        (
            "inf",
            "--rate inf: give a number of messages per second above 0",
        ),
    ] {
        let stderr = fails_cleanly(&wd, dry_run(&wd, &book, &["--rate", rate]), &[says]);
        assert!(stderr.len() < 160, "{stderr}");
    }
}
