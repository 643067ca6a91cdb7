//! `smsmerge ui` in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against the real binary. Each step saves a screenshot under `target/ui-shots/`.
//!
//! Without Chromium and chromedriver the test says so in one line and passes, except in CI
//! (`CI=true`), where it fails: `.ci/run` installs them. Every wait is for something the page
//! shows, never for a duration.

mod common;

use common::held::{Accepting, HeldGateway};
use common::{Results, Workdir};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// Any account: the held gateway does not check it.
const ACCOUNT: [(&str, &str); 3] = [
    ("OTSMS_UID", "7"),
    ("OTSMS_USERNAME", "office"),
    ("OTSMS_PASSWORD", "pw-7"),
];

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The browser's programs, or `None` (with the note printed) when they are missing outside CI.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |name: &str| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
    };
    match (find("chromium"), find("chromedriver")) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI needs chromium and chromedriver for the page's browser tests")
        }
        _ => {
            eprintln!("skipped: chromium and chromedriver are not installed");
            None
        }
    }
}

/// Starts a program and returns it with the first line of its output that holds `wanted`.
fn start_and_read(mut command: Command, stderr: bool, wanted: &str) -> (Killed, String) {
    if stderr {
        command.stderr(Stdio::piped()).stdout(Stdio::null());
    } else {
        command.stdout(Stdio::piped()).stderr(Stdio::null());
    }
    let mut child = command.spawn().expect("start");
    let out: Box<dyn std::io::Read + Send> = if stderr {
        Box::new(child.stderr.take().unwrap())
    } else {
        Box::new(child.stdout.take().unwrap())
    };
    let mut lines = BufReader::new(out).lines();
    let line = lines
        .by_ref()
        .map(|l| l.expect("read"))
        .find(|l| l.contains(wanted))
        .unwrap_or_else(|| panic!("no line with {wanted:?}"));
    // Keep draining, so a full pipe never blocks the program.
    std::thread::spawn(move || for _ in lines {});
    (Killed(child), line)
}

/// Saves a screenshot of the page as `target/ui-shots/NAME.png`.
async fn shot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ui-shots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The element, once the page shows it (WebDriver's own wait, polled by the driver).
/// When it never comes, the page as it is is saved as `target/ui-shots/failed.png`.
async fn shown(client: &Client, css: &str) -> Element {
    let found = client
        .wait()
        .at_most(std::time::Duration::from_secs(60))
        .for_element(Locator::Css(css))
        .await;
    match found {
        Ok(element) => element,
        Err(error) => {
            shot(client, "failed").await;
            let source = client.source().await.unwrap_or_default();
            panic!("{css}: {error}; the page was:\n{source}")
        }
    }
}

/// `smsmerge ui` with headless Chromium driving it over chromedriver; both programs end
/// when it is dropped.
struct Browser {
    client: Client,
    /// The printed address, with its token.
    address: String,
    _page: Killed,
    _driver: Killed,
}

impl Browser {
    /// Starts `page` (an `smsmerge ui` command with `--no-open`) and a browser on it.
    async fn start(page: Command, chromium: &Path, driver: &Path) -> Browser {
        let (page, line) = start_and_read(page, true, "the page is at ");
        let address = line
            .split("the page is at ")
            .nth(1)
            .unwrap()
            .trim()
            .to_owned();

        let mut chromedriver = Command::new(driver);
        chromedriver.arg("--port=0");
        let (driver, line) =
            start_and_read(chromedriver, false, "was started successfully on port");
        let port: u16 = line
            .rsplit("on port ")
            .next()
            .and_then(|p| p.trim_end_matches('.').trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));

        let mut args = vec!["--headless=new", "--disable-gpu", "--window-size=1100,1000"];
        // Chromium refuses to run as root inside its sandbox (CI containers run as root).
        if nix_root() {
            args.push("--no-sandbox");
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({ "binary": chromium, "args": args }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("connect to chromedriver");
        Browser {
            client,
            address,
            _page: page,
            _driver: driver,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_is_checked_sent_to_the_simulator_and_shown_in_arabic() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let book = folder.path().join("customers.xlsx");
    std::fs::copy(samples.join("customers.xlsx"), &book).unwrap();

    let mut page = Command::new(env!("CARGO_BIN_EXE_smsmerge"));
    page.arg("ui").arg(folder.path()).arg("--no-open");
    let browser = Browser::start(page, &chromium, &driver).await;
    let (client, address) = (browser.client.clone(), browser.address.clone());

    // The printed address with its token opens the page.
    client.goto(&address).await.unwrap();
    shown(&client, "#workbook").await;
    shot(&client, "01-start").await;

    // A document renamed to .xlsx: send's one-line error, in the page.
    let letter = folder.path().join("letter.xlsx");
    std::fs::write(&letter, renamed_document()).unwrap();
    let input = shown(&client, "#file").await;
    input.send_keys(letter.to_str().unwrap()).await.unwrap();
    let error = shown(&client, "#book-error").await.text().await.unwrap();
    assert!(
        error.contains("letter.xlsx") && !error.contains('\n'),
        "{error}"
    );
    shot(&client, "02-not-a-workbook").await;

    // The workbook, chosen as a file: the page uploads it and shows its header.
    let input = shown(&client, "#file").await;
    input.send_keys(book.to_str().unwrap()).await.unwrap();
    shown(&client, "#choices").await;
    let sender = shown(&client, "#sender").await;
    sender.clear().await.unwrap();
    sender.send_keys("SMSMERGE").await.unwrap();
    shot(&client, "03-workbook").await;

    // The counter while typing: 160 letters are one GSM-7 segment, the 161st makes two, and
    // an Arabic letter makes the message UCS-2.
    let typed = shown(&client, "input[name=source][value=typed]").await;
    typed.click().await.unwrap();
    let template = shown(&client, "#template").await;
    template.send_keys(&"a".repeat(160)).await.unwrap();
    shown(&client, "#count-0[data-segments='1'][data-encoding*='GSM']").await;
    template.send_keys("a").await.unwrap();
    shown(&client, "#count-0[data-segments='2'][data-encoding*='GSM']").await;
    template.send_keys("\u{0645}").await.unwrap();
    shown(&client, "#count-0[data-encoding*='UCS']").await;
    client
        .execute(
            "document.getElementById('counter').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    shot(&client, "04-counter").await;
    // Back to each row's own message for the check and the send.
    template.clear().await.unwrap();
    let column = shown(&client, "input[name=source][value=column]").await;
    column.click().await.unwrap();

    // The check: send --dry-run's totals.
    shown(&client, "#check-button").await.click().await.unwrap();
    shown(&client, "#totals").await;
    let dry = dry_run(&samples.join("customers.xlsx"), "SMSMERGE");
    let numbers = |id: &'static str| {
        let client = client.clone();
        async move {
            let text = shown(&client, &format!("[id='total-{id}'] td"))
                .await
                .text()
                .await
                .unwrap();
            numbers_in(&text)
        }
    };
    let segments = &dry["segments"];
    assert_eq!(
        numbers("send").await,
        [
            dry["messages"].as_u64().unwrap(),
            segments["total"].as_u64().unwrap()
        ]
    );
    for encoding in ["gsm7", "ucs2"] {
        let e = &segments[encoding];
        assert_eq!(
            numbers(encoding).await,
            [
                e["messages"].as_u64().unwrap(),
                e["segments"].as_u64().unwrap()
            ],
            "{encoding}"
        );
    }
    for (status, count) in dry["statuses"].as_object().unwrap() {
        let count = count.as_u64().unwrap();
        let css = format!("#total-{} td", status.replace(' ', "-"));
        let shown_count = match client.find(Locator::Css(&css)).await {
            Ok(cell) => numbers_in(&cell.text().await.unwrap()),
            Err(_) => vec![0],
        };
        assert_eq!(shown_count, [count], "{status}");
    }
    shot(&client, "05-check").await;

    // The send, to the simulator: the question is send's, then the progress to the end.
    shown(&client, "#mode-simulate")
        .await
        .click()
        .await
        .unwrap();
    shown(&client, "#send-button").await.click().await.unwrap();
    let question = shown(&client, "#question:not([hidden]) #question-text").await;
    let asked = question.text().await.unwrap();
    assert!(asked.starts_with("Send "), "{asked}");
    assert!(asked.contains("built-in simulator"), "{asked}");
    shot(&client, "06-question").await;
    shown(&client, "#yes").await.click().await.unwrap();

    // At the end the page moves to the results: counts, and the same workbook send writes.
    let summary = shown(&client, "#summary").await.text().await.unwrap();
    assert!(summary.contains("SENT"), "{summary}");
    shown(&client, "#download-results").await;
    shot(&client, "07-results").await;

    // The results workbook, downloaded from the page with its session: row for row the
    // statuses `send --simulate` gives the same workbook.
    let downloaded = folder.path().join("downloaded.xlsx");
    std::fs::write(&downloaded, download(&client, "download-results").await).unwrap();
    let simulated = simulate(&samples.join("customers.xlsx"), "SMSMERGE");
    let statuses = Results::read(&downloaded).statuses();
    assert!(statuses.iter().any(|s| s == "SENT"), "{statuses:?}");
    assert_eq!(
        statuses,
        Results::read(&simulated.path().join(&simulated.results)).statuses()
    );

    // The Arabic interface is laid out right to left.
    shown(&client, "#lang").await.click().await.unwrap();
    let html = client
        .wait()
        .for_element(Locator::Css("html[dir=rtl]"))
        .await
        .expect("the Arabic page is right to left");
    assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("ar"));
    shot(&client, "08-results-arabic").await;
    let base = address.split("/?").next().unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    shown(&client, "html[dir=rtl] #workbook").await;
    shot(&client, "09-start-arabic").await;

    client.close().await.unwrap();
}

/// Rows of the stop-and-resume workbook, and the requests the page keeps in flight for it
/// (its config file's `concurrency`).
const ROWS: usize = 12;
const IN_FLIGHT: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_stopped_mid_way_resumes_and_sends_nothing_twice() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let wd = Workdir::new();
    let book = wd.numbered_book(ROWS);
    // A gateway that holds each request until the test answers it, found as `send` finds one:
    // the account and the address in the environment.
    let gateway = Arc::new(HeldGateway::start("1000"));
    let config = wd.file("smsmerge.toml", format!("concurrency = {IN_FLIGHT}\n"));
    let mut page = wd.process();
    page.arg("ui")
        .arg(wd.path(""))
        .arg("--no-open")
        .arg("--config")
        .arg(&config)
        .env("OTSMS_BASE_URL", &gateway.url)
        .envs(ACCOUNT);
    let browser = Browser::start(page, &chromium, &driver).await;
    let client = &browser.client;
    client.goto(&browser.address).await.unwrap();

    // The workbook, checked, sent with the account of the environment.
    let input = shown(client, "#file").await;
    input.send_keys(book.to_str().unwrap()).await.unwrap();
    let sender = shown(client, "#sender").await;
    sender.clear().await.unwrap();
    sender.send_keys("OTSMS").await.unwrap();
    shown(client, "#check-button").await.click().await.unwrap();
    shown(client, "#totals").await;
    shown(client, "#mode-real").await.click().await.unwrap();
    shown(client, "#send-button").await.click().await.unwrap();
    let question = shown(client, "#question:not([hidden]) #question-text").await;
    let asked = question.text().await.unwrap();
    assert!(
        asked.starts_with(&format!("Send {ROWS} messages")),
        "{asked}"
    );
    shown(client, "#yes").await.click().await.unwrap();

    // Three answered; Stop while the fourth is held, unanswered.
    const ANSWERED: usize = 3;
    let held_gateway = Arc::clone(&gateway);
    let (mut sent, held) = tokio::task::spawn_blocking(move || {
        let answered: Vec<String> = (0..ANSWERED)
            .map(|_| {
                let held = held_gateway.next();
                let recipient = held.recipient.clone();
                held.accept();
                recipient
            })
            .collect();
        (answered, held_gateway.next())
    })
    .await
    .unwrap();
    shown(client, "#stop").await.click().await.unwrap();
    // The page says so once the server has the stop, and Stop cannot be pressed again.
    shown(client, "#stopping:not([hidden])").await;
    shown(client, "#stop:disabled").await;
    shot(client, "10-stopping").await;

    // The requests in flight get their answer; none starts after the stop.
    sent.push(held.recipient.clone());
    let first = sent.clone();
    let accepting = Accepting::start(Arc::clone(&gateway));
    held.accept();
    shown(client, "#resume").await;
    sent.extend(accepting.so_far());
    assert!(
        sent.len() <= ANSWERED + IN_FLIGHT,
        "requests started after the stop: {sent:?}"
    );
    let count = |status: &'static str| async move {
        let css = format!("#result-{} td", status.replace(' ', "-"));
        match client.find(Locator::Css(&css)).await {
            Ok(cell) => numbers_in(&cell.text().await.unwrap())[0],
            Err(_) => 0,
        }
    };
    assert_eq!(count("SENT").await, sent.len() as u64);
    assert_eq!(count("NOT SENT").await, (ROWS - sent.len()) as u64);
    // NOT SENT in its own colour, not SENT's.
    shown(client, "#result-NOT-SENT th.NOT-SENT:not(.SENT)").await;
    let stopped = shown(client, "#stopped").await.text().await.unwrap();
    assert!(stopped.contains("interrupted"), "{stopped}");
    // The page's own words, with its Resume button, not the command line's.
    let page = client.source().await.unwrap();
    assert!(!page.contains("run the same command again"), "{page}");
    shot(client, "11-stopped").await;

    // Resume, from the Arabic page: the question again, for the rest only, then the end.
    shown(client, "#lang").await.click().await.unwrap();
    shown(client, "html[dir=rtl] #resume").await;
    shot(client, "12-stopped-arabic").await;
    shown(client, "#resume").await.click().await.unwrap();
    let question = shown(client, "#question:not([hidden]) #question-text").await;
    let asked = question.text().await.unwrap();
    let rest = ROWS - sent.len();
    assert!(
        asked.starts_with(&format!("Send {rest} message")),
        "{asked}"
    );
    shown(client, "#yes").await.click().await.unwrap();
    shown(client, "html[dir=rtl] #summary").await;
    assert!(client.find(Locator::Css("#resume")).await.is_err());
    assert_eq!(count("SENT").await, ROWS as u64);
    shot(client, "13-resumed-arabic").await;

    // From the gateway's side: every recipient got exactly one message.
    let mut recipients = first;
    recipients.extend(accepting.finish());
    recipients.sort();
    let mut expected: Vec<String> = (0..ROWS).map(|i| format!("9617{i:07}")).collect();
    expected.sort();
    assert_eq!(recipients, expected, "each recipient exactly once");
    assert_eq!(
        Results::read(&wd.results("book")).statuses(),
        ["SENT"; ROWS]
    );
    client.clone().close().await.unwrap();
}

/// Whether the test runs as root.
fn nix_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// A Word document (a zip with `word/document.xml`), as a renamed .docx is.
fn renamed_document() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut zip, b"<w:document/>").unwrap();
    zip.finish().unwrap().into_inner()
}

/// `send MODE --json` on a copy of `book` in a folder of its own: the folder (kept while the
/// value lives) and the JSON report.
fn send_copy(book: &Path, mode: &str, sender: &str) -> (tempfile::TempDir, serde_json::Value) {
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join(book.file_name().unwrap());
    std::fs::copy(book, &copy).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_smsmerge"))
        .args(["send", mode, "--yes", "--json", "--sender", sender])
        .arg(&copy)
        .current_dir(folder.path())
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (folder, report)
}

/// `send --dry-run --json`'s report on a copy of `book`.
fn dry_run(book: &Path, sender: &str) -> serde_json::Value {
    send_copy(book, "--dry-run", sender).1
}

/// The results workbook `send --simulate` writes for a copy of `book`.
struct Simulated {
    folder: tempfile::TempDir,
    /// Its name in the folder.
    results: PathBuf,
}

impl Simulated {
    fn path(&self) -> &Path {
        self.folder.path()
    }
}

/// `send --simulate` on a copy of `book`, keeping its results workbook.
fn simulate(book: &Path, sender: &str) -> Simulated {
    let (folder, report) = send_copy(book, "--simulate", sender);
    let results = PathBuf::from(report["results"].as_str().expect("a results path"));
    Simulated { folder, results }
}

/// The file a link on the page points at, fetched by the page itself (so with its session
/// cookie), as bytes.
async fn download(client: &Client, link: &str) -> Vec<u8> {
    let script = "const [id, done] = arguments;
        fetch(document.getElementById(id).href)
            .then(r => r.ok ? r.arrayBuffer() : Promise.reject('HTTP ' + r.status))
            .then(b => done(Array.from(new Uint8Array(b))), e => done(String(e)));";
    let answer = client
        .execute_async(script, vec![serde_json::json!(link)])
        .await
        .expect("run the download in the page");
    let bytes = answer
        .as_array()
        .unwrap_or_else(|| panic!("download of #{link}: {answer}"));
    bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect()
}

/// The whole numbers in a text, in order ("6 messages, 7 segments" gives 6 and 7).
fn numbers_in(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect()
}
