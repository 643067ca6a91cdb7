//! What every sheet of the results workbook shares: Excel's cell limits (a text cut at a
//! UTF-16 boundary), column numbers, and the page setup that prints a sheet as a report.

use super::types::*;
use rust_xlsxwriter::{Worksheet, XlsxError};

pub(super) fn col_num(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

/// A sheet printed as a report: landscape A4, every column on one page wide (as many pages
/// down as it takes), the file name and page numbers in the footer.
pub(super) fn print_as_report(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_footer("&L&F - &A&RPage &P of &N");
    Ok(())
}

/// At most [`MAX_CELL_CHARS`] UTF-16 units, never cutting an emoji in half.
pub(super) fn fit_cell(s: &str) -> &str {
    cut_utf16(s, MAX_CELL_CHARS)
}

/// At most `max` UTF-16 units (how Excel and rust_xlsxwriter count), never cutting an emoji
/// in half.
pub(super) fn cut_utf16(s: &str, max: usize) -> &str {
    // A char never takes more UTF-16 units than UTF-8 bytes, so a text this short in bytes
    // fits without counting (nearly every cell: this runs for millions of them).
    if s.len() <= max {
        return s;
    }
    let mut units = 0;
    for (at, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..at];
        }
    }
    s
}
