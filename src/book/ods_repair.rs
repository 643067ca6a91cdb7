//! A copy of an ods that calamine 0.38 reads as the program that wrote it meant.
//!
//! Two things in valid OpenDocument files mislead its reader, so `book` hands it a repaired
//! copy of such a file (made in a temporary file, the original never touched):
//! - whitespace between the cells of a row (KSpread and hand-indented files put newlines
//!   there): calamine's row reader accepts nothing but cells, and refuses the whole file as
//!   damaged (`Mismatch { expected: "table-cell", found: "Text(..)" }`);
//! - cells covered by a merge (`table:covered-table-cell`) that still hold content, as
//!   LibreOffice keeps it when cells are merged: calamine reads them as ordinary cells, so
//!   what is hidden under a merged title becomes a row of its own. A covered cell is empty
//!   to a person looking at the sheet, and so it is here.
//!
//! Once a calamine release reads both as a person sees them, this module can go.

use quick_xml::events::{BytesStart, Event};
use std::io::{BufRead, Read, Seek, Write};

/// The part of an ods that holds the sheets.
pub const CONTENT: &str = "content.xml";

const COVERED_CELL: &str = "table:covered-table-cell";
const COLUMNS_REPEATED: &str = "table:number-columns-repeated";

/// Whether `xml` (an ods content.xml) has whitespace between elements outside of text, or a
/// covered cell with content: what [`repair`] changes.
pub fn needs_repair(reader: impl BufRead) -> std::io::Result<bool> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut in_text: usize = 0;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == COVERED_CELL => return Ok(true),
            Ok(Event::Start(e)) if is_text_element(&e) => in_text += 1,
            Ok(Event::End(e)) if is_text_end(e.name().as_ref()) => {
                in_text = in_text.saturating_sub(1);
            }
            Ok(Event::Text(t)) if in_text == 0 && is_whitespace(&t) => return Ok(true),
            Ok(Event::Eof) | Err(_) => return Ok(false),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// Writes to `out` the ods archive `archive` with its content.xml repaired: whitespace
/// outside text removed, covered cells emptied (keeping how many columns they span). Every
/// other part is copied as it is, still compressed.
pub fn repair<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    out: impl Write + Seek,
) -> std::io::Result<()> {
    let mut zip = zip::ZipWriter::new(out);
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i)?;
        if part.name_raw() != CONTENT.as_bytes() {
            zip.raw_copy_file(part)?;
            continue;
        }
        drop(part);
        let content = archive.by_index(i)?;
        zip.start_file(
            CONTENT,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )?;
        repair_content(std::io::BufReader::new(content), &mut zip)?;
    }
    zip.finish()?;
    Ok(())
}

fn repair_content(reader: impl BufRead, out: impl Write) -> std::io::Result<()> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut writer = quick_xml::Writer::new(out);
    let mut buf = Vec::new();
    let mut skipped = Vec::new();
    let mut in_text: usize = 0;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(std::io::Error::other)?;
        match event {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == COVERED_CELL => {
                writer.write_event(Event::Empty(emptied_cover(&e)))?;
                xml.read_to_end_into(e.name(), &mut skipped)
                    .map_err(std::io::Error::other)?;
                skipped.clear();
            }
            Event::Empty(e) if e.name().as_ref() == COVERED_CELL => {
                writer.write_event(Event::Empty(emptied_cover(&e)))?;
            }
            Event::Text(t) if in_text == 0 && is_whitespace(&t) => {}
            Event::Start(e) => {
                if is_text_element(&e) {
                    in_text += 1;
                }
                writer.write_event(Event::Start(e))?;
            }
            Event::End(e) => {
                if is_text_end(e.name().as_ref()) {
                    in_text = in_text.saturating_sub(1);
                }
                writer.write_event(Event::End(e))?;
            }
            other => writer.write_event(other)?,
        }
        buf.clear();
    }
    Ok(())
}

/// A covered cell with nothing in it, spanning as many columns as `cell` did.
fn emptied_cover(cell: &BytesStart<'_>) -> BytesStart<'static> {
    let mut empty = BytesStart::new("table:covered-table-cell");
    if let Ok(Some(repeated)) = cell.try_get_attribute(COLUMNS_REPEATED) {
        empty.push_attribute((COLUMNS_REPEATED, repeated.value.as_ref()));
    }
    empty
}

/// Paragraphs and headings: inside them whitespace is text a person typed.
fn is_text_element(e: &BytesStart<'_>) -> bool {
    is_text_end(e.name().as_ref())
}

fn is_text_end(name: &str) -> bool {
    matches!(name, "text:p" | "text:h")
}

fn is_whitespace(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(xml: &str) -> String {
        let mut out = Vec::new();
        repair_content(xml.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn whitespace_between_cells_goes_and_whitespace_in_text_stays() {
        let xml = "<table:table-row>\n  <table:table-cell><text:p>a <text:span>b</text:span> </text:p></table:table-cell>\n</table:table-row>";
        assert!(needs_repair(xml.as_bytes()).unwrap());
        assert_eq!(
            repaired(xml),
            "<table:table-row><table:table-cell><text:p>a <text:span>b</text:span> </text:p></table:table-cell></table:table-row>"
        );
    }

    #[test]
    fn covered_cells_are_emptied_and_keep_their_span() {
        let xml = r#"<table:table-row><table:covered-table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>hidden</text:p></table:covered-table-cell><table:covered-table-cell/></table:table-row>"#;
        assert!(needs_repair(xml.as_bytes()).unwrap());
        assert_eq!(
            repaired(xml),
            r#"<table:table-row><table:covered-table-cell table:number-columns-repeated="2"/><table:covered-table-cell/></table:table-row>"#
        );
    }

    #[test]
    fn a_compact_file_without_covered_content_is_left_alone() {
        let xml = r#"<table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:covered-table-cell/></table:table-row>"#;
        assert!(!needs_repair(xml.as_bytes()).unwrap());
    }
}
