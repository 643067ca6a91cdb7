//! Quiet hours and `--not-before`, through the real binary, on a clock the test sets
//! ([`TestClock`]: time stands still until the test moves it). A window around "now" with
//! `--no-wait` exits 75 having touched nothing; a window that the test opens while two
//! messages are in flight at a gateway that answers when the test says pauses the send and
//! resumes it when the test closes the window, and no request arrives in between.
#![cfg(unix)]

mod common;

use common::clock::TestClock;
use common::held::HeldGateway;
use common::running::Running;
use common::{Results, SimProcess, Workdir};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Noon, 1 June 2025, UTC: "now" for the tests below, unless they move it.
const NOON: &str = "2025-06-01T12:00:00Z";

/// The simulator's default account (`1000:demo:demo`).
const ACCOUNT: [(&str, &str); 3] = [
    ("OTSMS_UID", "1000"),
    ("OTSMS_USERNAME", "demo"),
    ("OTSMS_PASSWORD", "demo"),
];

/// `smsmerge send BOOK --simulate --yes ARGS...` at noon, to its end.
fn send_simulated(wd: &Workdir, book: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let clock = TestClock::new(NOON);
    wd.command()
        .arg("send")
        .arg(book)
        .args(["--simulate", "--yes", "--sender", "OTSMS"])
        .args(args)
        .env(clock.env().0, clock.env().1)
        .assert()
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn no_wait_inside_quiet_hours_exits_75_and_touches_nothing() {
    let wd = Workdir::new();
    let book = wd.numbered_book(3);
    // An earlier run's results, which a run that sends nothing must leave alone.
    let results = wd.file("book.results.xlsx", "earlier results");
    let assert = send_simulated(
        &wd,
        &book,
        &[
            "--quiet-hours",
            "11:00-13:00",
            "--timezone",
            "UTC",
            "--no-wait",
        ],
    )
    .code(75);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains(
            "smsmerge: quiet hours 11:00-13:00 (UTC): nothing sent (--no-wait); sending can start at 13:00 (in 1h0m)"
        ),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&results).unwrap(), b"earlier results");
    assert_eq!(
        wd.listing(),
        ["book.results.xlsx", "book.xlsx"],
        "no journal, no lock"
    );
}

#[test]
fn no_wait_before_not_before_exits_75() {
    let wd = Workdir::new();
    let book = wd.numbered_book(3);
    let assert = send_simulated(
        &wd,
        &book,
        &[
            "--not-before",
            "2025-06-01 14:00",
            "--timezone",
            "UTC",
            "--no-wait",
            "-q",
        ],
    )
    .code(75);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains(
            "not before 14:00 (UTC): nothing sent (--no-wait); sending can start at 14:00 (in 2h0m)"
        ),
        "{stderr}"
    );
    assert_eq!(wd.listing(), ["book.xlsx"]);
}

#[test]
fn not_before_in_the_past_and_quiet_hours_elsewhere_send_at_once() {
    let wd = Workdir::new();
    let book = wd.numbered_book(3);
    let assert = send_simulated(
        &wd,
        &book,
        &[
            "--not-before",
            "2025-06-01 11:55",
            "--quiet-hours",
            "14:00-15:00",
            "--timezone",
            "UTC",
            "--no-wait",
        ],
    )
    .code(0);
    assert!(!stderr_of(&assert).contains("waiting"));
    let results = Results::read(&wd.simulated_results("book"));
    assert_eq!(results.statuses(), ["SENT", "SENT", "SENT"]);
}

#[test]
fn a_dry_run_says_a_real_send_would_wait_and_does_not() {
    let wd = Workdir::new();
    let book = wd.numbered_book(2);
    let clock = TestClock::new(NOON);
    let assert = wd
        .dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--quiet-hours",
                "11:00-13:00",
                "--timezone",
                "UTC",
            ],
        )
        .env(clock.env().0, clock.env().1)
        .assert()
        .code(0);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains(
            "quiet hours 11:00-13:00 (UTC): a real send now would wait until 13:00 (in 1h0m)"
        ),
        "{stderr}"
    );
}

#[test]
fn malformed_schedules_are_refused_in_one_line_before_anything_is_read() {
    let wd = Workdir::new();
    // The workbook does not even need to be valid: the flags are checked first.
    let book = wd.file("book.xlsx", "not a workbook");
    for (args, message) in [
        (
            &["--quiet-hours", "08:00-08:00"][..],
            "smsmerge: error: --quiet-hours 08:00-08:00: the window is empty: it starts and ends at 08:00\n",
        ),
        (
            &["--quiet-hours", "2100-0800"][..],
            "smsmerge: error: --quiet-hours 2100-0800: \"2100\" is not a time of day; give the window as HH:MM-HH:MM, e.g. 21:00-08:00\n",
        ),
        (
            &["--quiet-hours", "25:00-08:00"][..],
            "smsmerge: error: --quiet-hours 25:00-08:00: \"25:00\" is not a time of day; give the window as HH:MM-HH:MM, e.g. 21:00-08:00\n",
        ),
        (
            &["--quiet-hours", "21:00-08:00", "--timezone", "Mars/Olympus"][..],
            "smsmerge: error: --timezone: \"Mars/Olympus\" is not an IANA time zone name; give one such as Asia/Beirut, Europe/Berlin or UTC\n",
        ),
        (
            &["--not-before", "tomorrow"][..],
            "smsmerge: error: --not-before tomorrow: \"tomorrow\" is not a time of day; give a time today as HH:MM, or a date and time as YYYY-MM-DD HH:MM\n",
        ),
    ] {
        wd.command()
            .arg("send")
            .arg(&book)
            .args(["--simulate", "--yes", "--sender", "OTSMS"])
            .args(args)
            .assert()
            .code(2)
            .stderr(message);
    }
    wd.file("smsmerge.toml", "quiet_hours = \"late\"\n");
    wd.command()
        .arg("send")
        .arg(&book)
        .args(["--simulate", "--yes", "--sender", "OTSMS"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "quiet_hours = \"late\" in the config file: give the window as HH:MM-HH:MM",
        ));
}

#[test]
fn quiet_hours_from_the_config_file_and_off_on_the_command_line() {
    let wd = Workdir::new();
    let book = wd.numbered_book(2);
    wd.file(
        "smsmerge.toml",
        "quiet_hours = \"11:00-13:00\"\ntimezone = \"UTC\"\n",
    );
    let assert = send_simulated(&wd, &book, &["--no-wait"]).code(75);
    assert!(stderr_of(&assert).contains("quiet hours 11:00-13:00 (UTC)"));
    send_simulated(&wd, &book, &["--no-wait", "--quiet-hours", "off"]).code(0);
}

// ---------------------------------------------------------------------------------------------
// A send that the window interrupts, and Ctrl-C while waiting

/// `smsmerge send BOOK --base-url URL --yes --sender OTSMS ARGS...` on `clock`, as a child.
fn start(wd: &Workdir, book: &Path, url: &str, clock: &TestClock, args: &[&str]) -> Running {
    let mut command = wd.process();
    command
        .arg("send")
        .arg(book)
        .args(["--base-url", url, "--yes", "--sender", "OTSMS"])
        .args(args)
        .envs(ACCOUNT)
        .env(clock.env().0, clock.env().1);
    Running::spawn(wd, command)
}

/// Regression: the "sending resumed" line was written only when a once-a-second tick looked
/// at the schedule, so a batch whose last messages went out within a second of the window's
/// end finished without it (and counted its sending time as paused). Here the test holds the
/// clock and the gateway: the window opens while both slots are busy, so no request may
/// start until the test ends it; the run must say it paused and resumed, and send the rest.
#[test]
fn sending_pauses_for_quiet_hours_and_resumes_after_them() {
    const N: usize = 10;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = wd.numbered_book(N);
    let clock = TestClock::new("2025-06-01T20:59:00Z");
    let mut run = start(
        &wd,
        &book,
        &gateway.url,
        &clock,
        &[
            "-j",
            "2",
            "--quiet-hours",
            "21:00-22:00",
            "--timezone",
            "UTC",
        ],
    );
    // Which phase of the clock each request arrived in.
    let quiet = AtomicBool::new(false);
    let mut arrivals: Vec<(String, bool)> = Vec::new();
    let take = |arrivals: &mut Vec<(String, bool)>| {
        let held = gateway.next();
        arrivals.push((held.recipient.clone(), quiet.load(Ordering::SeqCst)));
        held
    };
    // Two rounds before the window; quiet hours begin with the second round in flight.
    for _ in 0..2 {
        take(&mut arrivals).accept();
    }
    let (third, fourth) = (take(&mut arrivals), take(&mut arrivals));
    quiet.store(true, Ordering::SeqCst);
    clock.set("2025-06-01T21:00:00Z");
    third.accept();
    fourth.accept();
    run.wait_for_line("smsmerge: quiet hours 21:00-22:00 (UTC): waiting until 22:00 (in 1h0m)");
    assert!(
        gateway.try_next().is_none(),
        "a request started in quiet hours"
    );
    // The phase changes before the clock does: a request that arrives after this line was
    // sent at 22:00.
    quiet.store(false, Ordering::SeqCst);
    clock.set("2025-06-01T22:00:00Z");
    while arrivals.len() < N {
        take(&mut arrivals).accept();
    }
    let done = run.wait();
    done.expect_code(0);
    let stderr = done.stderr;
    let resumed = stderr
        .find("smsmerge: sending resumed")
        .unwrap_or_else(|| panic!("no resume line:\n{stderr}"));
    let paused = stderr.find("waiting until 22:00").unwrap_or(usize::MAX);
    assert!(paused < resumed, "{stderr}");

    let results = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(results.statuses(), ["SENT"; N]);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (recipient, _) in &arrivals {
        *counts.entry(recipient).or_default() += 1;
    }
    assert_eq!(counts.len(), N, "every message arrived");
    assert!(counts.values().all(|&n| n == 1), "none twice: {counts:?}");
    assert!(
        arrivals.iter().all(|(_, in_quiet)| !in_quiet),
        "arrived in quiet hours: {arrivals:?}"
    );
    assert!(gateway.try_next().is_none(), "nothing more arrived");
}

#[test]
fn ctrl_c_while_waiting_stops_at_once_and_a_rerun_sends_everything() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = wd.numbered_book(5);
    let clock = TestClock::new(NOON);
    let mut run = start(
        &wd,
        &book,
        &sim.url,
        &clock,
        &["--quiet-hours", "11:00-13:00", "--timezone", "UTC"],
    );
    run.wait_for_line("waiting until 13:00");
    run.signal("INT");
    // An hour of quiet is left on the test's clock, which stands still: only the stop can
    // end this run.
    run.wait().expect_code(130);
    assert_eq!(sim.accepted(), 0, "nothing was sent");
    let results = Results::read(&wd.path("book.results.xlsx"));
    for i in 0..5 {
        assert_eq!(results.status(i), "NOT SENT");
        assert_eq!(results.text(i, "Detail"), "not sent: interrupted");
    }
    // No attempt was made: a run that sent nothing leaves no journal to resume.
    assert!(!wd.path("book.results.xlsx.journal").exists());
    assert!(!wd.path("book.results.xlsx.journal.lock").exists());

    // Outside quiet hours the same batch resumes and sends every message once.
    clock.set("2025-06-01T13:00:00Z");
    start(&wd, &book, &sim.url, &clock, &[])
        .wait()
        .expect_code(0);
    let results = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(results.statuses(), ["SENT"; 5]);
    assert_eq!(sim.accepted(), 5);
}
