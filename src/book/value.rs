//! A spreadsheet cell's value as smsmerge keeps it, and how it reads to a person.
//!
//! Every input format (xlsx, xls, xlsb, ods, csv) is turned into [`Value`] by `book`; every later
//! stage (templates, numbers, the results workbook) sees only this type. Keeping the original
//! type matters twice: placeholders print a value the way a person reads it ("1234567", not
//! "1.234567e6"), and the results workbook writes numbers back as numbers and dates as dates.

use chrono::format::{Item, StrftimeItems};
use chrono::{NaiveDateTime, NaiveTime, TimeDelta};
use std::fmt::Write as _;
use std::sync::Arc;

/// One cell of the input, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value, or a formula whose cached value the file does not hold.
    Empty,
    /// Text as typed (CSV cells are always text, so leading zeros survive). Shared, because a
    /// column often repeats one text on every row (a message template, a sender, a name): the
    /// reader keeps one copy of each such text, not one per row.
    Text(Arc<str>),
    /// An integer cell (xls/xlsb/ods can hold them exactly).
    Int(i64),
    /// Any other number; Excel stores typed phone numbers this way.
    Number(f64),
    /// TRUE / FALSE.
    Bool(bool),
    /// A date or date-time; a midnight time is shown as a plain date.
    DateTime(NaiveDateTime),
    /// A time of day with no date (an Excel serial below 1).
    Time(NaiveTime),
    /// An elapsed time (`[h]:mm` formats).
    Duration(TimeDelta),
    /// An error cell such as `#N/A`, kept so that it shows rather than vanishes.
    Error(Box<str>),
}

impl Value {
    /// Makes a text value, so that callers need not know the shared representation.
    pub fn text(s: impl Into<Arc<str>>) -> Value {
        Value::Text(s.into())
    }

    /// True when the cell holds nothing a person would see: empty, or text of only spaces.
    ///
    /// Such a cell must never be rendered into a message ("Dear ,"), and a row of such cells
    /// is not a row at all.
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => trim_visible(s).is_empty(),
            _ => false,
        }
    }
}

/// Trims spaces and the invisible marks that come with pasted Arabic text (a right-to-left
/// mark, a zero-width space) from both ends: what is left is what a person sees.
pub fn trim_visible(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c.is_control() || is_invisible(c))
}

/// How values print in messages and CSV output: `--date-format` and `--time-format`.
#[derive(Debug, Clone, Default)]
pub struct ValueFormat {
    date_format: Option<String>,
    time_format: Option<String>,
}

/// A `--date-format` or `--time-format` that chrono cannot use; checked up front because
/// chrono's formatter fails (and `to_string` panics) only when a bad format is applied.
#[derive(Debug, thiserror::Error)]
#[error("{what} {format:?} is not a valid strftime format (example: \"{example}\")")]
pub struct BadFormat {
    /// Where it was given: `--date-format`, `time_format in the config file`.
    what: String,
    format: String,
    example: &'static str,
}

impl BadFormat {
    /// The same refusal, naming where the format was given (a config file's key, say).
    pub fn given_as(mut self, what: impl Into<String>) -> BadFormat {
        self.what = what.into();
        self
    }
}

impl ValueFormat {
    /// Checks a strftime pattern once, so rendering a million rows can never fail on it.
    pub fn new(date_format: Option<&str>) -> Result<ValueFormat, BadFormat> {
        if let Some(fmt) = date_format {
            // Some patterns parse but cannot format a date without a time zone (%z, %Z):
            // formatting one sample catches both kinds.
            let sample = chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
                .and_then(|d| d.and_hms_opt(23, 59, 58))
                .unwrap_or_default();
            if !formats(fmt, |probe| write!(probe, "{}", sample.format(fmt))) {
                return Err(BadFormat {
                    what: "--date-format".to_owned(),
                    format: fmt.to_owned(),
                    example: "%d/%m/%Y",
                });
            }
        }
        Ok(ValueFormat {
            date_format: date_format.map(str::to_owned),
            time_format: None,
        })
    }

    /// The same, with times (and the time of date-times) in `time_format`: the same strftime
    /// tokens, of which a time has only the time's (`%H`, `%I`, `%M`, `%S`, `%p`, ...).
    pub fn with_time_format(mut self, time_format: Option<&str>) -> Result<ValueFormat, BadFormat> {
        if let Some(fmt) = time_format {
            // A time has no date, so a date token (%Y) fails on the sample: refused here.
            let sample = NaiveTime::from_hms_opt(23, 59, 58).unwrap_or_default();
            if !formats(fmt, |probe| write!(probe, "{}", sample.format(fmt))) {
                return Err(BadFormat {
                    what: "--time-format".to_owned(),
                    format: fmt.to_owned(),
                    example: "%H:%M",
                });
            }
        }
        self.time_format = time_format.map(str::to_owned);
        Ok(self)
    }

    /// The value as a person reads it in Excel: integers without `.0`, other numbers in
    /// shortest round-trip form, dates as `YYYY-MM-DD`, date-times as `YYYY-MM-DD HH:MM`,
    /// booleans TRUE/FALSE, error cells as their code.
    pub fn display(&self, value: &Value) -> String {
        let mut out = String::new();
        self.write_display(value, &mut out);
        out
    }

    /// Like [`ValueFormat::display`], appending to a buffer so a renderer can avoid one
    /// allocation per placeholder.
    pub fn write_display(&self, value: &Value, out: &mut String) {
        // Writing to a String cannot fail, and the date format was checked in `new`.
        let _ = match value {
            Value::Empty => Ok(()),
            Value::Text(s) => {
                out.push_str(s);
                Ok(())
            }
            Value::Int(i) => write!(out, "{i}"),
            Value::Number(n) => {
                out.push_str(&format_number(*n));
                Ok(())
            }
            Value::Bool(b) => {
                out.push_str(if *b { "TRUE" } else { "FALSE" });
                Ok(())
            }
            Value::DateTime(dt) => {
                let date = self.date_format.as_deref();
                let midnight = dt.time() == NaiveTime::MIN;
                match (&self.time_format, date) {
                    // Without a time format, a date format is the date-time's whole pattern.
                    (None, Some(date)) => write!(out, "{}", dt.format(date)),
                    (None, None) if !midnight => write!(out, "{}", dt.format("%Y-%m-%d %H:%M")),
                    // A midnight date-time is a date cell: it shows no time.
                    (_, date) if midnight => write!(out, "{}", dt.format(date.unwrap_or(DATE))),
                    (Some(time), date) => write!(
                        out,
                        "{} {}",
                        dt.format(date.unwrap_or(DATE)),
                        dt.time().format(time)
                    ),
                    (None, None) => write!(out, "{}", dt.format(DATE)),
                }
            }
            Value::Time(t) => match &self.time_format {
                Some(fmt) => write!(out, "{}", t.format(fmt)),
                None => write!(out, "{}", t.format(time_pattern(t))),
            },
            Value::Duration(d) => {
                let minutes = d.num_minutes();
                write!(out, "{}:{:02}", minutes / 60, (minutes % 60).abs())
            }
            Value::Error(code) => {
                out.push_str(code);
                Ok(())
            }
        };
    }
}

/// The default pattern of a date (and of a date-time's date).
const DATE: &str = "%Y-%m-%d";

/// Whether `fmt` is a strftime pattern that formats the sample `apply` writes with it.
fn formats(fmt: &str, apply: impl FnOnce(&mut String) -> std::fmt::Result) -> bool {
    let mut probe = String::new();
    !fmt.is_empty()
        && !StrftimeItems::new(fmt).any(|item| matches!(item, Item::Error))
        && apply(&mut probe).is_ok()
}

fn time_pattern(t: &NaiveTime) -> &'static str {
    use chrono::Timelike;
    if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" }
}

/// Formats a number as Excel's General format shows it, minus its rounding: whole numbers
/// without a fraction or exponent (phone numbers are stored as floats), the rest in Rust's
/// shortest round-trip form.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n != 0.0 {
        // The shortest form that reads back as `n`. With at most 15 significant digits it is
        // already what rounding to 15 digits gives (15 decimal digits always survive a trip
        // through an f64), so the costly rounding below is skipped: the common case (amounts,
        // phone numbers) formats once.
        let shortest = format!("{n}");
        let digits = shortest
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&d| d == b'0')
            .count();
        if digits <= 15 {
            return shortest;
        }
    }
    // Excel keeps 15 significant digits: 19.99*3 is stored as 59.970000000000006 and shown as
    // 59.97, so the binary noise beyond the 15th digit is dropped first.
    let n = round_to_15_digits(n);
    if n == 0.0 {
        // Also turns -0.0 into "0".
        return "0".to_owned();
    }
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        return whole_to_15_digits(n);
    }
    format!("{n}")
}

/// A whole number (already rounded to 15 significant digits) in plain digits: beyond the
/// 15th, zeros, as Excel keeps them, never the binary double's exact digits
/// (12345678901234567890 is `12345678901234600000`, not `12345678901234567168`).
fn whole_to_15_digits(n: f64) -> String {
    if n.abs() < 1e15 {
        return format!("{n:.0}");
    }
    let scientific = format!("{n:.14e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return format!("{n:.0}");
    };
    let Ok(exponent) = exponent.parse::<usize>() else {
        return format!("{n:.0}");
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let zeros = (exponent + 1).saturating_sub(digits.len());
    format!("{sign}{digits}{}", "0".repeat(zeros))
}

fn round_to_15_digits(n: f64) -> f64 {
    if !n.is_finite() {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

/// Zero-width and direction marks that ride along when Arabic text is pasted: they show as
/// nothing, so a cell of only these is empty, and they never belong at a value's edges.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn show(v: Value) -> String {
        ValueFormat::default().display(&v)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn numbers_print_as_a_person_reads_them() {
        assert_eq!(show(Value::Number(1234567.0)), "1234567");
        assert_eq!(show(Value::Number(9613123456.0)), "9613123456");
        assert_eq!(show(Value::Number(12.5)), "12.5");
        assert_eq!(show(Value::Number(0.75)), "0.75");
        assert_eq!(show(Value::Number(0.1 + 0.2)), "0.3");
        assert_eq!(show(Value::Number(19.99 * 3.0)), "59.97");
        assert_eq!(show(Value::Number(123456789012345.0)), "123456789012345");
        assert_eq!(show(Value::Number(1.0 / 3.0)), "0.333333333333333");
        assert_eq!(show(Value::Number(-3.0)), "-3");
        assert_eq!(show(Value::Number(-0.0)), "0");
        assert_eq!(show(Value::Number(1e21)), "1000000000000000000000");
        // Beyond 15 significant digits Excel keeps zeros, not the double's exact digits.
        assert_eq!(
            show(Value::Number(12345678901234599936.0)),
            "12345678901234600000"
        );
        assert_eq!(
            show(Value::Number(-1234567890123456789.0)),
            "-1234567890123460000"
        );
        assert_eq!(show(Value::Number(9999999999999999.0)), "10000000000000000");
        assert_eq!(show(Value::Number(1234567890123456.0)), "1234567890123460");
        assert_eq!(show(Value::Int(42)), "42");
        assert_eq!(show(Value::Int(-7)), "-7");
    }

    /// The unoptimized definition: round to 15 digits, then print.
    fn format_number_reference(n: f64) -> String {
        let n = round_to_15_digits(n);
        if n == 0.0 {
            return "0".to_owned();
        }
        if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
            return whole_to_15_digits(n);
        }
        format!("{n}")
    }

    proptest::proptest! {
        #[test]
        fn the_shortcut_prints_what_rounding_prints(bits in proptest::prelude::any::<u64>()) {
            let n = f64::from_bits(bits);
            proptest::prop_assert_eq!(format_number(n), format_number_reference(n));
        }

        #[test]
        fn the_shortcut_holds_for_cents_and_phone_numbers(
            cents in -10_000_000_000i64..10_000_000_000,
            phone in 0u64..1_000_000_000_000_000,
        ) {
            let amount = cents as f64 / 100.0;
            proptest::prop_assert_eq!(format_number(amount), format_number_reference(amount));
            let phone = phone as f64;
            proptest::prop_assert_eq!(format_number(phone), format_number_reference(phone));
        }
    }

    #[test]
    fn dates_times_and_booleans() {
        let d = date(2026, 3, 9);
        assert_eq!(
            show(Value::DateTime(d.and_hms_opt(0, 0, 0).unwrap())),
            "2026-03-09"
        );
        assert_eq!(
            show(Value::DateTime(d.and_hms_opt(14, 5, 0).unwrap())),
            "2026-03-09 14:05"
        );
        assert_eq!(
            show(Value::Time(NaiveTime::from_hms_opt(9, 30, 0).unwrap())),
            "09:30"
        );
        assert_eq!(
            show(Value::Time(NaiveTime::from_hms_opt(9, 30, 15).unwrap())),
            "09:30:15"
        );
        assert_eq!(
            show(Value::Duration(TimeDelta::minutes(26 * 60 + 5))),
            "26:05"
        );
        assert_eq!(show(Value::Bool(true)), "TRUE");
        assert_eq!(show(Value::Bool(false)), "FALSE");
        assert_eq!(show(Value::Error("#N/A".into())), "#N/A");
        assert_eq!(show(Value::Empty), "");
    }

    #[test]
    fn date_format_overrides_both_dates_and_date_times() {
        let f = ValueFormat::new(Some("%d/%m/%Y")).unwrap();
        let d = date(2026, 3, 9);
        assert_eq!(
            f.display(&Value::DateTime(d.and_hms_opt(0, 0, 0).unwrap())),
            "09/03/2026"
        );
        assert_eq!(
            f.display(&Value::DateTime(d.and_hms_opt(8, 0, 0).unwrap())),
            "09/03/2026"
        );
    }

    #[test]
    fn bad_date_formats_are_refused_up_front() {
        assert!(ValueFormat::new(Some("%Q")).is_err());
        assert!(ValueFormat::new(Some("%d/%m/%Y %z")).is_err());
        assert!(ValueFormat::new(Some("%Z")).is_err());
        assert!(ValueFormat::new(Some("")).is_err());
        assert!(ValueFormat::new(Some("%Y-%m-%d")).is_ok());
        assert!(ValueFormat::new(None).is_ok());
    }

    #[test]
    fn blank_means_nothing_visible() {
        assert!(Value::Empty.is_blank());
        assert!(Value::text("  \t").is_blank());
        assert!(Value::text("\u{200F}").is_blank());
        assert!(Value::text("\0").is_blank());
        assert!(Value::text(" \u{200B}\u{202B} ").is_blank());
        assert_eq!(trim_visible("\u{200F}علي\u{200F} "), "علي");
        assert!(!Value::text(" x ").is_blank());
        assert!(!Value::Number(0.0).is_blank());
    }
}
