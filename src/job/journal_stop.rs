//! A send stopped by its journal (a full disk, an I/O error): the results say what the
//! journal says, and one error line says everything an operator needs: what failed and
//! where, that sending stopped at once, what was sent and is on record, what is UNCERTAIN,
//! where the results are (or how to get them), and that the same command sends the rest.
//!
//! A message is sent only once its attempt is on disk, so every message sent has a record;
//! what a failed write can lose is the answers of the last few, which a rerun then reads as
//! UNCERTAIN and does not send again. The results written now show them so too, so that this
//! run's results, a rerun's and `smsmerge report`'s agree.

use crate::dispatch::journal::WriteFault;
use crate::plan::outcome::{RowOutcome, Status, Totals};
use crate::text::words::plural;
use std::path::Path;

/// Gives the rows whose answers the journal could not record (`unanswered`, ascending
/// spreadsheet row numbers from
/// [`Journal::unanswered`](crate::dispatch::journal::Journal::unanswered)) the outcome the
/// journal holds for them: UNCERTAIN, keeping what the gateway answered. `rows` are the
/// outcomes' row numbers, in order. Returns how many there were.
pub fn as_journaled(
    outcomes: &mut [RowOutcome],
    rows: impl IntoIterator<Item = u32>,
    unanswered: &[u32],
) -> usize {
    let mut changed = 0;
    for (outcome, row) in outcomes.iter_mut().zip(rows) {
        if unanswered.binary_search(&row).is_err() {
            continue;
        }
        changed += 1;
        if outcome.status == Status::Uncertain {
            continue;
        }
        let detail = if outcome.status == Status::Sent {
            "the gateway accepted it, but the journal could not record that: UNCERTAIN, so no rerun sends it again"
        } else {
            "the journal holds its request but not what became of it: UNCERTAIN, so no rerun sends it again"
        };
        outcome.status = Status::Uncertain;
        outcome.detail = detail.into();
    }
    changed
}

/// The counts the error line gives, from the results as the journal has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Messages this run sent whose answers are on record.
    pub sent: usize,
    /// Messages whose answers could not be recorded (see [`as_journaled`]).
    pub unanswered: usize,
    /// Messages a rerun sends: NOT SENT or FAILED.
    pub rest: usize,
}

impl Counts {
    /// The counts of these totals, `unanswered` of whose UNCERTAIN rows lost their answers.
    pub fn of(totals: &Totals, unanswered: usize) -> Counts {
        Counts {
            sent: totals.count(Status::Sent),
            unanswered,
            rest: totals.count(Status::NotSent) + totals.count(Status::Failed),
        }
    }
}

/// What became of the results after the journal stopped the run.
#[derive(Debug, Clone, Copy)]
pub enum Results<'a> {
    /// Written to this file.
    Written(&'a Path),
    /// Not written, for this reason (the same full disk, most likely).
    Lost(&'a str),
}

/// The one error line of a run its journal stopped.
pub fn error_line(fault: &WriteFault, counts: Counts, results: Results<'_>) -> String {
    let journal = fault.path.display();
    let mut line = format!("{fault}: sending stopped at once. ");
    line.push_str(&match counts.sent {
        0 => "No message was sent".to_owned(),
        n => format!(
            "{} sent and recorded in the journal",
            if n == 1 {
                "1 message was".to_owned()
            } else {
                format!("{n} messages were")
            }
        ),
    });
    if counts.unanswered > 0 {
        let (was, its, it) = if counts.unanswered == 1 {
            ("was", "its answer is", "it is")
        } else {
            ("were", "their answers are", "they are")
        };
        line.push_str(&format!(
            "; {} more {was} being sent when the journal failed: {its} not on record, so {it} UNCERTAIN and not sent again (--retry-uncertain sends {})",
            counts.unanswered,
            if counts.unanswered == 1 { "it" } else { "them" }
        ));
    }
    line.push_str(". ");
    let room = if fault.disk_full() {
        "Once there is space"
    } else {
        "Once the journal can be written"
    };
    let again = match counts.rest {
        0 => "run the same command again to close the run (nothing is left to send)".to_owned(),
        1 => {
            "run the same command again: it sends the one message left and nothing twice".to_owned()
        }
        n => format!(
            "run the same command again: it sends the other {} and nothing twice",
            plural(n, "message")
        ),
    };
    match results {
        Results::Written(path) => {
            line.push_str(&format!(
                "The results are written to {}. {room}, {again}.",
                path.display()
            ));
        }
        Results::Lost(why) => {
            line.push_str(&format!(
                "The results could not be written either ({why}). {room}, {again} (it writes the results too), or run `smsmerge report {journal}` to write the results without sending."
            ));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fault(kind: std::io::ErrorKind, text: &str) -> WriteFault {
        WriteFault {
            path: PathBuf::from("out/r.xlsx.journal"),
            kind,
            os_error: None,
            text: text.to_owned(),
        }
    }

    fn full() -> WriteFault {
        fault(std::io::ErrorKind::StorageFull, "No space left on device")
    }

    #[test]
    fn rows_whose_answers_were_lost_read_as_the_journal_holds_them() {
        let mut sent = RowOutcome::new(Status::Sent, "");
        sent.reference = Some("OK: 7".into());
        sent.attempts = Some(1);
        let mut outcomes = vec![
            sent.clone(),
            sent.clone(),
            RowOutcome::new(Status::NotSent, "not sent: sending stopped"),
            RowOutcome::new(Status::Uncertain, "no answer"),
            RowOutcome::new(Status::NotSent, "not sent: sending stopped"),
        ];
        assert_eq!(as_journaled(&mut outcomes, 2..7, &[3, 4, 5]), 3);
        let statuses: Vec<Status> = outcomes.iter().map(|o| o.status).collect();
        use Status::*;
        assert_eq!(statuses, [Sent, Uncertain, Uncertain, Uncertain, NotSent]);
        assert_eq!(
            outcomes[1].reference.as_deref(),
            Some("OK: 7"),
            "the answer is kept"
        );
        assert!(outcomes[1].detail.starts_with("the gateway accepted it"));
        assert!(
            outcomes[2]
                .detail
                .starts_with("the journal holds its request")
        );
        assert_eq!(&*outcomes[3].detail, "no answer");
    }

    #[test]
    fn a_full_disk_with_the_results_written() {
        let counts = Counts {
            sent: 12,
            unanswered: 0,
            rest: 38,
        };
        assert_eq!(
            error_line(&full(), counts, Results::Written(Path::new("out/r.csv"))),
            "the disk holding out/r.xlsx.journal is full: sending stopped at once. 12 messages were sent and recorded in the journal. The results are written to out/r.csv. Once there is space, run the same command again: it sends the other 38 messages and nothing twice."
        );
    }

    #[test]
    fn answers_that_could_not_be_recorded_are_counted_uncertain() {
        let one = Counts {
            sent: 1,
            unanswered: 1,
            rest: 1,
        };
        assert_eq!(
            error_line(&full(), one, Results::Written(Path::new("r.csv"))),
            "the disk holding out/r.xlsx.journal is full: sending stopped at once. 1 message was sent and recorded in the journal; 1 more was being sent when the journal failed: its answer is not on record, so it is UNCERTAIN and not sent again (--retry-uncertain sends it). The results are written to r.csv. Once there is space, run the same command again: it sends the one message left and nothing twice."
        );
        let two = Counts {
            sent: 0,
            unanswered: 2,
            rest: 0,
        };
        let line = error_line(&full(), two, Results::Written(Path::new("r.csv")));
        assert!(line.contains("No message was sent; 2 more were being sent when the journal failed: their answers are not on record, so they are UNCERTAIN and not sent again (--retry-uncertain sends them)."), "{line}");
        assert!(
            line.ends_with(
                "run the same command again to close the run (nothing is left to send)."
            ),
            "{line}"
        );
    }

    #[test]
    fn results_that_could_not_be_written_point_to_smsmerge_report() {
        let counts = Counts {
            sent: 3,
            unanswered: 0,
            rest: 7,
        };
        let line = error_line(
            &full(),
            counts,
            Results::Lost("cannot write out/r.xlsx: File too large (os error 27)"),
        );
        assert_eq!(
            line,
            "the disk holding out/r.xlsx.journal is full: sending stopped at once. 3 messages were sent and recorded in the journal. The results could not be written either (cannot write out/r.xlsx: File too large (os error 27)). Once there is space, run the same command again: it sends the other 7 messages and nothing twice (it writes the results too), or run `smsmerge report out/r.xlsx.journal` to write the results without sending."
        );
    }

    #[test]
    fn another_error_is_named_in_the_os_words() {
        let io = fault(std::io::ErrorKind::Other, "Input/output error (os error 5)");
        let counts = Counts {
            sent: 2,
            unanswered: 0,
            rest: 1,
        };
        let line = error_line(&io, counts, Results::Written(Path::new("r.csv")));
        assert!(
            line.starts_with("the journal out/r.xlsx.journal cannot be written (Input/output error (os error 5)): sending stopped at once. 2 messages were sent"),
            "{line}"
        );
        assert!(
            line.contains("Once the journal can be written, run the same command again"),
            "{line}"
        );
    }
}
