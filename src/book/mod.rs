//! Reading the input: a workbook (xlsx, xlsm, xls, xlsb, ods) or a CSV file becomes a [`Table`]:
//! the header of the chosen sheet and its non-empty rows, each with the row number a person
//! sees in Excel. This module knows nothing about SMS; the caller says which sheet it wants
//! through a predicate on the header.
//!
//! Large xlsx/xlsb sheets are streamed cell by cell (calamine's cells readers) rather than
//! loaded as a dense range, so one stray value far away (say in XFD1048576) costs one cell,
//! not billions (tafia/calamine#428). xls and ods are loaded whole by calamine when opened.

pub mod archive;
pub mod builder;
pub mod cells;
pub mod contained;
pub mod csv;
pub mod error;
pub mod hidden;
pub mod macro_sheets;
pub mod ods_repair;
pub mod open;
pub mod read;
pub mod sniff;
pub mod table;
pub mod value;

pub use error::BookError;
pub use read::{read, read_with_progress};
pub use table::{
    Companion, Headers, OnRows, ROW_BATCH, Row, SheetChoice, Table, Wanted, column_letter,
    list_names,
};

#[cfg(test)]
mod tests {
    use super::value::Value;
    use super::{archive::*, builder::*, cells::*, csv::*, table::*};
    use std::path::Path;
    use std::sync::Arc;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn blank_lines_are_counted_for_every_line_ending() {
        // A record ends where the csv reader says: before, inside or after its line break.
        assert_eq!(blank_lines_before(b"a\n\n\nb", 2), 2);
        assert_eq!(blank_lines_before(b"a\n\n\nb", 1), 2);
        assert_eq!(blank_lines_before(b"a\r\n\r\nb", 1), 1);
        assert_eq!(blank_lines_before(b"a\r\n\r\nb", 2), 1);
        assert_eq!(blank_lines_before(b"a\r\n\r\nb", 3), 1);
        assert_eq!(blank_lines_before(b"a\r\nb", 2), 0);
        assert_eq!(blank_lines_before(b"a\r\nb", 1), 0);
        assert_eq!(blank_lines_before(b"a\nb", 2), 0);
        assert_eq!(blank_lines_before(b"\n\nb", 0), 2);
        assert_eq!(blank_lines_before(b"b", 0), 0);
    }

    #[test]
    fn ods_tables_must_be_closed() {
        let closed =
            b"<office><table:table table:name=\"S\"><table:table-row/></table:table></office>";
        assert!(is_whole_xml(&mut &closed[..]).unwrap());
        let cut = b"<office><table:table table:name=\"S\"><table:table-row/>";
        assert!(!is_whole_xml(&mut &cut[..]).unwrap());
        let rows_only = b"<table:table-row></table:table-row>";
        assert!(is_whole_xml(&mut &rows_only[..]).unwrap());
    }

    #[test]
    fn excel_sep_hint() {
        assert_eq!(sep_hint(b"sep=;\r\na;b"), Some((b';', &b"a;b"[..])));
        assert_eq!(sep_hint(b"sep=,\na"), Some((b',', &b"a"[..])));
        assert_eq!(sep_hint(b"phone,name"), None);
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter(b"phone,name\n1,2"), b',');
        assert_eq!(detect_delimiter(b"phone;name;msg\n"), b';');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"phone\tname\n"), b'\t');
        assert_eq!(detect_delimiter(b"phone\n"), b',');
    }

    #[test]
    fn headers_match_case_and_outer_spaces() {
        let h = Headers::new(vec!["Phone".into(), " First Name ".into(), "الاسم".into()]);
        assert_eq!(h.find("phone"), Some(0));
        assert_eq!(h.find("  PHONE "), Some(0));
        assert_eq!(h.find("first name"), Some(1));
        assert_eq!(h.find("الاسم"), Some(2));
        assert_eq!(h.find("firstname"), None);
    }

    #[test]
    fn builder_skips_blank_rows_and_keeps_row_numbers() {
        let mut b = TableBuilder::new(None);
        b.push(2, 1, Value::text("Phone"));
        b.push(2, 3, Value::text("Name"));
        b.push(3, 1, Value::text("961"));
        b.push(4, 1, Value::text("   "));
        b.push(6, 3, Value::text("Ali"));
        b.push(6, 9, Value::text("stray"));
        let SheetRead::Table(t) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected a table");
        };
        assert_eq!(t.headers.names(), ["Phone", "Name", "J"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].number, 4);
        assert_eq!(t.rows[1].number, 7);
        assert_eq!(t.rows[1].cells[1], Value::text("Ali"));
        assert_eq!(t.rows[1].cells[2], Value::text("stray"));
        assert_eq!(t.rows[0].cells[2], Value::Empty);
        assert_eq!(t.untitled_columns, ["J"]);
    }

    #[test]
    fn a_title_far_away_costs_one_column_and_gaps_with_data_are_kept() {
        let mut b = TableBuilder::new(None);
        b.push(0, 1, Value::text("Phone"));
        b.push(0, 16383, Value::text("note"));
        b.push(1, 0, Value::text("left"));
        b.push(1, 1, Value::text("961"));
        b.push(2, 5, Value::text("only here"));
        let SheetRead::Table(t) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected a table");
        };
        assert_eq!(t.headers.names(), ["A", "Phone", "F", "note"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            t.rows[0].cells,
            [
                Value::text("left"),
                Value::text("961"),
                Value::Empty,
                Value::Empty
            ]
        );
        assert_eq!(t.rows[1].number, 3);
        assert_eq!(t.rows[1].cells[2], Value::text("only here"));
        assert_eq!(t.untitled_columns, ["A", "F"]);
    }

    #[test]
    fn repeated_texts_are_shared_and_the_sharing_is_bounded() {
        let mut texts = TextInterner::default();
        let a = texts.intern(3, "Dear {{Name}}");
        let b = texts.intern(3, "Dear {{Name}}");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*texts.intern(4, "Dear {{Name}}"), "Dear {{Name}}");
        for i in 0..INTERNED_PER_COLUMN + 10 {
            texts.intern(0, &i.to_string());
        }
        assert_eq!(texts.columns[0].len(), INTERNED_PER_COLUMN);
        let far = texts.intern(INTERNED_COLUMNS, "x");
        assert_eq!(&*far, "x");
        assert!(texts.columns.len() <= INTERNED_COLUMNS as usize);
    }

    #[test]
    fn iso_date_cells_with_fractions_and_zones_are_dates() {
        let at = |s| match from_iso_datetime(s) {
            Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(at("2014-02-14T08:27:48.765Z"), "2014-02-14 08:27:48.765");
        assert_eq!(at("2014-02-14T08:27:48Z"), "2014-02-14 08:27:48.000");
        assert_eq!(at("2014-02-14T08:27:48+03:00"), "2014-02-14 08:27:48.000");
        assert_eq!(at("2014-02-14T08:27:48.5-05:00"), "2014-02-14 08:27:48.500");
        assert_eq!(at("2014-02-14T08:27"), "2014-02-14 08:27:00.000");
        assert_eq!(at("2014-02-14"), "2014-02-14 00:00:00.000");
        assert_eq!(from_iso_datetime("not a date"), Value::text("not a date"));
    }

    #[test]
    fn iso_durations_under_a_day_are_times_of_day() {
        let time = |h, m, s| Value::Time(chrono::NaiveTime::from_hms_opt(h, m, s).unwrap());
        assert_eq!(from_iso_duration("PT10H30M00S"), time(10, 30, 0));
        assert_eq!(from_iso_duration("PT0H05M30S"), time(0, 5, 30));
        assert!(matches!(from_iso_duration("PT23H59M59,5S"), Value::Time(_)));
        for (iso, hours) in [("P1DT2H", 26), ("PT36H00M00S", 36), ("-PT1H", -1)] {
            let elapsed = Value::Duration(chrono::TimeDelta::hours(hours));
            assert_eq!(from_iso_duration(iso), elapsed, "{iso}");
        }
        for bad in ["P", "PT", "PT10", "P1Y", "10:30", "PTXH"] {
            assert_eq!(from_iso_duration(bad), Value::text(bad), "{bad}");
        }
    }

    #[test]
    fn builder_stops_after_an_unwanted_header() {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
        let mut b = TableBuilder::new(Some(wanted));
        assert_eq!(b.push(0, 0, Value::text("Notes")), Flow::Continue);
        assert_eq!(b.push(0, 1, Value::text("More")), Flow::Continue);
        assert_eq!(b.push(1, 0, Value::text("x")), Flow::Stop);
        let SheetRead::Unwanted(headers) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("expected an unwanted header");
        };
        assert_eq!(headers.names(), ["Notes", "More"]);
    }

    /// Rows of text cells, `(row, col, text)`, through a builder wanting a phone column.
    fn built(cells: &[(u32, u32, &str)], header_row: Option<u32>) -> Table {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
        let mut b = TableBuilder::new(Some(wanted));
        b.header_row_wanted = header_row;
        for (row, col, text) in cells {
            if b.push(*row, *col, Value::text(*text)) == Flow::Stop {
                break;
            }
        }
        match b.finish(Path::new("x"), "S") {
            Ok(SheetRead::Table(t)) => t,
            Ok(SheetRead::Unwanted(h)) => panic!("unwanted header {:?}", h.names()),
            other => panic!("{other:?}", other = other.map(|_| ())),
        }
    }

    #[test]
    fn a_lone_title_above_the_header_is_skipped_and_reported() {
        let t = built(
            &[
                (0, 0, "Customer list, December"),
                (2, 0, "Phone"),
                (2, 1, "Name"),
                (3, 0, "961"),
                (3, 1, "Rana"),
            ],
            None,
        );
        assert_eq!(t.headers.names(), ["Phone", "Name"]);
        assert_eq!(t.title, Some((1, "Customer list, December".to_owned())));
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, 4);
    }

    #[test]
    fn a_one_column_sheet_keeps_its_header_and_first_row() {
        let wanted: &dyn Fn(&Headers) -> bool = &|h| h.find("tel").is_some() || h.len() == 1;
        let mut b = TableBuilder::new(Some(wanted));
        for (row, text) in [(0, "Numbers"), (1, "961"), (2, "962")] {
            b.push(row, 0, Value::text(text));
        }
        let SheetRead::Table(t) = b.finish(Path::new("x"), "S").unwrap() else {
            panic!("a table");
        };
        assert_eq!(t.headers.names(), ["Numbers"]);
        assert_eq!(t.title, None);
        let numbers: Vec<u32> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 3]);
        // A wanted one-cell header is never a title.
        let t = built(&[(0, 0, "Phone"), (1, 0, "961"), (1, 1, "x")], None);
        assert_eq!(t.headers.names(), ["Phone", "B"]);
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn header_row_names_the_header_and_rows_above_are_not_read() {
        let t = built(
            &[
                (0, 0, "Report"),
                (0, 1, "for December"),
                (1, 0, "Phone"),
                (1, 1, "Name"),
                (2, 0, "961"),
            ],
            Some(1),
        );
        assert_eq!(t.headers.names(), ["Phone", "Name"]);
        assert_eq!(t.title, None);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, 3);
    }
}
