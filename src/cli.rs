//! The command line as clap sees it: raw flags, no checking beyond their shape. `settings`
//! turns these into checked values before any file is read.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  Check a workbook and see what would be sent, without sending:
    smsmerge send customers.xlsx --sender MYSHOP --country-code 961 --dry-run

  One template for every row, filled from the row's columns:
    smsmerge send customers.xlsx --sender MYSHOP --dry-run \\
        --template 'Dear {{Name}}, your order {{Order}} is ready.'

  A long template from a file, a chosen sheet, results as CSV:
    smsmerge send book.xlsx --sheet March --template-file notice.txt \\
        --sender MYSHOP --dry-run -o march-results.csv
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
    Send(SendArgs),
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
    #[arg(long, value_name = "PATH")]
    pub template_file: Option<PathBuf>,

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

    /// strftime format for dates in messages [default: %Y-%m-%d, and %Y-%m-%d %H:%M for
    /// date-times].
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,

    /// Send rows even when an earlier row has the same recipient and message.
    #[arg(long)]
    pub allow_duplicates: bool,

    /// Rows whose message needs more SMS segments than this are INVALID.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=255))]
    pub max_segments: u16,

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
