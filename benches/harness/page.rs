//! The page's speed: `smsmerge ui` (the release binary, in its own process, on loopback)
//! driven over HTTP exactly as its own script drives it: the token from its first line, the
//! session cookie, and on every change the same Origin and the CSRF token of the page's
//! `<meta name="csrf">`. Measured from this side of the socket, as a browser would wait:
//!
//! - the check's first screen: the upload (the file's bytes as the body of `POST /upload`)
//!   and the workbook step it leads to, then the check (`POST /check`) and the check page it
//!   leads to, each until its HTML is complete; set against `send --dry-run` on the same file,
//!   measured just before;
//! - a page of rows: `GET /check?page=N`, the pager's links, spread over the table;
//! - the counter: `POST /count`, what the template box sends while typing;
//! - progress while sending to the simulator: the Server-Sent Events of `GET /events`,
//!   counted per second while messages are still going out.

use anyhow::{Context, Result, bail};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How many times a page of rows is fetched, and the counter asked.
const PAGE_FETCHES: usize = 9;
const COUNTER_CALLS: usize = 20;

/// The template typed into the counter, one more character per call (its last characters
/// are plain text, so every prefix typed is a whole template).
const TYPED: &str = "Dear {{Name}}, your balance is {{Amount}} USD. Thank you for banking with us.";

/// What the page section measured for one workbook.
pub struct PageResult {
    pub rows: usize,
    /// `send --dry-run` on the same file, in the same run.
    pub dry_run: Duration,
    /// Upload until the workbook step's HTML is complete.
    pub upload: Duration,
    /// The check until the check page's HTML is complete.
    pub check: Duration,
    /// Median of [`PAGE_FETCHES`] pages of rows.
    pub rows_page: Duration,
    /// Median of [`COUNTER_CALLS`] counter answers.
    pub counter: Duration,
    /// Progress events received while messages were still going out, and over how long.
    pub updates: usize,
    pub updates_span: Duration,
}

impl PageResult {
    /// The check's first screen: upload, workbook step, check, check page.
    pub fn first_screen(&self) -> Duration {
        self.upload + self.check
    }

    /// Progress events per second while sending (n events span n-1 intervals).
    pub fn updates_per_second(&self) -> f64 {
        self.updates.saturating_sub(1) as f64 / self.updates_span.as_secs_f64().max(1e-9)
    }
}

/// Measures the page on `book` (`rows` rows), sending to the simulator at `gateway`.
pub fn measure(
    bench: &crate::Bench,
    rows: usize,
    book: &Path,
    gateway: &str,
) -> Result<PageResult> {
    let dir = bench.scratch("page")?;
    let dry_run = crate::measure(
        "smsmerge dry run (for the page)",
        &mut bench.smsmerge(book, &dir.join("dry.xlsx"), &["--dry-run"]),
    )?
    .wall;
    let ui = Ui::start(&bench.smsmerge, &dir, gateway)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bytes = std::fs::read(book).with_context(|| format!("read {}", book.display()))?;
    let result = runtime.block_on(async {
        let page = Page::open(&ui.address).await?;
        let started = Instant::now();
        page.post("/upload?name=book.xlsx", "application/octet-stream", bytes)
            .await?
            .expect_redirect("/")?;
        page.get("/").await?.expect_html("id=\"choices\"")?;
        let upload = started.elapsed();

        let choices = format!(
            "sender={}&source=column&message_column=Message",
            crate::SENDER
        );
        let started = Instant::now();
        page.post("/check", FORM, choices.into_bytes())
            .await?
            .expect_redirect("/check")?;
        page.get("/check").await?.expect_html("id=\"totals\"")?;
        let check = started.elapsed();
        eprintln!(
            "   page: upload {:.2} s, check {:.2} s",
            upload.as_secs_f64(),
            check.as_secs_f64()
        );

        let pages = rows.div_ceil(100).max(1);
        let mut fetched = Vec::new();
        for i in 0..PAGE_FETCHES {
            let n = (pages - 1) * (i + 1) / PAGE_FETCHES;
            let started = Instant::now();
            page.get(&format!("/check?status=&page={n}"))
                .await?
                .expect_html("id=\"rows\"")?;
            fetched.push(started.elapsed());
        }
        let mut counted = Vec::new();
        for i in 0..COUNTER_CALLS {
            let typed = &TYPED[..TYPED.len() - COUNTER_CALLS + i + 1];
            let asked = serde_json::json!({ "template": typed, "gsm_substitute": false });
            let started = Instant::now();
            let answer = page
                .post("/count", "application/json", asked.to_string().into_bytes())
                .await?;
            let answer: serde_json::Value = serde_json::from_str(&answer.ok()?)?;
            counted.push(started.elapsed());
            if answer["rows"].as_array().is_none_or(Vec::is_empty) {
                bail!("the counter answered {answer}");
            }
        }
        let (updates, updates_span) = progress(&page, rows).await?;
        anyhow::Ok(PageResult {
            rows,
            dry_run,
            upload,
            check,
            rows_page: median(fetched),
            counter: median(counted),
            updates,
            updates_span,
        })
    })?;
    drop(ui);
    std::fs::remove_dir_all(&dir).ok();
    Ok(result)
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Starts the send (the account of the environment, as the page's "real account" with
/// nothing typed), answers its question yes, and counts the progress events received while
/// messages are still going out: how many, and the time from the first to the last.
async fn progress(page: &Page, rows: usize) -> Result<(usize, Duration)> {
    page.post("/send", FORM, b"mode=real".to_vec())
        .await?
        .expect_redirect("/send")?;
    let mut events = page.request(reqwest::Method::GET, "/events").send().await?;
    let mut buffer = String::new();
    let mut answered = false;
    let mut sending: Vec<Instant> = Vec::new();
    let started = Instant::now();
    while let Some(chunk) = events.chunk().await? {
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) else {
                continue; // a keep-alive comment
            };
            let live: serde_json::Value = serde_json::from_str(data.trim())?;
            match live["phase"].as_str() {
                Some("confirm") if !answered => {
                    answered = true;
                    page.post("/confirm", FORM, b"yes=true".to_vec())
                        .await?
                        .expect_status(204)?;
                }
                Some("sending") if live["done"].as_u64() < Some(rows as u64) => sending.push(now),
                Some("failed") => bail!("the page's send failed: {}", live["error"]),
                _ => {}
            }
        }
    }
    let span = match (sending.first(), sending.last()) {
        (Some(first), Some(last)) => *last - *first,
        _ => Duration::ZERO,
    };
    eprintln!(
        "   page: {} progress events over {:.2} s of sending ({:.2} s in all)",
        sending.len(),
        span.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok((sending.len(), span))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// `smsmerge ui` in its own process on a free port, killed when dropped.
struct Ui {
    child: Child,
    /// The printed address, with its token.
    address: String,
}

impl Ui {
    fn start(smsmerge: &Path, folder: &Path, gateway: &str) -> Result<Ui> {
        let mut child = Command::new(smsmerge)
            .arg("ui")
            .arg(folder)
            .args(["--no-open", "--port", "0"])
            .env("OTSMS_BASE_URL", gateway)
            .env("OTSMS_UID", "1000")
            .env("OTSMS_USERNAME", "demo")
            .env("OTSMS_PASSWORD", "demo")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("start smsmerge ui")?;
        let mut lines = std::io::BufReader::new(child.stderr.take().context("no stderr")?).lines();
        let address = lines.by_ref().map_while(Result::ok).find_map(|l| {
            l.split("the page is at ")
                .nth(1)
                .map(|a| a.trim().to_owned())
        });
        // Keep draining, so the page never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        match address {
            Some(address) => Ok(Ui { child, address }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("smsmerge ui printed no address")
            }
        }
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A session with the page, as the browser holds it.
struct Page {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT`.
    origin: String,
    cookie: String,
    csrf: String,
}

impl Page {
    /// Opens the printed address: its token becomes the session cookie (the 303 that sets
    /// it), and the first page gives the CSRF token.
    async fn open(address: &str) -> Result<Page> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(600))
            .build()?;
        let origin = address
            .split("/?")
            .next()
            .context("an address without a path")?
            .to_owned();
        let first = http.get(address).send().await?;
        let cookie = first
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|c| c.to_str().ok())
            .and_then(|c| c.split(';').next())
            .context("the address set no cookie")?
            .to_owned();
        let mut page = Page {
            http,
            origin,
            cookie,
            csrf: String::new(),
        };
        let html = page.get("/").await?.ok()?;
        page.csrf = html
            .split("<meta name=\"csrf\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .context("no CSRF token in the page")?
            .to_owned();
        Ok(page)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.origin))
            .header(reqwest::header::COOKIE, &self.cookie)
    }

    async fn get(&self, path: &str) -> Result<Answer> {
        Answer::read(path, self.request(reqwest::Method::GET, path).send().await?).await
    }

    /// A change, as the page's script makes it: same Origin, CSRF token.
    async fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> Result<Answer> {
        let sent = self
            .request(reqwest::Method::POST, path)
            .header(reqwest::header::ORIGIN, &self.origin)
            .header("x-csrf-token", &self.csrf)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await?;
        Answer::read(path, sent).await
    }
}

/// An answer read to its end.
struct Answer {
    path: String,
    status: u16,
    location: Option<String>,
    body: String,
}

impl Answer {
    async fn read(path: &str, response: reqwest::Response) -> Result<Answer> {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await?;
        Ok(Answer {
            path: path.to_owned(),
            status,
            location,
            body,
        })
    }

    fn expect_status(self, status: u16) -> Result<Answer> {
        if self.status != status {
            bail!(
                "{} answered {} (expected {status}): {}",
                self.path,
                self.status,
                self.body.chars().take(300).collect::<String>()
            );
        }
        Ok(self)
    }

    /// The body of a 200.
    fn ok(self) -> Result<String> {
        Ok(self.expect_status(200)?.body)
    }

    /// A 303 to `to`.
    fn expect_redirect(self, to: &str) -> Result<()> {
        let answer = self.expect_status(303)?;
        if answer.location.as_deref() != Some(to) {
            bail!("{} went to {:?}, not {to}", answer.path, answer.location);
        }
        Ok(())
    }

    /// A whole HTML page holding `marker`.
    fn expect_html(self, marker: &str) -> Result<()> {
        let path = self.path.clone();
        let body = self.ok()?;
        if !body.contains(marker) || !body.trim_end().ends_with("</html>") {
            bail!("{path}: no {marker} in a whole page");
        }
        Ok(())
    }
}

/// The report's section, with the targets of the specification.
pub fn report(r: &PageResult) -> String {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let verdict = |met: bool| if met { "met" } else { "missed" };
    let ratio = r.first_screen().as_secs_f64() / r.dry_run.as_secs_f64();
    let rate = r.updates_per_second();
    let mut text = format!(
        "\n## The page ({} rows; `smsmerge ui` in its own process, driven over HTTP)\n\n",
        crate::count(r.rows)
    );
    text.push_str("| measure | measured | target | |\n| --- | ---: | --- | --- |\n");
    text.push_str(&format!(
        "| check's first screen: upload + workbook step ({}) + check + check page ({}) | {} = {ratio:.2}× the dry run ({}) | ≤ 1.5× `send --dry-run` | {} |\n",
        crate::secs(r.upload),
        crate::secs(r.check),
        crate::secs(r.first_screen()),
        crate::secs(r.dry_run),
        verdict(ratio <= 1.5)
    ));
    text.push_str(&format!(
        "| a page of rows (`GET /check?page=N`, median of {PAGE_FETCHES}) | {} | ≤ 50 ms | {} |\n",
        ms(r.rows_page),
        verdict(r.rows_page <= Duration::from_millis(50))
    ));
    text.push_str(&format!(
        "| the counter's answer (`POST /count`, median of {COUNTER_CALLS}) | {} | ≤ 100 ms | {} |\n",
        ms(r.counter),
        verdict(r.counter <= Duration::from_millis(100))
    ));
    text.push_str(&format!(
        "| progress updates while sending (`GET /events`) | {rate:.1}/s ({} over {}) | 2–10/s | {} |\n",
        r.updates,
        crate::secs(r.updates_span),
        verdict(r.updates >= 2 && (2.0..=10.0).contains(&rate))
    ));
    text
}
