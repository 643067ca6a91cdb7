//! Stopping a send: a signal ends every wait at once (the rate limiter's, a `Retry-After`,
//! a backoff) while requests in flight get their answer; and the run ends with the results,
//! the journal and the locks as a rerun needs them. The gateway is a test server that answers
//! when the test says, so "three requests waiting out a Retry-After" is a state the test sets
//! up; each check waits for an event (a request, a line, the exit) with a deadline far
//! shorter than the waits a stop must cut short.
#![cfg(unix)]

mod common;

use common::held::HeldGateway;
use common::running::{Done, Running};
use common::{Results, Workdir};
use std::collections::HashMap;
use std::path::Path;

/// Any account: the test gateway does not check it.
const ACCOUNT: [(&str, &str); 3] = [
    ("OTSMS_UID", "7"),
    ("OTSMS_USERNAME", "office"),
    ("OTSMS_PASSWORD", "pw-7"),
];

/// `smsmerge send BOOK --base-url URL --yes --sender OTSMS ARGS...`.
fn send_command(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> std::process::Command {
    let mut command = wd.process();
    command
        .arg("send")
        .arg(book)
        .args(["--base-url", url, "--yes", "--sender", "OTSMS"])
        .args(args)
        .envs(ACCOUNT);
    command
}

/// [`send_command`] as a child.
fn start(wd: &Workdir, book: &Path, url: &str, args: &[&str]) -> Running {
    Running::spawn(wd, send_command(wd, book, url, args))
}

/// Runs the same send again to its end, accepting every request; the recipients it sent.
fn rerun_accepting(
    wd: &Workdir,
    book: &Path,
    gateway: &HeldGateway,
    args: &[&str],
) -> (Done, Vec<String>) {
    let mut sent = Vec::new();
    let (done, _) = start(wd, book, &gateway.url, args).wait_while(|| {
        while let Some(held) = gateway.try_next() {
            sent.push(held.recipient.clone());
            held.accept();
        }
    });
    (done, sent)
}

#[track_caller]
fn assert_once_each(recipients: &[String]) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in recipients {
        *counts.entry(r).or_default() += 1;
    }
    assert!(counts.values().all(|&n| n == 1), "sent twice: {counts:?}");
}

#[test]
fn a_stop_ends_a_retry_after_wait_at_once() {
    const N: usize = 4;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = wd.numbered_book(N);
    let args = ["-j", "3"];
    let run = start(&wd, &book, &gateway.url, &args);
    let busy = |held: common::held::Held| {
        held.answer("429 Too Many Requests", "Retry-After: 120\r\n", "slow down")
    };
    let (first, second, third) = (gateway.next(), gateway.next(), gateway.next());
    busy(first);
    // The fourth request takes the slot the first gave up as it began its two-minute wait.
    let fourth = gateway.next();
    for held in [second, third, fourth] {
        busy(held);
    }
    run.signal("INT");
    // The deadline (60 s) is half the Retry-After: only a stop that ends the wait passes.
    let (done, _) = run.wait_while(|| assert!(gateway.try_next().is_none(), "sent after the stop"));
    done.expect_code(130);
    // The last line says none went, not "4 of 4 messages done".
    assert!(
        done.stderr.contains(
            "smsmerge: 0 of 4 sent, 4 not sent (interrupted): run the same command again to send them"
        ),
        "{}",
        done.stderr
    );
    let results = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(results.statuses(), ["NOT SENT"; N]);
    assert_eq!(results.column("Detail"), ["not sent: interrupted"; N]);
    assert_eq!(results.column("Attempts"), ["1"; N]);
    assert!(!wd.path("book.results.xlsx.journal.lock").exists());

    // Refused with 429, they certainly did not go: the rerun sends each once.
    let (done, sent) = rerun_accepting(&wd, &book, &gateway, &args);
    done.expect_code(0);
    assert_eq!(sent.len(), N);
    assert_once_each(&sent);
}

#[test]
fn a_stop_ends_the_rate_limiters_wait_at_once() {
    const N: usize = 40;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = wd.numbered_book(N);
    // One message every ten seconds, 32 in the queue: the last would wait over five minutes.
    let args = ["--rate", "0.1", "-j", "32"];
    let run = start(&wd, &book, &gateway.url, &args);
    let first = gateway.next();
    let mut sent = vec![first.recipient.clone()];
    first.accept();
    // The others have their slots and wait for the pacer's next release, ten seconds on.
    run.signal("TERM");
    let (done, _) = run.wait_while(|| {
        // A message the pacer let go just before the signal is answered like any other.
        while let Some(held) = gateway.try_next() {
            sent.push(held.recipient.clone());
            held.accept();
        }
    });
    done.expect_code(130);
    let results = Results::read(&wd.path("book.results.xlsx"));
    let statuses = results.statuses();
    let sent_rows = statuses.iter().filter(|s| *s == "SENT").count();
    assert_eq!(sent_rows, sent.len(), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| s == "SENT" || s == "NOT SENT"),
        "{statuses:?}"
    );

    let (done, again) = rerun_accepting(&wd, &book, &gateway, &["-j", "32"]);
    done.expect_code(0);
    sent.extend(again);
    assert_eq!(sent.len(), N);
    assert_once_each(&sent);
}

#[test]
fn a_ctrl_c_during_the_results_write_lets_it_finish_and_the_run_ends_interrupted() {
    const N: usize = 3;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = wd.numbered_book(N);
    // The send waits at this file, just before it writes the results, until the test
    // removes it: the Ctrl-C comes during the write's phase, whatever the machine's speed.
    let gate = wd.path("results-gate");
    let mut command = send_command(&wd, &book, &gateway.url, &[]);
    command.env("SMSMERGE_TEST_RESULTS_GATE", &gate);
    let mut run = Running::spawn(&wd, command);
    let mut sent = Vec::new();
    run.wait_for("the results write", || {
        while let Some(held) = gateway.try_next() {
            sent.push(held.recipient.clone());
            held.accept();
        }
        gate.exists()
    });
    run.signal("INT");
    run.wait_for_line("interrupted: finishing the results file");
    std::fs::remove_file(&gate).unwrap();
    let done = run.wait();
    done.expect_code(130);
    let said = |text: &str| {
        done.stderr
            .find(text)
            .unwrap_or_else(|| panic!("{text:?} not in:\n{}", done.stderr))
    };
    assert!(
        said(
            "interrupted while the results were being written: sending had ended, so nothing was sent after the interrupt; the results were written to the end first"
        ) < said("results written to"),
        "{}",
        done.stderr
    );
    assert_eq!(sent.len(), N);
    let results = Results::read(&wd.path("book.results.xlsx"));
    assert_eq!(results.statuses(), ["SENT"; N]);
    assert!(!wd.path("book.results.xlsx.journal.lock").exists());

    // Interrupted, the run is not marked finished: the same command sends nothing and
    // writes the results again.
    let (done, again) = rerun_accepting(&wd, &book, &gateway, &[]);
    done.expect_code(0);
    assert!(again.is_empty(), "sent again: {again:?}");
    assert_eq!(
        Results::read(&wd.path("book.results.xlsx")).statuses(),
        ["SENT"; N]
    );
}

#[test]
fn a_results_file_a_killed_write_left_behind_is_removed_by_the_next_run() {
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = wd.numbered_book(2);
    // What a kill during a results write leaves: the hidden temporary file, never renamed.
    let left = wd.path(".smsmerge-Ab12Cd.part");
    let file = std::fs::File::create(&left).unwrap();
    let two_hours = std::time::Duration::from_secs(7200);
    file.set_modified(std::time::SystemTime::now() - two_hours)
        .unwrap();
    drop(file);
    let (done, sent) = rerun_accepting(&wd, &book, &gateway, &[]);
    done.expect_code(0);
    assert_eq!(sent.len(), 2);
    assert!(!left.exists());
    assert!(
        done.stderr.contains(
            ".smsmerge-Ab12Cd.part, a results file an earlier run did not finish writing"
        ),
        "{}",
        done.stderr
    );
}
