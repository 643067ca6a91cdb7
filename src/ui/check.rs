//! Steps 2 to 4: the page's choices become `send`'s own flags, checked by the same settings
//! code, and the check is `send --dry-run`'s plan, shown as totals and a paged table.
//!
//! Building a command line from the choices (rather than settings by hand) is what keeps
//! the page and `send` from drifting: a flag's default, its check and its error message are
//! the command line's.

use super::choices::{Choices, Opened, Purpose, settings};
use super::html::{Frame, Html};
use super::{Session, html_page, lang, see_other};
use crate::plan::outcome::{self, Outcomes, RowOutcome, Status, Totals};
use crate::plan::{Plan, Planner};
use crate::report::{RunInfo, RunKind};
use anyhow::Result;
use axum::Form;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Local;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows on one page of the check's table.
pub const PAGE_ROWS: usize = 100;

/// The send step's form, under the check.
pub fn send_form(body: &mut Html, frame: &Frame<'_>, session: &Session) {
    let t = frame.t();
    let _ = session;
    body.raw(&format!(
        "<section id=\"send\"><h2>{}</h2><form method=\"post\" action=\"{}\" id=\"send-form\">",
        super::html::esc(t.step_send),
        frame.action("/send")
    ));
    body.raw("<label class=\"choice\"><input type=\"radio\" name=\"mode\" value=\"simulate\" id=\"mode-simulate\" checked> ")
        .text(t.simulator)
        .raw("</label><label class=\"choice\"><input type=\"radio\" name=\"mode\" value=\"real\" id=\"mode-real\"> ")
        .text(t.real_account)
        .raw("</label><fieldset><legend>")
        .text(t.account_hint)
        .raw("</legend>");
    for (name, label, kind) in [
        ("uid", t.uid, "text"),
        ("username", t.username, "text"),
        ("password", t.password, "password"),
    ] {
        // Never a value: what was typed stays in the server's memory only.
        body.raw("<label>").text(label).raw(&format!(
            " <input type=\"{kind}\" name=\"{name}\" autocomplete=\"off\"></label> "
        ));
    }
    body.raw("</fieldset><label>")
        .text(t.quiet_hours)
        .raw(" <input name=\"quiet_hours\" size=\"11\"></label> <label>")
        .text(t.not_before)
        .raw(" <input name=\"not_before\" size=\"16\"></label><p><button type=\"submit\" class=\"primary\" id=\"send-button\">")
        .text(t.prepare_send)
        .raw("</button></p></form></section>");
}

/// A check's result, kept for paging and for the send.
pub struct Checked {
    /// Its plan.
    pub plan: Plan,
    /// Every row's would-be outcome.
    pub outcomes: Vec<RowOutcome>,
    /// The totals `send --dry-run` prints.
    pub totals: Totals,
    /// The estimated cost line, empty without a price.
    pub cost: String,
    /// The budget's warning, when a send would be refused.
    pub over_budget: Option<String>,
    /// The choices it was made with, to send with.
    pub choices: Choices,
    /// The dry run's results workbook.
    pub results: PathBuf,
}

/// The check itself: `send --dry-run` with the page's choices.
pub fn check(session: &Session, opened: &Opened, choices: &Choices) -> Result<Checked> {
    let settings = settings(session, opened, choices, Purpose::Check)?;
    if let Some(dir) = settings.output.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let started = Local::now().fixed_offset();
    let (table, plan) = crate::cli::send::read_and_plan(&settings)?;
    let (cost, over_budget) = crate::cli::send::dry_run_cost(&settings, &table, &plan);
    // Written where `send --dry-run` writes them, so a real results file is never replaced.
    let results = crate::job::destination(&settings).path;
    let run = RunInfo::new(RunKind::DryRun, "dry run: nothing was sent", started);
    let (totals, run) = crate::job::tally(&settings, &plan, Outcomes::Planned, run);
    crate::job::write_report(
        &settings,
        &results,
        &table,
        &plan,
        Outcomes::Planned,
        &totals,
        &run,
    )?;
    let outcomes = outcome::from_plan(&plan);
    Ok(Checked {
        plan,
        outcomes,
        totals,
        cost: cost.trim().to_owned(),
        over_budget,
        choices: choices.clone(),
        results,
    })
}

/// POST /check: runs the check, then shows it (or the error on the message step).
pub async fn run(State(session): State<Arc<Session>>, Form(choices): Form<Choices>) -> Response {
    let opened = session.state().book.clone();
    let Some(opened) = opened else {
        return see_other("/");
    };
    let worker = Arc::clone(&session);
    let kept = choices.clone();
    let done = tokio::task::spawn_blocking(move || check(&worker, &opened, &choices)).await;
    let mut state = session.state();
    state.choices = kept;
    match done {
        Ok(Ok(checked)) => {
            state.checked = Some(Arc::new(checked));
            state.check_error = None;
            see_other("/check")
        }
        Ok(Err(e)) => {
            state.check_error = Some(format!("{e:#}"));
            see_other("/#message")
        }
        Err(_) => {
            state.check_error = Some("internal error while checking (please report it)".into());
            see_other("/#message")
        }
    }
}

/// The check page's query: a status to show and a page.
#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: usize,
}

/// GET /check: the totals, the rows (filtered, paged) and the send form.
pub async fn page(
    State(session): State<Arc<Session>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Query(paging): Query<Paging>,
) -> Response {
    let lang = lang(&headers, query.as_deref());
    let checked = session.state().checked.clone();
    let Some(checked) = checked else {
        return see_other("/");
    };
    let here = format!("/check?status={}&page={}", paging.status, paging.page);
    let frame = Frame {
        lang,
        csrf: &session.csrf,
        here: &here,
    };
    let t = frame.t();
    let mut body = Html::new();
    body.raw("<section id=\"check\"><h2>")
        .text(t.step_check)
        .raw("</h2>");
    totals(&mut body, &frame, &checked);
    if let Some(warning) = &checked.over_budget {
        body.el("p", "class=\"warning\"", warning);
    }
    body.raw("<p><a id=\"download-check\" href=\"/download/check\">")
        .text(t.download_dry_run)
        .raw("</a></p>");
    rows_table(&mut body, &frame, &checked, &paging);
    body.raw("</section>");
    send_form(&mut body, &frame, &session);
    html_page(lang, frame.page(body))
}

/// The totals of a plan as `send --dry-run` gives them.
fn totals(body: &mut Html, frame: &Frame<'_>, checked: &Checked) {
    let t = frame.t();
    let totals = &checked.totals;
    body.raw("<table class=\"totals\" id=\"totals\"><caption>")
        .text(t.totals)
        .raw("</caption>");
    let mut line = |name: &str, value: String, id: &str| {
        body.raw(&format!("<tr id=\"total-{id}\"><th>"))
            .text(name)
            .raw("</th><td>")
            .text(&value)
            .raw("</td></tr>");
    };
    line(
        "to send",
        format!(
            "{} {}, {} {}",
            totals.messages(),
            t.messages,
            totals.segments(),
            t.segments
        ),
        "send",
    );
    let e = &totals.encodings;
    line(
        "GSM-7",
        format!(
            "{} {}, {} {}",
            e.gsm7.messages, t.messages, e.gsm7.segments, t.segments
        ),
        "gsm7",
    );
    line(
        "UCS-2",
        format!(
            "{} {}, {} {}",
            e.ucs2.messages, t.messages, e.ucs2.segments, t.segments
        ),
        "ucs2",
    );
    for status in Status::ALL {
        let n = totals.count(status);
        if n > 0 {
            line(
                status.as_str(),
                n.to_string(),
                &super::html::status_class(status),
            );
        }
    }
    if !checked.cost.is_empty() {
        line("cost", checked.cost.clone(), "cost");
    }
    body.raw("</table>");
}

/// One page of rows, filtered by status.
fn rows_table(body: &mut Html, frame: &Frame<'_>, checked: &Checked, paging: &Paging) {
    let t = frame.t();
    let wanted = Status::ALL
        .into_iter()
        .find(|s| s.as_str() == paging.status);
    body.raw("<nav class=\"filter\" id=\"filter\">")
        .text(t.filter)
        .raw(": ");
    let link = |body: &mut Html, code: &str, label: &str, on: bool| {
        let class = if on { " class=\"on\"" } else { "" };
        body.raw(&format!("<a{class} href=\"/check?status={code}\">"))
            .text(label)
            .raw("</a> ");
    };
    link(body, "", t.all, wanted.is_none());
    for status in Status::ALL {
        if checked.totals.count(status) > 0 {
            link(
                body,
                status.as_str(),
                status.as_str(),
                wanted == Some(status),
            );
        }
    }
    body.raw("</nav>");
    let shown: Vec<usize> = (0..checked.outcomes.len())
        .filter(|&i| wanted.is_none_or(|s| checked.outcomes[i].status == s))
        .collect();
    let pages = shown.len().div_ceil(PAGE_ROWS).max(1);
    let page = paging.page.min(pages - 1);
    body.raw("<table class=\"rows\" id=\"rows\"><thead><tr>");
    for head in [t.row, t.recipient, t.status, t.reason, t.message] {
        body.el("th", "", head);
    }
    body.raw("</tr></thead><tbody>");
    for &i in shown.iter().skip(page * PAGE_ROWS).take(PAGE_ROWS) {
        let row = &checked.plan.rows[i];
        let outcome = &checked.outcomes[i];
        body.raw("<tr>")
            .el("td", "", &row.row_number.to_string())
            .cell("td", row.recipient.as_deref().unwrap_or(""))
            .status_cell(outcome.status)
            .cell("td", &outcome.detail)
            .cell("td", row.text.as_deref().unwrap_or(""))
            .raw("</tr>");
    }
    body.raw("</tbody></table><nav class=\"pages\" id=\"pages\">");
    let status = wanted.map_or("", |s| s.as_str());
    if page > 0 {
        body.raw(&format!(
            "<a href=\"/check?status={status}&amp;page={}\">",
            page - 1
        ))
        .text(t.previous)
        .raw("</a> ");
    }
    body.text(&format!(
        "{} {} / {pages} ({} {})",
        t.page,
        page + 1,
        shown.len(),
        t.rows
    ));
    if page + 1 < pages {
        body.raw(&format!(
            " <a id=\"next\" href=\"/check?status={status}&amp;page={}\">",
            page + 1
        ))
        .text(t.next)
        .raw("</a>");
    }
    body.raw("</nav>");
}

/// GET /download/check: the dry run's results workbook.
pub async fn download(State(session): State<Arc<Session>>) -> Response {
    let checked = session.state().checked.clone();
    match checked {
        Some(checked) => file_response(&checked.results).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A results file to download, under its own name.
pub async fn file_response(path: &Path) -> Response {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().replace(['"', '\\', '\r', '\n'], "_"))
        .unwrap_or_else(|| "results.xlsx".to_owned());
    let owned = path.to_owned();
    match tokio::task::spawn_blocking(move || std::fs::read(owned)).await {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// What the counter asks: the typed template (and the look-alike switch).
#[derive(Debug, Deserialize)]
pub struct CountAsked {
    template: String,
    #[serde(default)]
    gsm_substitute: bool,
}

/// The counter's answer for one of the first rows, or the template's error.
#[derive(Debug, Serialize, Default)]
pub struct Counted {
    /// `send`'s message for a template it would refuse (unknown column and its "did you
    /// mean", an unclosed brace).
    error: Option<String>,
    /// The first rows as they would be sent.
    rows: Vec<CountedRow>,
}

/// One rendered row for the counter.
#[derive(Debug, Serialize)]
pub struct CountedRow {
    row: u32,
    text: String,
    characters: usize,
    encoding: &'static str,
    segments: usize,
    /// Why a row would not be sent (INVALID: an empty cell in a placeholder, too long).
    problem: String,
    /// Look-alike characters that make it UCS-2, as `send` lists them.
    lookalikes: String,
}

/// Rows the counter renders.
const COUNTED_ROWS: usize = 3;

/// POST /count: the first rows of the workbook rendered with the typed template, through
/// `send`'s own binding and plan, for the counter under the textarea.
pub async fn count(
    State(session): State<Arc<Session>>,
    axum::Json(asked): axum::Json<CountAsked>,
) -> Response {
    let opened = session.state().book.clone();
    let Some(opened) = opened else {
        return StatusCode::CONFLICT.into_response();
    };
    let choices = Choices {
        source: "typed".into(),
        template: asked.template,
        gsm_substitute: asked.gsm_substitute.then(|| "on".to_owned()),
        ..session.state().choices.clone()
    };
    let answer = counted(&session, &opened, &choices).unwrap_or_else(|e| Counted {
        error: Some(format!("{e:#}")),
        rows: Vec::new(),
    });
    axum::Json(answer).into_response()
}

fn counted(session: &Session, opened: &Opened, choices: &Choices) -> Result<Counted> {
    let settings = settings(session, opened, choices, Purpose::Check)?;
    let table = &opened.table;
    let bound = settings.bind(table, None)?;
    let planner = Planner::new(&table.headers, &bound);
    let first = &table.rows[..table.rows.len().min(COUNTED_ROWS)];
    let rows = planner
        .plan_rows(first)
        .into_iter()
        .map(|row| {
            let outcome = RowOutcome::planned(&row);
            let text = row.text.as_deref().unwrap_or("").to_owned();
            let info = row.sms.unwrap_or_else(|| crate::text::sms::analyze(&text));
            CountedRow {
                row: row.row_number,
                characters: text.chars().count(),
                encoding: match info.encoding {
                    crate::text::sms::Encoding::Gsm7 => "GSM-7",
                    crate::text::sms::Encoding::Ucs2 => "UCS-2",
                },
                segments: info.segments,
                problem: if outcome.status == Status::Ready {
                    String::new()
                } else {
                    format!("{}: {}", outcome.status.as_str(), outcome.detail)
                },
                lookalikes: if crate::text::lookalike::needlessly_ucs2(&text) {
                    crate::text::lookalike::describe_blockers(&text, 10)
                } else {
                    String::new()
                },
                text,
            }
        })
        .collect();
    Ok(Counted { error: None, rows })
}
