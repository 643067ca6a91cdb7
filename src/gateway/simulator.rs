//! A simulator of the OpenTech HTTP API, served on loopback: the same two endpoints, the same
//! documented error texts, `dcs=1` hex decoded, every accepted message recorded. Users try
//! smsmerge with it without an account (`send --simulate`, `smsmerge simulate`); the tests
//! send to it instead of the real provider, and its fault settings (latency, 503s and other
//! statuses, dropped connections, hangs, error pages, empty and huge answers, answers that
//! quote the request) exercise every path of dispatch and of the answers' classification.

use super::{ACCOUNT_ERRORS, BALANCE_PATH, SEND_PATH};
use crate::text::sms;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

/// An account the simulator knows.
#[derive(Debug, Clone, PartialEq)]
pub struct SimAccount {
    /// `uid`.
    pub uid: String,
    /// `username`.
    pub username: String,
    /// `password` (a simulator account's password is not a secret).
    pub password: String,
    /// A disabled account answers "Invalid customer!".
    pub enabled: bool,
}

impl SimAccount {
    /// The account `--simulate` uses: uid 1000, username and password `demo`.
    pub fn demo() -> SimAccount {
        SimAccount {
            uid: "1000".to_owned(),
            username: "demo".to_owned(),
            password: "demo".to_owned(),
            enabled: true,
        }
    }
}

impl std::str::FromStr for SimAccount {
    type Err = String;

    /// `UID:USERNAME:PASSWORD`, with `:disabled` appended for a disabled account.
    fn from_str(s: &str) -> Result<SimAccount, String> {
        let parts: Vec<&str> = s.splitn(4, ':').collect();
        match parts.as_slice() {
            [uid, username, password] | [uid, username, password, "disabled"]
                if !uid.is_empty() && !username.is_empty() =>
            {
                Ok(SimAccount {
                    uid: (*uid).to_owned(),
                    username: (*username).to_owned(),
                    password: (*password).to_owned(),
                    enabled: parts.len() == 3,
                })
            }
            _ => {
                Err("expected UID:USERNAME:PASSWORD (or UID:USERNAME:PASSWORD:disabled)".to_owned())
            }
        }
    }
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// Known accounts.
    pub accounts: Vec<SimAccount>,
    /// Sender ids activated on every account.
    pub senders: Vec<String>,
    /// Credit every account starts with; each accepted segment costs one.
    pub balance: f64,
    /// Time before each answer.
    pub latency: Duration,
    /// Up to this much more, at random.
    pub jitter: Duration,
    /// Share of send requests answered 503.
    pub fail_rate: f64,
    /// Share of send requests read and then dropped with no answer.
    pub drop_rate: f64,
    /// Share of send requests never answered.
    pub hang_rate: f64,
    /// The first N requests for each message are answered 503 (deterministic retries).
    pub fail_first: u32,
    /// The first N requests for each message are dropped with no answer.
    pub drop_first: u32,
    /// The status of the answers of `fail_rate` and `fail_first` (503: not taken, retried).
    pub fail_status: u16,
    /// `Retry-After` seconds on those answers.
    pub retry_after: Option<u64>,
    /// Share of send requests answered 200 with a PHP error page (the message not taken).
    pub html_rate: f64,
    /// Share of send requests answered 200 with an empty body (the message not taken).
    pub empty_rate: f64,
    /// Acceptances padded with spaces to this many bytes, streamed (the message taken).
    pub answer_size: Option<u64>,
    /// The `Content-Type` of every answer.
    pub content_type: String,
    /// Every 200 answer's body is this text with `{}` replaced by the usual one (a byte-order
    /// mark or markup around the documented errors, say).
    pub answer_template: Option<String>,
    /// What the balance endpoint answers an account it knows, instead of its balance.
    pub balance_answer: Option<String>,
    /// Answers (other than the documented errors) quote the request: its query string as
    /// received and the password decoded, as a careless server's error page would.
    pub echo: bool,
    /// Where to append a JSON line per accepted message.
    pub log: Option<PathBuf>,
    /// Seed for the fault dice, for repeatable runs.
    pub seed: Option<u64>,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        SimulatorConfig {
            accounts: vec![SimAccount::demo()],
            senders: ["OTSMS", "SMSMERGE", "INFO"].map(str::to_owned).to_vec(),
            balance: 10_000.0,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            fail_rate: 0.0,
            drop_rate: 0.0,
            hang_rate: 0.0,
            fail_first: 0,
            drop_first: 0,
            fail_status: 503,
            retry_after: None,
            html_rate: 0.0,
            empty_rate: 0.0,
            answer_size: None,
            content_type: "text/plain; charset=utf-8".to_owned(),
            answer_template: None,
            balance_answer: None,
            echo: false,
            log: None,
            seed: None,
        }
    }
}

/// One accepted message, as written to the log.
#[derive(Debug, Serialize)]
struct LogRecord<'a> {
    received: String,
    id: u64,
    uid: &'a str,
    username: &'a str,
    sender: &'a str,
    recipient: &'a str,
    text: &'a str,
    dcs: bool,
    encoding: &'static str,
    segments: usize,
    attempt: u32,
}

struct State {
    config: SimulatorConfig,
    rng: SmallRng,
    next_id: u64,
    attempts: HashMap<(String, String), u32>,
    balances: HashMap<String, f64>,
    log: Option<File>,
}

/// A running simulator.
pub struct Simulator {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    state: Arc<Mutex<State>>,
}

impl Simulator {
    /// Binds `addr` (port 0 for any free port) and serves until [`Simulator::shutdown`] or the
    /// runtime ends.
    pub async fn start(config: SimulatorConfig, addr: SocketAddr) -> anyhow::Result<Simulator> {
        let log = match &config.log {
            Some(path) => Some(
                File::options()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| anyhow::anyhow!("simulator log {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("simulator cannot listen on {addr}: {e}"))?;
        let addr = listener.local_addr()?;
        let rng = match config.seed {
            Some(seed) => SmallRng::seed_from_u64(seed),
            None => rand::make_rng(),
        };
        let state = Arc::new(Mutex::new(State {
            config,
            rng,
            next_id: 1,
            attempts: HashMap::new(),
            balances: HashMap::new(),
            log,
        }));
        let (shutdown, stopped) = watch::channel(false);
        tokio::spawn(accept_loop(listener, Arc::clone(&state), stopped));
        Ok(Simulator {
            addr,
            shutdown,
            state,
        })
    }

    /// The base URL to give the client.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}", self.addr))
            .expect("a socket address is a valid URL authority")
    }

    /// Messages accepted so far.
    pub fn accepted(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.next_id - 1)
    }

    /// Stops accepting connections and releases requests left hanging.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<Mutex<State>>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let state = Arc::clone(&state);
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let service =
                service_fn(move |request| handle(Arc::clone(&state), stopped.clone(), request));
            // A dropped or hung connection ends with an error here; that is the point.
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// What the dice decided for one send request.
enum Fault {
    None,
    Fail,
    Drop,
    Hang,
    Html,
    Empty,
}

/// The page a PHP script shows when its database is down, as a broken provider sends it.
const PHP_WARNING_PAGE: &str = "<br />\n<b>Warning</b>:  mysqli_connect(): (HY000/2002): Connection refused in <b>/var/www/ap/static/api/sms_send_bulk.php</b> on line <b>12</b><br />\n";

type Body = BoxBody<Bytes, Infallible>;
type Answer = Result<Response<Body>, std::io::Error>;

/// What the simulator answers, before the answer's options (template, echo, size, content
/// type) dress it.
struct Reply {
    status: StatusCode,
    body: String,
    /// A documented error text, which is never echoed or padded.
    documented: bool,
    /// An acceptance, which `answer_size` pads.
    accepted: bool,
}

impl Reply {
    fn new(status: StatusCode, body: impl Into<String>) -> Reply {
        Reply {
            status,
            body: body.into(),
            documented: false,
            accepted: false,
        }
    }

    fn documented(error: &str) -> Reply {
        Reply {
            documented: true,
            ..Reply::new(StatusCode::OK, error)
        }
    }

    fn accepted(body: String) -> Reply {
        Reply {
            accepted: true,
            ..Reply::new(StatusCode::OK, body)
        }
    }
}

async fn handle(
    state: Arc<Mutex<State>>,
    mut stopped: watch::Receiver<bool>,
    request: Request<hyper::body::Incoming>,
) -> Answer {
    let arrived = tokio::time::Instant::now();
    let received = chrono::Local::now();
    let raw_query = request.uri().query().unwrap_or_default().to_owned();
    let query: HashMap<String, String> = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let path = request.uri().path().to_owned();
    let (delay, fault) = {
        let mut s = lock(&state)?;
        let delay = s.delay();
        let fault = if path == SEND_PATH {
            s.fault(&query)
        } else {
            Fault::None
        };
        (delay, fault)
    };
    if !delay.is_zero() {
        tokio::time::sleep_until(arrived + timer_early(delay)).await;
    }
    match fault {
        Fault::Drop => return Err(std::io::Error::other("dropped by the simulator")),
        Fault::Hang => {
            let _ = stopped.changed().await;
            return Err(std::io::Error::other("hung by the simulator"));
        }
        Fault::None | Fault::Fail | Fault::Html | Fault::Empty => {}
    }
    let mut s = lock(&state)?;
    let reply = match fault {
        Fault::Fail => {
            let status = StatusCode::from_u16(s.config.fail_status)
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            Reply::new(status, status.canonical_reason().unwrap_or("Error"))
        }
        Fault::Html => Reply::new(StatusCode::OK, PHP_WARNING_PAGE),
        Fault::Empty => Reply::new(StatusCode::OK, ""),
        _ => match path.as_str() {
            SEND_PATH => s.send(&query, received),
            BALANCE_PATH => s.balance(&query),
            _ => Reply::new(StatusCode::NOT_FOUND, "Not Found"),
        },
    };
    Ok(s.dress(reply, &raw_query, &query))
}

/// tokio's timer has 1 ms resolution and rounds deadlines up: a 50 ms sleep ended after
/// 51.1 ms on average here, which would make `--latency-ms 50` a 51 ms gateway and cap a
/// 64-request benchmark 2% below 64/50 ms. Aiming 1 ms early makes the average what was asked.
fn timer_early(delay: Duration) -> Duration {
    delay
        .saturating_sub(Duration::from_millis(1))
        .max(delay / 2)
}

fn lock(state: &Mutex<State>) -> Result<std::sync::MutexGuard<'_, State>, std::io::Error> {
    state
        .lock()
        .map_err(|_| std::io::Error::other("simulator state poisoned"))
}

impl State {
    fn delay(&mut self) -> Duration {
        let jitter = self.config.jitter.as_secs_f64();
        let extra = if jitter > 0.0 {
            self.rng.random_range(0.0..jitter)
        } else {
            0.0
        };
        self.config.latency + Duration::from_secs_f64(extra)
    }

    fn fault(&mut self, query: &HashMap<String, String>) -> Fault {
        let key = (
            query.get("recipient").cloned().unwrap_or_default(),
            query.get("msg").cloned().unwrap_or_default(),
        );
        let attempt = {
            let n = self.attempts.entry(key).or_insert(0);
            *n += 1;
            *n
        };
        let c = &self.config;
        if attempt <= c.drop_first {
            return Fault::Drop;
        }
        if attempt <= c.drop_first + c.fail_first {
            return Fault::Fail;
        }
        let roll: f64 = self.rng.random_range(0.0..1.0);
        let mut upto = 0.0;
        for (share, fault) in [
            (c.fail_rate, Fault::Fail),
            (c.drop_rate, Fault::Drop),
            (c.hang_rate, Fault::Hang),
            (c.html_rate, Fault::Html),
            (c.empty_rate, Fault::Empty),
        ] {
            upto += share;
            if roll < upto {
                return fault;
            }
        }
        Fault::None
    }

    /// The documented error text for these credentials, or the account.
    fn authenticate(&self, query: &HashMap<String, String>) -> Result<SimAccount, &'static str> {
        let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
        let account = self
            .config
            .accounts
            .iter()
            .find(|a| a.username == get("username") && a.password == get("password"))
            .ok_or(ACCOUNT_ERRORS[1])?;
        if account.uid != get("uid") {
            return Err(ACCOUNT_ERRORS[0]);
        }
        if !account.enabled {
            return Err(ACCOUNT_ERRORS[2]);
        }
        Ok(account.clone())
    }

    fn balance_of(&self, account: &SimAccount) -> f64 {
        self.balances
            .get(&account.uid)
            .copied()
            .unwrap_or(self.config.balance)
    }

    fn balance(&self, query: &HashMap<String, String>) -> Reply {
        match self.authenticate(query) {
            Ok(account) => Reply::new(
                StatusCode::OK,
                self.config
                    .balance_answer
                    .clone()
                    .unwrap_or_else(|| format!("{:.2}", self.balance_of(&account))),
            ),
            Err(error) => Reply::documented(error),
        }
    }

    /// The answer as the options dress it: the template around a 200's body, the request
    /// quoted, an acceptance padded, the content type.
    fn dress(
        &self,
        reply: Reply,
        raw_query: &str,
        query: &HashMap<String, String>,
    ) -> Response<Body> {
        let c = &self.config;
        let mut body = reply.body;
        if c.echo && !reply.documented {
            let password = query
                .get("password")
                .map(String::as_str)
                .unwrap_or_default();
            body = format!("{body} (request: {raw_query}; password: {password})");
        }
        if let (Some(template), StatusCode::OK) = (&c.answer_template, reply.status) {
            body = template.replace("{}", &body);
        }
        let body = match c.answer_size {
            Some(size) if reply.accepted => padded(body, size),
            _ => Full::new(Bytes::from(body)).boxed(),
        };
        let mut response = Response::new(body);
        *response.status_mut() = reply.status;
        if let Ok(value) = hyper::header::HeaderValue::from_str(&c.content_type) {
            response
                .headers_mut()
                .insert(hyper::header::CONTENT_TYPE, value);
        }
        if let (Some(seconds), false) = (c.retry_after, reply.status.is_success()) {
            response
                .headers_mut()
                .insert(hyper::header::RETRY_AFTER, seconds.into());
        }
        response
    }

    fn send(
        &mut self,
        query: &HashMap<String, String>,
        received: chrono::DateTime<chrono::Local>,
    ) -> Reply {
        let account = match self.authenticate(query) {
            Ok(account) => account,
            Err(error) => return Reply::documented(error),
        };
        let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
        let sender = get("sender");
        if !self.config.senders.iter().any(|s| s == sender) {
            return Reply::documented(ACCOUNT_ERRORS[3]);
        }
        let recipient = get("recipient");
        if recipient.is_empty() || !recipient.bytes().all(|b| b.is_ascii_digit()) {
            return Reply::new(StatusCode::BAD_REQUEST, "recipient must be digits");
        }
        let dcs = get("dcs") == "1";
        let message = if dcs {
            match sms::decode_ucs2_hex(get("msg")) {
                Ok(decoded) => decoded,
                Err(e) => return Reply::new(StatusCode::BAD_REQUEST, e.to_string()),
            }
        } else {
            get("msg").to_owned()
        };
        if message.is_empty() {
            return Reply::new(StatusCode::BAD_REQUEST, "msg is empty");
        }
        let info = sms::analyze(&message);
        let id = self.next_id;
        self.next_id += 1;
        let balance = self.balance_of(&account) - info.segments as f64;
        self.balances.insert(account.uid.clone(), balance);
        let attempt = self
            .attempts
            .get(&(recipient.to_owned(), get("msg").to_owned()))
            .copied()
            .unwrap_or(1);
        let record = LogRecord {
            received: received.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            id,
            uid: &account.uid,
            username: &account.username,
            sender,
            recipient,
            text: &message,
            dcs,
            encoding: info.encoding.as_str(),
            segments: info.segments,
            attempt,
        };
        if let Some(log) = &mut self.log
            && let Ok(line) = serde_json::to_string(&record)
        {
            // Written whole and at once, so a reader never sees half a line.
            let _ = log.write_all(format!("{line}\n").as_bytes());
        }
        Reply::accepted(format!("OK: {id}"))
    }
}

/// `head` and then spaces, `size` bytes in all, made as they are sent: a 100 MB answer costs
/// the simulator one 64 KiB buffer.
fn padded(head: String, size: u64) -> Body {
    const CHUNK: usize = 64 * 1024;
    let spaces = Bytes::from(vec![b' '; CHUNK]);
    let rest = size.saturating_sub(head.len() as u64);
    let (whole, tail) = (rest / CHUNK as u64, (rest % CHUNK as u64) as usize);
    let chunks = futures::stream::iter(
        std::iter::once(Bytes::from(head))
            .chain(std::iter::repeat_n(spaces.clone(), whole as usize))
            .chain(std::iter::once(spaces.slice(..tail))),
    );
    BodyExt::boxed(StreamBody::new(
        chunks.map(|chunk| Ok::<_, Infallible>(Frame::data(chunk))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_syntax() {
        let a: SimAccount = "7:ali:pw:with:colons"
            .parse()
            .unwrap_or_else(|_| SimAccount::demo());
        assert_eq!(
            a,
            SimAccount::demo(),
            "a fourth field other than 'disabled' is refused"
        );
        let a: SimAccount = "7:ali:pw".parse().unwrap();
        assert!(a.enabled);
        let a: SimAccount = "7:ali:pw:disabled".parse().unwrap();
        assert!(!a.enabled);
        assert!("7:ali".parse::<SimAccount>().is_err());
        assert!(":ali:pw".parse::<SimAccount>().is_err());
    }
}
