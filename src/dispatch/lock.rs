//! One run at a time per batch and per workbook: an exclusive lock that the operating system
//! holds on a lock file for as long as the process lives (`File::try_lock`: `flock` on Unix,
//! `LockFileEx` on Windows). The kernel releases it whenever the process ends, by a kill -9
//! or a power cut included, so there is no stale lock to detect, no process id to trust (a
//! reused pid blocks nothing) and no race between two runs that find an old file: a lock file
//! left on disk by a killed run is simply locked again by the next one.
//!
//! Two locks guard a send. The batch's, beside the journal (`<results>.journal.lock`), keeps
//! two runs from writing one journal and one results file. The workbook's, beside the input
//! (`.<book>.smsmerge-lock`, found through the book's canonical path), keeps two sends of the
//! same workbook to different `-o` from both sending every message. The file holds the
//! owner's process id (and, for the workbook, its results file), only to word the refusal.
//!
//! A lock file is removed when its lock is released, and removed *before* it is unlocked: a
//! run that opened the old file and locks it after the owner let go then finds that the path
//! no longer names what it locked, and starts again with the path's new file.

use anyhow::{Context, Result, bail};
use std::fs::{File, TryLockError};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released (its file removed, then unlocked) when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// Holds the lock: the kernel releases it when this closes, however the process ends.
    file: File,
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    pid: Option<u32>,
    /// What the owner does with it (the workbook's lock: the results it sends to).
    doing: Option<String>,
}

impl Lock {
    /// Takes the batch's lock, beside `journal`, or says who holds it.
    pub fn acquire(journal: &Path) -> Result<Lock> {
        let mut name = journal.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        match take(&path, "")? {
            Taken::Locked(lock) => Ok(lock),
            Taken::Held(owner) => bail!(
                "{} is sending this batch right now (lock {}); wait for it to end, or stop it",
                describe(&owner),
                path.display()
            ),
        }
    }

    /// Takes the lock of the input workbook `book` for a send whose results go to `results`,
    /// or says who holds it: two sends of one workbook at once would each send every message,
    /// whatever their `-o`.
    pub fn acquire_input(book: &Path, results: &Path) -> Result<Lock> {
        let canonical = std::fs::canonicalize(book)
            .with_context(|| format!("{}: cannot find the workbook", book.display()))?;
        let doing = results.display().to_string();
        let beside = input_lock_path(&canonical);
        let taken = match take(&beside, &doing) {
            // A folder smsmerge may read but not write (a shared drive, another user's
            // folder): the lock goes to this user's own folder for locks, under a name made
            // from the workbook's canonical path, so this user's runs still exclude each other.
            Err(e) if cannot_write_there(&e) => match fallback_input_lock_path(&canonical) {
                Some(path) => {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).with_context(|| cannot_create(&path))?;
                    }
                    take(&path, &doing).with_context(|| cannot_create(&path))?
                }
                None => return Err(e).context(cannot_create(&beside)),
            },
            other => other.with_context(|| cannot_create(&beside))?,
        };
        match taken {
            Taken::Locked(lock) => Ok(lock),
            Taken::Held(owner) => {
                let to = owner
                    .doing
                    .as_deref()
                    .map(|r| format!(" to {r}"))
                    .unwrap_or_default();
                bail!(
                    "{} is sending {}{to} right now; two sends of one workbook at once would both send its messages: wait for it to end, or stop it",
                    describe(&owner),
                    book.display()
                )
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked (see the module's header), then unlocked; closing the
        // file would unlock it too.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// What trying a lock gave.
enum Taken {
    Locked(Lock),
    /// Another process holds it.
    Held(Owner),
}

/// Locks `path` (creating it), writing this process's id and `doing` into it.
fn take(path: &Path, doing: &str) -> std::io::Result<Taken> {
    loop {
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(Taken::Held(read_owner(path))),
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // The owner we waited on may have removed the file between our open and our lock:
        // then this lock guards nothing anyone else can find. Try again with the path's file.
        if !still_at(&file, path) {
            continue;
        }
        file.set_len(0)?;
        file.rewind()?;
        let mut record = format!("{}\n", std::process::id());
        if !doing.is_empty() {
            record.push_str(doing);
            record.push('\n');
        }
        file.write_all(record.as_bytes())?;
        return Ok(Taken::Locked(Lock {
            path: path.to_owned(),
            file,
        }));
    }
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Whether `path` still names the file `file` has open. Windows keeps a file's name until
/// every handle to it is closed, and refuses to open a file being deleted, so a file that
/// is still there is the one we opened.
#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// The owner a held lock file names. On Windows a locked file cannot be read: then nothing
/// is known but that someone holds it.
fn read_owner(path: &Path) -> Owner {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines();
    Owner {
        pid: lines.next().and_then(|l| l.trim().parse().ok()),
        doing: lines.next().map(str::to_owned).filter(|l| !l.is_empty()),
    }
}

/// "another smsmerge (process 1234)".
fn describe(owner: &Owner) -> String {
    match owner.pid {
        Some(pid) => format!("another smsmerge (process {pid})"),
        None => "another smsmerge".to_owned(),
    }
}

/// `.<name>.smsmerge-lock` beside the workbook (its canonical path, so that every spelling
/// of the path, a symbolic link included, finds the same lock).
fn input_lock_path(canonical: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(canonical.file_name().unwrap_or_default());
    name.push(".smsmerge-lock");
    canonical.with_file_name(name)
}

/// The workbook's lock in this user's cache folder, named by a hash of its canonical path,
/// for a workbook in a folder that cannot hold the lock file.
fn fallback_input_lock_path(canonical: &Path) -> Option<PathBuf> {
    let dir = dirs::cache_dir()?.join("smsmerge").join("locks");
    let hash = blake3::hash(canonical.as_os_str().as_encoded_bytes());
    Some(dir.join(format!("{}.lock", &hash.to_hex()[..32])))
}

/// Whether a lock file could not be made because the folder takes no new files.
fn cannot_write_there(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

fn cannot_create(path: &Path) -> String {
    format!("cannot create or lock the lock file {}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_naming_its_owner_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("r.journal");
        let lock = Lock::acquire(&journal).unwrap();
        let path = dir.path().join("r.journal.lock");
        assert_eq!(lock.path(), path);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        // A lock is per open file, so a second open in this process is refused like another
        // process would be.
        let err = Lock::acquire(&journal).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "another smsmerge (process {}) is sending this batch",
                std::process::id()
            )),
            "{err}"
        );
        drop(lock);
        assert!(!path.exists());
        drop(Lock::acquire(&journal).unwrap());
    }

    #[test]
    fn a_lock_file_nobody_holds_is_taken_whatever_it_says() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("r.journal");
        let path = dir.path().join("r.journal.lock");
        // A killed run's file, naming a process that may well run now (pid 1 always does).
        std::fs::write(&path, "1\n").unwrap();
        let lock = Lock::acquire(&journal).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            std::process::id().to_string()
        );
        drop(lock);
    }

    #[test]
    fn a_lock_whose_file_was_replaced_is_taken_again_on_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        // What a run that opened the file just before its owner let go holds: a lock on a
        // file that is no longer at the path.
        let old = File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!still_at(&old, &path));
        let Taken::Locked(lock) = take(&path, "").unwrap() else {
            panic!("not locked");
        };
        assert!(still_at(&lock.file, &path));
    }

    #[test]
    fn the_workbook_lock_is_found_through_any_spelling_of_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let book = dir.path().join("book.xlsx");
        std::fs::write(&book, "x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let lock = Lock::acquire_input(&book, Path::new("a.results.xlsx")).unwrap();
        let canonical_dir = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(lock.path(), canonical_dir.join(".book.xlsx.smsmerge-lock"));
        let other = dir.path().join("sub").join("..").join("book.xlsx");
        let err = Lock::acquire_input(&other, Path::new("b.results.xlsx"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!(
                "another smsmerge (process {}) is sending {} to a.results.xlsx right now",
                std::process::id(),
                other.display()
            )),
            "{err}"
        );
        drop(lock);
        assert!(!canonical_dir.join(".book.xlsx.smsmerge-lock").exists());
    }

    #[test]
    fn the_fallback_lock_is_named_by_the_canonical_path() {
        let a = fallback_input_lock_path(Path::new("/srv/share/book.xlsx"));
        let b = fallback_input_lock_path(Path::new("/srv/share/other.xlsx"));
        if let (Some(a), Some(b)) = (a, b) {
            assert_ne!(a, b);
            assert!(a.ends_with(Path::new("smsmerge/locks").join(a.file_name().unwrap())));
            assert_eq!(a.extension().unwrap(), "lock");
        }
    }
}
