//! Quiet hours and `--not-before` (issue 6), through the real binary. The windows are set
//! relative to the real present in UTC, so no fake clock is needed: a window around now with
//! `--no-wait` exits 75 having touched nothing; a window that opens two seconds into a slow
//! send (the simulator answers in 100 ms) pauses it and resumes it, and the simulator's log
//! shows that no request arrived inside the window and none arrived twice.
#![cfg(unix)]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::{Results, SimProcess, Workdir};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The simulator's default account (`1000:demo:demo`).
const ACCOUNT: [(&str, &str); 3] = [
    ("OTSMS_UID", "1000"),
    ("OTSMS_USERNAME", "demo"),
    ("OTSMS_PASSWORD", "demo"),
];

/// No run here may take longer.
const DEADLINE: Duration = Duration::from_secs(60);

/// A workbook of `n` one-segment messages to distinct numbers.
fn book(wd: &Workdir, n: usize) -> PathBuf {
    wd.xlsx("book.xlsx", "Sheet1", |ws| {
        ws.write_string(0, 0, "Phone")?;
        ws.write_string(0, 1, "Message")?;
        for i in 0..n {
            ws.write_string(i as u32 + 1, 0, format!("+9617{i:07}"))?;
            ws.write_string(i as u32 + 1, 1, format!("Message number {i}"))?;
        }
        Ok(())
    })
}

/// A time of day in UTC, as the flags take it.
fn hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

/// `smsmerge send BOOK --simulate --yes ARGS...`, to its end.
fn send_simulated(wd: &Workdir, book: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    wd.command()
        .arg("send")
        .arg(book)
        .args(["--simulate", "--yes", "--sender", "OTSMS"])
        .args(args)
        .assert()
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn no_wait_inside_quiet_hours_exits_75_and_touches_nothing() {
    let wd = Workdir::new();
    let book = book(&wd, 3);
    // An earlier run's results, which a run that sends nothing must leave alone.
    let results = wd.file("book.results.xlsx", "earlier results");
    let now = Utc::now();
    let window = format!(
        "{}-{}",
        hm(now - TimeDelta::hours(1)),
        hm(now + TimeDelta::hours(1))
    );
    let assert = send_simulated(
        &wd,
        &book,
        &["--quiet-hours", &window, "--timezone", "UTC", "--no-wait"],
    )
    .code(75);
    let stderr = stderr_of(&assert);
    let expected = format!(
        "smsmerge: quiet hours {window} (UTC): nothing sent (--no-wait); sending can start at "
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        stderr.contains("(in 1h") || stderr.contains("(in 59m"),
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
    let book = book(&wd, 3);
    let later = Utc::now() + TimeDelta::hours(2);
    let at = later.format("%Y-%m-%d %H:%M").to_string();
    let assert = send_simulated(
        &wd,
        &book,
        &["--not-before", &at, "--timezone", "UTC", "--no-wait", "-q"],
    )
    .code(75);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("not before "), "{stderr}");
    assert!(stderr.contains("nothing sent (--no-wait)"), "{stderr}");
    assert_eq!(wd.listing(), ["book.xlsx"]);
}

#[test]
fn not_before_in_the_past_and_quiet_hours_elsewhere_send_at_once() {
    let wd = Workdir::new();
    let book = book(&wd, 3);
    let now = Utc::now();
    let past = (now - TimeDelta::minutes(5))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let elsewhere = format!(
        "{}-{}",
        hm(now + TimeDelta::hours(2)),
        hm(now + TimeDelta::hours(3))
    );
    let assert = send_simulated(
        &wd,
        &book,
        &[
            "--not-before",
            &past,
            "--quiet-hours",
            &elsewhere,
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
    let book = book(&wd, 2);
    let now = Utc::now();
    let window = format!(
        "{}-{}",
        hm(now - TimeDelta::hours(1)),
        hm(now + TimeDelta::hours(1))
    );
    let assert = wd
        .dry_run(
            &book,
            &[
                "--sender",
                "OTSMS",
                "--quiet-hours",
                &window,
                "--timezone",
                "UTC",
            ],
        )
        .assert()
        .code(0);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains(&format!(
            "quiet hours {window} (UTC): a real send now would wait until"
        )),
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
    let book = book(&wd, 2);
    let now = Utc::now();
    let window = format!(
        "{}-{}",
        hm(now - TimeDelta::hours(1)),
        hm(now + TimeDelta::hours(1))
    );
    wd.file(
        "smsmerge.toml",
        format!("quiet_hours = \"{window}\"\ntimezone = \"UTC\"\n"),
    );
    let assert = send_simulated(&wd, &book, &["--no-wait"]).code(75);
    assert!(stderr_of(&assert).contains(&format!("quiet hours {window} (UTC)")));
    send_simulated(&wd, &book, &["--no-wait", "--quiet-hours", "off"]).code(0);
}

// ---------------------------------------------------------------------------------------------
// A send that the window interrupts, and Ctrl-C while waiting

/// `smsmerge send` as a child, stderr to a file, killed when dropped.
struct Running {
    child: Child,
    stderr: PathBuf,
}

impl Running {
    fn start(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> Running {
        let stderr = wd.path("run.stderr");
        let child = wd
            .process()
            .arg("send")
            .arg(book)
            .args(["--base-url", url, "--yes", "--sender", "OTSMS"])
            .args(args)
            .envs(ACCOUNT)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("create the stderr file"))
            .spawn()
            .expect("start smsmerge send");
        Running { child, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits until stderr holds `text`.
    #[track_caller]
    fn wait_for(&mut self, text: &str) {
        let started = Instant::now();
        while !self.stderr().contains(text) {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                panic!(
                    "smsmerge ended ({status}) before {text:?}:\n{}",
                    self.stderr()
                );
            }
            assert!(
                started.elapsed() < DEADLINE,
                "no {text:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the end; the exit code.
    #[track_caller]
    fn wait(&mut self) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                return status.code();
            }
            assert!(
                started.elapsed() < DEADLINE,
                "still running:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// When the simulator received each message.
fn received(sim: &SimProcess) -> Vec<(String, DateTime<Utc>)> {
    sim.log()
        .into_iter()
        .map(|e| {
            let at = DateTime::parse_from_rfc3339(&e.received).expect("an RFC 3339 time");
            (e.recipient, at.to_utc())
        })
        .collect()
}

#[test]
fn sending_pauses_for_quiet_hours_and_resumes_after_them() {
    const N: usize = 40;
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--latency-ms", "100"]);
    let book = book(&wd, N);
    // Two in flight, 100 ms each: the batch takes two seconds of sending. The window opens
    // two seconds from now (whole seconds) and lasts two seconds.
    let start = DateTime::from_timestamp(Utc::now().timestamp() + 2, 0).unwrap();
    let end = start + TimeDelta::seconds(2);
    let window = format!("{}-{}", hms(start), hms(end));
    let mut run = Running::start(
        &wd,
        &book,
        &sim.url,
        &["-j", "2", "--quiet-hours", &window, "--timezone", "UTC"],
    );
    assert_eq!(run.wait(), Some(0), "{}", run.stderr());
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "smsmerge: quiet hours {window} (UTC): waiting until {}",
            hms(end)
        )),
        "{stderr}"
    );
    assert!(stderr.contains("smsmerge: sending resumed"), "{stderr}");

    let results = Results::read(&wd.path("book.results.xlsx"));
    assert!(
        results.statuses().iter().all(|s| s == "SENT"),
        "{:?}",
        results.statuses()
    );
    let log = received(&sim);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (recipient, _) in &log {
        *counts.entry(recipient).or_default() += 1;
    }
    assert_eq!(counts.len(), N, "every message arrived");
    assert!(counts.values().all(|&n| n == 1), "none twice: {counts:?}");
    // A request that left just before the window opened may arrive a moment after; none
    // arrives later inside it.
    let late = start + TimeDelta::milliseconds(100);
    let inside: Vec<_> = log.iter().filter(|(_, t)| *t >= late && *t < end).collect();
    assert!(inside.is_empty(), "arrived in quiet hours: {inside:?}");
    let before = log.iter().filter(|(_, t)| *t < start).count();
    let after = log.iter().filter(|(_, t)| *t >= end).count();
    assert!(
        before > 0 && after > 0,
        "the window came in the middle of the batch ({before} before, {after} after): \
         did smsmerge take two seconds to start?\n{stderr}"
    );
}

#[test]
fn ctrl_c_while_waiting_stops_at_once_and_a_rerun_sends_everything() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = book(&wd, 5);
    let now = Utc::now();
    let window = format!(
        "{}-{}",
        hm(now - TimeDelta::hours(1)),
        hm(now + TimeDelta::hours(1))
    );
    let mut run = Running::start(
        &wd,
        &book,
        &sim.url,
        &["--quiet-hours", &window, "--timezone", "UTC"],
    );
    run.wait_for("waiting until");
    let interrupted = Instant::now();
    let status = std::process::Command::new("kill")
        .arg("-INT")
        .arg(run.child.id().to_string())
        .status()
        .expect("run kill");
    assert!(status.success());
    assert_eq!(run.wait(), Some(130), "{}", run.stderr());
    assert!(interrupted.elapsed() < Duration::from_secs(10));
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
    drop(run);
    let mut rerun = Running::start(&wd, &book, &sim.url, &[]);
    assert_eq!(rerun.wait(), Some(0), "{}", rerun.stderr());
    let results = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(results.statuses(), ["SENT"; 5]);
    assert_eq!(sim.accepted(), 5);
}
