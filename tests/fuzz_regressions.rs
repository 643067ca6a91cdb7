//! Inputs saved from the fuzz targets in `fuzz/`, replayed against the
//! pure functions with the same invariants the targets check. Workbook inputs that crashed a
//! reader are replayed through the binary in `tests/hostile.rs`.
//!
//! Each input is written inline, reduced by hand to the smallest text that still shows the
//! problem.

use smsmerge::book::Headers;
use smsmerge::book::value::{Value, ValueFormat};
use smsmerge::text::phone::{CountryCode, RawNumber, normalize};
use smsmerge::text::sms::{Encoding, analyze, decode_ucs2_hex, ucs2_hex};
use smsmerge::text::template::Template;

// ---------------------------------------------------------------------------------------------
// The invariants of the fuzz targets

/// `fuzz_targets/template.rs`: the canonical form parses back to the same template, and a
/// text without placeholders renders to itself.
#[track_caller]
fn template_invariants(text: &str) {
    let Ok(template) = Template::parse(text) else {
        return;
    };
    let canonical = template.to_string();
    let again = Template::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {text:?} does not parse: {e}"));
    assert_eq!(again, template, "canonical form {canonical:?} of {text:?}");
    let headers = Headers::new(
        ["Phone", "Name", "First Name", "a}", "الاسم"]
            .map(str::to_owned)
            .to_vec(),
    );
    if let Ok(bound) = template.bind(&headers) {
        let cells = [Value::text("+9613123456"), Value::text("Ali"), Value::Empty];
        match bound.render(&cells, &ValueFormat::default()) {
            Ok(message) if !text.contains("{{") => assert_eq!(message, text),
            Ok(_) => {}
            Err(errors) => assert!(!errors.is_empty()),
        }
    }
}

/// `fuzz_targets/phone.rs`: every accepted number is 8 to 15 ASCII digits, not starting with
/// 0, and a numeric cell accepted with a country code starts with it.
#[track_caller]
fn phone_invariants(raw: RawNumber<'_>) {
    let codes: Vec<CountryCode> = ["961", "1", "39", "225", "44"]
        .iter()
        .map(|c| c.parse().expect("a country code"))
        .collect();
    let countries = std::iter::once(None).chain(codes.iter().map(Some));
    for country in countries {
        match normalize(raw, country) {
            Ok(digits) => {
                assert!((8..=15).contains(&digits.len()), "{raw:?}: {digits:?}");
                assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
                assert!(!digits.starts_with('0'), "{digits:?}");
                if let (RawNumber::Number(_), Some(code)) = (raw, country) {
                    assert!(digits.starts_with(code.digits()), "{digits:?} {code}");
                }
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// `fuzz_targets/sms.rs`: segments fit the units, and the hex wire form round-trips.
#[track_caller]
fn sms_invariants(text: &str) {
    let info = analyze(text);
    if text.is_empty() {
        assert_eq!((info.units, info.segments), (0, 0));
        return;
    }
    assert!(info.segments >= 1, "{text:?}: {info:?}");
    let (single, multi) = match info.encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    if info.units <= single {
        assert_eq!(info.segments, 1, "{text:?}: {info:?}");
    } else {
        assert!(info.segments >= info.units.div_ceil(multi), "{info:?}");
        assert!(info.segments <= info.units.div_ceil(multi - 1), "{info:?}");
    }
    let hex = ucs2_hex(text);
    assert_eq!(decode_ucs2_hex(&hex).as_deref(), Ok(text));
    assert_eq!(
        decode_ucs2_hex(&hex.to_ascii_lowercase()).as_deref(),
        Ok(text)
    );
}

// ---------------------------------------------------------------------------------------------
// Saved inputs

#[test]
fn template_canonical_form_of_a_name_ending_in_a_brace() {
    // Found by the `template` target as "Dear {{me}  }}}pa{{Am,ipa{{Amount|0}} b…": the
    // first "}}" closes the placeholder, so its name is "me}" once trimmed; `Display` writes
    // "{{me}}}}", whose first "}}" comes one brace earlier.
    for text in [
        "{{a} }}",
        "{{a} }}}",
        "{{a|b} }}",
        "Dear {{me}  }}}pa{{Am,ipa{{Amount|0}} b.",
    ] {
        template_invariants(text);
    }
}

#[test]
fn template_inputs_that_reached_rare_paths() {
    for text in [
        "",
        "{{",
        "}}",
        "{{}}",
        "{{ | }}",
        "{{{Name}}",
        "{{Name}}}",
        "{{{{Name}}}}",
        "{{Name|}}",
        "{{Name|a|b}}",
        "{{Name|{{x}}",
        "{{ First Name |  friend }}",
        "{{الاسم}} \u{202E}{{Name}}",
        "Hi {Name} {{Name}}",
        "{{\u{0}}}",
    ] {
        template_invariants(text);
    }
}

#[test]
fn phone_inputs_that_reached_rare_paths() {
    for text in [
        "",
        "+",
        "00",
        "0",
        "+0",
        "(0)",
        "+44 (0)20 7946 0958",
        "9.61312E+09",
        "9,61312E+09",
        "9613123456.0",
        "0501234567.0",
        "03123456 / 71123456",
        "\u{0669}\u{0666}\u{0661}\u{0663}\u{0661}\u{0662}\u{0663}\u{0664}\u{0665}\u{0666}",
        "\u{FF0B}\u{FF19}\u{FF16}\u{FF11}\u{FF13}\u{FF11}\u{FF12}\u{FF13}\u{FF14}\u{FF15}\u{FF16}",
        "\u{202E}6543213 169+",
        "'+9613123456",
        "+961\u{0}3123456",
        "ext. 12",
        "+9613123456+",
        &"1".repeat(40),
        &format!("0{}", "1".repeat(32_766)),
        &format!("+0{}", "1".repeat(1000)),
    ] {
        phone_invariants(RawNumber::Text(text));
    }
    for value in [
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        -1.0,
        9_613_123_456.0,
        9_613_123_456.5,
        1e15,
        999_999_999_999_999.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
    ] {
        phone_invariants(RawNumber::Number(value));
    }
}

#[test]
fn sms_inputs_that_reached_rare_paths() {
    let over = |c: &str, n: usize| c.repeat(n);
    for text in [
        String::new(),
        "€".to_owned(),
        over("a", 160),
        over("a", 161),
        over("€", 80),
        over("€", 81),
        format!("{}€", over("a", 152)),
        over("ع", 70),
        over("ع", 71),
        format!("{}\u{1F600}", over("ع", 66)),
        over("\u{1F600}", 35),
        "\u{0}\u{1B}\u{C}".to_owned(),
        "\u{FFFD}\u{D7FF}\u{E000}\u{10FFFF}".to_owned(),
    ] {
        sms_invariants(&text);
    }
    // Hex from outside: refused or decoded, never a panic.
    for hex in [
        "", "0", "00410", "D83D", "DE00", "D83DDE00", "d83dde00", "ZZZZ", "٠٠٤١",
    ] {
        if let Ok(text) = decode_ucs2_hex(hex) {
            assert_eq!(ucs2_hex(&text), hex.to_ascii_uppercase());
        }
    }
}
