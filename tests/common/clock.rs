//! The clock a test gives smsmerge's schedule: a file holding an RFC 3339 instant, named by
//! the hidden `SMSMERGE_TEST_NOW_FILE` variable. Time stands still between two [`TestClock::set`]
//! calls, so quiet hours begin and end exactly where a test puts them.

use std::path::PathBuf;

/// The variable smsmerge reads the file's path from.
pub const VARIABLE: &str = "SMSMERGE_TEST_NOW_FILE";

/// A clock file in a folder of its own (so that it is not among the files a run leaves).
pub struct TestClock {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl TestClock {
    /// A clock set to `at` (RFC 3339).
    pub fn new(at: &str) -> TestClock {
        let dir = tempfile::tempdir().expect("create a folder for the clock");
        let path = dir.path().join("now.txt");
        let clock = TestClock { dir, path };
        clock.set(at);
        clock
    }

    /// Moves the clock to `at` (RFC 3339), in one step: the new file is renamed over the old,
    /// so smsmerge never reads half a time.
    pub fn set(&self, at: &str) {
        let next = self.path.with_extension("next");
        std::fs::write(&next, at).expect("write the clock file");
        std::fs::rename(&next, &self.path).expect("move the clock file into place");
    }

    /// The variable and value that give a command this clock.
    pub fn env(&self) -> (&'static str, &std::path::Path) {
        (VARIABLE, &self.path)
    }
}
