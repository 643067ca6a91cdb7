//! The command line as clap sees it: raw flags, no checking beyond their shape. `settings`
//! turns these into checked values before any file is read.

use super::help::{INIT_HELP, PREVIEW_HELP, SHORT_AFTER_HELP, long_after_help};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// smsmerge: mail-merge for SMS.
///
/// Reads a workbook of recipients and message templates, renders every row, checks numbers,
/// encodings and lengths, and writes a results workbook with a status for every row.
#[derive(Debug, Parser)]
#[command(
    name = "smsmerge",
    version,
    after_help = SHORT_AFTER_HELP,
    after_long_help = long_after_help(),
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render every row of a workbook and send it (with --dry-run: only check and report).
    #[command(after_help = SHORT_AFTER_HELP, after_long_help = long_after_help())]
    Send(Box<SendArgs>),
    /// Show the first rendered messages as a table, and the totals; sends nothing.
    ///
    /// Reads and checks the workbook exactly as `send` does, then shows the first rows with
    /// their recipient, encoding, segments, status and message, and the totals of every row.
    /// Nothing is sent or written, and no account is needed.
    #[command(after_help = PREVIEW_HELP)]
    // The options that only concern sending or the results file are accepted, so that a
    // `send` command line previews as it is, but left out of the help.
    #[command(
        mut_arg("output", |a| a.hide(true)),
        mut_arg("dry_run", |a| a.hide(true)),
        mut_arg("quiet", |a| a.hide(true)),
        mut_arg("simulate", |a| a.hide(true)),
        mut_arg("base_url", |a| a.hide(true)),
        mut_arg("timeout", |a| a.hide(true)),
        mut_arg("yes", |a| a.hide(true)),
        mut_arg("fresh", |a| a.hide(true)),
        mut_arg("again", |a| a.hide(true)),
        mut_arg("limit", |a| a.hide(true)),
        mut_arg("ignore_balance", |a| a.hide(true)),
        mut_arg("concurrency", |a| a.hide(true)),
        mut_arg("rate", |a| a.hide(true)),
        mut_arg("retries", |a| a.hide(true)),
        mut_arg("retry_uncertain", |a| a.hide(true)),
        mut_arg("backoff_ms", |a| a.hide(true)),
        mut_arg("json", |a| a.hide(true)),
        mut_arg("log_file", |a| a.hide(true)),
        mut_arg("quiet_hours", |a| a.hide(true)),
        mut_arg("timezone", |a| a.hide(true)),
        mut_arg("not_before", |a| a.hide(true)),
        mut_arg("no_wait", |a| a.hide(true)),
    )]
    Preview(Box<PreviewArgs>),
    /// Write a starter workbook and a commented config file, to fill in and send.
    ///
    /// Writes recipients.xlsx (a Recipients sheet with two example rows, a Templates sheet
    /// and Notes that explain it) and smsmerge.toml (every setting, commented; no password)
    /// into DIR, which is created if missing.
    #[command(after_help = INIT_HELP)]
    Init(InitArgs),
    /// Print the account's balance.
    Balance(BalanceArgs),
    /// Rebuild the results workbook of a send from its journal and the input, for when the
    /// process died before writing it.
    Report(ReportArgs),
    /// Serve a simulator of the OpenTech API on loopback, for trying smsmerge without an
    /// account.
    Simulate(SimulateArgs),
    /// Open the whole job in a page in the browser: workbook, message, check, send, results.
    ///
    /// Serves the page on 127.0.0.1 only and opens the default browser at its address (with a
    /// one-time token). FOLDER is where workbooks are looked for and where results and
    /// journals go, as `send` puts them. Ctrl-C stops the server; a send in progress stops as
    /// `send` stops on Ctrl-C.
    Ui(UiArgs),
    /// Print a completion script for a shell (see the README for where it goes).
    Completions(CompletionsArgs),
    /// Print the manual page, as roff: `smsmerge man | man -l -`.
    Man(ManArgs),
}

/// Where the gateway is and how to reach it; shared by `send` and `balance`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Gateway")]
pub struct GatewayArgs {
    /// Config file [default: ./smsmerge.toml, else ~/.config/smsmerge/config.toml].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Gateway base URL [env: OTSMS_BASE_URL; default: http://www.ot-sms.com].
    // The help text shows the address as it is typed, so not as a Markdown link.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Send to a simulator inside smsmerge: nothing leaves this machine, no account needed.
    ///
    /// Its results go to NAME.simulated.xlsx, apart from a real send's, and it never counts
    /// as sent.
    #[arg(long, conflicts_with = "base_url")]
    pub simulate: bool,

    /// Seconds a request may take before it counts as unanswered.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
}

/// Flags of `smsmerge report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The journal: `<results>.journal`, beside the results file.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,

    /// The input workbook [default: the one the journal names].
    #[arg(value_name = "BOOK")]
    pub book: Option<PathBuf>,

    /// Results file, .xlsx or .csv [default: the journal's name without .journal].
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Flags of `smsmerge balance`.
#[derive(Debug, Args)]
pub struct BalanceArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
}

/// Flags of `smsmerge simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Port on 127.0.0.1 (0: any free port; the address is printed first).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// An account, UID:USERNAME:PASSWORD (append :disabled for a disabled one); repeatable
    /// [default: 1000:demo:demo].
    #[arg(long = "account", value_name = "UID:USER:PASS")]
    pub accounts: Vec<String>,

    /// A sender id activated on every account; repeatable [default: OTSMS, SMSMERGE, INFO].
    #[arg(long = "sender-id", value_name = "ID")]
    pub senders: Vec<String>,

    /// Credit each account starts with; each accepted segment costs one.
    #[arg(long, default_value_t = 10_000.0)]
    pub balance: f64,

    /// Append a JSON line per accepted message to this file.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Milliseconds before each answer.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,

    /// Up to this many more milliseconds, at random.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub jitter_ms: u64,

    /// Share (0 to 1) of send requests answered 503 Service Unavailable.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fail_rate: f64,

    /// Share of send requests read and then closed with no answer.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub drop_rate: f64,

    /// Share of send requests never answered.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub hang_rate: f64,

    /// Answer the first N requests for each message 503 (repeatable retry tests).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fail_first: u32,

    /// Drop the first N requests for each message with no answer.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub drop_first: u32,

    /// The HTTP status of the answers of --fail-rate and --fail-first: 503 (the message not
    /// taken, retried), or 500, 502, 504 (unknown: UNCERTAIN), 429, ...
    #[arg(long, value_name = "CODE", default_value_t = 503,
          value_parser = clap::value_parser!(u16).range(100..=599))]
    pub fail_status: u16,

    /// Send `Retry-After: SECONDS` with the answers that are not 2xx.
    #[arg(long, value_name = "SECONDS")]
    pub retry_after: Option<u64>,

    /// Share of send requests answered 200 with a PHP error page (the message not taken).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub answer_html_rate: f64,

    /// Share of send requests answered 200 with an empty body (the message not taken).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub answer_empty_rate: f64,

    /// Pad every acceptance with spaces to this many bytes (the message taken).
    #[arg(long, value_name = "BYTES")]
    pub answer_size: Option<u64>,

    /// The Content-Type of every answer.
    #[arg(long, value_name = "TYPE", default_value = "text/plain; charset=utf-8")]
    pub content_type: String,

    /// Answer every 200 with this text, `{}` standing for the usual answer (e.g. a
    /// byte-order mark or markup around the documented errors).
    #[arg(long, value_name = "TEXT")]
    pub answer_template: Option<String>,

    /// Answer balance requests of a known account with this text instead of the balance.
    #[arg(long, value_name = "TEXT")]
    pub balance_answer: Option<String>,

    /// Quote the request (query string and password) in every answer but the documented
    /// errors, as a careless server's error page does.
    #[arg(long)]
    pub answer_echo: bool,

    /// Seed for the fault dice, for repeatable runs.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Flags of `smsmerge preview`: those of `send`, and how many rows to show.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// Rows to show (the totals always count every row).
    #[arg(short = 'n', long = "rows", value_name = "N", default_value_t = 10)]
    pub rows: usize,

    #[command(flatten)]
    pub send: SendArgs,
}

/// Flags of `smsmerge init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write the two files into; created if missing.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// Flags of `smsmerge completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete smsmerge's commands and flags in.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Flags of `smsmerge man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print the page of this command (e.g. send) instead of the main page.
    #[arg(value_name = "COMMAND", conflicts_with = "out")]
    pub command: Option<String>,

    /// Write every page into this folder instead (smsmerge.1, smsmerge-send.1, ...).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Flags of `smsmerge ui`.
#[derive(Debug, Args)]
pub struct UiArgs {
    /// Folder of the workbooks, results and journals [default: the current one].
    #[arg(value_name = "FOLDER")]
    pub folder: Option<PathBuf>,

    /// Port on 127.0.0.1 [default: a free one].
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,

    /// Print the address but do not open a browser.
    #[arg(long)]
    pub no_open: bool,

    /// Config file [default: ./smsmerge.toml, else the user's config dir
    /// smsmerge/config.toml].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Largest workbook the page accepts, in MB.
    #[arg(long, value_name = "MB", default_value_t = 200)]
    pub max_upload_mb: u64,
}

/// Flags of `smsmerge send`. Each one's first paragraph is its line in `-h`; `--help` shows
/// the rest too.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The workbook: .xlsx, .xlsm, .xls, .xlsb, .ods or .csv (UTF-8, `,` or `;`).
    #[arg(value_name = "BOOK")]
    pub book: PathBuf,

    /// Sheet to read, by name or 1-based position.
    ///
    /// [default: the first sheet with a recipient column]
    #[arg(long, value_name = "NAME|N", help_heading = "Input")]
    pub sheet: Option<String>,

    /// Column holding the recipient numbers.
    ///
    /// [default: the first of phone, mobile, recipient, number, msisdn, to, cell, gsm]
    #[arg(long, value_name = "COLUMN", help_heading = "Input")]
    pub to: Option<String>,

    /// One message template for every row, e.g. 'Dear {{Name}}, ...'.
    ///
    /// Without it (or --template-file, --template-name) each row's template is in the
    /// message column.
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "template_file",
        help_heading = "Message"
    )]
    pub template: Option<String>,

    /// Read the one message template from this UTF-8 text file.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "template_name",
        help_heading = "Message"
    )]
    pub template_file: Option<PathBuf>,

    /// Use this template of the workbook's Templates sheet for every row.
    ///
    /// The Templates sheet has the columns name and text. Without this flag, a `template`
    /// column picks one per row.
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "template",
        help_heading = "Message"
    )]
    pub template_name: Option<String>,

    /// Column holding each row's message template when no --template is given.
    #[arg(
        long,
        value_name = "COLUMN",
        default_value = "message",
        help_heading = "Message"
    )]
    pub message_column: String,

    /// Sender id shown to recipients; a non-empty `sender` column overrides it per row.
    ///
    /// Up to 11 letters and digits, or a number. Also `sender` in the config file.
    #[arg(long, value_name = "ID", help_heading = "Message")]
    pub sender: Option<String>,

    /// Country calling code for national numbers: with 961, 03 123 456 is 9613123456.
    #[arg(long, value_name = "CC", help_heading = "Message")]
    pub country_code: Option<String>,

    /// Check numbers by the old country-blind rules (8 to 15 digits), not by each country's
    /// numbering plan: for a new mobile range the plan does not know yet.
    ///
    /// Also `no_number_check = true` in the config file.
    #[arg(long, help_heading = "Message")]
    pub no_number_check: bool,

    /// Send to numbers the numbering plan knows as landlines (refused by default: an SMS to a
    /// fixed line is paid for and lost).
    ///
    /// Also `allow_landlines = true` in the config file.
    #[arg(long, help_heading = "Message")]
    pub allow_landlines: bool,

    /// Row (1-based) holding the column titles, when rows above it are not data.
    ///
    /// A title or notes above the header. [default: the first non-empty row, after a lone
    /// title row]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_048_576), help_heading = "Input")]
    pub header_row: Option<u32>,

    /// Leave out rows hidden in Excel (by hand or by a filter): they are SKIPPED.
    ///
    /// xlsx, xlsm and ods record hidden rows; csv, xls and xlsb do not, and all their rows
    /// count. Without this flag hidden rows are sent, and the plan says how many there are.
    /// Also `skip_hidden_rows = true` in the config file.
    #[arg(long, help_heading = "Input")]
    pub skip_hidden_rows: bool,

    /// strftime format for dates in messages.
    ///
    /// [default: %Y-%m-%d, and %Y-%m-%d %H:%M for date-times]
    #[arg(long, value_name = "FORMAT", help_heading = "Message")]
    pub date_format: Option<String>,

    /// strftime format for times in messages (time cells, ods times); a date-time shows its
    /// date, a space and its time in it.
    ///
    /// Also `time_format` in the config file. [default: %H:%M, and %H:%M:%S when the
    /// seconds are not zero]
    #[arg(long, value_name = "FORMAT", help_heading = "Message")]
    pub time_format: Option<String>,

    /// A column in single braces ({Name}) in a template is an error, not a warning.
    ///
    /// Single braces are text, so {Name} would go out as it is. Without this flag it is a
    /// warning and a Note on the rows; with it the run stops for --template, and a row's
    /// own template makes the row INVALID.
    #[arg(long, help_heading = "Message")]
    pub strict_braces: bool,

    /// Send rows even when an earlier row has the same recipient and message.
    #[arg(long, help_heading = "Checks")]
    pub allow_duplicates: bool,

    /// Never send to the numbers in this list (a workbook or CSV); repeatable.
    ///
    /// The list's recipient column is read, else its first. Their rows are SKIPPED. An
    /// `opt_out` column (TRUE/yes/1) in the sheet does the same per row.
    #[arg(long, value_name = "PATH", help_heading = "Checks")]
    pub exclude: Vec<PathBuf>,

    /// Rows whose message needs more SMS segments than this are INVALID.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=255), help_heading = "Checks")]
    pub max_segments: u16,

    /// Refuse to start a send that needs more SMS segments than this in all.
    ///
    /// Segments are what the provider bills. The refusal names the template responsible
    /// for most of them; nothing is sent. Also `max_total_segments` in the config file.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..), help_heading = "Checks")]
    pub max_total_segments: Option<u64>,

    /// Replace characters that have a GSM-7 look-alike (’ “ ” – … no-break spaces).
    ///
    /// Such messages then go as GSM-7 and cost fewer segments. Letters (Arabic, ç, emoji)
    /// are never replaced. Also `gsm_substitute = true` in the config file.
    #[arg(long, help_heading = "Checks")]
    pub gsm_substitute: bool,

    /// Rows whose message would still need UCS-2 are INVALID.
    ///
    /// Checked after --gsm-substitute, if given; the Detail names the characters that
    /// prevent GSM-7.
    #[arg(long, help_heading = "Checks")]
    pub gsm_only: bool,

    /// Results file, .xlsx or .csv [default: BOOK's name + .results.xlsx, beside it].
    ///
    /// A dry run whose results file holds a real send's results writes NAME.dry-run.xlsx
    /// beside it instead; --simulate writes NAME.simulated.xlsx.
    #[arg(short = 'o', long, value_name = "PATH", help_heading = "Results")]
    pub output: Option<PathBuf>,

    /// Check everything and write the results with every row's would-be status.
    ///
    /// Sends nothing and needs no account.
    #[arg(long, help_heading = "Results")]
    pub dry_run: bool,

    /// Print nothing but errors and warnings.
    #[arg(short, long, help_heading = "Results")]
    pub quiet: bool,

    /// When the run ends, print one JSON object on stdout and nothing else.
    ///
    /// It has the counts per status, segments, times, results path and exit code; also for
    /// a run stopped by an error.
    #[arg(long, help_heading = "Results")]
    pub json: bool,

    /// Append timestamped lines (start, pauses and early stops, end with counts, or the error)
    /// to this file.
    #[arg(long, value_name = "PATH", help_heading = "Results")]
    pub log_file: Option<PathBuf>,

    #[command(flatten)]
    pub gateway: GatewayArgs,

    /// Send without asking for confirmation (needed outside a terminal, e.g. cron).
    #[arg(short = 'y', long, help_heading = "Sending")]
    pub yes: bool,

    /// Send a batch again although an earlier run sent all of it.
    ///
    /// Without it, the same command after a complete send stops with nothing to do. The
    /// question (or, with --yes, the "sending" line) says "again".
    #[arg(long, help_heading = "Sending")]
    pub again: bool,

    /// Start over although the journal holds an unfinished run.
    ///
    /// Its sent messages would be sent again; asks first unless --yes. Not needed after a
    /// run that sent nothing.
    #[arg(long, help_heading = "Sending")]
    pub fresh: bool,

    /// Send only the first N READY rows (the rest are NOT SENT): a test send.
    #[arg(long, value_name = "N", help_heading = "Sending")]
    pub limit: Option<usize>,

    /// Send even when the balance is smaller than the segments needed.
    #[arg(long, help_heading = "Sending")]
    pub ignore_balance: bool,

    /// Requests in flight at most [default: 8, or `concurrency` in the config file].
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024), help_heading = "Sending")]
    pub concurrency: Option<u16>,

    /// Messages per second at most, in any one-second window.
    ///
    /// [default: no limit, or `rate` in the config file]
    #[arg(long, value_name = "R", help_heading = "Sending")]
    pub rate: Option<f64>,

    /// Retries for failures that certainly did not send (refused connection, 5xx, 429).
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "Sending")]
    pub retries: u32,

    /// Re-send, once, messages whose request got no answer; this may deliver them twice.
    #[arg(long, help_heading = "Sending")]
    pub retry_uncertain: bool,

    /// First wait between retries in milliseconds; each retry doubles it, with jitter.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500,
        help_heading = "Sending"
    )]
    pub backoff_ms: u64,

    /// Hours with no sending, in --timezone: 21:00-08:00 (may wrap midnight), or `off`.
    ///
    /// A run started inside them waits for their end; one that reaches them pauses
    /// (messages in flight finish) and resumes after. `off` ignores the config file's
    /// [default: `quiet_hours` in the config file].
    #[arg(long, value_name = "HH:MM-HH:MM", help_heading = "Schedule")]
    pub quiet_hours: Option<String>,

    /// Send nothing before this time, in --timezone: HH:MM today, or YYYY-MM-DD HH:MM.
    ///
    /// A time already past does not wait.
    #[arg(long, value_name = "TIME", help_heading = "Schedule")]
    pub not_before: Option<String>,

    /// Time zone of --quiet-hours and --not-before, e.g. Asia/Beirut or UTC.
    ///
    /// An IANA name [default: `timezone` in the config file, else this machine's].
    #[arg(long, value_name = "ZONE", help_heading = "Schedule")]
    pub timezone: Option<String>,

    /// Outside the hours to send, exit at once with code 75 instead of waiting.
    ///
    /// Nothing is sent or written, so that cron can try again later. A send that reaches
    /// quiet hours still pauses.
    #[arg(long, help_heading = "Schedule")]
    pub no_wait: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn template_and_template_file_conflict() {
        let r = Cli::try_parse_from([
            "smsmerge",
            "send",
            "b.xlsx",
            "--template",
            "x",
            "--template-file",
            "t.txt",
        ]);
        assert!(r.is_err());
    }
}
