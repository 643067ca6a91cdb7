//! Sending the plan: the only place with concurrency. At most `concurrency` requests in
//! flight, never more than `rate` per second, retries with backoff for what certainly did not
//! reach the gateway, and the stop rule: the first account-level answer ends the batch.
//!
//! One send loop serves every combination of options: each message is one future (rate
//! limit → request → retry policy), and a bounded `buffer_unordered` runs them. Outcomes come
//! back in completion order and are put in their row's place, so the results keep row order.

use crate::gateway::{Gateway, Message, SendError};
use crate::journal::{Journal, JournalKey};
use crate::outcome::{RowOutcome, Status};
use crate::pacer::Pacer;
use crate::plan::{Plan, PlannedRow};
use crate::progress::Progress;
use futures::{FutureExt, StreamExt};
use rand::RngExt;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
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

/// Why a batch stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// One of the documented account-level answers.
    Account(String),
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The journal could not be written: sending without a record is not allowed.
    Journal(String),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Account(text) => write!(f, "the gateway answered \"{text}\""),
            StopReason::Interrupted => f.write_str("interrupted"),
            StopReason::Journal(error) => write!(f, "the journal could not be written ({error})"),
        }
    }
}

/// Set once by whatever stops the batch (an account error, the journal, the signal handler);
/// dispatch starts no request after it is set.
pub type Stop = OnceLock<StopReason>;

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
    /// Time from the first request to the last answer.
    pub elapsed: Duration,
}

/// Sends every row whose outcome is READY (the first `limit` of them) and returns all
/// outcomes; the others are left as they are.
pub async fn send_all<G: Gateway>(
    gateway: &G,
    batch: &Batch<'_>,
    mut outcomes: Vec<RowOutcome>,
    settings: &DispatchSettings,
    progress: &mut Progress,
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
    let limiter = settings.rate.and_then(Pacer::new);
    let concurrency = settings.concurrency.max(1);
    let slots = Semaphore::new(concurrency);
    let started = Instant::now();
    let context = Context {
        gateway,
        settings,
        limiter: limiter.as_ref(),
        slots: &slots,
        batch,
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
    loop {
        tokio::select! {
            next = results.next() => match next {
                Some((mut i, mut outcome)) => loop {
                    progress.record(&outcome);
                    context.record_outcome(i, &outcome);
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
            _ = ticker.tick() => progress.tick(),
        }
    }
    progress.finish();
    Dispatched {
        outcomes,
        stopped_by: batch.stop.get().cloned(),
        dispatched: take,
        elapsed: started.elapsed(),
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
            let _ = self.batch.stop.set(StopReason::Journal(e.to_string()));
        }
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
            let _ = self.batch.stop.set(StopReason::Journal(e.to_string()));
        }
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
                let _ = self.batch.stop.set(StopReason::Journal(e.to_string()));
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
            // Closed never: the semaphore lives as long as the batch.
            let Ok(slot) = self.slots.acquire().await else {
                return RowOutcome::new(Status::NotSent, "not sent: the batch ended");
            };
            if let Some(limiter) = self.limiter {
                limiter.until_ready().await;
            }
            if let Some(outcome) = self.stopped(attempts) {
                return outcome;
            }
            attempts += 1;
            let answer = self.gateway.send(message).await;
            drop(slot);
            let error = match answer {
                Ok(accepted) => {
                    return RowOutcome {
                        status: Status::Sent,
                        detail: String::new(),
                        attempts: Some(attempts),
                        sent_at: Some(chrono::Local::now().fixed_offset()),
                        reference: Some(accepted.reference),
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
                    tokio::time::sleep(self.backoff(attempts, retry_after)).await;
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

    /// The outcome for a message the batch stopped before: NOT SENT, since every earlier
    /// attempt of it certainly did not send (only retryable failures are tried again).
    fn stopped(&self, attempts: u32) -> Option<RowOutcome> {
        let reason = self.batch.stop.get()?;
        let detail = match reason {
            StopReason::Interrupted => "not sent: interrupted".to_owned(),
            StopReason::Account(text) => {
                format!("not sent: the batch stopped when the gateway answered \"{text}\"")
            }
            other => format!("not sent: the batch stopped: {other}"),
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
    use crate::gateway::Accepted;
    use crate::plan::{MessageKey, Verdict};
    use crate::sms;
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

        async fn balance(&self) -> Result<String, SendError> {
            Ok("100".into())
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
                    recipient: Some(to),
                    sender: Some("OTSMS".into()),
                    text: Some(text),
                }
            })
            .collect();
        Plan { rows }
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
        let outcomes = crate::outcome::from_plan(plan);
        let mut progress = Progress::new(plan.rows.len(), true);
        let keys = crate::journal::keys(plan);
        let stop = Stop::new();
        let batch = Batch {
            plan,
            keys: &keys,
            journal: None,
            stop: &stop,
        };
        send_all(gateway, &batch, outcomes, settings, &mut progress).await
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
            done.outcomes[1].detail,
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
        assert_eq!(done.outcomes[0].detail, "no answer");
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
            panics_for: plan.rows[2].recipient.clone(),
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
        let started = Instant::now();
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
        let header = crate::journal::RunHeader {
            version: crate::journal::VERSION,
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
        let keys = crate::journal::keys(&plan);
        let stop = Stop::new();
        let batch = Batch {
            plan: &plan,
            keys: &keys,
            journal: Some(&journal),
            stop: &stop,
        };
        let mut progress = Progress::new(3, true);
        let outcomes = crate::outcome::from_plan(&plan);
        send_all(&gateway, &batch, outcomes, &settings(), &mut progress).await;
        journal.close(true).await.unwrap();
        let previous = crate::journal::load(&path).unwrap();
        assert!(previous.finished);
        let key = |i: usize| keys[i].unwrap().to_string();
        assert_eq!(previous.attempted[&key(0)], 2);
        assert_eq!(previous.attempted[&key(1)], 1);
        for i in 0..keys.len() {
            assert_eq!(previous.outcomes[&key(i)].status, "SENT");
        }
    }
}
