//! One run at a time per batch: a lock file beside the journal holding the owner's process
//! id. A second smsmerge on the same batch stops with the owner's pid; a lock left by a
//! process that no longer exists (killed, crashed, power lost) is taken over.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock for `journal`, or says who holds it.
    pub fn acquire(journal: &Path) -> Result<Lock> {
        let mut name = journal.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        for _ in 0..2 {
            match std::fs::File::options()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    writeln!(file, "{}", std::process::id())
                        .with_context(|| format!("cannot write the lock {}", path.display()))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok());
                    match owner {
                        Some(pid) if pid != std::process::id() && is_running(pid) => bail!(
                            "another smsmerge (process {pid}) is sending this batch right now (lock {}); wait for it to end, or stop it",
                            path.display()
                        ),
                        // Stale: its owner is gone. Take it over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot create the lock {}", path.display()));
                }
            }
        }
        bail!("cannot take the lock {}", path.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether a process with this id exists.
#[cfg(target_os = "linux")]
fn is_running(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether a process with this id exists: without /proc, assume it does (refusing is safe;
/// the user can delete a stale lock).
#[cfg(not(target_os = "linux"))]
fn is_running(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("r.journal");
        let lock = Lock::acquire(&journal).unwrap();
        // Pretend another live process holds it: pid 1 always runs.
        std::fs::write(&lock.path, "1\n").unwrap();
        let err = Lock::acquire(&journal).unwrap_err().to_string();
        assert!(err.contains("process 1"), "{err}");
        std::fs::write(&lock.path, format!("{}\n", std::process::id())).unwrap();
        drop(lock);
        assert!(!dir.path().join("r.journal.lock").exists());
    }

    #[test]
    fn a_stale_lock_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("r.journal");
        std::fs::write(dir.path().join("r.journal.lock"), "4000000000\n").unwrap();
        let lock = Lock::acquire(&journal).unwrap();
        let owner = std::fs::read_to_string(&lock.path).unwrap();
        assert_eq!(owner.trim(), std::process::id().to_string());
    }
}
