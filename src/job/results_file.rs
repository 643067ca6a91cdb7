//! Where a run's results file goes, and whether it can be put there.
//!
//! A real send's results file is its record (SENT, the gateway's references, the times), so
//! nothing else may take its place: a dry run or a simulated send whose results file holds a
//! real send's outcomes (its journal says so) writes beside it instead, to
//! `NAME.dry-run.xlsx` or `NAME.simulated.xlsx`, and says so.
//!
//! Before a send contacts the gateway it checks that the results can be written where they
//! go: a file open in Excel or LibreOffice (their lock files beside it), a folder that takes
//! no new file, or a file that cannot be replaced would otherwise fail only after every
//! message was sent.

use crate::dispatch::journal;
use crate::report::folder_of;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A hidden variable for the test suite: a path. Before it writes the results, a send creates
/// that file and waits until the test removes it, so that "a Ctrl-C during the results write"
/// is a moment the test chooses, not a race against the machine's speed.
pub const TEST_RESULTS_GATE_VARIABLE: &str = "SMSMERGE_TEST_RESULTS_GATE";

/// Waits at the test suite's gate before the results write (see
/// [`TEST_RESULTS_GATE_VARIABLE`]); returns at once when the variable is not set.
pub async fn test_gate() {
    let Some(gate) = std::env::var_os(TEST_RESULTS_GATE_VARIABLE).map(PathBuf::from) else {
        return;
    };
    if std::fs::write(&gate, b"writing the results\n").is_err() {
        return;
    }
    while gate.exists() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What a run writes instead of real results, named after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stand {
    /// `--dry-run`: `NAME.dry-run.xlsx`.
    DryRun,
    /// `--simulate`: `NAME.simulated.xlsx`.
    Simulated,
}

impl Stand {
    fn word(self) -> &'static str {
        match self {
            Stand::DryRun => "dry-run",
            Stand::Simulated => "simulated",
        }
    }
}

/// The file a dry run or a simulation writes in place of `results`: `NAME.results.xlsx`
/// becomes `NAME.dry-run.xlsx` (or `.simulated`), any other `NAME.xlsx` becomes
/// `NAME.dry-run.xlsx`; the folder and the extension stay.
pub fn stand_in(results: &Path, stand: Stand) -> PathBuf {
    let name = results
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) => (stem, format!(".{extension}")),
        None => (name.as_str(), String::new()),
    };
    let stem = stem.strip_suffix(".results").unwrap_or(stem);
    results.with_file_name(format!("{stem}.{}{extension}", stand.word()))
}

/// Whether the journal beside `results` is a real send's: then the results file holds (or
/// will hold, once `smsmerge report` rebuilds it) what reached the gateway. A journal that
/// cannot be read counts as a real send's: when in doubt, the file is left alone.
pub fn holds_real_send(results: &Path) -> bool {
    let journal = journal::path_for(results);
    if !journal.exists() {
        return false;
    }
    match journal::first_header(&journal) {
        Ok(Some(header)) => !header.is_simulated(),
        Ok(None) | Err(_) => true,
    }
}

/// Where a run writes its results: `wanted` itself, or its stand-in when `wanted` holds a
/// real send's results and this run is a dry run or a simulation.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The file to write.
    pub path: PathBuf,
    /// The real send's results left alone, when the run writes beside them instead.
    pub spared: Option<PathBuf>,
}

impl Destination {
    /// The destination of a run of this kind (`None`: a real send) that wants `wanted`.
    pub fn of(wanted: &Path, stand: Option<Stand>) -> Destination {
        match stand {
            Some(stand) if holds_real_send(wanted) => Destination {
                path: stand_in(wanted, stand),
                spared: Some(wanted.to_owned()),
            },
            _ => Destination {
                path: wanted.to_owned(),
                spared: None,
            },
        }
    }

    /// The line that says a real send's results were left alone, if they were.
    pub fn spared_note(&self) -> Option<String> {
        let spared = self.spared.as_ref()?;
        Some(format!(
            "{} holds the results of a real send, so they are left as they are; this run's results go to {}",
            spared.display(),
            self.path.display()
        ))
    }
}

/// Removes the temporary files that killed results writes left in the folder of `results`
/// (see [`crate::report::write::remove_left_behind`]); a line for each, for the run to say.
pub fn remove_left_behind(results: &Path) -> Vec<String> {
    crate::report::write::remove_left_behind(folder_of(results))
        .into_iter()
        .map(|path| {
            format!(
                "removed {}, a results file an earlier run did not finish writing",
                path.display()
            )
        })
        .collect()
}

/// The lock files office programs put beside a workbook they have open, and the program's
/// name: Excel's `~$NAME`, LibreOffice's `.~lock.NAME#`.
fn office_locks(name: &str) -> [(String, &'static str); 2] {
    [
        (format!("~${name}"), "Excel"),
        (format!(".~lock.{name}#"), "LibreOffice"),
    ]
}

/// Checks, without touching it, that the results file can be written at `path`: it is not
/// open in Excel or LibreOffice, its folder takes a new file (the results are written to a
/// temporary file there and renamed into place), and an existing file can be replaced.
/// Each refusal says what to do, and that nothing was sent.
pub fn check_writable(path: &Path) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = folder_of(path);
    for (lock, program) in office_locks(&name) {
        if folder.join(&lock).exists() {
            bail!(
                "close {name} in {program} (it is open there) and run the same command again; nothing was sent (if it is not open, delete the lock file {lock} beside it)"
            );
        }
    }
    let probe = tempfile::Builder::new()
        .prefix(".smsmerge-")
        .suffix(".probe")
        .tempfile_in(folder)
        .and_then(|mut probe| std::io::Write::write_all(&mut probe, b"smsmerge"));
    if let Err(e) = probe {
        bail!(
            "the results cannot be written in the folder {} ({e}); make it writable or give another -o, then run the same command again; nothing was sent",
            folder.display()
        );
    }
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().write(true).open(path)
    {
        bail!(
            "{} cannot be replaced ({e}): close it wherever it is open, make it writable or give another -o, then run the same command again; nothing was sent",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_sit_beside_the_results_they_spare() {
        let cases = [
            (
                "out/customers.results.xlsx",
                Stand::DryRun,
                "out/customers.dry-run.xlsx",
            ),
            (
                "customers.results.xlsx",
                Stand::Simulated,
                "customers.simulated.xlsx",
            ),
            ("march.csv", Stand::DryRun, "march.dry-run.csv"),
            ("a.b.xlsx", Stand::Simulated, "a.b.simulated.xlsx"),
        ];
        for (results, stand, expected) in cases {
            assert_eq!(stand_in(Path::new(results), stand), PathBuf::from(expected));
        }
    }

    #[test]
    fn office_lock_files_refuse_with_the_program_named() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("customers.results.xlsx");
        std::fs::write(&results, "old").unwrap();
        check_writable(&results).unwrap();
        for (lock, program) in office_locks("customers.results.xlsx") {
            std::fs::write(dir.path().join(&lock), "").unwrap();
            let err = check_writable(&results).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!(
                    "close customers.results.xlsx in {program} (it is open there) and run the same command again; nothing was sent"
                )),
                "{err}"
            );
            std::fs::remove_file(dir.path().join(&lock)).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&results).unwrap(), "old");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the probe is removed: {left:?}");
    }

    #[test]
    fn a_simulated_journal_is_no_real_send() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("r.xlsx");
        assert!(!holds_real_send(&results));
        let header = |gateway: &str| {
            format!(
                "{{\"type\":\"run\",\"version\":1,\"started\":\"\",\"input\":\"b.xlsx\",\"input_hash\":\"\",\"gateway\":\"{gateway}\",\"plan\":{{\"sheet\":null,\"to\":null,\"template\":null,\"message_column\":\"message\",\"sender\":null,\"country_code\":null,\"date_format\":null,\"allow_duplicates\":false,\"max_segments\":10}}}}\n"
            )
        };
        let journal = journal::path_for(&results);
        std::fs::write(&journal, header(crate::gateway::connection::SIMULATED_HOST)).unwrap();
        assert!(!holds_real_send(&results));
        std::fs::write(&journal, header("www.ot-sms.com")).unwrap();
        assert!(holds_real_send(&results));
        std::fs::write(&journal, "damaged").unwrap();
        assert!(holds_real_send(&results), "when in doubt, spared");
    }
}
