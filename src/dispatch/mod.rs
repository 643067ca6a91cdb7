//! Sending the plan: the only place with concurrency. At most `concurrency` requests in
//! flight, never more than `rate` per second, retries with backoff for what certainly did not
//! reach the gateway, and the stop rule: the first account-level answer, or the first `2xx`
//! that is no acceptance (an error page), ends the batch.
//!
//! One send loop serves every combination of options: each message is one future (rate
//! limit → request → retry policy), and a bounded `buffer_unordered` runs them. Outcomes come
//! back in completion order and are put in their row's place, so the results keep row order.
//!
//! A [`Schedule`](schedule::Schedule) (quiet hours, `--not-before`) gates every request: outside the hours to send,
//! no request starts (those in flight finish) until the schedule opens again, and a stop
//! (Ctrl-C) ends the wait at once. The time comes from a [`Clock`](clock::Clock), so tests run the pauses on
//! tokio's paused time. A pause begins when a request finds the schedule closed and ends when
//! one passes it open: the progress display is told of both as they happen, not when a
//! periodic tick happens to look (`gate`).

pub mod clock;
pub mod events;
mod gate;
pub mod journal;
pub mod lock;
pub mod pacer;
pub mod schedule;
pub mod stop;

use crate::dispatch::events::{Consumer, Event};
pub use crate::dispatch::gate::Timing;
use crate::dispatch::gate::{Gate, Pauses};
use crate::dispatch::journal::{Journal, JournalKey, WriteFault};
use crate::dispatch::pacer::Pacer;
use crate::dispatch::stop::{Stop, StopReason};
use crate::gateway::{Gateway, Message, SendError};
use crate::plan::outcome::{RowOutcome, Status};
use crate::plan::{Plan, PlannedRow};
use futures::{FutureExt, StreamExt};
use rand::RngExt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How to send.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Messages per second at most, in any one-second window.
    pub rate: Option<f64>,
    /// Retries after the first attempt, for failures that certainly did not send.
    pub retries: u32,
    /// Re-send, once, a message whose first request got no answer.
    pub retry_uncertain: bool,
    /// The first backoff; each retry doubles it (with jitter), up to [`MAX_BACKOFF`].
    pub backoff: Duration,
    /// Send only the first N READY rows.
    pub limit: Option<usize>,
}

/// Longest wait between two attempts, whatever the backoff or `Retry-After` says.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What to send and where to record it.
pub struct Batch<'a> {
    /// The plan; rows whose outcome is READY are sent.
    pub plan: &'a Plan,
    /// Each row's journal key (same order as the plan).
    pub keys: &'a [Option<JournalKey>],
    /// The journal, for a real send.
    pub journal: Option<&'a Journal>,
    /// The stop flag, shared with the signal handler.
    pub stop: &'a Stop,
    /// When requests may start (quiet hours, `--not-before`); `None`: at any time.
    pub timing: Option<Timing<'a>>,
}

/// What dispatch did.
#[derive(Debug)]
pub struct Dispatched {
    /// One outcome per plan row, in row order.
    pub outcomes: Vec<RowOutcome>,
    /// Why the batch stopped early, if it did.
    pub stopped_by: Option<StopReason>,
    /// Messages that were dispatched (READY rows within `--limit`).
    pub dispatched: usize,
    /// Time from the first request to the last answer, less the time the schedule held
    /// requests back (quiet hours, `--not-before`), so that a night's pause does not read as
    /// a slow gateway in the Summary's throughput.
    pub elapsed: Duration,
}

/// Sends every row whose outcome is READY (the first `limit` of them) and returns all
/// outcomes; the others are left as they are.
pub async fn send_all<G: Gateway>(
    gateway: &G,
    batch: &Batch<'_>,
    mut outcomes: Vec<RowOutcome>,
    settings: &DispatchSettings,
    events: &mut dyn Consumer,
) -> Dispatched {
    let ready: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].status == Status::Ready)
        .collect();
    let take = settings.limit.unwrap_or(usize::MAX).min(ready.len());
    for &i in &ready[take..] {
        outcomes[i] = RowOutcome::new(
            Status::NotSent,
            format!("not sent: --limit {take} sends only the first {take} messages"),
        );
    }
    events.event(Event::Started { total: take });
    let limiter = settings.rate.and_then(Pacer::new);
    let concurrency = settings.concurrency.max(1);
    let slots = Semaphore::new(concurrency);
    // tokio's clock (the system's, but for paused tests) like the pause it is set against.
    let started = tokio::time::Instant::now();
    let context = Context {
        gateway,
        settings,
        limiter: limiter.as_ref(),
        slots: &slots,
        batch,
        gate: batch.timing.map(Gate::new),
    };
    let mut results = futures::stream::iter(ready[..take].iter().copied())
        .map(|i| {
            let context = &context;
            async move {
                // A bug while sending one message must not take the batch down. Whether the
                // request left is unknown, so the message is UNCERTAIN, never re-sent blindly.
                let outcome = AssertUnwindSafe(context.send(i))
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|_| {
                        RowOutcome::new(
                            Status::Uncertain,
                            "internal error while sending (please report it); it may have been sent",
                        )
                    });
                (i, outcome)
            }
        })
        .buffer_unordered(concurrency + lookahead(concurrency));
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut pauses = Pauses::new(context.gate.as_ref());
    loop {
        tokio::select! {
            next = results.next() => match next {
                Some((mut i, mut outcome)) => loop {
                    context.record_outcome(i, &outcome);
                    events.event(Event::Outcome { index: i, outcome: outcome.clone() });
                    outcomes[i] = outcome;
                    // Take in every other answer that is already here, then write all their
                    // outcome records at once.
                    match results.next().now_or_never() {
                        Some(Some(next)) => (i, outcome) = next,
                        _ => {
                            context.flush_journal();
                            break;
                        }
                    }
                },
                None => break,
            },
            hold = pauses.changed() => pauses.show(hold, events),
            _ = ticker.tick() => {
                // The countdown of a pause ("in 3h12m") moves on.
                pauses.refresh(events);
                events.tick();
            }
        }
    }
    // A pause that ended (or began) as the last message came back is still told.
    pauses.settle(events);
    if let Some(reason) = batch.stop.get() {
        events.event(Event::Stopped {
            reason: reason.clone(),
        });
    }
    events.event(Event::Finished);
    Dispatched {
        outcomes,
        stopped_by: batch.stop.get().cloned(),
        dispatched: take,
        elapsed: started.elapsed().saturating_sub(pauses.total()),
    }
}

/// Messages whose attempt is journaled while all `concurrency` requests are in flight, so
/// that a freed slot never waits for the journal's sync (3-6 ms on a plain disk, 6-10% of
/// the throughput at 50 ms gateway latency). A kill (not Ctrl-C, which records them as
/// NOT SENT) leaves these few UNCERTAIN although they never left: the safe side of the rule.
fn lookahead(concurrency: usize) -> usize {
    concurrency.div_ceil(4)
}

/// What every message's future shares.
struct Context<'a, G> {
    gateway: &'a G,
    settings: &'a DispatchSettings,
    limiter: Option<&'a Pacer>,
    /// One permit per request in flight.
    slots: &'a Semaphore,
    batch: &'a Batch<'a>,
    gate: Option<Gate<'a>>,
}

impl<G: Gateway> Context<'_, G> {
    /// Writes a finished message's outcome to the journal; a journal that cannot be written
    /// stops the batch.
    fn record_outcome(&self, i: usize, outcome: &RowOutcome) {
        if let Some(journal) = self.batch.journal
            && let Err(e) = self
                .key(i)
                .and_then(|key| journal.outcome(key, self.batch.plan.rows[i].row_number, outcome))
        {
            self.journal_failed(journal, &e);
        }
    }

    /// Stops the batch on a journal that cannot be written, with the first failure.
    fn journal_failed(&self, journal: &Journal, error: &std::io::Error) {
        let fault = journal
            .fault()
            .unwrap_or_else(|| WriteFault::new(journal.path(), error));
        let _ = self.batch.stop.set(StopReason::Journal(fault));
    }

    /// Row `i`'s journal key; every row that is sent has one.
    fn key(&self, i: usize) -> std::io::Result<&JournalKey> {
        self.batch
            .keys
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| {
                std::io::Error::other(format!(
                    "row {} has no journal key (please report it)",
                    self.batch.plan.rows[i].row_number
                ))
            })
    }

    /// Writes the buffered outcome records to the file; a journal that cannot be written
    /// stops the batch.
    fn flush_journal(&self) {
        if let Some(journal) = self.batch.journal
            && let Err(e) = journal.flush()
        {
            self.journal_failed(journal, &e);
        }
    }

    /// Takes back an attempt that was journaled but never left, because the schedule closed
    /// while it waited for a slot: a NOT SENT outcome, written at once, so that a kill during
    /// the pause leaves it to be sent by a rerun rather than UNCERTAIN. Its next attempt
    /// record supersedes it.
    fn withdraw(&self, i: usize, attempts: u32) {
        let mut outcome = RowOutcome::new(Status::NotSent, "not sent yet: paused by the schedule");
        outcome.attempts = (attempts > 0).then_some(attempts);
        self.record_outcome(i, &outcome);
        self.flush_journal();
    }

    /// Records the attempt durably before its request leaves; `false` when it could not be
    /// recorded (the batch is then stopped and the request not sent).
    async fn record_attempt(&self, i: usize, attempt: u32) -> bool {
        let Some(journal) = self.batch.journal else {
            return true;
        };
        let recorded = match self.key(i) {
            Ok(key) => {
                journal
                    .attempt(key, self.batch.plan.rows[i].row_number, attempt)
                    .await
            }
            Err(e) => Err(e),
        };
        match recorded {
            Ok(()) => true,
            Err(e) => {
                self.journal_failed(journal, &e);
                false
            }
        }
    }

    /// Sends one message with the retry policy; never fails, every path ends in an outcome.
    async fn send(&self, i: usize) -> RowOutcome {
        let row: &PlannedRow = &self.batch.plan.rows[i];
        let (Some(recipient), Some(sender), Some(text), Some(sms)) =
            (&row.recipient, &row.sender, &row.text, row.sms)
        else {
            return RowOutcome::new(Status::Invalid, "incomplete plan row");
        };
        let message = Message {
            recipient,
            sender,
            text,
            encoding: sms.encoding,
        };
        let mut attempts: u32 = 0;
        let mut resent_uncertain = false;
        loop {
            if let Some(outcome) = self.stopped(attempts) {
                return outcome;
            }
            // Outside the hours to send, wait before the attempt is journaled: a kill during a
            // long pause then leaves nothing UNCERTAIN.
            if let Some(gate) = &self.gate
                && !gate.wait(self.batch.stop).await
            {
                return self.stopped(attempts).unwrap_or_else(|| {
                    RowOutcome::new(Status::NotSent, "not sent: the batch ended")
                });
            }
            // The attempt is made durable first and the rate limiter comes last, so a slow
            // disk cannot bunch requests into a burst. A message stopped in between gets a
            // NOT SENT outcome in the journal, so a rerun sends it.
            if !self.record_attempt(i, attempts + 1).await {
                return self.stopped(attempts).unwrap_or_else(|| {
                    RowOutcome::new(
                        Status::NotSent,
                        "not sent: the journal could not be written",
                    )
                });
            }
            // A stop ends the wait for a slot and for the rate limiter at once: nothing is
            // sent after it, so nothing is worth waiting for.
            let slot = match self.unless_stopped(self.slots.acquire()).await {
                Some(Ok(slot)) => slot,
                // Closed never: the semaphore lives as long as the batch.
                Some(Err(_)) | None => {
                    return self.stopped(attempts).unwrap_or_else(|| {
                        RowOutcome::new(Status::NotSent, "not sent: the batch ended")
                    });
                }
            };
            if let Some(limiter) = self.limiter {
                self.unless_stopped(limiter.until_ready()).await;
            }
            if let Some(outcome) = self.stopped(attempts) {
                return outcome;
            }
            // The schedule closed while this waited for its slot: no request starts now.
            if let Some(gate) = &self.gate
                && gate.closed()
            {
                drop(slot);
                self.withdraw(i, attempts);
                continue;
            }
            attempts += 1;
            let answer = self.gateway.send(message).await;
            drop(slot);
            let error = match answer {
                Ok(accepted) => {
                    return RowOutcome {
                        status: Status::Sent,
                        detail: Box::default(),
                        attempts: Some(attempts),
                        sent_at: Some(chrono::Local::now().fixed_offset()),
                        reference: Some(accepted.reference.into()),
                    };
                }
                Err(error) => error,
            };
            match error {
                SendError::Retryable {
                    reason,
                    retry_after,
                } => {
                    if attempts > self.settings.retries {
                        return failed(
                            Status::Failed,
                            attempts,
                            format!("gave up after {attempts} attempts: {reason}"),
                        );
                    }
                    // The next turn of the loop finds the stop, if it came meanwhile.
                    let wait = self.backoff(attempts, retry_after);
                    self.unless_stopped(tokio::time::sleep(wait)).await;
                }
                SendError::Uncertain { reason } => {
                    if !self.settings.retry_uncertain || resent_uncertain {
                        return failed(Status::Uncertain, attempts, reason);
                    }
                    resent_uncertain = true;
                }
                SendError::Refused { reason } => {
                    return failed(Status::Failed, attempts, reason);
                }
                SendError::NotAccepted { reason } => {
                    let _ = self.batch.stop.set(StopReason::NotAccepted {
                        row: row.row_number,
                        reason: reason.clone(),
                    });
                    return failed(Status::Uncertain, attempts, reason);
                }
                SendError::Account { text } => {
                    let _ = self.batch.stop.set(StopReason::Account(text.clone()));
                    return failed(
                        Status::Failed,
                        attempts,
                        format!("the gateway refused the account: {text}"),
                    );
                }
            }
        }
    }

    /// Runs `wait` to its end, or until the batch is stopped (`None`).
    async fn unless_stopped<F: std::future::Future>(&self, wait: F) -> Option<F::Output> {
        tokio::select! {
            done = wait => Some(done),
            () = self.batch.stop.stopped() => None,
        }
    }

    /// The outcome for a message the batch stopped before: NOT SENT, since every earlier
    /// attempt of it certainly did not send (only retryable failures are tried again).
    fn stopped(&self, attempts: u32) -> Option<RowOutcome> {
        let reason = self.batch.stop.get()?;
        let detail = match reason {
            StopReason::Interrupted => "not sent: interrupted".to_owned(),
            StopReason::Account(text) => {
                format!("not sent: the batch stopped when the gateway answered \"{text}\"")
            }
            StopReason::NotAccepted { row, .. } => format!(
                "not sent: the batch stopped when the gateway's answer to row {row} was not an acceptance"
            ),
            StopReason::Journal(fault) if fault.disk_full() => {
                "not sent: sending stopped when the disk was full".to_owned()
            }
            StopReason::Journal(_) => {
                "not sent: sending stopped when the journal could not be written".to_owned()
            }
        };
        let mut outcome = RowOutcome::new(Status::NotSent, detail);
        outcome.attempts = (attempts > 0).then_some(attempts);
        Some(outcome)
    }

    /// Exponential backoff with jitter (50–100% of the step), or the server's `Retry-After`.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(MAX_BACKOFF);
        }
        let step = self
            .settings
            .backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(MAX_BACKOFF);
        step.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

fn failed(status: Status, attempts: u32, detail: String) -> RowOutcome {
    let mut outcome = RowOutcome::new(status, detail);
    outcome.attempts = Some(attempts);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::clock::Clock;
    use crate::dispatch::events::Collected;
    use crate::dispatch::schedule::Schedule;
    use crate::gateway::{Accepted, Balance};
    use crate::plan::{MessageKey, Verdict};
    use crate::text::sms;
    use chrono::{DateTime, Utc};
    use std::collections::{HashMap, VecDeque};
    use std::sync::Mutex;

    /// A gateway that answers each recipient from a script, then accepts.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<HashMap<String, VecDeque<SendError>>>,
        requests: Mutex<Vec<String>>,
        panics_for: Option<String>,
    }

    impl Scripted {
        fn script(self, recipient: &str, errors: Vec<SendError>) -> Scripted {
            self.answers
                .lock()
                .unwrap()
                .insert(recipient.to_owned(), errors.into());
            self
        }

        fn requests_for(&self, recipient: &str) -> usize {
            self.requests
                .lock()
                .unwrap()
                .iter()
                .filter(|r| *r == recipient)
                .count()
        }
    }

    impl Gateway for Scripted {
        async fn send(&self, message: Message<'_>) -> Result<Accepted, SendError> {
            if self.panics_for.as_deref() == Some(message.recipient) {
                panic!("a bug while sending");
            }
            self.requests
                .lock()
                .unwrap()
                .push(message.recipient.to_owned());
            let next = self
                .answers
                .lock()
                .unwrap()
                .get_mut(message.recipient)
                .and_then(VecDeque::pop_front);
            match next {
                Some(error) => Err(error),
                None => Ok(Accepted {
                    reference: format!("OK {}", message.recipient),
                }),
            }
        }

        async fn balance(&self) -> Result<Balance, SendError> {
            Ok(Balance::Known {
                text: "100".into(),
                amount: 100.0,
            })
        }
    }

    fn plan(n: usize) -> Plan {
        let rows = (0..n)
            .map(|i| {
                let to = format!("96170{i:06}");
                let text = format!("hello {i}");
                PlannedRow {
                    row_number: i as u32 + 2,
                    verdict: Verdict::Ready {
                        key: MessageKey::new(&to, "OTSMS", &text),
                    },
                    sms: Some(sms::analyze(&text)),
                    recipient: Some(to.into()),
                    sender: Some("OTSMS".into()),
                    text: Some(text.into()),
                    cost_note: None,
                    single_braces: false,
                    number_check: crate::plan::NumberCheck::Accepted,
                }
            })
            .collect();
        Plan {
            rows,
            message: None,
        }
    }

    fn settings() -> DispatchSettings {
        DispatchSettings {
            concurrency: 4,
            rate: None,
            retries: 3,
            retry_uncertain: false,
            backoff: Duration::from_millis(1),
            limit: None,
        }
    }

    async fn run(gateway: &Scripted, plan: &Plan, settings: &DispatchSettings) -> Dispatched {
        let outcomes = crate::plan::outcome::from_plan(plan);
        let mut events = crate::dispatch::events::Ignored;
        let keys = crate::dispatch::journal::keys(plan);
        let stop = Stop::new();
        let batch = Batch {
            plan,
            keys: &keys,
            journal: None,
            stop: &stop,
            timing: None,
        };
        send_all(gateway, &batch, outcomes, settings, &mut events).await
    }

    #[tokio::test]
    async fn events_tell_the_start_each_outcome_and_the_end_in_order() {
        let gateway = Scripted::default();
        let plan = plan(5);
        let keys = crate::dispatch::journal::keys(&plan);
        let stop = Stop::new();
        let batch = Batch {
            plan: &plan,
            keys: &keys,
            journal: None,
            stop: &stop,
            timing: None,
        };
        let mut seen = Collected::default();
        let outcomes = crate::plan::outcome::from_plan(&plan);
        let done = send_all(&gateway, &batch, outcomes, &settings(), &mut seen).await;
        let events = &seen.events;
        assert_eq!(events.first(), Some(&Event::Started { total: 5 }));
        assert_eq!(events.last(), Some(&Event::Finished));
        let mut told: Vec<usize> = events
            .iter()
            .filter_map(|e| match e {
                Event::Outcome { index, outcome } => {
                    assert_eq!(*outcome, done.outcomes[*index]);
                    Some(*index)
                }
                _ => None,
            })
            .collect();
        told.sort();
        assert_eq!(told, vec![0, 1, 2, 3, 4]);
        assert_eq!(events.len(), 7, "{events:?}");
    }

    #[tokio::test]
    async fn a_stopped_batch_says_why_before_it_ends() {
        let gateway = Scripted::default();
        let plan = plan(3);
        let keys = crate::dispatch::journal::keys(&plan);
        let stop = Stop::new();
        stop.set(StopReason::Interrupted).unwrap();
        let batch = Batch {
            plan: &plan,
            keys: &keys,
            journal: None,
            stop: &stop,
            timing: None,
        };
        let mut seen = Collected::default();
        let outcomes = crate::plan::outcome::from_plan(&plan);
        send_all(&gateway, &batch, outcomes, &settings(), &mut seen).await;
        let n = seen.events.len();
        assert_eq!(
            seen.events[n - 2..],
            [
                Event::Stopped {
                    reason: StopReason::Interrupted
                },
                Event::Finished
            ]
        );
    }

    fn retryable() -> SendError {
        SendError::Retryable {
            reason: "gateway answered HTTP 503".into(),
            retry_after: None,
        }
    }

    fn uncertain() -> SendError {
        SendError::Uncertain {
            reason: "no answer".into(),
        }
    }

    #[tokio::test]
    async fn every_row_is_sent_once_and_keeps_its_place() {
        let gateway = Scripted::default();
        let plan = plan(20);
        let done = run(&gateway, &plan, &settings()).await;
        assert_eq!(done.dispatched, 20);
        for (i, outcome) in done.outcomes.iter().enumerate() {
            assert_eq!(outcome.status, Status::Sent);
            assert_eq!(outcome.attempts, Some(1));
            let to = plan.rows[i].recipient.as_deref().unwrap();
            assert_eq!(
                outcome.reference.as_deref(),
                Some(format!("OK {to}").as_str())
            );
            assert_eq!(gateway.requests_for(to), 1);
        }
    }

    #[tokio::test]
    async fn retryable_failures_are_retried_then_given_up() {
        let plan = plan(2);
        let a = plan.rows[0].recipient.clone().unwrap();
        let b = plan.rows[1].recipient.clone().unwrap();
        let gateway = Scripted::default()
            .script(&a, vec![retryable(), retryable()])
            .script(&b, vec![retryable(); 10]);
        let done = run(&gateway, &plan, &settings()).await;
        assert_eq!(done.outcomes[0].status, Status::Sent);
        assert_eq!(done.outcomes[0].attempts, Some(3));
        assert_eq!(done.outcomes[1].status, Status::Failed);
        assert_eq!(done.outcomes[1].attempts, Some(4));
        assert_eq!(
            &*done.outcomes[1].detail,
            "gave up after 4 attempts: gateway answered HTTP 503"
        );
        assert_eq!(gateway.requests_for(&b), 4);
    }

    #[tokio::test]
    async fn uncertain_is_never_resent_without_the_flag() {
        let plan = plan(1);
        let to = plan.rows[0].recipient.clone().unwrap();
        let gateway = Scripted::default().script(&to, vec![uncertain()]);
        let done = run(&gateway, &plan, &settings()).await;
        assert_eq!(done.outcomes[0].status, Status::Uncertain);
        assert_eq!(&*done.outcomes[0].detail, "no answer");
        assert_eq!(gateway.requests_for(&to), 1);
    }

    #[tokio::test]
    async fn retry_uncertain_resends_once_only() {
        let plan = plan(2);
        let a = plan.rows[0].recipient.clone().unwrap();
        let b = plan.rows[1].recipient.clone().unwrap();
        let gateway = Scripted::default()
            .script(&a, vec![uncertain()])
            .script(&b, vec![uncertain(), uncertain()]);
        let mut s = settings();
        s.retry_uncertain = true;
        let done = run(&gateway, &plan, &s).await;
        assert_eq!(done.outcomes[0].status, Status::Sent);
        assert_eq!(done.outcomes[0].attempts, Some(2));
        assert_eq!(done.outcomes[1].status, Status::Uncertain);
        assert_eq!(gateway.requests_for(&b), 2);
    }

    #[tokio::test]
    async fn a_panic_while_sending_one_message_leaves_the_others_alone() {
        let plan = plan(5);
        let gateway = Scripted {
            panics_for: plan.rows[2].recipient.as_deref().map(str::to_owned),
            ..Scripted::default()
        };
        let done = run(&gateway, &plan, &settings()).await;
        let statuses: Vec<_> = done.outcomes.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [
                Status::Sent,
                Status::Sent,
                Status::Uncertain,
                Status::Sent,
                Status::Sent
            ]
        );
        assert!(done.outcomes[2].detail.contains("internal error"));
    }

    /// Sends `plan` and sets the stop `after` into the batch; returns what was dispatched
    /// and when (on tokio's clock) `send_all` returned.
    async fn stopped_after(
        gateway: &Scripted,
        plan: &Plan,
        settings: &DispatchSettings,
        after: Duration,
    ) -> (Dispatched, Duration) {
        let outcomes = crate::plan::outcome::from_plan(plan);
        let mut events = crate::dispatch::events::Ignored;
        let keys = crate::dispatch::journal::keys(plan);
        let stop = Stop::new();
        let batch = Batch {
            plan,
            keys: &keys,
            journal: None,
            stop: &stop,
            timing: None,
        };
        let started = tokio::time::Instant::now();
        let ctrl_c = async {
            tokio::time::sleep(after).await;
            stop.set(StopReason::Interrupted).unwrap();
        };
        let (done, ()) = tokio::join!(
            send_all(gateway, &batch, outcomes, settings, &mut events),
            ctrl_c
        );
        (done, started.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_the_rate_limiters_wait_at_once() {
        // One a second, 32 waiting: the last would wait half a minute.
        let plan = plan(40);
        let gateway = Scripted::default();
        let mut s = settings();
        s.rate = Some(1.0);
        s.concurrency = 32;
        let (done, took) = stopped_after(&gateway, &plan, &s, Duration::from_millis(2500)).await;
        assert_eq!(
            took,
            Duration::from_millis(2500),
            "no wait outlived the stop"
        );
        let sent = done.outcomes.iter().filter(|o| o.status == Status::Sent);
        assert_eq!(sent.count(), 3, "released at 0, 1 and 2 s");
        assert!(
            done.outcomes[3..]
                .iter()
                .all(|o| o.status == Status::NotSent && &*o.detail == "not sent: interrupted")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_a_retry_after_wait_at_once() {
        let plan = plan(2);
        let first = plan.rows[0].recipient.clone().unwrap();
        let busy = SendError::Retryable {
            reason: "gateway answered HTTP 429".into(),
            retry_after: Some(Duration::from_secs(120)),
        };
        let gateway = Scripted::default().script(&first, vec![busy]);
        let mut s = settings();
        s.concurrency = 1;
        s.backoff = Duration::from_secs(60);
        let (done, took) = stopped_after(&gateway, &plan, &s, Duration::from_secs(1)).await;
        assert_eq!(took, Duration::from_secs(1));
        assert_eq!(gateway.requests_for(&first), 1);
        // Its one request was refused: certainly not sent, so NOT SENT for a rerun to send.
        assert_eq!(done.outcomes[0].status, Status::NotSent);
        assert_eq!(done.outcomes[0].attempts, Some(1));
        // The wait holds no slot: the other message went meanwhile.
        assert_eq!(done.outcomes[1].status, Status::Sent);
        assert_eq!(done.stopped_by, Some(StopReason::Interrupted));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_a_backoff_at_once() {
        let plan = plan(1);
        let first = plan.rows[0].recipient.clone().unwrap();
        let gateway = Scripted::default().script(&first, vec![retryable(); 5]);
        let mut s = settings();
        s.backoff = Duration::from_secs(100);
        let (done, took) = stopped_after(&gateway, &plan, &s, Duration::from_secs(3)).await;
        assert_eq!(took, Duration::from_secs(3));
        assert_eq!(done.outcomes[0].status, Status::NotSent);
    }

    #[tokio::test]
    async fn refused_is_failed_without_retry() {
        let plan = plan(1);
        let to = plan.rows[0].recipient.clone().unwrap();
        let refused = SendError::Refused {
            reason: "gateway refused it: HTTP 404".into(),
        };
        let gateway = Scripted::default().script(&to, vec![refused]);
        let done = run(&gateway, &plan, &settings()).await;
        assert_eq!(done.outcomes[0].status, Status::Failed);
        assert_eq!(gateway.requests_for(&to), 1);
    }

    #[tokio::test]
    async fn an_account_error_stops_the_batch() {
        let plan = plan(50);
        let first = plan.rows[0].recipient.clone().unwrap();
        let gateway = Scripted::default().script(
            &first,
            vec![SendError::Account {
                text: "Invalid Sender or not activated yet!".into(),
            }],
        );
        let mut s = settings();
        s.concurrency = 1;
        let done = run(&gateway, &plan, &s).await;
        assert_eq!(
            done.stopped_by,
            Some(StopReason::Account(
                "Invalid Sender or not activated yet!".into()
            ))
        );
        assert_eq!(gateway.requests.lock().unwrap().len(), 1);
        assert_eq!(done.outcomes[0].status, Status::Failed);
        assert!(
            done.outcomes[1..]
                .iter()
                .all(|o| o.status == Status::NotSent
                    && o.detail.contains("Invalid Sender or not activated yet!"))
        );
    }

    #[tokio::test]
    async fn an_answer_that_is_no_acceptance_stops_the_batch_and_is_not_resent() {
        let plan = plan(50);
        let first = plan.rows[0].recipient.clone().unwrap();
        let reason = "not an acceptance (an empty answer); the message may have been sent";
        let gateway = Scripted::default().script(
            &first,
            vec![SendError::NotAccepted {
                reason: reason.into(),
            }],
        );
        let mut s = settings();
        s.concurrency = 1;
        // Not even with --retry-uncertain: whatever answered so will answer every message so.
        s.retry_uncertain = true;
        let done = run(&gateway, &plan, &s).await;
        assert_eq!(
            done.stopped_by,
            Some(StopReason::NotAccepted {
                row: 2,
                reason: reason.into()
            })
        );
        assert_eq!(gateway.requests.lock().unwrap().len(), 1);
        assert_eq!(done.outcomes[0].status, Status::Uncertain);
        assert_eq!(done.outcomes[0].attempts, Some(1));
        assert_eq!(&*done.outcomes[0].detail, reason);
        assert!(done.outcomes[1..].iter().all(|o| o.status == Status::NotSent
            && &*o.detail
                == "not sent: the batch stopped when the gateway's answer to row 2 was not an acceptance"));
    }

    #[tokio::test]
    async fn limit_sends_only_the_first_rows() {
        let plan = plan(5);
        let gateway = Scripted::default();
        let mut s = settings();
        s.limit = Some(2);
        let done = run(&gateway, &plan, &s).await;
        let statuses: Vec<_> = done.outcomes.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [
                Status::Sent,
                Status::Sent,
                Status::NotSent,
                Status::NotSent,
                Status::NotSent
            ]
        );
        assert_eq!(done.dispatched, 2);
        assert!(done.outcomes[4].detail.contains("--limit 2"));
    }

    #[tokio::test]
    async fn rate_limit_spreads_requests() {
        let plan = plan(11);
        let gateway = Scripted::default();
        let mut s = settings();
        s.rate = Some(100.0);
        s.concurrency = 11;
        let started = std::time::Instant::now();
        run(&gateway, &plan, &s).await;
        // 11 requests at 100/s: the first at once, ten more 10 ms apart.
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let gateway = Scripted::default();
        let stop = Stop::new();
        let plan = plan(0);
        let batch = Batch {
            plan: &plan,
            keys: &[],
            journal: None,
            stop: &stop,
            timing: None,
        };
        let mut s = settings();
        s.backoff = Duration::from_millis(100);
        let slots = Semaphore::new(1);
        let context = Context {
            gateway: &gateway,
            settings: &s,
            limiter: None,
            slots: &slots,
            batch: &batch,
            gate: None,
        };
        for attempt in 1..=4u32 {
            let step = Duration::from_millis(100 * 2u64.pow(attempt - 1));
            let wait = context.backoff(attempt, None);
            assert!(wait >= step / 2 && wait <= step, "{attempt}: {wait:?}");
        }
        assert_eq!(context.backoff(20, None).max(MAX_BACKOFF), MAX_BACKOFF);
        assert_eq!(
            context.backoff(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            context.backoff(1, Some(Duration::from_secs(10_000))),
            MAX_BACKOFF
        );
    }

    #[tokio::test]
    async fn every_attempt_is_journaled_before_it_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let header = crate::dispatch::journal::RunHeader {
            version: crate::dispatch::journal::VERSION,
            started: String::new(),
            input: "b.xlsx".into(),
            input_hash: String::new(),
            gateway: "test".into(),
            plan: Default::default(),
        };
        let journal = Journal::open(&path, header).unwrap();
        let plan = plan(3);
        let first = plan.rows[0].recipient.clone().unwrap();
        let gateway = Scripted::default().script(&first, vec![retryable()]);
        let keys = crate::dispatch::journal::keys(&plan);
        let stop = Stop::new();
        let batch = Batch {
            plan: &plan,
            keys: &keys,
            journal: Some(&journal),
            stop: &stop,
            timing: None,
        };
        let mut events = crate::dispatch::events::Ignored;
        let outcomes = crate::plan::outcome::from_plan(&plan);
        send_all(&gateway, &batch, outcomes, &settings(), &mut events).await;
        journal.close(true).await.unwrap();
        let previous = crate::dispatch::journal::load(&path).unwrap();
        assert!(previous.finished);
        let key = |i: usize| keys[i].unwrap().to_string();
        assert_eq!(previous.attempted[&key(0)], 2);
        assert_eq!(previous.attempted[&key(1)], 1);
        for i in 0..keys.len() {
            assert_eq!(previous.outcomes[&key(i)].status, "SENT");
        }
    }

    // -----------------------------------------------------------------------------------------
    // The schedule, on tokio's paused time: an hour of waiting takes no time at all.

    /// A wall clock that runs with tokio's (paused) time, from `origin`.
    struct PausedClock {
        origin: DateTime<Utc>,
        start: tokio::time::Instant,
    }

    impl PausedClock {
        fn at(origin: &str) -> PausedClock {
            PausedClock {
                origin: utc(origin),
                start: tokio::time::Instant::now(),
            }
        }
    }

    impl Clock for PausedClock {
        fn now(&self) -> DateTime<Utc> {
            self.origin + chrono::TimeDelta::from_std(self.start.elapsed()).unwrap()
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
    }

    /// A request as [`Slow`] logs it: recipient, when it started, when it was answered.
    type Logged = (String, DateTime<Utc>, DateTime<Utc>);

    /// A gateway that takes `latency` to answer and logs each request.
    struct Slow<'a> {
        clock: &'a PausedClock,
        latency: Duration,
        log: Mutex<Vec<Logged>>,
    }

    impl Gateway for Slow<'_> {
        async fn send(&self, message: Message<'_>) -> Result<Accepted, SendError> {
            let started = self.clock.now();
            tokio::time::sleep(self.latency).await;
            self.log.lock().unwrap().push((
                message.recipient.to_owned(),
                started,
                self.clock.now(),
            ));
            Ok(Accepted {
                reference: format!("OK {}", message.recipient),
            })
        }

        async fn balance(&self) -> Result<Balance, SendError> {
            Ok(Balance::Known {
                text: "100".into(),
                amount: 100.0,
            })
        }
    }

    fn quiet_schedule(window: &str) -> Schedule {
        Schedule::new(
            Some(window.parse().unwrap()),
            None,
            crate::dispatch::schedule::Zone::parse("UTC").unwrap(),
            utc("2025-06-01 00:00:00"),
        )
        .unwrap()
    }

    /// Sends `plan` through `gateway` with the schedule, journaled to `journal`.
    async fn run_scheduled(
        gateway: &Slow<'_>,
        plan: &Plan,
        schedule: &Schedule,
        journal: &Journal,
        stop: &Stop,
        concurrency: usize,
    ) -> Dispatched {
        let mut events = crate::dispatch::events::Ignored;
        run_scheduled_to(
            gateway,
            plan,
            schedule,
            journal,
            stop,
            concurrency,
            &mut events,
        )
        .await
    }

    async fn run_scheduled_to(
        gateway: &Slow<'_>,
        plan: &Plan,
        schedule: &Schedule,
        journal: &Journal,
        stop: &Stop,
        concurrency: usize,
        events: &mut dyn Consumer,
    ) -> Dispatched {
        let keys = crate::dispatch::journal::keys(plan);
        let batch = Batch {
            plan,
            keys: &keys,
            journal: Some(journal),
            stop,
            timing: Some(Timing {
                schedule,
                clock: gateway.clock,
            }),
        };
        let mut s = settings();
        s.concurrency = concurrency;
        let outcomes = crate::plan::outcome::from_plan(plan);
        send_all(gateway, &batch, outcomes, &s, events).await
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_is_told_once_with_its_end_then_its_resumption() {
        let clock = PausedClock::at("2025-06-01 20:59:58");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(1500),
            log: Mutex::default(),
        };
        let plan = plan(6);
        let schedule = quiet_schedule("21:00-22:00");
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let mut seen = Collected::default();
        run_scheduled_to(&gateway, &plan, &schedule, &journal, &stop, 2, &mut seen).await;
        journal.close(true).await.unwrap();
        let paused: Vec<_> = seen
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Paused { until, .. } => Some(*until),
                _ => None,
            })
            .collect();
        assert!(!paused.is_empty());
        assert!(
            paused
                .iter()
                .all(|until| *until == utc("2025-06-01 22:00:00"))
        );
        // The countdown is told when its words change (each minute, each second of the last
        // one), not at every one of the hour's 3,600 ticks.
        assert!(paused.len() < 200, "{}", paused.len());
        let resumed = seen.events.iter().filter(|e| **e == Event::Resumed).count();
        assert_eq!(resumed, 1);
        let last_pause = seen
            .events
            .iter()
            .rposition(|e| matches!(e, Event::Paused { .. }));
        let resumed_at = seen.events.iter().position(|e| *e == Event::Resumed);
        assert!(last_pause < resumed_at);
        assert_eq!(seen.events.last(), Some(&Event::Finished));
    }

    fn open_journal(dir: &tempfile::TempDir) -> Journal {
        let header = crate::dispatch::journal::RunHeader {
            version: crate::dispatch::journal::VERSION,
            started: String::new(),
            input: "b.xlsx".into(),
            input_hash: String::new(),
            gateway: "test".into(),
            plan: Default::default(),
        };
        Journal::open(&dir.path().join("j"), header).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn dispatch_pauses_at_quiet_hours_and_resumes_after() {
        let clock = PausedClock::at("2025-06-01 20:59:50");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(1500),
            log: Mutex::default(),
        };
        let plan = plan(30);
        // An hour of quiet keeps the test short: each simulated second costs a progress tick.
        let schedule = quiet_schedule("21:00-22:00");
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let done = run_scheduled(&gateway, &plan, &schedule, &journal, &stop, 2).await;
        journal.close(true).await.unwrap();

        assert_eq!(done.stopped_by, None);
        assert!(done.outcomes.iter().all(|o| o.status == Status::Sent));
        // 22.5 s of sending; the hour's pause is not counted.
        assert!(done.elapsed < Duration::from_secs(30), "{:?}", done.elapsed);
        let log = gateway.log.lock().unwrap().clone();
        assert_eq!(log.len(), 30, "each message exactly once");
        let (quiet_start, quiet_end) = (utc("2025-06-01 21:00:00"), utc("2025-06-01 22:00:00"));
        assert!(
            log.iter()
                .all(|(_, started, _)| *started < quiet_start || *started >= quiet_end),
            "no request starts in quiet hours: {log:?}"
        );
        // Two every 1.5 s from 20:59:50: seven rounds before 21:00, the last in flight at
        // 21:00 and answered after it; the rest from 22:00 on.
        let before: Vec<_> = log.iter().filter(|(_, s, _)| *s < quiet_start).collect();
        assert_eq!(before.len(), 14, "{log:?}");
        assert!(
            before
                .iter()
                .any(|(_, _, answered)| *answered > quiet_start)
        );
        let first_after = log
            .iter()
            .map(|(_, s, _)| *s)
            .filter(|s| *s >= quiet_end)
            .min();
        assert!(
            first_after.is_some_and(|t| t - quiet_end < chrono::TimeDelta::seconds(1)),
            "resumed at 22:00: {first_after:?}"
        );
        // The journal agrees: every message SENT, with one request each.
        let previous = crate::dispatch::journal::load(&dir.path().join("j")).unwrap();
        for key in crate::dispatch::journal::keys(&plan).iter().flatten() {
            assert_eq!(previous.outcomes[&key.to_string()].status, "SENT");
            assert_eq!(previous.outcomes[&key.to_string()].attempts, 1);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_journaled_as_quiet_hours_begin_is_withdrawn_not_left_uncertain() {
        // Two slots, and a third message journaled ahead while both are busy: at 21:00 it
        // gets a slot, finds quiet hours, and takes its attempt back with a NOT SENT record
        // (a kill during the night leaves it to be sent, not UNCERTAIN).
        let clock = PausedClock::at("2025-06-01 20:59:59");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(1500),
            log: Mutex::default(),
        };
        let plan = plan(3);
        let schedule = quiet_schedule("21:00-22:00");
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let keys = crate::dispatch::journal::keys(&plan);
        let path = dir.path().join("j");
        let watch = async {
            // 21:30: what a kill now would leave.
            tokio::time::sleep(Duration::from_secs(1800)).await;
            let previous = crate::dispatch::journal::load(&path).unwrap();
            let third = keys[2].unwrap().to_string();
            assert_eq!(previous.attempted[&third], 1);
            assert!(
                previous.carried_outcome(&third).is_none(),
                "to be sent by a rerun"
            );
            assert_eq!(
                previous
                    .carried_outcome(&keys[0].unwrap().to_string())
                    .map(|o| o.status),
                Some(Status::Sent)
            );
        };
        let (done, ()) = tokio::join!(
            run_scheduled(&gateway, &plan, &schedule, &journal, &stop, 2),
            watch
        );
        journal.close(true).await.unwrap();
        assert!(done.outcomes.iter().all(|o| o.status == Status::Sent));
        let log = gateway.log.lock().unwrap().clone();
        assert_eq!(log.len(), 3);
        assert!(log[2].1 >= utc("2025-06-01 22:00:00"), "{log:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("paused by the schedule"), "{text}");
        let previous = crate::dispatch::journal::load(&path).unwrap();
        assert_eq!(
            previous.outcomes[&keys[2].unwrap().to_string()].status,
            "SENT"
        );
    }

    /// The pause is timed from the first request the schedule holds back to the first it
    /// lets through, not by a once-a-second look: the last messages going out within a
    /// second of the window's end count as sending time, not as pause.
    #[tokio::test(start_paused = true)]
    async fn the_pause_ends_when_sending_resumes_even_at_the_very_end() {
        let clock = PausedClock::at("2025-06-01 20:59:59");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(600),
            log: Mutex::default(),
        };
        let plan = plan(6);
        let schedule = quiet_schedule("21:00-22:00");
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let done = run_scheduled(&gateway, &plan, &schedule, &journal, &stop, 2).await;
        assert!(done.outcomes.iter().all(|o| o.status == Status::Sent));
        // Two rounds before 21:00 (the second ends at 21:00:00.2), one from 22:00: 1.8 s.
        let ms = done.elapsed.as_millis();
        assert!((1795..=1810).contains(&ms), "{:?}", done.elapsed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_started_in_quiet_hours_waits_for_their_end() {
        let clock = PausedClock::at("2025-06-02 07:00:00");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(100),
            log: Mutex::default(),
        };
        let plan = plan(5);
        let schedule = quiet_schedule("21:00-08:00");
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let done = run_scheduled(&gateway, &plan, &schedule, &journal, &stop, 4).await;
        assert!(done.outcomes.iter().all(|o| o.status == Status::Sent));
        let log = gateway.log.lock().unwrap().clone();
        assert_eq!(log.len(), 5);
        assert!(log.iter().all(|(_, s, _)| *s >= utc("2025-06-02 08:00:00")));
        assert!(log.iter().all(|(_, s, _)| *s < utc("2025-06-02 08:00:01")));
    }

    #[tokio::test(start_paused = true)]
    async fn an_interrupt_while_waiting_stops_at_once_with_nothing_sent() {
        let clock = PausedClock::at("2025-06-01 23:00:00");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(100),
            log: Mutex::default(),
        };
        let plan = plan(5);
        let schedule = quiet_schedule("21:00-08:00");
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let ctrl_c = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            stop.set(StopReason::Interrupted).unwrap();
        };
        let (done, ()) = tokio::join!(
            run_scheduled(&gateway, &plan, &schedule, &journal, &stop, 4),
            ctrl_c
        );
        journal.close(false).await.unwrap();
        assert!(
            clock.now() < utc("2025-06-02 00:00:01"),
            "stopped at once, not at the end of quiet hours: {}",
            clock.now()
        );
        assert_eq!(done.stopped_by, Some(StopReason::Interrupted));
        assert!(gateway.log.lock().unwrap().is_empty());
        assert!(
            done.outcomes
                .iter()
                .all(|o| o.status == Status::NotSent && &*o.detail == "not sent: interrupted")
        );
        // Nothing was attempted, so a rerun sends every message.
        let previous = crate::dispatch::journal::load(&dir.path().join("j")).unwrap();
        assert!(previous.attempted.is_empty());
        for key in crate::dispatch::journal::keys(&plan).iter().flatten() {
            assert!(previous.carried_outcome(&key.to_string()).is_none());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn not_before_holds_the_first_request_until_then() {
        let clock = PausedClock::at("2025-06-01 07:00:00");
        let gateway = Slow {
            clock: &clock,
            latency: Duration::from_millis(10),
            log: Mutex::default(),
        };
        let plan = plan(3);
        let schedule = Schedule::new(
            None,
            Some("07:30".parse().unwrap()),
            crate::dispatch::schedule::Zone::parse("UTC").unwrap(),
            clock.now(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = open_journal(&dir);
        let stop = Stop::new();
        let done = run_scheduled(&gateway, &plan, &schedule, &journal, &stop, 1).await;
        assert!(done.outcomes.iter().all(|o| o.status == Status::Sent));
        let log = gateway.log.lock().unwrap().clone();
        assert!(log.iter().all(|(_, s, _)| *s >= utc("2025-06-01 07:30:00")));
        assert!(log[0].1 < utc("2025-06-01 07:30:01"), "{log:?}");
    }
}
