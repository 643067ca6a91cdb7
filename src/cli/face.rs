//! The terminal as a job's face: what the job says goes to stderr, questions are asked on
//! the terminal, the progress bar (or plain lines) shows the batch, and Ctrl-C or SIGTERM
//! stops it. Before the first request a signal ends the run with nothing sent; during the
//! send it stops it cleanly (exit 130); a second one quits at once, and a rerun resumes.

use crate::cli::Exit;
use crate::cli::progress::Progress;
use crate::cli::terminal;
use crate::dispatch::events::{Consumer, Event};
use crate::dispatch::stop::{Stop, StopReason};
use crate::job::{Answer, Face, Said};
use anyhow::{Result, anyhow};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// The command line's face of a send.
pub struct TerminalFace<'a> {
    quiet: bool,
    /// Who else follows the batch's events: `--log-file` and `--json`.
    also: &'a mut (dyn Consumer + Send),
    /// The bar or the plain lines, from the moment the batch says how many it sends.
    progress: Option<Progress>,
    /// Where the run is ([`Phase`] as a number), for what a first signal says it does.
    phase: Arc<AtomicU8>,
    /// Watches for Ctrl-C until the results are written: a second one quits at once.
    watcher: Option<tokio::task::JoinHandle<()>>,
}

impl<'a> TerminalFace<'a> {
    /// A face that prints unless `quiet`, and passes every event on to `also` as well.
    pub fn new(quiet: bool, also: &'a mut (dyn Consumer + Send)) -> TerminalFace<'a> {
        TerminalFace {
            quiet,
            also,
            progress: None,
            phase: Arc::new(AtomicU8::new(Phase::Preparing as u8)),
            watcher: None,
        }
    }
}

impl Drop for TerminalFace<'_> {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
    }
}

impl Consumer for TerminalFace<'_> {
    fn event(&mut self, event: Event) {
        self.also.event(event.clone());
        if let Event::Started { total } = &event {
            self.progress = Some(Progress::new(*total, self.quiet));
        }
        if let Some(progress) = &mut self.progress {
            progress.event(event);
        }
    }

    fn tick(&mut self) {
        self.also.tick();
        if let Some(progress) = &mut self.progress {
            Consumer::tick(progress);
        }
    }
}

impl Face for TerminalFace<'_> {
    fn say(&mut self, said: Said) {
        match said {
            Said::Note(line) => terminal::note(line),
            Said::Warning(line) => terminal::warn(line),
            Said::Error(line) => terminal::error(line),
            Said::Lines(lines) => terminal::print_raw(&lines),
            Said::ResultsAt(path) => terminal::print_results_path(&path),
            Said::Interrupted => terminal::warn(crate::job::INTERRUPTED_WARNING),
        }
    }

    fn confirm(&mut self, question: String) -> Answer {
        Box::pin(ask(question))
    }

    fn watch(&mut self, stop: &Arc<Stop>) {
        // Registered here, inside the runtime and before the first line of the send is
        // printed, so that a signal sent as soon as the run says it is sending is handled.
        let signals = Signals::new().ok();
        let watcher = watch_signals(Arc::clone(stop), signals, Arc::clone(&self.phase));
        self.watcher = Some(tokio::spawn(watcher));
    }

    fn sending(&mut self) {
        self.phase.store(Phase::Sending as u8, Ordering::SeqCst);
    }

    fn writing_results(&mut self) {
        self.phase
            .store(Phase::WritingResults as u8, Ordering::SeqCst);
    }
}

/// Where a send is, for what a first Ctrl-C says: before sending the job itself says that
/// nothing was sent; while sending the messages in flight finish; while the results are
/// written the write finishes.
#[repr(u8)]
enum Phase {
    Preparing,
    Sending,
    WritingResults,
}

/// Asks a yes/no question on the terminal from a thread of its own, so that the runtime
/// stays free to see Ctrl-C while the question waits for an answer.
async fn ask(question: String) -> Result<bool> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = answer.send(terminal::confirm(&question));
    });
    answered
        .await
        .map_err(|_| anyhow!("the confirmation prompt ended without an answer"))?
}

/// First Ctrl-C, SIGTERM or SIGHUP: stop starting sends (those in flight finish). Second: quit at
/// once; the journal is consistent, so a rerun resumes.
/// Before sending has started, the job itself says that nothing was sent.
async fn watch_signals(stop: Arc<Stop>, signals: Option<Signals>, phase: Arc<AtomicU8>) {
    let Some(mut signals) = signals else {
        return;
    };
    signals.next().await;
    let _ = stop.set(StopReason::Interrupted);
    let phase = phase.load(Ordering::SeqCst);
    if phase == Phase::Sending as u8 {
        terminal::warn(
            "interrupted: finishing the messages in flight; press Ctrl-C again to quit at once",
        );
    } else if phase == Phase::WritingResults as u8 {
        terminal::warn(
            "interrupted: finishing the results file; press Ctrl-C again to quit at once (then smsmerge report rebuilds it from the journal)",
        );
    }
    signals.next().await;
    terminal::warn("quitting at once; run the same command again to resume");
    std::process::exit(Exit::Interrupted as i32);
}

/// Ctrl-C and, on Unix, SIGTERM (what cron, systemd and `kill` send) and SIGHUP. Registered when made,
/// before the first line of the send is printed: a signal sent as soon as the run says it
/// is sending (or waiting) is handled, not lost to the default action.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    /// The terminal hung up (an SSH session dropped, the window closed): handled like
    /// SIGTERM, so a batch started over SSH still ends with its results and no lock left.
    /// Lines for the gone terminal fail from then on, and every write to stderr ignores its
    /// errors, so that does not end the run either; `--log-file` still gets its lines.
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Signals {
    /// Must be called inside the runtime.
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                hangup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(windows)]
        Ok(Signals {
            ctrl_c: tokio::signal::windows::ctrl_c()?,
        })
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
        #[cfg(windows)]
        let _ = self.ctrl_c.recv().await;
    }
}
