//! The command line as clap sees it: raw flags, no checking beyond their shape. `settings`
//! turns these into checked values before any file is read.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
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

const PREVIEW_HELP: &str = "\
Every option of `send` is accepted, so a send command line previews as it is with `send`
replaced by `preview`; those that only concern sending or the results file are ignored.

Examples:
  The first 10 messages of a workbook, and the totals:
    smsmerge preview customers.xlsx --sender MYSHOP --country-code 961

  The first 50, with one template for every row:
    smsmerge preview customers.xlsx -n 50 --template 'Dear {{Name}}, your order is ready.'
";

const INIT_HELP: &str = "\
Refuses to overwrite: if either file is already in DIR, nothing is written.

Examples:
  Start a new campaign in its own folder, then try it without an account:
    smsmerge init campaign
    cd campaign
    smsmerge preview recipients.xlsx
    smsmerge send recipients.xlsx --simulate --yes
";

/// smsmerge: mail-merge for SMS.
///
/// Reads a workbook of recipients and message templates, renders every row, checks numbers,
/// encodings and lengths, and writes a results workbook with a status for every row.
#[derive(Debug, Parser)]
#[command(name = "smsmerge", version, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render every row of a workbook and send it (with --dry-run: only check and report).
    #[command(after_help = EXAMPLES)]
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
    /// Print a completion script for a shell (see the README for where it goes).
    Completions(CompletionsArgs),
    /// Print the manual page, as roff: `smsmerge man | man -l -`.
    Man(ManArgs),
}

/// Where the gateway is and how to reach it; shared by `send` and `balance`.
#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Config file [default: ./smsmerge.toml, else the user's config dir
    /// smsmerge/config.toml].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Gateway base URL [env: OTSMS_BASE_URL; default: http://www.ot-sms.com].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Use a simulator started inside smsmerge instead of the real gateway: nothing leaves
    /// this machine and no account is needed.
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

/// Flags of `smsmerge send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The workbook: .xlsx, .xlsm, .xls, .xlsb, .ods or .csv (UTF-8, `,` or `;`).
    #[arg(value_name = "BOOK")]
    pub book: PathBuf,

    /// Sheet to read, by name or 1-based position [default: the first sheet with a
    /// recipient column].
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,

    /// Column holding the recipient numbers [default: the first of phone, mobile, recipient,
    /// number, msisdn, to, cell, gsm].
    #[arg(long, value_name = "COLUMN")]
    pub to: Option<String>,

    /// One message template for every row, e.g. 'Dear {{Name}}, ...'. Without it (or
    /// --template-file) each row's template is in the message column.
    #[arg(long, value_name = "TEXT", conflicts_with = "template_file")]
    pub template: Option<String>,

    /// Read the one message template from this UTF-8 text file.
    #[arg(long, value_name = "PATH", conflicts_with = "template_name")]
    pub template_file: Option<PathBuf>,

    /// Use this template of the workbook's Templates sheet (columns name and text) for every
    /// row. Without it, a `template` column picks one per row.
    #[arg(long, value_name = "NAME", conflicts_with = "template")]
    pub template_name: Option<String>,

    /// Column holding each row's message template when no --template is given.
    #[arg(long, value_name = "COLUMN", default_value = "message")]
    pub message_column: String,

    /// Sender id shown to recipients (up to 11 letters and digits, or a number); a
    /// non-empty `sender` column overrides it per row.
    #[arg(long, value_name = "ID")]
    pub sender: Option<String>,

    /// Country calling code for national numbers: with 961, 03 123 456 becomes 9613123456.
    #[arg(long, value_name = "CC")]
    pub country_code: Option<String>,

    /// Row (1-based) holding the column titles, when rows above it are not data (a title,
    /// notes) [default: the first non-empty row, after a lone title row].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub header_row: Option<u32>,

    /// strftime format for dates in messages [default: %Y-%m-%d, and %Y-%m-%d %H:%M for
    /// date-times].
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,

    /// Send rows even when an earlier row has the same recipient and message.
    #[arg(long)]
    pub allow_duplicates: bool,

    /// Never send to the numbers in this list (a workbook or CSV: the recipient column, else
    /// the first); their rows are SKIPPED. Repeatable. An `opt_out` column (TRUE/yes/1) in
    /// the sheet does the same per row.
    #[arg(long, value_name = "PATH")]
    pub exclude: Vec<PathBuf>,

    /// Rows whose message needs more SMS segments than this are INVALID.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=255))]
    pub max_segments: u16,

    /// Refuse to start a send that needs more SMS segments than this in all (what the
    /// provider bills), naming the template responsible for most of them; nothing is sent.
    /// Also `max_total_segments` in the config file.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_total_segments: Option<u64>,

    /// Replace characters that have a GSM-7 look-alike (’ “ ” – — … no-break spaces,
    /// zero-width marks) before encoding, so such messages go as GSM-7 and cost fewer
    /// segments. Letters (Arabic, ç, emoji) are never replaced.
    #[arg(long)]
    pub gsm_substitute: bool,

    /// Rows whose message would still need UCS-2 (after --gsm-substitute, if given) are
    /// INVALID, with the characters that prevent GSM-7 named.
    #[arg(long)]
    pub gsm_only: bool,

    /// When the run ends, print one JSON object on stdout (counts per status, segments,
    /// times, results path, exit code; also for a run stopped by an error) and nothing else.
    #[arg(long)]
    pub json: bool,

    /// Append timestamped lines (start, end with counts, or the error) to this file, for
    /// runs from cron.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// Results file, .xlsx or .csv [default: BOOK's name + .results.xlsx, beside it].
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Check everything and write the results with every row's would-be status; send
    /// nothing and need no account.
    #[arg(long)]
    pub dry_run: bool,

    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub gateway: GatewayArgs,

    /// Send without asking for confirmation (needed when not on a terminal, e.g. cron).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Start a new run even though the journal holds an unfinished one (whose sent messages
    /// would then be sent again); asks first unless --yes.
    #[arg(long)]
    pub fresh: bool,

    /// Send only the first N READY rows (the rest are NOT SENT): a test send.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Send even when the balance is smaller than the segments needed.
    #[arg(long)]
    pub ignore_balance: bool,

    /// Requests in flight at most [default: 8, or `concurrency` in the config file].
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: Option<u16>,

    /// Messages per second at most, in any one-second window [default: no limit, or `rate`
    /// in the config file].
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,

    /// Retries for failures that certainly did not send (refused connection, 5xx, 429).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Re-send, once, messages whose request got no answer; this may deliver them twice.
    #[arg(long)]
    pub retry_uncertain: bool,

    /// First wait between retries in milliseconds; each retry doubles it, with jitter.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub backoff_ms: u64,

    /// Hours with no sending, in --timezone: 21:00-08:00 (may wrap midnight) or 12:00-14:00.
    /// A run started inside them waits for their end; one that reaches them pauses (messages
    /// in flight finish) and resumes after. `off` ignores the config file's [default:
    /// `quiet_hours` in the config file].
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub quiet_hours: Option<String>,

    /// Send nothing before this time, in --timezone: HH:MM today, or YYYY-MM-DD HH:MM. A time
    /// already past does not wait.
    #[arg(long, value_name = "TIME")]
    pub not_before: Option<String>,

    /// Time zone of --quiet-hours and --not-before: an IANA name such as Asia/Beirut or UTC
    /// [default: `timezone` in the config file, else this machine's].
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// Started outside the hours to send (--quiet-hours, --not-before), do not wait: exit at
    /// once with code 75, having sent and written nothing, so that cron can try again later. A
    /// send that reaches quiet hours still pauses.
    #[arg(long)]
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
