//! Reading real files that rust_xlsxwriter cannot make: Excel 97-2003 .xls, .ods, .xlsm,
//! .xlsb, encrypted workbooks, the 1904 date system, and files whose extension lies about
//! their content. The fixtures are small committed files in tests/fixtures (README.md there
//! says how each was made); every test copies its fixture into a Workdir of its own, so
//! tests/fixtures is never written to.

mod common;

use calamine::{Data, DataType};
use chrono::NaiveDate;
use common::{Results, Workdir};
use std::path::{Path, PathBuf};

const TEMPLATE: &str = "Hi {{Name}}, {{Amount}} due {{Due}}";

/// The options every run uses.
const ARGS: &[&str] = &[
    "--sender",
    "OTSMS",
    "--country-code",
    "961",
    "--template",
    TEMPLATE,
];

/// What smsmerge says about the phone `123` with `--country-code 961`.
const DETAIL_123: &str =
    "123 is too short: 3 digits, but a number with its country code has 8 to 15";

/// One row of the Results sheet as the contacts fixtures must give it.
struct Expected {
    row: u32,
    status: &'static str,
    detail: &'static str,
    recipient: &'static str,
    message: &'static str,
    encoding: &'static str,
    segments: u32,
    /// The original Phone cell: a number stays a number, text stays text.
    phone: Data,
    due: NaiveDate,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// Every contacts fixture (and date1904.xlsx) holds the same sheet "Contacts": the header in
/// row 1, three rows, and a blank row 4 that must not appear in the results.
fn contacts_expected() -> Vec<Expected> {
    vec![
        Expected {
            row: 2,
            status: "READY",
            detail: "",
            recipient: "9613123456",
            message: "Hi أحمد, 12.5 due 2026-12-05",
            encoding: "UCS-2",
            segments: 1,
            phone: Data::Float(9_613_123_456.0),
            due: date(2026, 12, 5),
        },
        Expected {
            row: 3,
            status: "READY",
            detail: "",
            recipient: "96170123456",
            message: "Hi Rana, 40 due 2027-01-31",
            encoding: "GSM-7",
            segments: 1,
            phone: Data::String("+961 70 123 456".into()),
            due: date(2027, 1, 31),
        },
        Expected {
            row: 5,
            status: "INVALID",
            detail: DETAIL_123,
            recipient: "",
            message: "Hi Sami, 7.25 due 2026-12-05",
            encoding: "GSM-7",
            segments: 1,
            phone: Data::String("123".into()),
            due: date(2026, 12, 5),
        },
    ]
}

/// The committed fixture `name`.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// Copies fixture `name` into the Workdir as `as_name`.
fn copy_fixture(wd: &Workdir, name: &str, as_name: &str) -> PathBuf {
    let to = wd.path(as_name);
    std::fs::copy(fixture(name), &to)
        .unwrap_or_else(|e| panic!("copy fixture {name} to {}: {e}", to.display()));
    to
}

/// The file names in the Workdir, sorted.
fn files_in(wd: &Workdir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(wd.path(""))
        .expect("list the work folder")
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The default results path: `<input stem>.results.xlsx` beside the input.
fn results_name(input: &str) -> String {
    let stem = Path::new(input)
        .file_stem()
        .expect("a file stem")
        .to_string_lossy();
    format!("{stem}.results.xlsx")
}

/// Runs the dry run on fixture `name` copied as `as_name` and checks every row of the
/// results, the Summary counts, and that the input was left as it was.
fn check_contacts(name: &str, as_name: &str) {
    let wd = Workdir::new();
    let input = copy_fixture(&wd, name, as_name);
    let before = std::fs::read(&input).expect("read the input");
    let out = wd.dry_run(&input, ARGS).output().expect("run smsmerge");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{as_name}: one INVALID row means exit 1; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("3 rows read") && stderr.contains("(sheet \"Contacts\")"),
        "{as_name}: the plan names the rows and the sheet; stderr:\n{stderr}"
    );
    assert_eq!(
        std::fs::read(&input).expect("read the input again"),
        before,
        "{as_name}: the input is never modified"
    );
    let results_path = wd.path(&results_name(as_name));
    assert_eq!(
        files_in(&wd),
        {
            let mut v = vec![as_name.to_owned(), results_name(as_name)];
            v.sort();
            v
        },
        "{as_name}: the input and its results, no temporary file left"
    );

    let results = Results::read(&results_path);
    let expected = contacts_expected();
    assert_eq!(
        results.headers,
        [
            "Row",
            "Phone",
            "Name",
            "Amount",
            "Due",
            "Status",
            "Detail",
            "Recipient",
            "Message",
            "Encoding",
            "Segments",
            "Attempts",
            "Sent At",
            "Gateway Reference",
            "Note"
        ],
        "{as_name}: result columns"
    );
    assert_eq!(
        results.rows.len(),
        expected.len(),
        "{as_name}: one result per non-blank row, statuses {:?}",
        results.statuses()
    );
    for (i, want) in expected.iter().enumerate() {
        let at = format!("{as_name}, results row {i} (sheet row {})", want.row);
        assert_eq!(
            results.cell(i, "Row"),
            &Data::Float(want.row.into()),
            "{at}: Row"
        );
        assert_eq!(results.status(i), want.status, "{at}: Status");
        assert_eq!(results.text(i, "Detail"), want.detail, "{at}: Detail");
        assert_eq!(
            results.text(i, "Recipient"),
            want.recipient,
            "{at}: Recipient"
        );
        assert_eq!(results.text(i, "Message"), want.message, "{at}: Message");
        assert_eq!(results.text(i, "Encoding"), want.encoding, "{at}: Encoding");
        assert_eq!(
            results.cell(i, "Segments"),
            &Data::Float(want.segments.into()),
            "{at}: Segments"
        );
        assert_eq!(
            results.cell(i, "Phone"),
            &want.phone,
            "{at}: Phone keeps its type"
        );
        let due = results.cell(i, "Due");
        assert!(
            matches!(due, Data::DateTime(_)),
            "{at}: Due stays a date cell, got {due:?}"
        );
        assert_eq!(
            due.as_datetime().map(|d| d.date()),
            Some(want.due),
            "{at}: Due"
        );
    }
    for (label, want) in [("Rows", 3.0), ("READY", 2.0), ("INVALID", 1.0)] {
        assert_eq!(
            results.summary_value(label),
            Data::Float(want),
            "{as_name}: Summary {label}"
        );
    }
    assert_eq!(
        results.summary_value("Sheet"),
        Data::String("Contacts".into()),
        "{as_name}: Summary sheet"
    );
}

/// Runs the dry run on an encrypted fixture copied as `as_name`: exit 2, one error line that
/// says the workbook is password-protected, nothing written.
fn check_encrypted(name: &str, as_name: &str) {
    let wd = Workdir::new();
    let input = copy_fixture(&wd, name, as_name);
    let out = wd.dry_run(&input, ARGS).output().expect("run smsmerge");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{as_name}: stderr:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{as_name}: one line, got:\n{stderr}");
    let line = lines[0];
    assert!(
        line.starts_with("smsmerge: error: ") && line.contains(as_name),
        "{as_name}: an error naming the file, got: {line}"
    );
    assert!(
        line.contains("password-protected"),
        "{as_name}: says why, got: {line}"
    );
    assert!(
        out.stdout.is_empty(),
        "{as_name}: nothing on stdout, got {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        files_in(&wd),
        [as_name],
        "{as_name}: no results file, no temporary file"
    );
}

#[test]
fn xlsx_made_by_openpyxl_with_inline_strings() {
    check_contacts("contacts.xlsx", "contacts.xlsx");
}

#[test]
fn xlsm_saved_by_libreoffice_with_shared_strings() {
    check_contacts("contacts.xlsm", "contacts.xlsm");
}

#[test]
fn xls_excel_97_2003() {
    check_contacts("contacts.xls", "contacts.xls");
}

#[test]
fn ods_opendocument() {
    check_contacts("contacts.ods", "contacts.ods");
}

#[test]
fn xlsb_with_full_cell_records_as_excel_writes_them() {
    check_contacts("contacts.xlsb", "contacts.xlsb");
}

#[test]
fn date1904_workbook_renders_the_same_dates() {
    check_contacts("date1904.xlsx", "date1904.xlsx");
}

#[test]
fn xls_named_xlsx_is_read_by_its_content() {
    check_contacts("contacts.xls", "wrong.xlsx");
}

#[test]
fn xlsx_named_xls_is_read_by_its_content() {
    check_contacts("contacts.xlsx", "wrong.xls");
}

#[test]
fn xlsx_without_extension_is_read_by_its_content() {
    check_contacts("contacts.xlsx", "contacts");
}

#[test]
fn xls_named_csv_is_read_as_a_workbook() {
    check_contacts("contacts.xls", "contacts.csv");
}

#[test]
fn encrypted_xlsx_is_refused_in_one_line() {
    check_encrypted("encrypted.xlsx", "encrypted.xlsx");
}

#[test]
fn encrypted_xls_is_refused_in_one_line() {
    check_encrypted("encrypted.xls", "encrypted.xls");
}

#[test]
fn encrypted_workbooks_are_refused_whatever_their_extension() {
    check_encrypted("encrypted.xlsx", "secret.xls");
    check_encrypted("encrypted.xls", "secret.xlsx");
    check_encrypted("encrypted.xlsx", "secret.ods");
}

#[test]
#[ignore = "calamine 0.38 limitation, not ours:'s xlsb reader skips BrtShort* cell records (SheetJS output), so only column A is read"]
fn xlsb_with_short_cell_records_as_sheetjs_writes_them() {
    check_contacts("sheetjs.xlsb", "sheetjs.xlsb");
}

#[test]
fn zip_workbooks_with_the_wrong_extension_are_read_by_their_content() {
    // Runs every case before failing, so the report lists all that do not work.
    let cases = [
        ("contacts.ods", "ods-named.xlsx"),
        ("contacts.xlsx", "xlsx-named.ods"),
        ("contacts.xlsb", "xlsb-named.xlsx"),
        ("contacts.xlsx", "xlsx-named.xlsb"),
        ("contacts.ods", "ods-without-extension"),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(name, as_name)| {
            std::panic::catch_unwind(|| check_contacts(name, as_name))
                .err()
                .map(|_| format!("{name} as {as_name}"))
        })
        .collect();
    assert!(failures.is_empty(), "not read: {failures:?}");
}
