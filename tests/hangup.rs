//! A send whose terminal goes away: started in a pseudo-terminal (`script`), which is then
//! killed, so the kernel hangs the terminal up (SIGHUP, and every later write to it fails with
//! EIO), as when an SSH session drops or the window is closed. The run must end as a
//! Ctrl-C does: the request in flight answered and recorded, the rest NOT SENT, the results
//! written, the lock gone, the log told, exit 130; and the same command sends the rest once.
#![cfg(target_os = "linux")]

mod common;

use common::held::HeldGateway;
use common::running::{DEADLINE, Running};
use common::{Results, Workdir};
use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

const ACCOUNT: [(&str, &str); 3] = [
    ("OTSMS_UID", "7"),
    ("OTSMS_USERNAME", "office"),
    ("OTSMS_PASSWORD", "pw-7"),
];

/// Whether process `pid` ends within `deadline`, waiting on its pidfd (no polling).
fn exited_within(pid: libc::pid_t, deadline: Duration) -> bool {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        // Already gone and reaped.
        return true;
    }
    let fd = fd as libc::c_int;
    let mut watch = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = libc::c_int::try_from(deadline.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, then the descriptor opened above is closed once.
    let ready = unsafe {
        let ready = libc::poll(&mut watch, 1, millis);
        libc::close(fd);
        ready
    };
    ready == 1
}

/// Single quotes for `sh`.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[test]
fn a_hang_up_mid_batch_ends_like_an_interrupt_and_a_rerun_sends_the_rest() {
    const N: usize = 4;
    let wd = Workdir::new();
    let gateway = HeldGateway::start("1000");
    let book = wd.numbered_book(N);
    let send = [
        env!("CARGO_BIN_EXE_smsmerge"),
        "send",
        book.to_str().unwrap(),
        "--base-url",
        &gateway.url,
        "--yes",
        "--sender",
        "OTSMS",
        "-j",
        "3",
        "--log-file",
        "run.log",
    ]
    .map(quoted)
    .join(" ");
    // The shell tells smsmerge's pid, then becomes smsmerge, whose terminal is script's pty.
    let inner = format!("echo $$ > smsmerge.pid; exec {send}");
    let mut script = Command::new("script");
    script
        .args(["-q", "-e", "-c", &inner, "/dev/null"])
        .current_dir(wd.path(""))
        .env("HOME", wd.path(""))
        .env("XDG_CONFIG_HOME", wd.path(""))
        .env_remove("OTSMS_BASE_URL")
        .envs(ACCOUNT)
        .env("TERM", "xterm");
    let terminal = Running::spawn(&wd, script);

    // Three requests refused with a two-minute Retry-After and one in flight: no request
    // can start for two minutes (the deadline is one), whenever the hang-up arrives.
    let busy = |held: common::held::Held| {
        held.answer("429 Too Many Requests", "Retry-After: 120\r\n", "slow down")
    };
    let (first, second, third) = (gateway.next(), gateway.next(), gateway.next());
    busy(first);
    let in_flight = gateway.next();
    busy(second);
    busy(third);
    // Closing the pty's master is the hang-up: smsmerge gets SIGHUP and a dead terminal.
    terminal.signal("KILL");
    let pid = std::fs::read_to_string(wd.path("smsmerge.pid")).expect("smsmerge's pid");
    // The request in flight still gets its answer.
    let mut sent = vec![in_flight.recipient.clone()];
    in_flight.accept();
    // Waits for smsmerge's exit itself (it is script's child, not ours): its pidfd becomes
    // readable when it ends, a zombie of the killed script's included.
    assert!(
        exited_within(pid.trim().parse().expect("a pid"), DEADLINE),
        "smsmerge still runs after the hang-up"
    );
    assert!(
        gateway.try_next().is_none(),
        "a request started after the hang-up"
    );
    drop(terminal);

    let log = std::fs::read_to_string(wd.path("run.log")).expect("the log file");
    assert!(log.contains("interrupted: exit 130"), "{log}");
    let results = Results::read(&wd.path("book.results.xlsx"));
    let statuses = results.statuses();
    assert_eq!(
        statuses.iter().filter(|s| *s == "SENT").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "NOT SENT").count(),
        N - 1,
        "{statuses:?}"
    );
    assert!(!wd.path("book.results.xlsx.journal.lock").exists());
    assert!(wd.path("book.results.xlsx.journal").exists());

    // The same command sends the other three, each once.
    let mut rerun = wd.process();
    rerun
        .arg("send")
        .arg(&book)
        .args(["--base-url", &gateway.url, "--yes", "--sender", "OTSMS"])
        .envs(ACCOUNT);
    let (done, _) = Running::spawn(&wd, rerun).wait_while(|| {
        while let Some(held) = gateway.try_next() {
            sent.push(held.recipient.clone());
            held.accept();
        }
    });
    done.expect_code(0);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &sent {
        *counts.entry(r).or_default() += 1;
    }
    assert_eq!(counts.len(), N);
    assert!(counts.values().all(|&n| n == 1), "sent twice: {counts:?}");
    assert_eq!(
        Results::read(&wd.path("book.results.xlsx")).statuses(),
        ["SENT"; N]
    );
}
