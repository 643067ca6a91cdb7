//! The first journal write that failed, kept whole. Once one write fails nothing later may
//! claim to be on disk, so every later write fails too; it fails with this first error (a
//! full disk, an I/O error), never with a vaguer one of its own, so the run can say exactly
//! what happened and what to do.

use std::io;
use std::path::{Path, PathBuf};

/// Why the journal could not be written: the file, and the first error's kind and OS error
/// number, which decide the words (a full disk, or the error as the OS words it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFault {
    /// The journal.
    pub path: PathBuf,
    /// The error's kind: [`io::ErrorKind::StorageFull`] and its kin mean a full disk.
    pub kind: io::ErrorKind,
    /// The OS error number (`ENOSPC` is 28 on Linux), when the OS gave one.
    pub os_error: Option<i32>,
    /// The error as the OS words it (`No space left on device (os error 28)`).
    pub text: String,
}

impl WriteFault {
    /// The fault of `error`, met writing the journal at `path`.
    pub fn new(path: &Path, error: &io::Error) -> WriteFault {
        WriteFault {
            path: path.to_owned(),
            kind: error.kind(),
            os_error: error.raw_os_error(),
            text: error.to_string(),
        }
    }

    /// The same error again, for every write after the first that failed.
    pub fn to_io_error(&self) -> io::Error {
        match self.os_error {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(self.kind, self.text.clone()),
        }
    }

    /// Whether the disk (or the space this process may use of it) is full: `ENOSPC`, a file
    /// over `ulimit -f` (`EFBIG`), or a quota (`EDQUOT`). Then making room is all it takes.
    pub fn disk_full(&self) -> bool {
        disk_full(self.kind)
    }
}

/// Whether an error of this kind means a full disk (`ENOSPC`, `EFBIG` over `ulimit -f`,
/// `EDQUOT`), for any file a run writes: the journal, the results.
pub fn disk_full(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge | io::ErrorKind::QuotaExceeded
    )
}

impl std::fmt::Display for WriteFault {
    /// `the disk holding PATH is full`, or `PATH cannot be written (the OS error)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.disk_full() {
            write!(f, "the disk holding {} is full", self.path.display())
        } else {
            write!(
                f,
                "the journal {} cannot be written ({})",
                self.path.display(),
                self.text
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_full_disk_a_file_too_large_and_a_quota_all_read_as_a_full_disk() {
        for code in [libc::ENOSPC, libc::EFBIG, libc::EDQUOT] {
            let fault = WriteFault::new(
                Path::new("out/r.journal"),
                &io::Error::from_raw_os_error(code),
            );
            assert!(fault.disk_full(), "{code}");
            assert_eq!(fault.to_string(), "the disk holding out/r.journal is full");
        }
    }

    #[test]
    fn another_error_is_worded_by_the_os_and_comes_back_the_same() {
        let error = io::Error::from_raw_os_error(5);
        let fault = WriteFault::new(Path::new("r.journal"), &error);
        assert!(!fault.disk_full());
        assert_eq!(
            fault.to_string(),
            format!("the journal r.journal cannot be written ({error})")
        );
        let again = fault.to_io_error();
        assert_eq!(
            (again.kind(), again.raw_os_error()),
            (error.kind(), Some(5))
        );
        let other = WriteFault::new(Path::new("j"), &io::Error::other("lock poisoned"));
        assert_eq!(other.to_io_error().to_string(), "lock poisoned");
    }
}
