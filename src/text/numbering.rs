//! Each country's numbering plan, from Google's libphonenumber metadata (the
//! `rlibphonenumber` crate): whether a number in API form can exist, whether it
//! is a landline, and how a national number reads in its country.
//!
//! Boundary: digit strings in, verdicts out. The cleaning of what spreadsheets do
//! to numbers, and the never-guess policy, are `phone`'s; this module only asks
//! the metadata, so the country rules are never written by hand.

use rlibphonenumber::{
    NumberLengthType, PHONE_NUMBER_UTIL, PhoneNumber, PhoneNumberFormat, PhoneNumberType, Region,
    ValidationError,
};
use std::fmt;

/// Longest national significant number any plan can hold (E.164 allows 15 digits in all).
const MAX_NATIONAL_DIGITS: usize = 17;

/// Why a number that passed the length rules is not one its country's plan knows.
///
/// The `Display` text is the row's Detail: it names the country, because the
/// person fixing the sheet thinks in countries, not calling codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanProblem {
    /// No country uses the calling code the digits start with.
    #[error("+{digits} starts with no country's calling code")]
    UnknownCountryCode {
        /// The number's digits.
        digits: String,
    },

    /// Fewer digits than any number of the country.
    #[error(
        "+{digits} is too short for {country}: {count} digits after the country code, numbers there have {lengths}"
    )]
    TooShort {
        /// The number's digits.
        digits: String,
        /// The country and its code, like `Lebanon (+961)`.
        country: String,
        /// Digits after the country code.
        count: usize,
        /// The lengths the plan allows, like `7 or 8`.
        lengths: String,
    },

    /// More digits than any number of the country.
    #[error(
        "+{digits} is too long for {country}: {count} digits after the country code, numbers there have {lengths}"
    )]
    TooLong {
        /// The number's digits.
        digits: String,
        /// The country and its code.
        country: String,
        /// Digits after the country code.
        count: usize,
        /// The lengths the plan allows.
        lengths: String,
    },

    /// A length between the shortest and the longest that no number there has.
    #[error(
        "+{digits} has a length no number in {country} has: {count} digits after the country code, numbers there have {lengths}"
    )]
    WrongLength {
        /// The number's digits.
        digits: String,
        /// The country and its code.
        country: String,
        /// Digits after the country code.
        count: usize,
        /// The lengths the plan allows.
        lengths: String,
    },

    /// The length fits but no line of the country starts that way.
    #[error(
        "+{digits} is not a number in use in {country}: no line there starts with these digits (check the number, or use --no-number-check if its range is new)"
    )]
    NotInUse {
        /// The number's digits.
        digits: String,
        /// The country and its code.
        country: String,
    },

    /// A fixed line: the SMS would be paid for and lost.
    #[error(
        "+{digits} is a landline in {country}: it cannot receive SMS (use --allow-landlines to send to landlines anyway)"
    )]
    Landline {
        /// The number's digits.
        digits: String,
        /// The country and its code.
        country: String,
    },
}

/// A number the plan knows, in API form (digits, country code first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The digits to send to.
    pub digits: String,
    /// Whether the plan knows it only as a fixed line.
    pub landline: bool,
    /// The calling code, for the batch's country check.
    pub calling_code: u16,
}

/// Checks digits in API form against the plan of the country their calling code
/// names. The digits are kept as given when they are a valid number (so journal
/// keys never change for numbers that were valid before); otherwise the library's
/// own reading is tried, which drops a trunk prefix kept after the country code
/// (`+966 0512…`), and the first reading's problem is reported if that fails too.
pub fn check(digits: &str) -> Result<Known, PlanProblem> {
    let number = split(digits)?;
    match verdict(&number, digits) {
        Ok(known) => Ok(known),
        Err(problem) => match reparse(digits) {
            Some(known) if known.digits != digits => Ok(known),
            _ => Err(problem),
        },
    }
}

/// Whether digits in API form are a valid number of their country (landline or not).
pub fn is_valid(digits: &str) -> bool {
    check(digits).is_ok()
}

/// The number a national spelling (`03 123 456`, `500 12345`, `011 33 6…` in the US) stands
/// for in the country of `calling_code`, read with that country's own trunk and
/// international prefixes; `None` when the plan knows no such number.
pub fn national_reading(national: &str, calling_code: &str) -> Option<Known> {
    let code: i32 = calling_code.parse().ok()?;
    let region = PHONE_NUMBER_UTIL.get_region_for_country_code(code)?;
    let number = PHONE_NUMBER_UTIL.parse(national, Some(region)).ok()?;
    let digits = e164_digits(&number);
    verdict(&number, &digits).ok()
}

/// The country of a calling code as a Detail names it: `Lebanon (+961)`.
pub fn country_label(calling_code: u16) -> String {
    let name = PHONE_NUMBER_UTIL
        .get_region_for_country_code(i32::from(calling_code))
        .and_then(region_name)
        .unwrap_or("an unknown country");
    format!("{name} (+{calling_code})")
}

/// The calling code the digits start with, if any country uses it.
pub fn calling_code(digits: &str) -> Option<u16> {
    split_code(digits).and_then(|(code, _)| u16::try_from(code).ok())
}

/// The calling code at the start of the digits and the national part after it. Calling
/// codes are 1 to 3 digits and none is the start of another, so the first that a country
/// uses is the one.
fn split_code(digits: &str) -> Option<(i32, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3.min(digits.len())).find_map(|len| {
        let code: i32 = digits[..len].parse().ok()?;
        PHONE_NUMBER_UTIL
            .get_region_for_country_code(code)
            .map(|_| (code, &digits[len..]))
    })
}

/// The English name of a region (ISO 3166), where ISO names one.
fn region_name(region: Region) -> Option<&'static str> {
    let code = region.as_region_str();
    isocountry::CountryCode::for_alpha2(code.as_str())
        .ok()
        .map(|country| country.name())
}

/// The digits as the library's number, without parsing: calling code and national part.
fn split(digits: &str) -> Result<PhoneNumber, PlanProblem> {
    let unknown = || PlanProblem::UnknownCountryCode {
        digits: digits.to_owned(),
    };
    let (code, national) = split_code(digits).ok_or_else(unknown)?;
    let national_number: u64 = national.parse().map_err(|_| unknown())?;
    let zeros = national.bytes().take_while(|&b| b == b'0').count();
    Ok(PhoneNumber {
        country_code: code,
        national_number,
        // A national part that starts with 0 (Italy's landlines) keeps its zeros.
        italian_leading_zero: (zeros > 0).then_some(true),
        number_of_leading_zeros: (zeros > 1).then(|| i32::try_from(zeros).unwrap_or(1)),
        ..PhoneNumber::default()
    })
}

/// The library's own reading of `+digits`, kept only when valid.
fn reparse(digits: &str) -> Option<Known> {
    let number = PHONE_NUMBER_UTIL.parse(format!("+{digits}"), None).ok()?;
    let digits = e164_digits(&number);
    verdict(&number, &digits).ok()
}

/// The number's digits in API form.
fn e164_digits(number: &PhoneNumber) -> String {
    let formatted = PHONE_NUMBER_UTIL.format(number, PhoneNumberFormat::E164);
    formatted.trim_start_matches('+').to_owned()
}

/// Validity, then the number's type, of one number whose digits are `digits`.
fn verdict(number: &PhoneNumber, digits: &str) -> Result<Known, PlanProblem> {
    let calling_code = u16::try_from(number.country_code).unwrap_or_default();
    let country = || country_label(calling_code);
    let count = digits.len().saturating_sub(calling_code.to_string().len());
    let length_problem = |make: fn(String, String, usize, String) -> PlanProblem| {
        make(
            digits.to_owned(),
            country(),
            count,
            possible_lengths(number.country_code),
        )
    };
    match PHONE_NUMBER_UTIL.is_possible_number_with_reason(number) {
        Ok(_) => {}
        Err(ValidationError::InvalidCountryCode) => {
            return Err(PlanProblem::UnknownCountryCode {
                digits: digits.to_owned(),
            });
        }
        Err(ValidationError::TooShort) => {
            return Err(length_problem(|digits, country, count, lengths| {
                PlanProblem::TooShort {
                    digits,
                    country,
                    count,
                    lengths,
                }
            }));
        }
        Err(ValidationError::TooLong) => {
            return Err(length_problem(|digits, country, count, lengths| {
                PlanProblem::TooLong {
                    digits,
                    country,
                    count,
                    lengths,
                }
            }));
        }
        Err(ValidationError::InvalidLength) => {
            return Err(length_problem(|digits, country, count, lengths| {
                PlanProblem::WrongLength {
                    digits,
                    country,
                    count,
                    lengths,
                }
            }));
        }
    }
    // One pass over the plan's patterns: the library's validity check is this same lookup
    // of the number's type, compared with "unknown" (asking both doubled the cost).
    let kind = PHONE_NUMBER_UTIL.get_number_type(number);
    if kind == PhoneNumberType::Unknown {
        return Err(PlanProblem::NotInUse {
            digits: digits.to_owned(),
            country: country(),
        });
    }
    Ok(Known {
        digits: digits.to_owned(),
        landline: kind == PhoneNumberType::FixedLine,
        calling_code,
    })
}

/// The national lengths the plan of `calling_code` allows, as a Detail says them (`7 or 8`),
/// found by asking the plan about a number of each length (the metadata's own list is private).
fn possible_lengths(calling_code: i32) -> String {
    let lengths: Vec<String> = (1..=MAX_NATIONAL_DIGITS)
        .filter(|&len| {
            let probe = PhoneNumber {
                country_code: calling_code,
                national_number: 10u64.pow(u32::try_from(len - 1).unwrap_or(0)),
                ..PhoneNumber::default()
            };
            matches!(
                PHONE_NUMBER_UTIL.is_possible_number_with_reason(&probe),
                Ok(NumberLengthType::IsPossible)
            )
        })
        .map(|len| len.to_string())
        .collect();
    match lengths.split_last() {
        None => "other lengths".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

impl fmt::Display for Known {
    /// Shows the number as `+961…`, the way Details quote numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_said_the_way_a_person_reads_them() {
        assert_eq!(possible_lengths(961), "7 or 8");
    }

    #[test]
    fn a_kept_trunk_zero_is_dropped_by_the_plan() {
        assert_eq!(
            check("9660512795381").map(|k| k.digits),
            Ok("966512795381".into())
        );
    }

    #[test]
    fn the_country_is_named() {
        assert_eq!(country_label(961), "Lebanon (+961)");
    }
}
