//! Step 1, and the form of steps 2 and 3: a workbook dropped on the page, chosen, or picked
//! from the folder; its sheets, rows and header; then who, from whom and what.
//!
//! An uploaded file is written into the session's private folder under its own name with
//! any path taken away and refused if it still looks like one, so it can never land outside.
//! A picked file must be one the folder's listing showed.

use super::choices::{Choices, Opened, Purpose};
use super::html::{Frame, Html};
use super::{Session, html_page, lang, see_other};
use crate::book::{self, Table};
use anyhow::{Context, Result, bail};
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The extensions `send` reads.
pub const EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"];

/// Reads `path` as `send` would (the same checks and errors), and lists its sheets.
fn open(
    session: &Session,
    path: PathBuf,
    name: String,
    uploaded: bool,
    sheet: Option<String>,
) -> Result<Opened> {
    let mut opened = Opened {
        path,
        name,
        uploaded,
        sheet,
        sheets: Vec::new(),
        table: Arc::new(empty_table()),
        recipient: None,
    };
    let settings = super::choices::settings(session, &opened, &Choices::default(), Purpose::Check)?;
    let test = |headers: &book::Headers| settings.recipient_column(headers).is_some();
    let table = book::read(&settings.book, &settings.sheet, &settings.wanted(&test))?;
    opened.sheets = sheet_names(&opened.path, &table);
    opened.recipient = settings.recipient_column(&table.headers);
    opened.table = Arc::new(table);
    Ok(opened)
}

fn empty_table() -> Table {
    Table {
        path: PathBuf::new(),
        sheet: String::new(),
        headers: book::Headers::new(Vec::new()),
        rows: Vec::new(),
        untitled_columns: Vec::new(),
        ignored_columns: 0,
        title: None,
        skipped_sheets: Vec::new(),
    }
}

/// The workbook's sheets (read after `book::read` has checked the file); a CSV file's one.
fn sheet_names(path: &Path, table: &Table) -> Vec<String> {
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if csv {
        return vec![table.sheet.clone()];
    }
    calamine::open_workbook_auto(path)
        .map(|w| calamine::Reader::sheet_names(&w))
        .unwrap_or_else(|_| vec![table.sheet.clone()])
}

/// The workbooks in the folder, by name.
pub fn listing(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| {
            !name.starts_with('.')
                && !name.starts_with("~$")
                && !name.contains(".results.")
                && Path::new(name)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    names.sort();
    names
}

/// An uploaded file's name made safe: a plain file name with a workbook's extension, or an
/// error. A name with a path in it (`../x.xlsx`, `C:\x.xlsx`) is refused, not trimmed.
pub fn safe_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty()
        || name.contains(['/', '\\', '\0', ':'])
        || name.starts_with('.')
        || name.chars().any(char::is_control)
    {
        bail!("{name:?}: give a file name, not a path");
    }
    if name.len() > 200 {
        bail!("the file name is too long");
    }
    Ok(name.to_owned())
}

/// The upload's query: the file's name.
#[derive(Debug, Deserialize)]
pub struct Upload {
    name: String,
}

/// POST /upload?name=NAME: the file's bytes as the body (at most the upload limit).
pub async fn upload(
    State(session): State<Arc<Session>>,
    Query(upload): Query<Upload>,
    body: Bytes,
) -> Response {
    let name = match safe_name(&upload.name) {
        Ok(name) => name,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e:#}")).into_response(),
    };
    let worker = Arc::clone(&session);
    let done = tokio::task::spawn_blocking(move || -> Result<Opened> {
        let dir = worker.temp_dir().join("uploads");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(&name);
        std::fs::write(&path, &body).with_context(|| format!("cannot keep {name}"))?;
        open(&worker, path, name, true, None)
    })
    .await;
    settle(&session, done)
}

/// Puts the outcome of opening a workbook in the state; the page shows it.
fn settle(session: &Session, done: Result<Result<Opened>, tokio::task::JoinError>) -> Response {
    let mut state = session.state();
    state.checked = None;
    state.check_error = None;
    match done {
        Ok(Ok(opened)) => {
            state.book = Some(opened);
            state.book_error = None;
        }
        Ok(Err(e)) => {
            state.book = None;
            state.book_error = Some(format!("{e:#}"));
        }
        Err(_) => state.book_error = Some("internal error while reading (please report it)".into()),
    }
    see_other("/")
}

/// A workbook of the folder, by name.
#[derive(Debug, Deserialize)]
pub struct Pick {
    /// The file's name in the folder.
    pub name: String,
}

/// POST /pick: opens a workbook of the folder; only a name the listing shows is accepted.
pub async fn pick(State(session): State<Arc<Session>>, Form(pick): Form<Pick>) -> Response {
    if !listing(&session.folder).contains(&pick.name) {
        return (StatusCode::BAD_REQUEST, "not a workbook of the folder").into_response();
    }
    let worker = Arc::clone(&session);
    let done = tokio::task::spawn_blocking(move || {
        let path = worker.folder.join(&pick.name);
        open(&worker, path, pick.name, false, None)
    })
    .await;
    settle(&session, done)
}

/// The sheet picker's choice.
#[derive(Debug, Deserialize)]
pub struct Sheet {
    sheet: String,
}

/// POST /sheet: reads another sheet of the open workbook.
pub async fn sheet(State(session): State<Arc<Session>>, Form(sheet): Form<Sheet>) -> Response {
    let opened = session.state().book.clone();
    let Some(opened) = opened else {
        return see_other("/");
    };
    if !opened.sheets.contains(&sheet.sheet) {
        return (StatusCode::BAD_REQUEST, "no such sheet").into_response();
    }
    let worker = Arc::clone(&session);
    let done = tokio::task::spawn_blocking(move || {
        open(
            &worker,
            opened.path,
            opened.name,
            opened.uploaded,
            Some(sheet.sheet),
        )
    })
    .await;
    settle(&session, done)
}

/// GET /: the workbook step, and once a workbook is open, the who and message steps.
pub async fn page(
    State(session): State<Arc<Session>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang(&headers, query.as_deref());
    let frame = Frame {
        lang,
        csrf: &session.csrf,
        here: "/",
    };
    let t = frame.t();
    let (opened, book_error, choices, check_error) = {
        let state = session.state();
        (
            state.book.clone(),
            state.book_error.clone(),
            state.choices.clone(),
            state.check_error.clone(),
        )
    };
    let mut body = Html::new();
    body.raw("<section id=\"workbook\"><h2>")
        .text(t.step_workbook)
        .raw("</h2>");
    body.raw(&format!(
        "<div id=\"drop\" class=\"drop\" data-action=\"{}\"><p>",
        frame.action("/upload")
    ))
    .text(t.drop_here)
    .raw("</p><label class=\"button\">")
    .text(t.choose_file)
    .raw(" <input type=\"file\" id=\"file\" accept=\".xlsx,.xlsm,.xls,.xlsb,.ods,.csv\"></label></div>");
    if let Some(error) = &book_error {
        body.el("p", "class=\"error\" id=\"book-error\" dir=\"auto\"", error);
    }
    let names = listing(&session.folder);
    if names.is_empty() {
        body.el("p", "", t.no_workbooks);
    } else {
        body.el("p", "", t.or_pick);
        body.raw(&format!(
            "<form method=\"post\" action=\"{}\" class=\"pick\">",
            frame.action("/pick")
        ));
        for name in &names {
            body.raw("<button name=\"name\" dir=\"auto\" value=\"")
                .text(name)
                .raw("\">")
                .text(name)
                .raw("</button> ");
        }
        body.raw("</form>");
    }
    if let Some(opened) = &opened {
        describe(&mut body, &frame, opened);
    }
    body.raw("</section>");
    if let Some(opened) = &opened {
        choices_form(&mut body, &frame, opened, &choices, check_error.as_deref());
    }
    html_page(lang, frame.page(body))
}

/// The open workbook: name, sheets with the picker, rows, header.
fn describe(body: &mut Html, frame: &Frame<'_>, opened: &Opened) {
    let t = frame.t();
    let table = &opened.table;
    body.raw("<div class=\"opened\" id=\"opened\"><h3 dir=\"auto\">")
        .text(&opened.name)
        .raw("</h3>");
    body.raw(&format!(
        "<form method=\"post\" action=\"{}\" id=\"sheet-picker\"><label>",
        frame.action("/sheet")
    ))
    .text(t.sheet)
    .raw(" <select name=\"sheet\" id=\"sheet\" class=\"autosubmit\">");
    for name in &opened.sheets {
        let selected = if *name == table.sheet {
            " selected"
        } else {
            ""
        };
        body.raw(&format!("<option{selected} value=\""))
            .text(name)
            .raw("\">")
            .text(name)
            .raw("</option>");
    }
    body.raw("</select></label></form>");
    body.el(
        "p",
        "id=\"row-count\"",
        &format!("{} {}", table.rows.len(), t.rows),
    );
    body.raw("<p>").text(t.header).raw(": ");
    for name in table.headers.names() {
        body.cell("code", name).raw(" ");
    }
    body.raw("</p></div>");
}

/// Steps 2 and 3 in one form, posted to the check.
fn choices_form(
    body: &mut Html,
    frame: &Frame<'_>,
    opened: &Opened,
    choices: &Choices,
    error: Option<&str>,
) {
    let t = frame.t();
    let names = opened.table.headers.names();
    body.raw(&format!(
        "<form method=\"post\" action=\"{}\" id=\"choices\" data-count=\"{}\">",
        frame.action("/check"),
        frame.action("/count")
    ));
    body.raw("<section id=\"who\"><h2>")
        .text(t.step_who)
        .raw("</h2><label>")
        .text(t.recipient_column)
        .raw(" <select name=\"to\" id=\"to\">");
    let chosen = if choices.to.is_empty() {
        opened
            .recipient
            .and_then(|i| names.get(i))
            .cloned()
            .unwrap_or_default()
    } else {
        choices.to.clone()
    };
    for name in names {
        let selected = if *name == chosen { " selected" } else { "" };
        body.raw(&format!("<option{selected} value=\""))
            .text(name)
            .raw("\">")
            .text(name)
            .raw("</option>");
    }
    body.raw("</select></label><label>")
        .text(t.sender)
        .raw(" <input name=\"sender\" id=\"sender\" value=\"")
        .text(&choices.sender)
        .raw("\" placeholder=\"")
        .text(t.sender_hint)
        .raw("\"></label><label>")
        .text(t.country_code)
        .raw(" <input name=\"country_code\" id=\"country_code\" size=\"4\" value=\"")
        .text(&choices.country_code)
        .raw("\"></label></section>");
    body.raw("<section id=\"message\"><h2>")
        .text(t.step_message)
        .raw("</h2>");
    let source = match choices.source.as_str() {
        "" if names.iter().any(|n| n.eq_ignore_ascii_case("message")) => "column",
        "" => "typed",
        other => other,
    };
    let radio = |body: &mut Html, value: &str, label: &str| {
        let on = if source == value { " checked" } else { "" };
        body.raw(&format!(
            "<label class=\"choice\"><input type=\"radio\" name=\"source\" value=\"{value}\"{on}> "
        ))
        .text(label)
        .raw("</label>");
    };
    radio(body, "column", t.message_from_column);
    body.raw(" <select name=\"message_column\">");
    for name in names {
        let selected = if name.eq_ignore_ascii_case(if choices.message_column.is_empty() {
            "message"
        } else {
            &choices.message_column
        }) {
            " selected"
        } else {
            ""
        };
        body.raw(&format!("<option{selected} value=\""))
            .text(name)
            .raw("\">")
            .text(name)
            .raw("</option>");
    }
    body.raw("</select><br>");
    if opened
        .sheets
        .iter()
        .any(|s| s.trim().eq_ignore_ascii_case(crate::plan::templates::SHEET))
    {
        radio(body, "templates", t.message_from_templates);
        body.raw(" <input name=\"template_name\" value=\"")
            .text(&choices.template_name)
            .raw("\"><br>");
    }
    radio(body, "typed", t.message_typed);
    body.raw("<div class=\"placeholders\" id=\"placeholders\">")
        .text(t.placeholders)
        .raw(" ");
    for name in names {
        body.raw("<button type=\"button\" class=\"placeholder\" dir=\"auto\" data-name=\"")
            .text(name)
            .raw("\">")
            .text(&format!("{{{{{name}}}}}"))
            .raw("</button> ");
    }
    body.raw("</div><textarea name=\"template\" id=\"template\" rows=\"4\" dir=\"auto\">")
        .text(&choices.template)
        .raw("</textarea><label class=\"choice\"><input type=\"checkbox\" name=\"gsm_substitute\" id=\"gsm_substitute\"");
    if choices.gsm_substitute.is_some() {
        body.raw(" checked");
    }
    body.raw("> ").text(t.gsm_substitute).raw("</label>");
    body.raw("<div id=\"counter\" aria-live=\"polite\"><p>")
        .text(t.counter_intro)
        .raw("</p><div id=\"counter-rows\"></div></div>");
    if let Some(error) = error {
        body.el(
            "p",
            "class=\"error\" id=\"check-error\" dir=\"auto\"",
            error,
        );
    }
    body.raw("</section><p><button type=\"submit\" id=\"check-button\" class=\"primary\">")
        .text(t.check)
        .raw("</button></p></form>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_a_path_is_refused() {
        for name in [
            "../x.xlsx",
            "a/b.xlsx",
            "..\\x.xlsx",
            "C:x.xlsx",
            ".hidden.xlsx",
            "",
        ] {
            assert!(safe_name(name).is_err(), "{name}");
        }
        assert_eq!(safe_name("قائمة.xlsx").unwrap(), "قائمة.xlsx");
    }
}
