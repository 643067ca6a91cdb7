//! The country-blind rules (`--no-number-check`, and the E.164 limits every number keeps):
//! a prefix applied, the lengths checked, a trunk `0` after a country code that has none.

use super::cleaning::{Prefix, shorten};
use super::{CountryCode, MAX_DIGITS, MIN_DIGITS, PhoneError};

/// Puts the country code in front as the prefix demands.
pub(super) fn apply_prefix(
    prefix: Prefix,
    digits: String,
    country: Option<&CountryCode>,
) -> Result<String, PhoneError> {
    match (prefix, country) {
        (Prefix::International, _) if digits.starts_with('0') => {
            Err(PhoneError::StartsWithZero { digits })
        }
        (Prefix::International, _) | (Prefix::Bare | Prefix::AreaCode(_), None) => Ok(digits),
        (Prefix::National, Some(code)) => Ok(format!("{}{}", code.digits(), &digits[1..])),
        (Prefix::National, None) => Err(PhoneError::NationalWithoutCountryCode { digits }),
        (Prefix::Bare | Prefix::AreaCode(_), Some(code)) if digits.starts_with(code.digits()) => {
            Ok(digits)
        }
        // Too short to be anything: say that, not that the country code is missing.
        (Prefix::Bare | Prefix::AreaCode(_), Some(_)) if digits.len() < MIN_DIGITS => {
            Err(PhoneError::TooShort {
                count: digits.len(),
                digits,
            })
        }
        (Prefix::Bare | Prefix::AreaCode(_), Some(code)) => {
            Err(PhoneError::TextWithoutCountryCode {
                digits: shorten(&digits),
                country: code.digits().to_owned(),
            })
        }
    }
}

/// A numeric cell has lost any `+` and leading `0`: with a country code
/// given, it must already start with it, or it is not guessed at.
pub(super) fn require_numeric_country_code(
    digits: String,
    country: Option<&CountryCode>,
) -> Result<String, PhoneError> {
    match country {
        Some(code) if !digits.starts_with(code.digits()) => {
            Err(PhoneError::NumericWithoutCountryCode {
                digits: shorten(&digits),
                country: code.digits().to_owned(),
            })
        }
        _ => Ok(digits),
    }
}

/// Country codes after which a number never starts with `0`: there, a `0` right after the
/// code is the trunk prefix dialled only inside the country (`+961 03 123 456`), and sending
/// with it reaches nobody or somebody else. Countries whose numbers may start with 0 after the
/// code (Italy 39, Côte d'Ivoire 225, Gabon 241, Congo 242, ...) are deliberately absent;
/// every code listed is a whole ITU code, and the codes are prefix-free.
pub(super) const NO_ZERO_AFTER: [&str; 73] = [
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "52", "55", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "86",
    "90", "91", "92", "93", "94", "95", "98", "212", "213", "216", "218", "233", "234", "249",
    "251", "252", "254", "255", "256", "351", "353", "358", "880", "886", "961", "962", "963",
    "964", "965", "966", "967", "968", "970", "971", "972", "973", "974", "977", "992", "994",
    "998",
];

/// The rules every result obeys: 8 to 15 digits, first one not `0`, no trunk `0` after a
/// country code that never has one.
pub(super) fn check_final_digits(digits: String) -> Result<String, PhoneError> {
    let digits = check_lengths(digits)?;
    if digits.starts_with('0') {
        return Err(PhoneError::StartsWithZero { digits });
    }
    if let Some(code) = trunk_zero_after(&digits) {
        return Err(PhoneError::ZeroAfterCountryCode {
            country: code.to_owned(),
            digits,
        });
    }
    Ok(digits)
}

/// The E.164 limits: 8 to 15 digits with the country code.
pub(super) fn check_lengths(digits: String) -> Result<String, PhoneError> {
    let count = digits.len();
    if count < MIN_DIGITS {
        return Err(PhoneError::TooShort { digits, count });
    }
    if count > MAX_DIGITS {
        return Err(PhoneError::TooLong {
            digits: shorten(&digits),
            count,
        });
    }
    Ok(digits)
}

/// The country code of `digits` when a trunk `0` follows it where none may.
pub(super) fn trunk_zero_after(digits: &str) -> Option<&'static str> {
    // Codes are 1 to 3 digits: without a 0 right after the first 1 to 3, no code has one.
    if !digits.bytes().skip(1).take(3).any(|b| b == b'0') {
        return None;
    }
    NO_ZERO_AFTER
        .iter()
        .find(|code| digits.starts_with(**code))
        .filter(|code| digits[code.len()..].starts_with('0'))
        .copied()
}
