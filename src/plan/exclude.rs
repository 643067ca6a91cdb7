//! Opt-outs: numbers that must never get a message, from `--exclude` lists (a workbook or a
//! CSV file) and from an `opt_out` column of the recipients sheet.
//!
//! A list's numbers are normalized exactly as recipients are (same rules, same country code),
//! so `03 123 456` in the list stops a row holding `+961 3 123 456`. They are kept as 64-bit
//! integers in a hash set: a million opt-outs take ~16 MB and a lookup is one hash.

use crate::book::value::{Value, ValueFormat};
use crate::book::{self, Headers, SheetChoice, Wanted};
use crate::text::phone::{self, NumberRules};
use anyhow::{Result, anyhow};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};

/// The recipients sheet's column that marks a row as opted out.
pub const OPT_OUT_COLUMN: &str = "opt_out";

/// Numbers read from the `--exclude` lists, normalized.
#[derive(Debug, Default)]
pub struct ExcludeList {
    numbers: FxHashSet<u64>,
    /// Entries that are not phone numbers (left out, with a warning).
    pub rejected: usize,
}

/// A normalized number (1 to 15 digits) as one integer; the length is kept in the top byte
/// so that numbers differing only in leading zeros stay different.
fn number_key(digits: &str) -> Option<u64> {
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    Some(value | ((digits.len() as u64) << 56))
}

impl ExcludeList {
    /// Reads every list. Each is the first sheet of a workbook, or a CSV file: its recipient
    /// column (named like the recipients sheet's: phone, mobile, ...), else its first column.
    /// A list without a header (numbers from the first row on) is read whole.
    pub fn read(paths: &[PathBuf], rules: &NumberRules) -> Result<ExcludeList> {
        let mut list = ExcludeList::default();
        for path in paths {
            list.read_one(path, rules)?;
        }
        Ok(list)
    }

    fn read_one(&mut self, path: &Path, rules: &NumberRules) -> Result<()> {
        let any = |_: &Headers| true;
        let wanted = Wanted {
            test: &any,
            description: "numbers".to_owned(),
            header_row: None,
            hint: "put one number per row in the first column".to_owned(),
            suggest: &|_| None,
        };
        let table = match book::read(path, &SheetChoice::Auto, &wanted) {
            Ok(table) => table,
            // A list of one number is a "header" without data rows: it is still a list.
            Err(book::BookError::OnlyHeader { headers, .. }) => {
                if let Some(first) = headers.first() {
                    self.add(&Value::Text(first.as_str().into()), rules);
                }
                return Ok(());
            }
            Err(e) => return Err(anyhow!("--exclude: {e}")),
        };
        let headers = &table.headers;
        let column = crate::plan::recipient::RECIPIENT_HEADERS
            .iter()
            .find_map(|h| headers.find(h))
            .unwrap_or(0);
        // A header that is itself a number: the list has no header.
        let title = Value::Text(headers.names()[column].as_str().into());
        if let Some(key) = number_key_of(&title, rules) {
            self.numbers.insert(key);
        }
        // Normalizing is most of the cost of a long list: spread it over the cores.
        let keys: Vec<Option<Option<u64>>> = table
            .rows
            .par_iter()
            .map(|row| {
                let value = &row.cells[column];
                (!value.is_blank()).then(|| number_key_of(value, rules))
            })
            .collect();
        self.numbers.reserve(keys.len());
        keys.into_iter().flatten().for_each(|key| self.keep(key));
        Ok(())
    }

    fn add(&mut self, value: &Value, rules: &NumberRules) {
        if !value.is_blank() {
            self.keep(number_key_of(value, rules));
        }
    }

    /// Keeps a non-blank entry's key, or counts it as not a phone number.
    fn keep(&mut self, key: Option<u64>) {
        match key {
            Some(key) => {
                self.numbers.insert(key);
            }
            None => self.rejected += 1,
        }
    }

    /// Whether a normalized recipient is on a list.
    pub fn contains(&self, recipient: &str) -> bool {
        number_key(recipient).is_some_and(|key| self.numbers.contains(&key))
    }

    /// Distinct numbers on the lists.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// True when the lists hold no number.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }
}

fn number_key_of(value: &Value, rules: &NumberRules) -> Option<u64> {
    let raw = phone::raw_number(value)?;
    let digits = phone::check(raw, rules).ok()?;
    number_key(&digits)
}

/// What an `opt_out` cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOut {
    /// The row is opted out.
    Yes,
    /// It is not (an empty cell, FALSE, no, 0).
    No,
}

/// Reads an `opt_out` cell: TRUE, yes, y, 1, x, ✓ or نعم opt out; empty, FALSE, no, n, 0 or لا
/// do not. Anything else is an error: a message is never sent on a guess.
pub fn opt_out(value: &Value, format: &ValueFormat) -> Result<OptOut, String> {
    let text = match value {
        Value::Empty => return Ok(OptOut::No),
        Value::Bool(b) => return Ok(if *b { OptOut::Yes } else { OptOut::No }),
        Value::Int(i) => i.to_string(),
        Value::Number(n) => format.display(&Value::Number(*n)),
        Value::Text(s) => s.to_string(),
        other => format.display(other),
    };
    let word = crate::book::value::trim_visible(&text).to_lowercase();
    match word.as_str() {
        "" | "false" | "no" | "n" | "0" | "لا" => Ok(OptOut::No),
        "true" | "yes" | "y" | "1" | "x" | "✓" | "✔" | "نعم" => Ok(OptOut::Yes),
        _ => Err(format!(
            "{OPT_OUT_COLUMN:?} holds {text:?}; write TRUE (or yes, 1) to opt out, FALSE (or no, 0, empty) otherwise"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn keys_keep_leading_zeros_apart() {
        assert_ne!(number_key("0123"), number_key("123"));
        assert_eq!(number_key("96170123456"), number_key("96170123456"));
        assert_eq!(number_key("1234567890123456"), None);
        assert_eq!(number_key(""), None);
        assert_eq!(number_key("12a"), None);
    }

    #[test]
    fn list_numbers_are_normalized_like_recipients() {
        let rules = NumberRules::checked(Some("961".parse().unwrap()));
        let mut list = ExcludeList::default();
        for v in [
            Value::Text(Arc::from("03 123 456")),
            Value::Text(Arc::from("+961 71 234 567")),
            Value::Number(96176345678.0),
            Value::Text(Arc::from("not a number")),
            Value::Empty,
        ] {
            list.add(&v, &rules);
        }
        assert!(list.contains("9613123456"));
        assert!(list.contains("96171234567"));
        assert!(list.contains("96176345678"));
        assert!(!list.contains("96170000000"));
        assert_eq!((list.len(), list.rejected), (3, 1));
    }

    #[test]
    fn opt_out_words() {
        let f = ValueFormat::default();
        let t = |s: &str| opt_out(&Value::Text(Arc::from(s)), &f);
        for yes in ["TRUE", "yes", " Y ", "1", "x", "✓", "نعم"] {
            assert_eq!(t(yes), Ok(OptOut::Yes), "{yes}");
        }
        for no in ["", "FALSE", "No", "0", "لا"] {
            assert_eq!(t(no), Ok(OptOut::No), "{no}");
        }
        assert_eq!(opt_out(&Value::Bool(true), &f), Ok(OptOut::Yes));
        assert_eq!(opt_out(&Value::Int(0), &f), Ok(OptOut::No));
        assert_eq!(opt_out(&Value::Number(1.0), &f), Ok(OptOut::Yes));
        let e = t("maybe").unwrap_err();
        assert!(e.contains("\"maybe\"") && e.contains("TRUE"), "{e}");
    }
}
