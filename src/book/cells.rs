//! A parser's cell as a [`Value`]: the one `match` on calamine's cell types, dates and
//! times (ISO text and durations included), and the interning of repeated texts.

use crate::book::value::Value;
use calamine::{Data, DataRef, ExcelDateTime};
use rustc_hash::FxHashSet;
use std::sync::Arc;

/// Shares the text of cells that repeat down a column (a message template, a sender, a
/// name from a short list): one allocation per distinct text instead of one per cell, which
/// for a million rows is most of the table's memory. Bounded, so a sheet of all-different
/// texts costs a lookup per cell and no more memory than without it.
#[derive(Default)]
pub(super) struct TextInterner {
    /// Per sheet column (the first [`INTERNED_COLUMNS`] only), the texts seen so far.
    pub(super) columns: Vec<FxHashSet<Arc<str>>>,
    /// Texts kept over all columns.
    pub(super) kept: usize,
}

/// Sheet columns whose texts are shared; data beyond them is rare and just copied.
pub(super) const INTERNED_COLUMNS: u32 = 256;

/// Distinct texts kept per column: enough for every template or sender a sheet repeats, few
/// enough that a column of unique values (phone numbers) does not grow a large table.
pub(super) const INTERNED_PER_COLUMN: usize = 4096;

/// Distinct texts kept over all columns, bounding the table's memory on wide sheets.
pub(super) const INTERNED_TOTAL: usize = 65_536;

impl TextInterner {
    pub(super) fn intern(&mut self, col: u32, text: &str) -> Arc<str> {
        if col >= INTERNED_COLUMNS {
            return Arc::from(text);
        }
        let col = col as usize;
        if self.columns.len() <= col {
            self.columns.resize_with(col + 1, FxHashSet::default);
        }
        let seen = &mut self.columns[col];
        if let Some(shared) = seen.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        if seen.len() < INTERNED_PER_COLUMN && self.kept < INTERNED_TOTAL {
            seen.insert(Arc::clone(&shared));
            self.kept += 1;
        }
        shared
    }
}

/// The one place a calamine cell becomes a [`Value`] (qsv's `match` on `Data`, made total);
/// the streaming readers' borrowed form, converted without copying the cell first.
pub(super) fn from_data_ref(data: &DataRef<'_>, texts: &mut TextInterner, col: u32) -> Value {
    match data {
        DataRef::String(s) => Value::Text(texts.intern(col, s)),
        DataRef::SharedString(s) => Value::Text(texts.intern(col, s)),
        DataRef::Int(i) => Value::Int(*i),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => from_excel_datetime(dt),
        DataRef::DateTimeIso(s) => from_iso_datetime(s),
        DataRef::DurationIso(s) => from_iso_duration(s),
        DataRef::Error(e) => Value::Error(e.to_string().into()),
        DataRef::Empty => Value::Empty,
    }
}

/// Like [`from_data_ref`], for the formats calamine loads whole (xls, ods).
pub(super) fn from_data(data: &Data, texts: &mut TextInterner, col: u32) -> Value {
    match data {
        Data::String(s) => Value::Text(texts.intern(col, s)),
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => from_excel_datetime(dt),
        Data::DateTimeIso(s) => from_iso_datetime(s),
        Data::DurationIso(s) => from_iso_duration(s),
        Data::Error(e) => Value::Error(e.to_string().into()),
        Data::Empty => Value::Empty,
    }
}

pub(super) fn from_excel_datetime(dt: &ExcelDateTime) -> Value {
    if dt.is_duration() {
        return match dt.as_duration() {
            Some(d) => Value::Duration(d),
            None => Value::Number(dt.as_f64()),
        };
    }
    let serial = dt.as_f64();
    match dt.as_datetime() {
        // A serial below 1 is a time of day typed without a date.
        Some(t) if (0.0..1.0).contains(&serial) => Value::Time(t.time()),
        Some(t) => Value::DateTime(t),
        None => Value::Number(serial),
    }
}

/// A date cell stored as ISO 8601 text (`<c t="d">` in xlsx, `office:date-value` in ods):
/// with or without a time, fractions of a second, and `Z` or an offset. The offset is
/// dropped rather than applied: the cell shows the wall-clock time it was typed with, as
/// Excel shows it.
pub(super) fn from_iso_datetime(s: &str) -> Value {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Value::DateTime(dt.naive_local());
    }
    let naive = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    let minutes = || NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M");
    if let Ok(dt) = naive.parse::<NaiveDateTime>().or_else(|_| minutes()) {
        return Value::DateTime(dt);
    }
    if let Ok(d) = s.parse::<NaiveDate>() {
        return Value::DateTime(d.and_time(NaiveTime::MIN));
    }
    if let Ok(t) = s.parse::<NaiveTime>() {
        return Value::Time(t);
    }
    Value::text(s)
}

/// A time cell of an ods (`office:time-value="PT10H30M00S"`), or any ISO 8601 duration
/// calamine reports: under a day it is a time of day, as the same cell in an xlsx reads
/// (`10:30`); longer, an elapsed time.
pub(super) fn from_iso_duration(s: &str) -> Value {
    match parse_iso_duration(s) {
        Some(d) if d >= chrono::TimeDelta::zero() && d < chrono::TimeDelta::days(1) => {
            let midnight = chrono::NaiveTime::MIN;
            Value::Time(midnight + d)
        }
        Some(d) => Value::Duration(d),
        None => Value::text(s),
    }
}

/// `PnDTnHnMnS` (days, hours, minutes, seconds with a fraction; a leading `-`), the forms
/// spreadsheets write; years and months have no fixed length and are not read.
pub(super) fn parse_iso_duration(s: &str) -> Option<chrono::TimeDelta> {
    let s = s.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let rest = s.strip_prefix('P')?;
    let mut millis: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                let unit_millis = match (unit, in_time) {
                    ('D', false) => 86_400_000.0,
                    ('W', false) => 7.0 * 86_400_000.0,
                    ('H', true) => 3_600_000.0,
                    ('M', true) => 60_000.0,
                    ('S', true) => 1000.0,
                    _ => return None,
                };
                millis = millis.checked_add((value * unit_millis).round() as i64)?;
                any = true;
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    let d = chrono::TimeDelta::try_milliseconds(millis)?;
    Some(if negative { -d } else { d })
}
