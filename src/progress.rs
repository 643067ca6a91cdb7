//! Progress while sending: the consumer of dispatch's outcomes. On a terminal an indicatif
//! bar (position, rate, ETA, running counts); elsewhere (cron, CI) one plain line every 10
//! seconds and a final line, since a hidden bar would leave a log empty; with `-q`, nothing.

use crate::outcome::{RowOutcome, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the plain progress line is written.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// Running counts of what came back.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    done: u64,
    sent: u64,
    failed: u64,
    uncertain: u64,
}

impl Counts {
    fn add(&mut self, status: Status) {
        self.done += 1;
        match status {
            Status::Sent => self.sent += 1,
            Status::Failed => self.failed += 1,
            Status::Uncertain => self.uncertain += 1,
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
                "{spinner} {pos}/{len} [{bar:30}] {per_sec} ETA {eta} {msg}",
            )
            .map(|s| s.progress_chars("=> "))
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
        }
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
        if let Display::Lines { last } = &mut self.display
            && last.elapsed() >= LINE_INTERVAL
        {
            *last = Instant::now();
            let line = self.line();
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    fn line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            self.counts.done as f64 / elapsed
        } else {
            0.0
        };
        format!(
            "smsmerge: {}/{} done, {} ({rate:.1}/s)",
            self.counts.done,
            self.total,
            self.counts.describe()
        )
    }

    /// Ends the display with one summary line (unless quiet).
    pub fn finish(&mut self) {
        let elapsed = self.started.elapsed();
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
        if !matches!(self.display, Display::Quiet) {
            let _ = writeln!(
                std::io::stderr(),
                "smsmerge: {} of {} messages done in {:.1} s: {}",
                self.counts.done,
                self.total,
                elapsed.as_secs_f64(),
                self.counts.describe()
            );
        }
    }
}
