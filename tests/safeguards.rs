//! The mistakes people make around a send, and what stops each one from costing a message or
//! a record: a results file open in Excel, a results file that cannot be written, a dry run
//! or a simulation over a real send's results, a dry run while the batch is being sent, "n"
//! and Ctrl-C at the confirmation prompt.
//!
//! Every send goes to a gateway on loopback (`smsmerge simulate`, or a scripted gateway that
//! can hold its answers), and every test counts what reached it. Moments to act are found by
//! waiting for an event (a request received, a line printed), never for a duration.
#![cfg(unix)]

mod common;

use common::{Results, ScriptedGateway, SimProcess, Unwritable, Workdir, expect_exit};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// No run here may take longer; one that does fails the test.
const DEADLINE: Duration = Duration::from_secs(60);

/// Three one-segment messages to three numbers.
fn book(wd: &Workdir) -> PathBuf {
    wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Message"],
            &["+96170000001", "First message"],
            &["+96170000002", "Second message"],
            &["+96170000003", "Third message"],
        ],
    )
}

/// Polls `ready` until it holds; fails after [`DEADLINE`].
#[track_caller]
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < DEADLINE, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for a spawned smsmerge to end; its exit code.
#[track_caller]
fn wait_for_exit(child: &mut Child) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return status.code();
        }
        assert!(started.elapsed() < DEADLINE, "smsmerge is still running");
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------------------------------------
// The results file, checked before the first message

#[test]
fn a_results_file_open_in_excel_or_libreoffice_is_refused_before_any_request() {
    for (lock, program) in [
        ("~$book.results.xlsx", "Excel"),
        (".~lock.book.results.xlsx#", "LibreOffice"),
    ] {
        let wd = Workdir::new();
        let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
        let book = book(&wd);
        wd.file("book.results.xlsx", "an earlier send's results");
        wd.file(lock, "");
        let stderr = expect_exit(wd.send_to(&book, &sim.url, &[]), 2);
        assert!(
            stderr.contains(&format!(
                "close book.results.xlsx in {program} (it is open there) and run the same command again; nothing was sent"
            )),
            "{stderr}"
        );
        assert_eq!(sim.accepted(), 0);
        assert_eq!(
            std::fs::read_to_string(wd.path("book.results.xlsx")).unwrap(),
            "an earlier send's results"
        );
        assert!(!wd.path("book.results.xlsx.journal").exists());
        assert!(!wd.path("book.results.xlsx.journal.lock").exists());
    }
}

#[test]
fn a_results_file_or_folder_that_cannot_be_written_is_refused_before_any_request() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    let book = book(&wd);
    std::fs::create_dir(wd.path("out")).unwrap();
    let results = wd.path("out/book.results.xlsx");
    std::fs::write(&results, "an earlier send's results").unwrap();
    let output = ["-o", "out/book.results.xlsx"];
    {
        let Some(_unwritable) = Unwritable::make(&results) else {
            eprintln!("skipped: neither chmod nor chattr +i makes a file unwritable here");
            return;
        };
        let stderr = expect_exit(wd.send_to(&book, &sim.url, &output), 2);
        assert!(
            stderr.contains("out/book.results.xlsx cannot be replaced (")
                && stderr.ends_with("nothing was sent\n"),
            "{stderr}"
        );
    }
    {
        let Some(_unwritable) = Unwritable::make(&wd.path("out")) else {
            eprintln!("skipped: neither chmod nor chattr +i makes a folder unwritable here");
            return;
        };
        let stderr = expect_exit(wd.send_to(&book, &sim.url, &output), 2);
        assert!(
            stderr.contains("the results cannot be written in the folder out (")
                && stderr.ends_with("nothing was sent\n"),
            "{stderr}"
        );
    }
    assert_eq!(sim.accepted(), 0);
    assert_eq!(
        std::fs::read_to_string(&results).unwrap(),
        "an earlier send's results"
    );
}

/// The folder is made unwritable while the gateway holds the answers, after the check and
/// before the results are written: the send ends saying what was sent and how to get the
/// results from the journal, with exit 1 (something was sent), and `smsmerge report` then
/// writes them.
#[test]
fn results_that_cannot_be_written_after_sending_say_what_was_sent_and_what_to_do() {
    let wd = Workdir::new();
    let gateway = ScriptedGateway::start("100", "OK: 7", Duration::ZERO);
    let book = book(&wd);
    std::fs::create_dir(wd.path("out")).unwrap();
    gateway.hold_sends();
    let mut child = wd
        .process()
        .arg("send")
        .arg(&book)
        .args(["--base-url", &gateway.url, "--yes", "--sender", "OTSMS"])
        .args(["-j", "3", "--json", "-o", "out/book.results.xlsx"])
        .env("OTSMS_UID", "4242")
        .env("OTSMS_USERNAME", "shop")
        .env("OTSMS_PASSWORD", common::TEST_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start smsmerge send");
    wait_until("the three requests", || gateway.sends() == 3);
    let unwritable = Unwritable::make(&wd.path("out"));
    gateway.release_sends();
    let code = wait_for_exit(&mut child);
    let mut stderr = String::new();
    let mut stdout = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let Some(unwritable) = unwritable else {
        eprintln!("skipped: neither chmod nor chattr +i makes a folder unwritable here");
        return;
    };
    assert_eq!(code, Some(1), "{stderr}");
    let journal = "out/book.results.xlsx.journal";
    assert!(
        stderr.contains(&format!(
            "; 3 messages were sent and the journal {journal} has every outcome: close out/book.results.xlsx (if it is open in Excel or LibreOffice) or make it writable, then run `smsmerge report {journal}` to write the results"
        )),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("(os error").count(),
        1,
        "the cause once: {stderr}"
    );
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["results"], serde_json::Value::Null);
    assert_eq!(json["statuses"]["SENT"], 3);
    assert!(
        json["results_error"]
            .as_str()
            .unwrap()
            .contains("smsmerge report")
    );
    assert!(!wd.path("out/book.results.xlsx").exists());

    drop(unwritable);
    let mut report = wd.command();
    report.args(["report", journal]);
    expect_exit(report, 0);
    let results = Results::read(&wd.path("out/book.results.xlsx"));
    assert_eq!(results.statuses(), ["SENT"; 3]);
    // The journal does not say finished without its results: the same send resumes, sends
    // nothing, and says the batch is done.
    let mut again = wd.send_to(&book, &gateway.url, &["-o", "out/book.results.xlsx"]);
    again.env("OTSMS_UID", "4242");
    expect_exit(again, 0);
    assert_eq!(gateway.sends(), 3);
}

// ---------------------------------------------------------------------------------------------
// Dry runs and simulations never take a real send's place

#[test]
fn a_dry_run_after_a_send_leaves_the_real_results_byte_identical() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    let book = book(&wd);
    expect_exit(wd.send_to(&book, &sim.url, &[]), 0);
    let real = std::fs::read(wd.results("book")).unwrap();
    let journal = std::fs::read(wd.path("book.results.xlsx.journal")).unwrap();

    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 0);
    assert!(
        stderr.contains(
            "book.results.xlsx holds the results of a real send, so they are left as they are; this run's results go to "
        ) && stderr.contains("book.dry-run.xlsx"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(wd.results("book")).unwrap(), real);
    assert_eq!(
        std::fs::read(wd.path("book.results.xlsx.journal")).unwrap(),
        journal
    );
    let dry = Results::read(&wd.path("book.dry-run.xlsx"));
    assert_eq!(dry.statuses(), ["READY"; 3]);
    // Quietly too: a script's dry run (-q) is the one that overwrote them.
    expect_exit(wd.dry_run(&book, &["--sender", "OTSMS", "-q"]), 0);
    assert_eq!(std::fs::read(wd.results("book")).unwrap(), real);
}

#[test]
fn a_simulation_never_takes_a_real_send_s_place_nor_counts_as_sent() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    let book = book(&wd);
    // A simulation first: its results sit apart, and the real send after it sends everything.
    let mut simulated = wd.command();
    simulated
        .arg("send")
        .arg(&book)
        .args(["--simulate", "--yes", "--sender", "OTSMS"]);
    expect_exit(simulated, 0);
    assert_eq!(
        Results::read(&wd.simulated_results("book")).statuses(),
        ["SENT"; 3]
    );
    assert!(!wd.results("book").exists());
    expect_exit(wd.send_to(&book, &sim.url, &[]), 0);
    assert_eq!(sim.accepted(), 3);
    let real = std::fs::read(wd.results("book")).unwrap();

    // Pointed at the real results, a simulation writes beside them.
    let mut over = wd.command();
    over.arg("send").arg(&book).args([
        "--simulate",
        "--yes",
        "--sender",
        "OTSMS",
        "-o",
        "book.results.xlsx",
    ]);
    let stderr = expect_exit(over, 0);
    assert!(
        stderr.contains("this run's results go to book.simulated.xlsx"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(wd.results("book")).unwrap(), real);
    assert_eq!(sim.accepted(), 3);
}

#[test]
fn a_dry_run_while_the_batch_is_being_sent_is_refused() {
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    let book = book(&wd);
    // A send that holds the batch's lock while it waits for its start time.
    let stderr_path = wd.path("waiting.stderr");
    let mut waiting = wd
        .process()
        .arg("send")
        .arg(&book)
        .args(["--base-url", &sim.url, "--yes", "--sender", "OTSMS"])
        .args(["--not-before", "2099-01-01 00:00", "--timezone", "UTC"])
        .env("OTSMS_UID", "4242")
        .env("OTSMS_USERNAME", "shop")
        .env("OTSMS_PASSWORD", common::TEST_PASSWORD)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start smsmerge send");
    wait_until("the send to wait", || {
        std::fs::read_to_string(&stderr_path).is_ok_and(|t| t.contains("waiting until"))
    });
    let stderr = expect_exit(wd.dry_run(&book, &["--sender", "OTSMS"]), 2);
    assert!(
        stderr.contains("no dry run while this batch is being sent: another smsmerge"),
        "{stderr}"
    );
    assert!(!wd.results("book").exists());
    assert!(!wd.path("book.dry-run.xlsx").exists());
    let _ = waiting.kill();
    let _ = waiting.wait();
    assert_eq!(sim.accepted(), 0);
}

// ---------------------------------------------------------------------------------------------
// The confirmation prompt, on a terminal (`script` gives smsmerge one)

/// The `script` command, which runs a command on a pseudo-terminal.
fn script() -> Option<&'static str> {
    ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// `smsmerge send book.xlsx --base-url URL --sender OTSMS ARGS...` on a terminal, with the
/// test account, its input and output through `script`.
fn on_a_terminal(wd: &Workdir, script: &str, url: &str, args: &str) -> std::process::Command {
    let smsmerge = env!("CARGO_BIN_EXE_smsmerge");
    let mut cmd = std::process::Command::new(script);
    cmd.args([
        "-qefc",
        &format!("{smsmerge} send book.xlsx --base-url {url} --sender OTSMS {args}"),
        "/dev/null",
    ])
    .current_dir(wd.path("."))
    .env("HOME", wd.path("."))
    .env("XDG_CONFIG_HOME", wd.path("."))
    .env_remove("OTSMS_BASE_URL")
    .env("OTSMS_UID", "4242")
    .env("OTSMS_USERNAME", "shop")
    .env("OTSMS_PASSWORD", common::TEST_PASSWORD)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    cmd
}

/// Runs it, typing `answer` once the question is on the screen; the exit code and what the
/// terminal showed.
fn answer_prompt(mut cmd: std::process::Command, answer: &[u8]) -> (Option<i32>, String) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut child = cmd.spawn().expect("run script");
    let mut stdout = child.stdout.take().unwrap();
    let (shown, screen) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || shown.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut text = Vec::new();
    let started = Instant::now();
    while !String::from_utf8_lossy(&text).contains("[y/N]") {
        let so_far = String::from_utf8_lossy(&text).into_owned();
        assert!(started.elapsed() < DEADLINE, "no question: {so_far}");
        match screen.recv_timeout(Duration::from_millis(50)) {
            Ok(bytes) => text.extend(bytes),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => panic!("ended without asking: {so_far}"),
        }
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(answer).unwrap();
    stdin.flush().unwrap();
    let code = wait_for_exit(&mut child);
    drop(stdin);
    reader.join().unwrap();
    text.extend(screen.try_iter().flatten());
    (code, String::from_utf8_lossy(&text).into_owned())
}

#[test]
fn no_at_the_prompt_is_a_plain_line_and_leaves_nothing_behind() {
    let Some(script) = script() else {
        eprintln!("skipped: no `script` command to give smsmerge a terminal");
        return;
    };
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    let book = book(&wd);
    let (code, screen) = answer_prompt(on_a_terminal(&wd, script, &sim.url, ""), b"n\n");
    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("smsmerge: nothing sent: you answered no"),
        "{screen}"
    );
    assert!(!screen.contains("error"), "{screen}");
    let left: Vec<String> = wd
        .listing()
        .into_iter()
        .filter(|name| !name.starts_with("sim-"))
        .collect();
    assert_eq!(left, ["book.xlsx"], "no journal, lock or results");

    // After a complete send, --again asks in words, and "n" still sends nothing.
    expect_exit(wd.send_to(&book, &sim.url, &[]), 0);
    let journal = std::fs::read(wd.path("book.results.xlsx.journal")).unwrap();
    let (code, screen) = answer_prompt(on_a_terminal(&wd, script, &sim.url, "--again"), b"n\n");
    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("through 127.0.0.1:")
            && screen.contains(" again (this batch was sent completely on ")
            && screen.contains(")? [y/N]"),
        "{screen}"
    );
    assert_eq!(sim.accepted(), 3);
    assert_eq!(
        std::fs::read(wd.path("book.results.xlsx.journal")).unwrap(),
        journal
    );
}

#[test]
fn ctrl_c_at_the_prompt_ends_the_run_and_releases_the_lock() {
    let Some(script) = script() else {
        eprintln!("skipped: no `script` command to give smsmerge a terminal");
        return;
    };
    let wd = Workdir::new();
    let sim = SimProcess::start(&wd, &["--account", common::TEST_ACCOUNT]);
    book(&wd);
    // ^C typed on the terminal: its line discipline turns it into SIGINT.
    let (code, screen) = answer_prompt(on_a_terminal(&wd, script, &sim.url, ""), b"\x03");
    assert_eq!(code, Some(130), "{screen}");
    assert!(
        screen.contains("interrupted before the first message: nothing was sent"),
        "{screen}"
    );
    assert!(!wd.path("book.results.xlsx.journal.lock").exists());
    assert!(!wd.path("book.results.xlsx.journal").exists());
    assert!(!wd.results("book").exists());
    assert_eq!(sim.accepted(), 0);
}
