//! The page's guarantees, each tested in-process through the router (no port, no browser):
//! the Host check, the token and its cookie, Origin and CSRF on changes, escaped cells, the
//! upload limit and names, the headers of every answer, the private temporary folder, and
//! the password in no answer. The browser's own tests are in `tests/ui.rs`.

use super::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PORT: u16 = 4321;
const HOST: &str = "127.0.0.1:4321";
const ORIGIN: &str = "http://127.0.0.1:4321";

struct Page {
    session: Arc<Session>,
    folder: tempfile::TempDir,
}

impl Page {
    fn new() -> Page {
        Page::with(1 << 20, None)
    }

    fn with(max_upload: usize, config: Option<PathBuf>) -> Page {
        let folder = tempfile::tempdir().unwrap();
        let session =
            Arc::new(Session::new(folder.path().to_owned(), PORT, config, max_upload).unwrap());
        Page { session, folder }
    }

    fn cookie(&self) -> String {
        format!("{}={}", guard::COOKIE, self.session.token)
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = router(Arc::clone(&self.session))
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let request = Request::get(path)
            .header("host", HOST)
            .header("cookie", self.cookie())
            .body(Body::empty())
            .unwrap();
        self.call(request).await
    }

    /// A change as the page makes it: cookie, same Origin, CSRF token.
    async fn post(&self, path: &str, body: impl Into<Body>) -> (StatusCode, HeaderMap, String) {
        let request = Request::post(path)
            .header("host", HOST)
            .header("cookie", self.cookie())
            .header("origin", ORIGIN)
            .header("x-csrf-token", &self.session.csrf)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into())
            .unwrap();
        self.call(request).await
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> (StatusCode, HeaderMap, String) {
        let path = format!(
            "/upload?name={}",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        );
        self.post(&path, bytes).await
    }
}

fn assert_protected(headers: &HeaderMap) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_request_for_another_host_is_refused() {
    let page = Page::new();
    for host in ["evil.example:4321", "127.0.0.1:80", "localhost"] {
        let request = Request::get("/")
            .header("host", host)
            .header("cookie", page.cookie())
            .body(Body::empty())
            .unwrap();
        let (status, headers, _) = page.call(request).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_protected(&headers);
    }
    let request = Request::get("/")
        .header("host", "localhost:4321")
        .header("cookie", page.cookie())
        .body(Body::empty())
        .unwrap();
    assert_eq!(page.call(request).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_the_token_nothing_is_shown() {
    let page = Page::new();
    for path in [
        "/",
        "/check",
        "/results",
        "/runs",
        "/download/check",
        "/assets/app.js",
    ] {
        let request = Request::get(path)
            .header("host", HOST)
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = page.call(request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!body.contains(&page.session.csrf));
        assert_protected(&headers);
    }
    let request = Request::get("/?token=0123")
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    assert_eq!(page.call(request).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_printed_token_becomes_a_strict_http_only_cookie() {
    let page = Page::new();
    let request = Request::get(format!("/?token={}&lang=ar", page.session.token))
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = page.call(request).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with(&page.cookie()), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    // The token leaves the address bar (and the history).
    assert_eq!(headers["location"], "/?lang=ar");
    let (status, _, body) = page.get("/?lang=ar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("dir=\"rtl\""));
    assert!(!body.contains(&page.session.token));
}

#[tokio::test]
async fn a_change_from_another_origin_or_without_the_csrf_token_is_refused() {
    let page = Page::new();
    std::fs::write(
        page.folder.path().join("list.csv"),
        "phone,message\n96170123456,hi\n",
    )
    .unwrap();
    let attempts = [
        (Some("http://evil.example"), Some(page.session.csrf.clone())),
        (
            Some("http://127.0.0.1:4321.evil.example"),
            Some(page.session.csrf.clone()),
        ),
        (None, Some(page.session.csrf.clone())),
        (Some(ORIGIN), None),
        (Some(ORIGIN), Some("0".repeat(32))),
    ];
    for (origin, csrf) in attempts {
        for path in ["/pick", "/send", "/stop", "/upload?name=x.csv"] {
            let mut request = Request::post(path)
                .header("host", HOST)
                .header("cookie", page.cookie())
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            if let Some(csrf) = &csrf {
                request = request.header("x-csrf-token", csrf);
            }
            let (status, headers, _) = page
                .call(
                    request
                        .body(Body::from("name=list.csv&mode=simulate"))
                        .unwrap(),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} {origin:?} {csrf:?}");
            assert_protected(&headers);
        }
    }
    assert!(page.session.state().book.is_none(), "nothing was opened");
    // The same change from the page itself goes through.
    let (status, _, _) = page.post("/pick", "name=list.csv").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(page.session.state().book.is_some());
}

#[tokio::test]
async fn markup_in_a_cell_shows_as_text() {
    let page = Page::new();
    let csv = "phone,name,message\n\
               96170123456,<script>alert(1)</script>,Hi {{name}}\n\
               96170123457,<img src=x onerror=alert(2)>,Hi {{name}}\n";
    let (status, _, _) = page.upload("<b>list<b>.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, first) = page.get("/").await;
    let (status, _, _) = page
        .post("/check", "source=column&message_column=message&sender=INFO")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, headers, check) = page.get("/check").await;
    assert_protected(&headers);
    for body in [&first, &check] {
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(!body.contains("<img src=x"), "{body}");
        assert!(!body.contains("<b>list"), "{body}");
    }
    assert!(check.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(check.contains("&lt;img src=x onerror=alert(2)&gt;"));
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_not_kept() {
    let page = Page::with(1000, None);
    let (status, _, _) = page.upload("big.csv", vec![b'1'; 5000]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let uploads = page.session.temp_dir().join("uploads");
    assert_eq!(std::fs::read_dir(uploads).unwrap().count(), 0);
}

#[tokio::test]
async fn an_upload_named_with_a_path_cannot_leave_the_private_folder() {
    let page = Page::new();
    let outside = page.folder.path().join("escaped.csv");
    let name = format!("../../{}", outside.display());
    for name in [
        name.as_str(),
        "../escaped.csv",
        "..\\escaped.csv",
        "/tmp/escaped.csv",
    ] {
        let (status, _, _) = page.upload(name, b"phone\n1\n".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
    }
    assert!(!outside.exists());
    assert!(
        !page
            .session
            .temp_dir()
            .parent()
            .unwrap()
            .join("escaped.csv")
            .exists()
    );
    // A file outside the folder cannot be picked either.
    let (status, _, _) = page.post("/pick", "name=../escaped.csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_renamed_document_shows_the_one_line_error() {
    let page = Page::new();
    let docx = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(&mut zip, b"<w:document/>").unwrap();
        zip.finish().unwrap().into_inner()
    };
    page.upload("letter.xlsx", docx).await;
    let (_, _, body) = page.get("/").await;
    let error = body
        .split("id=\"book-error\" dir=\"auto\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap();
    assert!(error.contains("letter.xlsx"), "{error}");
    assert!(!error.contains('\n'));
}

#[test]
fn the_private_folder_is_the_owner_s_only_and_removed_at_the_end() {
    let folder = tempfile::tempdir().unwrap();
    let session = Session::new(folder.path().to_owned(), PORT, None, 1000).unwrap();
    let temp = session.temp_dir().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&temp).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    std::fs::write(temp.join("uploads").join("a.csv"), "x").unwrap();
    drop(session);
    assert!(!temp.exists());
}

/// Waits (for the send's notifications, not for a time) until it reaches `phase`.
async fn wait_for(sending: &sending::Sending, phase: sending::Phase) {
    sending.wait_until(|now| now == phase).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_appears_in_no_answer_and_no_file() {
    const PASSWORD: &str = "Pa55-w0rd-kept-in-memory";
    let sim = crate::gateway::simulator::SimulatorConfig {
        accounts: vec![format!("1000:demo:{PASSWORD}").parse().unwrap()],
        ..Default::default()
    };
    let simulator =
        crate::gateway::simulator::Simulator::start(sim, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("smsmerge.toml");
    std::fs::write(&config, format!("base_url = \"{}\"\n", simulator.url())).unwrap();
    let page = Page::with(1 << 20, Some(config));
    std::fs::write(
        page.folder.path().join("list.csv"),
        "phone,message\n96170123456,hello\n96170123457,hello\n",
    )
    .unwrap();
    let mut bodies = Vec::new();
    bodies.push(page.post("/pick", "name=list.csv").await.2);
    bodies.push(
        page.post("/check", "source=column&message_column=message&sender=INFO")
            .await
            .2,
    );
    let form = format!("mode=real&uid=1000&username=demo&password={PASSWORD}");
    let (status, _, body) = page.post("/send", form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    bodies.push(body);
    let sending = page.session.state().send.clone().unwrap();
    wait_for(&sending, sending::Phase::Confirm).await;
    bodies.push(page.get("/send").await.2);
    page.post("/confirm", "yes=true").await;
    sending.wait().await;
    assert_eq!(
        sending.phase(),
        sending::Phase::Finished,
        "{:?}",
        sending.error()
    );
    for path in [
        "/",
        "/check",
        "/events",
        "/results",
        "/runs",
        "/download/check",
        "/download/results",
    ] {
        let (status, _, body) = page.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        bodies.push(body);
    }
    assert!(bodies.iter().any(|b| b.contains("SENT")));
    for body in &bodies {
        assert!(!body.contains(PASSWORD), "{body}");
    }
    for entry in std::fs::read_dir(page.folder.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(PASSWORD));
    }
    assert_eq!(simulator.accepted(), 2);
    simulator.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_before_the_answer_sends_nothing_and_says_so() {
    let page = Page::new();
    std::fs::write(
        page.folder.path().join("list.csv"),
        "phone,message\n96170123456,hello\n",
    )
    .unwrap();
    page.post("/pick", "name=list.csv").await;
    page.post("/check", "source=column&message_column=message&sender=INFO")
        .await;
    page.post("/send", "mode=simulate").await;
    let sending = page.session.state().send.clone().unwrap();
    wait_for(&sending, sending::Phase::Confirm).await;
    assert!(sending.question().unwrap().starts_with("Send 1 message"));
    page.post("/stop", "").await;
    sending.wait().await;
    // Stop at the question is Ctrl-C at `send`'s prompt: nothing sent, exit 130, no results.
    assert_eq!(sending.phase(), sending::Phase::Finished);
    let (_, _, results) = page.get("/results").await;
    assert!(
        results.contains("interrupted before the first message: nothing was sent"),
        "{results}"
    );
    assert!(!results.contains("download-results"), "{results}");
}

#[test]
fn stop_pressed_while_the_send_is_prepared_is_kept_for_the_job() {
    // Before the job exists (the workbook being read and planned again) there is no stop
    // handle yet; the press must not be lost, or the question would come after it.
    let checked = Arc::new(check::Checked {
        plan: crate::plan::Plan {
            rows: Vec::new(),
            message: None,
        },
        outcomes: Vec::new(),
        totals: Default::default(),
        cost: String::new(),
        over_budget: None,
        choices: choices::Choices::default(),
        results: PathBuf::new(),
    });
    let sending = sending::Sending::new(checked, sending::SendForm::default());
    sending.stop();
    let handle = Arc::new(crate::dispatch::stop::Stop::new());
    sending.attach_stop(Arc::clone(&handle));
    assert_eq!(
        handle.get(),
        Some(&crate::dispatch::stop::StopReason::Interrupted)
    );
}
