//! The stop handle: set once by whatever stops a batch (an account answer, an answer that is
//! no acceptance, the journal, Ctrl-C, a page's Stop button), and watched by dispatch, which
//! starts no request after it and ends every wait at once.

use crate::dispatch::journal::WriteFault;
use std::sync::OnceLock;
use tokio::sync::Notify;

/// Why a batch stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// One of the documented account-level answers.
    Account(String),
    /// A `2xx` answer that is no acceptance (an error page, empty, too long, not matching
    /// `success_pattern`).
    NotAccepted {
        /// The row whose answer it was.
        row: u32,
        /// What the answer was, with its start quoted.
        reason: String,
    },
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The journal could not be written: sending without a record is not allowed. The first
    /// failure, kept whole, so the run can say whether the disk is full.
    Journal(WriteFault),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Account(text) => write!(f, "the gateway answered \"{text}\""),
            StopReason::NotAccepted { row, reason } => {
                write!(f, "the gateway's answer to row {row} was {reason}")
            }
            StopReason::Interrupted => f.write_str("interrupted"),
            StopReason::Journal(fault) => std::fmt::Display::fmt(fault, f),
        }
    }
}

/// Set once by whatever stops the batch (an account error, the journal, the signal handler);
/// dispatch starts no request after it is set, and a wait for the schedule ends.
#[derive(Debug, Default)]
pub struct Stop {
    reason: OnceLock<StopReason>,
    set: Notify,
}

impl Stop {
    /// Not stopped.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Stops the batch, unless it was stopped already (then the reason is handed back).
    pub fn set(&self, reason: StopReason) -> Result<(), StopReason> {
        self.reason.set(reason)?;
        self.set.notify_waiters();
        Ok(())
    }

    /// Why the batch stopped, if it did.
    pub fn get(&self) -> Option<&StopReason> {
        self.reason.get()
    }

    /// Returns once the batch is stopped.
    pub async fn stopped(&self) {
        loop {
            let set = self.set.notified();
            tokio::pin!(set);
            // Registered before the check, so a `set` between the two is not missed.
            set.as_mut().enable();
            if self.get().is_some() {
                return;
            }
            set.await;
        }
    }
}
