//! The results file: every input row once, in input order, with its original columns (types
//! kept) and what happened to it; plus a Summary sheet. `.xlsx` or `.csv`, chosen by the
//! output's extension.
//!
//! The file is written to a temporary file in the destination folder and renamed into place,
//! so a crash never leaves a half-written results file behind, and an existing results file
//! is replaced only by a complete one.
//!
//! In a workbook the Results sheet is an Excel table (filter and sort buttons, banded rows),
//! and the Summary sheet has a chart of the rows per status and a table of messages and
//! segments per encoding.

pub mod csv;
pub mod rows;
pub mod sheet;
pub mod styles;
pub mod summary;
pub mod types;
pub mod write;
pub mod xlsx;

pub use types::{
    MAX_COLUMNS, OutputFormat, RESULT_COLUMNS, Report, ReportError, RunInfo, RunKind, folder_of,
    to_millisecond,
};
pub use write::write;
#[cfg(test)]
mod tests {
    use super::{csv::*, sheet::*, xlsx::*};
    use std::borrow::Cow;
    use std::collections::HashSet;

    #[test]
    fn cells_are_cut_by_utf16_units() {
        let emoji = "😀".repeat(20_000);
        let cut = fit_cell(&emoji);
        assert_eq!(cut.encode_utf16().count(), 32_766);
        let plain = "a".repeat(40_000);
        assert_eq!(fit_cell(&plain).len(), 32_767);
        assert_eq!(fit_cell("short"), "short");
    }

    fn names(titles: &[&str]) -> Vec<String> {
        let titles: Vec<Cow<'_, str>> = titles.iter().map(|t| Cow::Borrowed(*t)).collect();
        table_column_names(&titles)
    }

    #[test]
    fn table_column_names_are_unique_ignoring_case() {
        assert_eq!(
            names(&["Name", "name", "NAME", "Name2", "Phone"]),
            ["Name", "name2", "NAME3", "Name22", "Phone"]
        );
    }

    #[test]
    fn table_column_names_are_one_line_and_never_blank() {
        assert_eq!(
            names(&["Due\nDate", "a\tb\r", "\u{7}"]),
            ["Due Date", "a b ", "Column3"]
        );
    }

    #[test]
    fn table_column_names_fit_excel_even_with_a_number_appended() {
        let long = "é".repeat(300);
        let got = names(&[&long, &long]);
        assert_eq!(got[0], "é".repeat(255));
        assert_eq!(got[1], format!("{}2", "é".repeat(254)));
        let emoji = "😀".repeat(200);
        let got = names(&[&emoji]);
        assert_eq!(got[0].encode_utf16().count(), 254, "no emoji cut in half");
    }

    #[test]
    fn many_repeats_of_one_title_get_numbers_in_order() {
        let titles = vec!["x"; 16_000];
        let got = names(&titles);
        assert_eq!(got[0], "x");
        assert_eq!(got[1], "x2");
        assert_eq!(got[15_999], "x16000");
        let unique: HashSet<String> = got.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(unique.len(), 16_000);
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+961 3 123456"), "'+961 3 123456");
        assert_eq!(csv_safe("-50% today"), "'-50% today");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("Dear Ali"), "Dear Ali");
        assert_eq!(csv_safe(""), "");
    }
}
