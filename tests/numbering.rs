//! Numbers as each country writes them, through the real binary: national numbers of
//! countries without a trunk `0` sent to the simulator, impossible numbers refused naming the
//! country, bare digits that land outside the batch's country refused, and the rows the plan
//! refused counted where a monitor reads them.

mod common;

use common::{Results, SimProcess, TEST_ACCOUNT, Workdir, expect_exit};

/// A workbook of these phone cells (text), each with a one-segment message.
fn book_of(wd: &Workdir, phones: &[&str]) -> std::path::PathBuf {
    let mut rows: Vec<Vec<String>> = vec![vec!["Phone".into(), "Message".into()]];
    rows.extend(
        phones
            .iter()
            .enumerate()
            .map(|(i, phone)| vec![(*phone).to_owned(), format!("Message {i}")]),
    );
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| row.iter().map(String::as_str).collect())
        .collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    wd.xlsx_rows("book.xlsx", &rows)
}

/// `--json`'s object of a dry run with these arguments, and its exit code.
fn dry_run_json(wd: &Workdir, book: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut cmd = wd.dry_run(book, &["--sender", "OTSMS", "--json"]);
    cmd.args(args);
    let out = cmd.output().expect("run smsmerge");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn kuwaiti_and_qatari_national_numbers_are_sent_with_their_country_code() {
    for (code, written, sent) in [
        (
            "965",
            ["500 12345", "96565748", "6555 1234", "+965 9876 5432"],
            ["96550012345", "96596565748", "96565551234", "96598765432"],
        ),
        (
            "974",
            ["3312 3456", "5512 3456", "6612 3456", "00974 7012 3456"],
            ["97433123456", "97455123456", "97466123456", "97470123456"],
        ),
    ] {
        let wd = Workdir::new();
        let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
        let book = book_of(&wd, &written);
        expect_exit(wd.send_to(&book, &sim.url, &["--country-code", code]), 0);
        let results = Results::read(&wd.results("book"));
        assert_eq!(results.statuses(), ["SENT"; 4], "{code}");
        assert_eq!(results.column("Recipient"), sent, "{code}");
        let mut received: Vec<String> = sim.log().into_iter().map(|e| e.recipient).collect();
        received.sort();
        let mut expected = sent.map(String::from).to_vec();
        expected.sort();
        assert_eq!(received, expected, "{code}");
    }
}

#[test]
fn impossible_numbers_and_landlines_are_invalid_naming_the_country() {
    let wd = Workdir::new();
    let book = book_of(
        &wd,
        &[
            "+961 71 123",
            "+965 5000 76565",
            "+966 52 918 9546",
            "01 123 456",
            "+961 3 123 456",
        ],
    );
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--country-code", "961"]),
        1,
    );
    let results = Results::read(&wd.results("book"));
    assert_eq!(
        results.statuses(),
        ["INVALID", "INVALID", "INVALID", "INVALID", "READY"]
    );
    let details = results.column("Detail");
    for (detail, words) in details.iter().zip([
        "too short for Lebanon (+961)",
        "too long for Kuwait (+965)",
        "Saudi Arabia (+966)",
        "landline in Lebanon (+961)",
    ]) {
        assert!(detail.contains(words), "{detail:?} should say {words:?}");
    }
    // The rows the plan refused are counted apart, for a monitor to see a sudden jump.
    let (code, json) = dry_run_json(&wd, &book, &["--country-code", "961"]);
    assert_eq!(code, 1);
    assert_eq!(json["invalid_by_numbering_plan"], 4, "{json}");
    let summary = Results::read(&wd.results("book"));
    assert_eq!(
        summary.summary_value("Invalid by numbering plan"),
        calamine::Data::Float(4.0)
    );
}

/// Twenty Emirati numbers without their `+`, and one more row.
fn emirati_list_and(wd: &Workdir, last: &str) -> std::path::PathBuf {
    let numbers: Vec<String> = (0..20).map(|i| format!("97150123{i:04}")).collect();
    let mut phones: Vec<&str> = numbers.iter().map(String::as_str).collect();
    phones.push(last);
    book_of(wd, &phones)
}

#[test]
fn bare_digits_landing_outside_the_batchs_country_are_invalid() {
    let wd = Workdir::new();
    // An Emirati 0508770213 that lost its 0 is a number of Saint Pierre and Miquelon.
    let book = emirati_list_and(&wd, "508770213");
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 1);
    let results = Results::read(&wd.results("book"));
    let statuses = results.statuses();
    assert_eq!(statuses[..20], ["READY"; 20]);
    assert_eq!(statuses[20], "INVALID");
    let detail = results.text(20, "Detail");
    assert!(
        detail.contains("is a number in Saint Pierre and Miquelon, in a list of +971 numbers"),
        "{detail}"
    );
    assert!(
        detail.contains("write it with + if that is right"),
        "{detail}"
    );

    // Written with +, the same number is explicit, and trusted.
    let book = emirati_list_and(&wd, "+508 55 12 34");
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert_eq!(Results::read(&wd.results("book")).statuses(), ["READY"; 21]);
}

#[test]
fn with_a_country_code_an_international_reading_elsewhere_is_refused_too() {
    let wd = Workdir::new();
    // Too long to be an Emirati number, a French mobile without its +.
    let book = emirati_list_and(&wd, "33612345678");
    expect_exit(
        wd.dry_run(&book, &["--sender", "OTSMS", "--country-code", "971"]),
        1,
    );
    let results = Results::read(&wd.results("book"));
    assert_eq!(results.status(20), "INVALID");
    let detail = results.text(20, "Detail");
    assert!(
        detail.contains("is a number in France, in a list of +971 numbers"),
        "{detail}"
    );
}

#[test]
fn a_list_of_several_countries_loses_no_row() {
    let wd = Workdir::new();
    // Half Emirati, half Lebanese, and a French number: no country is the batch's own.
    let mut numbers: Vec<String> = (0..10).map(|i| format!("97150123{i:04}")).collect();
    numbers.extend((0..10).map(|i| format!("+961 3 12{i:04}")));
    numbers.push("33612345678".into());
    let phones: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let book = book_of(&wd, &phones);
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert_eq!(Results::read(&wd.results("book")).statuses(), ["READY"; 21]);
}

/// `tests/fixtures/NAME`, copied into the work folder (fixtures are never written to).
fn fixture(wd: &Workdir, name: &str) -> std::path::PathBuf {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name);
    let to = wd.path(name);
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    to
}

#[test]
fn a_batch_begun_before_the_numbering_plan_resumes_without_a_resend() {
    // Its journal was written by the country-blind version (the commit before numbers were
    // checked by the plan): it sent the first four rows, then `--limit 4` stopped it.
    let wd = Workdir::new();
    let book = fixture(&wd, "resume-before-plan.xlsx");
    fixture(&wd, "resume-before-plan.results.xlsx.journal");
    let sim = SimProcess::start(&wd, &["--account", TEST_ACCOUNT]);
    let template = "Hi {{Name}}, your order is ready";
    let resume = wd.send_to(
        &book,
        &sim.url,
        &["--country-code", "961", "--template", template],
    );
    let stderr = expect_exit(resume, 0);
    assert!(stderr.contains("resum"), "{stderr}");
    let mut received: Vec<String> = sim.log().into_iter().map(|e| e.recipient).collect();
    received.sort();
    assert_eq!(
        received,
        ["447400123461", "9613123460", "9613123463", "971501234562"],
        "only the four rows the first run did not send"
    );
    let results = Results::read(&wd.results("resume-before-plan"));
    assert_eq!(results.statuses(), ["SENT"; 8]);
    assert_eq!(
        results.column("Recipient")[..4],
        ["9613123456", "9613123457", "96170123458", "96171123459"]
    );
}
