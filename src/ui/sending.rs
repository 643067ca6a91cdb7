//! Step 5 of the page: the send, as the engine's [`Job`] with the page as its face (its
//! results are step 6, in `results`).
//!
//! The job runs on a thread of its own, as `send` runs it. Its confirmation is `send`'s
//! question, word for word, shown in the page and answered by a button; its events feed the
//! live progress the page reads as Server-Sent Events, a few times a second, so a reload
//! simply reconnects. Stop is the job's stop handle: Ctrl-C's meaning.

use super::check::Checked;
use super::choices::{Opened, Purpose};
use super::html::{Frame, Html};
use super::{Session, html_page, lang, see_other};
use crate::dispatch::events::{Consumer, Event};
use crate::dispatch::stop::{Stop, StopReason};
use crate::gateway::opentech::Account;
use crate::gateway::secret::Secret;
use crate::job::{Face, Job, Said};
use crate::plan::outcome::{RowOutcome, Status};
use anyhow::Result;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::Local;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often the page's progress is pushed: 4 times a second.
const PUSH_EVERY: Duration = Duration::from_millis(250);

/// Where a send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Lock, journal, budget, account and balance.
    Preparing,
    /// Waiting for the user's answer to the question.
    Confirm,
    /// Sending.
    Sending,
    /// Results written.
    Finished,
    /// Stopped by an error before anything was sent (or the user said no).
    Failed,
}

/// What the page shows of a send, as it is pushed.
#[derive(Debug, Clone, Serialize)]
pub struct Live {
    phase: Phase,
    question: Option<String>,
    total: usize,
    done: usize,
    sent: usize,
    failed: usize,
    uncertain: usize,
    paused: Option<String>,
    per_second: f64,
    seconds_left: Option<u64>,
    pub(super) error: Option<String>,
    /// Stop was pressed: no request starts any more, those in flight are being answered.
    stopping: bool,
    stopped: Option<String>,
    exit: Option<u8>,
    /// What the job said (notes, warnings, the plan's gateway lines), in order.
    pub(super) said: Vec<String>,
    #[serde(skip)]
    started: Option<Instant>,
}

/// A send started from the page, running or done.
pub struct Sending {
    live: Mutex<Live>,
    stop: Mutex<Option<Arc<Stop>>>,
    /// The answer to the question, while it is asked.
    answer: Mutex<Option<tokio::sync::oneshot::Sender<bool>>>,
    /// The rows this run left FAILED or UNCERTAIN, with their plan index.
    pub(super) attention: Mutex<Vec<(usize, RowOutcome)>>,
    /// The plan it sends.
    pub checked: Arc<Checked>,
    /// The results file, once written.
    pub(super) results: Mutex<Option<PathBuf>>,
    /// The totals of the results.
    pub(super) finished: Mutex<Option<crate::job::Finished>>,
    done: tokio::sync::Notify,
    /// How it was started, for Resume.
    form: SendForm,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sending {
    /// A send of `checked` started with `form`, being prepared.
    pub(super) fn new(checked: Arc<Checked>, form: SendForm) -> Sending {
        Sending {
            live: Mutex::new(Live {
                phase: Phase::Preparing,
                question: None,
                total: 0,
                done: 0,
                sent: 0,
                failed: 0,
                uncertain: 0,
                paused: None,
                per_second: 0.0,
                seconds_left: None,
                error: None,
                stopping: false,
                stopped: None,
                exit: None,
                said: Vec::new(),
                started: None,
            }),
            stop: Mutex::new(None),
            answer: Mutex::new(None),
            attention: Mutex::new(Vec::new()),
            checked,
            results: Mutex::new(None),
            finished: Mutex::new(None),
            done: tokio::sync::Notify::new(),
            form,
        }
    }

    /// Stops it as Ctrl-C does: at the question, the job ends with nothing sent and says
    /// so, as `send` does on Ctrl-C at its prompt. Pressed while the job is still being
    /// prepared (before it has a stop handle), it is kept and applied when the handle comes.
    pub fn stop(&self) {
        let handle = lock(&self.stop);
        lock(&self.live).stopping = true;
        if let Some(stop) = handle.as_ref() {
            let _ = stop.set(StopReason::Interrupted);
        }
        drop(handle);
        self.done.notify_waiters();
    }

    /// Gives it the job's stop handle, already set if Stop was pressed before.
    pub(super) fn attach_stop(&self, stop: Arc<Stop>) {
        let mut handle = lock(&self.stop);
        if lock(&self.live).stopping {
            let _ = stop.set(StopReason::Interrupted);
        }
        *handle = Some(stop);
    }

    /// Whether it is over (results written, or failed).
    pub(super) fn is_over(&self) -> bool {
        matches!(self.phase(), Phase::Finished | Phase::Failed)
    }

    /// Returns once it is over.
    pub async fn wait(&self) {
        self.wait_until(|phase| matches!(phase, Phase::Finished | Phase::Failed))
            .await;
    }

    /// Returns once its phase passes `test` (phases change with a notification).
    pub async fn wait_until(&self, test: impl Fn(Phase) -> bool) {
        loop {
            let notified = self.done.notified();
            tokio::pin!(notified);
            // Registered before the check, so a change between the two is not missed.
            notified.as_mut().enable();
            if test(self.phase()) {
                return;
            }
            notified.await;
        }
    }

    /// Where it is now.
    pub fn phase(&self) -> Phase {
        lock(&self.live).phase
    }

    /// The question asked, while it is.
    #[cfg(test)]
    pub fn question(&self) -> Option<String> {
        lock(&self.live).question.clone()
    }

    /// Why it failed, if it did.
    #[cfg(test)]
    pub fn error(&self) -> Option<String> {
        lock(&self.live).error.clone()
    }

    pub(super) fn snapshot(&self) -> Live {
        let mut live = lock(&self.live).clone();
        if let Some(started) = live.started {
            let seconds = started.elapsed().as_secs_f64();
            if seconds > 0.0 && live.done > 0 {
                live.per_second = live.done as f64 / seconds;
                let left = live.total.saturating_sub(live.done) as f64;
                live.seconds_left = Some((left / live.per_second).ceil() as u64);
            }
        }
        live
    }
}

/// The page as the job's face.
struct PageFace {
    sending: Arc<Sending>,
}

impl Consumer for PageFace {
    fn event(&mut self, event: Event) {
        let mut live = lock(&self.sending.live);
        match event {
            Event::Started { total } => {
                live.total = total;
                live.started = Some(Instant::now());
            }
            Event::Outcome { index, outcome } => {
                live.done += 1;
                match outcome.status {
                    Status::Sent => live.sent += 1,
                    Status::Failed => live.failed += 1,
                    Status::Uncertain => live.uncertain += 1,
                    _ => {}
                }
                if matches!(outcome.status, Status::Failed | Status::Uncertain) {
                    lock(&self.sending.attention).push((index, outcome));
                }
            }
            Event::Paused { reason, .. } => live.paused = Some(reason),
            Event::Resumed => live.paused = None,
            Event::Stopped { reason } => live.stopped = Some(reason.to_string()),
            Event::Finished => live.paused = None,
        }
    }
}

impl Face for PageFace {
    fn say(&mut self, said: Said) {
        let line = match said {
            Said::Note(line) | Said::Warning(line) | Said::Error(line) => line,
            Said::Lines(lines) => lines.trim_end().to_owned(),
            Said::ResultsAt(path) => format!("results written to {}", path.display()),
            // The results step says it in the page's language, beside its Resume button.
            Said::Interrupted => return,
        };
        lock(&self.sending.live).said.push(line);
        self.sending.done.notify_waiters();
    }

    fn confirm(&mut self, question: String) -> crate::job::Answer {
        let (tell, answer) = tokio::sync::oneshot::channel();
        *lock(&self.sending.answer) = Some(tell);
        {
            let mut live = lock(&self.sending.live);
            live.phase = Phase::Confirm;
            live.question = Some(question);
        }
        self.sending.done.notify_waiters();
        let sending = Arc::clone(&self.sending);
        Box::pin(async move {
            // Stop answers no; so does a page that went away with the question open.
            let yes = answer.await.unwrap_or(false);
            let mut live = lock(&sending.live);
            live.phase = Phase::Preparing;
            live.question = None;
            Ok(yes)
        })
    }

    fn sending(&mut self) {
        lock(&self.sending.live).phase = Phase::Sending;
        self.sending.done.notify_waiters();
    }
}

/// The send form: simulator or account, and when.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    uid: String,
    #[serde(default)]
    username: String,
    /// Kept in memory only, for Resume; never written or shown.
    #[serde(default, deserialize_with = "typed_secret")]
    password: Option<Secret>,
    #[serde(default)]
    quiet_hours: String,
    #[serde(default)]
    not_before: String,
}

impl SendForm {
    /// An account typed in the page, when all three parts were.
    fn account(&self) -> Option<Account> {
        let password = self.password.clone()?;
        let typed = !self.uid.trim().is_empty() && !self.username.trim().is_empty();
        (self.mode != "simulate" && typed).then(|| Account {
            uid: self.uid.trim().to_owned(),
            username: self.username.trim().to_owned(),
            password,
        })
    }

    /// The flags of `send` this form adds.
    fn flags(&self, book: &std::path::Path, uploaded: bool) -> Vec<OsString> {
        let mut flags: Vec<OsString> = Vec::new();
        if self.mode == "simulate" || self.account().is_some() {
            // A typed account is put in after the flags are checked (which would look for
            // one in the environment); the results go where a real send puts them.
            flags.push("--simulate".into());
            if self.account().is_some() && !uploaded {
                flags.push("-o".into());
                flags.push(crate::cli::settings::default_output(book).into());
            }
        }
        for (name, value) in [
            ("--quiet-hours", &self.quiet_hours),
            ("--not-before", &self.not_before),
        ] {
            if !value.trim().is_empty() {
                flags.push(name.into());
                flags.push(value.trim().into());
            }
        }
        flags
    }
}

/// A password typed in the page, straight into a [`Secret`].
fn typed_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let typed = String::deserialize(d)?;
    Ok((!typed.is_empty()).then(|| Secret::new(typed)))
}

/// POST /send: starts the job on its own thread (refused while one runs). With `?resume=1`
/// it sends again as the last send did: the journal's rerun, which sends nothing twice.
pub async fn start(
    State(session): State<Arc<Session>>,
    RawQuery(query): RawQuery,
    Form(form): Form<SendForm>,
) -> Response {
    let (checked, opened, running) = {
        let state = session.state();
        (
            state.checked.clone(),
            state.book.clone(),
            state.send.clone(),
        )
    };
    if running.as_ref().is_some_and(|s| !s.is_over()) {
        return see_other("/send");
    }
    let resume = query
        .as_deref()
        .and_then(|q| super::guard::query_value(q, "resume"))
        .is_some();
    let form = match (resume, &running) {
        (true, Some(last)) => last.form.clone(),
        _ => form,
    };
    let (Some(checked), Some(opened)) = (checked, opened) else {
        return see_other("/");
    };
    let sending = Arc::new(Sending::new(checked, form));
    session.state().send = Some(Arc::clone(&sending));
    let worker = Arc::clone(&session);
    let job_side = Arc::clone(&sending);
    std::thread::spawn(move || {
        let outcome = send(&worker, &opened, &job_side);
        {
            let mut live = lock(&job_side.live);
            match outcome {
                Ok(finished) => {
                    live.phase = Phase::Finished;
                    live.exit = Some(finished.exit as u8);
                    *lock(&job_side.finished) = Some(finished);
                }
                Err(e) => {
                    live.phase = Phase::Failed;
                    live.error = Some(format!("{e:#}"));
                }
            }
        }
        job_side.done.notify_waiters();
    });
    see_other("/send")
}

/// The job itself, with the check's choices and the send form's flags.
fn send(
    session: &Session,
    opened: &Opened,
    sending: &Arc<Sending>,
) -> Result<crate::job::Finished> {
    let flags = sending.form.flags(&opened.path, opened.uploaded);
    let mut settings = super::choices::settings(
        session,
        opened,
        &sending.checked.choices,
        Purpose::Send(&flags),
    )?;
    if let Some(account) = sending.form.account() {
        settings.gateway.simulate = false;
        settings.gateway.account = Some(account);
    }
    let started = Local::now().fixed_offset();
    // Planned again, as `send` plans: the workbook may have changed since the check.
    let (table, plan) = crate::cli::send::read_and_plan(&settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let job = Job::new(&settings, &table, &plan, started);
    sending.attach_stop(job.stop_handle());
    let mut face = PageFace {
        sending: Arc::clone(sending),
    };
    let finished = runtime.block_on(job.run(&mut face))?;
    *lock(&sending.results) = Some(settings.output.clone());
    Ok(finished)
}

/// GET /events: the send's progress as Server-Sent Events, until it is over.
pub async fn events(State(session): State<Arc<Session>>) -> Response {
    let running = session.state().send.clone();
    let Some(sending) = running else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let stream = futures::stream::unfold((sending, false), |(sending, ended)| async move {
        if ended {
            return None;
        }
        let live = sending.snapshot();
        let over = matches!(live.phase, Phase::Finished | Phase::Failed);
        if !over {
            // The next push after a short while, or at once when the phase changes.
            let _ = tokio::time::timeout(PUSH_EVERY, sending.done.notified()).await;
        }
        let event = SseEvent::default().json_data(&live).unwrap_or_default();
        Some((Ok::<_, std::convert::Infallible>(event), (sending, over)))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The answer to the question.
#[derive(Debug, Deserialize)]
pub struct Answer {
    yes: bool,
}

/// POST /confirm: answers the job's question.
pub async fn confirm(State(session): State<Arc<Session>>, Form(answer): Form<Answer>) -> Response {
    let running = session.state().send.clone();
    if let Some(sending) = running
        && let Some(tell) = lock(&sending.answer).take()
    {
        let _ = tell.send(answer.yes);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// POST /stop: stops the send as Ctrl-C does.
pub async fn stop(State(session): State<Arc<Session>>) -> Response {
    if let Some(sending) = session.state().send.clone() {
        sending.stop();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// GET /send: the live progress, the question, Stop.
pub async fn page(
    State(session): State<Arc<Session>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang(&headers, query.as_deref());
    if session.state().send.is_none() {
        return see_other("/");
    }
    let frame = Frame {
        lang,
        csrf: &session.csrf,
        here: "/send",
    };
    let t = frame.t();
    let mut body = Html::new();
    body.raw("<section id=\"progress\" data-events=\"/events\"><h2>")
        .text(t.step_send)
        .raw("</h2><p id=\"phase\">")
        .text(t.connecting)
        .raw("</p><div id=\"question\" hidden><p id=\"question-text\" dir=\"auto\"></p>")
        .raw(&format!(
            "<button id=\"yes\" class=\"primary\" data-action=\"{}\">",
            frame.action("/confirm")
        ))
        .text(t.confirm_yes)
        .raw("</button> <button id=\"no\">")
        .text(t.confirm_no)
        .raw("</button></div><progress id=\"bar\" value=\"0\" max=\"1\"></progress><p id=\"counts\">")
        .raw(&format!(
            "<span class=\"SENT\">{} <b id=\"sent\">0</b></span> <span class=\"FAILED\">{} <b id=\"failed\">0</b></span> <span class=\"UNCERTAIN\">{} <b id=\"uncertain\">0</b></span> <span><b id=\"done\">0</b>/<b id=\"total\">0</b></span> <span><b id=\"rate\">0</b> {}</span> <span>{} <b id=\"left\">-</b></span>",
            super::html::esc(t.sent),
            super::html::esc(t.failed),
            super::html::esc(t.uncertain),
            super::html::esc(t.per_second),
            super::html::esc(t.time_left)
        ))
        .raw("</p><p id=\"stopping\" class=\"warning\" hidden>")
        .text(t.stopping)
        .raw("</p><p id=\"paused\" dir=\"auto\"></p><p class=\"error\" id=\"send-error\" dir=\"auto\"></p>")
        .raw(&format!(
            "<button id=\"stop\" class=\"danger\" data-action=\"{}\">",
            frame.action("/stop")
        ))
        .text(t.stop)
        .raw("</button> <a id=\"to-results\" href=\"/results\" hidden>")
        .text(t.step_results)
        .raw("</a></section>");
    html_page(lang, frame.page(body))
}
