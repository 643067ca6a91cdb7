//! Rows hidden in the spreadsheet program, by hand or by a filter, which calamine does not
//! report: found by reading the sheet's XML a second time, quickly.
//!
//! - xlsx/xlsm: `<row r="5" hidden="1">` in the worksheet part (a filter hides rows the same
//!   way). The part is searched with `memchr::memmem`: only stretches of it that say
//!   `hidden=` at all are looked at row by row, so a sheet with no hidden row costs one
//!   inflate and a byte search, no XML parse.
//! - ods: `table:visibility="collapse"` or `"filter"` on a `table:table-row` of the sheet's
//!   table in content.xml, `table:number-rows-repeated` times. Parsed (with quick-xml) only
//!   when a byte search finds such a visibility at all.
//!
//! csv, xls and xlsb record nothing that is read here: their rows all count as visible.
//!
//! Rows are numbered as calamine numbers them (0-based, from the sheet's first row: a row's
//! `r`, else the one after the row before; in ods every `table:table-row` and its repeats), so
//! the builder matches them against the rows it is given. A part this cannot read is one
//! calamine reports on itself; here it only means no row is known to be hidden.

use super::archive::MAX_MEMBER_BYTES;
use memchr::memmem;
use quick_xml::events::{BytesStart, Event};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Rows hidden in a sheet, as sorted, disjoint ranges of 0-based row indices (a block of
/// repeated ods rows is one range, however long).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct HiddenRows {
    /// `(first, end)`, `end` excluded.
    ranges: Vec<(u32, u32)>,
}

/// Rows a sheet can have (Excel's limit, which calamine's ods reader also keeps): a row
/// beyond it is none the reader yields.
const MAX_ROWS: u32 = 1_048_576;

impl HiddenRows {
    /// Whether the 0-based row `row` is hidden.
    pub(super) fn contains(&self, row: u32) -> bool {
        if self.ranges.is_empty() {
            return false;
        }
        let after = self.ranges.partition_point(|&(first, _)| first <= row);
        after > 0 && row < self.ranges[after - 1].1
    }

    /// How many rows are hidden.
    #[cfg(test)]
    fn len(&self) -> u64 {
        self.ranges.iter().map(|(a, b)| u64::from(b - a)).sum()
    }

    /// Adds `count` rows from `first`, merged with the last range when they touch.
    fn add(&mut self, first: u32, count: u32) {
        let end = first.saturating_add(count).min(MAX_ROWS);
        if first >= end {
            return;
        }
        match self.ranges.last_mut() {
            Some((a, b)) if *a <= first && first <= *b => *b = (*b).max(end),
            _ => self.ranges.push((first, end)),
        }
    }

    /// Sorted and merged: rows usually come in order, but nothing in an xlsx forces it.
    fn finish(mut self) -> HiddenRows {
        if self.ranges.is_sorted() {
            return self;
        }
        self.ranges.sort_unstable();
        let mut merged = HiddenRows::default();
        for (first, end) in self.ranges {
            merged.add(first, end - first);
        }
        merged
    }
}

/// The hidden rows of the xlsx/xlsm sheet named `sheet` in the file at `path`.
pub(super) fn xlsx_hidden_rows(path: &Path, sheet: &str) -> HiddenRows {
    read_xlsx(path, sheet).unwrap_or_default()
}

/// The hidden rows of the ods sheet named `sheet` in the file at `path`.
pub(super) fn ods_hidden_rows(path: &Path, sheet: &str) -> HiddenRows {
    read_ods(path, sheet).unwrap_or_default()
}

type Archive = zip::ZipArchive<BufReader<File>>;

fn open_archive(path: &Path) -> std::io::Result<Archive> {
    zip::ZipArchive::new(BufReader::new(File::open(path)?)).map_err(std::io::Error::other)
}

/// A member of the archive, unpacked as it is read, no further than any workbook part goes.
fn member<'a>(archive: &'a mut Archive, name: &str) -> std::io::Result<impl Read + 'a> {
    Ok(archive
        .by_name(name)
        .map_err(std::io::Error::other)?
        .take(MAX_MEMBER_BYTES))
}

fn read_xlsx(path: &Path, sheet: &str) -> std::io::Result<HiddenRows> {
    let mut archive = open_archive(path)?;
    let Some(part) = sheet_part(&mut archive, sheet)? else {
        return Ok(HiddenRows::default());
    };
    let reader = member(&mut archive, &part)?;
    scan_xlsx_sheet(reader)
}

/// The worksheet part of `sheet`, found as calamine finds it: the workbook part names the
/// sheet's relationship, whose target is the part (relative to `xl/`, or absolute).
fn sheet_part(archive: &mut Archive, sheet: &str) -> std::io::Result<Option<String>> {
    let workbook = super::macro_sheets::read_part(archive, "xl/workbook.xml")?;
    let Some(id) = attribute_of(&workbook, "sheet", |e| {
        (attr(e, "name")? == sheet)
            .then(|| local_attr(e, "id"))
            .flatten()
    })?
    else {
        return Ok(None);
    };
    let rels = super::macro_sheets::read_part(archive, "xl/_rels/workbook.xml.rels")?;
    let target = attribute_of(&rels, "Relationship", |e| {
        (attr(e, "Id")? == id).then(|| attr(e, "Target")).flatten()
    })?;
    Ok(target.map(|t| match t.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{t}"),
    }))
}

/// The first element named `element` (local name) in `xml` for which `pick` gives a value.
fn attribute_of(
    xml: &str,
    element: &str,
    pick: impl Fn(&BytesStart<'_>) -> Option<String>,
) -> std::io::Result<Option<String>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(std::io::Error::other)? {
            Event::Eof => return Ok(None),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == element => {
                if let Some(value) = pick(&e) {
                    return Ok(Some(value));
                }
            }
            _ => {}
        }
    }
}

/// An attribute's value, unescaped, by its full name.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok().flatten()?;
    let value = a
        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
        .ok()?;
    Some(value.into_owned())
}

/// An attribute's value by its local name (`r:id` as `id`, whatever the prefix).
fn local_attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find_map(|a| (a.key.local_name().as_ref() == name).then(|| a.value.clone().into_owned()))
}

/// Unpacked XML handed to a scanner at a time.
const CHUNK: usize = 256 << 10;

/// The end of a chunk from its last `<` on is kept for the next one, so no tag is cut; no
/// row tag is longer than this, so a longer rest (a long text) is not kept.
const MAX_CARRY: usize = 4 << 10;

/// Feeds `reader` to `scan` in chunks that never end inside a tag.
fn in_chunks(mut reader: impl Read, mut scan: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + MAX_CARRY);
    loop {
        let kept = buf.len();
        buf.resize(kept + CHUNK, 0);
        let mut filled = kept;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        let at_end = filled == kept;
        let cut = match memchr::memrchr(b'<', &buf) {
            Some(at) if !at_end => at,
            _ => buf.len(),
        };
        scan(&buf[..cut]);
        if at_end {
            return Ok(());
        }
        if buf.len() - cut > MAX_CARRY {
            buf.clear();
        } else {
            buf.drain(..cut);
        }
    }
}

/// Where the hidden rows of an xlsx worksheet part are, read as it streams past.
fn scan_xlsx_sheet(reader: impl Read) -> std::io::Result<HiddenRows> {
    let mut rows = XlsxRows {
        hidden_attribute: memmem::Finder::new(b"hidden="),
        row_name: memmem::Finder::new(b"row"),
        last_row_name: memmem::FinderRev::new(b"row"),
        next_row: 0,
        hidden: HiddenRows::default(),
    };
    in_chunks(reader, |chunk| rows.chunk(chunk))?;
    Ok(rows.hidden.finish())
}

/// The state of a scan of xlsx rows: where a row without `r` would be, what is hidden.
struct XlsxRows {
    hidden_attribute: memmem::Finder<'static>,
    row_name: memmem::Finder<'static>,
    last_row_name: memmem::FinderRev<'static>,
    /// The 0-based index of a next row that has no `r` (calamine's count).
    next_row: u32,
    hidden: HiddenRows,
}

impl XlsxRows {
    fn chunk(&mut self, xml: &[u8]) {
        if self.hidden_attribute.find(xml).is_none() {
            // Nothing hidden here: only where a later row without `r` lands matters, which
            // the last row's `r` says.
            match last_row_tag(xml, &self.last_row_name).map(|tag| row_attributes(tag).0) {
                None => return,
                Some(Some(r)) => {
                    self.next_row = r;
                    return;
                }
                // A row without `r`: count them all.
                Some(None) => {}
            }
        }
        let mut at = 0;
        while let Some(found) = self.row_name.find(&xml[at..]) {
            let name = at + found;
            at = name + 3;
            if let Some(tag) = row_tag_at(xml, name) {
                let (r, hidden) = row_attributes(tag);
                let row = r.map_or(self.next_row, |r| r.saturating_sub(1));
                if hidden {
                    self.hidden.add(row, 1);
                }
                self.next_row = row.saturating_add(1);
            }
        }
    }
}

/// The last row start tag of `xml`, if it has one.
fn last_row_tag<'x>(xml: &'x [u8], row_name: &memmem::FinderRev<'_>) -> Option<&'x [u8]> {
    let mut end = xml.len();
    loop {
        let name = row_name.rfind(&xml[..end])?;
        if let Some(tag) = row_tag_at(xml, name) {
            return Some(tag);
        }
        end = name;
    }
}

/// The attributes of the row start tag whose name `row` is at `name` in `xml`, when it is
/// one: `<row` or `<x:row` (any prefix), followed by a space, `>` or `/`.
fn row_tag_at(xml: &[u8], name: usize) -> Option<&[u8]> {
    let after = name + 3;
    if !matches!(
        xml.get(after),
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
    ) {
        return None;
    }
    let before = xml[..name].last()?;
    match before {
        b'<' => {}
        b':' => {
            let prefix = &xml[..name - 1];
            let start = prefix
                .iter()
                .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))?;
            if prefix[start] != b'<' || start + 1 == prefix.len() {
                return None;
            }
        }
        _ => return None,
    }
    let end = memchr::memchr(b'>', &xml[after..]).map_or(xml.len(), |e| after + e);
    Some(&xml[after..end])
}

/// A row tag's `r` (1-based, as written: the 0-based index of the row after it) and whether
/// it says `hidden="1"` (or `true`).
fn row_attributes(tag: &[u8]) -> (Option<u32>, bool) {
    let mut r = None;
    let mut hidden = false;
    for (name, value) in Attributes(tag) {
        match name {
            b"r" => {
                r = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .filter(|&r| r >= 1);
            }
            b"hidden" => hidden = matches!(value, b"1" | b"true"),
            _ => {}
        }
    }
    (r, hidden)
}

/// The `name="value"` pairs of a tag's attribute text (either quote), without unescaping:
/// row attributes are numbers and booleans.
struct Attributes<'t>(&'t [u8]);

impl<'t> Iterator for Attributes<'t> {
    type Item = (&'t [u8], &'t [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.0;
        let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
        let eq = start + memchr::memchr(b'=', &text[start..])?;
        let name = text[start..eq].trim_ascii();
        let open = eq
            + 1
            + text[eq + 1..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())?;
        let quote = *text.get(open).filter(|q| matches!(q, b'"' | b'\''))?;
        let close = open + 1 + memchr::memchr(quote, &text[open + 1..])?;
        self.0 = &text[close + 1..];
        Some((name, &text[open + 1..close]))
    }
}

fn read_ods(path: &Path, sheet: &str) -> std::io::Result<HiddenRows> {
    let mut archive = open_archive(path)?;
    if !mentions_visibility(member(&mut archive, super::ods_repair::CONTENT)?)? {
        return Ok(HiddenRows::default());
    }
    let content = BufReader::new(member(&mut archive, super::ods_repair::CONTENT)?);
    scan_ods_table(content, sheet)
}

/// Whether an ods content.xml sets the visibility of anything at all: without it, no row is
/// hidden and the XML need not be parsed.
fn mentions_visibility(reader: impl Read) -> std::io::Result<bool> {
    let finder = memmem::Finder::new(b"table:visibility=");
    let mut found = false;
    in_chunks(reader, |chunk| {
        found = found || finder.find(chunk).is_some()
    })?;
    Ok(found)
}

/// The hidden rows of the table named `sheet` in an ods content.xml.
fn scan_ods_table(reader: impl std::io::BufRead, sheet: &str) -> std::io::Result<HiddenRows> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut hidden = HiddenRows::default();
    // Depth of tables inside the wanted one (a table in a cell is none of its rows).
    let mut inside: Option<usize> = None;
    let mut row: u32 = 0;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(std::io::Error::other)?;
        match (&event, inside) {
            (Event::Eof, _) => break,
            (Event::Start(e), None)
                if e.name().as_ref() == "table:table"
                    && attr(e, "table:name").as_deref() == Some(sheet) =>
            {
                inside = Some(0);
            }
            (Event::Start(e), Some(depth)) if e.name().as_ref() == "table:table" => {
                inside = Some(depth + 1);
            }
            (Event::End(e), Some(depth)) if e.name().as_ref() == "table:table" => {
                if depth == 0 {
                    break;
                }
                inside = Some(depth - 1);
            }
            (Event::Start(e) | Event::Empty(e), Some(0))
                if e.name().as_ref() == "table:table-row" =>
            {
                let repeated = attr(e, "table:number-rows-repeated")
                    .and_then(|n| n.trim().parse::<u32>().ok())
                    .unwrap_or(1)
                    .max(1);
                if matches!(
                    attr(e, "table:visibility").as_deref(),
                    Some("collapse" | "filter")
                ) {
                    hidden.add(row, repeated);
                }
                row = row.saturating_add(repeated);
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xlsx(xml: &str) -> HiddenRows {
        scan_xlsx_sheet(xml.as_bytes()).unwrap()
    }

    fn rows(hidden: &HiddenRows, upto: u32) -> Vec<u32> {
        (0..upto).filter(|&r| hidden.contains(r)).collect()
    }

    #[test]
    fn xlsx_rows_marked_hidden_are_found_by_their_r() {
        let h = xlsx(
            r#"<worksheet><sheetData><row r="1"><c r="A1"/></row><row r="2" spans="1:2" hidden="1"><c r="A2"/></row><row r="3" hidden="0"/><row r="7" ht="15" hidden="true" customHeight="1"/></sheetData></worksheet>"#,
        );
        assert_eq!(rows(&h, 10), [1, 6]);
    }

    #[test]
    fn rows_without_r_follow_the_row_before() {
        let h = xlsx(
            r#"<sheetData><row r="4"><c/></row><row><c/></row><row hidden="1"><c/></row><x:row hidden='1'/></sheetData>"#,
        );
        assert_eq!(rows(&h, 10), [5, 6]);
    }

    #[test]
    fn hidden_columns_and_texts_are_not_rows() {
        let h = xlsx(
            r#"<cols><col min="1" max="1" hidden="1"/></cols><sheetData><row r="1"><c t="inlineStr"><is><t>a row hidden="1" here</t></is></c></row><rowBreaks hidden="1"/></sheetData>"#,
        );
        assert_eq!(h, HiddenRows::default());
    }

    #[test]
    fn a_tag_cut_between_chunks_is_read_whole() {
        let mut xml = String::from("<sheetData>");
        let mut expected = Vec::new();
        for r in 1..=40_000u32 {
            if r % 997 == 0 {
                expected.push(r - 1);
                xml.push_str(&format!(
                    r#"<row r="{r}" hidden="1"><c r="A{r}"><v>1</v></c></row>"#
                ));
            } else {
                xml.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>1</v></c></row>"#));
            }
        }
        xml.push_str("</sheetData>");
        assert!(xml.len() > 3 * CHUNK);
        let h = xlsx(&xml);
        assert_eq!(rows(&h, 40_000), expected);
    }

    #[test]
    fn counting_goes_on_across_chunks_without_hidden_rows() {
        // Rows without `r` in a first chunk with nothing hidden, then a hidden one.
        let mut xml = String::from("<sheetData>");
        while xml.len() < 2 * CHUNK {
            xml.push_str("<row><c><v>1</v></c></row>");
        }
        let before = xml.matches("<row>").count() as u32;
        xml.push_str(r#"<row hidden="1"><c><v>1</v></c></row></sheetData>"#);
        let h = xlsx(&xml);
        assert_eq!(rows(&h, before + 5), [before]);
    }

    #[test]
    fn ranges_merge_and_answer_lookups() {
        let mut h = HiddenRows::default();
        h.add(5, 3);
        h.add(8, 2);
        h.add(20, 1);
        h.add(2, 1);
        let h = h.finish();
        assert_eq!(h.ranges, [(2, 3), (5, 10), (20, 21)]);
        assert_eq!(rows(&h, 30), [2, 5, 6, 7, 8, 9, 20]);
        assert_eq!(h.len(), 7);
        let mut huge = HiddenRows::default();
        huge.add(10, u32::MAX);
        assert_eq!(huge.len(), u64::from(MAX_ROWS - 10));
    }

    fn ods(xml: &str, sheet: &str) -> HiddenRows {
        assert!(mentions_visibility(xml.as_bytes()).unwrap());
        scan_ods_table(xml.as_bytes(), sheet).unwrap()
    }

    #[test]
    fn ods_collapsed_and_filtered_rows_count_their_repeats() {
        let xml = r#"<office:spreadsheet>
<table:table table:name="Other"><table:table-row table:visibility="collapse"><table:table-cell/></table:table-row></table:table>
<table:table table:name="Customers">
<table:table-row><table:table-cell/></table:table-row>
<table:table-row table:visibility="collapse" table:number-rows-repeated="3"><table:table-cell/></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>
<table:table-row table:visibility="filter"/>
<table:table-row table:visibility="visible"><table:table-cell/></table:table-row>
</table:table></office:spreadsheet>"#;
        let h = ods(xml, "Customers");
        assert_eq!(rows(&h, 20), [1, 2, 3, 6]);
        assert_eq!(rows(&ods(xml, "Other"), 20), [0]);
        assert_eq!(ods(xml, "Missing"), HiddenRows::default());
    }

    #[test]
    fn an_ods_without_visibility_is_not_parsed() {
        let xml = r#"<table:table table:name="S"><table:table-row><table:table-cell/></table:table-row></table:table>"#;
        assert!(!mentions_visibility(xml.as_bytes()).unwrap());
    }
}
