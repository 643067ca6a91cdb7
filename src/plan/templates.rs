//! Named templates: a workbook may keep its message templates in a sheet named `Templates`
//! (columns `name` and `text`), so that a `template` column in the recipients sheet, or
//! `--template-name` for every row, picks one by name instead of each row repeating the text.
//!
//! A broken template (bad placeholder syntax, a column the recipients sheet lacks) only
//! matters to the rows that pick it: they become INVALID, saying why; the rest of the batch
//! is unaffected. What makes the sheet itself unusable (no `name` or `text` column, two
//! templates of the same name) stops the run, since no row could be trusted to get the
//! template its author meant.

use crate::book::value::{Value, ValueFormat};
use crate::book::{Headers, Table};
use crate::text::template::{BoundTemplate, Template};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The sheet that holds named templates.
pub const SHEET: &str = "Templates";
/// The recipients sheet's column that picks a template by name.
pub const PICK_COLUMN: &str = "template";
/// The Templates sheet's column of names.
const NAME_COLUMN: &str = "name";
/// The Templates sheet's column of template texts.
const TEXT_COLUMN: &str = "text";

/// The templates of a Templates sheet, parsed, by name.
#[derive(Debug, Clone)]
pub struct NamedTemplates {
    /// The sheet's name as the workbook spells it, for messages.
    sheet: String,
    /// By [`name_key`].
    by_key: FxHashMap<String, Named>,
    /// The names in sheet order, for "the sheet has ..." messages.
    names: Vec<String>,
}

/// One named template: its text parsed, or why it could not be.
#[derive(Debug, Clone)]
struct Named {
    name: String,
    row: u32,
    parsed: Result<Template, String>,
}

/// Names are matched as people type them: case and outer spaces do not matter.
fn name_key(name: &str) -> String {
    crate::book::value::trim_visible(name).to_lowercase()
}

impl NamedTemplates {
    /// Reads the templates of a Templates sheet. Errors are one line naming the sheet and
    /// the row, and say how to fix it.
    pub fn from_table(table: &Table, format: &ValueFormat) -> Result<NamedTemplates, String> {
        let sheet = &table.sheet;
        let where_ = || format!("{}: sheet {sheet:?}", table.path.display());
        let column = |wanted: &str| {
            table.headers.find(wanted).ok_or_else(|| {
                format!(
                    "{}: has no {wanted:?} column; the headers are {}; a Templates sheet needs the columns \"name\" and \"text\"",
                    where_(),
                    table.headers.listing()
                )
            })
        };
        let (name_col, text_col) = (column(NAME_COLUMN)?, column(TEXT_COLUMN)?);
        let mut by_key: FxHashMap<String, Named> = FxHashMap::default();
        let mut names = Vec::new();
        for row in &table.rows {
            let cell = |c: usize| match &row.cells[c] {
                Value::Text(s) => s.to_string(),
                other => format.display(other),
            };
            let (name, text) = (cell(name_col), cell(text_col));
            let name = crate::book::value::trim_visible(&name).to_owned();
            if name.is_empty() {
                if crate::book::value::trim_visible(&text).is_empty() {
                    continue;
                }
                return Err(format!(
                    "{}: row {} has a text but no name; give it a name or delete the row",
                    where_(),
                    row.number
                ));
            }
            let parsed = if crate::book::value::trim_visible(&text).is_empty() {
                Err(format!(
                    "template {name:?} ({sheet} row {}) has no text",
                    row.number
                ))
            } else {
                Template::parse(&text)
                    .map_err(|e| format!("template {name:?} ({sheet} row {}): {e}", row.number))
            };
            let key = name_key(&name);
            if let Some(first) = by_key.get(&key) {
                return Err(format!(
                    "{}: rows {} and {} both define the template {name:?}; rename or delete one",
                    where_(),
                    first.row,
                    row.number
                ));
            }
            names.push(name.clone());
            by_key.insert(
                key,
                Named {
                    name,
                    row: row.number,
                    parsed,
                },
            );
        }
        if by_key.is_empty() {
            return Err(format!("{}: holds no templates", where_()));
        }
        Ok(NamedTemplates {
            sheet: sheet.clone(),
            by_key,
            names,
        })
    }

    /// The sheet's name as the workbook spells it.
    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// The template called `name` (case and outer spaces ignored), bound to the recipients
    /// sheet's header; the error says why it cannot be used.
    pub fn bound(&self, name: &str, headers: &Headers) -> Result<BoundTemplate, String> {
        let named = self
            .by_key
            .get(&name_key(name))
            .ok_or_else(|| self.unknown(name))?;
        let template = named.parsed.as_ref().map_err(Clone::clone)?;
        template.bind(headers).map_err(|e| {
            format!(
                "template {:?} ({} row {}): {e}",
                named.name, self.sheet, named.row
            )
        })
    }

    /// Every template bound to the recipients sheet's header, for picking per row.
    pub fn bind_all(&self, headers: &Headers) -> Picker {
        let bound = self
            .by_key
            .iter()
            .map(|(key, named)| {
                let bound = self.bound(&named.name, headers);
                (key.clone(), (named.name.clone(), bound))
            })
            .collect();
        Picker {
            bound: Arc::new(bound),
            known: Arc::from(self.listing()),
        }
    }

    fn unknown(&self, name: &str) -> String {
        format!(
            "no template named {name:?}: the {} sheet has {}",
            self.sheet,
            self.listing()
        )
    }

    /// The names, quoted, for messages; long lists are cut.
    fn listing(&self) -> String {
        const SHOWN: usize = 20;
        let mut listing = crate::book::list_names(&self.names[..self.names.len().min(SHOWN)]);
        if self.names.len() > SHOWN {
            listing.push_str(&format!(" and {} more", self.names.len() - SHOWN));
        }
        listing
    }
}

/// The templates of a Templates sheet, bound to a recipients sheet's header, for rows that
/// pick one by name. Cheap to clone: planning threads share it.
#[derive(Debug, Clone)]
pub struct Picker {
    /// By [`name_key`]: the name as the sheet spells it, and the template.
    bound: Arc<FxHashMap<String, Pickable>>,
    /// The names, for the error of a row that names none of them.
    known: Arc<str>,
}

/// A template as a row can pick it: its name as the sheet spells it, and the template bound
/// to the recipients' header (or why it could not be).
type Pickable = (String, Result<BoundTemplate, String>);

impl Picker {
    /// The name of the template a row's `template` cell names, as the Templates sheet spells
    /// it (`"Reminder"` for a cell saying `reminder `), so reports name it one way.
    pub fn name_of(&self, typed: &str) -> Option<&str> {
        self.bound
            .get(&name_key(typed))
            .map(|(name, _)| name.as_str())
    }

    /// The template a row's `template` cell names; the error is for the row's Detail.
    pub fn pick(&self, name: &str) -> Result<&BoundTemplate, String> {
        match self.bound.get(&name_key(name)) {
            Some((_, Ok(template))) => Ok(template),
            Some((_, Err(e))) => Err(e.clone()),
            None => Err(format!(
                "no template named {:?}: the Templates sheet has {}",
                crate::book::value::trim_visible(name),
                self.known
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Row;
    use std::path::PathBuf;

    fn sheet(rows: &[(&str, &str)]) -> Table {
        Table {
            path: PathBuf::from("book.xlsx"),
            sheet: "Templates".to_owned(),
            headers: Headers::new(vec!["name".to_owned(), "text".to_owned()]),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (name, text))| Row {
                    number: i as u32 + 2,
                    cells: vec![Value::Text(Arc::from(*name)), Value::Text(Arc::from(*text))],
                    hidden: false,
                })
                .collect(),
            untitled_columns: Vec::new(),
            ignored_columns: 0,
            title: None,
            skipped_sheets: Vec::new(),
        }
    }

    fn recipients() -> Headers {
        Headers::new(vec!["Phone".to_owned(), "Name".to_owned()])
    }

    fn render(template: &BoundTemplate, name: &str) -> String {
        let cells = [
            Value::Text(Arc::from("70123456")),
            Value::Text(Arc::from(name)),
        ];
        let mut out = String::new();
        template
            .render_into(&cells, &ValueFormat::default(), &mut out)
            .map(|_| out)
            .unwrap_or_else(|_| panic!("renders"))
    }

    #[test]
    fn names_are_matched_ignoring_case_and_outer_spaces() {
        let named = NamedTemplates::from_table(
            &sheet(&[("Reminder", "Hi {{Name}}"), ("promo", "Sale!")]),
            &ValueFormat::default(),
        )
        .unwrap();
        let bound = named.bound("  REMINDER ", &recipients()).unwrap();
        assert_eq!(render(&bound, "Rana"), "Hi Rana");
        let picker = named.bind_all(&recipients());
        assert_eq!(render(picker.pick("Promo").unwrap(), "x"), "Sale!");
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let named =
            NamedTemplates::from_table(&sheet(&[("a", "A"), ("b", "B")]), &ValueFormat::default())
                .unwrap();
        let e = named.bound("c", &recipients()).unwrap_err();
        assert!(e.contains("no template named \"c\""), "{e}");
        assert!(e.contains("\"a\", \"b\""), "{e}");
        let e = named.bind_all(&recipients()).pick("c").unwrap_err();
        assert!(e.contains("\"a\", \"b\""), "{e}");
    }

    #[test]
    fn a_broken_template_fails_only_the_rows_that_pick_it() {
        let named = NamedTemplates::from_table(
            &sheet(&[
                ("good", "Hi {{Name}}"),
                ("typo", "Hi {{Nmae}}"),
                ("bad", "Hi {{"),
            ]),
            &ValueFormat::default(),
        )
        .unwrap();
        let picker = named.bind_all(&recipients());
        assert!(picker.pick("good").is_ok());
        let typo = picker.pick("typo").unwrap_err();
        assert!(
            typo.contains("template \"typo\" (Templates row 3)"),
            "{typo}"
        );
        let bad = picker.pick("bad").unwrap_err();
        assert!(bad.contains("template \"bad\" (Templates row 4)"), "{bad}");
    }

    #[test]
    fn a_name_twice_stops_the_run_naming_both_rows() {
        let e = NamedTemplates::from_table(
            &sheet(&[("a", "A"), ("b", "B"), ("A ", "C")]),
            &ValueFormat::default(),
        )
        .unwrap_err();
        assert!(e.contains("rows 2 and 4 both define"), "{e}");
    }

    #[test]
    fn blank_rows_are_skipped_and_a_text_without_a_name_is_refused() {
        let named = NamedTemplates::from_table(
            &sheet(&[("a", "A"), ("", ""), ("b", "B")]),
            &ValueFormat::default(),
        )
        .unwrap();
        assert_eq!(named.names, ["a", "b"]);
        let e = NamedTemplates::from_table(&sheet(&[("", "orphan")]), &ValueFormat::default())
            .unwrap_err();
        assert!(e.contains("row 2 has a text but no name"), "{e}");
    }

    #[test]
    fn an_empty_text_is_an_error_for_its_rows() {
        let named =
            NamedTemplates::from_table(&sheet(&[("a", "  ")]), &ValueFormat::default()).unwrap();
        let e = named.bound("a", &recipients()).unwrap_err();
        assert!(e.contains("has no text"), "{e}");
    }

    #[test]
    fn a_sheet_without_the_columns_says_which_it_needs() {
        let mut table = sheet(&[("a", "A")]);
        table.headers = Headers::new(vec!["Name".to_owned(), "Body".to_owned()]);
        let e = NamedTemplates::from_table(&table, &ValueFormat::default()).unwrap_err();
        assert!(e.contains("has no \"text\" column"), "{e}");
        assert!(e.contains("needs the columns \"name\" and \"text\""), "{e}");
    }
}
