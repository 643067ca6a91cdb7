//! How a job meets its user: what it says, the questions it asks, and the events of the
//! batch. The command line answers on the terminal and stops on Ctrl-C; the page answers with
//! buttons and stops with one. The words are the job's, the same on every face.

use crate::dispatch::events::Consumer;
use crate::dispatch::stop::Stop;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

/// An answer to come: `true` for yes. It borrows nothing from the face, so a job can wait
/// for it and for its stop handle at once (Ctrl-C at the prompt ends the run at once).
pub type Answer = Pin<Box<dyn Future<Output = anyhow::Result<bool>> + Send>>;

/// One thing a job tells its user, in the words every face shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// Something worth knowing that needs no action.
    Note(String),
    /// Something that may need action; the run goes on.
    Warning(String),
    /// An error the run reports before it goes on (results that could not be written).
    Error(String),
    /// Lines laid out like the plan's (`label  value`), each ending in a newline.
    Lines(String),
    /// The results file was written here.
    ResultsAt(PathBuf),
    /// Ctrl-C or Stop ended the batch and the rest are NOT SENT: the command line says to
    /// run the same command again ([`crate::job::INTERRUPTED_WARNING`]), the page offers its
    /// Resume button in its own language.
    Interrupted,
}

/// A face of a job: told what happens, asked to confirm, and fed the batch's events.
pub trait Face: Consumer + Send {
    /// Shows one thing the job says.
    fn say(&mut self, said: Said);

    /// Asks `question` (the same words on every face); `false` sends nothing.
    fn confirm(&mut self, question: String) -> Answer;

    /// The batch's locks are held: from now on the face may stop the job with `stop`, and a
    /// stop before the first request ends the run with nothing sent. The command line starts
    /// watching for Ctrl-C here.
    fn watch(&mut self, stop: &Arc<Stop>) {
        let _ = stop;
    }

    /// Sending starts now (the journal is open): a stop from here on finishes the messages
    /// in flight and leaves the rest NOT SENT, for a rerun to resume.
    fn sending(&mut self) {}

    /// Sending has ended and the results are being written: a stop now lets the write finish
    /// (the run still ends as interrupted).
    fn writing_results(&mut self) {}
}

/// `label  value` on a line of its own, aligned like the plan's lines.
pub fn plan_line(label: &str, value: impl std::fmt::Display) -> String {
    format!("  {label:<14}{value}\n")
}

/// The lines a real send adds to the plan: where the messages go, from whom, and the balance.
pub fn send_plan_lines(gateway: &str, sender: Option<&str>, balance: Option<&str>) -> String {
    let mut out = plan_line("gateway", gateway);
    out.push_str(&plan_line("sender", sender.unwrap_or("per row")));
    if let Some(balance) = balance {
        out.push_str(&plan_line("balance", balance));
    }
    out
}

/// What a resumed run found already done, as plan lines.
pub fn resumed_lines(sent: usize, uncertain: usize, retry_uncertain: bool) -> String {
    let mut out = plan_line(
        "already done",
        format!("{sent} sent by an earlier run (not sent again)"),
    );
    if uncertain > 0 {
        let fate = if retry_uncertain {
            "re-sent now (--retry-uncertain)"
        } else {
            "not re-sent without --retry-uncertain"
        };
        out.push_str(&plan_line(
            "uncertain",
            format!("{uncertain} got no answer in an earlier run: {fate}"),
        ));
    }
    out
}
