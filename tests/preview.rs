//! `smsmerge preview`: the first rendered messages as a table on stdout and
//! the plan's totals, read and planned exactly as `send` does, without the network, without
//! an account and without writing a file.
//!
//! Stdout is a pipe here, so the table is the fixed 100 columns wide and has no colours: the
//! snapshot (tests/snapshots/) is the same on every machine.

mod common;

use common::Workdir;
use rust_xlsxwriter::XlsxError;
use std::path::{Path, PathBuf};
use std::process::Output;
use unicode_width::UnicodeWidthChar;

/// A line's width as a terminal draws it: a cell for each character that takes one
/// (wcwidth). unicode-width's own measure of a whole string counts some letter pairs (the
/// Arabic lam-alef) as one column, terminals as two.
fn drawn(line: &str) -> usize {
    line.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The lines of the table (its borders and rows) in a preview's output.
fn table_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .collect()
}

/// English and Arabic rows, placeholders, a long message, an invalid and a duplicate row:
/// twelve rows, two more than a preview shows by default.
fn campaign(wd: &Workdir) -> PathBuf {
    let en = "Dear {{Name}}, your order {{Order}} is ready.";
    let ar = "عزيزي {{Name}}، طلبك {{Order}} جاهز للاستلام.";
    let long = "Dear {{Name}}, this is a long notice about order {{Order}}. "
        .repeat(8)
        .trim_end()
        .to_owned();
    let rows: [[&str; 4]; 12] = [
        ["03 123 456", "Rana", "A-1001", en],
        ["+961 70 123 456", "سامي", "A-1002", ar],
        ["12345", "Omar", "A-1003", en],
        ["03 123 456", "Rana", "A-1001", en],
        ["+961 71 222 333", "", "A-1005", en],
        ["+961 76 444 555", "Lina", "A-1006", &long],
        ["+961 3 111 222", "فاطمة الزهراء", "A-1007", ar],
        [
            "+961 81 555 666",
            "Ziad",
            "A-1008",
            "{{Name}}, code {{Cod}}",
        ],
        ["+961 3 777 888", "Hala", "A-1009", "Hi {{Name}} 😀"],
        ["+961 3 777 999", "Nour", "A-1010", en],
        ["+961 3 888 000", "Karim", "A-1011", en],
        ["+961 3 888 111", "Maya", "A-1012", en],
    ];
    wd.xlsx("campaign.xlsx", "Customers", |ws| {
        for (c, h) in ["Phone", "Name", "Order", "Message"].iter().enumerate() {
            ws.write_string(0, c as u16, *h)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, *cell)?;
                }
            }
        }
        Ok::<(), XlsxError>(())
    })
}

const PLAN: [&str; 4] = ["--sender", "OTSMS", "--country-code", "961"];

/// `smsmerge preview BOOK --sender OTSMS --country-code 961 ARGS...`, run to its end.
fn preview(wd: &Workdir, book: impl AsRef<Path>, args: &[&str]) -> Output {
    wd.command()
        .arg("preview")
        .arg(book.as_ref())
        .args(PLAN)
        .args(args)
        .output()
        .expect("run smsmerge preview")
}

#[test]
fn preview_of_an_english_and_arabic_workbook() {
    let wd = Workdir::new();
    campaign(&wd);
    let out = preview(&wd, "campaign.xlsx", &[]);
    // Rows are INVALID, so like a dry run it exits 1.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("english_and_arabic", stdout);
}

/// Every line of the table is as wide on screen as the others, Arabic and emoji lines
/// included, and no wider than the fixed width: columns are sized by display width.
#[test]
fn table_lines_have_one_display_width() {
    let wd = Workdir::new();
    campaign(&wd);
    let out = preview(&wd, "campaign.xlsx", &["-n", "12"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let table = table_lines(&stdout);
    assert!(table.iter().any(|l| l.contains("سامي")), "{stdout}");
    assert!(table.iter().any(|l| l.contains('😀')), "{stdout}");
    let widths: Vec<usize> = table.iter().map(|l| drawn(l)).collect();
    assert!(
        widths.iter().all(|w| *w == widths[0]),
        "{widths:?}\n{stdout}"
    );
    assert!(widths[0] <= 100, "{}", widths[0]);
    assert!(
        !stdout.contains("first 12"),
        "all twelve are shown: {stdout}"
    );
}

#[test]
fn rows_chooses_how_many_and_the_totals_count_them_all() {
    let wd = Workdir::new();
    campaign(&wd);
    let out = preview(&wd, "campaign.xlsx", &["--rows", "2"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("first 2 of 12 rows shown"), "{stdout}");
    assert!(
        stdout.contains("12 rows read from campaign.xlsx"),
        "{stdout}"
    );
    assert!(!stdout.contains("│   4 ┆"), "row 4 is not shown: {stdout}");

    let out = preview(&wd, "campaign.xlsx", &["-n", "0"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('│'), "no table: {stdout}");
    assert!(stdout.contains("first 0 of 12 rows shown"), "{stdout}");
    assert!(stdout.contains("invalid       3"), "{stdout}");
}

#[test]
fn a_workbook_without_problems_exits_0() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "ok.xlsx",
        &[&["Phone", "Message"], &["+961 3 123 456", "Hello"]],
    );
    let out = preview(&wd, &book, &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn a_preview_needs_no_sender() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "ok.xlsx",
        &[&["Phone", "Message"], &["+961 3 123 456", "Hello"]],
    );
    let out = wd
        .command()
        .args(["preview", "ok.xlsx", "--country-code", "961"])
        .output()
        .expect("run smsmerge preview");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout.contains("READY"), "{stdout}");
    assert!(
        stdout.contains("sender        (none: a real send needs --sender or a sender column)"),
        "{stdout}"
    );
    assert!(book.is_file());
}

/// A cell cannot drive the terminal: escape sequences and other control characters are
/// shown as symbols, never written.
#[test]
fn control_characters_in_a_message_are_not_written_to_the_terminal() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "hostile.xlsx",
        &[
            &["Phone", "Message"],
            &["+961 3 123 456", "Hi\u{1b}[2J\u{1b}]0;owned\u{7}\tthere"],
        ],
    );
    let out = preview(&wd, &book, &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout:?}"
    );
    assert!(stdout.contains("Hi␛[2J␛]0;owned␇␉there"), "{stdout}");
}

/// Never the network, never the account: the gateway named is a listener of the test's that
/// must see no connection, the config names an account whose password file does not exist
/// (so reading it would fail), the environment holds no credentials, and the options that
/// only concern sending are accepted and ignored. Nothing is written either.
#[test]
fn preview_never_connects_needs_no_account_and_writes_nothing() {
    let wd = Workdir::new();
    campaign(&wd);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    wd.file(
        "smsmerge.toml",
        "uid = \"1\"\nusername = \"u\"\npassword_file = \"no-such-password-file\"\nsender = \"OTSMS\"\ncountry_code = \"961\"\n",
    );
    let before = wd.listing();
    let out = wd
        .command()
        .args(["preview", "campaign.xlsx", "--base-url", &url])
        .args(["--yes", "-j", "4", "--rate", "5", "--limit", "1"])
        .args(["--retries", "0", "--fresh", "--ignore-balance"])
        .args(["-o", "elsewhere.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("9613123456"), "{stdout}");
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("preview connected to the gateway: {other:?}"),
    }
    assert_eq!(wd.listing(), before, "preview wrote a file");

    // The same with --simulate and --dry-run: accepted, nothing started, nothing written.
    let out = wd
        .command()
        .args(["preview", "campaign.xlsx", "--simulate", "--dry-run", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(wd.listing(), before, "preview wrote a file");
}

/// A workbook or an option that `send` refuses, `preview` refuses with the same one line and
/// exit 2, whether `send` was a dry run or a real (simulated) send.
#[test]
fn a_bad_book_gives_the_same_one_line_error_as_send() {
    let wd = Workdir::new();
    campaign(&wd);
    wd.file("garbage.xlsx", "this is not a workbook");
    let no_phone = wd.xlsx_rows(
        "no_phone.xlsx",
        &[&["Name", "Tel"], &["Rana", "03 123 456"]],
    );
    let no_phone = no_phone.file_name().unwrap().to_str().unwrap().to_owned();
    let cases: [&[&str]; 6] = [
        &["missing.xlsx", "--sender", "OTSMS"],
        &["garbage.xlsx", "--sender", "OTSMS"],
        &[&no_phone, "--sender", "OTSMS"],
        &["campaign.xlsx", "--sender", "OTSMS", "--sheet", "March"],
        &[
            "campaign.xlsx",
            "--sender",
            "OTSMS",
            "--template",
            "Hi {{Nmae}}",
        ],
        &[
            "campaign.xlsx",
            "--sender",
            "OTSMS",
            "--country-code",
            "abc",
        ],
    ];
    for args in cases {
        let preview = wd.command().arg("preview").args(args).output().unwrap();
        assert_eq!(preview.status.code(), Some(2), "{args:?}: {preview:?}");
        assert!(preview.stdout.is_empty(), "{args:?}: {preview:?}");
        let error = String::from_utf8(preview.stderr).unwrap();
        assert_eq!(error.lines().count(), 1, "{args:?}: {error}");
        assert!(error.starts_with("smsmerge: error: "), "{error}");
        for send_mode in [&["--dry-run"][..], &["--simulate", "--yes"]] {
            let send = wd
                .command()
                .arg("send")
                .args(args)
                .args(send_mode)
                .output()
                .unwrap();
            assert_eq!(send.status.code(), Some(2), "{args:?}: {send:?}");
            assert_eq!(
                String::from_utf8(send.stderr).unwrap(),
                error,
                "{args:?} {send_mode:?}"
            );
        }
    }
}

#[test]
fn help_shows_the_planning_options_not_the_sending_ones() {
    let wd = Workdir::new();
    let out = wd.command().args(["preview", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for shown in [
        "--rows",
        "--sender",
        "--template",
        "--country-code",
        "--config",
    ] {
        assert!(help.contains(shown), "{shown} missing:\n{help}");
    }
    for hidden in ["--retries", "--rate", "--yes", "--simulate", "--output"] {
        assert!(!help.contains(hidden), "{hidden} shown:\n{help}");
    }
}

/// `init`'s Arabic example has lam-alef (`للاستلام`): at 80 and 100 columns, every line of
/// the table is as wide as a terminal draws the others, so no border is pushed to the next
/// line. (The table shows each lam-alef with a zero-width joiner, which draws as nothing.)
#[test]
fn init_s_arabic_example_lines_up_at_80_and_100_columns() {
    use clap::Parser;
    use smsmerge::plan::outcome::{Outcomes, Totals};
    let wd = Workdir::new();
    let mut init = wd.command();
    init.args(["init", "campaign"]);
    common::expect_exit(init, 0);
    let book = wd.path("campaign/recipients.xlsx");
    let config = wd.path("campaign/smsmerge.toml");
    let cli = smsmerge::cli::args::Cli::parse_from([
        "smsmerge".as_ref(),
        "send".as_ref(),
        book.as_os_str(),
        "--dry-run".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
    ]);
    let smsmerge::cli::args::Command::Send(args) = cli.command else {
        panic!("a send command line");
    };
    let settings = smsmerge::cli::settings::SendSettings::from_args(&args).unwrap();
    let (table, plan) = smsmerge::cli::send::read_and_plan(&settings).unwrap();
    let totals = Totals::new(&plan, Outcomes::Planned);
    for width in [80u16, 100] {
        let text = smsmerge::cli::preview::render(&table, &plan, &totals, 10, width);
        let lines = table_lines(&text);
        assert!(lines.iter().any(|l| l.contains("ل\u{200d}ا")), "{text}");
        let widths: Vec<usize> = lines.iter().map(|l| drawn(l)).collect();
        assert!(
            widths.iter().all(|w| *w == widths[0]),
            "at {width}: {widths:?}\n{text}"
        );
        assert!(widths[0] <= usize::from(width), "at {width}: {}", widths[0]);
    }
}
