//! The entry points: a path and what the caller wants become a [`Table`]
//! or a [`BookError`], with a parser's panic contained.

use super::builder::SheetRead;
use super::contained;
use super::error::*;
use super::open::*;
use super::table::*;
use std::path::Path;

/// Reads the chosen sheet of `path`. With [`SheetChoice::Auto`] the first visible worksheet
/// whose header passes `wanted.test` is taken; with a named sheet, `wanted` is not consulted
/// (the caller checks the columns and explains what is missing).
pub fn read(path: &Path, choice: &SheetChoice, wanted: &Wanted<'_>) -> Result<Table, BookError> {
    read_with_progress(path, choice, wanted, None, &mut |_, _| {})
}

/// Like [`read`], and also shows the rows of the chosen sheet to `on_rows` as they are read,
/// [`ROW_BATCH`] at a time, in order, with the sheet's header, so the caller can plan them
/// while the rest of the sheet is read.
///
/// These are the rows as read: a sheet with untitled columns gets them merged into every row
/// only at the end, and a reader may fail after some rows; the returned table is the truth,
/// and a caller must check that its rows are the ones it was shown (same count, no untitled
/// columns) before using what it made of them.
pub fn read_with_progress(
    path: &Path,
    choice: &SheetChoice,
    wanted: &Wanted<'_>,
    companion: Option<Companion<'_>>,
    on_rows: &mut OnRows<'_>,
) -> Result<Table, BookError> {
    // calamine panics on some damaged files (e.g. a truncated .xls): that is a damaged file,
    // not a crash.
    contained::contained(|| read_unguarded(path, choice, wanted, companion, on_rows))
        .unwrap_or_else(|_reader_internals| {
            // The panic's text is about the reader's code, nothing a person can act on.
            Err(BookError::Corrupt {
                path: path.to_owned(),
                detail: "the reader stopped on it".to_owned(),
            })
        })
}

pub(super) fn read_unguarded(
    path: &Path,
    choice: &SheetChoice,
    wanted: &Wanted<'_>,
    companion: Option<Companion<'_>>,
    on_rows: &mut OnRows<'_>,
) -> Result<Table, BookError> {
    let mut book = Book::open(path)?;
    let sheets = book.sheets();
    let companion_name = companion.as_ref().map(|c| c.name);
    if let Some(Companion { name, found }) = companion
        && !matches!(book.kind, Kind::Csv)
        && let Some(sheet) = sheets.iter().find(|s| same_sheet_name(&s.name, name))
    {
        found(
            match book.read_sheet(&sheet.name, None, None, &mut |_, _| {}) {
                Ok(SheetRead::Table(table)) => Ok(table),
                Ok(SheetRead::Empty | SheetRead::Unwanted(_)) => Err(BookError::EmptySheet {
                    path: path.to_owned(),
                    sheet: sheet.name.clone(),
                }),
                Err(e) => Err(e),
            },
        );
    }
    match choice {
        SheetChoice::Named(name) => {
            let sheet = pick_named(&sheets, name).ok_or_else(|| BookError::NoSuchSheet {
                path: path.to_owned(),
                wanted: name.clone(),
                sheets: list_names(&sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>()),
            })?;
            match book.read_sheet(&sheet.name, None, wanted.header_row, on_rows)? {
                SheetRead::Table(table) => Ok(table),
                SheetRead::Empty | SheetRead::Unwanted(_) => Err(BookError::EmptySheet {
                    path: path.to_owned(),
                    sheet: sheet.name.clone(),
                }),
            }
        }
        SheetChoice::Auto => {
            let mut seen = Vec::new();
            let mut suggestion = None;
            let candidates = sheets.iter().filter(|s| {
                s.auto_candidate && !companion_name.is_some_and(|c| same_sheet_name(&s.name, c))
            });
            for sheet in candidates {
                match book.read_sheet(&sheet.name, Some(wanted.test), wanted.header_row, on_rows)? {
                    SheetRead::Table(table) => return Ok(table),
                    SheetRead::Empty => {}
                    SheetRead::Unwanted(headers) => {
                        seen.push(format!(
                            "sheet {:?} has headers {}",
                            sheet.name,
                            headers.listing()
                        ));
                        suggestion = suggestion.or_else(|| (wanted.suggest)(&headers));
                    }
                }
            }
            if seen.is_empty() {
                return Err(BookError::NoData {
                    path: path.to_owned(),
                });
            }
            Err(BookError::NoSheetWanted {
                path: path.to_owned(),
                wanted: wanted.description.clone(),
                seen: seen.join("; "),
                hint: suggestion.unwrap_or_else(|| wanted.hint.clone()),
            })
        }
    }
}
