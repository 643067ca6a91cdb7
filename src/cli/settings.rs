//! Checked settings: the raw flags of `cli` turned into domain values (country code, date
//! format, template, sender, output path) before any workbook is read, then bound to the
//! sheet's header once it is known. Every mistake a user can make in a flag is reported here,
//! in one line that says how to fix it.

use crate::book::SheetChoice;
use crate::book::value::ValueFormat;
use crate::cli::args::{GatewayArgs, SendArgs};
use crate::cli::config::{self, Loaded};
use crate::dispatch::DispatchSettings;
use crate::dispatch::journal::PlanArgs;
use crate::dispatch::schedule::{NotBefore, QuietHours, Schedule, Zone};
use crate::gateway::connection::GatewaySettings;
use crate::gateway::opentech::{Account, ClientSettings};
use crate::gateway::secret::Secret;
use crate::plan;
use crate::plan::budget::{Budget, Price};
use crate::plan::exclude::ExcludeList;
use crate::report::OutputFormat;
use crate::text::phone::{CountryCode, NumberRules};
use crate::text::template::Template;
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

pub use crate::job::settings::{
    RecipientSuggestion, SENDER_HEADER, SendSettings, suggest_recipient_column,
};

/// The default gateway.
pub const DEFAULT_BASE_URL: &str = "http://www.ot-sms.com";
/// Requests in flight by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Requests in flight at most, from `-j` or the config file.
pub const MAX_CONCURRENCY: usize = 1024;
/// The slowest rate taken: one message a minute. Anything slower is a typo (`1e-9`), or a
/// batch that would outlive the machine it runs on.
pub const MIN_RATE: f64 = 1.0 / 60.0;

/// A rate of messages per second, refused under [`MIN_RATE`] with the time one message would
/// take; `origin` names where it was given.
fn checked_rate(rate: f64, origin: &str) -> Result<f64> {
    if !(rate.is_finite() && rate > 0.0) {
        bail!("{origin}: give a number of messages per second above 0");
    }
    if rate < MIN_RATE {
        bail!(
            "{origin}: that is one message every {}; give at least {MIN_RATE:.4} (one message a minute)",
            crate::dispatch::schedule::seconds_in_words(1.0 / rate)
        );
    }
    Ok(rate)
}

/// Built from the command line, the environment and the config file.
impl GatewaySettings {
    /// Checks the gateway flags, with the environment and config file behind them; reads the
    /// account when `needs_account` and not simulating.
    pub fn from_args(
        args: &GatewayArgs,
        config: Option<&Loaded>,
        needs_account: bool,
    ) -> Result<GatewaySettings> {
        let file_url = config.as_ref().and_then(|c| c.file.base_url.clone());
        let (base_url, origin) = match (&args.base_url, env("OTSMS_BASE_URL"), file_url) {
            (Some(url), _, _) => (url.clone(), "--base-url"),
            (None, Some(url), _) => (url, "OTSMS_BASE_URL"),
            (None, None, Some(url)) => (url, "base_url in the config file"),
            (None, None, None) => (DEFAULT_BASE_URL.to_owned(), "the default"),
        };
        let base_url = Url::parse(&base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| anyhow!("{origin}: {base_url:?} is not an http:// or https:// URL"))?;
        if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
            bail!(
                "--timeout {}: give seconds between 0 and 3600",
                args.timeout
            );
        }
        let timeout = Duration::from_secs_f64(args.timeout);
        let success_pattern = config
            .and_then(|c| c.file.success_pattern.as_deref())
            .map(success_pattern)
            .transpose()?;
        let account = if needs_account && !args.simulate {
            Some(read_account(config)?)
        } else {
            None
        };
        Ok(GatewaySettings {
            simulate: args.simulate,
            client: ClientSettings {
                base_url,
                timeout,
                connect_timeout: timeout.min(Duration::from_secs(10)),
                success_pattern,
            },
            account,
        })
    }
}

/// `success_pattern` of the config file, compiled.
fn success_pattern(pattern: &str) -> Result<regex::Regex> {
    regex::Regex::new(pattern).map_err(|e| {
        // The crate's message draws the pattern over several lines; its last says what is wrong.
        let text = e.to_string();
        let why = text
            .lines()
            .last()
            .unwrap_or_default()
            .trim_start_matches("error: ");
        anyhow!(
            "success_pattern = {pattern:?} in the config file is not a regular expression: {why}"
        )
    })
}

/// The account: `OTSMS_UID`, `OTSMS_USERNAME`, `OTSMS_PASSWORD` from the environment, else
/// `uid`, `username`, `password`/`password_file` from the config file.
fn read_account(config: Option<&Loaded>) -> Result<Account> {
    let file = config.map(|c| &c.file);
    let uid = env("OTSMS_UID").or_else(|| file.and_then(|f| f.uid.clone()));
    let username = env("OTSMS_USERNAME").or_else(|| file.and_then(|f| f.username.clone()));
    let password = match env("OTSMS_PASSWORD") {
        Some(p) => Some(p),
        None => match config {
            Some(c) => match (&c.file.password, &c.file.password_file) {
                (Some(p), _) => Some(p.clone()),
                (None, Some(path)) => Some(config::read_password_file(path, &c.path)?),
                (None, None) => None,
            },
            None => None,
        },
    };
    match (uid, username, password) {
        (Some(uid), Some(username), Some(password)) => Ok(Account {
            uid,
            username,
            password: Secret::new(password),
        }),
        (uid, username, password) => {
            let missing: Vec<&str> = [
                (uid.is_none(), "OTSMS_UID"),
                (username.is_none(), "OTSMS_USERNAME"),
                (password.is_none(), "OTSMS_PASSWORD"),
            ]
            .into_iter()
            .filter_map(|(absent, name)| absent.then_some(name))
            .collect();
            bail!(
                "no account: set OTSMS_UID, OTSMS_USERNAME and OTSMS_PASSWORD (missing: {}), or uid, username and password_file in {}; or try it without an account with --simulate",
                missing.join(", "),
                config::LOCAL_NAME
            )
        }
    }
}

/// The budget (`--max-total-segments`, else the config file's) and the price per segment
/// (config file only: it belongs to the account, not to one run).
fn costs(
    args: &SendArgs,
    file: Option<&config::ConfigFile>,
) -> Result<(Option<Budget>, Option<Price>)> {
    let budget = match (
        args.max_total_segments,
        file.and_then(|f| f.max_total_segments),
    ) {
        (Some(max_segments), _) => Some(Budget {
            max_segments,
            from_config: false,
        }),
        (None, Some(0)) => bail!(
            "max_total_segments = 0 in the config file: give the most segments one send may need (at least 1), or remove the line"
        ),
        (None, Some(max_segments)) => Some(Budget {
            max_segments,
            from_config: true,
        }),
        (None, None) => None,
    };
    let currency = file
        .and_then(|f| f.currency.as_deref())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let price = match file.and_then(|f| f.price_per_segment) {
        Some(per_segment) if per_segment.is_finite() && per_segment >= 0.0 => Some(Price {
            per_segment,
            currency,
        }),
        Some(other) => bail!(
            "price_per_segment = {other} in the config file: give the price of one segment, a number of 0 or more"
        ),
        None if currency.is_some() => bail!(
            "currency is set in the config file but price_per_segment is not: add price_per_segment = 0.025 (the price of one segment), or remove currency"
        ),
        None => None,
    };
    Ok((budget, price))
}

/// An environment variable, with an empty value counting as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl SendSettings {
    /// Checks every flag, with the config file behind them. Reads the template file, if
    /// any, but not the workbook.
    pub fn from_args(args: &SendArgs) -> Result<SendSettings> {
        SendSettings::from_config(args, config::load(args.gateway.config.as_deref())?)
    }

    /// [`SendSettings::from_args`] with the config file already read, for a caller that
    /// needed it first (`send` opens the config's log file before checking anything else).
    pub fn from_config(args: &SendArgs, loaded: Option<Loaded>) -> Result<SendSettings> {
        let file = loaded.as_ref().map(|c| &c.file);
        let country_code = args
            .country_code
            .clone()
            .or_else(|| file.and_then(|f| f.country_code.clone()));
        let country = country_code
            .as_deref()
            .map(|cc| {
                cc.parse::<CountryCode>()
                    .map_err(|e| anyhow!("--country-code {cc:?}: {e}"))
            })
            .transpose()?;
        let numbers = NumberRules {
            country,
            check_plan: !(args.no_number_check
                || file.and_then(|f| f.no_number_check).unwrap_or(false)),
            allow_landlines: args.allow_landlines
                || file.and_then(|f| f.allow_landlines).unwrap_or(false),
        };
        let time_format = args
            .time_format
            .clone()
            .or_else(|| file.and_then(|f| f.time_format.clone()));
        let format = ValueFormat::new(args.date_format.as_deref())?
            .with_time_format(time_format.as_deref())
            .map_err(|e| match (&args.time_format, loaded.as_ref()) {
                (None, Some(config)) => e.given_as(format!(
                    "time_format in the config file {}",
                    config.path.display()
                )),
                _ => e,
            })?;
        let skip_hidden_rows =
            args.skip_hidden_rows || file.and_then(|f| f.skip_hidden_rows).unwrap_or(false);
        let template_text = match (&args.template, &args.template_file) {
            (Some(text), _) => Some(text.clone()),
            (None, Some(path)) => Some(read_template_file(path)?),
            (None, None) => None,
        };
        let template = template_text
            .as_ref()
            .map(|text| {
                if text.trim().is_empty() {
                    bail!("the template is empty");
                }
                Template::parse(text).map_err(|e| anyhow!("template: {e}"))
            })
            .transpose()?;
        let sender = args
            .sender
            .clone()
            .or_else(|| file.and_then(|f| f.sender.clone()))
            .map(|s| plan::check_sender(&s).map_err(|e| anyhow!("--sender: {e}")))
            .transpose()?;
        // A mistyped input path is reported as such, not as a problem with the default output.
        if !args.book.exists() {
            return Err(crate::book::BookError::NotFound {
                path: args.book.clone(),
            }
            .into());
        }
        let output = match &args.output {
            Some(path) => path.clone(),
            // A simulation's results never sit where a real send's belong.
            None if args.gateway.simulate && !args.dry_run => crate::job::results_file::stand_in(
                &default_output(&args.book),
                crate::job::results_file::Stand::Simulated,
            ),
            None => default_output(&args.book),
        };
        check_output(&output, &args.book)?;
        let rate = match (args.rate, file.and_then(|f| f.rate)) {
            (Some(rate), _) => Some(checked_rate(rate, &format!("--rate {rate:?}"))?),
            (None, Some(rate)) => Some(checked_rate(
                rate,
                &format!("rate = {rate:?} in the config file"),
            )?),
            (None, None) => None,
        };
        let concurrency = match (args.concurrency, file.and_then(|f| f.concurrency)) {
            (Some(n), _) => usize::from(n),
            (None, Some(n)) if (1..=MAX_CONCURRENCY).contains(&n) => n,
            (None, Some(n)) => bail!(
                "concurrency = {n} in the config file: give 1 to {MAX_CONCURRENCY} requests in flight, as for -j"
            ),
            (None, None) => DEFAULT_CONCURRENCY,
        };
        let dispatch = DispatchSettings {
            concurrency,
            rate,
            retries: args.retries,
            retry_uncertain: args.retry_uncertain,
            backoff: Duration::from_millis(args.backoff_ms),
            limit: args.limit,
        };
        let gateway = GatewaySettings::from_args(&args.gateway, loaded.as_ref(), !args.dry_run)?;
        let exclude_paths = match (&args.exclude, file.and_then(|f| f.exclude.as_ref())) {
            (flags, _) if !flags.is_empty() => flags.clone(),
            (_, Some(listed)) => listed.clone(),
            _ => Vec::new(),
        };
        let exclude = read_exclude_lists(&exclude_paths, &numbers, args.quiet)?;
        let schedule = schedule(args, file)?;
        let gsm_substitute =
            args.gsm_substitute || file.and_then(|f| f.gsm_substitute).unwrap_or(false);
        let (budget, price) = costs(args, file)?;
        let recorded = PlanArgs {
            sheet: args.sheet.clone(),
            to: args.to.clone(),
            template: template_text,
            template_name: args.template_name.clone(),
            message_column: args.message_column.clone(),
            sender: sender.clone(),
            country_code: numbers.country.as_ref().map(ToString::to_string),
            no_number_check: !numbers.check_plan,
            allow_landlines: numbers.allow_landlines,
            date_format: args.date_format.clone(),
            time_format,
            skip_hidden_rows,
            allow_duplicates: args.allow_duplicates,
            max_segments: args.max_segments,
            exclude: exclude_paths,
            gsm_substitute,
            gsm_only: args.gsm_only,
            strict_braces: args.strict_braces,
        };
        Ok(SendSettings {
            book: args.book.clone(),
            sheet: args
                .sheet
                .clone()
                .map_or(SheetChoice::Auto, SheetChoice::Named),
            to: args.to.clone(),
            header_row: args.header_row.or_else(|| file.and_then(|f| f.header_row)),
            skip_hidden_rows,
            template,
            template_name: args.template_name.clone(),
            message_column: args.message_column.clone(),
            sender,
            numbers,
            format,
            allow_duplicates: args.allow_duplicates,
            max_segments: usize::from(args.max_segments),
            gsm_substitute,
            gsm_only: args.gsm_only,
            strict_braces: args.strict_braces,
            exclude,
            output,
            dry_run: args.dry_run,
            quiet: args.quiet,
            yes: args.yes,
            fresh: args.fresh,
            again: args.again,
            recorded,
            ignore_balance: args.ignore_balance,
            dispatch,
            gateway,
            schedule,
            no_wait: args.no_wait,
            budget,
            price,
        })
    }
}

/// Reads the opt-out lists once, into one set; says how many numbers they hold and warns
/// about entries that are not phone numbers (an opt-out that cannot be matched is worth a
/// look).
fn read_exclude_lists(
    paths: &[PathBuf],
    rules: &NumberRules,
    quiet: bool,
) -> Result<Option<Arc<ExcludeList>>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let list = ExcludeList::read(paths, rules)?;
    if list.rejected > 0 {
        crate::cli::terminal::warn(format!(
            "--exclude: {} entr{} of {} are not phone numbers and match no row",
            list.rejected,
            if list.rejected == 1 { "y" } else { "ies" },
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !quiet {
        crate::cli::terminal::note(format!(
            "--exclude: {} read",
            crate::cli::terminal::plural(list.len(), "number")
        ));
    }
    Ok(Some(Arc::new(list)))
}

/// Reads a template file as UTF-8, without its BOM and its final line break (editors add
/// one; it would cost a character in every message).
fn read_template_file(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("--template-file {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!(
            "--template-file {}: not UTF-8 text; save it as UTF-8",
            path.display()
        )
    })?;
    // Windows editors write CRLF; an SMS line break is one LF.
    let text = text.replace("\r\n", "\n");
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    Ok(text.to_owned())
}

/// The schedule of `--quiet-hours`, `--not-before` and `--timezone`, the first two read against
/// the present moment. `quiet_hours` and `timezone` may come from the config file, and
/// `--quiet-hours off` sets the file's aside. `--not-before` has no config key: a date in a
/// file used day after day would be past after the first, and a daily earliest time is what
/// `quiet_hours` already says.
fn schedule(args: &SendArgs, file: Option<&config::ConfigFile>) -> Result<Option<Schedule>> {
    let quiet = match (&args.quiet_hours, file.and_then(|f| f.quiet_hours.as_ref())) {
        (Some(text), _) if ["off", "none"].contains(&text.trim().to_lowercase().as_str()) => None,
        (Some(text), _) => Some(
            text.parse::<QuietHours>()
                .map_err(|e| anyhow!("--quiet-hours {text}: {e}"))?,
        ),
        (None, Some(text)) => Some(
            text.parse::<QuietHours>()
                .map_err(|e| anyhow!("quiet_hours = {text:?} in the config file: {e}"))?,
        ),
        (None, None) => None,
    };
    let not_before = args
        .not_before
        .as_deref()
        .map(|text| {
            text.parse::<NotBefore>()
                .map_err(|e| anyhow!("--not-before {text}: {e}"))
        })
        .transpose()?;
    let zone = match (&args.timezone, file.and_then(|f| f.timezone.as_ref())) {
        (Some(name), _) => Some(Zone::parse(name).map_err(|e| anyhow!("--timezone: {e}"))?),
        (None, Some(name)) => {
            Some(Zone::parse(name).map_err(|e| anyhow!("timezone in the config file: {e}"))?)
        }
        (None, None) => None,
    };
    if quiet.is_none() && not_before.is_none() {
        return Ok(None);
    }
    let zone = zone.unwrap_or_else(Zone::local);
    let now = crate::dispatch::clock::schedule_clock().now();
    Ok(Schedule::new(quiet, not_before, zone, now))
}

/// `<input stem>.results.xlsx`, beside the input.
pub fn default_output(book: &Path) -> PathBuf {
    let stem = book
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "smsmerge".to_owned());
    book.with_file_name(format!("{stem}.results.xlsx"))
}

/// Refuses an output that cannot work before any work is done: unknown extension, a
/// folder that does not exist, or the input itself (the input is never modified).
fn check_output(output: &Path, book: &Path) -> Result<()> {
    if OutputFormat::from_path(output).is_none() {
        bail!(
            "-o {}: the results file must end in .xlsx or .csv",
            output.display()
        );
    }
    if output.is_dir() {
        bail!("-o {}: is a folder; give a file name", output.display());
    }
    let dir = crate::report::folder_of(output);
    if !dir.is_dir() {
        bail!(
            "-o {}: the folder {} does not exist",
            output.display(),
            dir.display()
        );
    }
    let same = match (std::fs::canonicalize(book), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        bail!(
            "-o {}: that is the input workbook; smsmerge never overwrites its input",
            output.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::book::Headers;

    fn suggestion(names: &[&str]) -> Option<String> {
        let headers = Headers::new(names.iter().map(|n| (*n).to_owned()).collect());
        suggest_recipient_column(&headers).map(|s| s.to_string())
    }

    #[test]
    fn a_phone_column_under_another_name_is_suggested_with_shell_quoting() {
        assert_eq!(
            suggestion(&["Name", "Tel"]).as_deref(),
            Some("use --to Tel")
        );
        assert_eq!(
            suggestion(&["Name", "Mobile No"]).as_deref(),
            Some("use --to 'Mobile No'")
        );
        assert_eq!(
            suggestion(&["الاسم", "رقم الجوال"]).as_deref(),
            Some("use --to 'رقم الجوال'")
        );
        assert_eq!(
            suggestion(&["Client's phone"]).as_deref(),
            Some(r"use --to 'Client'\''s phone'")
        );
        assert_eq!(suggestion(&["Name", "Order number", "City"]), None);
    }
    use super::*;

    #[test]
    fn default_output_sits_beside_the_input() {
        assert_eq!(
            default_output(Path::new("/data/march.xlsx")),
            PathBuf::from("/data/march.results.xlsx")
        );
        assert_eq!(
            default_output(Path::new("list.csv")),
            PathBuf::from("list.results.xlsx")
        );
    }

    #[test]
    fn recipient_headers_in_order() {
        use clap::Parser;
        let cli = crate::cli::args::Cli::parse_from([
            "smsmerge",
            "send",
            "samples/customers.xlsx",
            "--dry-run",
        ]);
        let crate::cli::args::Command::Send(args) = cli.command else {
            panic!("expected send");
        };
        let s = SendSettings::from_args(&args).unwrap();
        let h = Headers::new(vec!["Name".into(), "GSM".into(), "Mobile".into()]);
        assert_eq!(s.recipient_column(&h), Some(2));
        let h = Headers::new(vec!["Name".into(), "Tel".into()]);
        assert_eq!(s.recipient_column(&h), None);
    }
}
