//! Step 6 of the page: a send's results — the Summary's numbers, the rows that need attention,
//! the download of the results workbook, and Resume for an interrupted run.

use super::html::{Frame, Html};
use super::sending::lock;
use super::{Session, html_page, lang, see_other};
use crate::plan::outcome::Status;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// GET /results: the Summary's numbers, the rows that need attention, the download, Resume.
pub async fn results(
    State(session): State<Arc<Session>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang(&headers, query.as_deref());
    let Some(sending) = session.state().send.clone() else {
        return see_other("/");
    };
    if !sending.is_over() {
        return see_other("/send");
    }
    let frame = Frame {
        lang,
        csrf: &session.csrf,
        here: "/results",
    };
    let t = frame.t();
    let live = sending.snapshot();
    let mut body = Html::new();
    body.raw("<section id=\"results\"><h2>")
        .text(t.step_results)
        .raw("</h2>");
    if let Some(error) = &live.error {
        body.el("p", "class=\"error\" id=\"send-error\" dir=\"auto\"", error);
    }
    if !live.said.is_empty() {
        body.raw("<ul id=\"said\">");
        for line in &live.said {
            body.el("li", "dir=\"auto\"", line);
        }
        body.raw("</ul>");
    }
    if let Some(finished) = lock(&sending.finished).as_ref() {
        let totals = &finished.totals;
        body.raw("<table class=\"totals\" id=\"summary\">");
        for status in Status::ALL {
            let n = totals.count(status);
            if n == 0 {
                continue;
            }
            body.raw(&format!(
                "<tr id=\"result-{class}\"><th class=\"status {class}\">",
                class = super::html::status_class(status)
            ))
            .text(status.as_str())
            .raw("</th><td>")
            .text(&n.to_string())
            .raw(&format!(
                "</td><td><progress value=\"{n}\" max=\"{}\"></progress></td></tr>",
                totals.rows.max(1)
            ));
        }
        body.raw("<tr><th>")
            .text(t.segments)
            .raw("</th><td>")
            .text(&totals.segments().to_string())
            .raw("</td><td></td></tr>");
        if let Some(cost) = &finished.run.estimated_cost {
            body.raw("<tr><th>cost</th><td>")
                .text(cost)
                .raw("</td><td></td></tr>");
        }
        body.raw("</table>");
        if let Some(stopped) = &finished.run.stopped {
            body.el("p", "class=\"warning\" id=\"stopped\"", stopped);
        }
        if finished.exit == crate::cli::Exit::Interrupted || finished.run.stopped.is_some() {
            body.el("p", "class=\"warning\"", t.interrupted_note);
            body.raw(&format!(
                "<form method=\"post\" action=\"{}\"><button class=\"primary\" id=\"resume\">",
                frame.action("/send?resume=1")
            ))
            .text(t.resume)
            .raw("</button></form>");
        }
        if finished.results_written {
            body.raw("<p><a id=\"download-results\" href=\"/download/results\">")
                .text(t.download_results)
                .raw("</a></p>");
        }
    }
    body.raw("<h3>").text(t.needs_attention).raw("</h3>");
    let attention = lock(&sending.attention).clone();
    if attention.is_empty() {
        body.el("p", "", t.none);
    } else {
        body.raw("<table class=\"rows\" id=\"attention\"><thead><tr>");
        for head in [t.row, t.recipient, t.status, t.reason] {
            body.el("th", "", head);
        }
        body.raw("</tr></thead><tbody>");
        let mut attention = attention;
        attention.sort_by_key(|(i, _)| *i);
        for (index, outcome) in &attention {
            let row = &sending.checked.plan.rows.get(*index);
            body.raw("<tr>")
                .el(
                    "td",
                    "",
                    &row.map_or(String::new(), |r| r.row_number.to_string()),
                )
                .cell("td", row.and_then(|r| r.recipient.as_deref()).unwrap_or(""))
                .status_cell(outcome.status)
                .cell("td", &outcome.detail)
                .raw("</tr>");
        }
        body.raw("</tbody></table>");
    }
    body.raw("<p><a href=\"/\">")
        .text(t.start_over)
        .raw("</a></p></section>");
    html_page(lang, frame.page(body))
}

/// GET /download/results: the results workbook, the same file `send` writes.
pub async fn download(State(session): State<Arc<Session>>) -> Response {
    let path = session
        .state()
        .send
        .as_ref()
        .and_then(|s| lock(&s.results).clone());
    match path {
        Some(path) => super::check::file_response(&path).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
