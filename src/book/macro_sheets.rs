//! Excel 4.0 macro sheets (`xl/macrosheets/`, kept by old .xlsm files) left out of a copy of
//! the workbook: calamine 0.38 refuses a whole workbook that has one ("Unrecognized
//! sheet:type"), though its worksheets read fine. `book` reads such a file from a copy whose
//! workbook part no longer lists the macro sheets, and says which it skipped.

use quick_xml::events::Event;
use std::io::{Read, Seek, Write};

const WORKBOOK: &str = "xl/workbook.xml";
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";

/// Writes to `out` the xlsx `archive` with its macro sheets unlisted; returns their names.
/// Every other part is copied as it is, still compressed.
pub fn without_macro_sheets<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    out: impl Write + Seek,
) -> std::io::Result<Vec<String>> {
    let rels = read_part(archive, WORKBOOK_RELS)?;
    let macro_ids = macro_sheet_ids(&rels)?;
    let workbook = read_part(archive, WORKBOOK)?;
    let (workbook, skipped) = unlist(&workbook, &macro_ids)?;
    let mut zip = zip::ZipWriter::new(out);
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i)?;
        if part.name_raw() == WORKBOOK.as_bytes() {
            drop(part);
            zip.start_file(
                WORKBOOK,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )?;
            zip.write_all(workbook.as_bytes())?;
        } else {
            zip.raw_copy_file(part)?;
        }
    }
    zip.finish()?;
    Ok(skipped)
}

/// A small part of the archive (a workbook or relationships part) as text, bounded.
pub(super) fn read_part<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> std::io::Result<String> {
    let mut text = String::new();
    archive
        .by_name(name)
        .map_err(std::io::Error::other)?
        .take(16 << 20)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The relationship ids of the workbook's macro sheets (`xlMacrosheet`, `xlIntlMacrosheet`).
fn macro_sheet_ids(rels: &str) -> std::io::Result<Vec<String>> {
    let mut xml = quick_xml::Reader::from_str(rels);
    let mut ids = Vec::new();
    loop {
        match xml.read_event().map_err(std::io::Error::other)? {
            Event::Eof => return Ok(ids),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let attr = |name: &str| {
                    e.try_get_attribute(name)
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                };
                if attr("Type").is_some_and(|t| t.ends_with("acrosheet"))
                    && let Some(id) = attr("Id")
                {
                    ids.push(id);
                }
            }
            _ => {}
        }
    }
}

/// The workbook part without the `<sheet>` elements of `ids`, and those sheets' names.
fn unlist(workbook: &str, ids: &[String]) -> std::io::Result<(String, Vec<String>)> {
    let mut xml = quick_xml::Reader::from_str(workbook);
    let mut writer = quick_xml::Writer::new(Vec::new());
    let mut skipped = Vec::new();
    loop {
        let event = xml.read_event().map_err(std::io::Error::other)?;
        let macro_sheet = match &event {
            Event::Eof => break,
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let id = e.attributes().with_checks(false).flatten().find_map(|a| {
                    (a.key.local_name().as_ref() == "id").then(|| a.value.into_owned())
                });
                let name = e
                    .try_get_attribute("name")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned());
                match (id, name) {
                    (Some(id), name) if ids.contains(&id) => {
                        skipped.push(name.unwrap_or(id));
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if macro_sheet {
            if let Event::Start(e) = &event {
                xml.read_to_end(e.name()).map_err(std::io::Error::other)?;
            }
            continue;
        }
        writer.write_event(event)?;
    }
    let text = String::from_utf8(writer.into_inner()).map_err(std::io::Error::other)?;
    Ok((text, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_sheets_are_unlisted_and_named() {
        let rels = r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#;
        let ids = macro_sheet_ids(rels).unwrap();
        assert_eq!(ids, ["rId2"]);
        let workbook = r#"<workbook><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/><sheet name="Macro1" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
        let (kept, skipped) = unlist(workbook, &ids).unwrap();
        assert_eq!(skipped, ["Macro1"]);
        assert_eq!(
            kept,
            r#"<workbook><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
    }
}
