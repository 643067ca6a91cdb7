//! Progress while sending: the consumer of dispatch's outcomes. On a terminal an indicatif
//! bar (position, rate, ETA, running counts); elsewhere (cron, CI) one plain line every 10
//! seconds and a final line, since a hidden bar would leave a log empty; with `-q`, nothing.
//! While the schedule pauses sending (quiet hours, `--not-before`) the bar says why and until
//! when, and a log gets a line when the pause starts, every few minutes during it, and when
//! sending resumes.

use crate::dispatch::events::{Consumer, Event};
use crate::dispatch::stop::StopReason;
use crate::plan::outcome::{RowOutcome, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fmt;
use std::io::{IsTerminal, Write as _};
use std::time::{Duration, Instant};

/// How often the plain progress line is written.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// How often the plain line is written while sending is paused: a night of quiet hours is
/// a few dozen lines in a cron log, not thousands.
pub const PAUSED_LINE_INTERVAL: Duration = Duration::from_secs(600);

/// Running counts of what came back.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    done: u64,
    sent: u64,
    failed: u64,
    uncertain: u64,
    not_sent: u64,
}

impl Counts {
    fn add(&mut self, status: Status) {
        self.done += 1;
        match status {
            Status::Sent => self.sent += 1,
            Status::Failed => self.failed += 1,
            Status::Uncertain => self.uncertain += 1,
            Status::NotSent => self.not_sent += 1,
            _ => {}
        }
    }

    fn describe(&self) -> String {
        let mut text = format!("sent {}, failed {}", self.sent, self.failed);
        if self.uncertain > 0 {
            text.push_str(&format!(", uncertain {}", self.uncertain));
        }
        text
    }
}

enum Display {
    Bar(ProgressBar),
    Lines { last: Instant },
    Quiet,
}

/// Shows progress over `total` messages.
pub struct Progress {
    display: Display,
    counts: Counts,
    total: u64,
    started: Instant,
    /// Why sending is paused and until when, while it is.
    paused: Option<String>,
    /// Since when it is paused.
    paused_since: Option<Instant>,
    /// Time spent in earlier pauses, left out of the rate and the duration.
    paused_before: Duration,
    /// Ctrl-C, SIGTERM or SIGHUP stopped the batch: the last line says what was not sent.
    interrupted: bool,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise, nothing when `quiet`.
    pub fn new(total: usize, quiet: bool) -> Progress {
        let total = total as u64;
        let display = if quiet {
            Display::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {pos}/{len} [{bar:30}] {rate} ETA {eta} {msg}",
            )
            // indicatif's own `{per_sec}` prints four decimals ("149.6571/s").
            .map(|s| {
                s.progress_chars("=> ").with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn fmt::Write| {
                        let _ = write!(w, "{}/s", one_decimal(state.per_sec()));
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            Display::Bar(bar)
        } else {
            Display::Lines {
                last: Instant::now(),
            }
        };
        Progress {
            display,
            counts: Counts::default(),
            total,
            started: Instant::now(),
            paused: None,
            paused_since: None,
            paused_before: Duration::ZERO,
            interrupted: false,
        }
    }

    /// Time paused so far.
    fn paused_for(&self) -> Duration {
        self.paused_before + self.paused_since.map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// Time spent sending: since the start, less the pauses.
    fn active(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.paused_for())
    }

    /// Whether anything is shown (not `-q`).
    pub fn shown(&self) -> bool {
        !matches!(self.display, Display::Quiet)
    }

    /// Says that sending is paused (`Some`: why and until when, e.g. "quiet hours 21:00-08:00
    /// (UTC): waiting until 08:00 (in 3h12m)") or goes on (`None`). Called as the pause
    /// begins and ends, and every second during it; a line is written when it begins and when
    /// it ends.
    pub fn pause(&mut self, why: Option<String>) {
        let was_paused = self.paused.is_some();
        match (&self.display, &why) {
            (Display::Quiet, _) => {}
            (Display::Bar(bar), Some(why)) => {
                if !was_paused {
                    bar.println(format!("smsmerge: {why}"));
                }
                bar.set_message(format!("paused: {why}"));
            }
            (Display::Bar(bar), None) => {
                if was_paused {
                    bar.println("smsmerge: sending resumed");
                    bar.set_message(self.counts.describe());
                }
            }
            (Display::Lines { .. }, Some(why)) => {
                if !was_paused {
                    plain_line(&format!("smsmerge: {why}"));
                    self.display = Display::Lines {
                        last: Instant::now(),
                    };
                }
            }
            (Display::Lines { .. }, None) => {
                if was_paused {
                    plain_line("smsmerge: sending resumed");
                }
            }
        }
        match (&why, self.paused_since) {
            (Some(_), None) => self.paused_since = Some(Instant::now()),
            (None, Some(since)) => {
                self.paused_before += since.elapsed();
                self.paused_since = None;
            }
            _ => {}
        }
        self.paused = why;
    }

    /// Takes one finished message.
    pub fn record(&mut self, outcome: &RowOutcome) {
        self.counts.add(outcome.status);
        if let Display::Bar(bar) = &self.display {
            bar.set_position(self.counts.done);
            bar.set_message(self.counts.describe());
        }
    }

    /// Called every few seconds; writes the plain line when it is due.
    pub fn tick(&mut self) {
        let interval = if self.paused.is_some() {
            PAUSED_LINE_INTERVAL
        } else {
            LINE_INTERVAL
        };
        if let Display::Lines { last } = &mut self.display
            && last.elapsed() >= interval
        {
            *last = Instant::now();
            let line = match &self.paused {
                Some(why) => format!("smsmerge: {}: {why}", self.line_counts()),
                None => self.line(),
            };
            plain_line(&line);
        }
    }

    /// "12/40 done, sent 12, failed 0", for the line written while paused.
    fn line_counts(&self) -> String {
        format!(
            "{}/{} done, {}",
            self.counts.done,
            self.total,
            self.counts.describe()
        )
    }

    fn line(&self) -> String {
        let elapsed = self.active().as_secs_f64();
        let rate = if elapsed > 0.0 {
            self.counts.done as f64 / elapsed
        } else {
            0.0
        };
        format!(
            "smsmerge: {}/{} done, {} ({}/s)",
            self.counts.done,
            self.total,
            self.counts.describe(),
            one_decimal(rate)
        )
    }

    /// Ends the display with one summary line (unless quiet).
    pub fn finish(&mut self) {
        let elapsed = self.active();
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
        if !matches!(self.display, Display::Quiet) {
            let paused = self.paused_for();
            let paused = if paused.is_zero() {
                String::new()
            } else {
                let paused = chrono::TimeDelta::from_std(paused).unwrap_or_default();
                format!(
                    " (and paused {})",
                    crate::dispatch::schedule::in_words(paused)
                )
            };
            let line = if self.interrupted {
                self.interrupted_line()
            } else {
                format!(
                    "{} of {} messages done in {:.1} s{paused}: {}",
                    self.counts.done,
                    self.total,
                    elapsed.as_secs_f64(),
                    self.counts.describe()
                )
            };
            let _ = writeln!(std::io::stderr(), "smsmerge: {line}");
        }
    }

    /// "1491 of 3000 sent, 1509 not sent (interrupted): run the same command again to send
    /// them": after a stop every message not sent came back NOT SENT, so the usual "3000 of
    /// 3000 done" would read as if all were sent.
    fn interrupted_line(&self) -> String {
        let c = &self.counts;
        let mut line = format!("{} of {} sent", c.sent, self.total);
        if c.failed > 0 {
            line.push_str(&format!(", {} failed", c.failed));
        }
        if c.uncertain > 0 {
            line.push_str(&format!(", {} uncertain", c.uncertain));
        }
        // Rows dispatch never reached count as not sent too.
        let not_sent = c.not_sent + self.total.saturating_sub(c.done);
        line.push_str(&format!(
            ", {not_sent} not sent (interrupted): run the same command again to send them"
        ));
        line
    }
}

/// A rate with one decimal: `149.6`, never `149.6571`.
fn one_decimal(rate: f64) -> String {
    format!("{rate:.1}")
}

/// The terminal's bar and plain lines draw dispatch's events.
impl Consumer for Progress {
    fn event(&mut self, event: Event) {
        match event {
            Event::Outcome { outcome, .. } => self.record(&outcome),
            Event::Paused { reason, .. } if self.shown() => self.pause(Some(reason)),
            Event::Resumed if self.shown() => self.pause(None),
            Event::Stopped {
                reason: StopReason::Interrupted,
            } => self.interrupted = true,
            Event::Finished => self.finish(),
            // The total was known when the bar was made; why a batch stopped is said by the
            // command once the bar is gone.
            Event::Started { .. }
            | Event::Paused { .. }
            | Event::Resumed
            | Event::Stopped { .. } => {}
        }
    }

    fn tick(&mut self) {
        Progress::tick(self);
    }
}
/// Writes one plain progress line, the local time first: a cron mail or a CI log of a long
/// batch then shows when each line was written, without `--log-file`.
fn plain_line(line: &str) {
    let now = chrono::Local::now().format("%H:%M:%S");
    let _ = writeln!(std::io::stderr(), "{now} {line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_show_one_decimal() {
        assert_eq!(one_decimal(149.657_1), "149.7");
        assert_eq!(one_decimal(40.0), "40.0");
    }

    #[test]
    fn an_interrupted_batch_ends_saying_how_many_were_not_sent() {
        let mut progress = Progress::new(3000, true);
        for i in 0..3000 {
            let status = if i < 1491 {
                Status::Sent
            } else {
                Status::NotSent
            };
            progress.record(&RowOutcome::new(status, ""));
        }
        progress.event(Event::Stopped {
            reason: StopReason::Interrupted,
        });
        assert_eq!(
            progress.interrupted_line(),
            "1491 of 3000 sent, 1509 not sent (interrupted): run the same command again to send them"
        );
    }
}
