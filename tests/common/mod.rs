//! Shared by the integration tests: a `Workdir` of its own for each test (xsv's pattern), that
//! writes input files, runs the real `smsmerge` binary there, and reads the results back with
//! calamine.
#![allow(dead_code)]

pub mod clock;
pub mod held;
pub mod running;

use assert_cmd::Command;
use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The columns smsmerge adds after the original ones, in order: spelled out here rather than
/// taken from the crate, so a test pins the published layout.
pub const OURS: [&str; 10] = [
    "Status",
    "Detail",
    "Recipient",
    "Message",
    "Encoding",
    "Segments",
    "Attempts",
    "Sent At",
    "Gateway Reference",
    "Note",
];

/// The account of [`Workdir::send_to`], as `smsmerge simulate --account` takes it.
pub const TEST_ACCOUNT: &str = "4242:shop:S3cr3t-P@ss+&%";
/// Its password, which no output may show.
pub const TEST_PASSWORD: &str = "S3cr3t-P@ss+&%";

/// Runs the command; asserts the exit code (showing stdout and stderr when it is wrong) and
/// that nothing panicked; returns stderr.
pub fn expect_exit(mut cmd: Command, code: i32) -> String {
    let out = cmd.output().expect("run smsmerge");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code; stderr:\n{stderr}\nstdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// An Excel date serial (days since 1899-12-30, the 1900 system) as a date-time, rounded to
/// the second: the serial's binary fraction is never an exact second.
pub fn excel_date_time(serial: f64) -> chrono::NaiveDateTime {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("the epoch");
    epoch + chrono::Duration::seconds((serial * 86_400.0).round() as i64)
}

/// A temporary folder for one test, removed when the test ends.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a workbook with one sheet built by `fill`.
    pub fn xlsx(
        &self,
        name: &str,
        sheet: &str,
        fill: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
    ) -> PathBuf {
        let path = self.path(name);
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(sheet).expect("sheet name");
        fill(ws).expect("fill the sheet");
        book.save(&path).expect("save the workbook");
        path
    }

    /// Writes a workbook with several sheets.
    pub fn xlsx_book(
        &self,
        name: &str,
        fill: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>,
    ) -> PathBuf {
        let path = self.path(name);
        let mut book = Workbook::new();
        fill(&mut book).expect("fill the workbook");
        book.save(&path).expect("save the workbook");
        path
    }

    /// Writes a workbook whose first sheet holds these rows of text (row 0 = header).
    pub fn xlsx_rows(&self, name: &str, rows: &[&[&str]]) -> PathBuf {
        self.xlsx(name, "Sheet1", |ws| {
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if !cell.is_empty() {
                        ws.write_string(r as u32, c as u16, *cell)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// `book.xlsx`: `n` one-segment messages to distinct numbers, row `i` to `+9617` and `i`
    /// in seven digits, saying "Message number i".
    pub fn numbered_book(&self, n: usize) -> PathBuf {
        self.xlsx("book.xlsx", "Sheet1", |ws| {
            ws.write_string(0, 0, "Phone")?;
            ws.write_string(0, 1, "Message")?;
            for i in 0..n {
                ws.write_string(i as u32 + 1, 0, format!("+9617{i:07}"))?;
                ws.write_string(i as u32 + 1, 1, format!("Message number {i}"))?;
            }
            Ok(())
        })
    }

    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).expect("write a file");
        path
    }

    /// The smsmerge binary, run in this folder.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("smsmerge").expect("the smsmerge binary");
        // Nothing from the developer's own account or config may leak into a test.
        cmd.current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env_remove("OTSMS_UID")
            .env_remove("OTSMS_USERNAME")
            .env_remove("OTSMS_PASSWORD")
            .env_remove("OTSMS_BASE_URL");
        cmd
    }

    /// `smsmerge send BOOK ARGS...` to the simulator at `url` (started with
    /// `--account` [`TEST_ACCOUNT`]), with that account, `--yes` and `--sender OTSMS`.
    pub fn send_to(&self, book: &Path, url: &str, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.arg("send")
            .arg(book)
            .args(["--base-url", url, "--yes", "--sender", "OTSMS"])
            .args(args)
            .env("OTSMS_UID", "4242")
            .env("OTSMS_USERNAME", "shop")
            .env("OTSMS_PASSWORD", TEST_PASSWORD);
        cmd
    }

    /// The smsmerge binary as a `std::process::Command` with the same clean environment as
    /// [`Workdir::command`], for runs that must be spawned and signalled (killed, interrupted)
    /// while they work.
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_smsmerge"));
        cmd.current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env_remove("OTSMS_UID")
            .env_remove("OTSMS_USERNAME")
            .env_remove("OTSMS_PASSWORD")
            .env_remove("OTSMS_BASE_URL");
        cmd
    }

    /// Where `send STEM.xlsx` writes its results by default: `STEM.results.xlsx`, beside it.
    pub fn results(&self, stem: &str) -> PathBuf {
        self.path(&format!("{stem}.results.xlsx"))
    }

    /// Where `send STEM.xlsx --simulate` writes its results by default:
    /// `STEM.simulated.xlsx`, so a simulation never sits where a real send's record belongs.
    pub fn simulated_results(&self, stem: &str) -> PathBuf {
        self.path(&format!("{stem}.simulated.xlsx"))
    }

    /// A real `smsmerge send BOOK --yes ARGS...` with an account but no sender, to a gateway
    /// address where nothing listens: for refusals that must come before any connection.
    pub fn send_without_sender(&self, book: &str, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.args(["send", book, "--yes"])
            .args(args)
            .args(["--base-url", "http://127.0.0.1:9"])
            .env("OTSMS_UID", "1")
            .env("OTSMS_USERNAME", "u")
            .env("OTSMS_PASSWORD", "p");
        cmd
    }

    /// `smsmerge send BOOK --dry-run ARGS...`
    pub fn dry_run(&self, book: &Path, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.arg("send").arg(book).arg("--dry-run").args(args);
        cmd
    }
}

/// A results workbook read back: the Results sheet as maps from column title to cell.
pub struct Results {
    pub headers: Vec<String>,
    pub rows: Vec<HashMap<String, Data>>,
    pub summary: Vec<Vec<Data>>,
}

impl Results {
    pub fn read(path: &Path) -> Results {
        let mut book = open_workbook_auto(path).expect("open the results workbook");
        let names = book.sheet_names();
        assert_eq!(
            names,
            ["Results", "Summary"],
            "sheets of {}",
            path.display()
        );
        let range = book.worksheet_range("Results").expect("Results sheet");
        let mut rows = range.rows();
        let headers: Vec<String> = rows
            .next()
            .expect("a header row")
            .iter()
            .map(|c| c.to_string())
            .collect();
        let rows = rows
            .map(|r| headers.iter().cloned().zip(r.iter().cloned()).collect())
            .collect();
        let summary = book
            .worksheet_range("Summary")
            .expect("Summary sheet")
            .rows()
            .map(|r| r.to_vec())
            .collect();
        Results {
            headers,
            rows,
            summary,
        }
    }

    /// The text of a cell ("" for empty), as calamine shows it.
    pub fn text(&self, row: usize, column: &str) -> String {
        match self.rows[row].get(column) {
            Some(Data::Empty) | None => String::new(),
            Some(d) => d.to_string(),
        }
    }

    /// A date-time cell (Sent At) as `YYYY-MM-DD HH:MM:SS`, to the nearest second ("" for
    /// empty); panics on any other kind of cell, so a date written as text is caught.
    pub fn date_time(&self, row: usize, column: &str) -> String {
        match self.cell(row, column) {
            Data::Empty => String::new(),
            Data::DateTime(serial) => excel_date_time(serial.as_f64())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            other => panic!("{column} of row {row} is not a date-time cell: {other:?}"),
        }
    }

    pub fn status(&self, row: usize) -> String {
        self.text(row, "Status")
    }

    pub fn statuses(&self) -> Vec<String> {
        (0..self.rows.len()).map(|r| self.status(r)).collect()
    }

    pub fn cell(&self, row: usize, column: &str) -> &Data {
        self.rows[row].get(column).unwrap_or(&Data::Empty)
    }

    /// The Summary sheet's value next to a label.
    pub fn summary_value(&self, label: &str) -> Data {
        self.summary
            .iter()
            .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_owned()))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or(Data::Empty)
    }
}

impl Workdir {
    /// The names of the files in this folder, sorted: to check what a run left behind.
    pub fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list the folder")
            .map(|e| {
                e.expect("a folder entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Writes a minimal one-sheet xlsx whose `<sheetData>` is exactly `sheet_data` (rows of
    /// `<c>` elements), for cells rust_xlsxwriter cannot make, such as a formula with no
    /// cached value. The zip is written by hand, entries stored uncompressed.
    pub fn raw_xlsx(&self, name: &str, sheet_data: &str) -> PathBuf {
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        const DOC_RELS: &str =
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
        let root_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        let workbook_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
        );
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheetData>{sheet_data}</sheetData></worksheet>"#
        );
        let bytes = stored_zip(&[
            ("[Content_Types].xml", content_types.as_bytes()),
            ("_rels/.rels", root_rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]);
        self.file(name, bytes)
    }
}

/// A zip archive of `entries`, stored without compression.
pub fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&0u16.to_le_bytes()); // method: stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&DOS_DATE_1980_01_01.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

impl Results {
    /// A whole row of the Summary sheet, found by its first cell.
    pub fn summary_row(&self, label: &str) -> Vec<Data> {
        self.summary
            .iter()
            .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// One column of the Results sheet as text, every row.
    pub fn column(&self, column: &str) -> Vec<String> {
        (0..self.rows.len()).map(|r| self.text(r, column)).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Gateways on loopback for the send tests

/// `smsmerge simulate --port 0 --log FILE ARGS...` running as a child process, killed (by its
/// own pid) when dropped. The log is a file of the workdir, one per simulator.
pub struct SimProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, read from the first line of the simulator's stdout.
    pub url: String,
    /// The simulator's JSON-lines log of accepted messages.
    pub log_path: PathBuf,
    /// Kept open so that nothing the simulator prints later meets a closed pipe.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

/// One accepted message from the simulator's log.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LogEntry {
    pub received: String,
    pub id: u64,
    pub uid: String,
    pub username: String,
    pub sender: String,
    pub recipient: String,
    pub text: String,
    pub dcs: bool,
    pub encoding: String,
    pub segments: usize,
    pub attempt: u32,
}

impl SimProcess {
    /// Starts a simulator with these extra flags and waits for its address.
    pub fn start(wd: &Workdir, args: &[&str]) -> SimProcess {
        use std::io::BufRead;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let log_path = wd.path(&format!(
            "sim-{}.jsonl",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smsmerge"))
            .arg("simulate")
            .arg("--port")
            .arg("0")
            .arg("--log")
            .arg(&log_path)
            .args(args)
            .current_dir(wd.dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start smsmerge simulate");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        let read = stdout.read_line(&mut first);
        const PREFIX: &str = "smsmerge simulator listening on ";
        let url = match (read, first.trim_end().strip_prefix(PREFIX)) {
            (Ok(_), Some(url)) if url.starts_with("http://127.0.0.1:") => url.to_owned(),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("smsmerge simulate {args:?} did not print its address: {first:?}");
            }
        };
        SimProcess {
            child,
            url,
            log_path,
            _stdout: stdout,
        }
    }

    /// Every message accepted so far, in the order the simulator accepted them.
    pub fn log(&self) -> Vec<LogEntry> {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

impl SimProcess {
    /// How many messages the simulator has accepted so far: the lines of its log (each is
    /// written whole), without parsing them; cheap enough to poll.
    pub fn accepted(&self) -> usize {
        std::fs::read(&self.log_path)
            .map(|bytes| bytes.iter().filter(|&&b| b == b'\n').count())
            .unwrap_or(0)
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fake OpenTech gateway on 127.0.0.1 for answers the simulator cannot give: every balance
/// request is answered `balance`, every send request `send_answer` (HTTP 200) after
/// `latency`. It counts send requests and the most that were in flight at once.
pub struct ScriptedGateway {
    pub url: String,
    addr: std::net::SocketAddr,
    counts: std::sync::Arc<ScriptedCounts>,
    accept: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct ScriptedCounts {
    /// While true, send requests wait for [`ScriptedGateway::release_sends`] before their
    /// answer: a test can act at a moment it knows is mid-send.
    held: std::sync::Mutex<bool>,
    released: std::sync::Condvar,
    stop: std::sync::atomic::AtomicBool,
    sends: std::sync::atomic::AtomicUsize,
    in_flight: std::sync::atomic::AtomicUsize,
    max_in_flight: std::sync::atomic::AtomicUsize,
}

impl ScriptedGateway {
    pub fn start(balance: &str, send_answer: &str, latency: std::time::Duration) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let counts = Arc::new(ScriptedCounts::default());
        let (balance, send_answer) = (balance.to_owned(), send_answer.to_owned());
        let shared = Arc::clone(&counts);
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let counts = Arc::clone(&shared);
                let (balance, send_answer) = (balance.clone(), send_answer.clone());
                std::thread::spawn(move || {
                    serve_scripted(stream, &counts, &balance, &send_answer, latency)
                });
            }
        });
        ScriptedGateway {
            url: format!("http://{addr}"),
            addr,
            counts,
            accept: Some(accept),
        }
    }

    /// Send requests received so far.
    pub fn sends(&self) -> usize {
        self.counts.sends.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Holds every send request (received and counted) without an answer until
    /// [`ScriptedGateway::release_sends`].
    pub fn hold_sends(&self) {
        *self.counts.held.lock().expect("the hold") = true;
    }

    /// Answers the held send requests, and the later ones at once.
    pub fn release_sends(&self) {
        *self.counts.held.lock().expect("the hold") = false;
        self.counts.released.notify_all();
    }

    /// The most send requests that were in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.counts
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Serves the HTTP/1.1 requests of one connection (keep-alive; GET, no bodies).
fn serve_scripted(
    stream: std::net::TcpStream,
    counts: &ScriptedCounts,
    balance: &str,
    send_answer: &str,
    latency: std::time::Duration,
) {
    use std::io::{BufRead, Write};
    use std::sync::atomic::Ordering;
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
        let path = request_line.split_whitespace().nth(1).unwrap_or_default();
        let body = if path.starts_with("/ap/static/api/sms_send_bulk.php") {
            counts.sends.fetch_add(1, Ordering::SeqCst);
            let now = counts.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            counts.max_in_flight.fetch_max(now, Ordering::SeqCst);
            let held = counts.held.lock().expect("the hold");
            drop(
                counts
                    .released
                    .wait_while(held, |held| *held)
                    .expect("the hold"),
            );
            std::thread::sleep(latency);
            counts.in_flight.fetch_sub(1, Ordering::SeqCst);
            send_answer
        } else {
            balance
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

impl Drop for ScriptedGateway {
    fn drop(&mut self) {
        self.release_sends();
        self.counts
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accept loop so that it sees the stop flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Results {
    /// Every cell of both sheets as text, headers included: to look for what must not be there.
    pub fn all_text(&self) -> Vec<String> {
        let mut cells = self.headers.clone();
        for row in &self.rows {
            cells.extend(row.values().map(|d| d.to_string()));
        }
        for row in &self.summary {
            cells.extend(row.iter().map(|d| d.to_string()));
        }
        cells
    }
}

// ---------------------------------------------------------------------------------------------
// Files smsmerge cannot write

/// A file or folder made unwritable for the test, made writable again when dropped. Tests
/// may run as root, whom permissions do not stop: then the file is made immutable with
/// `chattr +i`, which stops root too. Whether it worked is checked by trying to write.
pub struct Unwritable {
    path: PathBuf,
    mode: u32,
    immutable: bool,
}

impl Unwritable {
    /// Makes `path` (a file: no writing to it; a folder: no new file in it) unwritable, or
    /// returns `None` when neither permissions nor `chattr` can (the caller skips, saying
    /// so).
    #[cfg(unix)]
    pub fn make(path: &Path) -> Option<Unwritable> {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        let read_only = if path.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(read_only)).ok()?;
        let mut guard = Unwritable {
            path: path.to_owned(),
            mode,
            immutable: false,
        };
        if guard.holds() {
            return Some(guard);
        }
        let chattr = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status();
        guard.immutable = chattr.is_ok_and(|s| s.success());
        guard.holds().then_some(guard)
    }

    /// Whether a write there fails now.
    fn holds(&self) -> bool {
        if self.path.is_dir() {
            let probe = self.path.join(".writable-probe");
            let created = std::fs::write(&probe, "x").is_ok();
            let _ = std::fs::remove_file(&probe);
            !created
        } else {
            std::fs::OpenOptions::new()
                .append(true)
                .open(&self.path)
                .is_err()
        }
    }
}

#[cfg(unix)]
impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.path)
                .status();
        }
        let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(self.mode));
    }
}
