//! The gateway: sending one message and reading the balance, and what every answer means.
//!
//! [`Gateway`] has one real implementation, [`opentech::OpenTech`] (reqwest), which also talks
//! to the [`simulator`] (an HTTP server of the same API, for `--simulate`, `smsmerge simulate`
//! and the tests). The trait exists so that dispatch's retry and stop rules can be tested with
//! a scripted gateway in-process. [`SendError`] is the classification dispatch acts on.

pub mod opentech;
pub mod simulator;

use crate::sms::Encoding;
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
    /// Certainly not sent (connection refused, DNS, connect timeout, 5xx, 429): safe to retry.
    #[error("{reason}")]
    Retryable {
        /// What happened, for a person.
        reason: String,
        /// The server's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
    },
    /// The request may have reached the gateway but no answer came: re-sending could deliver
    /// the SMS twice.
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
}

/// What dispatch needs from a gateway.
pub trait Gateway: Send + Sync {
    /// Sends one message: one request, no retries (dispatch owns the retry policy).
    fn send(
        &self,
        message: Message<'_>,
    ) -> impl Future<Output = Result<Accepted, SendError>> + Send;

    /// Reads the account's balance as the gateway writes it.
    fn balance(&self) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// Longest gateway answer kept as a reference or quoted in a detail.
const MAX_BODY_CHARS: usize = 500;

/// Classifies a complete HTTP answer to a send (or balance) request.
pub fn classify(
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
) -> Result<Accepted, SendError> {
    let text = excerpt(body.trim());
    match status {
        200..=299 => match ACCOUNT_ERRORS.iter().find(|e| text == **e) {
            Some(e) => Err(SendError::Account {
                text: (*e).to_owned(),
            }),
            None => Ok(Accepted { reference: text }),
        },
        429 | 500..=599 => Err(SendError::Retryable {
            reason: with_body(format!("gateway answered HTTP {status}"), &text),
            retry_after,
        }),
        300..=399 => Err(SendError::Refused {
            reason: format!("gateway answered with a redirect (HTTP {status}); check the base URL"),
        }),
        _ => Err(SendError::Refused {
            reason: with_body(format!("gateway refused it: HTTP {status}"), &text),
        }),
    }
}

fn with_body(head: String, body: &str) -> String {
    if body.is_empty() {
        head
    } else {
        format!("{head}: {body}")
    }
}

/// At most [`MAX_BODY_CHARS`] characters of a gateway answer.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_BODY_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Reads a balance such as `1234.50`, `Balance: 1,234.50 credits` as a number, when it is one.
pub fn parse_balance(text: &str) -> Option<f64> {
    let start = text.find(|c: char| c.is_ascii_digit() || c == '-')?;
    let number: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .filter(|c| *c != ',')
        .collect();
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_errors_are_account_level_even_with_spaces() {
        for text in ACCOUNT_ERRORS {
            assert_eq!(
                classify(200, None, &format!("  {text}\r\n")),
                Err(SendError::Account {
                    text: text.to_owned()
                })
            );
        }
    }

    #[test]
    fn any_other_2xx_body_is_accepted_and_kept() {
        assert_eq!(
            classify(200, None, " OK: 12345\n"),
            Ok(Accepted {
                reference: "OK: 12345".into()
            })
        );
        assert_eq!(
            classify(202, None, ""),
            Ok(Accepted {
                reference: String::new()
            })
        );
    }

    #[test]
    fn server_errors_and_429_are_retryable_with_retry_after() {
        let wait = Some(Duration::from_secs(3));
        assert_eq!(
            classify(503, wait, "busy"),
            Err(SendError::Retryable {
                reason: "gateway answered HTTP 503: busy".into(),
                retry_after: wait
            })
        );
        assert!(matches!(
            classify(429, None, ""),
            Err(SendError::Retryable { .. })
        ));
    }

    #[test]
    fn other_4xx_and_redirects_are_refused() {
        assert!(matches!(
            classify(404, None, "nope"),
            Err(SendError::Refused { .. })
        ));
        assert!(matches!(
            classify(400, None, ""),
            Err(SendError::Refused { .. })
        ));
        assert!(matches!(
            classify(302, None, ""),
            Err(SendError::Refused { .. })
        ));
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = "x".repeat(2000);
        let Ok(a) = classify(200, None, &long) else {
            panic!()
        };
        assert_eq!(a.reference.chars().count(), MAX_BODY_CHARS + 1);
    }

    #[test]
    fn balances() {
        assert_eq!(parse_balance("1234.50"), Some(1234.5));
        assert_eq!(parse_balance("Balance: 1,234.50 credits"), Some(1234.5));
        assert_eq!(parse_balance("-3"), Some(-3.0));
        assert_eq!(parse_balance("unknown"), None);
    }
}
