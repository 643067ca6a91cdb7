//! The gateway: sending one message and reading the balance, and what every answer means.
//!
//! [`Gateway`] has one real implementation, [`opentech::OpenTech`] (reqwest), which also talks
//! to the [`simulator`] (an HTTP server of the same API, for `--simulate`, `smsmerge simulate`
//! and the tests). The trait exists so that dispatch's retry and stop rules can be tested with
//! a scripted gateway in-process. [`SendError`] is the classification dispatch acts on;
//! [`answer`] decides it from what the gateway answered.

pub mod answer;
pub mod connection;
pub mod opentech;
pub mod secret;
pub mod simulator;

pub use answer::Balance;

use crate::text::sms::Encoding;
use std::future::Future;
use std::time::Duration;

/// Path of the send endpoint.
pub const SEND_PATH: &str = "/ap/static/api/sms_send_bulk.php";
/// Path of the balance endpoint.
pub const BALANCE_PATH: &str = "/ap/static/api/sms_balance.php";

/// The documented error answers. Each is account-level: every following message of the batch
/// would fail the same way, so the batch stops at the first one.
pub const ACCOUNT_ERRORS: [&str; 4] = [
    "Invalid credential!",
    "The Username wasn't found in our system or the password provided was wrong!",
    "Invalid customer!",
    "Invalid Sender or not activated yet!",
];

/// One message as the gateway needs it.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Digits, country code first.
    pub recipient: &'a str,
    /// Sender id.
    pub sender: &'a str,
    /// The text as the person wrote it; the gateway client encodes it.
    pub text: &'a str,
    /// GSM-7 goes as plain text, UCS-2 as `dcs=1` and UTF-16BE hex.
    pub encoding: Encoding,
}

/// The gateway accepted a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The gateway's answer, trimmed: whatever id it gives, kept as the reference.
    pub reference: String,
}

/// Why a request did not end in acceptance, sorted by what may be done about it
/// (`shared/design.md`, "Which failures are retried").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Certainly not sent (connection refused, DNS, connect timeout, 503, 429): safe to retry.
    #[error("{reason}")]
    Retryable {
        /// What happened, for a person.
        reason: String,
        /// The server's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
    },
    /// The request may have reached the gateway but no answer said what became of it (none
    /// came, or a 500, 502 or 504): re-sending could deliver the SMS twice.
    #[error("{reason}")]
    Uncertain {
        /// What happened, for a person.
        reason: String,
    },
    /// Refused for good (4xx other than 429, a redirect): retrying will not help.
    #[error("{reason}")]
    Refused {
        /// What happened, for a person.
        reason: String,
    },
    /// One of the documented account-level errors: stop the batch.
    #[error("{text}")]
    Account {
        /// The gateway's text.
        text: String,
    },
    /// A `2xx` that is no acceptance (empty, an error page, too long, not matching
    /// `success_pattern`): the message may or may not have gone, and a broken script behind
    /// the gateway answers every message like this, so the batch stops.
    #[error("{reason}")]
    NotAccepted {
        /// What the answer was, with its start quoted.
        reason: String,
    },
}

/// What dispatch needs from a gateway.
pub trait Gateway: Send + Sync {
    /// Sends one message: one request, no retries (dispatch owns the retry policy).
    fn send(
        &self,
        message: Message<'_>,
    ) -> impl Future<Output = Result<Accepted, SendError>> + Send;

    /// Reads the account's balance.
    fn balance(&self) -> impl Future<Output = Result<Balance, SendError>> + Send;
}
