//! The schedule as dispatch asks it: before every request a [`Gate`] says whether requests
//! may start now (quiet hours, `--not-before`), remembering the stretch of time its last
//! answer holds for so that a request asks only the clock; and [`Pauses`] is the send
//! loop's view of the waits, told to the events' consumer as they begin and end and timed
//! so that the Summary's throughput leaves them out.

use crate::dispatch::clock::Clock;
use crate::dispatch::events::{Consumer, Event};
use crate::dispatch::schedule::{Hold, Schedule, Window};
use crate::dispatch::stop::Stop;
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// A schedule and the clock to read it by.
#[derive(Clone, Copy)]
pub struct Timing<'a> {
    /// When requests may start.
    pub schedule: &'a Schedule,
    /// What time it is: the system's clock, or a test's.
    pub clock: &'a dyn Clock,
}

/// The schedule's pauses as the send loop sees them: told to the events' consumer when they
/// begin and end, and timed (on tokio's clock) so that the Summary's throughput leaves them
/// out.
pub(super) struct Pauses<'a> {
    gate: Option<(&'a Gate<'a>, watch::Receiver<Option<Hold>>)>,
    /// What was shown last: why requests wait, while they do.
    shown: Option<Hold>,
    /// The pause's words last told, so that a consumer hears of it when they change only.
    said: Option<String>,
    since: Option<tokio::time::Instant>,
    before: Duration,
}

impl<'a> Pauses<'a> {
    pub(super) fn new(gate: Option<&'a Gate<'a>>) -> Pauses<'a> {
        Pauses {
            gate: gate.map(|g| (g, g.held.subscribe())),
            shown: None,
            said: None,
            since: None,
            before: Duration::ZERO,
        }
    }

    /// The gate's next change: a pause beginning (`Some`) or ending (`None`). Never returns
    /// without a schedule.
    pub(super) async fn changed(&mut self) -> Option<Hold> {
        if let Some((_, held)) = &mut self.gate
            && held.changed().await.is_ok()
        {
            return *held.borrow_and_update();
        }
        // The gate lives as long as the loop; without one there is nothing to wait for.
        std::future::pending().await
    }

    /// Tells a pause beginning, its countdown changing or the pause ending, and times it.
    pub(super) fn show(&mut self, hold: Option<Hold>, events: &mut dyn Consumer) {
        match (hold.is_some(), self.since) {
            (true, None) => self.since = Some(tokio::time::Instant::now()),
            (false, Some(since)) => {
                self.before += since.elapsed();
                self.since = None;
            }
            _ => {}
        }
        self.shown = hold;
        let Some((gate, _)) = &self.gate else {
            return;
        };
        match hold {
            Some(hold) => {
                let now = gate.timing.clock.now();
                let reason = gate.timing.schedule.describe(&hold, now);
                // A consumer hears of the countdown when its words change, not every tick.
                if self.said.as_ref() != Some(&reason) {
                    self.said = Some(reason.clone());
                    events.event(Event::Paused {
                        reason,
                        until: hold.until,
                    });
                }
            }
            None => {
                if self.said.take().is_some() {
                    events.event(Event::Resumed);
                }
            }
        }
    }

    /// Shows the current pause again, its wait counted down to now.
    pub(super) fn refresh(&mut self, events: &mut dyn Consumer) {
        if self.shown.is_some() {
            self.show(self.shown, events);
        }
    }

    /// Shows the gate's last word, if the loop ended before it was seen.
    pub(super) fn settle(&mut self, events: &mut dyn Consumer) {
        let Some((_, held)) = &self.gate else {
            return;
        };
        let hold = *held.borrow();
        if hold != self.shown {
            self.show(hold, events);
        }
    }

    /// Time spent paused.
    pub(super) fn total(&self) -> Duration {
        self.before + self.since.map_or(Duration::ZERO, |t| t.elapsed())
    }
}

/// The schedule as dispatch asks it, before every request.
pub(super) struct Gate<'a> {
    timing: Timing<'a>,
    /// What the schedule said last, and the stretch of time `[from, until)` it holds for:
    /// inside it, a request asks only the clock.
    known: Mutex<Option<Known>>,
    /// Why requests wait, while one does: set when a request finds the schedule closed,
    /// cleared when one passes it open. The send loop shows the pause from it.
    held: watch::Sender<Option<Hold>>,
}

/// A stretch of time the schedule is known to be open, or closed for one reason, throughout.
#[derive(Clone, Copy)]
struct Known {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    hold: Option<Hold>,
}

impl<'a> Gate<'a> {
    pub(super) fn new(timing: Timing<'a>) -> Gate<'a> {
        Gate {
            timing,
            known: Mutex::new(None),
            held: watch::Sender::new(None),
        }
    }

    /// Why requests may not start at `now`, and until when; `None` when they may.
    pub(super) fn hold(&self, now: DateTime<Utc>) -> Option<Hold> {
        let Ok(mut known) = self.known.lock() else {
            return self.timing.schedule.at(now).hold();
        };
        if let Some(k) = *known
            && k.from <= now
            && now < k.until
        {
            return k.hold;
        }
        let (until, hold) = match self.timing.schedule.at(now) {
            Window::Open(until) => (until.unwrap_or(DateTime::<Utc>::MAX_UTC), None),
            Window::Closed(hold) => (hold.until, Some(hold)),
        };
        *known = Some(Known {
            from: now,
            until,
            hold,
        });
        hold
    }

    /// Whether requests may not start now.
    pub(super) fn closed(&self) -> bool {
        self.hold(self.timing.clock.now()).is_some()
    }

    /// Waits while requests may not start; `false` when the batch was stopped meanwhile.
    pub(super) async fn wait(&self, stop: &Stop) -> bool {
        loop {
            let now = self.timing.clock.now();
            let Some(hold) = self.hold(now) else {
                self.held.send_if_modified(|held| held.take().is_some());
                return true;
            };
            self.held.send_if_modified(|held| {
                let new = *held != Some(hold);
                *held = Some(hold);
                new
            });
            let nap = (hold.until - now)
                .to_std()
                .unwrap_or_default()
                .clamp(Duration::from_millis(1), self.timing.clock.recheck());
            tokio::select! {
                _ = tokio::time::sleep(nap) => {}
                _ = stop.stopped() => return false,
            }
        }
    }
}
