//! Workbooks as other programs write them (LibreOffice, KSpread, Google Sheets, old Excel),
//! each made here by the test in the smallest form that shows the case: ISO date and time
//! cells, whitespace between ods cells, cells covered by a merge, encrypted and pre-1997
//! files, and long numbers.

mod common;

use common::{Results, Workdir, expect_exit, stored_zip};
use std::path::PathBuf;

/// An ods of one sheet, `Sheet1`, whose `<table:table>` holds exactly `rows` (the
/// `<table:table-row>` elements, and any text between them).
fn ods(wd: &Workdir, name: &str, rows: &str) -> PathBuf {
    ods_with_manifest(wd, name, rows, "")
}

/// Like [`ods`], with `entry_extra` inside content.xml's manifest entry (an encryption).
fn ods_with_manifest(wd: &Workdir, name: &str, rows: &str, entry_extra: &str) -> PathBuf {
    const MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="{MIME}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{entry_extra}</manifest:file-entry></manifest:manifest>"#
    );
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let bytes = stored_zip(&[
        ("mimetype", MIME.as_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content.as_bytes()),
    ]);
    wd.file(name, bytes)
}

/// An ods text cell.
fn text(s: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
    )
}

/// A row of cells.
fn row(cells: &[String]) -> String {
    format!("<table:table-row>{}</table:table-row>", cells.concat())
}

/// A dry run of `book` with `template` for its messages; returns the results and stderr.
fn dry_run(
    wd: &Workdir,
    book: &std::path::Path,
    template: &str,
    args: &[&str],
) -> (Results, String) {
    let mut all = vec!["--sender", "OTSMS", "--template", template];
    all.extend(args);
    let stderr = expect_exit(wd.dry_run(book, &all), 0);
    let stem = book
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("a file stem");
    (
        Results::read(&wd.path(&format!("{stem}.results.xlsx"))),
        stderr,
    )
}

#[test]
fn iso_date_cells_with_milliseconds_and_zones_follow_date_format() {
    let wd = Workdir::new();
    let book = wd.raw_xlsx(
        "dates.xlsx",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c><c r="B1" t="inlineStr"><is><t>Due</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>+9613123456</t></is></c><c r="B2" t="d"><v>2014-02-14T08:27:48.765Z</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>+9613123457</t></is></c><c r="B3" t="d"><v>2014-02-15T09:00:00+03:00</v></c></row>"#,
    );
    let (r, _) = dry_run(&wd, &book, "Due {{Due}}", &[]);
    assert_eq!(
        r.column("Message"),
        ["Due 2014-02-14 08:27", "Due 2014-02-15 09:00"]
    );
    let (r, _) = dry_run(&wd, &book, "Due {{Due}}", &["--date-format", "%d/%m/%Y"]);
    assert_eq!(r.column("Message"), ["Due 14/02/2014", "Due 15/02/2014"]);
    // And the results keep them as dates.
    assert!(
        matches!(r.cell(0, "Due"), calamine::Data::DateTime(_)),
        "{:?}",
        r.cell(0, "Due")
    );
}

#[test]
fn ods_time_cells_read_as_times_not_iso_durations() {
    let wd = Workdir::new();
    let time = r#"<table:table-cell office:value-type="time" office:time-value="PT10H30M00S"><text:p>10:30</text:p></table:table-cell>"#;
    let book = ods(
        &wd,
        "times.ods",
        &[
            row(&[text("Phone"), text("Name"), text("At")]),
            row(&[text("+9613123456"), text("Rana"), time.to_owned()]),
        ]
        .concat(),
    );
    let (r, _) = dry_run(&wd, &book, "Hi {{Name}}, see you at {{At}}", &[]);
    assert_eq!(r.column("Message"), ["Hi Rana, see you at 10:30"]);
}

#[test]
fn whole_numbers_print_to_15_significant_digits() {
    let wd = Workdir::new();
    let book = wd.xlsx("long.xlsx", "Sheet1", |ws| {
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(0, 1, "Code")?;
        ws.write_string(1, 0, "+9613123456")?;
        ws.write_number(1, 1, 12345678901234567890.0)?;
        Ok(())
    });
    let (r, _) = dry_run(&wd, &book, "Code {{Code}}", &[]);
    assert_eq!(r.column("Message"), ["Code 12345678901234600000"]);
}
