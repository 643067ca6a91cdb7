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
    pub fn xlsx(&self, name: &str, sheet: &str, fill: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>) -> PathBuf {
        let path = self.path(name);
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(sheet).expect("sheet name");
        fill(ws).expect("fill the sheet");
        book.save(&path).expect("save the workbook");
        path
    }

    /// Writes a workbook with several sheets.
    pub fn xlsx_book(&self, name: &str, fill: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>) -> PathBuf {
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
        assert_eq!(names, ["Results", "Summary"], "sheets of {}", path.display());
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
        Results { headers, rows, summary }
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
