//! The words around the flags in `--help` and the manual page: examples, exit codes, the
//! environment and the files smsmerge reads and writes.

/// The examples of `--help` and the manual: the common jobs, ready to paste.
pub const EXAMPLES: &str = "\
Examples:
  Start a campaign folder with a sample workbook and config to fill in:
    smsmerge init campaign

  See the first messages as they would go, and check every row (writes the results, sends
  nothing, needs no account):
    smsmerge preview customers.xlsx --sender MYSHOP --country-code 961
    smsmerge send customers.xlsx --sender MYSHOP --country-code 961 --dry-run

  Try the whole send against the built-in simulator (no account needed):
    smsmerge send customers.xlsx --sender OTSMS --country-code 961 --simulate --yes

  Send for real, leaving out opt-outs (credentials from OTSMS_UID, OTSMS_USERNAME,
  OTSMS_PASSWORD or the config file):
    smsmerge send customers.xlsx --sender MYSHOP --exclude optouts.csv -j 8 --rate 20

  One template for every row, from the command line, a file or the Templates sheet:
    smsmerge send customers.xlsx --sender MYSHOP --template 'Dear {{Name}}, your order is ready.'
    smsmerge send book.xlsx --sheet March --template-file notice.txt --sender MYSHOP
    smsmerge send book.xlsx --template-name reminder --sender MYSHOP

  Every night from cron, never between 21:00 and 08:00, with a log and a JSON summary:
    smsmerge send nightly.xlsx --yes --quiet --quiet-hours 21:00-08:00 \\
        --timezone Asia/Beirut --log-file /var/log/smsmerge.log --json
";

/// What `-h` says after the options: where the rest is.
pub(super) const SHORT_AFTER_HELP: &str = "\
Examples, exit codes, environment variables and files: --help, or `smsmerge man send | man -l -`.";

/// The exit codes, as `--help`, the manual and the README list them.
pub const EXIT_STATUS: [(&str, &str); 5] = [
    (
        "0",
        "Every row is fine: READY or SENT (DUPLICATE and SKIPPED rows are left out on purpose), or the batch was sent completely before and there is nothing to do.",
    ),
    (
        "1",
        "Some rows need a look: INVALID, FAILED, UNCERTAIN or NOT SENT (the results say which); or \"no\" at the prompt; or the results could not be written after sending (the journal has them).",
    ),
    (
        "2",
        "Bad invocation or unreadable input, or nothing could be sent (account refused, gateway unreachable, results file open in Excel): nothing was done; one line on stderr says why.",
    ),
    (
        "75",
        "Not a time to send (--quiet-hours, --not-before) and --no-wait: nothing was done; try again later (EX_TEMPFAIL).",
    ),
    (
        "130",
        "Interrupted (Ctrl-C, SIGTERM): what was sent is in the results and the journal; run the same command again to send the rest.",
    ),
];

/// The environment variables smsmerge reads.
pub const ENVIRONMENT: [(&str, &str); 4] = [
    (
        "OTSMS_UID, OTSMS_USERNAME",
        "The account, before the config file's uid and username.",
    ),
    (
        "OTSMS_PASSWORD",
        "Its password, before the config file's password or password_file (it is never a flag, and never shown).",
    ),
    (
        "OTSMS_BASE_URL",
        "The gateway, between --base-url and the config file's base_url [default: http://www.ot-sms.com].",
    ),
    ("TZ", "The machine's time zone: the default of --timezone."),
];

/// The files smsmerge reads and writes.
pub const FILES: [(&str, &str); 6] = [
    (
        "./smsmerge.toml, ~/.config/smsmerge/config.toml",
        "The config file (--config), the first found.",
    ),
    (
        "BOOK.results.xlsx",
        "The results, beside the input (-o). A dry run over a real send's results writes BOOK.dry-run.xlsx instead; --simulate writes BOOK.simulated.xlsx.",
    ),
    (
        "RESULTS.journal",
        "Every request and answer of a send: a rerun resumes and sends nothing twice; `smsmerge report RESULTS.journal` rebuilds the results.",
    ),
    (
        "RESULTS.journal.lock",
        "Held while a send of the batch runs: a second send, or a dry run, is refused.",
    ),
    (
        "RESULTS.journal.YYYYmmddTHHMMSS",
        "The journal of an earlier run, kept when a new one starts.",
    ),
    (
        "~$RESULTS, .~lock.RESULTS#",
        "Excel's and LibreOffice's lock files: while one is beside the results file, a send is refused before the first message.",
    ),
];

/// A titled list of (term, meaning) pairs as `--help` shows them.
fn help_section(title: &str, entries: &[(&str, &str)]) -> String {
    let mut out = format!("{title}:\n");
    for (term, meaning) in entries {
        out.push_str(&format!("  {term}\n      {meaning}\n"));
    }
    out
}

/// What `--help` says after the options: examples, then the exit codes, the environment and
/// the files.
pub(super) fn long_after_help() -> String {
    [
        EXAMPLES.to_owned(),
        help_section("Exit status", &EXIT_STATUS),
        help_section("Environment", &ENVIRONMENT),
        help_section("Files", &FILES),
    ]
    .join("\n")
}

pub(super) const PREVIEW_HELP: &str = "\
Every option of `send` is accepted, so a send command line previews as it is with `send`
replaced by `preview`; those that only concern sending or the results file are ignored.

Examples:
  The first 10 messages of a workbook, and the totals:
    smsmerge preview customers.xlsx --sender MYSHOP --country-code 961

  The first 50, with one template for every row:
    smsmerge preview customers.xlsx -n 50 --template 'Dear {{Name}}, your order is ready.'
";

pub(super) const INIT_HELP: &str = "\
Refuses to overwrite: if either file is already in DIR, nothing is written.

Examples:
  Start a new campaign in its own folder, then try it without an account:
    smsmerge init campaign
    cd campaign
    smsmerge preview recipients.xlsx
    smsmerge send recipients.xlsx --simulate --yes
";
