//! What the journal of an earlier run means for a send that starts now: resume it, replace
//! it with a new run, or stop because it already sent this whole batch.
//!
//! People rerun a command when they are unsure whether it worked, and cron lines fire twice,
//! so the same command after a complete send must not send the batch again: it says when the
//! batch was sent and stops (`--again` sends it again on purpose). A run that sent nothing
//! (refused at the start, by the gateway on its first message, not confirmed) leaves no
//! record to resume, so the next run simply starts, with any option changed. A simulated run
//! never counts as sent.

use crate::dispatch::journal::{self, Covered, JournalKey, Previous};
use crate::job::face::{Face, Said};
use crate::job::settings::SendSettings;
use crate::plan::outcome::{RowOutcome, Status};
use crate::text::words::plural;
use anyhow::{Context, Result, bail};
use chrono::DateTime;
use std::path::Path;

/// What to do with the journal of an earlier run of this batch.
pub enum Earlier {
    /// There is none.
    Nothing,
    /// An unfinished run of the same batch (or a finished one whose unanswered messages
    /// `--retry-uncertain` re-sends), to resume.
    Resume(Box<Previous>),
    /// A journal to move aside for this run's own. Moved only when this run is sure to
    /// start, so a run refused later (budget, balance, no confirmation) leaves it in place.
    Replace(Replaced),
    /// The journal's finished run sent every message of this batch: nothing to do.
    AlreadySent {
        /// When, and how much.
        before: SentBefore,
        /// The run, whose outcomes the rows take.
        previous: Box<Previous>,
    },
}

/// Why an earlier run's journal makes way for a new run.
pub enum Replaced {
    /// No run header, or it recorded nothing that reached the gateway, or it is a simulated
    /// run's, or this run is simulated: nothing worth resuming (a simulation is simply run
    /// again).
    Nothing,
    /// A finished run of another batch (the workbook or the settings changed).
    Finished {
        /// What differs, for the note.
        because: String,
    },
    /// A finished run of this very batch, sent again on purpose (`--again`).
    Again(SentBefore),
    /// An unfinished run that sent messages, set aside with `--fresh`: its sent messages
    /// are sent again, so it is asked first unless `--yes`.
    Fresh {
        /// Messages it sent.
        sent: usize,
    },
}

impl Replaced {
    /// What to tell the person once the earlier journal is moved aside to `kept`; `None`
    /// when it held nothing worth mentioning.
    pub fn note(&self, kept: &Path) -> Option<String> {
        let kept = kept.display();
        match self {
            Replaced::Nothing => None,
            Replaced::Finished { because } => Some(format!(
                "the journal's last run finished, and this is another batch ({because}); starting a new one (its journal is kept as {kept})"
            )),
            Replaced::Again(before) => Some(format!(
                "sending this batch again (--again); the journal of the run that sent it on {} is kept as {kept}",
                before.when
            )),
            Replaced::Fresh { .. } => Some(format!(
                "starting over (--fresh); the unfinished run's journal is kept as {kept}"
            )),
        }
    }
}

/// When a finished run sent a batch, and how much of it.
#[derive(Debug, Clone)]
pub struct SentBefore {
    /// When the run finished, as a person reads it (`2026-12-03 17:04`).
    pub when: String,
    /// The batch's messages the journal has as accepted or unanswered.
    pub covered: Covered,
}

impl SentBefore {
    /// The line a rerun of a completely sent batch prints, and the `--json` reason.
    pub fn nothing_to_do(&self) -> String {
        let Covered { sent, uncertain } = self.covered;
        let messages = plural(sent + uncertain, "message");
        let uncertain = if uncertain == 0 {
            String::new()
        } else {
            format!(
                ", {uncertain} of them UNCERTAIN: no answer came, they may have been delivered, and --retry-uncertain re-sends them"
            )
        };
        format!(
            "this batch was sent completely on {} ({messages}{uncertain}); nothing to do. To send it again on purpose, add --again",
            self.when
        )
    }
}

/// Reads the journal at `path` (if any) and decides what this run does with it, for the
/// batch whose rows have these journal `keys`.
pub async fn earlier_run(
    settings: &SendSettings,
    path: &Path,
    keys: &[Option<JournalKey>],
    face: &mut dyn Face,
) -> Result<Earlier> {
    if !path.exists() {
        return Ok(Earlier::Nothing);
    }
    let previous = match journal::load(path) {
        Ok(previous) => previous,
        // Damage inside the journal (not a torn last line, which is read past) cannot be
        // resumed from; `--fresh` sets it aside, kept for a person to look at.
        Err(e) if e.is::<journal::Damaged>() => {
            if !settings.fresh {
                bail!(
                    "{e:#}; it cannot be resumed from: --fresh sets it aside and starts over (messages it recorded as sent would be sent again)"
                );
            }
            if !settings.yes
                && !face
                    .confirm(format!("{e:#}. Set it aside and start over?"))
                    .await?
            {
                bail!("nothing sent: not confirmed");
            }
            face.say(Said::Warning(format!(
                "{} cannot be read; it is kept aside and a new run starts (--fresh)",
                path.display()
            )));
            return Ok(Earlier::Replace(Replaced::Nothing));
        }
        Err(e) => return Err(e),
    };
    let Some(header) = previous.header.clone() else {
        return Ok(Earlier::Replace(Replaced::Nothing));
    };
    if header.is_simulated() || settings.gateway.simulate || !previous.sent_anything() {
        return Ok(Earlier::Replace(Replaced::Nothing));
    }
    let mut differences = settings.recorded.differences(&header.plan);
    if previous.finished {
        let covered = previous.covers(keys).filter(|_| differences.is_empty());
        let Some(covered) = covered else {
            if differences.is_empty() {
                differences.push("the input workbook");
            }
            return Ok(Earlier::Replace(Replaced::Finished {
                because: differ(&differences),
            }));
        };
        let before = SentBefore {
            when: local_minute(previous.finished_at.as_deref()),
            covered,
        };
        return Ok(if settings.again {
            Earlier::Replace(Replaced::Again(before))
        } else if settings.dispatch.retry_uncertain && covered.uncertain > 0 {
            // Re-sending what it left UNCERTAIN is a resume of that run, not a new one.
            Earlier::Resume(Box::new(previous))
        } else {
            Earlier::AlreadySent {
                before,
                previous: Box::new(previous),
            }
        });
    }
    let sent = previous
        .outcomes
        .values()
        .filter(|o| o.status == Status::Sent.as_str())
        .count();
    if settings.fresh {
        return Ok(Earlier::Replace(Replaced::Fresh { sent }));
    }
    if !same_file(&header.input, &settings.book) {
        differences.insert(0, "the input workbook");
    }
    if !differences.is_empty() {
        bail!(
            "{} holds an unfinished run of another batch ({}); run that batch's command again to finish it, or use --fresh to start over (its {sent} sent messages would be sent again)",
            path.display(),
            differ(&differences)
        );
    }
    if journal::hash_file(&settings.book)? != header.input_hash {
        face.say(Said::Warning(format!(
            "{} changed since the unfinished run; messages it already sent are recognised by recipient, sender and text and are not sent again",
            settings.book.display()
        )));
    }
    Ok(Earlier::Resume(Box::new(previous)))
}

/// "the sender differs", "the template, --sheet differ".
fn differ(differences: &[&str]) -> String {
    format!(
        "{} differ{}",
        differences.join(", "),
        if differences.len() == 1 { "s" } else { "" }
    )
}

/// An RFC 3339 time as `2026-12-03 17:04`, in the offset it was written with (the machine's
/// at the time); "an earlier run" stands in when the journal lacks it.
fn local_minute(time: Option<&str>) -> String {
    time.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(
            || "an earlier run".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Leaves the journals as a run that sent nothing found them: its own journal removed, and
/// the earlier one it moved aside (`kept`) put back, so the next run starts (or resumes) as
/// if this one had never been, with any option changed.
pub fn leave_no_trace(journal: &Path, kept: Option<&Path>) -> Result<()> {
    std::fs::remove_file(journal)
        .with_context(|| format!("cannot remove the journal {}", journal.display()))?;
    if let Some(kept) = kept {
        std::fs::rename(kept, journal).with_context(|| {
            format!(
                "cannot move the earlier journal {} back to {}",
                kept.display(),
                journal.display()
            )
        })?;
    }
    Ok(())
}

/// What a resumed run found already done.
pub struct Resumed {
    /// Messages an earlier run sent: not sent again.
    pub sent: usize,
    /// Messages an earlier run sent without an answer.
    pub uncertain: usize,
}

/// Gives READY rows the outcome an earlier run left them: SENT stays SENT, unanswered stays
/// UNCERTAIN (unless `retry_uncertain`), everything else is sent.
pub fn carry_over(
    previous: &Previous,
    keys: &[Option<JournalKey>],
    outcomes: &mut [RowOutcome],
    retry_uncertain: bool,
) -> Resumed {
    let mut resumed = Resumed {
        sent: 0,
        uncertain: 0,
    };
    for (outcome, key) in outcomes.iter_mut().zip(keys) {
        let (Status::Ready, Some(key)) = (outcome.status, key) else {
            continue;
        };
        match previous.carried_outcome(&key.to_string()) {
            Some(carried) if carried.status == Status::Sent => {
                resumed.sent += 1;
                *outcome = carried;
            }
            Some(carried) => {
                resumed.uncertain += 1;
                if !retry_uncertain {
                    *outcome = carried;
                }
            }
            None => {}
        }
    }
    resumed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nothing_to_do_line_says_when_and_how_many() {
        let before = SentBefore {
            when: local_minute(Some("2026-12-03T17:04:59.120+02:00")),
            covered: Covered {
                sent: 3000,
                uncertain: 0,
            },
        };
        assert_eq!(
            before.nothing_to_do(),
            "this batch was sent completely on 2026-12-03 17:04 (3000 messages); nothing to do. To send it again on purpose, add --again"
        );
        let some_unanswered = SentBefore {
            covered: Covered {
                sent: 2,
                uncertain: 1,
            },
            ..before
        };
        assert!(
            some_unanswered
                .nothing_to_do()
                .contains("(3 messages, 1 of them UNCERTAIN:"),
            "{}",
            some_unanswered.nothing_to_do()
        );
        assert_eq!(local_minute(None), "an earlier run");
    }

    #[test]
    fn differences_are_worded_in_number() {
        assert_eq!(differ(&["the sender"]), "the sender differs");
        assert_eq!(
            differ(&["the template", "--sheet"]),
            "the template, --sheet differ"
        );
    }
}
