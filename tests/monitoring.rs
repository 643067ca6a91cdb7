//! Machine-readable ends of a run: `--json` prints exactly one JSON object
//! on stdout, `--log-file` appends timestamped lines; both for failures too, and neither ever
//! shows the password.

mod common;

use common::clock::TestClock;
use common::running::Running;
use common::{SimProcess, Workdir};
use serde_json::Value;

const PASSWORD: &str = "S3cr3t-P@ss+&%";

fn book(wd: &Workdir) -> std::path::PathBuf {
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Message"],
            &["96170000001", "Rana", "Hi {{Name}}"],
            &["96170000002", "أحمد", "مرحبا {{Name}}"],
            &["not a number", "Omar", "Hi {{Name}}"],
        ],
    )
}

/// Runs and returns (exit code, stdout, stderr).
fn run(mut cmd: assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("run smsmerge");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// stdout must be exactly one line holding one JSON object.
fn only_json(stdout: &str) -> Value {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout: {stdout:?}");
    let value: Value = serde_json::from_str(lines[0]).expect("stdout is JSON");
    assert!(value.is_object(), "{value}");
    value
}

#[test]
fn a_dry_run_prints_one_json_object_with_the_counts() {
    let wd = Workdir::new();
    let path = book(&wd);
    let (code, stdout, stderr) = run(wd.dry_run(&path, &["--sender", "OTSMS", "--json"]));
    assert_eq!(code, 1, "{stderr}");
    let json = only_json(&stdout);
    assert_eq!(json["command"], "send");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["ok"], false);
    assert_eq!(json["rows"], 3);
    assert_eq!(json["statuses"]["READY"], 2);
    assert_eq!(json["statuses"]["INVALID"], 1);
    assert_eq!(json["statuses"]["SENT"], 0);
    assert_eq!(json["messages"], 2);
    assert_eq!(json["segments"]["total"], 2);
    assert_eq!(json["segments"]["gsm7"]["messages"], 1);
    assert_eq!(json["segments"]["ucs2"]["messages"], 1);
    assert_eq!(json["interrupted"], false);
    let results = json["results"].as_str().expect("results path");
    assert!(std::path::Path::new(results).is_file() || wd.path(results).is_file());
    assert!(json["duration_seconds"].as_f64().expect("seconds") >= 0.0);
    // The terminal output is still there, on stderr.
    assert!(stderr.contains("results written to"), "{stderr}");
}

#[test]
fn sends_append_timestamped_lines_to_the_log_file() {
    let wd = Workdir::new();
    let path = book(&wd);
    let log = wd.path("nightly.log");
    for _ in 0..2 {
        let mut cmd = wd.command();
        cmd.arg("send")
            .arg(&path)
            .args([
                "--sender",
                "OTSMS",
                "--simulate",
                "--yes",
                "--fresh",
                "--json",
            ])
            .arg("--log-file")
            .arg(&log);
        let (code, stdout, stderr) = run(cmd);
        assert_eq!(code, 1, "{stderr}");
        let json = only_json(&stdout);
        assert_eq!(json["statuses"]["SENT"], 2);
        assert!(json["sending_seconds"].is_number(), "{json}");
    }
    let text = std::fs::read_to_string(&log).expect("the log file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for line in &lines {
        // 2026-11-26T01:50:00+00:00 smsmerge[123] ...
        let stamp = line.split(' ').next().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
            "not a timestamp: {line}"
        );
        assert!(line.contains(" smsmerge["), "{line}");
    }
    let start = format!("start: send {} (simulated)", path.display());
    assert!(lines[0].ends_with(&start), "{}", lines[0]);
    assert!(
        lines[1].contains("done: exit 1; 3 rows: SENT 2, INVALID 1; 2 segments; results "),
        "{}",
        lines[1]
    );
}

#[test]
fn a_failed_run_still_reports_in_json_and_in_the_log_without_the_password() {
    let wd = Workdir::new();
    let path = book(&wd);
    let sim = SimProcess::start(&wd, &["--account", "4242:shop:right-password"]);
    let log = wd.path("cron.log");
    let mut cmd = wd.command();
    cmd.arg("send")
        .arg(&path)
        .args([
            "--sender",
            "OTSMS",
            "--yes",
            "--json",
            "--base-url",
            &sim.url,
        ])
        .arg("--log-file")
        .arg(&log)
        .env("OTSMS_UID", "4242")
        .env("OTSMS_USERNAME", "shop")
        .env("OTSMS_PASSWORD", PASSWORD);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    let json = only_json(&stdout);
    assert_eq!(json["exit_code"], 2);
    let logged = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        logged.contains("(exit 2)") || logged.contains("exit 2"),
        "{logged}"
    );
    for text in [&stdout, &stderr, &logged] {
        assert!(!text.contains(PASSWORD), "password leaked: {text}");
        assert!(!text.contains("S3cr3t"), "password leaked: {text}");
    }

    // A start-up error: the book does not exist.
    let mut cmd = wd.command();
    cmd.args([
        "send",
        "missing.xlsx",
        "--sender",
        "OTSMS",
        "--dry-run",
        "--json",
    ])
    .arg("--log-file")
    .arg(&log);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 2);
    let json = only_json(&stdout);
    assert_eq!(json["exit_code"], 2);
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|e| e.contains("missing.xlsx: no such file")),
        "{json}"
    );
    let logged = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        logged
            .lines()
            .last()
            .is_some_and(|l| l.contains("error: missing.xlsx: no such file (exit 2)")),
        "{logged}"
    );
}

#[test]
fn an_unwritable_log_file_stops_the_run_before_anything_is_done() {
    let wd = Workdir::new();
    let path = book(&wd);
    std::fs::create_dir(wd.path("logs")).expect("a folder");
    let mut cmd = wd.dry_run(&path, &["--sender", "OTSMS", "--log-file", "logs"]);
    cmd.arg("--json");
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--log-file logs: cannot open it for appending")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(!wd.path("book.results.xlsx").exists());
    // Even then, --json gets its object.
    assert_eq!(only_json(&stdout)["exit_code"], 2);
}

/// The log and the JSON follow the batch as it goes: a send that waits for quiet hours says
/// so in the log when the wait starts and when sending resumes, its JSON lists the pause, and
/// a stop (Ctrl-C while waiting) is logged before the run's last line.
#[cfg(unix)]
#[test]
fn pauses_resumes_and_stops_are_logged_as_they_happen_and_listed_in_the_json() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &[]);
    let book = wd.numbered_book(3);
    let log = wd.path("night.log");
    let clock = TestClock::new("2025-06-01T12:00:00Z");
    let start = || {
        let mut command = wd.process();
        command
            .arg("send")
            .arg(&book)
            .args([
                "--base-url",
                &sim.url,
                "--yes",
                "--sender",
                "OTSMS",
                "--json",
            ])
            .args(["--quiet-hours", "11:00-13:00", "--timezone", "UTC"])
            .arg("--log-file")
            .arg(&log)
            .envs([
                ("OTSMS_UID", "1000"),
                ("OTSMS_USERNAME", "demo"),
                ("OTSMS_PASSWORD", "demo"),
            ])
            .env(clock.env().0, clock.env().1);
        Running::spawn(&wd, command)
    };

    // Stopped while waiting.
    let mut run = start();
    run.wait_for_line("waiting until 13:00");
    run.signal("INT");
    let done = run.wait();
    done.expect_code(130);
    let logged = std::fs::read_to_string(&log).expect("the log file");
    let lines: Vec<&str> = logged.lines().collect();
    assert_eq!(lines.len(), 4, "{logged}");
    assert!(
        lines[1].ends_with("paused: quiet hours 11:00-13:00 (UTC): waiting until 13:00 (in 1h0m)"),
        "{logged}"
    );
    assert!(
        lines[2].ends_with("stopping early: interrupted"),
        "{logged}"
    );
    assert!(lines[3].contains("interrupted: exit 130"), "{logged}");
    let json = only_json(&done.stdout);
    assert_eq!(json["pauses"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["pauses"][0]["until"], "2025-06-01T13:00:00+00:00");

    // Waiting, then sending when the window ends.
    let mut run = start();
    run.wait_for_line("waiting until 13:00");
    clock.set("2025-06-01T13:00:00Z");
    let done = run.wait();
    done.expect_code(0);
    assert_eq!(sim.accepted(), 3);
    let logged = std::fs::read_to_string(&log).expect("the log file");
    let lines: Vec<&str> = logged.lines().skip(4).collect();
    assert_eq!(lines.len(), 4, "{logged}");
    assert!(
        lines[1].contains("paused: quiet hours 11:00-13:00"),
        "{logged}"
    );
    assert!(lines[2].ends_with("sending resumed"), "{logged}");
    assert!(
        lines[3].contains("done: exit 0; 3 rows: SENT 3"),
        "{logged}"
    );
    let json = only_json(&done.stdout);
    assert_eq!(json["pauses"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["statuses"]["SENT"], 3);
}
