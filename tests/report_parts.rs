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
