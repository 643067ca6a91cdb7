//! The results workbook as Excel sees it, read back part by part from its zip: the Results
//! sheet is an Excel table over every row, the Summary sheet has a chart of the status counts
//! and the table of messages and segments per encoding.

mod common;

use calamine::Data;
use common::{Results, Workdir};
use std::io::Read;
use std::path::Path;

/// The statuses in the order of the Summary's status table, and so of the chart's bars.
const STATUSES: [&str; 8] = [
    "READY",
    "SENT",
    "FAILED",
    "UNCERTAIN",
    "INVALID",
    "DUPLICATE",
    "SKIPPED",
    "NOT SENT",
];

/// The text of one part of a results workbook; fails the test if it is missing.
fn part(results: &Path, name: &str) -> String {
    let file = std::fs::File::open(results).expect("open the results");
    let mut zip = zip::ZipArchive::new(file).expect("the results are a zip archive");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name} in {}: {e}", results.display()))
        .read_to_string(&mut text)
        .expect("a part is UTF-8");
    text
}

/// Every value of an XML attribute, in document order (the parts are written by one library
/// with plain `name="value"` attributes, so no XML parser is needed).
fn attributes<'a>(xml: &'a str, element: &str, attribute: &str) -> Vec<&'a str> {
    let start = format!("<{element} ");
    let key = format!(" {attribute}=\"");
    xml.match_indices(&start)
        .filter_map(|(at, _)| {
            let tag = &xml[at..at + xml[at..].find('>')?];
            let value = &tag[tag.find(&key)? + key.len()..];
            Some(&value[..value.find('"')?])
        })
        .collect()
}

/// The texts of `<c:f>` (a chart's cell ranges) and of `<c:v>` (its cached values).
fn chart_elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|s| s.split(&close).next())
        .collect()
}

/// A workbook with GSM-7 and UCS-2 messages (one of them two segments long), an invalid
/// number and a duplicate.
fn mixed_book(wd: &Workdir) -> std::path::PathBuf {
    let long = "a".repeat(161);
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Text"],
            &["+9613123456", "short"],
            &["+9613123457", &long],
            &["+9613123458", "مرحبا"],
            &["12", "bad number"],
            &["+9613123456", "short"],
            &["+9613123459", "أهلا وسهلا"],
        ],
    )
}

/// Checks the Results table and the Summary chart of a results workbook whose statuses are
/// `statuses` (row by row), and returns the Summary read back.
fn check_parts(results: &Path, statuses: &[&str]) -> Results {
    let r = Results::read(results);
    assert_eq!(r.statuses(), statuses);

    // The Results sheet is one table over the header and every row, with a style and its own
    // filter buttons (the sheet has none of its own, which Excel would refuse).
    let table = part(results, "xl/tables/table1.xml");
    let last_col = char::from(b'A' + (r.headers.len() - 1) as u8);
    let range = format!("A1:{last_col}{}", statuses.len() + 1);
    assert_eq!(attributes(&table, "table", "ref"), [range.as_str()]);
    assert_eq!(attributes(&table, "autoFilter", "ref"), [range.as_str()]);
    assert_eq!(
        attributes(&table, "tableStyleInfo", "name"),
        ["TableStyleMedium2"]
    );
    assert_eq!(attributes(&table, "tableColumn", "name"), r.headers);
    let sheet = part(results, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<tableParts count=\"1\">"), "{sheet}");
    assert!(
        !sheet.contains("<autoFilter"),
        "a sheet filter besides the table's"
    );

    // The chart draws the Summary's status table: names from column A, counts from B.
    let summary_row = |label: &str| {
        1 + r
            .summary
            .iter()
            .position(|row| row.first().map(|c| c.to_string()).as_deref() == Some(label))
            .unwrap_or_else(|| panic!("{label} in the Summary"))
    };
    let (first, last) = (summary_row(STATUSES[0]), summary_row(STATUSES[7]));
    let chart = part(results, "xl/charts/chart1.xml");
    assert!(chart.contains("<c:barChart>"), "a column chart: {chart}");
    assert!(chart.contains("<c:barDir val=\"col\"/>"), "{chart}");
    assert_eq!(
        chart_elements(&chart, "c:f"),
        [
            format!("Summary!$A${first}:$A${last}"),
            format!("Summary!$B${first}:$B${last}")
        ]
    );
    // The values Excel shows before it recalculates: the series name, the statuses in order,
    // then the count of each.
    let counts: Vec<String> = STATUSES
        .iter()
        .map(|s| statuses.iter().filter(|t| *t == s).count().to_string())
        .collect();
    let mut cached = vec!["Rows".to_owned()];
    cached.extend(STATUSES.iter().map(|s| s.to_string()));
    cached.extend(counts);
    assert_eq!(chart_elements(&chart, "c:v"), cached);
    let drawing_rels = part(results, "xl/worksheets/_rels/sheet2.xml.rels");
    assert!(
        drawing_rels.contains("../drawings/drawing1.xml"),
        "the chart is on the Summary"
    );
    r
}

/// The Summary's segment table for [`mixed_book`], the same whether its messages are READY
/// or SENT: two GSM-7 messages in three segments, two UCS-2 messages in two.
fn check_mixed_book_segments(r: &Results) {
    let f = Data::Float;
    let s = |t: &str| Data::String(t.into());
    assert_eq!(
        r.summary_row("Encoding"),
        [s("Encoding"), s("Messages"), s("Segments")]
    );
    assert_eq!(r.summary_row("GSM-7"), [s("GSM-7"), f(2.0), f(3.0)]);
    assert_eq!(r.summary_row("UCS-2"), [s("UCS-2"), f(2.0), f(2.0)]);
    assert_eq!(r.summary_row("Total"), [s("Total"), f(4.0), f(5.0)]);
}

#[test]
fn dry_run_results_have_a_table_a_status_chart_and_segments_by_encoding() {
    let wd = Workdir::new();
    let book = mixed_book(&wd);
    wd.dry_run(&book, &["--sender", "OTSMS", "--template", "{{Text}}"])
        .assert()
        .code(1);
    let r = check_parts(
        &wd.path("book.results.xlsx"),
        &["READY", "READY", "READY", "INVALID", "DUPLICATE", "READY"],
    );
    check_mixed_book_segments(&r);
}

#[test]
fn sent_results_have_a_table_a_status_chart_and_segments_by_encoding() {
    let wd = Workdir::new();
    let book = mixed_book(&wd);
    wd.command()
        .arg("send")
        .arg(&book)
        .args(["--sender", "OTSMS", "--template", "{{Text}}"])
        .args(["--simulate", "--yes", "--quiet"])
        .assert()
        .code(1);
    let r = check_parts(
        &wd.simulated_results("book"),
        &["SENT", "SENT", "SENT", "INVALID", "DUPLICATE", "SENT"],
    );
    check_mixed_book_segments(&r);
}

#[test]
fn a_one_row_book_still_makes_a_table() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[&["Phone", "Text"], &["+9613123456", "short"]],
    );
    wd.dry_run(&book, &["--sender", "OTSMS", "--template", "{{Text}}"])
        .assert()
        .success();
    check_parts(&wd.path("book.results.xlsx"), &["READY"]);
}

/// Excel requires a table's column names to be unique ignoring case, on one line, and equal
/// to the header cells; input headers need none of that.
#[test]
fn table_columns_are_unique_one_line_names_shown_in_the_header() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "NAME", "Due\nDate", "name2"],
            &["+9613123456", "Ali", "ALI", "soon", "x"],
        ],
    );
    wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"])
        .assert()
        .success();
    let r = check_parts(&wd.path("book.results.xlsx"), &["READY"]);
    assert_eq!(
        r.headers[..6],
        ["Row", "Phone", "Name", "NAME2", "Due Date", "name22"]
    );
}

/// The names a table needs stay in the workbook: CSV keeps the input's titles as they are.
#[test]
fn csv_results_keep_the_input_titles() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "NAME", "Due\nDate"],
            &["+9613123456", "Ali", "ALI", "soon"],
        ],
    );
    wd.dry_run(
        &book,
        &[
            "--sender",
            "OTSMS",
            "--template",
            "Hi {{Name}}",
            "-o",
            "out.csv",
        ],
    )
    .assert()
    .success();
    let csv = std::fs::read_to_string(wd.path("out.csv")).expect("the CSV results");
    assert!(
        csv.starts_with("\u{FEFF}Row,Phone,Name,NAME,\"Due\nDate\",Status,"),
        "{csv}"
    );
}

/// The cell format (`<xf>` of `cellXfs`) of the first cell `reference` (`A1`) in a sheet part.
fn cell_format<'a>(sheet: &str, styles: &'a str, reference: &str) -> &'a str {
    let at = sheet
        .find(&format!("<c r=\"{reference}\""))
        .unwrap_or_else(|| panic!("cell {reference}"));
    let cell = &sheet[at..at + sheet[at..].find('>').expect("a closed tag")];
    let index: usize = attributes(&format!("{cell}>"), "c", "s")
        .first()
        .map_or(0, |s| s.parse().expect("a style index"));
    let xfs = &styles[styles.find("<cellXfs").expect("cellXfs")..];
    let xfs = &xfs[..xfs.find("</cellXfs>").expect("cellXfs closed")];
    let starts: Vec<usize> = xfs.match_indices("<xf ").map(|(i, _)| i).collect();
    let start = starts[index];
    let end = starts.get(index + 1).copied().unwrap_or(xfs.len());
    &xfs[start..end]
}

/// The `n`th (0-based) element `<element ...>...` of `xml`'s `section` (`fonts`, `fills`).
fn nth_in<'a>(xml: &'a str, section: &str, element: &str, n: usize) -> &'a str {
    let part = &xml[xml.find(&format!("<{section}")).expect("the section")..];
    let part = &part[..part.find(&format!("</{section}>")).expect("closed")];
    part.split(&format!("<{element}>"))
        .skip(1)
        .nth(n)
        .unwrap_or_else(|| panic!("{element} {n} of {section}"))
}

/// Printed, the results are a report (landscape, one page wide, the header on every page),
/// and opened in a program that ignores Excel's table styles they still read well: the
/// header is bold and filled, long and many-line texts wrap in rows tall enough, booleans
/// say TRUE/FALSE, Sent At is a date-time and durations have at most three decimals.
#[test]
fn results_print_as_a_report_and_read_well_without_the_table_style() {
    let wd = Workdir::new();
    let sim = common::SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(0, 1, "Message")?;
        ws.write_string(0, 2, "VIP")?;
        ws.write_string(1, 0, "+9613123456")?;
        ws.write_string(1, 1, "Dear Rana,\nyour order is ready.\nThank you - Shop")?;
        ws.write_boolean(1, 2, true)?;
        ws.write_string(2, 0, "+9613123457")?;
        ws.write_string(2, 1, "short")?;
        ws.write_boolean(2, 2, false)?;
        ws.write_string(3, 0, "12")?;
        ws.write_string(3, 1, "a bad number")?;
        Ok(())
    });
    let out = wd
        .send_to(&book, &sim.url, &["--json", "--quiet"])
        .output()
        .expect("run smsmerge");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let results = wd.path("book.results.xlsx");
    let sheet = part(&results, "xl/worksheets/sheet1.xml");
    let summary = part(&results, "xl/worksheets/sheet2.xml");
    let styles = part(&results, "xl/styles.xml");
    let workbook = part(&results, "xl/workbook.xml");

    for (name, xml) in [("Results", &sheet), ("Summary", &summary)] {
        assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}");
        assert_eq!(
            attributes(xml, "pageSetup", "orientation"),
            ["landscape"],
            "{name}"
        );
        assert_eq!(attributes(xml, "pageSetup", "fitToHeight"), ["0"], "{name}");
        assert_eq!(attributes(xml, "pageSetup", "paperSize"), ["9"], "{name}");
    }
    assert!(
        workbook.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">Results!$1:$1</definedName>"),
        "{workbook}"
    );
    assert!(sheet.contains("<printOptions gridLines=\"1\"/>"), "{sheet}");

    // The header's look is the cells' own format: a bold font and a solid fill.
    let header = cell_format(&sheet, &styles, "A1");
    let font: usize = attributes(header, "xf", "fontId")[0].parse().unwrap();
    let fill: usize = attributes(header, "xf", "fillId")[0].parse().unwrap();
    assert!(
        nth_in(&styles, "fonts", "font", font).contains("<b/>"),
        "{header}"
    );
    assert!(
        nth_in(&styles, "fills", "fill", fill).contains("patternType=\"solid\""),
        "{header}"
    );

    // Columns: Row, Phone, Message (input), VIP, then ours: Status is E, Detail F, Message H.
    let r = Results::read(&results);
    assert_eq!(r.headers[2], "Message (input)");
    for (column, reference) in [
        ("Message (input)", "C2"),
        ("Message", "H2"),
        ("Detail", "F4"),
    ] {
        assert!(
            cell_format(&sheet, &styles, reference).contains("wrapText=\"1\""),
            "{column} wraps"
        );
    }
    // Every line of the three-line message shows: its row is three lines tall.
    let row_tag = |n: u32| -> Vec<&str> {
        sheet
            .match_indices(&format!("<row r=\"{n}\""))
            .map(|(at, _)| &sheet[at..at + sheet[at..].find('>').expect("a closed tag")])
            .collect()
    };
    assert_eq!(row_tag(2).len(), 1);
    assert!(
        row_tag(2)[0].contains(" ht=\"45\" customHeight=\"1\""),
        "{sheet}"
    );
    assert!(
        !row_tag(3)[0].contains(" ht="),
        "a one-line row keeps its height"
    );
    assert_eq!(row_tag(4).len(), 1, "the last row is written once: {sheet}");

    // Booleans show TRUE/FALSE even where the cell's own type is not honoured.
    assert_eq!(r.cell(0, "VIP"), &Data::Bool(true));
    let numbers = &styles[..styles.find("</numFmts>").expect("number formats")];
    let boolean = cell_format(&sheet, &styles, "D2");
    let id = attributes(boolean, "xf", "numFmtId")[0];
    assert!(
        numbers.contains(&format!(
            "<numFmt numFmtId=\"{id}\" formatCode=\"&quot;TRUE&quot;;&quot;TRUE&quot;;&quot;FALSE&quot;\"/>"
        )),
        "{numbers}"
    );

    // Sent At is a date-time cell, in the zone the Summary names.
    assert!(
        matches!(r.cell(0, "Sent At"), Data::DateTime(_)),
        "{:?}",
        r.cell(0, "Sent At")
    );
    assert!(!r.date_time(1, "Sent At").is_empty());
    let zone = r.summary_value("Sent At is in").to_string();
    assert!(
        zone.starts_with("UTC+") || zone.starts_with("UTC-"),
        "{zone}"
    );

    // Durations: at most three decimals, in the Summary and in --json.
    let millis = |seconds: f64| (seconds * 1000.0 - (seconds * 1000.0).round()).abs() < 1e-6;
    for label in ["Duration (s)", "Sending time (s)"] {
        let Data::Float(seconds) = r.summary_value(label) else {
            panic!("{label}: {:?}", r.summary_value(label));
        };
        assert!(millis(seconds), "{label} {seconds}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--json prints one object");
    for key in ["duration_seconds", "sending_seconds"] {
        let text = json[key].to_string();
        let decimals = text.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 3, "{key} {text}");
    }
}
