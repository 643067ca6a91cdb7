//! Message templates: `Dear {{Name}}, your balance is {{Balance|0}}.`
//!
//! A template is parsed once into literal text and placeholders, bound once to a sheet's
//! header (so an unknown column is found before any row is rendered), then rendered for each
//! row. A placeholder whose cell is blank and has no fallback is an error, never an empty
//! string: "Dear ," is exactly the message this tool exists to prevent.

use crate::book::Headers;
use crate::book::value::{Value, ValueFormat};
use std::fmt;

const OPEN: &str = "{{";
const CLOSE: &str = "}}";

/// A parsed template, not yet tied to any sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Field(Field),
}

/// A placeholder: the column it names and the text used when that cell is blank.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    column: String,
    fallback: Option<String>,
}

/// Why a template text cannot be used; the message quotes the spot so it can be found in a
/// long template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{Name` with no closing braces.
    #[error("unclosed placeholder {near:?}: every {{{{ needs a matching }}}}")]
    Unclosed { near: String },
    /// `Name}}` with no opening braces.
    #[error("\"}}}}\" without an opening \"{{{{\" near {near:?}")]
    StrayClose { near: String },
    /// A brace inside a placeholder: `{{Name} }}`, `{{{Name}}`; always a typo.
    #[error(
        "placeholder {near:?} contains a brace: write {{{{Column}}}} or {{{{Column|fallback}}}}"
    )]
    BraceInPlaceholder { near: String },
    /// `{{}}` or `{{ |x}}`.
    #[error("empty placeholder {{{{}}}}: put a column name between the braces")]
    EmptyName,
    /// A placeholder naming a column the sheet does not have.
    #[error("unknown column {column:?} in the template{suggestion}; the headers are {headers}")]
    UnknownColumn {
        column: String,
        /// `: did you mean {{Name}}?` when a header is a near miss, else empty.
        suggestion: String,
        headers: String,
    },
}

/// The header a mistyped placeholder most likely meant (`Nmae` → `Name`), if one is close:
/// a typo is the usual reason a placeholder names no column.
fn nearest_header<'h>(column: &str, headers: &'h Headers) -> Option<&'h str> {
    let wanted = column.trim().to_lowercase();
    headers
        .names()
        .iter()
        .map(|name| {
            let score = strsim::normalized_damerau_levenshtein(&wanted, &name.to_lowercase());
            (score, name)
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name.as_str())
}

/// Why one row could not be rendered; it becomes the row's `Detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The cell is blank and the placeholder has no `|fallback`.
    #[error("{column:?} is empty (use {{{{{column}|fallback}}}} to allow that)")]
    Blank { column: String },
    /// The cell holds a spreadsheet error such as `#N/A`.
    #[error("{column:?} holds the error {code}")]
    CellError { column: String, code: String },
}

impl Template {
    /// Parses `{{Column}}` and `{{Column|fallback}}` placeholders; single braces are text.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(OPEN) {
            push_literal(&mut parts, &rest[..open])?;
            let inner_start = open + OPEN.len();
            let Some(close) = rest[inner_start..].find(CLOSE) else {
                return Err(TemplateError::Unclosed {
                    near: excerpt(&rest[open..]),
                });
            };
            let inner = &rest[inner_start..inner_start + close];
            if inner.contains(['{', '}']) {
                return Err(TemplateError::BraceInPlaceholder {
                    near: excerpt(&rest[open..inner_start + close + CLOSE.len()]),
                });
            }
            parts.push(Part::Field(parse_field(inner)?));
            rest = &rest[inner_start + close + CLOSE.len()..];
        }
        push_literal(&mut parts, rest)?;
        Ok(Template { parts })
    }

    /// The column names the template refers to, in order of first use.
    pub fn columns(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for part in &self.parts {
            if let Part::Field(f) = part
                && !names.contains(&f.column.as_str())
            {
                names.push(&f.column);
            }
        }
        names
    }

    /// Ties every placeholder to a column of `headers`, failing on the first unknown one.
    pub fn bind(&self, headers: &Headers) -> Result<BoundTemplate, TemplateError> {
        let parts = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Literal(s) => Ok(BoundPart::Literal(s.clone())),
                Part::Field(f) => match headers.find(&f.column) {
                    Some(index) => Ok(BoundPart::Column {
                        index,
                        name: headers.names()[index].clone(),
                        fallback: f.fallback.clone(),
                    }),
                    None => Err(TemplateError::UnknownColumn {
                        column: f.column.clone(),
                        suggestion: nearest_header(&f.column, headers)
                            .map(|name| format!(": did you mean {{{{{name}}}}}?"))
                            .unwrap_or_default(),
                        headers: headers.listing(),
                    }),
                },
            })
            .collect::<Result<_, _>>()?;
        let single_braces = self.single_braces(headers);
        Ok(BoundTemplate {
            parts,
            single_braces,
        })
    }

    /// The columns written in single braces, `{Name}`, in the template's text: a typo for
    /// `{{Name}}` that would otherwise go out literally to every recipient. Only a name that
    /// is a column of `headers` (ignoring case) counts: `{a}` in a message is just text.
    fn single_braces(&self, headers: &Headers) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for part in &self.parts {
            let Part::Literal(text) = part else { continue };
            let mut rest = text.as_str();
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                let Some(close) = after.find(['{', '}']) else {
                    break;
                };
                let inner = after[..close].trim();
                if after[close..].starts_with('}')
                    && !inner.is_empty()
                    && headers.find(inner).is_some()
                    && !found.iter().any(|f| f == inner)
                {
                    found.push(inner.to_owned());
                }
                rest = &after[close..];
            }
        }
        found
    }
}

fn push_literal(parts: &mut Vec<Part>, text: &str) -> Result<(), TemplateError> {
    if let Some(at) = text.find(CLOSE) {
        return Err(TemplateError::StrayClose {
            near: excerpt(&text[..at + CLOSE.len()]),
        });
    }
    if !text.is_empty() {
        parts.push(Part::Literal(text.to_owned()));
    }
    Ok(())
}

fn parse_field(inner: &str) -> Result<Field, TemplateError> {
    let (column, fallback) = match inner.split_once('|') {
        Some((column, fallback)) => (column, Some(fallback.trim().to_owned())),
        None => (inner, None),
    };
    let column = column.trim();
    if column.is_empty() {
        return Err(TemplateError::EmptyName);
    }
    Ok(Field {
        column: column.to_owned(),
        fallback,
    })
}

/// At most 30 characters of a template, for messages that quote one (around a problem, or
/// the template a refusal names).
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 30;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A template whose placeholders point at columns of one sheet.
#[derive(Debug, Clone)]
pub struct BoundTemplate {
    parts: Vec<BoundPart>,
    /// Columns of the sheet its text names in single braces (`{Name}`), which stay text.
    single_braces: Vec<String>,
}

#[derive(Debug, Clone)]
enum BoundPart {
    Literal(String),
    Column {
        index: usize,
        name: String,
        fallback: Option<String>,
    },
}

impl BoundTemplate {
    /// What to tell the person when the text names a column in single braces: `single
    /// braces are text; did you mean {{Name}}?`. `None` when it names none.
    pub fn single_brace_hint(&self) -> Option<String> {
        if self.single_braces.is_empty() {
            return None;
        }
        let meant: Vec<String> = self
            .single_braces
            .iter()
            .map(|name| format!("{{{{{name}}}}}"))
            .collect();
        Some(format!(
            "single braces are text; did you mean {}?",
            meant.join(" and ")
        ))
    }

    /// Renders one row. Inserted values are trimmed of outer spaces (a trailing space typed in
    /// a cell should not show up in the middle of a sentence). Every blank or error cell is
    /// reported, not just the first, so one look at `Detail` tells the whole story.
    pub fn render(
        &self,
        cells: &[Value],
        format: &ValueFormat,
    ) -> Result<String, Vec<RenderError>> {
        let mut out = String::new();
        self.render_into(cells, format, &mut out)?;
        Ok(out)
    }

    /// Like [`BoundTemplate::render`], appending to `out`, so planning a million rows reuses
    /// one buffer instead of growing a new string for each. On an error `out` holds a partial
    /// rendering, which the caller must not use.
    pub fn render_into(
        &self,
        cells: &[Value],
        format: &ValueFormat,
        out: &mut String,
    ) -> Result<(), Vec<RenderError>> {
        let mut errors = Vec::new();
        let mut scratch = String::new();
        for part in &self.parts {
            match part {
                BoundPart::Literal(s) => out.push_str(s),
                BoundPart::Column {
                    index,
                    name,
                    fallback,
                } => {
                    let value = cells.get(*index).unwrap_or(&Value::Empty);
                    match value {
                        Value::Error(code) => errors.push(RenderError::CellError {
                            column: name.clone(),
                            code: code.to_string(),
                        }),
                        v if v.is_blank() => match fallback {
                            Some(text) => out.push_str(text),
                            None => errors.push(RenderError::Blank {
                                column: name.clone(),
                            }),
                        },
                        // Text shows as it is: no formatting buffer needed.
                        Value::Text(text) => out.push_str(crate::book::value::trim_visible(text)),
                        v => {
                            scratch.clear();
                            format.write_display(v, &mut scratch);
                            out.push_str(crate::book::value::trim_visible(&scratch));
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl fmt::Display for Template {
    /// The template written back in its canonical form, for the run header and messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(s) => f.write_str(s)?,
                Part::Field(Field {
                    column,
                    fallback: None,
                }) => write!(f, "{{{{{column}}}}}")?,
                Part::Field(Field {
                    column,
                    fallback: Some(fb),
                }) => write!(f, "{{{{{column}|{fb}}}}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn headers() -> Headers {
        Headers::new(vec![
            "Phone".into(),
            "First Name".into(),
            "Amount".into(),
            "Due".into(),
            "الاسم".into(),
        ])
    }

    fn row(name: Value) -> Vec<Value> {
        vec![
            Value::Number(9613123456.0),
            name,
            Value::Number(1234567.0),
            Value::DateTime(
                NaiveDate::from_ymd_opt(2026, 12, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            ),
            Value::text("علي"),
        ]
    }

    fn render(template: &str, cells: &[Value]) -> Result<String, Vec<RenderError>> {
        Template::parse(template)
            .unwrap()
            .bind(&headers())
            .unwrap()
            .render(cells, &ValueFormat::default())
    }

    #[test]
    fn renders_placeholders_with_values_as_people_read_them() {
        let out = render(
            "Dear {{First Name}}, pay {{amount}} by {{ DUE }}.",
            &row(Value::text("Rana ")),
        );
        assert_eq!(out.unwrap(), "Dear Rana, pay 1234567 by 2026-12-01.");
    }

    #[test]
    fn arabic_column_names_and_values() {
        let out = render("مرحبا {{الاسم}}", &row(Value::Empty));
        assert_eq!(out.unwrap(), "مرحبا علي");
    }

    #[test]
    fn fallback_is_used_only_for_blank_cells() {
        let t = "Hi {{First Name|friend}}!";
        assert_eq!(render(t, &row(Value::Empty)).unwrap(), "Hi friend!");
        assert_eq!(render(t, &row(Value::text("   "))).unwrap(), "Hi friend!");
        assert_eq!(render(t, &row(Value::text("Sam"))).unwrap(), "Hi Sam!");
        assert_eq!(
            render("Hi{{First Name|}}!", &row(Value::Empty)).unwrap(),
            "Hi!"
        );
    }

    #[test]
    fn blank_cell_without_fallback_is_an_error_never_dear_comma() {
        let err = render("Dear {{First Name}},", &row(Value::Empty)).unwrap_err();
        assert_eq!(
            err,
            vec![RenderError::Blank {
                column: "First Name".into()
            }]
        );
        assert_eq!(
            err[0].to_string(),
            "\"First Name\" is empty (use {{First Name|fallback}} to allow that)"
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let mut cells = row(Value::Empty);
        cells[2] = Value::Error("#N/A".into());
        let err = render("{{First Name}} {{Amount}}", &cells).unwrap_err();
        assert_eq!(err.len(), 2);
        assert_eq!(err[1].to_string(), "\"Amount\" holds the error #N/A");
    }

    #[test]
    fn single_braces_are_plain_text() {
        let out = render("{a} {First Name} { {x} }", &row(Value::text("Z")));
        assert_eq!(out.unwrap(), "{a} {First Name} { {x} }");
    }

    fn hint(template: &str) -> Option<String> {
        Template::parse(template)
            .unwrap()
            .bind(&headers())
            .unwrap()
            .single_brace_hint()
    }

    #[test]
    fn a_column_in_single_braces_is_pointed_out() {
        assert_eq!(
            hint("Dear {first name}, pay {{Amount}}").as_deref(),
            Some("single braces are text; did you mean {{first name}}?")
        );
        assert_eq!(
            hint("{ Amount } due {Due} {Amount}").as_deref(),
            Some("single braces are text; did you mean {{Amount}} and {{Due}}?")
        );
        assert_eq!(
            hint("مرحبا {الاسم}").as_deref(),
            Some("single braces are text; did you mean {{الاسم}}?")
        );
        // Not a column, a placeholder done right, or braces around a placeholder: no hint.
        for fine in [
            "{a} {x}",
            "Dear {{First Name}}",
            "{ {{Amount}} }",
            "{}",
            "{Due",
        ] {
            assert_eq!(hint(fine), None, "{fine}");
        }
    }

    #[test]
    fn parse_errors() {
        assert!(matches!(
            Template::parse("Dear {{Name"),
            Err(TemplateError::Unclosed { .. })
        ));
        assert!(matches!(
            Template::parse("Dear Name}},"),
            Err(TemplateError::StrayClose { .. })
        ));
        assert_eq!(Template::parse("x {{ }}"), Err(TemplateError::EmptyName));
        // Found by fuzzing: a brace inside a placeholder made a template whose written-back
        // form read differently (`{{Na} }}` is the column "Na}").
        for typo in ["{{Na} }}", "{{{Name}}", "{{a|x} }}", "\u{c}{{{}}}}"] {
            assert!(
                matches!(
                    Template::parse(typo),
                    Err(TemplateError::BraceInPlaceholder { .. })
                ),
                "{typo:?}"
            );
        }
        assert_eq!(Template::parse("x {{|a}}"), Err(TemplateError::EmptyName));
    }

    #[test]
    fn unknown_column_names_the_column_and_the_headers() {
        let err = Template::parse("Hi {{Nmae}}")
            .unwrap()
            .bind(&headers())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown column \"Nmae\" in the template; the headers are \"Phone\", \"First Name\", \"Amount\", \"Due\", \"الاسم\""
        );
        let err = Template::parse("Hi {{Ammount}} {{Frist Name}}")
            .unwrap()
            .bind(&headers())
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unknown column \"Ammount\" in the template: did you mean {{Amount}}?;"
            ),
            "{err}"
        );
        assert_eq!(nearest_header("Frist Name", &headers()), Some("First Name"));
        assert_eq!(nearest_header("Telephone", &headers()), None);
    }

    #[test]
    fn fallback_may_contain_pipes_and_spaces_inside() {
        let t = Template::parse("{{a| x | y }}").unwrap();
        assert_eq!(t.to_string(), "{{a|x | y}}");
        assert_eq!(t.columns(), ["a"]);
    }

    #[test]
    fn a_template_without_placeholders_is_literal() {
        assert_eq!(
            render("Shop closed today", &row(Value::Empty)).unwrap(),
            "Shop closed today"
        );
        assert_eq!(render("", &row(Value::Empty)).unwrap(), "");
    }

    proptest! {
        #[test]
        fn parse_and_render_never_panic(text in ".{0,200}", cell in ".{0,40}") {
            if let Ok(t) = Template::parse(&text) {
                let _ = t.to_string();
                if let Ok(b) = t.bind(&headers()) {
                    let _ = b.render(&row(Value::text(cell)), &ValueFormat::default());
                }
            }
        }

        #[test]
        fn text_without_double_braces_renders_to_itself(text in "[^{}]{0,200}") {
            prop_assert_eq!(render(&text, &row(Value::Empty)).unwrap(), text);
        }

        #[test]
        fn braced_soup_never_panics(text in "[{}|a ]{0,60}") {
            let _ = Template::parse(&text);
        }

        #[test]
        fn the_written_back_form_parses_to_the_same_template(text in "[{}|a \r\u{c}]{0,60}") {
            if let Ok(t) = Template::parse(&text) {
                prop_assert_eq!(Template::parse(&t.to_string()), Ok(t));
            }
        }
    }
}
