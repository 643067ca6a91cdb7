//! Shared by the integration tests: a `Workdir` of its own for each test (xsv's pattern), that
//! writes input files, runs the real `smsmerge` binary there, and reads the results back with
//! calamine.
#![allow(dead_code)]

use assert_cmd::Command;
use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A temporary folder for one test, removed when the test ends.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a workbook with one sheet built by `fill`.
    pub fn xlsx(
        &self,
        name: &str,
        sheet: &str,
        fill: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
    ) -> PathBuf {
        let path = self.path(name);
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(sheet).expect("sheet name");
        fill(ws).expect("fill the sheet");
        book.save(&path).expect("save the workbook");
        path
    }

    /// Writes a workbook with several sheets.
    pub fn xlsx_book(
        &self,
        name: &str,
        fill: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>,
    ) -> PathBuf {
        let path = self.path(name);
        let mut book = Workbook::new();
        fill(&mut book).expect("fill the workbook");
        book.save(&path).expect("save the workbook");
        path
    }

    /// Writes a workbook whose first sheet holds these rows of text (row 0 = header).
    pub fn xlsx_rows(&self, name: &str, rows: &[&[&str]]) -> PathBuf {
        self.xlsx(name, "Sheet1", |ws| {
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if !cell.is_empty() {
                        ws.write_string(r as u32, c as u16, *cell)?;
                    }
                }
            }
            Ok(())
        })
    }

    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).expect("write a file");
        path
    }

    /// The smsmerge binary, run in this folder.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("smsmerge").expect("the smsmerge binary");
        cmd.current_dir(self.dir.path());
        cmd
    }

    /// `smsmerge send BOOK --dry-run ARGS...`
    pub fn dry_run(&self, book: &Path, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.arg("send").arg(book).arg("--dry-run").args(args);
        cmd
    }
}

/// A results workbook read back: the Results sheet as maps from column title to cell.
pub struct Results {
    pub headers: Vec<String>,
    pub rows: Vec<HashMap<String, Data>>,
    pub summary: Vec<Vec<Data>>,
}

impl Results {
    pub fn read(path: &Path) -> Results {
        let mut book = open_workbook_auto(path).expect("open the results workbook");
        let names = book.sheet_names();
        assert_eq!(
            names,
            ["Results", "Summary"],
            "sheets of {}",
            path.display()
        );
        let range = book.worksheet_range("Results").expect("Results sheet");
        let mut rows = range.rows();
        let headers: Vec<String> = rows
            .next()
            .expect("a header row")
            .iter()
            .map(|c| c.to_string())
            .collect();
        let rows = rows
            .map(|r| headers.iter().cloned().zip(r.iter().cloned()).collect())
            .collect();
        let summary = book
            .worksheet_range("Summary")
            .expect("Summary sheet")
            .rows()
            .map(|r| r.to_vec())
            .collect();
        Results {
            headers,
            rows,
            summary,
        }
    }

    /// The text of a cell ("" for empty), as calamine shows it.
    pub fn text(&self, row: usize, column: &str) -> String {
        match self.rows[row].get(column) {
            Some(Data::Empty) | None => String::new(),
            Some(d) => d.to_string(),
        }
    }

    pub fn status(&self, row: usize) -> String {
        self.text(row, "Status")
    }

    pub fn statuses(&self) -> Vec<String> {
        (0..self.rows.len()).map(|r| self.status(r)).collect()
    }

    pub fn cell(&self, row: usize, column: &str) -> &Data {
        self.rows[row].get(column).unwrap_or(&Data::Empty)
    }

    /// The Summary sheet's value next to a label.
    pub fn summary_value(&self, label: &str) -> Data {
        self.summary
            .iter()
            .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_owned()))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or(Data::Empty)
    }
}

impl Workdir {
    /// The names of the files in this folder, sorted: to check what a run left behind.
    pub fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list the folder")
            .map(|e| {
                e.expect("a folder entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Writes a minimal one-sheet xlsx whose `<sheetData>` is exactly `sheet_data` (rows of
    /// `<c>` elements), for cells rust_xlsxwriter cannot make, such as a formula with no
    /// cached value. The zip is written by hand, entries stored uncompressed.
    pub fn raw_xlsx(&self, name: &str, sheet_data: &str) -> PathBuf {
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        const DOC_RELS: &str =
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
        let root_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        let workbook_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
        );
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheetData>{sheet_data}</sheetData></worksheet>"#
        );
        let bytes = stored_zip(&[
            ("[Content_Types].xml", content_types.as_bytes()),
            ("_rels/.rels", root_rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]);
        self.file(name, bytes)
    }
}

/// A zip archive of `entries`, stored without compression.
pub fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&0u16.to_le_bytes()); // method: stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&DOS_DATE_1980_01_01.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

impl Results {
    /// A whole row of the Summary sheet, found by its first cell.
    pub fn summary_row(&self, label: &str) -> Vec<Data> {
        self.summary
            .iter()
            .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// One column of the Results sheet as text, every row.
    pub fn column(&self, column: &str) -> Vec<String> {
        (0..self.rows.len()).map(|r| self.text(r, column)).collect()
    }
}
