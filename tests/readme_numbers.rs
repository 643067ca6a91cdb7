//! Every number example in the README's "Numbers" section, and the numbers of its Templates
//! example, run through the same rules a send uses: the manual must not promise what the
//! code does not do.

use smsmerge::text::phone::{self, NumberRules, RawNumber};

const README: &str = include_str!("../README.md");

fn check(country: &str, written: &str) -> Result<String, String> {
    let rules = NumberRules::checked(Some(country.parse().unwrap()));
    phone::check(RawNumber::Text(written), &rules).map_err(|e| e.to_string())
}

/// The README's section that starts with `heading`, up to the next heading.
fn section(heading: &str) -> &'static str {
    let start = README.find(heading).expect("section in the README");
    let rest = &README[start + heading.len()..];
    &rest[..rest.find("\n#").unwrap_or(rest.len())]
}

/// The text between the first pair of backquotes in a table cell.
fn quoted(cell: &str) -> &str {
    cell.trim().trim_matches('`')
}

#[test]
fn every_row_of_the_numbers_table_is_sent_as_it_says() {
    let mut rows = 0;
    for line in section("### Numbers\n").lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, country, written, sent, _] = cells[..] else {
            continue;
        };
        if !country.chars().all(|c| c.is_ascii_digit()) || country.is_empty() {
            continue;
        }
        assert_eq!(
            check(country, quoted(written)),
            Ok(quoted(sent).to_owned()),
            "{line}"
        );
        rows += 1;
    }
    assert!(rows >= 15, "the table was not found ({rows} rows)");
}

#[test]
fn the_numbers_sections_refusals_are_refused_as_it_says() {
    let text = section("### Numbers\n");
    for (country, written, detail) in [
        (
            "961",
            "+961 71 123",
            "too short for Lebanon (+961): 5 digits after the country code, numbers there have 7 or 8",
        ),
        (
            "961",
            "+961 74 472 972",
            "not a number in use in Lebanon (+961)",
        ),
        ("961", "01 123 456", "landline in Lebanon (+961)"),
        ("1", "201 555 0123", "could be +12015550123 or +2015550123"),
    ] {
        assert!(
            text.contains(&format!("`{written}`")) || text.contains(written),
            "{written}"
        );
        let got = check(country, written).unwrap_err();
        assert!(got.contains(detail), "{written}: {got}");
    }
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(
        "too short for Lebanon (+961): 5 digits after the country code, numbers there have 7 or 8"
    ));
}

#[test]
fn the_templates_example_numbers_are_valid_with_its_country_code() {
    let text = section("### Template sheets");
    let mut found = 0;
    for line in text.lines().filter(|l| l.starts_with("| 7")) {
        let written = line.split('|').nth(1).unwrap().trim();
        assert!(
            check("961", written).is_ok(),
            "{written}: {:?}",
            check("961", written)
        );
        found += 1;
    }
    assert!(found >= 2, "the example rows were not found");
}
