//! What happens while a batch is sent, as events for whoever shows it.
//!
//! Dispatch knows nothing about terminals or pages: it reports each thing that happens to a
//! [`Consumer`] the caller provides. The terminal's bar and plain lines are one consumer,
//! the browser page's live progress another, and [`Collected`] keeps them for tests. A
//! consumer is called on dispatch's own task, between answers, so it must be quick: show,
//! count or forward, never wait.

use crate::dispatch::stop::StopReason;
use crate::plan::outcome::RowOutcome;
use chrono::{DateTime, Utc};

/// One thing that happened while sending.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Sending starts: `total` messages will be dispatched (READY rows within the limit).
    Started {
        /// Messages this run dispatches.
        total: usize,
    },
    /// The message of plan row `index` got its outcome.
    Outcome {
        /// The row's place in the plan (0-based, plan order).
        index: usize,
        /// What became of it.
        outcome: RowOutcome,
    },
    /// The schedule holds requests back (quiet hours, `--not-before`). Sent when the pause
    /// starts and again, about once a second, while its description changes (the countdown).
    Paused {
        /// Why and until when, for a person: "quiet hours 21:00-08:00 (UTC): waiting until
        /// 08:00 (in 3h12m)".
        reason: String,
        /// The first instant requests may start again.
        until: DateTime<Utc>,
    },
    /// A pause ended; requests start again.
    Resumed,
    /// The batch stopped before its end (an account answer, the journal, a stop request); sent
    /// once, just before [`Event::Finished`].
    Stopped {
        /// Why it stopped.
        reason: StopReason,
    },
    /// Dispatch is over: every answer is in.
    Finished,
}

/// Whoever shows what dispatch does.
pub trait Consumer {
    /// Takes one event.
    fn event(&mut self, event: Event);

    /// Called about once a second while sending, so that a consumer that writes on a timer
    /// (the plain progress line of a cron log) can, even when no answer arrives.
    fn tick(&mut self) {}
}

/// A consumer that keeps every event, in order: for tests, and for a face that looks at them
/// after the batch.
#[derive(Debug, Default)]
pub struct Collected {
    /// Every event so far.
    pub events: Vec<Event>,
}

impl Consumer for Collected {
    fn event(&mut self, event: Event) {
        self.events.push(event);
    }
}

/// A consumer that shows nothing: for runs that only want the outcomes.
#[derive(Debug, Default)]
pub struct Ignored;

impl Consumer for Ignored {
    fn event(&mut self, _: Event) {}
}
