//! Workbook parsing below the zip layer: the input replaces the main parts of an xlsx, xlsb or
//! ods archive (its sheet, shared strings, workbook and styles), which is then written as a
//! valid zip and opened with `book::read`. Arbitrary bytes rarely make a valid zip (the
//! `workbook` target's job); here every input reaches the XML and record parsers.
//!
//! Input: one byte choosing the format, then up to four parts separated by `####`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smsmerge::book::{Headers, SheetChoice, Wanted, read};
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::{Once, OnceLock};

const MAX_INPUT: usize = 64 * 1024;
const SEPARATOR: &[u8] = b"####";

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const PKG_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// An archive's entries, in order.
type Entries = Vec<(String, Vec<u8>)>;

/// A one-sheet xlsx with shared strings and styles: the skeleton for the xlsx case.
fn xlsx_skeleton() -> Entries {
    let decl = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
    let entries = [
        (
            "[Content_Types].xml",
            format!(
                r#"{decl}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"{decl}<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"{decl}<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{DOC_RELS}/styles" Target="styles.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"{decl}<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>45000.5</v></c></row></sheetData></worksheet>"#
            ),
        ),
        (
            "xl/sharedStrings.xml",
            format!(
                r#"{decl}<sst xmlns="{MAIN_NS}" count="3" uniqueCount="3"><si><t>Phone</t></si><si><t xml:space="preserve"> Due </t></si><si><r><t>+961</t></r><r><t>3123456</t></r></si></sst>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"{decl}<workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_RELS}"><workbookPr date1904="false"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                r#"{decl}<styleSheet xmlns="{MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            ),
        ),
    ];
    entries
        .into_iter()
        .map(|(name, text)| (name.to_owned(), text.into_bytes()))
        .collect()
}

/// The entries of a fixture archive, read once.
fn unzip(bytes: &[u8]) -> Entries {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a fixture zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("a fixture entry");
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .expect("a fixture entry's data");
            let name = entry.name().expect("a fixture entry's name").into_owned();
            (name, data)
        })
        .collect()
}

/// Per format: the skeleton, the names of the parts the input replaces, the extension.
struct Format {
    entries: Entries,
    parts: [&'static str; 4],
    extension: &'static str,
}

fn formats() -> &'static [Format; 3] {
    static FORMATS: OnceLock<[Format; 3]> = OnceLock::new();
    FORMATS.get_or_init(|| {
        [
            Format {
                entries: xlsx_skeleton(),
                parts: [
                    "xl/worksheets/sheet1.xml",
                    "xl/sharedStrings.xml",
                    "xl/workbook.xml",
                    "xl/styles.xml",
                ],
                extension: "xlsx",
            },
            Format {
                entries: unzip(include_bytes!("../../tests/fixtures/contacts.xlsb")),
                parts: [
                    "xl/worksheets/sheet1.bin",
                    "xl/sharedStrings.bin",
                    "xl/workbook.bin",
                    "xl/styles.bin",
                ],
                extension: "xlsb",
            },
            Format {
                entries: unzip(include_bytes!("../../tests/fixtures/contacts.ods")),
                parts: [
                    "content.xml",
                    "styles.xml",
                    "meta.xml",
                    "META-INF/manifest.xml",
                ],
                extension: "ods",
            },
        ]
    })
}

fn folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("smsmerge-fuzz-parts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz folder");
        dir
    })
}

/// `book::read` may contain a panic of a reader (calamine has some on damaged files, which
/// smsmerge reports as damaged files): that is within its contract. libfuzzer-sys aborts on
/// every panic, even a caught one, so its hook is replaced by a silent one, unless
/// `SMSMERGE_FUZZ_STRICT` is set (then calamine's contained panics are found too). A panic
/// that escapes `book::read` still aborts: libfuzzer-sys checks for one after each input.
fn contained_panics_are_errors() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("SMSMERGE_FUZZ_STRICT").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
}

/// Splits on [`SEPARATOR`].
fn split(mut data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while let Some(at) = data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        parts.push(&data[..at]);
        data = &data[at + SEPARATOR.len()..];
    }
    parts.push(data);
    parts
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    contained_panics_are_errors();
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let format = &formats()[usize::from(kind % 3)];
    let replacements = split(rest);

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, original) in &format.entries {
        let data = format
            .parts
            .iter()
            .position(|p| p == name)
            .and_then(|i| replacements.get(i))
            .copied()
            .unwrap_or(original);
        zip.start_file(name.as_str(), options)
            .expect("start an entry");
        zip.write_all(data).expect("write an entry");
    }
    let bytes = zip.finish().expect("finish the zip").into_inner();

    let path = folder().join(format!("input.{}", format.extension));
    std::fs::write(&path, bytes).expect("write the input");
    let phone: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
    let wanted = Wanted {
        test: phone,
        description: "a phone column".to_owned(),
        hint: "name it".to_owned(),
        suggest: &|_| None,
        header_row: None,
    };
    for choice in [SheetChoice::Auto, SheetChoice::Named("1".to_owned())] {
        if let Ok(table) = read(&path, &choice, &wanted) {
            for row in &table.rows {
                assert_eq!(row.cells.len(), table.headers.len(), "row {}", row.number);
            }
        }
    }
});
