//! The OpenTech HTTP API client: one reqwest client, connection reuse, timeouts, and every
//! failure sorted into what it certainly or possibly did (`super::SendError`).
//!
//! The password travels in the query string, as the API requires. It never leaves this
//! module in any other form: errors are stripped of their URL (`reqwest::Error::without_url`)
//! before they are turned into text, whatever the gateway answers has the password taken out
//! (`Redactor`) before it is read, and redirects are not followed (a redirect to another host
//! would carry the password there).
//!
//! An answer is read as it streams in, and only its first [`MAX_ANSWER_BYTES`]: a runaway
//! answer is cut there, never held whole.

use super::answer::{self, Answer, MAX_ANSWER_BYTES};
use super::{Accepted, BALANCE_PATH, Balance, Gateway, Message, SEND_PATH, SendError};
use crate::gateway::secret::{Redactor, Secret};
use crate::text::sms::{Encoding, ucs2_hex};
use regex::Regex;
use std::time::Duration;
use url::{Url, form_urlencoded};

/// The account the requests are made for.
#[derive(Debug, Clone)]
pub struct Account {
    /// `uid` given by the provider.
    pub uid: String,
    /// Login name.
    pub username: String,
    /// Login password.
    pub password: Secret,
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// `http://www.ot-sms.com`, or the simulator's address.
    pub base_url: Url,
    /// How long a request may take from start to end of the answer.
    pub timeout: Duration,
    /// How long establishing a connection may take; a connect timeout is certainly "not
    /// sent", so it is kept shorter than the request timeout.
    pub connect_timeout: Duration,
    /// `success_pattern` of the config file: what an acceptance must match.
    pub success_pattern: Option<Regex>,
}

/// The real gateway.
pub struct OpenTech {
    client: reqwest::Client,
    send_url: Url,
    balance_url: Url,
    /// `uid=..&username=..&password=..`, encoded once: every request starts its query with it.
    credentials: Secret,
    /// Takes the password out of whatever the gateway says.
    redactor: Redactor,
    success_pattern: Option<Regex>,
}

/// An answer as it was read, before it is judged.
struct Received {
    status: u16,
    retry_after: Option<Duration>,
    content_type: Option<String>,
    /// The first [`MAX_ANSWER_BYTES`], without the password.
    body: String,
    too_long: bool,
}

impl Received {
    fn answer(&self) -> Answer<'_> {
        Answer {
            status: self.status,
            retry_after: self.retry_after,
            content_type: self.content_type.as_deref(),
            body: &self.body,
            too_long: self.too_long,
        }
    }
}

impl OpenTech {
    /// Builds the client; fails only on a TLS set-up problem.
    pub fn new(account: Account, settings: &ClientSettings) -> anyhow::Result<OpenTech> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            // Servers often close idle connections after a few seconds; a request written on
            // a connection the server is closing fails with no answer and would look
            // UNCERTAIN, so idle connections are not kept longer than that.
            .pool_idle_timeout(Duration::from_secs(4))
            .redirect(reqwest::redirect::Policy::none())
            // Only dispatch decides what is sent again (and journals it first). reqwest's
            // default policy would also copy every request in case it retries it.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .user_agent(concat!("smsmerge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {}", describe(e)))?;
        let redactor = Redactor::new(&account.password);
        Ok(OpenTech {
            client,
            send_url: endpoint(&settings.base_url, SEND_PATH),
            balance_url: endpoint(&settings.base_url, BALANCE_PATH),
            credentials: Secret::new(
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("uid", &account.uid)
                    .append_pair("username", &account.username)
                    .append_pair("password", account.password.expose())
                    .finish(),
            ),
            redactor,
            success_pattern: settings.success_pattern.clone(),
        })
    }

    /// `url` with the credentials and then `pairs` as its query, form-encoded (a space as
    /// `+`, and `+ & # %` escaped) like an HTML form, which the PHP endpoints decode. Built in
    /// one pass: reqwest's `.query()` re-parses the whole URL on every call, which was a
    /// tenth of a message's client CPU.
    fn url_with(&self, url: &Url, pairs: &[(&str, &str)]) -> Url {
        // Start position 0: the credentials are part of the query, so the first pair gets
        // its `&`.
        let mut query =
            form_urlencoded::Serializer::for_suffix(self.credentials.expose().to_owned(), 0);
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        let mut url = url.clone();
        url.set_query(Some(&query.finish()));
        url
    }

    /// Makes the request and reads its answer: at most [`MAX_ANSWER_BYTES`] of the body, as
    /// it streams in, with the password taken out of it.
    async fn get(&self, url: Url) -> Result<Received, SendError> {
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| self.request_error(e))?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
        };
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(parse_retry_after);
        let content_type = header(reqwest::header::CONTENT_TYPE).map(str::to_owned);
        // The answer has started: from here on the request certainly reached the gateway.
        let mut body = Vec::new();
        let mut too_long = false;
        while let Some(chunk) = response.chunk().await.map_err(|e| SendError::Uncertain {
            reason: format!("the answer was cut off: {}", self.describe(e)),
        })? {
            let room = MAX_ANSWER_BYTES - body.len();
            if chunk.len() > room {
                // The rest is never read: dropping the response closes the connection.
                body.extend_from_slice(&chunk[..room]);
                too_long = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&body);
        Ok(Received {
            status,
            retry_after,
            content_type,
            body: self.redactor.redact(&body).into_owned(),
            too_long,
        })
    }

    /// Sorts a failed request by what certainly happened (`shared/design.md`).
    fn request_error(&self, e: reqwest::Error) -> SendError {
        if e.is_connect() {
            // Refused, DNS failure, connect timeout, TLS handshake: the request never left.
            SendError::Retryable {
                reason: format!("cannot connect to the gateway: {}", self.describe(e)),
                retry_after: None,
            }
        } else if e.is_timeout() {
            SendError::Uncertain {
                reason: "no answer before the timeout; the message may have been sent".to_owned(),
            }
        } else {
            SendError::Uncertain {
                reason: format!(
                    "the connection broke before an answer came; the message may have been sent ({})",
                    self.describe(e)
                ),
            }
        }
    }

    /// An error's text as [`describe`] gives it, with the password taken out as well, should
    /// a cause quote the request.
    fn describe(&self, e: reqwest::Error) -> String {
        self.redactor.redact(&describe(e)).into_owned()
    }
}

/// The endpoint under the base URL, keeping any path prefix the base has.
fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url
}

impl Gateway for OpenTech {
    async fn send(&self, message: Message<'_>) -> Result<Accepted, SendError> {
        let hex;
        let (msg, dcs) = match message.encoding {
            Encoding::Gsm7 => (message.text, None),
            Encoding::Ucs2 => {
                hex = ucs2_hex(message.text);
                (hex.as_str(), Some("1"))
            }
        };
        let pairs = [
            ("sender", message.sender),
            ("recipient", message.recipient),
            ("msg", msg),
            ("dcs", dcs.unwrap_or_default()),
        ];
        let pairs = if dcs.is_some() {
            &pairs[..]
        } else {
            &pairs[..3]
        };
        let url = self.url_with(&self.send_url, pairs);
        let received = self.get(url).await?;
        answer::send_outcome(&received.answer(), self.success_pattern.as_ref())
    }

    async fn balance(&self) -> Result<Balance, SendError> {
        let url = self.url_with(&self.balance_url, &[]);
        let received = self.get(url).await?;
        answer::balance_outcome(&received.answer())
    }
}

/// An error's text with its causes, without the URL (which holds the password).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `Retry-After` in seconds; an HTTP date is read as "a while" (30 s) rather than parsed,
/// since the gateway's clock is not ours.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => Some(Duration::from_secs(30)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            endpoint(&base, SEND_PATH).as_str(),
            "http://127.0.0.1:8080/ap/static/api/sms_send_bulk.php"
        );
        let base = Url::parse("https://proxy.example/sms/?x=1").unwrap();
        assert_eq!(
            endpoint(&base, BALANCE_PATH).as_str(),
            "https://proxy.example/sms/ap/static/api/sms_balance.php"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("5"), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after(" "), None);
    }
}
