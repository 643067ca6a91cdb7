//! `smsmerge send BOOK --dry-run` end to end: workbooks generated here, the real binary run on
//! them, the results workbook read back with calamine, and every row's Status, Detail,
//! Recipient, Message, Encoding and Segments checked exactly.

mod common;

use calamine::Data;
use chrono::{NaiveDate, NaiveDateTime};
use common::{OURS, Results, Workdir, expect_exit};
use rust_xlsxwriter::{Format, Formula, Workbook, Worksheet, XlsxError};
use std::path::{Path, PathBuf};

/// The results header expected for these input columns.
fn header(original: &[&str]) -> Vec<String> {
    std::iter::once("Row")
        .chain(original.iter().copied())
        .chain(OURS)
        .map(str::to_owned)
        .collect()
}

/// Asserts the whole results table, restricted to `columns`, row by row.
#[track_caller]
fn assert_table(results: &Results, columns: &[&str], expected: &[&[&str]]) {
    let actual: Vec<Vec<String>> = (0..results.rows.len())
        .map(|r| columns.iter().map(|c| results.text(r, c)).collect())
        .collect();
    let expected: Vec<Vec<String>> = expected
        .iter()
        .map(|row| row.iter().map(|s| (*s).to_owned()).collect())
        .collect();
    assert_eq!(actual, expected, "columns {columns:?}");
}

/// Status, Recipient, Message, Encoding, Segments: the columns most tests check.
const MAIN: [&str; 6] = [
    "Row",
    "Status",
    "Recipient",
    "Message",
    "Encoding",
    "Segments",
];

/// Writes a header row and then rows of text (an empty string leaves the cell empty).
fn text_rows(ws: &mut Worksheet, rows: &[&[&str]]) -> Result<(), XlsxError> {
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, *cell)?;
            }
        }
    }
    Ok(())
}

fn results_of(wd: &Workdir, stem: &str) -> Results {
    let path = wd.path(&format!("{stem}.results.xlsx"));
    assert!(path.is_file(), "{} was not written", path.display());
    Results::read(&path)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn date_time(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).expect("a time")
}

/// Normalized stderr lines: runs of spaces collapsed, so the plan's alignment does not matter.
fn plan_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Numbers

#[test]
fn numbers_in_every_written_form_are_normalized() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(0, 1, "Name")?;
        let texts = [
            "+961 3 123457",
            "00961-3-123458",
            "+961 (3) 123.459",
            "03 123 460",
            "03-123-461",
            "(03) 123.462",
            "٠٣ ١٢٣ ٤٦٣",
            "+٩٦١ ٣ ١٢٣٤٦٤",
            "96171123465",
        ];
        ws.write_number(1, 0, 9613123456.0)?;
        for (i, t) in texts.iter().enumerate() {
            ws.write_string(i as u32 + 2, 0, *t)?;
        }
        ws.write_number(11, 0, 96171123466.0)?;
        for r in 1..=11 {
            ws.write_string(r, 1, format!("N{r}"))?;
        }
        Ok(())
    });
    let stderr = expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--country-code",
                "961",
                "--template",
                "Hi {{Name}}",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.headers, header(&["Phone", "Name"]));
    assert_table(
        &r,
        &MAIN,
        &[
            &["2", "READY", "9613123456", "Hi N1", "GSM-7", "1"],
            &["3", "READY", "9613123457", "Hi N2", "GSM-7", "1"],
            &["4", "READY", "9613123458", "Hi N3", "GSM-7", "1"],
            &["5", "READY", "9613123459", "Hi N4", "GSM-7", "1"],
            &["6", "READY", "9613123460", "Hi N5", "GSM-7", "1"],
            &["7", "READY", "9613123461", "Hi N6", "GSM-7", "1"],
            &["8", "READY", "9613123462", "Hi N7", "GSM-7", "1"],
            &["9", "READY", "9613123463", "Hi N8", "GSM-7", "1"],
            &["10", "READY", "9613123464", "Hi N9", "GSM-7", "1"],
            &["11", "READY", "96171123465", "Hi N10", "GSM-7", "1"],
            &["12", "READY", "96171123466", "Hi N11", "GSM-7", "1"],
        ],
    );
    // A number stored as a number is written back as a number, the recipient as text.
    assert_eq!(r.cell(0, "Phone"), &Data::Float(9613123456.0));
    assert_eq!(r.cell(0, "Recipient"), &Data::String("9613123456".into()));
    // READY rows have no Detail, and a dry run never fills the sending columns.
    for c in ["Detail", "Attempts", "Sent At", "Gateway Reference"] {
        assert_eq!(r.column(c), vec![""; 11], "column {c}");
    }
    assert!(stderr.contains("11 rows read"), "{stderr}");
}

#[test]
fn without_country_code_national_numbers_are_invalid_and_international_ones_ready() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(ws, &[&["Phone", "Name"]])?;
        ws.write_string(1, 0, "03 123 456")?;
        ws.write_number(2, 0, 9613123456.0)?;
        ws.write_string(3, 0, "9613123457")?;
        ws.write_string(4, 0, "+961 3 123458")?;
        for r in 1..=4 {
            ws.write_string(r, 1, "Ali")?;
        }
        Ok(())
    });
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Status", "Recipient", "Detail"],
        &[
            &[
                "INVALID",
                "",
                "national number 03123456 (starts with 0) needs a country code (use --country-code)",
            ],
            &["READY", "9613123456", ""],
            &["READY", "9613123457", ""],
            &["READY", "9613123458", ""],
        ],
    );
}

#[test]
fn country_code_completes_a_national_number() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["03 123 456", "Ali"],
            &["+44 7400 123456", "Sam"],
        ],
    );
    for code in ["961", "+961", "00961"] {
        expect_exit(
            wd.dry_run(
                &book,
                &[
                    "--sender",
                    "OTSMS",
                    "--country-code",
                    code,
                    "--template",
                    "Hi {{Name}}",
                ],
            ),
            0,
        );
        // A number with its own country code keeps it.
        assert_table(
            &results_of(&wd, "book"),
            &MAIN,
            &[
                &["2", "READY", "9613123456", "Hi Ali", "GSM-7", "1"],
                &["3", "READY", "447400123456", "Hi Sam", "GSM-7", "1"],
            ],
        );
    }
}

#[test]
fn bad_numbers_are_invalid_and_say_why() {
    let wd = Workdir::new();
    let cases: &[(&str, &str)] = &[
        ("+961 12", "96112 is too short: 5 digits"),
        (
            "+961 3 123 456 789 012 34",
            "961312345678901234 is too long: 18 digits",
        ),
        (
            "call 03 123 456",
            "'call 03 123 456' contains letters ('call')",
        ),
        ("", "no recipient number"),
        (
            "9.61312E+09",
            "'9.61312E+09' lost its digits to scientific notation",
        ),
        (
            "03123456 / 71123456",
            "'03123456 / 71123456' holds more than one number",
        ),
        ("+961 3 123#456", "contains '#'"),
        ("+0961 3 123456", "starts with 0 after the + or 00"),
    ];
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(ws, &[&["Phone", "Name"]])?;
        let mut r = 1;
        for (raw, _) in cases {
            if !raw.is_empty() {
                ws.write_string(r, 0, *raw)?;
            }
            ws.write_string(r, 1, format!("N{r}"))?;
            r += 1;
        }
        // A numeric cell that is no number read as national or as international.
        ws.write_number(r, 0, 74472972.0)?;
        ws.write_string(r, 1, "Num")?;
        // A boolean is no phone number.
        ws.write_boolean(r + 1, 0, true)?;
        ws.write_string(r + 1, 1, "Bool")?;
        Ok(())
    });
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--country-code",
                "961",
                "--template",
                "Hi {{Name}}",
            ],
        ),
        1,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.rows.len(), cases.len() + 2);
    let mut expected: Vec<&str> = cases.iter().map(|(_, why)| *why).collect();
    expected.push("74472972 is no valid number as +96174472972 or as +74472972");
    expected.push("\"Phone\" holds \"TRUE\", which is not a phone number");
    let mut names: Vec<String> = (1..=cases.len()).map(|n| format!("Hi N{n}")).collect();
    names.extend(["Hi Num".to_owned(), "Hi Bool".to_owned()]);
    for (i, why) in expected.iter().enumerate() {
        assert_eq!(r.status(i), "INVALID", "row {i}");
        let detail = r.text(i, "Detail");
        assert!(detail.contains(why), "row {i}: {detail:?} lacks {why:?}");
        // The bad number is the only problem; the message was still rendered.
        assert_eq!(r.text(i, "Recipient"), "", "row {i}");
        assert_eq!(r.text(i, "Message"), names[i], "row {i}");
        assert_eq!(r.text(i, "Encoding"), "GSM-7", "row {i}");
        assert_eq!(r.text(i, "Segments"), "1", "row {i}");
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// A sheet with a value of every kind, in one row (and a second row with other numbers).
fn values_book(wd: &Workdir) -> PathBuf {
    wd.xlsx("values.xlsx", "Sheet1", |ws| {
        let date_format = Format::new().set_num_format("d mmm yyyy");
        let date_time_format = Format::new().set_num_format("dd/mm/yyyy hh:mm");
        text_rows(
            ws,
            &[&[
                "Phone", "Name", "Due", "When", "Amount", "Price", "Ratio", "Paid", "Late",
            ]],
        )?;
        for (r, (name, amount, price, ratio)) in
            [("Ali", 1234567.0, 12.5, 0.75), ("Sam", 42.0, -3.0, 0.001)]
                .into_iter()
                .enumerate()
        {
            let r = r as u32 + 1;
            ws.write_number(r, 0, 9613123456.0 + f64::from(r))?;
            ws.write_string(r, 1, name)?;
            ws.write_datetime_with_format(r, 2, date(2026, 3, 9), &date_format)?;
            ws.write_datetime_with_format(r, 3, date_time(2026, 3, 9, 14, 5), &date_time_format)?;
            ws.write_number(r, 4, amount)?;
            ws.write_number(r, 5, price)?;
            ws.write_number(r, 6, ratio)?;
            ws.write_boolean(r, 7, true)?;
            ws.write_boolean(r, 8, false)?;
        }
        Ok(())
    })
}

const VALUES_TEMPLATE: &str =
    "{{Name}}: due {{Due}} at {{When}}; {{Amount}} / {{Price}} / {{Ratio}}; {{Paid}} {{Late}}";

#[test]
fn values_print_as_a_person_reads_them() {
    let wd = Workdir::new();
    let book = values_book(&wd);
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", VALUES_TEMPLATE]),
        0,
    );
    let r = results_of(&wd, "values");
    assert_table(
        &r,
        &MAIN,
        &[
            &[
                "2",
                "READY",
                "9613123457",
                "Ali: due 2026-03-09 at 2026-03-09 14:05; 1234567 / 12.5 / 0.75; TRUE FALSE",
                "GSM-7",
                "1",
            ],
            &[
                "3",
                "READY",
                "9613123458",
                "Sam: due 2026-03-09 at 2026-03-09 14:05; 42 / -3 / 0.001; TRUE FALSE",
                "GSM-7",
                "1",
            ],
        ],
    );
}

#[test]
fn date_format_flag_overrides_dates_and_date_times() {
    let wd = Workdir::new();
    let book = values_book(&wd);
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--date-format",
                "%d/%m/%Y",
                "--template",
                VALUES_TEMPLATE,
            ],
        ),
        0,
    );
    let r = results_of(&wd, "values");
    assert_eq!(
        r.text(0, "Message"),
        "Ali: due 09/03/2026 at 09/03/2026; 1234567 / 12.5 / 0.75; TRUE FALSE"
    );
}

#[test]
fn original_columns_keep_their_type_in_the_results() {
    let wd = Workdir::new();
    let book = values_book(&wd);
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", VALUES_TEMPLATE]),
        0,
    );
    let r = results_of(&wd, "values");
    assert_eq!(
        r.headers,
        header(&[
            "Phone", "Name", "Due", "When", "Amount", "Price", "Ratio", "Paid", "Late"
        ])
    );
    assert_eq!(r.cell(0, "Row"), &Data::Float(2.0));
    assert_eq!(r.cell(0, "Phone"), &Data::Float(9613123457.0));
    assert_eq!(r.cell(0, "Name"), &Data::String("Ali".into()));
    assert_eq!(r.cell(0, "Amount"), &Data::Float(1234567.0));
    assert_eq!(r.cell(0, "Price"), &Data::Float(12.5));
    assert_eq!(r.cell(0, "Ratio"), &Data::Float(0.75));
    assert_eq!(r.cell(0, "Paid"), &Data::Bool(true));
    assert_eq!(r.cell(0, "Late"), &Data::Bool(false));
    match r.cell(0, "Due") {
        Data::DateTime(dt) => {
            assert_eq!(dt.as_datetime(), Some(date_time(2026, 3, 9, 0, 0)));
        }
        other => panic!("Due reads back as {other:?}, not a date"),
    }
    match r.cell(0, "When") {
        Data::DateTime(dt) => {
            assert_eq!(dt.as_datetime(), Some(date_time(2026, 3, 9, 14, 5)));
        }
        other => panic!("When reads back as {other:?}, not a date-time"),
    }
    assert_eq!(r.cell(0, "Segments"), &Data::Float(1.0));
    assert_eq!(r.cell(1, "Price"), &Data::Float(-3.0));
}

// ---------------------------------------------------------------------------------------------
// Formulas

#[test]
fn formula_error_values_make_the_row_invalid() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(
            ws,
            &[
                &["Phone", "Name", "Total"],
                &["+9613123456", "Ali"],
                &["", "Sam", "5"],
            ],
        )?;
        ws.write_formula(1, 2, Formula::new("=NA()").set_result("#N/A"))?;
        ws.write_formula(2, 0, Formula::new("=1/0").set_result("#DIV/0!"))?;
        Ok(())
    });
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "{{Name}} owes {{Total|0}}",
            ],
        ),
        1,
    );
    assert_table(
        &results_of(&wd, "book"),
        &["Status", "Detail", "Recipient", "Message"],
        &[
            &[
                "INVALID",
                "\"Total\" holds the error #N/A",
                "9613123456",
                "",
            ],
            &[
                "INVALID",
                "\"Phone\" holds the error #DIV/0!",
                "",
                "Sam owes 5",
            ],
        ],
    );
}

#[test]
fn formula_cells_render_their_cached_value() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(
            ws,
            &[
                &["Phone", "First", "Last", "Full", "Total"],
                &["", "Ali", "Hassan"],
            ],
        )?;
        ws.write_formula(1, 0, Formula::new("=9613123456").set_result("9613123456"))?;
        ws.write_formula(1, 3, Formula::new("=B2&\" \"&C2").set_result("Ali Hassan"))?;
        ws.write_formula(1, 4, Formula::new("=2*625").set_result("1250"))?;
        Ok(())
    });
    expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template", "{{Full}} owes {{Total}}"],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &MAIN,
        &[&[
            "2",
            "READY",
            "9613123456",
            "Ali Hassan owes 1250",
            "GSM-7",
            "1",
        ]],
    );
    assert_eq!(r.cell(0, "Total"), &Data::Float(1250.0));
}

/// rust_xlsxwriter writes `<v></v>` for a formula when the default result is "".
fn formula_book_with_empty_results(wd: &Workdir) -> PathBuf {
    wd.xlsx("book.xlsx", "Sheet1", |ws| {
        ws.set_formula_result_default("");
        text_rows(
            ws,
            &[
                &["Phone", "Name", "Total"],
                &["+9613123456", "Ali"],
                &["+9613123457", "Sam"],
            ],
        )?;
        ws.write_formula(1, 2, Formula::new("=SUM(D2:D9)"))?;
        ws.write_formula(2, 2, Formula::new("=2+3").set_result("5"))?;
        Ok(())
    })
}

#[test]
fn formula_with_an_empty_cached_result_counts_as_empty() {
    let wd = Workdir::new();
    let book = formula_book_with_empty_results(&wd);
    expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template", "{{Name}} owes {{Total}}"],
        ),
        1,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Status", "Recipient", "Message", "Detail"],
        &[
            &[
                "INVALID",
                "9613123456",
                "",
                "\"Total\" is empty (use {{Total|fallback}} to allow that)",
            ],
            &["READY", "9613123457", "Sam owes 5", ""],
        ],
    );

    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "{{Name}} owes {{Total|nothing}}",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Status", "Message"],
        &[&["READY", "Ali owes nothing"], &["READY", "Sam owes 5"]],
    );
}

/// A workbook as some generators write it: a formula with no `<v>` at all.
fn formula_book_without_cached_values(wd: &Workdir) -> PathBuf {
    wd.raw_xlsx(
        "book.xlsx",
        concat!(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c>"#,
            r#"<c r="B1" t="inlineStr"><is><t>Name</t></is></c>"#,
            r#"<c r="C1" t="inlineStr"><is><t>Total</t></is></c></row>"#,
            r#"<row r="2"><c r="A2"><v>9613123456</v></c>"#,
            r#"<c r="B2" t="inlineStr"><is><t>Ali</t></is></c>"#,
            r#"<c r="C2"><f>SUM(D2:D9)</f></c></row>"#,
            r#"<row r="3"><c r="A3"><v>9613123457</v></c>"#,
            r#"<c r="B3" t="inlineStr"><is><t>Sam</t></is></c>"#,
            r#"<c r="C3"><f>1+1</f><v>2</v></c></row>"#,
        ),
    )
}

#[test]
fn formula_without_a_cached_value_counts_as_empty() {
    let wd = Workdir::new();
    let book = formula_book_without_cached_values(&wd);
    expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template", "{{Name}} owes {{Total}}"],
        ),
        1,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Row", "Status", "Recipient", "Message", "Detail"],
        &[
            &[
                "2",
                "INVALID",
                "9613123456",
                "",
                "\"Total\" is empty (use {{Total|fallback}} to allow that)",
            ],
            &["3", "READY", "9613123457", "Sam owes 2", ""],
        ],
    );

    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "{{Name}} owes {{Total|0}}",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.column("Message"), ["Ali owes 0", "Sam owes 2"]);
}

// ---------------------------------------------------------------------------------------------
// Headers and rows

#[test]
fn arabic_headers_with_to_flag() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "عملاء", |ws| {
        text_rows(
            ws,
            &[
                &["الاسم", "الهاتف"],
                &["علي", "+961 3 123456"],
                &["Sam", "+961 3 123457"],
            ],
        )?;
        ws.write_string(0, 2, "المبلغ")?;
        ws.write_number(1, 2, 150.0)?;
        ws.write_number(2, 2, 20.5)?;
        Ok(())
    });
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--to",
                "الهاتف",
                "--template",
                "مرحبا {{الاسم}}، المبلغ {{ المبلغ }}",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.headers, header(&["الاسم", "الهاتف", "المبلغ"]));
    assert_table(
        &r,
        &MAIN,
        &[
            &[
                "2",
                "READY",
                "9613123456",
                "مرحبا علي، المبلغ 150",
                "UCS-2",
                "1",
            ],
            &[
                "3",
                "READY",
                "9613123457",
                "مرحبا Sam، المبلغ 20.5",
                "UCS-2",
                "1",
            ],
        ],
    );
    assert_eq!(r.summary_value("Sheet"), Data::String("عملاء".into()));
}

#[test]
fn headers_match_case_and_outer_spaces() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &[" First Name ", "  PHONE ", "Due Date"],
            &["Rana", "+9613123456", "soon"],
        ],
    );
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi {{first name}}, due {{DUE DATE}}.",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.headers, header(&["First Name", "PHONE", "Due Date"]));
    assert_table(
        &r,
        &MAIN,
        &[&[
            "2",
            "READY",
            "9613123456",
            "Hi Rana, due soon.",
            "GSM-7",
            "1",
        ]],
    );
}

#[test]
fn cell_values_are_inserted_literally_never_expanded() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "message"],
            &[
                "+9613123456",
                "{{Phone}} {x}",
                "Hi {{Name}}, {not a placeholder}",
            ],
        ],
    );
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert_eq!(
        results_of(&wd, "book").column("Message"),
        ["Hi {{Phone}} {x}, {not a placeholder}"]
    );
}

#[test]
fn blank_rows_are_ignored_and_row_numbers_are_the_spreadsheet_ones() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        // Rows 1 and 2 are empty; the header is on row 3.
        ws.write_string(2, 0, "Phone")?;
        ws.write_string(2, 1, "Name")?;
        ws.write_string(3, 0, "+9613123456")?;
        ws.write_string(3, 1, "Ali")?;
        // Row 5 empty.
        ws.write_string(5, 0, "+9613123457")?;
        ws.write_string(5, 1, "Sam")?;
        // Row 7: only spaces; row 8: a formatted blank cell.
        ws.write_string(6, 1, "   ")?;
        ws.write_blank(7, 0, &Format::new().set_bold())?;
        ws.write_string(8, 0, "+9613123458")?;
        ws.write_string(8, 1, "Rana")?;
        // Row 10: a row with only a name is not empty: it is reported.
        ws.write_string(9, 1, "Zed")?;
        Ok(())
    });
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Row", "Status", "Recipient", "Message", "Detail"],
        &[
            &["4", "READY", "9613123456", "Hi Ali", ""],
            &["6", "READY", "9613123457", "Hi Sam", ""],
            &["9", "READY", "9613123458", "Hi Rana", ""],
            &["10", "INVALID", "", "Hi Zed", "no recipient number"],
        ],
    );
    assert_eq!(r.summary_value("Rows"), Data::Float(4.0));
}

#[test]
fn input_columns_named_like_ours_are_kept_and_renamed() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Row", "Phone", "status", "Name"],
            &["first", "+9613123456", "VIP", "Ali"],
        ],
    );
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi {{Name}} ({{status}})",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(
        r.headers,
        header(&["Row (input)", "Phone", "status (input)", "Name"])
    );
    assert_table(
        &r,
        &["Row", "Row (input)", "status (input)", "Status", "Message"],
        &[&["2", "first", "VIP", "READY", "Hi Ali (VIP)"]],
    );
}

// ---------------------------------------------------------------------------------------------
// Duplicates

fn duplicates_book(wd: &Workdir) -> PathBuf {
    wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(
            ws,
            &[
                &["Phone", "Name"],
                &["+961 3 123456", "Ali"],
                &["009613123456", "Ali"],
                &["+961 3 123456", "Sam"],
                &["", "Ali"],
            ],
        )?;
        ws.write_number(4, 0, 9613123456.0)?;
        Ok(())
    })
}

#[test]
fn duplicates_point_at_the_first_row_and_do_not_fail_the_run() {
    let wd = Workdir::new();
    let book = duplicates_book(&wd);
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        0,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &[
            "Row",
            "Status",
            "Detail",
            "Recipient",
            "Message",
            "Encoding",
            "Segments",
        ],
        &[
            &["2", "READY", "", "9613123456", "Hi Ali", "GSM-7", "1"],
            &[
                "3",
                "DUPLICATE",
                "same recipient and message as row 2",
                "9613123456",
                "Hi Ali",
                "GSM-7",
                "1",
            ],
            &["4", "READY", "", "9613123456", "Hi Sam", "GSM-7", "1"],
            &[
                "5",
                "DUPLICATE",
                "same recipient and message as row 2",
                "9613123456",
                "Hi Ali",
                "GSM-7",
                "1",
            ],
        ],
    );
    assert_eq!(r.summary_value("READY"), Data::Float(2.0));
    assert_eq!(r.summary_value("DUPLICATE"), Data::Float(2.0));
    assert!(
        plan_lines(&stderr).contains(&"duplicates 2".to_owned()),
        "{stderr}"
    );
}

#[test]
fn allow_duplicates_keeps_every_row_ready() {
    let wd = Workdir::new();
    let book = duplicates_book(&wd);
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi {{Name}}",
                "--allow-duplicates",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.statuses(), ["READY"; 4]);
    assert_eq!(r.column("Detail"), [""; 4]);
    assert_eq!(r.summary_value("DUPLICATE"), Data::Float(0.0));
}

#[test]
fn invalid_rows_fail_the_run_even_with_duplicates() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["+9613123456", "Ali"],
            &["12", "Sam"],
        ],
    );
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    assert_eq!(
        results_of(&wd, "book").statuses(),
        ["READY", "DUPLICATE", "INVALID"]
    );
}

// ---------------------------------------------------------------------------------------------
// Missing values

fn missing_values_book(wd: &Workdir) -> PathBuf {
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["+9613123457", ""],
            &["+9613123458", "   "],
        ],
    )
}

#[test]
fn an_empty_cell_without_fallback_makes_the_row_invalid() {
    let wd = Workdir::new();
    let book = missing_values_book(&wd);
    expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template", "Dear {{Name}}, hi"],
        ),
        1,
    );
    let why = "\"Name\" is empty (use {{Name|fallback}} to allow that)";
    assert_table(
        &results_of(&wd, "book"),
        &[
            "Row",
            "Status",
            "Detail",
            "Recipient",
            "Message",
            "Encoding",
            "Segments",
        ],
        &[
            &["2", "READY", "", "9613123456", "Dear Ali, hi", "GSM-7", "1"],
            &["3", "INVALID", why, "9613123457", "", "", ""],
            &["4", "INVALID", why, "9613123458", "", "", ""],
        ],
    );
}

#[test]
fn a_fallback_fills_empty_cells() {
    let wd = Workdir::new();
    let book = missing_values_book(&wd);
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Dear {{Name|friend}}, hi",
            ],
        ),
        0,
    );
    assert_table(
        &results_of(&wd, "book"),
        &MAIN,
        &[
            &["2", "READY", "9613123456", "Dear Ali, hi", "GSM-7", "1"],
            &["3", "READY", "9613123457", "Dear friend, hi", "GSM-7", "1"],
            &["4", "READY", "9613123458", "Dear friend, hi", "GSM-7", "1"],
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Templates

#[test]
fn per_row_templates_come_from_the_message_column() {
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(
            ws,
            &[
                &["Phone", "Name", "Message"],
                &["", "Ali", "Hi {{Name}}"],
                &["", "علي", "مرحبا {{Name}}"],
                &["", "Rana", "Your number is {{phone}}"],
                &["", "Sam", ""],
            ],
        )?;
        for r in 1..=4 {
            ws.write_number(r, 0, 9613123455.0 + f64::from(r))?;
        }
        Ok(())
    });
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 1);
    let r = results_of(&wd, "book");
    // The input's own "Message" column is kept and renamed so ours stays unambiguous.
    assert_eq!(r.headers, header(&["Phone", "Name", "Message (input)"]));
    assert_table(
        &r,
        &MAIN,
        &[
            &["2", "READY", "9613123456", "Hi Ali", "GSM-7", "1"],
            &["3", "READY", "9613123457", "مرحبا علي", "UCS-2", "1"],
            &[
                "4",
                "READY",
                "9613123458",
                "Your number is 9613123458",
                "GSM-7",
                "1",
            ],
            &["5", "INVALID", "9613123459", "", "", ""],
        ],
    );
    assert_eq!(r.text(3, "Detail"), "no message: \"Message\" is empty");
    assert_eq!(r.text(0, "Message (input)"), "Hi {{Name}}");
}

#[test]
fn message_column_flag_names_the_template_column() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Text"],
            &["+9613123456", "Ali", "Hello {{Name}}"],
        ],
    );
    // Without the flag there is no "message" column: nothing is done.
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 2);
    assert!(stderr.contains("--message-column"), "{stderr}");
    assert!(stderr.contains("\"Phone\", \"Name\", \"Text\""), "{stderr}");
    assert_eq!(wd.listing(), ["book.xlsx"]);

    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--message-column", "text"]),
        0,
    );
    assert_table(
        &results_of(&wd, "book"),
        &MAIN,
        &[&["2", "READY", "9613123456", "Hello Ali", "GSM-7", "1"]],
    );
}

#[test]
fn a_global_template_is_used_for_every_row_even_with_a_message_column() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "message"],
            &["+9613123456", "Ali", "Row template {{Name}}"],
            &["+9613123457", "Sam", ""],
        ],
    );
    expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template", "Global {{Name}}"],
        ),
        0,
    );
    assert_eq!(
        results_of(&wd, "book").column("Message"),
        ["Global Ali", "Global Sam"]
    );
}

#[test]
fn template_file_loses_its_bom_and_final_newline() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Phone", "Name"], &["+9613123456", "Ali"]]);
    wd.file(
        "notice.txt",
        "\u{FEFF}Hello {{Name}},\nsee you on Monday.\n".as_bytes(),
    );
    expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template-file", "notice.txt"],
        ),
        0,
    );
    assert_table(
        &results_of(&wd, "book"),
        &MAIN,
        &[&[
            "2",
            "READY",
            "9613123456",
            "Hello Ali,\nsee you on Monday.",
            "GSM-7",
            "1",
        ]],
    );

    wd.file("crlf.txt", "\u{FEFF}Hi {{Name}}\r\n".as_bytes());
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template-file", "crlf.txt"]),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.text(0, "Message"), "Hi Ali");
    assert_eq!(r.text(0, "Encoding"), "GSM-7");
}

#[test]
fn unknown_column_in_a_global_template_stops_before_writing_anything() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Phone", "Name"], &["+9613123456", "Ali"]]);
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Nmae}}"]),
        2,
    );
    assert!(stderr.starts_with("smsmerge: error:"), "{stderr}");
    assert!(stderr.contains("unknown column \"Nmae\""), "{stderr}");
    assert!(
        stderr.contains("the headers are \"Phone\", \"Name\""),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(wd.listing(), ["book.xlsx"]);
}

#[test]
fn unknown_column_in_a_row_template_invalidates_only_that_row() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Message"],
            &["+9613123456", "Ali", "Hi {{Name}}"],
            &["+9613123457", "Sam", "Hi {{Nmae}}"],
            &["+9613123458", "Rana", "Bye {{name}}"],
        ],
    );
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 1);
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Status", "Recipient", "Message"],
        &[
            &["READY", "9613123456", "Hi Ali"],
            &["INVALID", "9613123457", ""],
            &["READY", "9613123458", "Bye Rana"],
        ],
    );
    let detail = r.text(1, "Detail");
    assert!(detail.contains("unknown column \"Nmae\""), "{detail}");
}

// ---------------------------------------------------------------------------------------------
// Sender

fn sender_book(wd: &Workdir) -> PathBuf {
    wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(
            ws,
            &[
                &["Phone", "Name", "Sender"],
                &["+9613123456", "Ali", "SHOP"],
                &["+9613123457", "Sam", ""],
                &["+9613123458", "Rana", "TOOLONGSENDERID"],
                &["+9613123459", "Zed", ""],
            ],
        )?;
        ws.write_number(4, 2, 96170123456.0)?;
        Ok(())
    })
}

const TOO_LONG_SENDER: &str =
    "sender: sender id \"TOOLONGSENDERID\" is 15 characters; a name may have at most 11";

#[test]
fn sender_column_overrides_the_flag_per_row() {
    let wd = Workdir::new();
    let book = sender_book(&wd);
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    assert_table(
        &results_of(&wd, "book"),
        &["Status", "Detail", "Recipient", "Message"],
        &[
            &["READY", "", "9613123456", "Hi Ali"],
            &["READY", "", "9613123457", "Hi Sam"],
            &["INVALID", TOO_LONG_SENDER, "9613123458", "Hi Rana"],
            &["READY", "", "9613123459", "Hi Zed"],
        ],
    );
}

#[test]
fn sender_column_without_the_flag_leaves_blank_cells_invalid() {
    let wd = Workdir::new();
    let book = sender_book(&wd);
    expect_exit(wd.dry_run(&book, &["--template", "Hi {{Name}}"]), 1);
    assert_table(
        &results_of(&wd, "book"),
        &["Status", "Detail"],
        &[
            &["READY", ""],
            &[
                "INVALID",
                "no sender: fill the sender column or give --sender",
            ],
            &["INVALID", TOO_LONG_SENDER],
            &["READY", ""],
        ],
    );
}

#[test]
fn a_too_long_sender_flag_is_a_bad_invocation() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Phone", "Name"], &["+9613123456", "Ali"]]);
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "ABCDEFGHIJKL", "--template", "Hi"]),
        2,
    );
    assert!(
        stderr.contains("--sender: sender id \"ABCDEFGHIJKL\" is 12 characters"),
        "{stderr}"
    );
    assert_eq!(wd.listing(), ["book.xlsx"]);
}

#[test]
fn a_dry_run_needs_no_sender_and_says_a_real_send_does() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["+9613123456", "Ali"],
        ],
    );
    let stderr = expect_exit(wd.dry_run(&book, &["--template", "Hi {{Name}}"]), 0);
    assert!(
        plan_lines(&stderr)
            .contains(&"sender (none: a real send needs --sender or a sender column)".to_owned()),
        "{stderr}"
    );
    let results = results_of(&wd, "book");
    // Planning is unchanged without a sender: the second row is still the first's duplicate.
    assert_table(
        &results,
        &["Status", "Message", "Segments"],
        &[&["READY", "Hi Ali", "1"], &["DUPLICATE", "Hi Ali", "1"]],
    );
    // With a sender the plan has no such line.
    let stderr = expect_exit(
        wd.dry_run(&book, &["--template", "Hi {{Name}}", "--sender", "OTSMS"]),
        0,
    );
    assert!(!stderr.contains("(none: a real send"), "{stderr}");
}

#[test]
fn a_real_send_without_any_sender_is_a_bad_invocation() {
    let wd = Workdir::new();
    wd.xlsx_rows("book.xlsx", &[&["Phone", "Name"], &["+9613123456", "Ali"]]);
    // The gateway is never asked: the refusal comes before any connection.
    let stderr = expect_exit(
        wd.send_without_sender("book.xlsx", &["--template", "Hi {{Name}}"]),
        2,
    );
    assert!(stderr.starts_with("smsmerge: error: "), "{stderr}");
    assert!(stderr.contains("book.xlsx: no sender id"), "{stderr}");
    assert!(stderr.contains("--sender"), "{stderr}");
    assert_eq!(wd.listing(), ["book.xlsx"]);
}

// ---------------------------------------------------------------------------------------------
// Encoding and segments

#[test]
fn encodings_and_segment_counts_at_the_boundaries() {
    let wd = Workdir::new();
    let texts: Vec<(String, &str, &str)> = vec![
        ("a".repeat(160), "GSM-7", "1"),
        ("a".repeat(161), "GSM-7", "2"),
        ("a".repeat(306), "GSM-7", "2"),
        ("a".repeat(307), "GSM-7", "3"),
        ("€".repeat(80), "GSM-7", "1"),
        ("€".repeat(81), "GSM-7", "2"),
        ("[".repeat(80), "GSM-7", "1"),
        ("[".repeat(81), "GSM-7", "2"),
        (format!("{}€", "a".repeat(159)), "GSM-7", "2"),
        ("مرحبا بكم".to_owned(), "UCS-2", "1"),
        ("Hi 😀".to_owned(), "UCS-2", "1"),
        ("ب".repeat(70), "UCS-2", "1"),
        ("ب".repeat(71), "UCS-2", "2"),
        ("😀".repeat(35), "UCS-2", "1"),
        ("😀".repeat(36), "UCS-2", "2"),
        ("Café é ü Ñ".to_owned(), "GSM-7", "1"),
    ];
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        text_rows(ws, &[&["Phone", "Text"]])?;
        for (i, (text, _, _)) in texts.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, format!("+96131234{:02}", r))?;
            ws.write_string(r, 1, text)?;
        }
        Ok(())
    });
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "{{Text}}"]),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.rows.len(), texts.len());
    for (i, (text, encoding, segments)) in texts.iter().enumerate() {
        assert_eq!(r.status(i), "READY", "row {i}");
        assert_eq!(&r.text(i, "Message"), text, "row {i}");
        assert_eq!(
            (
                r.text(i, "Encoding").as_str(),
                r.text(i, "Segments").as_str()
            ),
            (*encoding, *segments),
            "row {i}: {text}"
        );
    }
}

#[test]
fn max_segments_makes_longer_rows_invalid() {
    let wd = Workdir::new();
    let long = "a".repeat(161);
    let arabic = "ب".repeat(71);
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Text"],
            &["+9613123456", &"a".repeat(160)],
            &["+9613123457", &long],
            &["+9613123458", &arabic],
        ],
    );
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "{{Text}}",
                "--max-segments",
                "1",
            ],
        ),
        1,
    );
    let r = results_of(&wd, "book");
    assert_table(
        &r,
        &["Status", "Detail", "Encoding", "Segments"],
        &[
            &["READY", "", "GSM-7", "1"],
            &[
                "INVALID",
                "message is 2 segments (161 GSM-7 septets), more than --max-segments 1",
                "GSM-7",
                "2",
            ],
            &[
                "INVALID",
                "message is 2 segments (71 UCS-2 units), more than --max-segments 1",
                "UCS-2",
                "2",
            ],
        ],
    );
    assert_eq!(r.text(1, "Message"), long);
    assert_eq!(r.text(1, "Recipient"), "9613123457");
}

// ---------------------------------------------------------------------------------------------
// Output

fn simple_book(wd: &Workdir, name: &str) -> PathBuf {
    wd.xlsx_rows(
        name,
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["+9613123457", "علي"],
            &["12", "Sam"],
        ],
    )
}

#[test]
fn default_output_sits_beside_the_input() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.path("in")).expect("mkdir");
    simple_book(&wd, "in/march list.xlsx");
    let stderr = expect_exit(
        wd.dry_run(
            Path::new("in/march list.xlsx"),
            &["--sender", "OTSMS", "--template", "Hi {{Name}}"],
        ),
        1,
    );
    let out = wd.path("in/march list.results.xlsx");
    assert!(out.is_file(), "{stderr}");
    assert_eq!(wd.listing(), ["in"]);
    assert!(
        stderr.contains("results written to in/march list.results.xlsx"),
        "{stderr}"
    );
    let r = Results::read(&out);
    assert_eq!(r.statuses(), ["READY", "READY", "INVALID"]);
}

#[test]
fn csv_output_has_a_bom_the_same_columns_and_intact_arabic() {
    let wd = Workdir::new();
    let book = simple_book(&wd, "book.xlsx");
    let args = ["--sender", "OTSMS", "--template", "Hi {{Name}}"];
    expect_exit(wd.dry_run(&book, &args), 1);
    let xlsx = results_of(&wd, "book");
    std::fs::remove_file(wd.path("book.results.xlsx")).expect("remove");

    let mut args = args.to_vec();
    args.extend(["-o", "out.csv"]);
    expect_exit(wd.dry_run(&book, &args), 1);
    assert_eq!(wd.listing(), ["book.xlsx", "out.csv"]);
    let bytes = std::fs::read(wd.path("out.csv")).expect("read out.csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no UTF-8 BOM");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(records[0], xlsx.headers);
    assert_eq!(records.len(), xlsx.rows.len() + 1);
    // The same cells, except that CSV text which a spreadsheet would run as a formula
    // (`=`, `+`, `-`, `@` first) carries a leading `'` (OWASP's advice for CSV).
    for (i, record) in records[1..].iter().enumerate() {
        let from_xlsx: Vec<String> = xlsx
            .headers
            .iter()
            .map(|h| xlsx.text(i, h))
            .map(|t| {
                if t.starts_with(['=', '+', '-', '@']) {
                    format!("'{t}")
                } else {
                    t
                }
            })
            .collect();
        assert_eq!(record, &from_xlsx, "row {i}");
    }
    assert_eq!(
        records[2][..8],
        [
            "3",
            "'+9613123457",
            "علي",
            "READY",
            "",
            "9613123457",
            "Hi علي",
            "UCS-2"
        ]
    );
}

#[test]
fn the_input_is_unchanged_and_no_temporary_file_is_left() {
    let wd = Workdir::new();
    let book = simple_book(&wd, "book.xlsx");
    let before = std::fs::read(&book).expect("read the input");
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    assert_eq!(std::fs::read(&book).expect("read the input"), before);
    assert_eq!(wd.listing(), ["book.results.xlsx", "book.xlsx"]);
}

#[test]
fn an_existing_results_file_is_replaced() {
    let wd = Workdir::new();
    let book = simple_book(&wd, "book.xlsx");
    wd.file("book.results.xlsx", "an old, broken results file");
    wd.file("mine.csv", "old");
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.statuses(), ["READY", "READY", "INVALID"]);

    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi {{Name}}",
                "-o",
                "mine.csv",
            ],
        ),
        1,
    );
    let csv = std::fs::read_to_string(wd.path("mine.csv")).expect("read mine.csv");
    assert!(csv.starts_with("\u{FEFF}Row,Phone,Name,Status,"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert_eq!(wd.listing(), ["book.results.xlsx", "book.xlsx", "mine.csv"]);
}

#[test]
fn summary_counts_statuses_and_segments() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Text"],
            &["+9613123456", "short"],
            &["+9613123457", &"a".repeat(161)],
            &["+9613123458", "مرحبا"],
            &["12", "bad number"],
            &["+9613123456", "short"],
        ],
    );
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "{{Text}}"]),
        1,
    );
    let r = results_of(&wd, "book");
    assert_eq!(
        r.statuses(),
        ["READY", "READY", "READY", "INVALID", "DUPLICATE"]
    );
    for (status, n) in [
        ("READY", 3.0),
        ("SENT", 0.0),
        ("FAILED", 0.0),
        ("UNCERTAIN", 0.0),
        ("INVALID", 1.0),
        ("DUPLICATE", 1.0),
        ("SKIPPED", 0.0),
        ("NOT SENT", 0.0),
    ] {
        assert_eq!(r.summary_value(status), Data::Float(n), "{status}");
    }
    assert_eq!(r.summary_value("Rows"), Data::Float(5.0));
    assert_eq!(
        r.summary_row("GSM-7"),
        [
            Data::String("GSM-7".into()),
            Data::Float(2.0),
            Data::Float(3.0)
        ]
    );
    assert_eq!(
        r.summary_row("UCS-2"),
        [
            Data::String("UCS-2".into()),
            Data::Float(1.0),
            Data::Float(1.0)
        ]
    );
    assert_eq!(
        r.summary_row("Total"),
        [
            Data::String("Total".into()),
            Data::Float(3.0),
            Data::Float(4.0)
        ]
    );
    assert_eq!(r.summary_value("Sheet"), Data::String("Sheet1".into()));
    assert!(
        r.summary_value("Input file")
            .to_string()
            .ends_with("book.xlsx"),
        "{:?}",
        r.summary_value("Input file")
    );
    assert!(
        r.summary_value("Mode").to_string().contains("dry run"),
        "{:?}",
        r.summary_value("Mode")
    );
    let lines = plan_lines(&stderr);
    for expected in [
        "to send 3 messages, 4 segments",
        "GSM-7 2 messages, 3 segments",
        "UCS-2 1 message, 1 segment",
        "invalid 1",
        "duplicates 1",
    ] {
        assert!(
            lines.contains(&expected.to_owned()),
            "{expected:?} not in {lines:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Sheets

fn three_sheets(wd: &Workdir) -> PathBuf {
    wd.xlsx_book("book.xlsx", |book: &mut Workbook| {
        let notes = book.add_worksheet().set_name("Notes")?;
        text_rows(notes, &[&["Info"], &["Sent every month"]])?;
        let march = book.add_worksheet().set_name("March")?;
        text_rows(march, &[&["Mobile", "Name"], &["+9613123456", "Ali"]])?;
        let april = book.add_worksheet().set_name("April")?;
        text_rows(
            april,
            &[
                &["Phone", "Name"],
                &["+9613123457", "Sam"],
                &["+9613123458", "Rana"],
            ],
        )?;
        Ok(())
    })
}

#[test]
fn default_sheet_is_the_first_with_a_recipient_column() {
    let wd = Workdir::new();
    let book = three_sheets(&wd);
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        0,
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.headers, header(&["Mobile", "Name"]));
    assert_table(
        &r,
        &MAIN,
        &[&["2", "READY", "9613123456", "Hi Ali", "GSM-7", "1"]],
    );
    assert_eq!(r.summary_value("Sheet"), Data::String("March".into()));
    assert!(stderr.contains("(sheet \"March\")"), "{stderr}");
}

#[test]
fn sheet_flag_picks_by_name_or_position() {
    let wd = Workdir::new();
    let book = three_sheets(&wd);
    for choice in ["April", "april", "3"] {
        expect_exit(
            wd.dry_run(
                &book,
                &[
                    "--sender",
                    "OTSMS",
                    "--template",
                    "Hi {{Name}}",
                    "--sheet",
                    choice,
                ],
            ),
            0,
        );
        let r = results_of(&wd, "book");
        assert_eq!(
            r.summary_value("Sheet"),
            Data::String("April".into()),
            "{choice}"
        );
        assert_table(
            &r,
            &MAIN,
            &[
                &["2", "READY", "9613123457", "Hi Sam", "GSM-7", "1"],
                &["3", "READY", "9613123458", "Hi Rana", "GSM-7", "1"],
            ],
        );
    }
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi {{Name}}",
                "--sheet",
                "2",
            ],
        ),
        0,
    );
    assert_eq!(
        results_of(&wd, "book").summary_value("Sheet"),
        Data::String("March".into())
    );
}

// ---------------------------------------------------------------------------------------------
// CSV input

#[test]
fn csv_with_commas_and_a_bom() {
    let wd = Workdir::new();
    let book = wd.file(
        "list.csv",
        "\u{FEFF}Phone,Name\n+961 3 123456,Ali\n9613123457,علي\n".as_bytes(),
    );
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        0,
    );
    let r = results_of(&wd, "list");
    assert_eq!(r.headers, header(&["Phone", "Name"]));
    assert_table(
        &r,
        &MAIN,
        &[
            &["2", "READY", "9613123456", "Hi Ali", "GSM-7", "1"],
            &["3", "READY", "9613123457", "Hi علي", "UCS-2", "1"],
        ],
    );
    // CSV cells are text, and stay text.
    assert_eq!(r.cell(1, "Phone"), &Data::String("9613123457".into()));
    assert_eq!(r.summary_value("Sheet"), Data::String("list.csv".into()));
}

#[test]
fn csv_with_semicolons_and_no_bom() {
    let wd = Workdir::new();
    let book = wd.file(
        "list.csv",
        "Phone;Name;Amount\r\n03 123 456;Ali;12,5\r\n03 123 457;Sam;7\r\n".as_bytes(),
    );
    expect_exit(
        wd.dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--country-code",
                "961",
                "--template",
                "{{Name}} owes {{Amount}}",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "list");
    assert_eq!(r.headers, header(&["Phone", "Name", "Amount"]));
    assert_table(
        &r,
        &MAIN,
        &[
            &["2", "READY", "9613123456", "Ali owes 12,5", "GSM-7", "1"],
            &["3", "READY", "9613123457", "Sam owes 7", "GSM-7", "1"],
        ],
    );
}

#[test]
fn csv_quoted_field_with_a_newline_and_a_comma_is_one_row() {
    let wd = Workdir::new();
    let book = wd.file(
        "list.csv",
        concat!(
            "Phone,Name,message\n",
            "+9613123456,\"Hassan, Ali\",\"Hi {{Name}},\nsee you\"\n",
            "+9613123457,Sam,Hi {{Name}}\n",
            "+9613123458,,Hi {{Name}}\n",
        )
        .as_bytes(),
    );
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 1);
    let r = results_of(&wd, "list");
    assert_eq!(r.headers, header(&["Phone", "Name", "message (input)"]));
    assert_table(
        &r,
        &["Row", "Status", "Recipient", "Message", "Name", "Detail"],
        &[
            &[
                "2",
                "READY",
                "9613123456",
                "Hi Hassan, Ali,\nsee you",
                "Hassan, Ali",
                "",
            ],
            &["3", "READY", "9613123457", "Hi Sam", "Sam", ""],
            &[
                "4",
                "INVALID",
                "9613123458",
                "",
                "",
                "\"Name\" is empty (use {{Name|fallback}} to allow that)",
            ],
        ],
    );
}

#[test]
fn csv_crlf_without_final_newline_keeps_row_numbers_review_item_5() {
    // Windows line endings, and the last line has none: the rows are still 2, 3, 4.
    let wd = Workdir::new();
    let args = ["--sender", "OTSMS", "--template", "Hi {{Name}}"];
    let book = wd.file(
        "list.csv",
        "Phone,Name\r\n+9613123456,A\r\n+9613123457,B\r\n+9613123458,C",
    );
    expect_exit(wd.dry_run(&book, &args), 0);
    assert_eq!(results_of(&wd, "list").column("Row"), ["2", "3", "4"]);
    // Blank CRLF lines: header 1, blank 2, A 3, blank 4, B 5, blank 6, C 7.
    let book = wd.file(
        "list.csv",
        "Phone,Name\r\n\r\n+9613123456,A\r\n\r\n+9613123457,B\r\n\r\n+9613123458,C",
    );
    expect_exit(wd.dry_run(&book, &args), 0);
    assert_eq!(results_of(&wd, "list").column("Row"), ["3", "5", "7"]);
}

#[test]
fn csv_with_excels_sep_hint_line() {
    // Excel's `sep=;` first line names the separator and is not a row.
    let wd = Workdir::new();
    let args = ["--sender", "OTSMS", "--template", "Hi {{Name}}"];
    let book = wd.file(
        "list.csv",
        "sep=;\r\nPhone;Name\r\n+9613123456;Ali\r\n\r\n+9613123458;Rana\r\n",
    );
    expect_exit(wd.dry_run(&book, &args), 0);
    let r = results_of(&wd, "list");
    assert_table(
        &r,
        &["Row", "Status", "Message"],
        &[&["2", "READY", "Hi Ali"], &["4", "READY", "Hi Rana"]],
    );
}

#[test]
fn csv_blank_lines_count_in_row_numbers_like_excel() {
    let wd = Workdir::new();
    let args = ["--sender", "OTSMS", "--template", "Hi {{Name}}"];
    // Excel rows: 1 header, 2 Ali, 3 blank, 4 Sam, 5 Rana.
    let book = wd.file(
        "list.csv",
        "Phone,Name\n+9613123456,Ali\n\n+9613123457,Sam\n+9613123458,Rana\n",
    );
    expect_exit(wd.dry_run(&book, &args), 0);
    assert_eq!(results_of(&wd, "list").column("Row"), ["2", "4", "5"]);

    // Excel rows: 1 blank, 2 header, 3 Ali (two lines in one quoted cell), 4 blank, 5 Sam,
    // 6 and 7 blank, 8 Rana.
    let book = wd.file(
        "list.csv",
        concat!(
            "\n",
            "Phone,Name\n",
            "+9613123456,\"Ali\nHassan\"\n",
            "\n",
            "+9613123457,Sam\n",
            "\n",
            "\n",
            "+9613123458,Rana\n",
        ),
    );
    expect_exit(wd.dry_run(&book, &args), 0);
    let r = results_of(&wd, "list");
    assert_table(
        &r,
        &["Row", "Status", "Message"],
        &[
            &["3", "READY", "Hi Ali\nHassan"],
            &["5", "READY", "Hi Sam"],
            &["8", "READY", "Hi Rana"],
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The plan on stderr

#[test]
fn the_plan_on_stderr_counts_rows() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", "Ali"],
            &["+9613123457", "علي"],
            &["12", "Sam"],
            &["+9613123456", "Ali"],
        ],
    );
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    let lines = plan_lines(&stderr);
    assert!(
        lines[0].starts_with("smsmerge: 4 rows read from ")
            && lines[0].ends_with("book.xlsx (sheet \"Sheet1\")"),
        "{lines:?}"
    );
    for expected in [
        "to send 2 messages, 2 segments",
        "GSM-7 1 message, 1 segment",
        "UCS-2 1 message, 1 segment",
        "invalid 1",
        "duplicates 1",
    ] {
        assert!(
            lines.contains(&expected.to_owned()),
            "{expected:?} not in {lines:?}"
        );
    }
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("smsmerge: results written to ")
                && l.ends_with("book.results.xlsx")),
        "{lines:?}"
    );
}

#[test]
fn quiet_prints_nothing() {
    let wd = Workdir::new();
    let book = wd.xlsx_rows("book.xlsx", &[&["Phone", "Name"], &["+9613123456", "Ali"]]);
    let stderr = expect_exit(
        wd.dry_run(
            &book,
            &["--sender", "OTSMS", "--template", "Hi {{Name}}", "--quiet"],
        ),
        0,
    );
    assert_eq!(stderr, "");
    assert_eq!(results_of(&wd, "book").statuses(), ["READY"]);
}

#[test]
fn a_stray_title_far_right_and_data_outside_the_header_review_items_6_7() {
    // A note typed in XFD1 must cost one column, not 16 384 per row; a value typed right of
    // the header (H3) keeps its row in the results, under a column titled by its letter.
    let wd = Workdir::new();
    let book = wd.xlsx("book.xlsx", "Sheet1", |ws| {
        ws.write_string(0, 1, "Phone")?;
        ws.write_string(0, 2, "Name")?;
        ws.write_string(0, 16383, "remark")?;
        ws.write_string(1, 1, "+9613123456")?;
        ws.write_string(1, 2, "Ali")?;
        ws.write_string(2, 7, "called back")?;
        Ok(())
    });
    let stderr = expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--template", "Hi {{Name}}"]),
        1,
    );
    assert!(
        stderr.contains("column(s) H of sheet \"Sheet1\" hold data"),
        "{stderr}"
    );
    let r = results_of(&wd, "book");
    assert_eq!(
        r.headers[..5],
        ["Row", "Phone", "Name", "H", "remark"].map(String::from)
    );
    assert_table(
        &r,
        &["Row", "Status", "H", "Message"],
        &[
            &["2", "READY", "", "Hi Ali"],
            &["3", "INVALID", "called back", ""],
        ],
    );
}

#[test]
fn cell_text_that_looks_like_a_formula_stays_text() {
    // Text such as =HYPERLINK(...) typed by whoever filled the input must never become a
    // formula in the results: a string in xlsx, and a leading ' in CSV.
    let wd = Workdir::new();
    let evil = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let book = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", evil],
            &["+9613123457", "@SUM(A1)"],
        ],
    );
    let args = ["--sender", "OTSMS", "--template", "{{Name}}"];
    expect_exit(wd.dry_run(&book, &args), 0);
    let path = wd.path("book.results.xlsx");
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("open results");
    use calamine::Reader;
    let formulas = workbook.worksheet_formula("Results").expect("formulas");
    assert!(
        formulas.used_cells().next().is_none(),
        "the results hold a formula"
    );
    let r = results_of(&wd, "book");
    assert_eq!(r.cell(0, "Name"), &calamine::Data::String(evil.to_owned()));
    assert_eq!(r.text(0, "Message"), evil);
    let mut cmd = wd.dry_run(&book, &args);
    cmd.args(["-o", "out.csv"]);
    expect_exit(cmd, 0);
    let csv = std::fs::read_to_string(wd.path("out.csv")).expect("csv");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(A1),"), "{csv}");
}
