//! Recipient phone numbers: turn whatever a spreadsheet cell held into the
//! form the OpenTech SMS API expects, or say plainly why that is impossible.
//!
//! The API wants **digits only, country code first, no `+` or `00`**
//! (`9613123456`, `96170123456`, `971501234567`). Office staff type, paste
//! and export numbers every way: with spaces, dashes and brackets, with
//! Arabic-Indic or Persian digits, with invisible direction marks copied
//! from Arabic text, as Excel numbers that lost their leading `0`, or as
//! CSV text that lost its digits to scientific notation.
//!
//! Boundary: one value in ([`RawNumber`] plus an optional [`CountryCode`]),
//! one API-form digit string or one [`PhoneError`] out. This module knows
//! nothing about workbooks, rows or columns beyond [`RawNumber`], and it never
//! guesses: a number it cannot place with certainty is rejected with a
//! sentence the user can act on, because a wrong guess texts a stranger.

mod blind;
mod cleaning;
mod error;

pub use error::PhoneError;

use crate::text::numbering::{self, Known, PlanProblem};
use blind::{apply_prefix, check_final_digits, check_lengths, require_numeric_country_code};
use cleaning::{
    Prefix, Read, is_all_ascii_digits, read, shorten, strip_international_prefix, unify_char,
};
use std::fmt;
use std::str::FromStr;

/// Fewest digits accepted once the country code is in front.
const MIN_DIGITS: usize = 8;

/// Most digits accepted once the country code is in front (the E.164 limit).
const MAX_DIGITS: usize = 15;

/// A country calling code given with `--country-code`, so that national
/// numbers (`03 123 456`) can be completed to international form.
///
/// Accepts `961`, `+961`, `00961` and surrounding spaces; holds 1 to 3 digits
/// that do not start with `0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    /// The code's digits without `+` or `00` (`"961"`), ready to be put in
    /// front of a national number or compared with the start of one.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The code as a number, for the numbering plan's lookups.
    pub fn number(&self) -> u16 {
        // Parsing checked it is 1 to 3 ASCII digits.
        self.0.parse().unwrap_or_default()
    }
}

impl FromStr for CountryCode {
    /// A one-line message for the person who typed the option.
    type Err = String;

    /// Parses the `--country-code` value, so a mistyped code is reported
    /// once at start-up instead of on every row.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let trimmed = input.trim();
        let unified: String = trimmed.chars().map(unify_char).collect();
        let digits = strip_international_prefix(&unified).unwrap_or(&unified);
        if digits.is_empty() {
            return Err("country code is empty: give 1 to 3 digits, like 961 or +961".to_owned());
        }
        if digits.len() > 3 || !is_all_ascii_digits(digits) {
            return Err(format!(
                "country code must be 1 to 3 digits, like 961 or +961 (got '{}')",
                shorten(trimmed)
            ));
        }
        if digits.starts_with('0') {
            return Err(format!(
                "country code cannot start with 0, give it like 961 or +961 (got '{}')",
                shorten(trimmed)
            ));
        }
        Ok(Self(digits.to_owned()))
    }
}

impl fmt::Display for CountryCode {
    /// Shows the bare digits, as they appear in the API form and in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a spreadsheet cell held, because the two kinds fail differently:
/// text keeps `+` and leading `0` but carries formatting noise, while a
/// numeric cell (Excel stores typed numbers as `f64`) has silently lost both.
#[derive(Debug, Clone, Copy)]
pub enum RawNumber<'a> {
    /// A text cell, or any value read from CSV.
    Text(&'a str),
    /// A numeric cell.
    Number(f64),
}

/// A cell as the normalizer sees it; `None` for a value that cannot be a phone number
/// (a date, a boolean, an error), which the caller words for its own context.
pub fn raw_number(value: &crate::book::value::Value) -> Option<RawNumber<'_>> {
    use crate::book::value::Value;
    match value {
        Value::Empty => Some(RawNumber::Text("")),
        Value::Text(s) => Some(RawNumber::Text(s)),
        Value::Number(n) => Some(RawNumber::Number(*n)),
        // i64 → f64 is exact for every real phone number (at most 15 digits).
        Value::Int(i) => Some(RawNumber::Number(*i as f64)),
        _ => None,
    }
}

/// Turns one recipient cell into the API form (digits only, country code
/// first) by the country-blind rules alone, so every sender sees the same validated number
/// or the same explanation of why the row cannot be sent. `--no-number-check` runs this.
///
/// `country` completes national numbers (`03 123 456` → `9613123456`); it is
/// never used to guess at a number that lacks both `+` and a leading `0`.
pub fn normalize(raw: RawNumber<'_>, country: Option<&CountryCode>) -> Result<String, PhoneError> {
    let digits = match read(raw)? {
        Read::Prefixed(prefix, digits) => apply_prefix(prefix, digits, country)?,
        Read::Numeric(digits) => require_numeric_country_code(digits, country)?,
    };
    check_final_digits(digits)
}

/// How numbers are checked, from the settings: one value for every place that reads a
/// number (recipients, exclude lists, opt-outs), so they all agree on the digits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberRules {
    /// `--country-code`: completes national numbers.
    pub country: Option<CountryCode>,
    /// Checks numbers against their country's numbering plan (off with `--no-number-check`).
    pub check_plan: bool,
    /// Accepts numbers the plan knows as fixed lines (`--allow-landlines`).
    pub allow_landlines: bool,
}

impl NumberRules {
    /// The default rules of a send: the plan checked, landlines refused.
    pub fn checked(country: Option<CountryCode>) -> Self {
        Self {
            country,
            check_plan: true,
            allow_landlines: false,
        }
    }
}

/// Turns one recipient cell into the API form by `rules`: the cleaning of [`normalize`],
/// then, unless the plan check is off, the number's country's numbering plan decides which
/// reading of the cell is a number at all and whether it can receive SMS.
pub fn check(raw: RawNumber<'_>, rules: &NumberRules) -> Result<String, PhoneError> {
    check_reading(raw, rules).map(|checked| checked.digits)
}

/// A checked number and how it was read, for the batch's country check after planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The digits in API form.
    pub digits: String,
    /// Bare digits (no `+`, no `00`) taken as an international number: the reading that
    /// can land in a country nobody meant, so the batch checks it against its majority.
    pub read_as_international: bool,
}

/// [`check`], also saying whether bare digits were taken as international.
pub fn check_reading(raw: RawNumber<'_>, rules: &NumberRules) -> Result<Checked, PhoneError> {
    if !rules.check_plan {
        return normalize(raw, rules.country.as_ref()).map(|digits| Checked {
            digits,
            read_as_international: false,
        });
    }
    let (known, read_as_international) = match (read(raw)?, rules.country.as_ref()) {
        (Read::Prefixed(Prefix::International, digits), _) => (international(digits)?, false),
        (Read::Prefixed(Prefix::National, digits), None) => {
            return Err(PhoneError::NationalWithoutCountryCode { digits });
        }
        (Read::Prefixed(Prefix::National, digits), Some(code)) => {
            (national(&digits, &digits[1..], code)?, false)
        }
        (Read::Prefixed(Prefix::AreaCode(_), digits), None) => {
            return Err(PhoneError::AreaCodeWithoutCountryCode {
                digits: shorten(&digits),
            });
        }
        // `(961) 3 123 456` with 961: the country code in brackets, not an area code.
        (Read::Prefixed(Prefix::AreaCode(group), digits), Some(code)) if group == code.digits() => {
            (international(digits)?, false)
        }
        (Read::Prefixed(Prefix::AreaCode(_), digits), Some(code)) => {
            (national(&digits, &digits, code)?, false)
        }
        (Read::Prefixed(Prefix::Bare, digits), None) | (Read::Numeric(digits), None) => {
            (international(digits)?, true)
        }
        (Read::Prefixed(Prefix::Bare, digits), Some(code)) => {
            either_reading(&digits, code, Hint::Text)?
        }
        (Read::Numeric(digits), Some(code)) => either_reading(&digits, code, Hint::Numeric)?,
    };
    if known.landline && !rules.allow_landlines {
        return Err(PhoneError::Plan(PlanProblem::Landline {
            country: numbering::country_label(known.calling_code),
            digits: known.digits,
        }));
    }
    Ok(Checked {
        digits: known.digits,
        read_as_international,
    })
}

/// Digits that already carry their country code: the E.164 limits, then the plan.
fn international(digits: String) -> Result<Known, PhoneError> {
    if digits.starts_with('0') {
        return Err(PhoneError::StartsWithZero { digits });
    }
    let digits = check_lengths(digits)?;
    Ok(numbering::check(&digits)?)
}

/// A number written the national way (a trunk prefix, or an area code in brackets), read by
/// that country's own prefixes (none in Kuwait, `1` in NANP, so `0…` is no national number
/// there). `subscriber` is the digits without what the country-blind rules take for the
/// trunk prefix, for saying what is wrong with the number they would have made.
fn national(digits: &str, subscriber: &str, code: &CountryCode) -> Result<Known, PhoneError> {
    if let Some(known) = numbering::national_reading(digits, code.digits()) {
        return Ok(known);
    }
    // Say what the plan finds wrong with the number the old reading would have made.
    let completed = format!("{}{}", code.digits(), subscriber);
    match international(completed) {
        Err(problem) => Err(problem),
        Ok(_) => Err(PhoneError::NotNational {
            digits: shorten(digits),
            country: numbering::country_label(code.number()),
        }),
    }
}

/// What a reader of a Detail is told to do with a cell that could be two numbers.
#[derive(Clone, Copy)]
enum Hint {
    /// Text without `+`, `00` or a trunk prefix.
    Text,
    /// A numeric cell, which lost any `+` and leading `0`.
    Numeric,
}

/// Bare digits with a country code given: a national number, or an international one
/// without its `+`. Taken only when exactly one reading is a number (or both are the same).
/// The flag says the international reading was taken where the national one is no number.
fn either_reading(
    digits: &str,
    code: &CountryCode,
    hint: Hint,
) -> Result<(Known, bool), PhoneError> {
    let national = numbering::national_reading(digits, code.digits());
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        // Too short or too long to carry a country code: the national reading is the only
        // one, and what the plan finds wrong with it is the Detail.
        return match national {
            Some(known) => Ok((known, false)),
            None => Ok((international(check_lengths(digits.to_owned())?)?, true)),
        };
    }
    let international = numbering::check(digits).ok();
    let fix = match hint {
        Hint::Text => "write it with + and its country code",
        Hint::Numeric => {
            "format the column as Text and enter it with its leading 0, or write it with +"
        }
    };
    match (national, international) {
        (Some(one), Some(other)) if one.digits != other.digits => Err(PhoneError::TwoReadings {
            digits: shorten(digits),
            first: one.to_string(),
            second: other.to_string(),
            fix,
        }),
        (Some(known), _) => Ok((known, false)),
        (None, Some(known)) => Ok((known, true)),
        (None, None) => Err(PhoneError::NoReading {
            digits: shorten(digits),
            first: format!("+{}{}", code.digits(), shorten(digits)),
            second: format!("+{}", shorten(digits)),
            fix,
        }),
    }
}

#[cfg(test)]
mod tests;
