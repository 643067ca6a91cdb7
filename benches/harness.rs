//! The benchmark: `cargo bench --bench harness` (all sizes) or `cargo bench --bench harness --
//! --quick` (the smallest size, as CI runs it). Not a timed test: it measures and reports.
//!
//! For each size it generates a workbook (English and Arabic rows, placeholders, numbers typed
//! several ways), starts `smsmerge simulate` as its own process, and runs the release binary:
//! `send --dry-run` (read + plan + write results) and a real send to the simulator. Each run
//! is one child process, measured by the kernel (`wait4`): wall time, peak RSS, and user+sys
//! CPU. The same workbooks go through the script a user would otherwise write
//! (`bench/python/send_sms.py`: openpyxl in, requests with a thread pool out, openpyxl out),
//! installed in a virtualenv under `target/bench`; it is skipped with a note if Python or its
//! packages are not available. Then the sending checks: throughput against a simulator with
//! 50 ms latency, the same with and without the journal (in this process, through the
//! library), and `--rate 500` checked second by second from the simulator's log. Last, the
//! page (`smsmerge ui`) on the 100k book (10k with `--quick`): see [`page`].
//!
//! The Markdown report goes to stdout and to `target/bench/report.md`.

// In a folder of its own: a file beside this one would be a bench target of its own to cargo.
#[path = "harness/page.rs"]
mod page;

use anyhow::{Context, Result, bail};
use clap::Parser;
use rust_xlsxwriter::Workbook;
use std::collections::VecDeque;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "smsmerge's benchmark: dry runs and sends against the simulator")]
struct Args {
    /// Workbook sizes in rows (k and m suffixes allowed).
    #[arg(long, value_delimiter = ',', default_value = "10k,100k,1m", value_parser = parse_count)]
    sizes: Vec<usize>,
    /// The smallest run that exercises everything (what CI runs): 10k rows, short send checks.
    #[arg(long)]
    quick: bool,
    /// Do not run the Python script.
    #[arg(long)]
    no_python: bool,
    /// Run the Python script's send only up to this many rows (it sends at a few hundred
    /// messages per second, so a million takes most of an hour).
    #[arg(long, default_value = "100k", value_parser = parse_count)]
    python_send_max: usize,
    /// Requests in flight, for smsmerge and the script alike.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Messages for the 50 ms latency runs.
    #[arg(long, default_value = "20k", value_parser = parse_count)]
    latency_messages: usize,
    /// Messages for the `--rate 500` run.
    #[arg(long, default_value = "10k", value_parser = parse_count)]
    rate_messages: usize,
    /// Only the sending checks (50 ms latency, --rate), not the sizes nor the page.
    #[arg(long)]
    sending_only: bool,
    /// Rows of the workbook the page (`smsmerge ui`) is measured on.
    #[arg(long, default_value = "100k", value_parser = parse_count)]
    page_rows: usize,
    /// Only the page, not the sizes nor the sending checks.
    #[arg(long, conflicts_with = "sending_only")]
    page_only: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn parse_count(s: &str) -> Result<usize, String> {
    let s = s.trim().to_ascii_lowercase();
    let (digits, factor) = match s.strip_suffix('m') {
        Some(d) => (d, 1_000_000),
        None => match s.strip_suffix('k') {
            Some(d) => (d, 1_000),
            None => (s.as_str(), 1),
        },
    };
    digits
        .parse::<usize>()
        .map(|n| n * factor)
        .map_err(|_| format!("not a count: {s}"))
}

const SENDER: &str = "OTSMS";

fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.quick {
        args.sizes = vec![10_000];
        args.latency_messages = 2_000;
        args.rate_messages = 1_000;
        args.page_rows = 10_000;
    }
    // The simulator's demo account, for the sends made through the library in this process.
    // SAFETY: nothing else runs yet, so no other thread reads the environment.
    unsafe {
        std::env::set_var("OTSMS_UID", "1000");
        std::env::set_var("OTSMS_USERNAME", "demo");
        std::env::set_var("OTSMS_PASSWORD", "demo");
    }
    let bench = Bench::new()?;
    let python = if args.no_python {
        Err("skipped (--no-python)".to_owned())
    } else {
        bench.python()
    };
    let mut report = Report::default();
    report.line(format!("# smsmerge benchmark\n\n{}\n", machine()));
    if let Err(why) = &python {
        report.line(format!("Python script: {why}.\n"));
    }
    let mut sizes = Vec::new();
    if args.sending_only || args.page_only {
        args.sizes.clear();
    }
    for &rows in &args.sizes {
        let book = bench.workbook(rows)?;
        eprintln!("== {rows} rows");
        sizes.push(bench.size(rows, &book, python.as_ref().ok(), &args)?);
    }
    if !sizes.is_empty() {
        report.sizes(&sizes, args.concurrency);
    }
    if !args.page_only {
        report.sending(&bench.sending(&args)?);
    }
    if !args.sending_only {
        let book = bench.workbook(args.page_rows)?;
        eprintln!("== the page, {} rows", args.page_rows);
        let sim = bench.simulator(&["--balance", "1000000000"], None)?;
        let measured = page::measure(&bench, args.page_rows, &book, &sim.url)?;
        report.line(page::report(&measured));
    }
    report.finish(&bench.dir.join("report.md"))
}

/// Where the binary, the workbooks and the Python environment are.
struct Bench {
    smsmerge: PathBuf,
    dir: PathBuf,
    script: PathBuf,
}

impl Bench {
    fn new() -> Result<Bench> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("target").join("bench");
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        Ok(Bench {
            // SMSMERGE_BIN measures another build (say, a copy of an earlier one) instead.
            smsmerge: std::env::var_os("SMSMERGE_BIN").map_or_else(
                || PathBuf::from(env!("CARGO_BIN_EXE_smsmerge")),
                PathBuf::from,
            ),
            dir,
            script: root.join("bench").join("python").join("send_sms.py"),
        })
    }

    /// The virtualenv's interpreter, set up on first use; `Err` says why the script is skipped.
    fn python(&self) -> Result<PathBuf, String> {
        let venv = self.dir.join("venv");
        let python = venv.join("bin").join("python3");
        let ready = venv.join(".installed");
        if ready.exists() {
            return Ok(python);
        }
        let status = |cmd: &mut Command| cmd.stdout(Stdio::null()).status();
        match status(Command::new("python3").arg("-m").arg("venv").arg(&venv)) {
            Ok(s) if s.success() => {}
            Ok(_) => return Err("skipped: `python3 -m venv` failed".into()),
            Err(_) => return Err("skipped: python3 is not installed".into()),
        }
        let requirements = self.script.with_file_name("requirements.txt");
        eprintln!(
            "installing the Python script's packages ({})",
            requirements.display()
        );
        match status(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements),
        ) {
            Ok(s) if s.success() => {}
            _ => return Err("skipped: pip could not install openpyxl and requests".into()),
        }
        std::fs::write(&ready, b"").map_err(|e| e.to_string())?;
        Ok(python)
    }

    /// The generated workbook of `rows` rows, made once and kept.
    fn workbook(&self, rows: usize) -> Result<PathBuf> {
        let path = self.dir.join(format!("book-v2-{rows}.xlsx"));
        if !path.exists() {
            eprintln!("writing {}", path.display());
            write_book(&path, rows)?;
        }
        Ok(path)
    }

    /// A fresh scratch folder for one run's results and journal.
    fn scratch(&self, name: &str) -> Result<PathBuf> {
        let dir = self.dir.join("runs").join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clear {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        Ok(dir)
    }

    fn simulator(&self, extra: &[&str], log: Option<&Path>) -> Result<Simulator> {
        Simulator::start(&self.smsmerge, extra, log)
    }

    fn smsmerge(&self, book: &Path, out: &Path, extra: &[&str]) -> Command {
        let mut cmd = Command::new(&self.smsmerge);
        cmd.arg("send")
            .arg(book)
            .arg("-o")
            .arg(out)
            .args(["--sender", SENDER, "--quiet", "--yes"])
            .args(extra)
            .env("OTSMS_UID", "1000")
            .env("OTSMS_USERNAME", "demo")
            .env("OTSMS_PASSWORD", "demo")
            .env_remove("OTSMS_BASE_URL");
        cmd
    }

    fn script(&self, python: &Path, book: &Path, out: &Path, extra: &[&str]) -> Command {
        let mut cmd = Command::new(python);
        cmd.arg(&self.script)
            .arg(book)
            .arg("-o")
            .arg(out)
            .args(["--sender", SENDER])
            .args(extra);
        cmd
    }

    /// Everything measured for one workbook size.
    fn size(
        &self,
        rows: usize,
        book: &Path,
        python: Option<&PathBuf>,
        args: &Args,
    ) -> Result<SizeResult> {
        let dir = self.scratch(&format!("{rows}"))?;
        let dry = measure(
            "smsmerge dry run",
            &mut self.smsmerge(book, &dir.join("dry.xlsx"), &["--dry-run"]),
        )?;
        let sim = self.simulator(&["--balance", "1000000000"], None)?;
        let j = args.concurrency.to_string();
        let send = measure(
            "smsmerge send",
            &mut self.smsmerge(
                book,
                &dir.join("sent.xlsx"),
                &["--base-url", &sim.url, "-j", &j],
            ),
        )?;
        let sent = summary_number(&dir.join("sent.xlsx"), "Messages sent")?;
        let mut result = SizeResult {
            rows,
            dry,
            send,
            sent,
            py_dry: None,
            py_send: None,
            py_sent: None,
        };
        if let Some(python) = python {
            result.py_dry = Some(measure(
                "python dry run",
                &mut self.script(python, book, &dir.join("py-dry.xlsx"), &["--dry-run"]),
            )?);
            if rows <= args.python_send_max {
                let out = dir.join("py-sent.xlsx");
                result.py_send = Some(measure(
                    "python send",
                    &mut self.script(python, book, &out, &["--base-url", &sim.url, "-j", &j]),
                )?);
                result.py_sent = Some(count_status(&out, "SENT")?);
            }
        }
        drop(sim);
        std::fs::remove_dir_all(&dir).ok();
        Ok(result)
    }

    /// Throughput at 50 ms latency (binary; library with and without the journal) and the
    /// `--rate 500` check.
    fn sending(&self, args: &Args) -> Result<SendingResult> {
        let n = args.latency_messages;
        let book = self.workbook(n)?;
        let dir = self.scratch("latency")?;
        let j = args.concurrency.to_string();
        eprintln!("== {n} messages at 50 ms latency, -j {j}");
        let sim = self.simulator(&["--balance", "1000000000", "--latency-ms", "50"], None)?;
        let out = dir.join("sent.xlsx");
        measure(
            "smsmerge send",
            &mut self.smsmerge(&book, &out, &["--base-url", &sim.url, "-j", &j]),
        )?;
        let binary = summary_number(&out, "Throughput (msg/s)")?;
        let with_journal = in_process(&book, &dir, &sim.url, args.concurrency, true)?;
        let without_journal = in_process(&book, &dir, &sim.url, args.concurrency, false)?;
        drop(sim);

        let r = args.rate_messages;
        eprintln!("== {r} messages at --rate 500");
        let book = self.workbook(r)?;
        let log = dir.join("rate.jsonl");
        let sim = self.simulator(&["--balance", "1000000000"], Some(&log))?;
        let out = dir.join("rate.xlsx");
        measure(
            "smsmerge send --rate 500",
            &mut self.smsmerge(
                &book,
                &out,
                &["--base-url", &sim.url, "-j", &j, "--rate", "500"],
            ),
        )?;
        drop(sim);
        let rate = RateCheck::from_log(&log)?;
        std::fs::remove_dir_all(&dir).ok();
        Ok(SendingResult {
            messages: n,
            concurrency: args.concurrency,
            binary,
            with_journal,
            without_journal,
            rate_messages: r,
            rate,
        })
    }
}

/// Writes `rows` rows: Phone (typed, pasted and exported three ways), Name (English and
/// Arabic), Amount (a number) and Message (a per-row template, one in three Arabic). Every
/// recipient is different, so every row is sent.
fn write_book(path: &Path, rows: usize) -> Result<()> {
    const EN: &str =
        "Dear {{Name}}, your balance is {{Amount}} USD. Thank you for banking with us.";
    const AR: &str = "عزيزي {{Name}}، رصيدك {{Amount}} دولار. شكرا لتعاملك معنا.";
    const NAMES: [&str; 8] = [
        "Rana Haddad",
        "Karim Saleh",
        "Maya Khoury",
        "أحمد المنصور",
        "فاطمة الزهراء",
        "Omar Farouk",
        "ليلى حداد",
        "John Smith",
    ];
    let temp = path.with_extension("tmp.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name("Customers")?;
    for (c, h) in ["Phone", "Name", "Amount", "Message"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        let local = 70_000_000 + i as u64; // 961 70 xxx xxx: unique per row
        match i % 3 {
            0 => sheet.write_string(
                r,
                0,
                format!("+961 {} {:06}", local / 1_000_000, local % 1_000_000),
            )?,
            1 => sheet.write_number(r, 0, (96_100_000_000 + local) as f64)?,
            _ => sheet.write_string(r, 0, format!("00961{local}"))?,
        };
        sheet.write_string(r, 1, NAMES[i % NAMES.len()])?;
        sheet.write_number(r, 2, ((i * 7919) % 1_000_000) as f64 / 100.0)?;
        sheet.write_string(r, 3, if i % 3 == 2 { AR } else { EN })?;
    }
    book.save(&temp)?;
    std::fs::rename(&temp, path).with_context(|| format!("rename to {}", path.display()))?;
    Ok(())
}

/// What the kernel says one child process cost.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall: Duration,
    cpu: Duration,
    peak_rss_mb: f64,
}

/// Runs a command to its end and measures it with `wait4`; a failed run is an error.
fn measure(what: &str, cmd: &mut Command) -> Result<Measured> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("start {what}"))?;
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            use std::io::Read;
            let _ = s.read_to_string(&mut text);
        }
        text
    });
    let (status, usage) = wait4(&child)?;
    let wall = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    // Exit 1 means "some rows need attention", which the generated books never have.
    if status != 0 {
        bail!("{what} exited with status {status}: {}", stderr.trim());
    }
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    let measured = Measured {
        wall,
        cpu,
        peak_rss_mb: usage.ru_maxrss as f64 / 1024.0,
    };
    eprintln!(
        "   {what}: {:.2} s wall, {:.2} s cpu, {:.0} MB peak",
        measured.wall.as_secs_f64(),
        measured.cpu.as_secs_f64(),
        measured.peak_rss_mb
    );
    Ok(measured)
}

/// Waits for the child and returns its exit status (or 128+signal) and resource usage.
fn wait4(child: &Child) -> Result<(i32, libc::rusage)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our child, the pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4");
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Ok((code, usage))
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// `smsmerge simulate` in its own process, killed when dropped.
struct Simulator {
    child: Child,
    url: String,
}

impl Simulator {
    fn start(smsmerge: &Path, extra: &[&str], log: Option<&Path>) -> Result<Simulator> {
        let mut cmd = Command::new(smsmerge);
        cmd.args(["simulate", "--port", "0", "--account", "1000:demo:demo"])
            .args(["--sender-id", SENDER])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(log) = log {
            cmd.arg("--log").arg(log);
        }
        let mut child = cmd.spawn().context("start smsmerge simulate")?;
        let mut first = String::new();
        if let Some(stdout) = child.stdout.take() {
            let mut stdout = std::io::BufReader::new(stdout);
            stdout
                .read_line(&mut first)
                .context("read the simulator's address")?;
            // Keep draining so the simulator never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        }
        match first
            .trim()
            .strip_prefix("smsmerge simulator listening on ")
        {
            Some(url) => Ok(Simulator {
                child,
                url: url.to_owned(),
            }),
            None => {
                let _ = child.kill();
                bail!("the simulator did not print its address: {first:?}")
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A number from the results workbook's Summary sheet.
fn summary_number(results: &Path, label: &str) -> Result<f64> {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> =
        open_workbook(results).with_context(|| format!("open {}", results.display()))?;
    let range = book.worksheet_range("Summary")?;
    for row in range.rows() {
        if let [Data::String(l), value, ..] = row
            && l == label
        {
            return match value {
                Data::Float(f) => Ok(*f),
                Data::Int(i) => Ok(*i as f64),
                other => bail!("{label} is {other:?} in {}", results.display()),
            };
        }
    }
    bail!("no {label} in the Summary of {}", results.display())
}

/// Rows with this status in the Python script's results (its Status column).
fn count_status(results: &Path, status: &str) -> Result<usize> {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> =
        open_workbook(results).with_context(|| format!("open {}", results.display()))?;
    let range = book
        .worksheet_range_at(0)
        .context("no sheet in the script's results")??;
    let mut rows = range.rows();
    let header = rows.next().context("empty results")?;
    let column = header
        .iter()
        .position(|c| matches!(c, Data::String(s) if s == "Status"))
        .context("no Status column in the script's results")?;
    Ok(rows
        .filter(|r| matches!(r.get(column), Some(Data::String(s)) if s == status))
        .count())
}

/// Sends `book` through the library in this process against the simulator at `url`, with or
/// without the journal, and returns messages per second of the sending phase.
fn in_process(
    book: &Path,
    dir: &Path,
    url: &str,
    concurrency: usize,
    journal: bool,
) -> Result<f64> {
    use smsmerge::dispatch::journal::{Journal, RunHeader};
    use smsmerge::dispatch::stop::Stop;
    use smsmerge::dispatch::{self, Batch, DispatchSettings};
    use smsmerge::gateway::opentech::{Account, OpenTech};
    let out = dir.join(if journal {
        "lib-journal.xlsx"
    } else {
        "lib.xlsx"
    });
    let cli = smsmerge::cli::args::Cli::try_parse_from([
        "smsmerge".as_ref(),
        "send".as_ref(),
        book.as_os_str(),
        "--sender".as_ref(),
        SENDER.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
        "--base-url".as_ref(),
        url.as_ref(),
        "-q".as_ref(),
    ])?;
    let smsmerge::cli::args::Command::Send(send_args) = cli.command else {
        bail!("not a send command");
    };
    let settings = smsmerge::cli::settings::SendSettings::from_args(&send_args)?;
    let (_table, plan) = smsmerge::cli::send::read_and_plan(&settings)?;
    let outcomes = smsmerge::plan::outcome::from_plan(&plan);
    let keys = smsmerge::dispatch::journal::keys(&plan);
    let account = Account {
        uid: "1000".into(),
        username: "demo".into(),
        password: smsmerge::gateway::secret::Secret::new("demo"),
    };
    let mut client = settings.gateway.client.clone();
    client.base_url = url.parse()?;
    let dispatch_settings = DispatchSettings {
        concurrency,
        ..settings.dispatch.clone()
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let elapsed = runtime.block_on(async {
        let gateway = OpenTech::new(account, &client)?;
        let opened = if journal {
            Some(Journal::open(
                &smsmerge::dispatch::journal::path_for(&out),
                RunHeader {
                    version: smsmerge::dispatch::journal::VERSION,
                    started: chrono::Local::now().to_rfc3339(),
                    input: book.to_owned(),
                    input_hash: String::new(),
                    gateway: url.to_owned(),
                    plan: settings.recorded.clone(),
                },
            )?)
        } else {
            None
        };
        let stop = Stop::new();
        let batch = Batch {
            plan: &plan,
            keys: &keys,
            journal: opened.as_ref(),
            stop: &stop,
            timing: None,
        };
        let mut events = smsmerge::dispatch::events::Ignored;
        let done =
            dispatch::send_all(&gateway, &batch, outcomes, &dispatch_settings, &mut events).await;
        if let Some(j) = &opened {
            j.close(true).await?;
        }
        let sent = done
            .outcomes
            .iter()
            .filter(|o| o.status == smsmerge::plan::outcome::Status::Sent)
            .count();
        if sent != plan.rows.len() {
            bail!("only {sent} of {} sent", plan.rows.len());
        }
        anyhow::Ok(done.elapsed)
    })?;
    let rate = plan.rows.len() as f64 / elapsed.as_secs_f64();
    eprintln!(
        "   library send, journal {}: {rate:.0} msg/s",
        if journal { "on" } else { "off" }
    );
    Ok(rate)
}

/// The `--rate` run, second by second, from the simulator's log of accepted messages.
struct RateCheck {
    achieved: f64,
    busiest_second: usize,
}

impl RateCheck {
    fn from_log(log: &Path) -> Result<RateCheck> {
        let text =
            std::fs::read_to_string(log).with_context(|| format!("read {}", log.display()))?;
        let mut times: Vec<i64> = Vec::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let received = v["received"].as_str().context("no received time")?;
            let t = chrono::DateTime::parse_from_rfc3339(received)?;
            times.push(t.timestamp_millis());
        }
        times.sort_unstable();
        let (Some(first), Some(last)) = (times.first(), times.last()) else {
            bail!("the simulator accepted nothing");
        };
        // n messages span n-1 periods.
        let achieved = (times.len() - 1) as f64 * 1000.0 / (last - first).max(1) as f64;
        // The most messages in any window [t, t+1000 ms), t at each message.
        let mut window: VecDeque<i64> = VecDeque::new();
        let mut busiest_second = 0;
        for &t in &times {
            window.push_back(t);
            while window.front().is_some_and(|&f| f <= t - 1000) {
                window.pop_front();
            }
            busiest_second = busiest_second.max(window.len());
        }
        Ok(RateCheck {
            achieved,
            busiest_second,
        })
    }
}

struct SizeResult {
    rows: usize,
    dry: Measured,
    send: Measured,
    sent: f64,
    py_dry: Option<Measured>,
    py_send: Option<Measured>,
    py_sent: Option<usize>,
}

struct SendingResult {
    messages: usize,
    concurrency: usize,
    binary: f64,
    with_journal: f64,
    without_journal: f64,
    rate_messages: usize,
    rate: RateCheck,
}

/// The Markdown report.
#[derive(Default)]
struct Report {
    text: String,
}

impl Report {
    fn line(&mut self, s: impl AsRef<str>) {
        self.text.push_str(s.as_ref());
        self.text.push('\n');
    }

    fn sizes(&mut self, sizes: &[SizeResult], concurrency: usize) {
        self.line("## Dry run: read + render + check + write results\n");
        self.line("| rows | smsmerge wall | smsmerge peak RSS | script wall | script peak RSS | faster by |");
        self.line("| ---: | ---: | ---: | ---: | ---: | ---: |");
        for s in sizes {
            let (py_wall, py_rss, ratio) = match &s.py_dry {
                Some(p) => (
                    secs(p.wall),
                    mb(p.peak_rss_mb),
                    format!("{:.1}×", p.wall.as_secs_f64() / s.dry.wall.as_secs_f64()),
                ),
                None => ("–".into(), "–".into(), "–".into()),
            };
            self.line(format!(
                "| {} | {} | {} | {py_wall} | {py_rss} | {ratio} |",
                count(s.rows),
                secs(s.dry.wall),
                mb(s.dry.peak_rss_mb)
            ));
        }
        self.line(format!(
            "\n## Send to the simulator (no latency, -j {concurrency}), whole run\n"
        ));
        self.line("| rows | smsmerge wall | msg/s | CPU µs/msg | peak RSS | script wall | script msg/s | script CPU µs/msg | script peak RSS | CPU ratio |");
        self.line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for s in sizes {
            let per_msg = |m: &Measured, n: f64| m.cpu.as_secs_f64() * 1e6 / n.max(1.0);
            let ours = per_msg(&s.send, s.sent);
            let script = match (&s.py_send, s.py_sent) {
                (Some(p), Some(n)) => {
                    let theirs = per_msg(p, n as f64);
                    format!(
                        "{} | {:.0} | {:.0} | {} | {:.0}×",
                        secs(p.wall),
                        n as f64 / p.wall.as_secs_f64(),
                        theirs,
                        mb(p.peak_rss_mb),
                        theirs / ours
                    )
                }
                _ => "– | – | – | – | –".into(),
            };
            self.line(format!(
                "| {} | {} | {:.0} | {:.1} | {} | {script} |",
                count(s.rows),
                secs(s.send.wall),
                s.sent / s.send.wall.as_secs_f64(),
                ours,
                mb(s.send.peak_rss_mb),
            ));
        }
    }

    fn sending(&mut self, s: &SendingResult) {
        let ideal = s.concurrency as f64 / 0.05;
        self.line(format!(
            "\n## Sending at 50 ms latency, -j {} ({} messages; ideal {ideal:.0} msg/s)\n",
            s.concurrency,
            count(s.messages)
        ));
        self.line("| run | msg/s | of ideal |");
        self.line("| --- | ---: | ---: |");
        for (what, rate) in [
            ("smsmerge send (binary, journal on)", s.binary),
            ("library, journal on", s.with_journal),
            ("library, journal off", s.without_journal),
        ] {
            self.line(format!(
                "| {what} | {rate:.0} | {:.1}% |",
                rate * 100.0 / ideal
            ));
        }
        self.line(format!(
            "\nJournal cost at 50 ms latency: {:.1}% of throughput.\n",
            (1.0 - s.with_journal / s.without_journal) * 100.0
        ));
        self.line(format!(
            "## --rate 500 ({} messages, from the simulator's log)\n",
            count(s.rate_messages)
        ));
        self.line(format!(
            "Achieved {:.1} msg/s ({:+.2}% of 500); busiest one-second window: {} messages.",
            s.rate.achieved,
            (s.rate.achieved / 500.0 - 1.0) * 100.0,
            s.rate.busiest_second
        ));
    }

    fn finish(self, path: &Path) -> Result<()> {
        print!("{}", self.text);
        std::fs::write(path, &self.text).with_context(|| format!("write {}", path.display()))?;
        eprintln!("report written to {}", path.display());
        Ok(())
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mb(v: f64) -> String {
    format!("{v:.0} MB")
}

fn count(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// The machine, for the report's header.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0));
    format!(
        "Machine: {cpu}, {cores} cores, {memory} RAM; {} {}; {}.",
        std::env::consts::OS,
        std::env::consts::ARCH,
        chrono::Local::now().format("%Y-%m-%d")
    )
}
