//! Phone number normalization on arbitrary text (with and without a country code) and on
//! arbitrary numbers: never a panic, and every accepted number is in the API's form.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smsmerge::text::phone::{CountryCode, RawNumber, normalize};

/// Country codes with different lengths and trunk-zero rules (961 never, 39 may).
const CODES: [&str; 5] = ["961", "1", "39", "225", "44"];

/// The API form: 8 to 15 ASCII digits, the first not 0.
#[track_caller]
fn check(raw: RawNumber<'_>, country: Option<&CountryCode>) {
    match normalize(raw, country) {
        Ok(digits) => {
            assert!(
                (8..=15).contains(&digits.len()),
                "{raw:?} with {country:?} gave {digits:?}"
            );
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
            assert!(!digits.starts_with('0'), "{digits:?}");
            if let (RawNumber::Number(_), Some(code)) = (raw, country) {
                assert!(digits.starts_with(code.digits()), "{digits:?} {code}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
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
        check(RawNumber::Number(value), None);
        for code in &codes {
            check(RawNumber::Number(value), Some(code));
        }
        // The same digits as a whole number, where phone numbers really live.
        let whole = (u64::from_le_bytes(raw) % 1_000_000_000_000_000) as f64;
        check(RawNumber::Number(whole), None);
        check(RawNumber::Number(whole), Some(&codes[0]));
    }

    let text = String::from_utf8_lossy(data);
    check(RawNumber::Text(&text), None);
    for code in &codes {
        check(RawNumber::Text(&text), Some(code));
    }
    // The text as a --country-code value: parsed or refused, never a panic; a parsed code is
    // 1 to 3 digits and completes a national number.
    if let Ok(code) = text.parse::<CountryCode>() {
        let digits = code.digits();
        assert!((1..=3).contains(&digits.len()), "{digits:?}");
        assert!(digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'));
        check(RawNumber::Text(&text), Some(&code));
        check(RawNumber::Text("03 123 456"), Some(&code));
    }
});
