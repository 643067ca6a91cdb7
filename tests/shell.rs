//! `smsmerge completions SHELL` and `smsmerge man`, through the real binary.

mod common;

use common::Workdir;

/// What the binary printed on stdout, after checking it exited 0 with nothing on stderr.
fn stdout_of(wd: &Workdir, args: &[&str]) -> String {
    let out = wd.command().args(args).output().expect("run smsmerge");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?}: {stderr}");
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn completions_for_each_shell_name_the_commands_and_flags() {
    let wd = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&wd, &["completions", shell]);
        // Flags without their dashes: fish writes `-l dry-run`.
        for word in ["smsmerge", "send", "balance", "dry-run", "template-file"] {
            assert!(script.contains(word), "{shell}: no {word:?} in\n{script}");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let wd = Workdir::new();
    let out = wd
        .command()
        .args(["completions", "tcsh"])
        .output()
        .expect("run smsmerge");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
    for shell in ["bash", "elvish", "fish", "powershell", "zsh"] {
        assert!(stderr.contains(shell), "{stderr}");
    }
}

#[test]
fn man_prints_the_main_page_in_roff() {
    let wd = Workdir::new();
    let page = stdout_of(&wd, &["man"]);
    let title = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH header in\n{page}"));
    assert!(title.starts_with(".TH smsmerge 1 "), "{title}");
    assert!(title.contains("smsmerge 0."), "the version: {title}");
    assert!(
        page.contains(".SH NAME\nsmsmerge \\- mail\\-merge for SMS\n"),
        "{page}"
    );
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for command in [
        "send",
        "preview",
        "init",
        "balance",
        "report",
        "simulate",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("smsmerge\\-{command}(1)")),
            "no {command} in\n{page}"
        );
    }
    assert!(
        !page.contains("smsmerge\\-help"),
        "clap's help needs no page"
    );
}

#[test]
fn man_prints_the_page_of_one_command() {
    let wd = Workdir::new();
    let page = stdout_of(&wd, &["man", "send"]);
    assert!(page.contains("\n.TH smsmerge-send 1 "), "{page}");
    assert!(page.contains("smsmerge send"), "{page}");
    for flag in ["\\-\\-dry\\-run", "\\-\\-template\\-file", "\\-\\-rate"] {
        assert!(page.contains(flag), "no {flag} in\n{page}");
    }
}

#[test]
fn man_of_an_unknown_command_names_the_commands() {
    let wd = Workdir::new();
    let out = wd
        .command()
        .args(["man", "sned"])
        .output()
        .expect("run smsmerge");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no command \"sned\"") && stderr.contains("send, preview, init, balance"),
        "{stderr}"
    );
}

#[test]
fn man_out_writes_a_page_per_command() {
    let wd = Workdir::new();
    let listing = stdout_of(&wd, &["man", "--out", "man/man1"]);
    let names = [
        "smsmerge.1",
        "smsmerge-send.1",
        "smsmerge-preview.1",
        "smsmerge-init.1",
        "smsmerge-balance.1",
        "smsmerge-report.1",
        "smsmerge-simulate.1",
        "smsmerge-ui.1",
        "smsmerge-completions.1",
        "smsmerge-man.1",
    ];
    let listed: Vec<&str> = listing.lines().collect();
    let expected: Vec<String> = names
        .iter()
        .map(|n| {
            std::path::Path::new("man/man1")
                .join(n)
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(listed, expected);
    for name in names {
        let page = std::fs::read_to_string(wd.path("man/man1").join(name)).expect("a page");
        assert!(page.contains(".TH "), "{name}");
    }
}

/// The manual of the main command and of `send` has the sections a command's page is
/// expected to have, with every exit code, the account variables and the files.
#[test]
fn the_pages_say_the_exit_codes_the_environment_and_the_files() {
    let wd = Workdir::new();
    for args in [&["man"][..], &["man", "send"]] {
        let page = stdout_of(&wd, args);
        for section in [
            ".SH EXAMPLES",
            ".SH \"EXIT STATUS\"",
            ".SH \"ENVIRONMENT\"",
            ".SH \"FILES\"",
        ] {
            assert!(page.contains(section), "{args:?}: no {section} in\n{page}");
        }
        for term in [
            "0",
            "1",
            "2",
            "75",
            "130",
            "OTSMS_PASSWORD",
            "RESULTS.journal",
        ] {
            assert!(
                page.contains(&format!(".TP\n\\fB{term}")),
                "{args:?}: no {term} in\n{page}"
            );
        }
        assert!(!page.contains(".SH EXTRA"), "{page}");
    }
    // The other pages keep their own notes.
    assert!(stdout_of(&wd, &["man", "init"]).contains(".SH EXTRA"));
}

/// `-h` is a summary: one line per option, under headings, and a pointer to the rest;
/// `--help` adds the long texts, the examples, the exit codes, the environment and the files.
#[test]
fn send_h_is_a_summary_and_help_the_whole_story() {
    let wd = Workdir::new();
    let short = stdout_of(&wd, &["send", "-h"]);
    let long = stdout_of(&wd, &["send", "--help"]);
    for heading in [
        "\nInput:\n",
        "\nMessage:\n",
        "\nChecks:\n",
        "\nResults:\n",
        "\nGateway:\n",
        "\nSending:\n",
        "\nSchedule:\n",
    ] {
        assert!(short.contains(heading), "no {heading:?} in\n{short}");
        assert!(long.contains(heading), "no {heading:?} in\n{long}");
    }
    assert!(short.contains("--help"), "{short}");
    for section in ["Examples:", "Exit status:", "Environment:", "Files:"] {
        assert!(!short.contains(section), "{section} in\n{short}");
        assert!(long.contains(section), "no {section} in\n{long}");
    }
    assert!(
        long.contains("  130\n      Interrupted"),
        "every exit code: {long}"
    );
    let (short_lines, long_lines) = (short.lines().count(), long.lines().count());
    assert!(
        short_lines * 2 < long_lines,
        "-h {short_lines} lines, --help {long_lines}"
    );
}
