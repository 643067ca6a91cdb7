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

/// The error line of a run on `book` that must be refused with exit 2; checks that no reader
/// internals (Rust debug text, record numbers) are in it.
fn refusal(wd: &Workdir, book: &std::path::Path) -> String {
    let stderr = expect_exit(wd.dry_run(book, &["--sender", "OTSMS"]), 2);
    for internal in ["BytesText", "Borrowed", "Text(", "Mismatch", "0x", "{ "] {
        assert!(!stderr.contains(internal), "{internal} in: {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn an_encrypted_ods_is_password_protected_not_damaged() {
    let wd = Workdir::new();
    // LibreOffice keeps the manifest readable and describes the encryption there; the
    // content is ciphertext (here: bytes that are no XML at all).
    let book = ods_with_manifest(
        &wd,
        "locked.ods",
        "\u{1}\u{2}<<not xml",
        r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" manifest:salt="x"/></manifest:encryption-data>"#,
    );
    let stderr = refusal(&wd, &book);
    assert!(
        stderr.contains("locked.ods: the workbook is password-protected"),
        "{stderr}"
    );
}

/// `contacts.xls` with an XOR-obfuscation FILEPASS record right after its first BOF, as
/// Excel writes a file protected by a password in its oldest scheme.
#[test]
fn an_xor_protected_xls_is_password_protected_not_damaged() {
    let wd = Workdir::new();
    let mut xls = std::fs::read("tests/fixtures/contacts.xls").expect("the fixture");
    // The globals substream's BOF starts the workbook stream's first sector.
    let bof = [0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00];
    let at = (512..xls.len())
        .step_by(512)
        .find(|&i| xls[i..].starts_with(&bof))
        .expect("a BOF record");
    let after_bof = at + 4 + 16;
    // INTERFACEHDR, MMS and INTERFACEEND (16 bytes) become FILEPASS (XOR, key and
    // verifier) and INTERFACEHDR: the stream keeps its length.
    assert_eq!(&xls[after_bof..after_bof + 2], &[0xE1, 0x00]);
    let records = [
        0x2F, 0x00, 0x06, 0x00, 0x00, 0x00, 0x34, 0x12, 0x78, 0x56, // FILEPASS, XOR
        0xE1, 0x00, 0x02, 0x00, 0xB0, 0x04, // INTERFACEHDR
    ];
    xls[after_bof..after_bof + records.len()].copy_from_slice(&records);
    let book = wd.file("xor.xls", xls);
    let stderr = refusal(&wd, &book);
    assert!(
        stderr.contains("xor.xls: the workbook is password-protected"),
        "{stderr}"
    );
    // The RC4-encrypted fixture says the same, and the plain one still reads.
    let rc4 = wd.file(
        "rc4.xls",
        std::fs::read("tests/fixtures/encrypted.xls").expect("the fixture"),
    );
    assert!(refusal(&wd, &rc4).contains("password-protected"));
    let plain = wd.file(
        "plain.xls",
        std::fs::read("tests/fixtures/contacts.xls").expect("the fixture"),
    );
    expect_exit(
        wd.dry_run(&plain, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
}

#[test]
fn an_excel_4_workbook_is_named_as_too_old() {
    let wd = Workdir::new();
    // BIFF4: a bare record stream, BOF (0x0409, version 0, worksheet 0x0010), a LABEL, EOF.
    let mut biff = vec![0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00];
    biff.extend([0x04, 0x02, 0x0C, 0x00, 0, 0, 0, 0, 0x0F, 0x00, 0x05, 0x00]);
    biff.extend(b"Phone");
    biff.extend([0x0A, 0x00, 0x00, 0x00]);
    let book = wd.file("old.xls", biff);
    let stderr = refusal(&wd, &book);
    assert!(
        stderr.contains("old.xls: this workbook is in the format of Excel 4.0 or older, which smsmerge cannot read: save it as .xlsx"),
        "{stderr}"
    );
}

#[test]
fn a_damaged_ods_is_explained_without_the_parser_s_words() {
    let wd = Workdir::new();
    // A cell where a row must be: calamine's reader names the event it found.
    let book = ods(
        &wd,
        "odd.ods",
        &format!(
            "<table:table-row>{}<text:p>stray</text:p></table:table-row>",
            text("Phone")
        ),
    );
    let stderr = refusal(&wd, &book);
    assert!(
        stderr.contains("odd.ods: the workbook is damaged or truncated"),
        "{stderr}"
    );
}

/// A KSpread-style ods: every element on its own line, indented, so there is whitespace
/// between the cells of a row. It is valid OpenDocument, and reads like the compact form.
#[test]
fn whitespace_between_ods_cells_is_not_damage() {
    let wd = Workdir::new();
    let rows = [
        row(&[text("Phone"), text("Name")]),
        row(&[text("+9613123456"), text("Rana")]),
    ]
    .concat()
    .replace("<table:table-cell", "\n      <table:table-cell")
    .replace("</table:table-row>", "\n    </table:table-row>")
    .replace("<table:table-row>", "\n    <table:table-row>");
    let book = ods(&wd, "kspread.ods", &rows);
    // The text inside a cell keeps its own spaces.
    let (r, _) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert_eq!(r.column("Message"), ["Hi Rana"]);
    assert_eq!(r.statuses(), ["READY"]);
}

/// LibreOffice keeps what was in cells that a merge covers; a person sees the merged cell
/// only, and so does smsmerge: the covered content is not a row, nor part of one.
#[test]
fn cells_covered_by_a_merge_are_not_rows() {
    let wd = Workdir::new();
    let covered = |s: &str| {
        format!(
            r#"<table:covered-table-cell office:value-type="string"><text:p>{s}</text:p></table:covered-table-cell>"#
        )
    };
    let merged_phone = r#"<table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>+9613123456</text:p></table:table-cell>"#;
    let rows = [
        row(&[text("Phone"), text("Name")]),
        row(&[merged_phone.to_owned(), text("Rana")]),
        // Under the merged phone cell: a covered cell still holding an old number.
        row(&[covered("+9613999999")]),
        row(&[text("+9613123457"), text("Sami")]),
    ]
    .concat();
    let book = ods(&wd, "merged.ods", &rows);
    let (r, _) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert_eq!(r.column("Row"), ["2", "4"]);
    assert_eq!(r.column("Message"), ["Hi Rana", "Hi Sami"]);
}

/// The office layout: a merged title in row 1 ("Customer list, December"), a blank row,
/// then the column titles.
fn titled_book(wd: &Workdir) -> PathBuf {
    wd.xlsx("titled.xlsx", "Customers", |ws| {
        let bold = rust_xlsxwriter::Format::new().set_bold();
        ws.merge_range(0, 0, 0, 2, "Customer list, December", &bold)?;
        for (c, title) in ["Phone", "Name", "City"].iter().enumerate() {
            ws.write_string(2, c as u16, *title)?;
        }
        ws.write_string(3, 0, "+9613123456")?;
        ws.write_string(3, 1, "Rana")?;
        ws.write_string(3, 2, "Beirut")?;
        Ok(())
    })
}

#[test]
fn a_title_row_above_the_header_is_skipped_with_a_note() {
    let wd = Workdir::new();
    let book = titled_book(&wd);
    let (r, stderr) = dry_run(&wd, &book, "Hi {{Name}} in {{City}}", &[]);
    assert_eq!(r.headers[..4], ["Row", "Phone", "Name", "City"]);
    assert_eq!(r.column("Row"), ["4"]);
    assert_eq!(r.column("Message"), ["Hi Rana in Beirut"]);
    assert!(
        stderr.contains(r#"row 1 of sheet "Customers" ("Customer list, December") is a title above the header, skipped; if it is the header, give --header-row 1"#),
        "{stderr}"
    );
}

#[test]
fn header_row_names_the_header_from_the_flag_or_the_config() {
    let wd = Workdir::new();
    // Two lines of notes above the titles: no lone title, so only --header-row finds them.
    let book = wd.xlsx_rows(
        "notes.xlsx",
        &[
            &["Exported", "2026-12-01"],
            &["By", "the CRM"],
            &["Phone", "Name"],
            &["+9613123456", "Rana"],
        ],
    );
    let (r, stderr) = dry_run(&wd, &book, "Hi {{Name}}", &["--header-row", "3"]);
    assert_eq!(r.column("Row"), ["4"]);
    assert_eq!(r.column("Message"), ["Hi Rana"]);
    assert!(!stderr.contains("title"), "{stderr}");
    wd.file("smsmerge.toml", "header_row = 3\n");
    let (r, _) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert_eq!(r.column("Message"), ["Hi Rana"]);
    // Zero is no row.
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--header-row", "0"]),
        2,
    );
    assert!(stderr.contains("--header-row"), "{stderr}");
}

/// An .xlsm as old Excel macros leave it: a worksheet and an Excel 4.0 macro sheet.
#[test]
fn a_macro_sheet_is_skipped_with_a_warning_and_the_other_sheets_read() {
    use std::io::Read;
    let wd = Workdir::new();
    let plain = wd.xlsx_rows(
        "plain.xlsx",
        &[&["Phone", "Name"], &["+9613123456", "Rana"]],
    );
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&plain).expect("open")).expect("a zip");
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).expect("a part");
        let mut data = Vec::new();
        part.read_to_end(&mut data).expect("read a part");
        parts.push((part.name().expect("a part name").into_owned(), data));
    }
    for (name, data) in &mut parts {
        let text = String::from_utf8(data.clone()).unwrap_or_default();
        if name == "xl/workbook.xml" {
            *data = text
                .replace(
                    "</sheets>",
                    r#"<sheet name="Macro1" sheetId="9" r:id="rId99"/></sheets>"#,
                )
                .into_bytes();
        } else if name == "xl/_rels/workbook.xml.rels" {
            *data = text
                .replace("</Relationships>", r#"<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#)
                .into_bytes();
        }
    }
    parts.push((
        "xl/macrosheets/sheet1.xml".to_owned(),
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData/></xm:macrosheet>"#.to_vec(),
    ));
    let entries: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let book = wd.file("macros.xlsm", stored_zip(&entries));
    let (r, stderr) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert_eq!(r.column("Message"), ["Hi Rana"]);
    assert!(
        stderr.contains(r#"macros.xlsm: sheet "Macro1" is an Excel 4.0 macro sheet, which smsmerge cannot read; it is skipped"#),
        "{stderr}"
    );
}

/// `hidden.xlsx`: a title row, the header on row 3, and five customers, of whom rows 5 and
/// 7 are hidden (row 7 repeats row 4's message, which must still go), with a row hidden
/// above the header that is no data row at all.
fn hidden_rows_book(wd: &Workdir) -> PathBuf {
    wd.xlsx("hidden.xlsx", "Customers", |ws| {
        ws.write_string(0, 0, "Customer list")?;
        ws.set_row_hidden(1)?;
        ws.write_string(2, 0, "Phone")?;
        ws.write_string(2, 1, "Name")?;
        for (r, phone, name) in [
            (3, "+9613123456", "Rana"),
            (4, "+9613123457", "Omar"),
            (5, "+9613123458", "Lina"),
            (6, "+9613123456", "Rana"),
            (7, "+9613123459", "Sami"),
        ] {
            ws.write_string(r, 0, phone)?;
            ws.write_string(r, 1, name)?;
        }
        ws.set_row_hidden(4)?;
        ws.set_row_hidden(6)?;
        Ok(())
    })
}

#[test]
fn rows_hidden_in_excel_are_sent_and_the_plan_says_how_many() {
    let wd = Workdir::new();
    let book = hidden_rows_book(&wd);
    let (r, stderr) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert!(
        stderr.contains("2 rows are hidden in Excel and are included"),
        "{stderr}"
    );
    assert_eq!(
        r.statuses(),
        ["READY", "READY", "READY", "DUPLICATE", "READY"]
    );
    // And a simulated send sends them.
    let mut cmd = wd.command();
    cmd.arg("send").arg(&book).args([
        "--sender",
        "OTSMS",
        "--template",
        "Hi {{Name}}",
        "--simulate",
        "--yes",
    ]);
    expect_exit(cmd, 0);
    let sent = Results::read(&wd.simulated_results("hidden"));
    assert_eq!(
        sent.statuses(),
        ["SENT", "SENT", "SENT", "DUPLICATE", "SENT"]
    );
    assert_eq!(sent.text(1, "Name"), "Omar");
}

#[test]
fn skip_hidden_rows_skips_them_before_the_duplicate_check() {
    let wd = Workdir::new();
    let book = hidden_rows_book(&wd);
    let (r, stderr) = dry_run(&wd, &book, "Hi {{Name}}", &["--skip-hidden-rows"]);
    assert!(
        stderr.contains("2 rows are hidden in Excel and are skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("hidden        2"), "{stderr}");
    assert!(!stderr.contains("opted out"), "{stderr}");
    // Rows 5 and 7 of the sheet; row 7 repeats row 4, which is no duplicate of a hidden row.
    assert_eq!(r.column("Row"), ["4", "5", "6", "7", "8"]);
    assert_eq!(
        r.statuses(),
        ["READY", "SKIPPED", "READY", "SKIPPED", "READY"]
    );
    assert_eq!(r.text(1, "Detail"), "hidden in Excel");
    assert_eq!(r.text(3, "Detail"), "hidden in Excel");

    // A hidden first occurrence does not make the visible one a duplicate.
    let book = wd.xlsx("first.xlsx", "Sheet1", |ws| {
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(1, 0, "+9613123456")?;
        ws.write_string(2, 0, "+9613123456")?;
        ws.set_row_hidden(1)?;
        Ok(())
    });
    let (r, _) = dry_run(&wd, &book, "Hello", &["--skip-hidden-rows"]);
    assert_eq!(r.statuses(), ["SKIPPED", "READY"]);
    let (r, _) = dry_run(&wd, &book, "Hello", &[]);
    assert_eq!(r.statuses(), ["READY", "DUPLICATE"]);
}

#[test]
fn skip_hidden_rows_in_the_config_file() {
    let wd = Workdir::new();
    let book = hidden_rows_book(&wd);
    wd.file("smsmerge.toml", "skip_hidden_rows = true\n");
    let (r, _) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert_eq!(
        r.statuses(),
        ["READY", "SKIPPED", "READY", "SKIPPED", "READY"]
    );
}

#[test]
fn ods_collapsed_filtered_and_repeated_rows_are_hidden() {
    let wd = Workdir::new();
    let person = |phone: &str, name: &str| [text(phone), text(name)];
    let hidden_row = |visibility: &str, repeated: u32, cells: &[String]| {
        format!(
            r#"<table:table-row table:visibility="{visibility}" table:number-rows-repeated="{repeated}">{}</table:table-row>"#,
            cells.concat()
        )
    };
    let book = ods(
        &wd,
        "hidden.ods",
        &[
            row(&[text("Phone"), text("Name")]),
            row(&person("+9613123456", "Rana")),
            // Rows 3 and 4: the same person, collapsed twice over.
            hidden_row("collapse", 2, &person("+9613123457", "Omar")),
            row(&person("+9613123458", "Lina")),
            // Row 6, hidden by a filter.
            hidden_row("filter", 1, &person("+9613123459", "Sami")),
            row(&person("+9613123460", "Hadi")),
        ]
        .concat(),
    );
    let (r, stderr) = dry_run(&wd, &book, "Hi {{Name}}", &[]);
    assert!(
        stderr.contains("3 rows are hidden in Excel and are included"),
        "{stderr}"
    );
    assert_eq!(r.column("Row"), ["2", "3", "4", "5", "6", "7"]);
    let (r, _) = dry_run(&wd, &book, "Hi {{Name}}", &["--skip-hidden-rows"]);
    assert_eq!(
        r.statuses(),
        ["READY", "SKIPPED", "SKIPPED", "READY", "SKIPPED", "READY"]
    );
    assert_eq!(r.text(4, "Detail"), "hidden in Excel");
}

#[test]
fn a_workbook_without_hidden_rows_says_nothing_of_them() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("plain.xlsx", &[&["Phone"], &["+9613123456"]]);
    let (r, stderr) = dry_run(&wd, &book, "Hello", &["--skip-hidden-rows"]);
    assert!(!stderr.contains("hidden"), "{stderr}");
    assert_eq!(r.statuses(), ["READY"]);
}

#[test]
fn time_format_shapes_xlsx_times_and_date_times() {
    let wd = Workdir::new();
    let book = wd.xlsx("times.xlsx", "Sheet1", |ws| {
        let time = rust_xlsxwriter::Format::new().set_num_format("hh:mm");
        let stamp = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy hh:mm");
        let day = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(0, 1, "At")?;
        ws.write_string(0, 2, "When")?;
        ws.write_string(0, 3, "Day")?;
        ws.write_string(1, 0, "+9613123456")?;
        // 14:05 and 9 March 2026 14:05, as Excel serials; a plain date.
        ws.write_number_with_format(1, 1, 14.0 / 24.0 + 5.0 / 1440.0, &time)?;
        ws.write_number_with_format(1, 2, 46090.0 + 14.0 / 24.0 + 5.0 / 1440.0, &stamp)?;
        ws.write_number_with_format(1, 3, 46090.0, &day)?;
        Ok(())
    });
    let template = "{{At}} | {{When}} | {{Day}}";
    let (r, _) = dry_run(&wd, &book, template, &[]);
    assert_eq!(
        r.column("Message"),
        ["14:05 | 2026-03-09 14:05 | 2026-03-09"]
    );
    let (r, _) = dry_run(&wd, &book, template, &["--time-format", "%I:%M %p"]);
    assert_eq!(
        r.column("Message"),
        ["02:05 PM | 2026-03-09 02:05 PM | 2026-03-09"]
    );
    let both = ["--time-format", "%H.%M", "--date-format", "%d/%m/%Y"];
    let (r, _) = dry_run(&wd, &book, template, &both);
    assert_eq!(
        r.column("Message"),
        ["14.05 | 09/03/2026 14.05 | 09/03/2026"]
    );
    // From the config file too; a flag beats it.
    wd.file("smsmerge.toml", "time_format = \"%Hh%M\"\n");
    let (r, _) = dry_run(&wd, &book, "{{At}}", &[]);
    assert_eq!(r.column("Message"), ["14h05"]);
    let (r, _) = dry_run(&wd, &book, "{{At}}", &["--time-format", "%H:%M:%S"]);
    assert_eq!(r.column("Message"), ["14:05:00"]);
}

#[test]
fn time_format_shapes_ods_times_and_a_bad_one_is_refused() {
    let wd = Workdir::new();
    let time = r#"<table:table-cell office:value-type="time" office:time-value="PT10H30M00S"><text:p>10:30</text:p></table:table-cell>"#;
    let book = ods(
        &wd,
        "times.ods",
        &[
            row(&[text("Phone"), text("At")]),
            row(&[text("+9613123456"), time.to_owned()]),
        ]
        .concat(),
    );
    let (r, _) = dry_run(
        &wd,
        &book,
        "See you at {{At}}",
        &["--time-format", "%-I:%M %P"],
    );
    assert_eq!(r.column("Message"), ["See you at 10:30 am"]);
    let stderr = expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--time-format", "%d/%m %H:%M"],
        ),
        2,
    );
    assert!(
        stderr.contains("--time-format \"%d/%m %H:%M\" is not a valid strftime format"),
        "{stderr}"
    );
    wd.file("smsmerge.toml", "time_format = \"%Q\"\n");
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 2);
    assert!(
        stderr.contains("time_format in the config file"),
        "{stderr}"
    );
}
