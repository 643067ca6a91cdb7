//! For runs nobody watches: `--json` prints one JSON object on stdout when a send ends (and
//! nothing else on stdout), and `--log-file` appends timestamped plain lines, so cron mail,
//! a monitoring check or a grep over months of logs can tell how each night went.
//!
//! Both follow the batch's events as the terminal's bar does: the log says when sending
//! paused (quiet hours, `--not-before`), resumed and stopped early, as it happens, and the
//! JSON object lists the pauses.
//!
//! Both report failures too: a run that stopped with an error still prints its JSON object
//! (with `exit_code` 2 and the error) and logs the error, since that is the night someone
//! needs to know about.

use crate::cli::Exit;
use crate::cli::args::SendArgs;
use crate::cli::send::Finished;
use crate::dispatch::events::{Consumer, Event};
use crate::plan::outcome::{EncodingTotals, Status, Totals};
use crate::report;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, Local};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the end of a send is reported besides the terminal.
pub struct Monitor {
    json: bool,
    log: Option<LogFile>,
    book: PathBuf,
    started: DateTime<FixedOffset>,
    /// Every pause of the batch, in order, as its events told them.
    pauses: Vec<Pause>,
    /// Sending is paused now: the repeated events of one pause (its countdown) are one pause.
    paused: bool,
}

/// One pause of a batch, in `--json`: why, and the instant sending could start again.
#[derive(Serialize)]
struct Pause {
    reason: String,
    until: String,
}

/// An open `--log-file`, appended to.
struct LogFile {
    path: PathBuf,
    file: File,
}

impl LogFile {
    fn open(path: &Path) -> Result<LogFile> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| {
                format!(
                    "--log-file {}: cannot open it for appending",
                    path.display()
                )
            })?;
        Ok(LogFile {
            path: path.to_owned(),
            file,
        })
    }

    /// One line, timestamped; each line is one write, so lines of runs that overlap do not
    /// interleave. A log that cannot be written is warned about, never fatal: the send
    /// matters more than its log.
    fn line(&mut self, text: &str) {
        let stamp = Local::now().format("%Y-%m-%dT%H:%M:%S%:z");
        // A log is read on a terminal too (`tail -f`): shown, never obeyed, and one line.
        let one_line =
            crate::text::printable::printable(&text.replace(['\n', '\r'], " ")).into_owned();
        if let Err(e) = self
            .file
            .write_all(format!("{stamp} smsmerge[{}] {one_line}\n", std::process::id()).as_bytes())
        {
            crate::cli::terminal::warn(format!(
                "--log-file {}: cannot write to it: {e}",
                self.path.display()
            ));
        }
    }
}

impl Monitor {
    /// A monitor for this send, not yet logging.
    pub fn new(args: &SendArgs) -> Monitor {
        Monitor {
            json: args.json,
            log: None,
            book: args.book.clone(),
            started: Local::now().fixed_offset(),
            pauses: Vec::new(),
            paused: false,
        }
    }

    /// Opens the log file and logs the start. An unwritable log stops the run before
    /// anything is done: a cron job whose log goes nowhere is a job nobody can check.
    pub fn open_log(&mut self, path: &Path, args: &SendArgs) -> Result<()> {
        let mut log = LogFile::open(path)?;
        let mode = if args.dry_run {
            " (dry run)"
        } else if args.gateway.simulate {
            " (simulated)"
        } else {
            ""
        };
        log.line(&format!("start: send {}{mode}", args.book.display()));
        self.log = Some(log);
        Ok(())
    }

    /// Reports a send that ran to its end (whatever its exit code).
    pub fn finished(&mut self, finished: &Finished) {
        self.log(&finished_line(finished));
        if self.json {
            let summary = Summary::of(finished, &self.book, &self.pauses);
            print_json(&summary);
        }
    }

    fn log(&mut self, text: &str) {
        if let Some(log) = &mut self.log {
            log.line(text);
        }
    }

    /// Reports a send that stopped with an error (exit 2).
    pub fn failed(&mut self, error: &anyhow::Error) {
        let message = format!("{error:#}");
        self.log(&format!("error: {message} (exit {})", Exit::BadInput as u8));
        if self.json {
            print_json(&Failure {
                command: "send",
                book: &self.book,
                started: self.started.to_rfc3339(),
                exit_code: Exit::BadInput as u8,
                error: message,
            });
        }
    }
}

/// The log and the JSON follow what dispatch does. Outcomes are counted by the results;
/// a log line per message would drown the lines a person looks for.
impl Consumer for Monitor {
    fn event(&mut self, event: Event) {
        match event {
            Event::Paused { reason, until } if !self.paused => {
                self.paused = true;
                self.log(&format!("paused: {reason}"));
                self.pauses.push(Pause {
                    reason,
                    until: until.to_rfc3339(),
                });
            }
            Event::Resumed if self.paused => {
                self.paused = false;
                self.log("sending resumed");
            }
            Event::Stopped { reason } => self.log(&format!("stopping early: {reason}")),
            Event::Started { .. }
            | Event::Outcome { .. }
            | Event::Paused { .. }
            | Event::Resumed
            | Event::Finished => {}
        }
    }
}

/// The log line of a finished run: exit code, counts that are not zero, segments, results.
fn finished_line(finished: &Finished) -> String {
    let totals = &finished.totals;
    let counts: Vec<String> = Status::ALL
        .into_iter()
        .filter(|s| totals.count(*s) > 0)
        .map(|s| format!("{} {}", s.as_str(), totals.count(s)))
        .collect();
    let seconds = (finished.run.finished - finished.run.started).as_seconds_f64();
    let mut line = format!(
        "{}: exit {}; {} rows: {}; {} segments; {}; {seconds:.1} s",
        match finished.exit {
            _ if finished.already_sent => "already sent completely: nothing to do",
            Exit::Interrupted => "interrupted",
            Exit::NotNow => "not now (held by the schedule, --no-wait): nothing sent",
            _ => "done",
        },
        finished.exit as u8,
        totals.rows,
        counts.join(", "),
        totals.segments(),
        if finished.results_written {
            format!("results {}", finished.results.display())
        } else {
            "no results written".to_owned()
        }
    );
    if let Some(error) = &finished.results_error {
        line.push_str(&format!("; {error}"));
    }
    if let Some(why) = &finished.run.stopped {
        line.push_str(&format!("; stopped early: {why}"));
    }
    line
}

fn print_json(value: &impl Serialize) {
    let mut stdout = std::io::stdout().lock();
    // Serializing these plain structs cannot fail; a closed stdout is not an error.
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    }
}

/// `--json` for a finished run. Field names are part of the interface: add, never rename.
#[derive(Serialize)]
struct Summary<'a> {
    command: &'static str,
    ok: bool,
    exit_code: u8,
    /// `dry-run`, `simulated` or `real`.
    mode: &'static str,
    /// True when an earlier run had sent this batch completely, so this one did nothing.
    already_sent: bool,
    book: &'a Path,
    /// `null` when no results file was written (`--no-wait` outside the allowed hours, a
    /// batch already sent, "no" at the prompt, the results could not be written).
    results: Option<&'a Path>,
    /// Why the results could not be written after sending, when they could not.
    results_error: Option<&'a str>,
    started: String,
    finished: String,
    duration_seconds: f64,
    sending_seconds: Option<f64>,
    rows: usize,
    /// Every status word, with zeros, so a check can read any key without guarding.
    statuses: BTreeMap<&'static str, usize>,
    /// INVALID rows that only the numbering plan refused (counted in `statuses` too).
    invalid_by_numbering_plan: usize,
    messages: usize,
    segments: Segments,
    balance_before: Option<&'a str>,
    balance_after: Option<&'a str>,
    stopped_early: Option<&'a str>,
    resumed: Option<&'a str>,
    /// `"0.175 SAR (7 segments at 0.025 each)"`, when a price is configured.
    estimated_cost: Option<&'a str>,
    interrupted: bool,
    /// Each time sending waited for the schedule, in order (empty when it never did).
    pauses: &'a [Pause],
}

#[derive(Serialize)]
struct Segments {
    total: usize,
    gsm7: EncodingTotals,
    ucs2: EncodingTotals,
    /// Messages UCS-2 only because of look-alikes, and the segments substituting would save.
    gsm_substitute_would_save: EncodingTotals,
    /// Messages `--gsm-substitute` changed, and the segments that saved.
    gsm_substitute_saved: EncodingTotals,
}

impl<'a> Summary<'a> {
    fn of(finished: &'a Finished, book: &'a Path, pauses: &'a [Pause]) -> Summary<'a> {
        let run = &finished.run;
        let totals: &Totals = &finished.totals;
        Summary {
            command: "send",
            ok: finished.exit == Exit::Success,
            exit_code: finished.exit as u8,
            mode: run.kind.as_str(),
            already_sent: finished.already_sent,
            book,
            results: finished
                .results_written
                .then_some(finished.results.as_path()),
            results_error: finished.results_error.as_deref(),
            started: run.started.to_rfc3339(),
            finished: run.finished.to_rfc3339(),
            duration_seconds: report::to_millisecond((run.finished - run.started).as_seconds_f64()),
            sending_seconds: run.sending_seconds.map(report::to_millisecond),
            rows: totals.rows,
            statuses: Status::ALL
                .into_iter()
                .map(|s| (s.as_str(), totals.count(s)))
                .collect(),
            invalid_by_numbering_plan: totals.invalid_by_numbering_plan,
            messages: totals.messages(),
            segments: Segments {
                total: totals.segments(),
                gsm7: totals.encodings.gsm7,
                ucs2: totals.encodings.ucs2,
                gsm_substitute_would_save: totals.avoidable,
                gsm_substitute_saved: totals.substituted,
            },
            balance_before: run.balance_before.as_deref(),
            balance_after: run.balance_after.as_deref(),
            stopped_early: run.stopped.as_deref(),
            resumed: run.resumed.as_deref(),
            estimated_cost: run.estimated_cost.as_deref(),
            interrupted: finished.exit == Exit::Interrupted,
            pauses,
        }
    }
}

/// `--json` for a run that stopped with an error.
#[derive(Serialize)]
struct Failure<'a> {
    command: &'static str,
    book: &'a Path,
    started: String,
    exit_code: u8,
    error: String,
}
