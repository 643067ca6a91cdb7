//! CSV as offices export it: the delimiter guessed (or given by Excel's `sep=` line), line
//! numbers kept for messages, blank lines counted so row numbers match a spreadsheet's.

use super::builder::*;
use super::error::*;
use crate::book::value::Value;
use std::path::Path;

/// Reads a CSV file as Excel would show it: UTF-8 with or without BOM, `,` `;` or tab chosen
/// from the first line (or from Excel's `sep=;` hint line), every cell text, and row numbers
/// that count blank lines as Excel does.
pub(super) fn read_csv(path: &Path, builder: &mut TableBuilder<'_>) -> Result<(), BookError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(BookError::Utf16 {
            path: path.to_owned(),
        });
    }
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let (delimiter, data) = match sep_hint(data) {
        Some((sep, rest)) => (sep, rest),
        None => (detect_delimiter(data), data),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 0;
    let mut previous_end: usize = 0;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| BookError::Csv {
                path: path.to_owned(),
                detail: e.to_string(),
            })?;
        if !more {
            break;
        }
        // The csv crate skips blank lines; Excel shows each as a row.
        row += blank_lines_before(data, previous_end) + 1;
        previous_end = usize::try_from(reader.position().byte()).unwrap_or(data.len());
        let row0 = u32::try_from(row - 1).unwrap_or(u32::MAX);
        for (col, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| BookError::NotUtf8 {
                path: path.to_owned(),
                line: line_of(data, previous_end.saturating_sub(1)),
            })?;
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            let value = Value::Text(builder.texts.intern(col, text));
            if builder.push(row0, col, value) == Flow::Stop {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Excel writes `sep=;` as a first line to name the separator; it is a hint, not a row.
pub(super) fn sep_hint(data: &[u8]) -> Option<(u8, &[u8])> {
    let rest = data.strip_prefix(b"sep=")?;
    let (&sep, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
    let rest = rest.strip_prefix(b"\n")?;
    Some((sep, rest))
}

/// Counts the blank lines the csv reader skipped between the end of the previous record (at
/// byte `from`, which may be before or inside that record's own line break) and the next one.
pub(super) fn blank_lines_before(data: &[u8], from: usize) -> u64 {
    let mut i = from;
    // Whether the previous record's own line break is still ahead and must not be counted.
    let mut own_break_ahead = from > 0;
    if from > 0 {
        match data.get(from - 1) {
            Some(b'\n') => own_break_ahead = false,
            Some(b'\r') => {
                own_break_ahead = false;
                if data.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
    }
    let mut breaks = 0u64;
    while let Some(&b) = data.get(i) {
        match b {
            b'\r' => {
                i += if data.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                }
            }
            b'\n' => i += 1,
            _ => break,
        }
        breaks += 1;
    }
    if own_break_ahead {
        breaks.saturating_sub(1)
    } else {
        breaks
    }
}

/// The 1-based line of a byte offset, for error messages.
pub(super) fn line_of(data: &[u8], offset: usize) -> u64 {
    let end = offset.min(data.len());
    1 + data[..end].iter().filter(|&&b| b == b'\n').count() as u64
}

/// Picks the separator that occurs most often, outside quotes, in the first line; Excel in
/// many European and Middle-Eastern locales writes `;`.
pub(super) fn detect_delimiter(head: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                for (sep, n) in counts.iter_mut() {
                    if *sep == b {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map_or(b',', |(sep, _)| *sep)
}
