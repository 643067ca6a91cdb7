//! Phone number reading on arbitrary text (with and without a country code) and on arbitrary
//! numbers, by the country-blind rules and by each country's numbering plan: never a panic,
//! every accepted number is in the API's form, and the plan reads a number it accepted,
//! written back with `+`, as the same digits.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smsmerge::text::phone::{CountryCode, NumberRules, RawNumber, check, normalize};

/// Country codes with different lengths, trunk prefixes and plans: 961 writes some mobiles
/// with a trunk 0 and some without, 965 and 974 have no trunk prefix, 39 keeps its 0 after
/// the country code, 1 has trunk 1 and area codes.
const CODES: [&str; 9] = ["961", "1", "39", "225", "44", "965", "974", "971", "966"];

/// The API form: 8 to 15 ASCII digits, the first not 0.
#[track_caller]
fn assert_api_form(digits: &str, raw: RawNumber<'_>, country: Option<&CountryCode>) {
    assert!(
        (8..=15).contains(&digits.len()),
        "{raw:?} with {country:?} gave {digits:?}"
    );
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
    assert!(!digits.starts_with('0'), "{digits:?}");
}

/// One cell read every way a send can read it: the country-blind rules, then the plan with
/// landlines refused and allowed.
#[track_caller]
fn read_all_ways(raw: RawNumber<'_>, country: Option<&CountryCode>) {
    match normalize(raw, country) {
        Ok(digits) => {
            assert_api_form(&digits, raw, country);
            if let (RawNumber::Number(_), Some(code)) = (raw, country) {
                assert!(digits.starts_with(code.digits()), "{digits:?} {code}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    for allow_landlines in [false, true] {
        let rules = NumberRules {
            allow_landlines,
            ..NumberRules::checked(country.cloned())
        };
        match check(raw, &rules) {
            Ok(digits) => {
                assert_api_form(&digits, raw, country);
                let again = check(RawNumber::Text(&format!("+{digits}")), &rules);
                assert_eq!(again.as_deref(), Ok(digits.as_str()), "{raw:?} {rules:?}");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let codes: Vec<CountryCode> = CODES.iter().map(|c| c.parse().expect("a code")).collect();

    // Eight bytes as a numeric cell's f64, every bit pattern (NaN, -0, subnormals, 1e300).
    if let Some(bytes) = data.get(..8) {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(bytes);
        let value = f64::from_le_bytes(raw);
        read_all_ways(RawNumber::Number(value), None);
        for code in &codes {
            read_all_ways(RawNumber::Number(value), Some(code));
        }
        // The same digits as a whole number, where phone numbers really live.
        let whole = (u64::from_le_bytes(raw) % 1_000_000_000_000_000) as f64;
        read_all_ways(RawNumber::Number(whole), None);
        read_all_ways(RawNumber::Number(whole), Some(&codes[0]));
    }

    let text = String::from_utf8_lossy(data);
    read_all_ways(RawNumber::Text(&text), None);
    for code in &codes {
        read_all_ways(RawNumber::Text(&text), Some(code));
    }
    // The text as a --country-code value: parsed or refused, never a panic; a parsed code is
    // 1 to 3 digits and completes a national number.
    if let Ok(code) = text.parse::<CountryCode>() {
        let digits = code.digits();
        assert!((1..=3).contains(&digits.len()), "{digits:?}");
        assert!(digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'));
        read_all_ways(RawNumber::Text(&text), Some(&code));
        read_all_ways(RawNumber::Text("03 123 456"), Some(&code));
    }
});
