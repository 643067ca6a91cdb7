//! `smsmerge send` for real: the real binary sends generated workbooks to the
//! simulator (`smsmerge simulate` as a child process on 127.0.0.1, or `send --simulate`), and
//! every test checks both sides: what the simulator's log says arrived, and what the results
//! workbook says about every row. Every run that holds the account's password also checks
//! that the password appears in no output (stdout, stderr, the results, any file written).
//!
//! Nothing here leaves the machine: every gateway is on 127.0.0.1.

mod common;

use assert_cmd::Command;
use chrono::{DateTime, FixedOffset};
use common::{LogEntry, OURS, Results, ScriptedGateway, SimProcess, Workdir};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The account and the gateway's answers

const UID: &str = "4242";
const USERNAME: &str = "shop";
/// Distinctive, with characters that URL encoding changes, so a leak in either form is found.
const PASSWORD: &str = "S3cr3t-P@ss+&%";
/// The simulator account for `UID`, `USERNAME`, `PASSWORD`.
const ACCOUNT: &str = "4242:shop:S3cr3t-P@ss+&%";
/// A wrong password some tests send; it must not leak either.
const WRONG_PASSWORD: &str = "Wr0ng-P@ss+&%";

const WRONG_USERNAME_OR_PASSWORD: &str =
    "The Username wasn't found in our system or the password provided was wrong!";
const INVALID_CREDENTIAL: &str = "Invalid credential!";
const INVALID_CUSTOMER: &str = "Invalid customer!";
const INVALID_SENDER: &str = "Invalid Sender or not activated yet!";

// ---------------------------------------------------------------------------------------------
// Running smsmerge

/// What a run of the binary left.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

fn run(mut cmd: Command) -> Run {
    let started = Instant::now();
    let out = cmd.output().expect("run smsmerge");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        elapsed: started.elapsed(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// Runs the command and asserts its exit code.
#[track_caller]
fn expect_exit(cmd: Command, code: i32) -> Run {
    let run = run(cmd);
    assert_eq!(
        run.code,
        Some(code),
        "exit code; stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// `smsmerge send BOOK --base-url URL --yes ARGS...` with the account in the environment.
fn send(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = wd.command();
    cmd.arg("send")
        .arg(book)
        .args(["--base-url", url, "--yes"])
        .args(args)
        .env("OTSMS_UID", UID)
        .env("OTSMS_USERNAME", USERNAME)
        .env("OTSMS_PASSWORD", PASSWORD);
    cmd
}

/// `smsmerge send BOOK ARGS...` with neither account nor gateway given.
fn send_bare(wd: &Workdir, book: &Path, args: &[&str]) -> Command {
    let mut cmd = wd.command();
    cmd.arg("send").arg(book).args(args);
    cmd
}

/// The default results workbook of `BOOK.xlsx`.
fn results_of(wd: &Workdir, stem: &str) -> Results {
    let path = wd.path(&format!("{stem}.results.xlsx"));
    assert!(path.is_file(), "{} was not written", path.display());
    Results::read(&path)
}

/// The password in every form it could leak in: as is, and URL-encoded as in the query string.
fn secret_forms() -> Vec<String> {
    [PASSWORD, WRONG_PASSWORD]
        .iter()
        .flat_map(|p| {
            [
                (*p).to_owned(),
                url::form_urlencoded::byte_serialize(p.as_bytes()).collect(),
            ]
        })
        .collect()
}

/// Asserts that the password is in no output of these runs and in no file of the workdir
/// (every cell of a results workbook; the bytes of any other file), except the config and
/// password files the test wrote itself.
#[track_caller]
fn assert_secret_kept(wd: &Workdir, runs: &[&Run]) {
    let forms = secret_forms();
    for run in runs {
        for form in &forms {
            assert!(
                !run.stdout.contains(form.as_str()),
                "password on stdout:\n{}",
                run.stdout
            );
            assert!(
                !run.stderr.contains(form.as_str()),
                "password on stderr:\n{}",
                run.stderr
            );
        }
    }
    for name in wd.listing() {
        if name == "smsmerge.toml" || name == "password.txt" {
            continue;
        }
        let path = wd.path(&name);
        let texts = if name.ends_with(".results.xlsx") {
            Results::read(&path).all_text()
        } else {
            vec![String::from_utf8_lossy(&std::fs::read(&path).expect("read a file")).into_owned()]
        };
        for text in &texts {
            for form in &forms {
                assert!(!text.contains(form.as_str()), "password in {name}: {text}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Workbooks

/// A workbook with Phone and Message columns (the message is each row's template).
fn book(wd: &Workdir, name: &str, rows: &[(&str, &str)]) -> PathBuf {
    let mut all: Vec<Vec<&str>> = vec![vec!["Phone", "Message"]];
    all.extend(rows.iter().map(|(p, m)| vec![*p, *m]));
    let refs: Vec<&[&str]> = all.iter().map(Vec::as_slice).collect();
    wd.xlsx_rows(name, &refs)
}

/// `n` distinct one-segment GSM-7 messages to distinct numbers.
fn numbered_book(wd: &Workdir, name: &str, n: usize) -> PathBuf {
    let rows: Vec<(String, String)> = (0..n)
        .map(|i| (format!("+9617{i:07}"), format!("Message number {i}")))
        .collect();
    let refs: Vec<(&str, &str)> = rows.iter().map(|(p, m)| (p.as_str(), m.as_str())).collect();
    book(wd, name, &refs)
}

/// The recipients of `numbered_book`.
fn numbered_recipients(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("9617{i:07}")).collect()
}

/// Asserts a column of the results, every row.
#[track_caller]
fn assert_column(results: &Results, column: &str, expected: &[&str]) {
    assert_eq!(results.column(column), expected, "column {column:?}");
}

/// Log entries by recipient; asserts that no recipient arrived twice.
#[track_caller]
fn by_recipient(log: &[LogEntry]) -> HashMap<String, LogEntry> {
    let mut map = HashMap::new();
    for entry in log {
        let previous = map.insert(entry.recipient.clone(), entry.clone());
        assert!(
            previous.is_none(),
            "{} arrived twice: {log:?}",
            entry.recipient
        );
    }
    map
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// End to end

/// English, Arabic, an emoji, GSM-7 with characters URL encoding must get right (and `€`, an
/// extension character), an invalid number, a duplicate, and a two-segment message.
fn mixed_book(wd: &Workdir) -> PathBuf {
    let long = format!("{{{{Name}}}}: {}", "x".repeat(200));
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Message"],
            &["+9613123456", "Ali", "Hello {{Name}}, your order is ready."],
            &["+9613123457", "علي", "مرحبا {{Name}}، طلبك جاهز"],
            &["+9613123458", "Sam", "Party time 🎉 {{Name}}!"],
            &[
                "+9613123459",
                "Rana",
                "1+1 & #5 = 100% off\nnow only 5€, {{Name}}",
            ],
            &["12", "Bad", "Hi {{Name}}"],
            &["+9613123456", "Ali", "Hello {{Name}}, your order is ready."],
            &["+9613123460", "Long", &long],
        ],
    )
}

/// Row, Status, Detail, Recipient, Message, Encoding, Segments of `mixed_book` once sent.
fn mixed_expected() -> Vec<[String; 7]> {
    let long = format!("Long: {}", "x".repeat(200));
    [
        [
            "2",
            "SENT",
            "",
            "9613123456",
            "Hello Ali, your order is ready.",
            "GSM-7",
            "1",
        ],
        [
            "3",
            "SENT",
            "",
            "9613123457",
            "مرحبا علي، طلبك جاهز",
            "UCS-2",
            "1",
        ],
        [
            "4",
            "SENT",
            "",
            "9613123458",
            "Party time 🎉 Sam!",
            "UCS-2",
            "1",
        ],
        [
            "5",
            "SENT",
            "",
            "9613123459",
            "1+1 & #5 = 100% off\nnow only 5€, Rana",
            "GSM-7",
            "1",
        ],
        [
            "6",
            "INVALID",
            "12 is too short: 2 digits, but a number with its country code has 8 to 15",
            "",
            "Hi Bad",
            "GSM-7",
            "1",
        ],
        [
            "7",
            "DUPLICATE",
            "same recipient and message as row 2",
            "9613123456",
            "Hello Ali, your order is ready.",
            "GSM-7",
            "1",
        ],
        ["8", "SENT", "", "9613123460", &long, "GSM-7", "2"],
    ]
    .map(|row| row.map(str::to_owned))
    .to_vec()
}

/// Checks every row of a sent `mixed_book`, and that each Sent At falls within the run.
#[track_caller]
fn check_mixed_results(
    r: &Results,
    started: DateTime<FixedOffset>,
    finished: DateTime<FixedOffset>,
) {
    let mut headers = vec!["Row", "Phone", "Name", "Message (input)"];
    headers.extend(OURS);
    assert_eq!(r.headers, headers);
    let columns = [
        "Row",
        "Status",
        "Detail",
        "Recipient",
        "Message",
        "Encoding",
        "Segments",
    ];
    let actual: Vec<[String; 7]> = (0..r.rows.len())
        .map(|i| columns.map(|c| r.text(i, c)))
        .collect();
    assert_eq!(actual, mixed_expected());
    for i in 0..r.rows.len() {
        if r.status(i) == "SENT" {
            assert_eq!(r.text(i, "Attempts"), "1", "row {i}");
            // Sent At is a date-time cell in the run's zone, to the second.
            let at = common::excel_date_time(match r.cell(i, "Sent At") {
                calamine::Data::DateTime(serial) => serial.as_f64(),
                other => panic!("Sent At of row {i} is not a date-time cell: {other:?}"),
            });
            let (started, finished) = (started.naive_local(), finished.naive_local());
            assert!(
                at >= started - chrono::Duration::seconds(1)
                    && at <= finished + chrono::Duration::seconds(1),
                "Sent At {at} outside the run {started}..{finished}"
            );
        } else {
            for column in ["Attempts", "Sent At", "Gateway Reference"] {
                assert_eq!(r.text(i, column), "", "{column} of row {i}");
            }
        }
    }
}

fn now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

#[test]
fn end_to_end_through_the_built_in_simulator() {
    let wd = Workdir::new();
    let book = mixed_book(&wd);
    let started = now();
    let run = expect_exit(
        send_bare(&wd, &book, &["--sender", "OTSMS", "--simulate", "--yes"]),
        1,
    );
    let finished = now();
    let r = Results::read(&wd.simulated_results("book"));
    check_mixed_results(&r, started, finished);
    // No log from the in-process simulator, but it numbers what it accepts from 1.
    let references: BTreeSet<String> = (0..r.rows.len())
        .filter(|&i| r.status(i) == "SENT")
        .map(|i| r.text(i, "Gateway Reference"))
        .collect();
    let expected: BTreeSet<String> = (1..=5).map(|id| format!("OK: {id}")).collect();
    assert_eq!(references, expected);
    assert_eq!(
        r.summary_value("Mode").to_string(),
        "simulated: nothing left this machine"
    );
    assert_eq!(r.summary_value("Gateway").to_string(), "built-in simulator");
    assert_eq!(r.summary_value("Sender").to_string(), "OTSMS");
    assert_eq!(r.summary_value("Balance before").to_string(), "10000.00");
    assert_eq!(r.summary_value("Balance after").to_string(), "9994.00");
    assert_eq!(r.summary_value("Messages sent").to_string(), "5");
    assert!(
        run.stderr.contains("gateway       built-in simulator"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("sent 5, failed 0"), "{}", run.stderr);
}

#[test]
fn end_to_end_through_the_simulator_process() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let book = mixed_book(&wd);
    let started = now();
    let run = expect_exit(send(&wd, &book, &sim.url, &["--sender", "OTSMS"]), 1);
    let finished = now();
    let r = results_of(&wd, "book");
    check_mixed_results(&r, started, finished);

    let log = sim.log();
    assert_eq!(log.len(), 5, "{log:?}");
    let arrived = by_recipient(&log);
    let ids: BTreeSet<u64> = log.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), 5, "ids are distinct");
    for i in 0..r.rows.len() {
        if r.status(i) != "SENT" {
            continue;
        }
        let entry = &arrived[&r.text(i, "Recipient")];
        assert_eq!(entry.text, r.text(i, "Message"), "text of row {i}");
        assert_eq!(entry.encoding, r.text(i, "Encoding"));
        assert_eq!(entry.segments.to_string(), r.text(i, "Segments"));
        assert_eq!(entry.dcs, entry.encoding == "UCS-2");
        assert_eq!(
            (
                entry.uid.as_str(),
                entry.username.as_str(),
                entry.sender.as_str()
            ),
            (UID, USERNAME, "OTSMS")
        );
        assert_eq!(entry.attempt, 1);
        assert_eq!(
            r.text(i, "Gateway Reference"),
            format!("OK: {}", entry.id),
            "row {i}"
        );
    }
    assert_eq!(
        sorted(log.iter().map(|e| e.recipient.clone()).collect()),
        [
            "9613123456",
            "9613123457",
            "9613123458",
            "9613123459",
            "9613123460"
        ]
    );

    let host = sim.url.trim_start_matches("http://");
    assert_eq!(
        r.summary_value("Mode").to_string(),
        "sent through the gateway"
    );
    assert_eq!(r.summary_value("Gateway").to_string(), host);
    assert_eq!(r.summary_value("Balance before").to_string(), "10000.00");
    assert_eq!(r.summary_value("Balance after").to_string(), "9994.00");
    assert!(
        run.stderr.contains(&format!("gateway       {host}")),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("http://"),
        "no URL on stderr: {}",
        run.stderr
    );
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// The four documented error texts

#[test]
fn bad_credentials_are_refused_before_anything_is_sent() {
    let wd = Workdir::new();
    let disabled = format!("5555:closed:{PASSWORD}:disabled");
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--account", &disabled]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let mut runs = Vec::new();
    for (uid, username, password, text) in [
        (UID, USERNAME, WRONG_PASSWORD, WRONG_USERNAME_OR_PASSWORD),
        ("9999", USERNAME, PASSWORD, INVALID_CREDENTIAL),
        ("5555", "closed", PASSWORD, INVALID_CUSTOMER),
    ] {
        let mut cmd = send(&wd, &book, &sim.url, &["--sender", "OTSMS", "-j", "1"]);
        cmd.env("OTSMS_UID", uid)
            .env("OTSMS_USERNAME", username)
            .env("OTSMS_PASSWORD", password);
        let run = expect_exit(cmd, 2);
        let host = sim.url.trim_start_matches("http://");
        assert!(
            run.stderr.contains(&format!(
                "smsmerge: error: {host} refused the account: \"{text}\""
            )),
            "{text}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
        for variable in ["OTSMS_UID", "OTSMS_USERNAME", "OTSMS_PASSWORD"] {
            assert!(run.stderr.contains(variable), "{}", run.stderr);
        }
        assert_eq!(sim.log().len(), 0, "{text}: nothing accepted");
        runs.push(run);
    }
    // The simulator counts every send request per message: with the right account each
    // message now arrives as its first attempt, so none of the refused runs sent a request.
    let run = expect_exit(send(&wd, &book, &sim.url, &["--sender", "OTSMS"]), 0);
    let log = sim.log();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|e| e.attempt == 1), "{log:?}");
    runs.push(run);
    assert_secret_kept(&wd, &runs.iter().collect::<Vec<_>>());
}

fn batch_stopped_detail(text: &str) -> String {
    format!("not sent: the batch stopped when the gateway answered \"{text}\"")
}

#[test]
fn an_inactive_sender_stops_the_batch_at_the_first_message() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--sender-id", "OTSMS"]);
    let book = numbered_book(&wd, "book.xlsx", 6);
    let run = expect_exit(
        send(&wd, &book, &sim.url, &["--sender", "INFO", "-j", "1"]),
        2,
    );
    let r = results_of(&wd, "book");
    let stopped = batch_stopped_detail(INVALID_SENDER);
    let refused = format!("the gateway refused the account: {INVALID_SENDER}");
    assert_column(
        &r,
        "Status",
        &[
            "FAILED", "NOT SENT", "NOT SENT", "NOT SENT", "NOT SENT", "NOT SENT",
        ],
    );
    let mut details = vec![refused.as_str()];
    details.extend([stopped.as_str(); 5]);
    assert_column(&r, "Detail", &details);
    assert_column(&r, "Attempts", &["1", "", "", "", "", ""]);
    assert_column(&r, "Gateway Reference", &[""; 6]);
    assert_column(&r, "Sent At", &[""; 6]);
    assert!(
        run.stderr
            .contains(&format!("the gateway answered \"{INVALID_SENDER}\"")),
        "{}",
        run.stderr
    );
    assert!(sim.log().is_empty());

    // A run that sent nothing leaves no unfinished run behind: the fix (another sender)
    // simply starts, without --fresh.
    assert!(!wd.path("book.results.xlsx.journal").exists());
    assert!(!wd.path("book.results.xlsx.journal.lock").exists());

    // Sent again with an active sender, the first message is the simulator's second request
    // for it and every other message its first: the stopped run made exactly one request.
    let again = expect_exit(send(&wd, &book, &sim.url, &["--sender", "OTSMS"]), 0);
    assert!(!again.stderr.contains("--fresh"), "{}", again.stderr);
    let arrived = by_recipient(&sim.log());
    let attempts: Vec<u32> = numbered_recipients(6)
        .iter()
        .map(|n| arrived[n].attempt)
        .collect();
    assert_eq!(attempts, [2, 1, 1, 1, 1, 1]);
    assert_secret_kept(&wd, &[&run, &again]);
}

#[test]
fn an_inactive_sender_stops_a_concurrent_batch_within_the_requests_in_flight() {
    let wd = Workdir::new();
    let sim = SimProcess::start(
        &wd,
        &[
            "--account",
            ACCOUNT,
            "--sender-id",
            "OTSMS",
            "--latency-ms",
            "100",
        ],
    );
    let book = numbered_book(&wd, "book.xlsx", 12);
    let run = expect_exit(
        send(&wd, &book, &sim.url, &["--sender", "INFO", "-j", "4"]),
        2,
    );
    let r = results_of(&wd, "book");
    let failed = r.statuses().iter().filter(|s| *s == "FAILED").count();
    assert!((1..=4).contains(&failed), "{:?}", r.statuses());
    let refused = format!("the gateway refused the account: {INVALID_SENDER}");
    let stopped = batch_stopped_detail(INVALID_SENDER);
    for i in 0..12 {
        if i < failed {
            assert_eq!(r.status(i), "FAILED");
            assert_eq!(r.text(i, "Detail"), refused);
            assert_eq!(r.text(i, "Attempts"), "1");
        } else {
            assert_eq!(r.status(i), "NOT SENT", "row {i}");
            assert_eq!(r.text(i, "Detail"), stopped);
            assert_eq!(r.text(i, "Attempts"), "");
        }
    }
    assert!(sim.log().is_empty());

    // The simulator's own count: the first `failed` messages had one request each, the others
    // none. The stopped run sent nothing, so the fix needs no --fresh.
    let again = expect_exit(send(&wd, &book, &sim.url, &["--sender", "OTSMS"]), 0);
    let arrived = by_recipient(&sim.log());
    let earlier: Vec<u32> = numbered_recipients(12)
        .iter()
        .map(|n| arrived[n].attempt - 1)
        .collect();
    let expected: Vec<u32> = (0..12).map(|i| u32::from(i < failed)).collect();
    assert_eq!(earlier, expected);
    assert_secret_kept(&wd, &[&run, &again]);
}

/// The simulator checks the account on the balance request first, so its three credential
/// errors never reach dispatch; a gateway that reads the balance but refuses each send with
/// the text does, for all four texts.
#[test]
fn each_documented_error_text_on_a_send_stops_the_batch() {
    for text in [
        WRONG_USERNAME_OR_PASSWORD,
        INVALID_CREDENTIAL,
        INVALID_CUSTOMER,
        INVALID_SENDER,
    ] {
        let refused = format!("the gateway refused the account: {text}");
        let stopped = batch_stopped_detail(text);

        let wd = Workdir::new();
        let gateway = ScriptedGateway::start("100.00", &format!("{text}\r\n"), Duration::ZERO);
        let book = numbered_book(&wd, "book.xlsx", 5);
        let run = expect_exit(
            send(&wd, &book, &gateway.url, &["--sender", "OTSMS", "-j", "1"]),
            2,
        );
        assert_eq!(gateway.sends(), 1, "{text}");
        let r = results_of(&wd, "book");
        assert_column(
            &r,
            "Status",
            &["FAILED", "NOT SENT", "NOT SENT", "NOT SENT", "NOT SENT"],
        );
        let mut details = vec![refused.as_str()];
        details.extend([stopped.as_str(); 4]);
        assert_column(&r, "Detail", &details);
        assert_column(&r, "Attempts", &["1", "", "", "", ""]);
        assert!(
            run.stderr
                .contains(&format!("the gateway answered \"{text}\"")),
            "{}",
            run.stderr
        );
        assert_secret_kept(&wd, &[&run]);

        let wd = Workdir::new();
        let gateway = ScriptedGateway::start("100.00", text, Duration::from_millis(100));
        let book = numbered_book(&wd, "book.xlsx", 12);
        let run = expect_exit(
            send(&wd, &book, &gateway.url, &["--sender", "OTSMS", "-j", "4"]),
            2,
        );
        let r = results_of(&wd, "book");
        let failed = r.statuses().iter().filter(|s| *s == "FAILED").count();
        assert!(
            (1..=4).contains(&gateway.sends()),
            "{text}: {}",
            gateway.sends()
        );
        assert!(gateway.max_in_flight() <= 4);
        assert_eq!(failed, gateway.sends(), "{:?}", r.statuses());
        for i in 0..12 {
            let (status, detail) = if i < failed {
                ("FAILED", refused.as_str())
            } else {
                ("NOT SENT", stopped.as_str())
            };
            assert_eq!(
                (r.status(i), r.text(i, "Detail")),
                (status.to_owned(), detail.to_owned())
            );
        }
        assert_secret_kept(&wd, &[&run]);
    }
}

// ---------------------------------------------------------------------------------------------
// Retries

#[test]
fn server_errors_are_retried_until_sent() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--fail-first", "2"]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let run = expect_exit(
        send(
            &wd,
            &book,
            &sim.url,
            &["--sender", "OTSMS", "--retries", "3", "--backoff-ms", "10"],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["SENT"; 3]);
    assert_column(&r, "Detail", &[""; 3]);
    assert_column(&r, "Attempts", &["3"; 3]);
    let log = sim.log();
    let arrived = by_recipient(&log);
    assert_eq!(log.len(), 3);
    for (i, recipient) in numbered_recipients(3).iter().enumerate() {
        let entry = &arrived[recipient];
        assert_eq!(entry.attempt, 3);
        assert_eq!(entry.text, format!("Message number {i}"));
        assert_eq!(r.text(i, "Gateway Reference"), format!("OK: {}", entry.id));
    }
    assert_secret_kept(&wd, &[&run]);
}

#[test]
fn server_errors_beyond_the_retries_end_failed() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--fail-first", "5"]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let args = ["--sender", "OTSMS", "--retries", "2", "--backoff-ms", "10"];
    let mut with_csv = args.to_vec();
    with_csv.extend(["-o", "out.csv"]);
    // Nothing could be sent: exit 2.
    let run = expect_exit(send(&wd, &book, &sim.url, &with_csv), 2);
    let bytes = std::fs::read(wd.path("out.csv")).expect("read out.csv");
    let mut reader =
        csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    let headers = reader.headers().expect("a header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<[String; 5]> = reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            [
                "Status",
                "Detail",
                "Attempts",
                "Sent At",
                "Gateway Reference",
            ]
            .map(|c| r[column(c)].to_owned())
        })
        .collect();
    let gave_up = "gave up after 3 attempts: gateway answered HTTP 503: Service Unavailable";
    assert_eq!(
        rows,
        vec![["FAILED", gave_up, "3", "", ""].map(str::to_owned); 3]
    );
    assert!(sim.log().is_empty());

    // The simulator has answered 503 three times per message: three more requests reach its
    // sixth attempt, the first it accepts.
    let again = expect_exit(send(&wd, &book, &sim.url, &args), 0);
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["SENT"; 3]);
    assert_column(&r, "Attempts", &["3"; 3]);
    let log = sim.log();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|e| e.attempt == 6), "{log:?}");
    assert_secret_kept(&wd, &[&run, &again]);
}

#[test]
fn random_server_errors_are_retried_and_each_message_arrives_once() {
    let wd = Workdir::new();
    let sim = SimProcess::start(
        &wd,
        &["--account", ACCOUNT, "--fail-rate", "0.5", "--seed", "7"],
    );
    let n = 8;
    let book = numbered_book(&wd, "book.xlsx", n);
    // One request at a time, so that the seeded dice fall the same way on every run.
    let run = expect_exit(
        send(
            &wd,
            &book,
            &sim.url,
            &[
                "--sender",
                "OTSMS",
                "-j",
                "1",
                "--retries",
                "10",
                "--backoff-ms",
                "5",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &vec!["SENT"; n]);
    let log = sim.log();
    assert_eq!(log.len(), n);
    let arrived = by_recipient(&log);
    let mut retried = 0;
    for (i, recipient) in numbered_recipients(n).iter().enumerate() {
        let entry = &arrived[recipient];
        // The simulator's count of requests for the message is the client's.
        assert_eq!(r.text(i, "Attempts"), entry.attempt.to_string(), "row {i}");
        assert_eq!(r.text(i, "Gateway Reference"), format!("OK: {}", entry.id));
        retried += usize::from(entry.attempt > 1);
    }
    assert!(retried > 0, "seed 7 fails some requests: {log:?}");
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// No answer: UNCERTAIN

/// A run whose messages all ended UNCERTAIN exits 1, never 2: they may have been delivered,
/// and a script that retries on exit 2 ("nothing done") would send them twice.
#[track_caller]
fn assert_uncertain_exit(run: &Run) {
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

const BROKE: &str = "the connection broke before an answer came; the message may have been sent";

#[test]
fn dropped_connections_end_uncertain_and_are_never_resent() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--drop-first", "1"]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let args = ["--sender", "OTSMS", "--retries", "3", "--backoff-ms", "10"];
    let run = run(send(&wd, &book, &sim.url, &args));
    assert_uncertain_exit(&run);
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["UNCERTAIN"; 3]);
    assert_column(&r, "Attempts", &["1"; 3]);
    assert_column(&r, "Sent At", &[""; 3]);
    assert_column(&r, "Gateway Reference", &[""; 3]);
    for detail in r.column("Detail") {
        assert!(detail.starts_with(BROKE), "{detail}");
    }
    assert!(run.stderr.contains("uncertain 3"), "{}", run.stderr);
    assert!(sim.log().is_empty());

    // The same command again sends nothing: the batch went out to the end, and what got no
    // answer is re-sent only on request.
    let rerun = expect_exit(send(&wd, &book, &sim.url, &args), 1);
    assert!(
        rerun.stderr.contains("3 of them UNCERTAIN") && rerun.stderr.contains("--retry-uncertain"),
        "{}",
        rerun.stderr
    );
    assert!(sim.log().is_empty());

    // Asked for, each message is the simulator's second request for it: the first run made
    // exactly one.
    let args = [&args[..], &["--retry-uncertain"]].concat();
    let again = expect_exit(send(&wd, &book, &sim.url, &args), 0);
    let log = sim.log();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|e| e.attempt == 2), "{log:?}");
    assert_secret_kept(&wd, &[&run, &rerun, &again]);
}

#[test]
fn retry_uncertain_resends_a_dropped_message_once() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--drop-first", "1"]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let run = expect_exit(
        send(
            &wd,
            &book,
            &sim.url,
            &[
                "--sender",
                "OTSMS",
                "--retry-uncertain",
                "--backoff-ms",
                "10",
            ],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["SENT"; 3]);
    assert_column(&r, "Attempts", &["2"; 3]);
    let log = sim.log();
    assert_eq!(log.len(), 3);
    let arrived = by_recipient(&log);
    for (i, recipient) in numbered_recipients(3).iter().enumerate() {
        assert_eq!(arrived[recipient].attempt, 2);
        assert_eq!(
            r.text(i, "Gateway Reference"),
            format!("OK: {}", arrived[recipient].id)
        );
    }

    // Only once: dropped twice, a message stays UNCERTAIN after two requests.
    let wd2 = Workdir::new();
    let sim = SimProcess::start(&wd2, &["--account", ACCOUNT, "--drop-first", "2"]);
    let book = numbered_book(&wd2, "book.xlsx", 2);
    let twice = run_uncertain_twice(&wd2, &sim, &book);
    let r = results_of(&wd2, "book");
    assert_column(&r, "Status", &["UNCERTAIN"; 2]);
    assert_column(&r, "Attempts", &["2"; 2]);
    assert!(sim.log().is_empty());
    assert_secret_kept(&wd, &[&run]);
    assert_secret_kept(&wd2, &[&twice]);
}

fn run_uncertain_twice(wd: &Workdir, sim: &SimProcess, book: &Path) -> Run {
    let run = run(send(
        wd,
        book,
        &sim.url,
        &[
            "--sender",
            "OTSMS",
            "--retry-uncertain",
            "--backoff-ms",
            "10",
        ],
    ));
    assert_uncertain_exit(&run);
    run
}

#[test]
fn hung_requests_end_uncertain_after_the_timeout() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--hang-rate", "1"]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let run = run(send(
        &wd,
        &book,
        &sim.url,
        &["--sender", "OTSMS", "--timeout", "1", "--backoff-ms", "10"],
    ));
    assert_uncertain_exit(&run);
    assert!(run.elapsed < Duration::from_secs(8), "{:?}", run.elapsed);
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["UNCERTAIN"; 3]);
    assert_column(
        &r,
        "Detail",
        &["no answer before the timeout; the message may have been sent"; 3],
    );
    assert_column(&r, "Attempts", &["1"; 3]);
    assert_column(&r, "Gateway Reference", &[""; 3]);
    assert!(sim.log().is_empty());
    assert_secret_kept(&wd, &[&run]);
}

/// Exit 2 means "nothing was done" (design.md: "2 bad invocation or input, nothing done"):
/// a script may safely run the batch again. After messages ended UNCERTAIN it may not, since
/// they may have been delivered; the run needs attention, exit 1.
#[test]
fn a_run_with_uncertain_messages_does_not_claim_nothing_was_sent() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--drop-first", "1"]);
    let book = numbered_book(&wd, "book.xlsx", 2);
    let run = expect_exit(send(&wd, &book, &sim.url, &["--sender", "OTSMS"]), 1);
    assert_eq!(results_of(&wd, "book").statuses(), ["UNCERTAIN"; 2]);
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// Refused connection

#[test]
fn an_unreachable_gateway_exits_2_and_sends_nothing() {
    let wd = Workdir::new();
    let book = numbered_book(&wd, "book.xlsx", 2);
    // Nothing listens on port 1.
    let run = expect_exit(
        send(
            &wd,
            &book,
            "http://127.0.0.1:1",
            &["--sender", "OTSMS", "--backoff-ms", "10"],
        ),
        2,
    );
    assert!(
        run.stderr
            .contains("smsmerge: error: 127.0.0.1:1: cannot connect to the gateway"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("sms_balance"),
        "no URL: {}",
        run.stderr
    );
    let results = wd.path("book.results.xlsx");
    if results.exists() {
        assert!(
            !Results::read(&results)
                .statuses()
                .iter()
                .any(|s| s == "SENT"),
            "nothing SENT"
        );
    }
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// Rate limit

#[test]
fn rate_limit_holds_in_every_one_second_window() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let n = 200;
    let book = numbered_book(&wd, "book.xlsx", n);
    let run = expect_exit(
        send(
            &wd,
            &book,
            &sim.url,
            &["--sender", "OTSMS", "--rate", "50", "-j", "16", "-q"],
        ),
        0,
    );
    assert!(
        run.elapsed >= Duration::from_millis(3900),
        "200 messages at 50/s took {:?}",
        run.elapsed
    );
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &vec!["SENT"; n]);
    let log = sim.log();
    assert_eq!(log.len(), n);
    let arrived = by_recipient(&log);
    assert_eq!(
        sorted(arrived.keys().cloned().collect()),
        sorted(numbered_recipients(n))
    );
    let mut times: Vec<DateTime<FixedOffset>> = log
        .iter()
        .map(|e| DateTime::parse_from_rfc3339(&e.received).expect("received is RFC 3339"))
        .collect();
    times.sort();
    // The times are when the simulator got round to each request, not when smsmerge sent
    // it: on a loaded machine two requests sent 20 ms apart can be logged a few ms closer.
    // The pacer itself is checked exactly on a paused clock (src/pacer.rs); here a window
    // 30 ms short of a second must still never hold more than the rate.
    let second = chrono::Duration::milliseconds(970);
    let busiest = (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t - times[i] < second)
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(busiest <= 50, "{busiest} requests in one second");
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// --limit

#[test]
fn limit_sends_only_the_first_ready_rows() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let book = book(
        &wd,
        "book.xlsx",
        &[
            ("+9613100001", "one"),
            ("12", "invalid"),
            ("+9613100002", "two"),
            ("+9613100003", "three"),
            ("+9613100004", "four"),
        ],
    );
    let run = expect_exit(
        send(&wd, &book, &sim.url, &["--sender", "OTSMS", "--limit", "2"]),
        1,
    );
    let r = results_of(&wd, "book");
    assert_column(
        &r,
        "Status",
        &["SENT", "INVALID", "SENT", "NOT SENT", "NOT SENT"],
    );
    let limited = "not sent: --limit 2 sends only the first 2 messages";
    assert_column(
        &r,
        "Detail",
        &[
            "",
            "12 is too short: 2 digits, but a number with its country code has 8 to 15",
            "",
            limited,
            limited,
        ],
    );
    assert_column(&r, "Attempts", &["1", "", "1", "", ""]);
    let log = sim.log();
    assert_eq!(
        sorted(log.iter().map(|e| e.recipient.clone()).collect()),
        ["9613100001", "9613100002"]
    );
    let arrived = by_recipient(&log);
    assert_eq!(arrived["9613100001"].text, "one");
    assert_eq!(arrived["9613100002"].text, "two");
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// Balance

#[test]
fn balance_of_the_built_in_simulator() {
    let wd = Workdir::new();
    let mut cmd = wd.command();
    cmd.args(["balance", "--simulate"]);
    let run = expect_exit(cmd, 0);
    assert_eq!(run.stdout, "10000.00\n");
}

#[test]
fn balance_through_the_api() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--balance", "1234.5"]);
    let mut cmd = wd.command();
    cmd.args(["balance", "--base-url", &sim.url])
        .env("OTSMS_UID", UID)
        .env("OTSMS_USERNAME", USERNAME)
        .env("OTSMS_PASSWORD", PASSWORD);
    let run = expect_exit(cmd, 0);
    assert_eq!(run.stdout, "1234.50\n");

    let mut cmd = wd.command();
    cmd.args(["balance", "--base-url", &sim.url])
        .env("OTSMS_UID", UID)
        .env("OTSMS_USERNAME", USERNAME)
        .env("OTSMS_PASSWORD", WRONG_PASSWORD);
    let refused = expect_exit(cmd, 2);
    assert_eq!(refused.stdout, "");
    assert!(
        refused.stderr.contains(WRONG_USERNAME_OR_PASSWORD),
        "{}",
        refused.stderr
    );
    assert_secret_kept(&wd, &[&run, &refused]);
}

#[test]
fn a_balance_too_small_stops_the_run_unless_ignored() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT, "--balance", "1"]);
    let book = numbered_book(&wd, "book.xlsx", 3);
    let run = expect_exit(send(&wd, &book, &sim.url, &["--sender", "OTSMS"]), 2);
    assert!(
        run.stderr
            .contains("the balance is 1.00 but this batch needs 3 segments"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--ignore-balance"), "{}", run.stderr);
    assert!(sim.log().is_empty());

    let ignored = expect_exit(
        send(
            &wd,
            &book,
            &sim.url,
            &["--sender", "OTSMS", "--ignore-balance"],
        ),
        0,
    );
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["SENT"; 3]);
    assert_eq!(r.summary_value("Balance before").to_string(), "1.00");
    assert_eq!(r.summary_value("Balance after").to_string(), "-2.00");
    assert_eq!(sim.log().len(), 3);
    assert_secret_kept(&wd, &[&run, &ignored]);
}

// ---------------------------------------------------------------------------------------------
// Refusing to send

#[test]
fn no_credentials_and_no_simulate_exits_2_naming_the_variables() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let book = numbered_book(&wd, "book.xlsx", 2);
    let run = expect_exit(
        send_bare(
            &wd,
            &book,
            &["--sender", "OTSMS", "--base-url", &sim.url, "--yes"],
        ),
        2,
    );
    for needle in [
        "OTSMS_UID",
        "OTSMS_USERNAME",
        "OTSMS_PASSWORD",
        "--simulate",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    assert!(sim.log().is_empty());
}

#[test]
fn not_a_terminal_and_no_yes_sends_nothing() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let book = numbered_book(&wd, "book.xlsx", 2);
    let mut cmd = send_bare(&wd, &book, &["--sender", "OTSMS", "--base-url", &sim.url]);
    cmd.env("OTSMS_UID", UID)
        .env("OTSMS_USERNAME", USERNAME)
        .env("OTSMS_PASSWORD", PASSWORD)
        .write_stdin("y\n");
    let run = expect_exit(cmd, 2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(run.stderr.contains("not a terminal"), "{}", run.stderr);
    assert!(sim.log().is_empty());
    assert_secret_kept(&wd, &[&run]);
}

// ---------------------------------------------------------------------------------------------
// Config file

/// Writes `smsmerge.toml` in the workdir with these lines and mode.
fn config(wd: &Workdir, lines: &[String], mode: u32) -> PathBuf {
    let path = wd.file("smsmerge.toml", lines.join("\n") + "\n");
    set_mode(&path, mode);
    path
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn config_file_supplies_the_account_sender_and_gateway() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    let password = wd.file("password.txt", format!("{PASSWORD}\n"));
    set_mode(&password, 0o600);
    config(
        &wd,
        &[
            format!("uid = '{UID}'"),
            format!("username = '{USERNAME}'"),
            format!("password_file = '{}'", password.display()),
            "sender = 'SMSMERGE'".to_owned(),
            format!("base_url = '{}'", sim.url),
        ],
        0o600,
    );
    let book = numbered_book(&wd, "book.xlsx", 2);
    let run = expect_exit(send_bare(&wd, &book, &["--yes"]), 0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let r = results_of(&wd, "book");
    assert_column(&r, "Status", &["SENT"; 2]);
    let log = sim.log();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|e| e.sender == "SMSMERGE" && e.uid == UID && e.username == USERNAME),
        "{log:?}"
    );
    assert_eq!(r.summary_value("Sender").to_string(), "SMSMERGE");
    assert_secret_kept(&wd, &[&run]);
}

#[test]
fn environment_beats_the_config_file_and_flags_beat_both() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    config(
        &wd,
        &[
            format!("uid = '{UID}'"),
            format!("username = '{USERNAME}'"),
            format!("password = '{WRONG_PASSWORD}'"),
            "sender = 'OTSMS'".to_owned(),
            // Nothing listens on port 1.
            "base_url = 'http://127.0.0.1:1'".to_owned(),
        ],
        0o600,
    );
    let book = numbered_book(&wd, "book.xlsx", 2);

    // The password and the gateway from the environment, the rest from the file.
    let mut cmd = send_bare(&wd, &book, &["--yes"]);
    cmd.env("OTSMS_PASSWORD", PASSWORD)
        .env("OTSMS_BASE_URL", &sim.url);
    let from_env = expect_exit(cmd, 0);
    assert_eq!(sim.log().len(), 2);

    // --base-url beats OTSMS_BASE_URL (--again: the batch was just sent completely).
    let mut cmd = send_bare(&wd, &book, &["--yes", "--again", "--base-url", &sim.url]);
    cmd.env("OTSMS_PASSWORD", PASSWORD)
        .env("OTSMS_BASE_URL", "http://127.0.0.1:1");
    let from_flag = expect_exit(cmd, 0);
    assert_eq!(sim.log().len(), 4);
    assert_column(&results_of(&wd, "book"), "Status", &["SENT"; 2]);
    assert_secret_kept(&wd, &[&from_env, &from_flag]);
}

#[test]
fn a_password_in_a_world_readable_config_file_is_warned_about_without_showing_it() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", ACCOUNT]);
    config(
        &wd,
        &[
            format!("uid = '{UID}'"),
            format!("username = '{USERNAME}'"),
            format!("password = '{PASSWORD}'"),
            "sender = 'OTSMS'".to_owned(),
            format!("base_url = '{}'", sim.url),
        ],
        0o644,
    );
    let book = numbered_book(&wd, "book.xlsx", 2);
    let run = expect_exit(send_bare(&wd, &book, &["--yes"]), 0);
    assert!(
        run.stderr.contains("smsmerge: warning: config file smsmerge.toml holds a password and other users can read it; run: chmod 600 smsmerge.toml"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.log().len(), 2);
    assert_secret_kept(&wd, &[&run]);
}
