//! What time it is, for the schedule (quiet hours, `--not-before`): the system's wall clock,
//! or a clock a test controls. Dispatch reads the schedule through a [`Clock`], so unit tests
//! run it on tokio's paused time and the integration tests through [`TEST_CLOCK_VARIABLE`],
//! and no test of a pause depends on how fast the machine is.

use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Tells the time: the system's wall clock, or a test's.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// The longest a wait for the schedule may sleep before it reads this clock again. The
    /// system's clock can jump (a suspended machine waking, a corrected clock), so a night's
    /// wait looks at it every half minute rather than sleeping through a jump.
    fn recheck(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A hidden variable for the test suite: the path of a file holding an RFC 3339 instant,
/// which the schedule then takes for "now" instead of the system's time. Time stands still
/// between two writes of the file, so a test moves a send into quiet hours and out again
/// exactly when it means to.
pub const TEST_CLOCK_VARIABLE: &str = "SMSMERGE_TEST_NOW_FILE";

/// The clock the schedule is read by: the system's, unless [`TEST_CLOCK_VARIABLE`] is set.
pub fn schedule_clock() -> &'static dyn Clock {
    static CLOCK: OnceLock<Box<dyn Clock>> = OnceLock::new();
    CLOCK
        .get_or_init(|| match std::env::var_os(TEST_CLOCK_VARIABLE) {
            Some(path) => Box::new(FileClock {
                path: PathBuf::from(path),
                last: Mutex::new(None),
            }),
            None => Box::new(SystemClock),
        })
        .as_ref()
}

/// The test suite's clock: the instant written in a file, read again at every look.
struct FileClock {
    path: PathBuf,
    /// The last instant read, for a look that finds the file unreadable (a test should
    /// replace it with a rename, but a half-written file must not jump the clock).
    last: Mutex<Option<DateTime<Utc>>>,
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        let read = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map(|t| t.to_utc());
        let Ok(mut last) = self.last.lock() else {
            return read.unwrap_or_else(Utc::now);
        };
        if read.is_some() {
            *last = read;
        }
        last.unwrap_or_else(Utc::now)
    }

    /// The file changes whenever the test says, not as time passes: look often.
    fn recheck(&self) -> Duration {
        Duration::from_millis(10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_clock_reads_the_file_and_keeps_its_last_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("now");
        let clock = FileClock {
            path: path.clone(),
            last: Mutex::new(None),
        };
        std::fs::write(&path, "2025-06-01T21:00:00Z\n").unwrap();
        let at = DateTime::parse_from_rfc3339("2025-06-01T21:00:00Z").unwrap();
        assert_eq!(clock.now(), at);
        std::fs::write(&path, "2025-06-01T2").unwrap();
        assert_eq!(clock.now(), at, "a half-written file does not move it");
        std::fs::write(&path, "2025-06-02T01:00:00+03:00").unwrap();
        assert_eq!(clock.now(), at + chrono::TimeDelta::hours(1));
    }
}
