//! `--rate`: never more than R messages in any one-second window, and as close to R as that
//! allows.
//!
//! A fixed schedule, not a token bucket. A bucket with a burst of R lets a sliding second see
//! nearly 2R. With a burst of one (governor's GCRA, which we used first) every wait restarts
//! from the moment the waiter actually woke, so the timer's lateness (tokio's wheel has 1 ms
//! resolution) is lost on every message: `--rate 500` achieved 471 msg/s (-5.7%). Here message
//! k is released at `start + k·period` (tokio's `Interval`): a late wake-up does not push the
//! schedule, so the achieved rate is exact. The period is stretched by [`STRETCH`], which buys
//! 8 ms of tolerance: R+1 releases span R periods = 1.008 s, so they cannot share a one-second
//! window unless one of them was more than 8 ms late. A waiter later than 5 ms (a stalled
//! machine, or nobody waiting for a while) restarts the schedule from now, so time that
//! passed idle is never made up with a burst.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::{Interval, MissedTickBehavior};

/// The period is `STRETCH / rate`: 0.8% slower than asked, the margin that keeps scheduling
/// noise from squeezing R+1 messages into a second.
pub const STRETCH: f64 = 1.008;

/// Releases waiters one at a time on a fixed schedule.
#[derive(Debug)]
pub struct Pacer {
    ticks: Mutex<Interval>,
}

impl Pacer {
    /// A pacer for `rate` messages per second; `None` (no limit) unless the rate is a positive
    /// number. Must be called inside the tokio runtime.
    pub fn new(rate: f64) -> Option<Pacer> {
        if !(rate.is_finite() && rate > 0.0) {
            return None;
        }
        let period = Duration::try_from_secs_f64(STRETCH / rate)
            .ok()?
            .max(Duration::from_nanos(1));
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Some(Pacer {
            ticks: Mutex::new(ticks),
        })
    }

    /// Waits for this message's slot. Waiters are served in the order they arrive (tokio's
    /// mutex is fair), so no message starves.
    pub async fn until_ready(&self) {
        self.ticks.lock().await.tick().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::time::Instant;

    /// Release times of `n` messages taken by `waiters` concurrent tasks.
    async fn releases(rate: f64, n: usize, waiters: usize) -> Vec<Duration> {
        let pacer = Arc::new(Pacer::new(rate).unwrap());
        let start = Instant::now();
        let taken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..waiters {
            let (pacer, taken) = (Arc::clone(&pacer), Arc::clone(&taken));
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                while taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n {
                    pacer.until_ready().await;
                    times.push(start.elapsed());
                }
                times
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort();
        all
    }

    fn busiest_second(times: &[Duration]) -> usize {
        let mut best = 0;
        let mut first = 0;
        for (i, t) in times.iter().enumerate() {
            while *t - times[first] >= Duration::from_secs(1) {
                first += 1;
            }
            best = best.max(i + 1 - first);
        }
        best
    }

    #[tokio::test(start_paused = true)]
    async fn keeps_the_rate_exactly_and_never_exceeds_it() {
        for rate in [3.0, 20.0, 500.0, 2000.0] {
            let n = (rate * 5.0) as usize + 1;
            let times = releases(rate, n, 64).await;
            assert_eq!(times.len(), n);
            let span = times[n - 1].as_secs_f64();
            let achieved = (n - 1) as f64 / span;
            assert!(
                (achieved / rate - 1.0).abs() < 0.02,
                "rate {rate}: achieved {achieved}"
            );
            assert!(busiest_second(&times) <= rate as usize, "rate {rate}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_is_not_made_up_with_a_burst() {
        let pacer = Pacer::new(10.0).unwrap();
        pacer.until_ready().await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let start = Instant::now();
        for _ in 0..11 {
            pacer.until_ready().await;
        }
        // After 3 s idle, 11 messages still take 10 periods, not one burst.
        assert!(
            start.elapsed() >= Duration::from_millis(1000),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn no_pacer_for_nonsense_rates() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _inside = runtime.enter();
        assert!(Pacer::new(0.0).is_none());
        assert!(Pacer::new(-1.0).is_none());
        assert!(Pacer::new(f64::NAN).is_none());
        assert!(Pacer::new(f64::INFINITY).is_none());
        assert!(Pacer::new(50.0).is_some());
        assert!(Pacer::new(1e300).is_some());
    }
}
