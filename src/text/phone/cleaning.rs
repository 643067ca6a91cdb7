//! What spreadsheets do to numbers, undone: other digit scripts, direction marks and
//! formatting removed, a `+`, `00` or trunk `0` told apart, scientific notation and two
//! numbers in one cell refused. Country-blind: the numbering plan comes after.

use super::{PhoneError, RawNumber};
use crate::book::value::is_invisible;

/// Longest piece of user input quoted back in an error message.
pub(super) const MAX_SHOWN_CHARS: usize = 40;

/// Fewest digits for a piece of a cell to count as a number of its own when
/// deciding whether a cell holds more than one number.
pub(super) const MIN_DIGITS_PER_NUMBER: usize = 6;

/// Smallest numeric cell value with more than [`MAX_DIGITS`] digits.
pub(super) const FIRST_TOO_LONG_NUMBER: f64 = 1e15;

/// What [`read`] found in a cell, before any country code is applied.
pub(super) enum Read {
    /// Text, with the way it announced itself.
    Prefixed(Prefix, String),
    /// A numeric cell's digits (or text exported from one, `9613123456.0`).
    Numeric(String),
}

/// Cleans a cell and reads its prefix, rejecting what cannot be a single number.
pub(super) fn read(raw: RawNumber<'_>) -> Result<Read, PhoneError> {
    match raw {
        RawNumber::Text(text) => match plain_number(text) {
            Some((prefix, digits)) => Ok(Read::Prefixed(prefix, digits)),
            None => read_any_text(text),
        },
        RawNumber::Number(value) => Ok(Read::Numeric(whole_number_digits(value)?)),
    }
}

/// How a text number announced itself.
pub(super) enum Prefix {
    /// `+` or `00`: country code follows.
    International,
    /// A single `0`: a number within the country.
    National,
    /// A leading group of digits in brackets, `(201) 555-0123`: an area code, the way a
    /// national number is written. Holds the group's digits.
    AreaCode(String),
    /// Neither: digits only.
    Bare,
}

/// The common case, read without the general path's copies: ASCII digits with spaces or
/// hyphens between them and at most a leading `+` (`+961 70 123 456`, `03-123456`). Gives
/// exactly what [`read_any_text`] reads for such text (a property test checks it), and
/// `None` for anything else. A list of a million opt-outs is mostly this.
pub(super) fn plain_number(text: &str) -> Option<(Prefix, String)> {
    let trimmed = text.trim_matches(' ');
    let (plus, body) = match trimmed.strip_prefix('+') {
        Some(body) => (true, body),
        None => (false, trimmed),
    };
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-')
    {
        return None;
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let read = if plus {
        (Prefix::International, digits)
    } else if let Some(rest) = digits.strip_prefix("00") {
        (Prefix::International, rest.to_owned())
    } else if digits.starts_with('0') {
        (Prefix::National, digits)
    } else {
        (Prefix::Bare, digits)
    };
    // A prefix with nothing after it is for the general path to explain.
    (!read.1.is_empty()).then_some(read)
}

/// Any text: digit forms unified, invisible marks and formatting removed, the prefix read.
pub(super) fn read_any_text(text: &str) -> Result<Read, PhoneError> {
    let unified: String = text.chars().map(unify_char).collect();
    let compact = compact(&unified);
    if compact.is_empty() {
        return Err(PhoneError::Empty);
    }
    if looks_scientific(&compact) {
        return Err(PhoneError::ScientificNotation { value: shown(text) });
    }
    if holds_several_numbers(&unified) {
        return Err(PhoneError::MultipleNumbers { value: shown(text) });
    }
    if let Some(whole) = exported_number(&compact) {
        // `0501234567.0` is no numeric cell's export: neither reading fits it.
        if whole.starts_with('0') {
            return Err(PhoneError::DecimalText { value: shown(text) });
        }
        return Ok(Read::Numeric(whole.to_owned()));
    }
    let (prefix, rest) = split_prefix(&compact);
    if rest.is_empty() {
        return Err(PhoneError::Empty);
    }
    check_only_digits(&rest, text)?;
    Ok(Read::Prefixed(prefix, rest))
}

/// Maps every digit form to ASCII and full-width ASCII (`＋`, `０`) to ASCII.
pub(super) fn unify_char(c: char) -> char {
    let code = u32::from(c);
    match c {
        '\u{0660}'..='\u{0669}' => char::from_digit(code - 0x0660, 10).unwrap_or(c),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(code - 0x06F0, 10).unwrap_or(c),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(code - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Characters that only format a number: removed wherever they stand.
pub(super) fn is_formatting(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '.' | '(' | ')' | '/'
    )
}

/// Excel's text prefix `'` (and the curly quotes autocorrect makes of it).
pub(super) fn is_text_prefix(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}')
}

/// Characters that separate two numbers written in one cell.
pub(super) fn is_list_separator(c: char) -> bool {
    matches!(
        c,
        ',' | ';' | '/' | '|' | '\n' | '\r' | '\u{060C}' | '\u{061B}'
    )
}

/// Removes spaces and invisible marks, then one leading text prefix.
pub(super) fn compact(unified: &str) -> String {
    let visible: String = unified
        .chars()
        .filter(|&c| !c.is_whitespace() && !is_invisible(c))
        .collect();
    match visible.strip_prefix(is_text_prefix) {
        Some(rest) => rest.to_owned(),
        None => visible,
    }
}

/// Whether the text is Excel's `9.61312E+09` (or `9,61312E+09`) rendering.
pub(super) fn looks_scientific(compact: &str) -> bool {
    let Some((mantissa, exponent)) = compact.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, "0"));
    [whole, fraction, exponent]
        .iter()
        .all(|part| !part.is_empty() && is_all_ascii_digits(part))
}

/// The digits of text such as `9613123456.0`, the way some exports write a
/// numeric cell; stripping the dot would silently add a digit.
pub(super) fn exported_number(compact: &str) -> Option<&str> {
    let (whole, fraction) = compact.split_once('.')?;
    let is_exported = !whole.is_empty()
        && is_all_ascii_digits(whole)
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b == b'0');
    is_exported.then_some(whole)
}

/// Whether a list separator stands between two groups of at least
/// [`MIN_DIGITS_PER_NUMBER`] digits each.
pub(super) fn holds_several_numbers(unified: &str) -> bool {
    unified
        .split(is_list_separator)
        .filter(|part| part.chars().filter(char::is_ascii_digit).count() >= MIN_DIGITS_PER_NUMBER)
        .nth(1)
        .is_some()
}

/// Strips formatting and reads the `+` / `00` / `0` prefix, dropping a trunk
/// `(0)` from international numbers such as `+44 (0)20 7946 0958`.
pub(super) fn split_prefix(compact: &str) -> (Prefix, String) {
    let cleaned = strip_formatting(compact);
    // (Replacing nothing would give `cleaned` again: skip the copies when there is no `(0)`.)
    let cleaned = if strip_international_prefix(&cleaned).is_some() && compact.contains("(0)") {
        strip_formatting(&compact.replacen("(0)", "", 1))
    } else {
        cleaned
    };
    if let Some(rest) = strip_international_prefix(&cleaned) {
        (Prefix::International, rest.to_owned())
    } else if cleaned.starts_with('0') {
        (Prefix::National, cleaned)
    } else if let Some(group) = area_code(compact) {
        (Prefix::AreaCode(group.to_owned()), cleaned)
    } else {
        (Prefix::Bare, cleaned)
    }
}

/// The digits of a leading bracketed group with more digits after it (`(201) 555-0123`),
/// how national numbers are written in much of the world; nobody brackets a country code
/// without its `+`.
fn area_code(compact: &str) -> Option<&str> {
    let (group, after) = compact.strip_prefix('(')?.split_once(')')?;
    let is_group = !group.is_empty() && is_all_ascii_digits(group);
    (is_group && after.bytes().any(|b| b.is_ascii_digit())).then_some(group)
}

/// Removes the characters [`is_formatting`] names.
pub(super) fn strip_formatting(text: &str) -> String {
    text.chars().filter(|&c| !is_formatting(c)).collect()
}

/// The part after a leading `+` or `00`, if there is one.
pub(super) fn strip_international_prefix(text: &str) -> Option<&str> {
    text.strip_prefix('+').or_else(|| text.strip_prefix("00"))
}

/// Rejects anything left that is not an ASCII digit, naming what it is.
pub(super) fn check_only_digits(rest: &str, text: &str) -> Result<(), PhoneError> {
    if is_all_ascii_digits(rest) {
        return Ok(());
    }
    let letters = letter_runs(rest);
    if !letters.is_empty() {
        return Err(PhoneError::Letters {
            value: shown(text),
            letters: shorten(&letters),
        });
    }
    if rest.contains('+') {
        return Err(PhoneError::MisplacedPlus { value: shown(text) });
    }
    let symbol = rest
        .chars()
        .find(|c| !c.is_ascii_digit())
        .map(describe_symbol)
        .unwrap_or_default();
    Err(PhoneError::Symbol {
        value: shown(text),
        symbol,
    })
}

/// The runs of letters in `text`, joined by single spaces (`"ext"`).
pub(super) fn letter_runs(text: &str) -> String {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|run| !run.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A symbol as it can be quoted in a message: itself, or `U+XXXX` when it
/// would not be visible.
pub(super) fn describe_symbol(c: char) -> String {
    if c.is_control() || is_invisible(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// The exact decimal digits of a numeric cell, or why it is no phone number.
pub(super) fn whole_number_digits(value: f64) -> Result<String, PhoneError> {
    if !value.is_finite() {
        return Err(PhoneError::NotFinite {
            value: value.to_string(),
        });
    }
    if value < 0.0 {
        return Err(PhoneError::Negative {
            value: shorten(&value.to_string()),
        });
    }
    if value.fract() != 0.0 {
        return Err(PhoneError::NotWhole {
            value: shorten(&value.to_string()),
        });
    }
    if value >= FIRST_TOO_LONG_NUMBER {
        let digits = format!("{value:.0}");
        return Err(PhoneError::TooLong {
            count: digits.len(),
            digits: shorten(&digits),
        });
    }
    // Whole, non-negative and below 1e15 < 2^53: the cast is exact.
    Ok((value as u64).to_string())
}

/// Whether every byte is `0`–`9` (true for the empty string).
pub(super) fn is_all_ascii_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

/// The cell text as a person sees it: no invisible marks, spaces collapsed,
/// cut short if long.
pub(super) fn shown(text: &str) -> String {
    let visible: String = text.chars().filter(|&c| !is_invisible(c)).collect();
    shorten(&visible.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Cuts `text` to [`MAX_SHOWN_CHARS`] characters, marking the cut with `…`.
pub(super) fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_SHOWN_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_SHOWN_CHARS - 1).collect();
    short.push('…');
    short
}
