//! A fake OpenTech gateway on 127.0.0.1 whose send requests wait for the test to answer them:
//! the test takes each request as it arrives ([`HeldGateway::next`]) and answers it when it
//! chooses, so "three messages in flight when the window closes" or "a signal while two
//! requests are out" is a state the test sets up, not a moment it hopes to hit. Balance
//! requests are answered at once.

use std::io::{BufRead, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest a test waits for a request that should come.
const PATIENCE: Duration = Duration::from_secs(60);

/// The gateway; stops serving when dropped.
pub struct HeldGateway {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    addr: SocketAddr,
    arrived: Mutex<Receiver<Held>>,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

/// A send request waiting for its answer. Dropped unanswered, its connection is closed with
/// no answer (to smsmerge: sent, fate unknown).
pub struct Held {
    /// The `recipient` parameter.
    pub recipient: String,
    reply: Sender<String>,
}

impl Held {
    /// Answers `200 OK` with the body `OK <recipient>`.
    pub fn accept(self) {
        let body = format!("OK {}", self.recipient);
        self.answer("200 OK", "", &body);
    }

    /// Answers with this status line (`"503 Service Unavailable"`), extra header lines (each
    /// ending in `\r\n`) and body.
    pub fn answer(self, status: &str, headers: &str, body: &str) {
        let _ = self.reply.send(format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    }
}

impl HeldGateway {
    /// Starts serving; `balance` is the answer to every balance request.
    pub fn start(balance: &str) -> HeldGateway {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (arrive, arrived) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let balance = balance.to_owned();
        let stopping = Arc::clone(&stop);
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (arrive, balance) = (arrive.clone(), balance.clone());
                std::thread::spawn(move || serve(stream, &arrive, &balance));
            }
        });
        HeldGateway {
            url: format!("http://{addr}"),
            addr,
            arrived: Mutex::new(arrived),
            stop,
            accept: Some(accept),
        }
    }

    /// The next send request; panics when none comes within a minute.
    #[track_caller]
    pub fn next(&self) -> Held {
        self.arrived
            .lock()
            .expect("the gateway's queue")
            .recv_timeout(PATIENCE)
            .expect("a send request to arrive")
    }

    /// The next send request, if one has already arrived.
    pub fn try_next(&self) -> Option<Held> {
        self.arrived.lock().ok()?.try_recv().ok()
    }

    /// The next send request, if one arrives within `wait`.
    pub fn next_within(&self, wait: Duration) -> Option<Held> {
        self.arrived.lock().ok()?.recv_timeout(wait).ok()
    }
}

/// Accepts every send request the gateway gets, on a thread of its own, until
/// [`Accepting::finish`]; for a test that waits on something else (a page) meanwhile.
pub struct Accepting {
    accepted: Arc<Mutex<Vec<String>>>,
    finish: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Accepting {
    /// Starts accepting.
    pub fn start(gateway: Arc<HeldGateway>) -> Accepting {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let finish = Arc::new(AtomicBool::new(false));
        let (list, finishing) = (Arc::clone(&accepted), Arc::clone(&finish));
        let thread = std::thread::spawn(move || {
            // The short wait only bounds how long `finish` takes to be seen.
            while !finishing.load(Ordering::SeqCst) {
                if let Some(held) = gateway.next_within(Duration::from_millis(20)) {
                    // Recorded before the answer leaves, so whoever sees the answer's effect
                    // sees the record.
                    list.lock().expect("the list").push(held.recipient.clone());
                    held.accept();
                }
            }
        });
        Accepting {
            accepted,
            finish,
            thread: Some(thread),
        }
    }

    /// The recipients accepted so far, in order.
    pub fn so_far(&self) -> Vec<String> {
        self.accepted.lock().expect("the list").clone()
    }

    /// Stops accepting; every recipient it accepted, in order.
    pub fn finish(mut self) -> Vec<String> {
        self.finish.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.so_far()
    }
}

impl Drop for Accepting {
    fn drop(&mut self) {
        self.finish.store(true, Ordering::SeqCst);
    }
}

/// Serves the HTTP/1.1 requests of one connection (keep-alive; GET, no bodies).
fn serve(stream: TcpStream, arrive: &Sender<Held>, balance: &str) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = std::io::BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        match reader.read_line(&mut request_line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        loop {
            let mut header = String::new();
            match reader.read_line(&mut header) {
                Ok(0) | Err(_) => return,
                Ok(_) if header == "\r\n" || header == "\n" => break,
                Ok(_) => {}
            }
        }
        let target = request_line.split_whitespace().nth(1).unwrap_or_default();
        let answer = if target.starts_with("/ap/static/api/sms_send_bulk.php") {
            let recipient = url::Url::parse(&format!("http://x{target}"))
                .ok()
                .and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "recipient")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            let (reply, answered) = channel();
            if arrive.send(Held { recipient, reply }).is_err() {
                return;
            }
            match answered.recv() {
                Ok(answer) => answer,
                // Dropped unanswered: close with no answer.
                Err(_) => return,
            }
        } else {
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{balance}",
                balance.len()
            )
        };
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

impl Drop for HeldGateway {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the stop flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}
