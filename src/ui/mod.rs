//! `smsmerge ui`: the whole job in a page in the browser, for people who work in Excel.
//!
//! One more face over the engine, like the command line: every rule is `send`'s, reached
//! through the same settings ([`SendArgs`](crate::cli::args::SendArgs) built from the page's
//! choices, checked by [`SendSettings`](crate::cli::settings::SendSettings)), the same plan
//! ([`send::read_and_plan`](crate::cli::send::read_and_plan)) and the same [`Job`](crate::job::Job)
//! (lock, journal, budget, balance, confirmation, results). Nothing below this folder
//! imports it.
//!
//! The server listens on 127.0.0.1 only and lets nothing through `guard` without the
//! session's token; uploads go to a private temporary folder removed at exit.

mod check;
mod choices;
mod guard;
mod html;
mod results;
mod runs;
mod sending;
mod texts;
mod workbook;

use crate::book::Table;
use crate::cli::Exit;
use crate::cli::args::UiArgs;
use anyhow::{Context, Result};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::RngExt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use texts::Lang;

/// One running page: where it works, its secrets, and what the user has chosen so far.
pub struct Session {
    /// Where workbooks are looked for and results and journals go.
    folder: PathBuf,
    /// The private temporary folder (0700) of uploads and checks, removed at exit.
    temp: tempfile::TempDir,
    /// The token of the printed address and the cookie.
    token: String,
    /// The token every change must carry besides the cookie.
    csrf: String,
    /// The port listened on, for the Host and Origin checks.
    port: u16,
    /// The config file given with `--config`.
    config: Option<PathBuf>,
    /// Largest upload, in bytes.
    max_upload: usize,
    /// What the user has chosen and what the engine made of it.
    state: Mutex<State>,
}

/// What the page holds between requests.
#[derive(Default)]
struct State {
    /// The workbook chosen or uploaded, with its sheets.
    book: Option<choices::Opened>,
    /// The last error of the workbook step, shown there.
    book_error: Option<String>,
    /// The choices of steps 2 and 3.
    choices: choices::Choices,
    /// The last check (dry run).
    checked: Option<Arc<check::Checked>>,
    /// The last check's error, shown on the message step.
    check_error: Option<String>,
    /// The send running or last run.
    send: Option<Arc<sending::Sending>>,
}

impl Session {
    /// A session over `folder` on `port`, with fresh secrets and its own temporary folder.
    pub fn new(
        folder: PathBuf,
        port: u16,
        config: Option<PathBuf>,
        max_upload: usize,
    ) -> Result<Session> {
        let temp = tempfile::Builder::new()
            .prefix("smsmerge-ui-")
            .tempdir()
            .context("cannot create a private temporary folder")?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot make {} private", temp.path().display()))?;
        }
        for inner in ["uploads", "check"] {
            std::fs::create_dir(temp.path().join(inner))
                .with_context(|| format!("cannot create {}", temp.path().join(inner).display()))?;
        }
        Ok(Session {
            folder,
            temp,
            token: secret(),
            csrf: secret(),
            port,
            config,
            max_upload,
            state: Mutex::default(),
        })
    }

    /// Whether a `Host` (or an `Origin` without its scheme) names this server.
    fn is_own_host(&self, host: &str) -> bool {
        host == format!("127.0.0.1:{}", self.port) || host == format!("localhost:{}", self.port)
    }

    /// The page's state; a panic in another request does not lock the user out.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The address to open, with the token.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.port, self.token)
    }

    /// The private temporary folder.
    pub fn temp_dir(&self) -> &Path {
        self.temp.path()
    }

    /// The config file, loaded as `send` loads it.
    fn config(&self) -> Result<Option<crate::cli::config::Loaded>> {
        crate::cli::config::load(self.config.as_deref())
    }
}

/// 128 random bits as hex, from the operating system's seeded generator.
fn secret() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

/// The page's routes behind the guard.
pub fn router(session: Arc<Session>) -> Router {
    let limit = session.max_upload;
    Router::new()
        .route("/", get(workbook::page))
        .route("/upload", post(workbook::upload))
        .route("/pick", post(workbook::pick))
        .route("/sheet", post(workbook::sheet))
        .route("/count", post(check::count))
        .route("/check", get(check::page).post(check::run))
        .route("/download/check", get(check::download))
        .route("/send", get(sending::page).post(sending::start))
        .route("/events", get(sending::events))
        .route("/confirm", post(sending::confirm))
        .route("/stop", post(sending::stop))
        .route("/results", get(results::results))
        .route("/download/results", get(results::download))
        .route("/runs", get(runs::page))
        .route("/runs/open", post(runs::open))
        .route("/assets/app.js", get(script))
        .route("/assets/app.css", get(style))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&session),
            guard::guard,
        ))
        .with_state(session)
}

/// The language the browser chose (a `lang` query sets it, the cookie keeps it).
fn lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    let asked = query.and_then(|q| guard::query_value(q, "lang"));
    Lang::from_code(
        asked
            .or_else(|| guard::cookie_value(headers, "lang"))
            .as_deref(),
    )
}

/// An HTML page, keeping the language asked for in a cookie.
fn html_page(lang: Lang, body: String) -> Response {
    let cookie = format!("lang={}; SameSite=Strict; Path=/", lang.code());
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::SET_COOKIE, cookie),
        ],
        body,
    )
        .into_response()
}

/// Goes to another page after a change (303: the browser asks it with GET).
fn see_other(to: &str) -> Response {
    (
        axum::http::StatusCode::SEE_OTHER,
        [(header::LOCATION, to.to_owned())],
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/app.js"),
    )
        .into_response()
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/app.css"),
    )
        .into_response()
}

/// `smsmerge ui`: serves the page until Ctrl-C; a send in progress is stopped as `send`
/// stops on Ctrl-C, and its results are written before the server ends.
pub fn run(args: &UiArgs) -> Result<Exit> {
    let folder = match &args.folder {
        Some(folder) => folder.clone(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    if !folder.is_dir() {
        anyhow::bail!("{}: no such folder", folder.display());
    }
    let folder = std::fs::canonicalize(&folder)
        .with_context(|| format!("cannot read the folder {}", folder.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
                .await
                .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
        let port = listener.local_addr()?.port();
        let max_upload =
            usize::try_from(args.max_upload_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
        let session = Arc::new(Session::new(folder, port, args.config.clone(), max_upload)?);
        let address = session.address();
        crate::cli::terminal::print_raw(&format!(
            "smsmerge: the page is at {address}\nsmsmerge: press Ctrl-C to stop it\n"
        ));
        if !args.no_open && has_display() && webbrowser::open(&address).is_err() {
            crate::cli::terminal::note("could not open a browser: open the address above");
        }
        let app = router(Arc::clone(&session));
        axum::serve(listener, app)
            .with_graceful_shutdown(shut_down(Arc::clone(&session)))
            .await
            .context("the page's server failed")?;
        anyhow::Ok(())
    })?;
    Ok(Exit::Success)
}

/// Waits for Ctrl-C, then stops a running send and waits for its results.
async fn shut_down(session: Arc<Session>) {
    let _ = tokio::signal::ctrl_c().await;
    let running = session.state().send.clone();
    if let Some(send) = running {
        crate::cli::terminal::warn(
            "interrupted: finishing the messages in flight and writing the results",
        );
        send.stop();
        send.wait().await;
    }
}

/// Whether a browser can be shown: on Linux and the BSDs only with a display.
fn has_display() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

#[cfg(test)]
mod tests;

/// A table kept for the page: the workbook's rows for the counter and the check.
pub(crate) type SharedTable = Arc<Table>;
