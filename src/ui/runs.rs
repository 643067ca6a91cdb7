//! Step 7: the earlier runs in the folder, read from their journals: when, which workbook,
//! how many sent, finished or not. Opening one opens its workbook, so that checking and
//! sending it again resumes an unfinished run from its journal (`send`'s rerun).

use super::html::{Frame, Html};
use super::{Session, html_page, lang};
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// One run found in the folder.
struct Run {
    journal: String,
    when: String,
    workbook: String,
    finished: bool,
    counts: Vec<(String, usize)>,
}

/// The journals of the folder (the current ones and those kept by later runs), newest first.
fn runs(folder: &Path) -> Vec<Run> {
    let mut found: Vec<(std::time::SystemTime, Run)> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if !name.contains(".journal") || name.ends_with(".lock") {
                return None;
            }
            let previous = crate::dispatch::journal::load(&entry.path()).ok()?;
            let header = previous.header.as_ref()?;
            let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
            for outcome in previous.outcomes.values() {
                *counts.entry(outcome.status.clone()).or_default() += 1;
            }
            let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
            Some((
                modified,
                Run {
                    journal: name,
                    when: header.started.clone(),
                    workbook: header
                        .input
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    finished: previous.finished,
                    counts: counts.into_iter().collect(),
                },
            ))
        })
        .collect();
    found.sort_by_key(|run| std::cmp::Reverse(run.0));
    found.into_iter().map(|(_, run)| run).collect()
}

/// GET /runs.
pub async fn page(
    State(session): State<Arc<Session>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang(&headers, query.as_deref());
    let frame = Frame {
        lang,
        csrf: &session.csrf,
        here: "/runs",
    };
    let t = frame.t();
    let folder = session.folder.clone();
    let found = tokio::task::spawn_blocking(move || runs(&folder))
        .await
        .unwrap_or_default();
    let workbooks = super::workbook::listing(&session.folder);
    let mut body = Html::new();
    body.raw("<section id=\"runs\"><h2>")
        .text(t.step_runs)
        .raw("</h2>");
    if found.is_empty() {
        body.el("p", "", t.no_runs);
    } else {
        body.raw("<table class=\"rows\"><thead><tr>");
        for head in [t.when, t.workbook, t.status, "", ""] {
            body.el("th", "", head);
        }
        body.raw("</tr></thead><tbody>");
        for run in &found {
            let counts: Vec<String> = run.counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
            body.raw("<tr>")
                .el(
                    "td",
                    &format!("title=\"{}\"", super::html::esc(&run.journal)),
                    &run.when,
                )
                .cell("td", &run.workbook)
                .el(
                    "td",
                    "",
                    if run.finished {
                        t.run_finished
                    } else {
                        t.run_unfinished
                    },
                )
                .el("td", "", &counts.join(", "))
                .raw("<td>");
            if workbooks.contains(&run.workbook) {
                body.raw(&format!(
                    "<form method=\"post\" action=\"{}\">",
                    frame.action("/runs/open")
                ))
                .raw("<button name=\"name\" value=\"")
                .text(&run.workbook)
                .raw("\">")
                .text(t.open)
                .raw("</button></form>");
            }
            body.raw("</td></tr>");
        }
        body.raw("</tbody></table>");
    }
    body.raw("</section>");
    html_page(lang, frame.page(body))
}

/// The run's workbook, by name.
#[derive(Debug, Deserialize)]
pub struct Open {
    name: String,
}

/// POST /runs/open: opens the run's workbook (a workbook of the folder only).
pub async fn open(State(session): State<Arc<Session>>, Form(open): Form<Open>) -> Response {
    if !super::workbook::listing(&session.folder).contains(&open.name) {
        return (StatusCode::BAD_REQUEST, "not a workbook of the folder").into_response();
    }
    super::workbook::pick(
        State(session),
        Form(super::workbook::Pick { name: open.name }),
    )
    .await
}
