use super::blind::{NO_ZERO_AFTER, trunk_zero_after};
use super::cleaning::{MAX_SHOWN_CHARS, plain_number, read_any_text};
use super::*;

/// What a cell becomes by the numbering plan with a country code: the digits, or a
/// Detail that contains the given words.
enum Want {
    Digits(&'static str),
    Detail(&'static str),
}

fn by_plan(country: &str, raw: RawNumber<'_>) -> Result<String, PhoneError> {
    check(raw, &NumberRules::checked(Some(country.parse().unwrap())))
}

fn by_plan_without_country(raw: RawNumber<'_>) -> Result<String, PhoneError> {
    check(raw, &NumberRules::checked(None))
}

#[test]
fn numbers_are_read_by_their_countrys_plan() {
    use RawNumber::{Number as N, Text as T};
    use Want::{Detail, Digits};
    let table: &[(&str, RawNumber<'_>, Want)] = &[
        // Lebanon: 7x/8x mobiles without trunk 0, 03 with it.
        ("961", T("71 123 456"), Digits("96171123456")),
        ("961", T("03 123 456"), Digits("9613123456")),
        ("961", T("+961 71 123 456"), Digits("96171123456")),
        ("961", T("+961 03 123 456"), Digits("9613123456")),
        ("961", T("٠٣ ١٢٣ ٤٥٦"), Digits("9613123456")),
        (
            "961",
            T("\u{200F}+961 71 123 456\u{200F}"),
            Digits("96171123456"),
        ),
        ("961", N(3123456.0), Digits("9613123456")),
        ("961", N(96171123456.0), Digits("96171123456")),
        (
            "961",
            T("+961 71 123"),
            Detail(
                "too short for Lebanon (+961): 5 digits after the country code, numbers there have 7 or 8",
            ),
        ),
        (
            "961",
            T("+961 711 625 625"),
            Detail("too long for Lebanon (+961)"),
        ),
        (
            "961",
            T("+961 74 472 972"),
            Detail("not a number in use in Lebanon (+961)"),
        ),
        ("961", T("01 123 456"), Detail("landline in Lebanon (+961)")),
        // Saudi Arabia: a trunk 0 kept after the country code is dropped.
        ("966", T("051 234 5678"), Digits("966512345678")),
        ("966", T("+966 0512345678"), Digits("966512345678")),
        ("966", T("00966 51 234 5678"), Digits("966512345678")),
        ("966", T("512345678"), Digits("966512345678")),
        (
            "966",
            T("011 234 5678"),
            Detail("landline in Saudi Arabia (+966)"),
        ),
        // United Arab Emirates.
        ("971", T("050 123 4567"), Digits("971501234567")),
        ("971", T("+971 50 123 4567"), Digits("971501234567")),
        ("971", N(501234567.0), Digits("971501234567")),
        (
            "971",
            T("02 234 5678"),
            Detail("landline in United Arab Emirates (+971)"),
        ),
        // Kuwait, Qatar, Bahrain, Oman: no trunk prefix at all.
        ("965", T("500 12345"), Digits("96550012345")),
        ("965", T("96565748"), Digits("96596565748")),
        ("965", T("+965 5000 76565"), Detail("Kuwait (+965)")),
        ("965", T("2234 5678"), Detail("landline in Kuwait (+965)")),
        ("974", T("3312 3456"), Digits("97433123456")),
        ("974", T("+974 3312 3456"), Digits("97433123456")),
        ("974", T("4412 3456"), Detail("landline in Qatar (+974)")),
        ("973", T("3600 1234"), Digits("97336001234")),
        ("973", T("1700 1234"), Detail("landline in Bahrain (+973)")),
        ("968", T("9212 3456"), Digits("96892123456")),
        ("968", T("23 123456"), Detail("landline in Oman (+968)")),
        // Jordan, Egypt, Iraq, Syria: trunk 0.
        ("962", T("07 9012 3456"), Digits("962790123456")),
        ("962", T("+962 7 9012 3456"), Digits("962790123456")),
        ("20", T("010 01234567"), Digits("201001234567")),
        ("20", T("+20 10 01234567"), Digits("201001234567")),
        ("964", T("0791 234 5678"), Digits("9647912345678")),
        ("963", T("0944 567 890"), Digits("963944567890")),
        ("963", T("۰۹۴۴ ۵۶۷ ۸۹۰"), Digits("963944567890")),
        // NANP: no trunk 0, international prefix 011.
        ("1", T("+1 (201) 555-0123"), Digits("12015550123")),
        ("1", T("011 33 6 12 34 56 78"), Digits("33612345678")),
        ("1", T("0201436779"), Detail("United States")),
        // Europe, Russia, India.
        ("44", T("07400 123456"), Digits("447400123456")),
        ("44", T("+44 (0)7400 123456"), Digits("447400123456")),
        ("33", T("06 12 34 56 78"), Digits("33612345678")),
        ("33", T("612345678"), Digits("33612345678")),
        ("39", T("312 345 6789"), Digits("393123456789")),
        ("39", T("02 1234 5678"), Detail("landline in Italy (+39)")),
        ("7", T("8 912 345-67-89"), Digits("79123456789")),
        ("7", T("+7 912 345 67 89"), Digits("79123456789")),
        ("91", T("081234 56789"), Digits("918123456789")),
        ("91", T("9198188728"), Digits("919198188728")),
    ];
    let mut wrong = Vec::new();
    for (country, raw, want) in table {
        let got = by_plan(country, *raw);
        let fine = match (want, &got) {
            (Digits(digits), Ok(got)) => got == digits,
            (Detail(words), Err(e)) => e.to_string().contains(words),
            _ => false,
        };
        if !fine {
            wrong.push(format!("{country} {raw:?}: {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn bare_digits_that_are_two_numbers_are_not_guessed() {
    // A US number without its area code's brackets is also an Egyptian one without its +.
    let e = by_plan("1", RawNumber::Text("201 555 0123"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("could be +12015550123 or +2015550123"), "{e}");
}

#[test]
fn an_area_code_in_brackets_is_a_national_number() {
    for written in [
        "(201) 555-0123",
        "(201)555-0123",
        " (201) 555 0123",
        "(٢٠١) ٥٥٥-٠١٢٣",
    ] {
        assert_eq!(
            by_plan("1", RawNumber::Text(written)),
            Ok("12015550123".into()),
            "{written}"
        );
    }
    // The country's code in brackets is no area code.
    assert_eq!(
        by_plan("961", RawNumber::Text("(961) 3 123 456")),
        Ok("9613123456".into())
    );
    // Whose area code it is, nothing says: never guessed.
    let e = by_plan_without_country(RawNumber::Text("(201) 555-0123"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("area code in brackets"), "{e}");
    // An area code the country does not have.
    let e = by_plan("1", RawNumber::Text("(099) 555-0123"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("United States"), "{e}");
    // The country-blind rules read the digits as they always did.
    assert_eq!(
        normalize(RawNumber::Text("(201) 555-0123"), None),
        Ok("2015550123".into())
    );
}

#[test]
fn landlines_are_sent_when_allowed() {
    let rules = NumberRules {
        allow_landlines: true,
        ..NumberRules::checked(Some("961".parse().unwrap()))
    };
    assert_eq!(
        check(RawNumber::Text("01 123 456"), &rules),
        Ok("9611123456".into())
    );
}

#[test]
fn without_the_plan_check_the_old_rules_apply() {
    let rules = NumberRules::default();
    assert_eq!(
        check(RawNumber::Text("+961 74 472 972"), &rules),
        Ok("96174472972".into())
    );
}
use proptest::prelude::*;

fn code(text: &str) -> CountryCode {
    text.parse().expect("test country code is valid")
}

fn text(raw: &str, country: Option<&str>) -> Result<String, PhoneError> {
    normalize(RawNumber::Text(raw), country.map(code).as_ref())
}

fn number(raw: f64, country: Option<&str>) -> Result<String, PhoneError> {
    normalize(RawNumber::Number(raw), country.map(code).as_ref())
}

fn ok(digits: &str) -> Result<String, PhoneError> {
    Ok(digits.to_owned())
}

fn too_short(digits: &str) -> Result<String, PhoneError> {
    Err(PhoneError::TooShort {
        digits: digits.to_owned(),
        count: digits.len(),
    })
}

fn too_long(digits: &str) -> Result<String, PhoneError> {
    Err(PhoneError::TooLong {
        digits: digits.to_owned(),
        count: digits.len(),
    })
}

fn letters(value: &str, found: &str) -> Result<String, PhoneError> {
    Err(PhoneError::Letters {
        value: value.to_owned(),
        letters: found.to_owned(),
    })
}

fn symbol(value: &str, found: &str) -> Result<String, PhoneError> {
    Err(PhoneError::Symbol {
        value: value.to_owned(),
        symbol: found.to_owned(),
    })
}

fn misplaced_plus(value: &str) -> Result<String, PhoneError> {
    Err(PhoneError::MisplacedPlus {
        value: value.to_owned(),
    })
}

fn scientific(value: &str) -> Result<String, PhoneError> {
    Err(PhoneError::ScientificNotation {
        value: value.to_owned(),
    })
}

fn several(value: &str) -> Result<String, PhoneError> {
    Err(PhoneError::MultipleNumbers {
        value: value.to_owned(),
    })
}

fn national(digits: &str) -> Result<String, PhoneError> {
    Err(PhoneError::NationalWithoutCountryCode {
        digits: digits.to_owned(),
    })
}

fn starts_with_zero(digits: &str) -> Result<String, PhoneError> {
    Err(PhoneError::StartsWithZero {
        digits: digits.to_owned(),
    })
}

fn text_without_code(digits: &str, country: &str) -> Result<String, PhoneError> {
    Err(PhoneError::TextWithoutCountryCode {
        digits: digits.to_owned(),
        country: country.to_owned(),
    })
}

fn numeric_without_code(digits: &str, country: &str) -> Result<String, PhoneError> {
    Err(PhoneError::NumericWithoutCountryCode {
        digits: digits.to_owned(),
        country: country.to_owned(),
    })
}

fn message(result: Result<String, PhoneError>) -> String {
    result.expect_err("expected an error").to_string()
}

// ---- CountryCode ----

#[test]
fn country_code_accepts_plain_plus_double_zero_and_spaces() {
    for input in ["961", "+961", "00961", " 961 ", "\t+961\u{00A0}", "٩٦١"] {
        assert_eq!(code(input).digits(), "961", "input {input:?}");
    }
}

#[test]
fn country_code_accepts_one_and_two_digits() {
    assert_eq!(code("1").digits(), "1");
    assert_eq!(code("+1").digits(), "1");
    assert_eq!(code("44").digits(), "44");
    assert_eq!(code("0044").digits(), "44");
}

#[test]
fn country_code_displays_its_digits() {
    assert_eq!(code("+971").to_string(), "971");
    assert_eq!(code("00961").to_string(), "961");
}

#[test]
fn country_code_rejects_bad_input() {
    for input in [
        "0", "9612", "abc", "", "   ", "+", "00", "0961", "+0961", "96 1", "+-961",
    ] {
        assert!(input.parse::<CountryCode>().is_err(), "input {input:?}");
    }
}

#[test]
fn country_code_error_messages() {
    assert_eq!(
        "".parse::<CountryCode>(),
        Err("country code is empty: give 1 to 3 digits, like 961 or +961".to_owned())
    );
    assert_eq!(
        "9612".parse::<CountryCode>(),
        Err("country code must be 1 to 3 digits, like 961 or +961 (got '9612')".to_owned())
    );
    assert_eq!(
        " abc ".parse::<CountryCode>(),
        Err("country code must be 1 to 3 digits, like 961 or +961 (got 'abc')".to_owned())
    );
    assert_eq!(
        "0".parse::<CountryCode>(),
        Err("country code cannot start with 0, give it like 961 or +961 (got '0')".to_owned())
    );
}

// ---- text: international ----

#[test]
fn plus_with_spaces() {
    assert_eq!(text("+961 3 123 456", None), ok("9613123456"));
    assert_eq!(text("+961 70 123 456", None), ok("96170123456"));
    assert_eq!(text("+971 50 123 4567", None), ok("971501234567"));
}

#[test]
fn double_zero_with_dashes() {
    assert_eq!(text("00961-3-123456", None), ok("9613123456"));
    assert_eq!(text("00971-50-123-4567", None), ok("971501234567"));
}

#[test]
fn international_ignores_country_code_option() {
    assert_eq!(text("+971 50 123 4567", Some("961")), ok("971501234567"));
    assert_eq!(text("00961 3 123456", Some("971")), ok("9613123456"));
}

#[test]
fn plus_inside_brackets_at_start() {
    assert_eq!(text("(+961) 3 123456", None), ok("9613123456"));
}

#[test]
fn trunk_zero_in_brackets_is_dropped() {
    assert_eq!(text("+44 (0)20 7946 0958", None), ok("442079460958"));
    assert_eq!(text("0044 (0)20 7946 0958", None), ok("442079460958"));
    assert_eq!(text("+961 (0)3 123456", None), ok("9613123456"));
    assert_eq!(text("+961(0)70123456", Some("961")), ok("96170123456"));
}

#[test]
fn bracketed_zero_in_national_number_is_just_the_zero() {
    assert_eq!(text("(0)3 123456", Some("961")), ok("9613123456"));
}

// ---- text: national ----

#[test]
fn national_with_brackets_and_dash() {
    assert_eq!(text("(03) 123-456", Some("961")), ok("9613123456"));
}

#[test]
fn national_with_dots() {
    assert_eq!(text("03.123.456", Some("961")), ok("9613123456"));
}

#[test]
fn national_with_slash() {
    assert_eq!(text("03/123456", Some("961")), ok("9613123456"));
}

#[test]
fn national_with_spaces() {
    assert_eq!(text("03 123 456", Some("+961")), ok("9613123456"));
    assert_eq!(text("070 123 456", Some("961")), ok("96170123456"));
}

#[test]
fn national_uae_mobile() {
    assert_eq!(text("0501234567", Some("971")), ok("971501234567"));
    assert_eq!(text("050-123-4567", Some("00971")), ok("971501234567"));
}

#[test]
fn national_without_country_code_is_rejected() {
    assert_eq!(text("03 123 456", None), national("03123456"));
    assert_eq!(text("0501234567", None), national("0501234567"));
}

#[test]
fn national_too_short_after_completion() {
    assert_eq!(text("03 12", Some("961")), too_short("961312"));
}

// ---- text: digits of other scripts ----

#[test]
fn arabic_indic_digits() {
    assert_eq!(text("٠٥٠١٢٣٤٥٦٧", Some("971")), ok("971501234567"));
    assert_eq!(text("+٩٦١٣١٢٣٤٥٦", None), ok("9613123456"));
    assert_eq!(text("٠٣ ١٢٣ ٤٥٦", Some("961")), ok("9613123456"));
}

#[test]
fn persian_digits() {
    assert_eq!(text("۰۹۱۲ ۳۴۵ ۶۷۸۹", Some("98")), ok("989123456789"));
    assert_eq!(text("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", None), ok("989123456789"));
}

#[test]
fn full_width_digits_and_plus() {
    assert_eq!(text("＋９６１ ３ １２３ ４５６", None), ok("9613123456"));
    assert_eq!(text("０３－１２３４５６", Some("961")), ok("9613123456"));
}

#[test]
fn mixed_scripts_in_one_number() {
    assert_eq!(text("+961 3 ١٢٣ ۴۵۶", None), ok("9613123456"));
}

// ---- text: spaces, dashes and invisible marks ----

#[test]
fn non_breaking_and_unicode_spaces() {
    assert_eq!(
        text("\u{00A0}+961\u{00A0}3\u{00A0}123456\u{00A0}", None),
        ok("9613123456")
    );
    assert_eq!(
        text("+961\u{2007}3\u{202F}123\u{2009}456", None),
        ok("9613123456")
    );
    assert_eq!(text("+961\u{200A}3\u{3000}123456", None), ok("9613123456"));
    assert_eq!(text("\t03\t123456\t", Some("961")), ok("9613123456"));
}

#[test]
fn direction_marks_around_number() {
    assert_eq!(
        text("\u{200F}+961 3 123 456\u{200F}", None),
        ok("9613123456")
    );
    assert_eq!(
        text("\u{202A}03 123 456\u{202C}", Some("961")),
        ok("9613123456")
    );
    assert_eq!(
        text("\u{2066}+971 50 123 4567\u{2069}", None),
        ok("971501234567")
    );
    assert_eq!(
        text("\u{FEFF}\u{200B}0501234567\u{200E}", Some("971")),
        ok("971501234567")
    );
    assert_eq!(text("\u{061C}+961 3 123456", None), ok("9613123456"));
}

#[test]
fn unicode_dashes_and_minus() {
    for dash in [
        '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
    ] {
        let raw = format!("03{dash}123{dash}456");
        assert_eq!(
            text(&raw, Some("961")),
            ok("9613123456"),
            "dash U+{:04X}",
            u32::from(dash)
        );
    }
}

#[test]
fn excel_text_prefix_apostrophe() {
    assert_eq!(text("'0501234567", Some("971")), ok("971501234567"));
    assert_eq!(text("'+961 3 123456", None), ok("9613123456"));
    assert_eq!(text(" '9613123456", None), ok("9613123456"));
    assert_eq!(text("\u{2019}0501234567", Some("971")), ok("971501234567"));
}

#[test]
fn only_one_leading_apostrophe_is_a_prefix() {
    assert_eq!(
        text("''0501234567", Some("971")),
        symbol("''0501234567", "'")
    );
}

// ---- text: bare digits ----

#[test]
fn bare_digits_without_country_code_are_international() {
    assert_eq!(text("9613123456", None), ok("9613123456"));
    assert_eq!(text("971 50 123 4567", None), ok("971501234567"));
}

#[test]
fn bare_digits_starting_with_country_code() {
    assert_eq!(text("96170123456", Some("961")), ok("96170123456"));
    assert_eq!(text("971-50-123-4567", Some("971")), ok("971501234567"));
}

#[test]
fn bare_digits_not_starting_with_country_code_are_not_guessed() {
    assert_eq!(
        text("70 123 456", Some("961")),
        text_without_code("70123456", "961")
    );
    assert_eq!(
        text("501234567", Some("971")),
        text_without_code("501234567", "971")
    );
    assert_eq!(
        text("971501234567", Some("961")),
        text_without_code("971501234567", "961")
    );
    assert_eq!(
        text("12", Some("961")),
        Err(PhoneError::TooShort {
            digits: "12".into(),
            count: 2
        })
    );
}

// ---- text: errors ----

#[test]
fn empty_and_blank() {
    for raw in [
        "",
        " ",
        "   \t ",
        "\u{00A0}\u{200F}",
        "'",
        "+",
        "00",
        "---",
        "( )",
        "\n",
    ] {
        assert_eq!(text(raw, None), Err(PhoneError::Empty), "raw {raw:?}");
        assert_eq!(
            text(raw, Some("961")),
            Err(PhoneError::Empty),
            "raw {raw:?}"
        );
    }
}

#[test]
fn letters_are_named() {
    assert_eq!(
        text("03 123456 ext 12", Some("961")),
        letters("03 123456 ext 12", "ext")
    );
    assert_eq!(
        text("Tel: +961 3 123456", None),
        letters("Tel: +961 3 123456", "Tel")
    );
    assert_eq!(
        text("هاتف 03123456", Some("961")),
        letters("هاتف 03123456", "هاتف")
    );
    assert_eq!(text("N/A", None), letters("N/A", "NA"));
    assert_eq!(text("abc", None), letters("abc", "abc"));
}

#[test]
fn letters_message_quotes_value_without_invisible_marks() {
    assert_eq!(
        message(text("\u{200F}03  123456 ext 12", Some("961"))),
        "'03 123456 ext 12' contains letters ('ext'): put only the phone number in the cell"
    );
}

#[test]
fn other_symbols_are_named() {
    assert_eq!(text("03#123456", Some("961")), symbol("03#123456", "#"));
    assert_eq!(text("9,613,123,456", None), symbol("9,613,123,456", ","));
    assert_eq!(text("*9613123456", None), symbol("*9613123456", "*"));
    assert_eq!(
        text("\u{0007}9613123456", None),
        symbol("\u{0007}9613123456", "U+0007")
    );
}

#[test]
fn plus_in_the_middle() {
    assert_eq!(text("961+3123456", None), misplaced_plus("961+3123456"));
    assert_eq!(
        text("+961 +3 123456", None),
        misplaced_plus("+961 +3 123456")
    );
    assert_eq!(text("++9613123456", None), misplaced_plus("++9613123456"));
    assert_eq!(
        text("03 123456+", Some("961")),
        misplaced_plus("03 123456+")
    );
}

#[test]
fn scientific_notation_from_csv() {
    assert_eq!(text("9.61312E+09", None), scientific("9.61312E+09"));
    assert_eq!(text("9,61312E+09", None), scientific("9,61312E+09"));
    assert_eq!(text("9.71501E+11", Some("971")), scientific("9.71501E+11"));
    assert_eq!(text("9.61312e9", None), scientific("9.61312e9"));
    assert_eq!(text("1E+10", None), scientific("1E+10"));
    assert_eq!(text(" '9.61312E+09 ", None), scientific("'9.61312E+09"));
}

#[test]
fn more_than_one_number() {
    assert_eq!(
        text("03123456 / 71123456", Some("961")),
        several("03123456 / 71123456")
    );
    assert_eq!(
        text("03123456, 71123456", Some("961")),
        several("03123456, 71123456")
    );
    assert_eq!(
        text("03123456;71123456", None),
        several("03123456;71123456")
    );
    assert_eq!(
        text("03 123 456 | 71 123 456", None),
        several("03 123 456 | 71 123 456")
    );
    assert_eq!(
        text("03123456\n71123456", None),
        several("03123456 71123456")
    );
    assert_eq!(
        text("03123456\r\n71123456", None),
        several("03123456 71123456")
    );
    assert_eq!(
        text("03123456، 71123456", None),
        several("03123456، 71123456")
    );
    assert_eq!(
        text("+961 3 123456 / +971 50 123 4567", None),
        several("+961 3 123456 / +971 50 123 4567")
    );
}

#[test]
fn separator_within_one_number_is_not_two_numbers() {
    assert_eq!(text("+961/3/123456", None), ok("9613123456"));
    assert_eq!(text("03 123 / 456", Some("961")), ok("9613123456"));
    assert_eq!(text("03123456\n", Some("961")), ok("9613123456"));
}

#[test]
fn international_prefix_followed_by_zero() {
    assert_eq!(
        text("+0961 3 123456", None),
        starts_with_zero("09613123456")
    );
    assert_eq!(
        text("000961 3 123456", None),
        starts_with_zero("09613123456")
    );
    assert_eq!(
        text("+0961 3 123456", Some("961")),
        starts_with_zero("09613123456")
    );
}

#[test]
fn exported_decimal_text_is_read_as_the_numeric_cell() {
    assert_eq!(text("9613123456.0", None), ok("9613123456"));
    assert_eq!(text("'96170123456.00", Some("961")), ok("96170123456"));
    assert_eq!(text("971501234567.0", Some("971")), ok("971501234567"));
    assert_eq!(
        text("501234567.0", Some("971")),
        numeric_without_code("501234567", "971")
    );
    assert_eq!(text("9613123.0", None), too_short("9613123"));
}

#[test]
fn decimal_text_with_leading_zero_is_rejected() {
    assert_eq!(
        text("0501234567.0", Some("971")),
        Err(PhoneError::DecimalText {
            value: "0501234567.0".to_owned()
        })
    );
}

#[test]
fn single_dot_with_other_digits_is_formatting() {
    assert_eq!(text("03.123456", Some("961")), ok("9613123456"));
    assert_eq!(text("961.3123456", None), ok("9613123456"));
}

// ---- length ----

#[test]
fn seven_digits_too_short() {
    assert_eq!(text("+961 3123", None), too_short("9613123"));
    assert_eq!(text("9613123", None), too_short("9613123"));
}

#[test]
fn exactly_eight_digits_ok() {
    assert_eq!(text("+961 31234", None), ok("96131234"));
    assert_eq!(text("12345678", None), ok("12345678"));
}

#[test]
fn exactly_fifteen_digits_ok() {
    assert_eq!(text("+123 456 789 012 345", None), ok("123456789012345"));
}

#[test]
fn sixteen_digits_too_long() {
    assert_eq!(
        text("+1234 5678 9012 3456", None),
        too_long("1234567890123456")
    );
    assert_eq!(
        text("0501234567890123", Some("971")),
        too_long("971501234567890123")
    );
}

#[test]
fn very_long_text_is_shortened_in_the_error() {
    let raw = "9".repeat(100);
    let expected = format!("{}…", "9".repeat(MAX_SHOWN_CHARS - 1));
    assert_eq!(
        text(&raw, None),
        Err(PhoneError::TooLong {
            digits: expected,
            count: 100
        })
    );
}

// ---- numeric cells ----

#[test]
fn numeric_international() {
    assert_eq!(number(9613123456.0, None), ok("9613123456"));
    assert_eq!(number(96170123456.0, None), ok("96170123456"));
    assert_eq!(number(971501234567.0, None), ok("971501234567"));
}

#[test]
fn numeric_starting_with_country_code() {
    assert_eq!(number(971501234567.0, Some("971")), ok("971501234567"));
    assert_eq!(number(9613123456.0, Some("+961")), ok("9613123456"));
}

#[test]
fn numeric_without_country_code_is_not_guessed() {
    assert_eq!(
        number(501234567.0, Some("971")),
        numeric_without_code("501234567", "971")
    );
    assert_eq!(
        number(3123456.0, Some("961")),
        numeric_without_code("3123456", "961")
    );
    assert_eq!(
        number(70123456.0, Some("961")),
        numeric_without_code("70123456", "961")
    );
}

#[test]
fn numeric_fraction() {
    assert_eq!(
        number(12.5, None),
        Err(PhoneError::NotWhole {
            value: "12.5".to_owned()
        })
    );
    assert_eq!(
        number(961.5, Some("961")),
        Err(PhoneError::NotWhole {
            value: "961.5".to_owned()
        })
    );
}

#[test]
fn numeric_negative() {
    assert_eq!(
        number(-9613123456.0, None),
        Err(PhoneError::Negative {
            value: "-9613123456".to_owned()
        })
    );
}

#[test]
fn numeric_not_finite() {
    for (value, shown) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        assert_eq!(
            number(value, None),
            Err(PhoneError::NotFinite {
                value: shown.to_owned()
            })
        );
    }
}

#[test]
fn numeric_zero_is_too_short() {
    assert_eq!(number(0.0, None), too_short("0"));
    assert_eq!(number(-0.0, None), too_short("0"));
}

#[test]
fn numeric_lengths() {
    assert_eq!(number(9613123.0, None), too_short("9613123"));
    assert_eq!(number(12345678.0, None), ok("12345678"));
    assert_eq!(number(999_999_999_999_999.0, None), ok("999999999999999"));
    assert_eq!(number(1e15, None), too_long("1000000000000000"));
    assert_eq!(
        number(1234567890123456.0, None),
        too_long("1234567890123456")
    );
}

#[test]
fn numeric_huge_is_too_long_and_shortened() {
    assert_eq!(number(1e16, None), too_long("10000000000000000"));
    match number(1e300, None) {
        Err(PhoneError::TooLong { digits, count }) => {
            assert_eq!(count, 301);
            assert_eq!(digits.chars().count(), MAX_SHOWN_CHARS);
            assert!(digits.starts_with("1000000000000000") && digits.ends_with('…'));
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
}

// ---- messages ----

#[test]
fn display_texts() {
    let cases = [
        (text("", None), "no recipient number"),
        (
            text("03#123456", Some("961")),
            "'03#123456' contains '#', which does not belong in a phone number",
        ),
        (
            text("961+3123456", None),
            "'961+3123456' has a '+' after the start: '+' may only begin the number, like +961 3 123456",
        ),
        (
            text("9.61312E+09", None),
            "'9.61312E+09' lost its digits to scientific notation: format the phone column as Text and enter the numbers again",
        ),
        (
            text("0501234567.0", Some("971")),
            "'0501234567.0' ends in a decimal .0, which is no part of a phone number: delete it or format the column as Text",
        ),
        (
            text("03123456 / 71123456", Some("961")),
            "'03123456 / 71123456' holds more than one number: put one number per row",
        ),
        (
            text("03 123 456", None),
            "national number 03123456 (starts with 0) needs a country code (use --country-code)",
        ),
        (
            text("70123456", Some("961")),
            "70123456 has no + or leading 0 and its digits do not start with country code 961: write it as +961… or with its own +country code",
        ),
        (
            number(501234567.0, Some("971")),
            "501234567 is stored as a number without country code 971 (Excel drops a leading 0): format the column as Text or write the number as +971…",
        ),
        (
            text("+0961 3 123456", None),
            "09613123456 starts with 0 after the + or 00, but no country code starts with 0",
        ),
        (
            text("+961 3123", None),
            "9613123 is too short: 7 digits, but a number with its country code has 8 to 15",
        ),
        (
            text("+1234 5678 9012 3456", None),
            "1234567890123456 is too long: 16 digits, but a number with its country code has 8 to 15",
        ),
        (
            number(f64::NAN, None),
            "numeric cell holds NaN, which is not a phone number",
        ),
        (
            number(-5.0, None),
            "numeric cell holds -5, a negative number, which is not a phone number",
        ),
        (
            number(961.5, None),
            "numeric cell holds 961.5, which is not a whole number, so not a phone number",
        ),
    ];
    for (result, expected) in cases {
        assert_eq!(message(result), expected);
    }
}

#[test]
fn messages_are_one_line() {
    let result = text("03123456\n71123456", None);
    assert!(!message(result).contains('\n'));
}

// ---- properties ----

fn assert_api_form(digits: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()),
        "length of {digits:?}"
    );
    prop_assert!(
        digits.bytes().all(|b| b.is_ascii_digit()),
        "non-digit in {digits:?}"
    );
    prop_assert!(!digits.starts_with('0'), "leading zero in {digits:?}");
    Ok(())
}

fn check_text(raw: &str, country: Option<&CountryCode>) -> Result<(), TestCaseError> {
    if let Ok(digits) = normalize(RawNumber::Text(raw), country) {
        assert_api_form(&digits)?;
    }
    Ok(())
}

fn check_number(raw: f64, country: Option<&CountryCode>) -> Result<(), TestCaseError> {
    match normalize(RawNumber::Number(raw), country) {
        Ok(digits) => assert_api_form(&digits)?,
        Err(error) => prop_assert!(!error.to_string().contains('\n')),
    }
    Ok(())
}

fn country_codes() -> impl Strategy<Value = Option<CountryCode>> {
    prop_oneof![
        Just(None),
        "[1-9][0-9]{0,2}".prop_map(|digits| Some(code(&digits))),
    ]
}

fn phone_like_text() -> impl Strategy<Value = String> {
    "['+]?[0-9٠-٩۰-۹０-９ ()\\-./+,;|\u{00A0}\u{200F}\u{202A}eE]{0,24}"
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        (0u64..10_000_000_000_000_000).prop_map(|n| n as f64),
    ]
}

proptest! {
    #[test]
    fn any_string_never_panics_and_ok_is_api_form(raw in any::<String>(), country in country_codes()) {
        check_text(&raw, country.as_ref())?;
    }

    #[test]
    fn phone_like_string_never_panics_and_ok_is_api_form(raw in phone_like_text(), country in country_codes()) {
        check_text(&raw, country.as_ref())?;
    }

    #[test]
    fn any_f64_never_panics_and_ok_is_api_form(raw in any_f64(), country in country_codes()) {
        check_number(raw, country.as_ref())?;
    }

    #[test]
    fn country_code_parse_never_panics(raw in any::<String>()) {
        if let Ok(parsed) = raw.parse::<CountryCode>() {
            prop_assert!((1..=3).contains(&parsed.digits().len()));
            prop_assert!(!parsed.digits().starts_with('0'));
        }
    }

    #[test]
    fn the_plain_number_shortcut_agrees_with_the_general_path(
        raw in "[ ]{0,2}[+]?(00)?[0-9 +-]{0,18}",
        country in country_codes(),
    ) {
        if let Some((prefix, digits)) = plain_number(&raw) {
            prop_assert_eq!(
                apply_prefix(prefix, digits, country.as_ref()).and_then(check_final_digits),
                read_any_text(&raw).and_then(|read| match read {
                    Read::Prefixed(prefix, digits) => apply_prefix(prefix, digits, country.as_ref()),
                    Read::Numeric(digits) => require_numeric_country_code(digits, country.as_ref()),
                }).and_then(check_final_digits),
                "{:?}", raw
            );
        }
    }

    #[test]
    fn international_text_round_trips(digits in "[1-9][0-9]{7,14}", spaced in any::<bool>()) {
        prop_assume!(trunk_zero_after(&digits).is_none());
        let raw = if spaced {
            let (head, tail) = digits.split_at(3);
            format!("+{head} {tail}")
        } else {
            format!("00{digits}")
        };
        prop_assert_eq!(normalize(RawNumber::Text(&raw), None), Ok(digits.clone()));
    }

    #[test]
    fn whole_number_round_trips(digits in "[1-9][0-9]{7,14}") {
        prop_assume!(trunk_zero_after(&digits).is_none());
        let value: f64 = digits.parse().expect("digits parse as f64");
        prop_assert_eq!(normalize(RawNumber::Number(value), None), Ok(digits.clone()));
    }

    #[test]
    fn national_text_gets_country_code(country in "[1-9][0-9]{0,2}", rest in "[1-9][0-9]{6,11}") {
        prop_assume!(trunk_zero_after(&format!("{country}{rest}")).is_none());
        let raw = format!("0{rest}");
        let country_code = code(&country);
        prop_assert_eq!(
            normalize(RawNumber::Text(&raw), Some(&country_code)),
            Ok(format!("{country}{rest}"))
        );
    }
}

#[test]
fn a_trunk_zero_after_the_country_code_is_refused() {
    let cc: CountryCode = "961".parse().unwrap();
    for text in ["+961 03 123 456", "0096103123456", "+971 050 123 4567"] {
        assert!(
            matches!(
                normalize(RawNumber::Text(text), Some(&cc)),
                Err(PhoneError::ZeroAfterCountryCode { .. })
            ),
            "{text}"
        );
    }
    let err = normalize(RawNumber::Text("+961 03 123 456"), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "96103123456 has a 0 right after country code 961; that 0 is dialled only inside the country: write +961 and the number without it"
    );
    // Italian numbers keep their 0 after the country code.
    assert_eq!(
        normalize(RawNumber::Text("+39 06 6982 1234"), None).unwrap(),
        "390669821234"
    );
    assert_eq!(
        normalize(RawNumber::Text("+225 07 12 34 56 78"), None).unwrap(),
        "2250712345678"
    );
}

#[test]
fn the_no_zero_codes_are_prefix_free() {
    for a in NO_ZERO_AFTER {
        for b in NO_ZERO_AFTER {
            assert!(a == b || !b.starts_with(a), "{a} is a prefix of {b}");
        }
    }
}

/// The ways a spreadsheet holds one international number: `+`, `00`, spaced, dashed, in
/// Arabic-Indic or Persian digits, wrapped in direction marks.
fn international_spellings(digits: &str, spaced: &str) -> Vec<String> {
    let to_script = |zero: u32| -> String {
        spaced
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(zero + d).unwrap_or(c),
                None => c,
            })
            .collect()
    };
    vec![
        format!("+{digits}"),
        format!("00{digits}"),
        spaced.to_owned(),
        spaced.replace(' ', "-"),
        format!("00{}", spaced.trim_start_matches('+')),
        to_script(0x0660),
        to_script(0x06F0),
        format!("\u{200E}{spaced}"),
        format!("\u{200F}{spaced}\u{200F}"),
        format!("\u{202A}{spaced}\u{202C}"),
    ]
}

/// Every country's example mobile number from the metadata, written every way a sheet holds
/// it, reads as the same digits. Two kinds of exception, both by the rules: a bare national
/// spelling that is also a valid number elsewhere (`131 2345 6789` in China is also
/// +1 312 345 6789) is refused naming both readings, and a country whose numbers are shorter
/// than the 8 digits smsmerge requires (Tokelau's +690 7290) is refused as too short.
#[test]
fn every_spelling_of_each_countrys_example_mobile_reads_as_the_same_digits() {
    use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumberFormat, PhoneNumberType};
    let mut countries = 0;
    let mut wrong = Vec::new();
    let mut too_short = Vec::new();
    let without_country = NumberRules::checked(None);
    for region in PHONE_NUMBER_UTIL.get_supported_regions() {
        let Ok(example) = PHONE_NUMBER_UTIL
            .get_example_number_for_type_and_region(region, PhoneNumberType::Mobile)
        else {
            continue;
        };
        let code = PHONE_NUMBER_UTIL
            .get_country_code_for_region(region)
            .unwrap()
            .to_string();
        let with_country = NumberRules::checked(Some(code.parse().unwrap()));
        let format = |how| PHONE_NUMBER_UTIL.format(&example, how).into_owned();
        let digits = format(PhoneNumberFormat::E164)
            .trim_start_matches('+')
            .to_owned();
        let spaced = format(PhoneNumberFormat::International);
        let national = format(PhoneNumberFormat::National);
        countries += 1;
        if digits.len() < 8 {
            assert!(matches!(
                check(RawNumber::Text(&spaced), &with_country),
                Err(PhoneError::TooShort { .. })
            ));
            too_short.push(region.to_string());
            continue;
        }
        let mut expect = |spelling: &str, rules: &NumberRules| {
            let got = check(RawNumber::Text(spelling), rules);
            let plus = format!("+{digits}");
            let right = match &got {
                Ok(got) => *got == digits,
                Err(PhoneError::TwoReadings { first, second, .. }) => {
                    spelling == national && (*first == plus || *second == plus)
                }
                Err(_) => false,
            };
            if !right {
                wrong.push(format!(
                    "{region} {spelling:?} with {:?}: {got:?}",
                    rules.country
                ));
            }
        };
        for spelling in international_spellings(&digits, &spaced) {
            expect(&spelling, &with_country);
        }
        // Explicit international spellings need no country code.
        expect(&format!("+{digits}"), &without_country);
        expect(&format!("00{digits}"), &without_country);
        // The way the country writes it at home, with its own trunk prefix if it has one.
        expect(&national, &with_country);
    }
    assert!(
        countries > 200,
        "only {countries} countries have an example mobile"
    );
    assert!(
        wrong.is_empty(),
        "{} of {countries}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        too_short,
        ["TK"],
        "countries whose mobiles have under 8 digits"
    );
}
