//! Writing a results file whole or not at all: a temporary file in the destination folder,
//! renamed into place when complete; and the removal of such files that a killed write left
//! behind.

use super::csv::*;
use super::types::*;
use super::xlsx::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The names of a results write's temporary file: hidden, and findable by a later run.
const PART_PREFIX: &str = ".smsmerge-";
const PART_SUFFIX: &str = ".part";

/// How old an unlocked temporary file must be before it counts as left behind: a write locks
/// its file a moment after creating it, and that moment must not look abandoned.
const LEFT_BEHIND_AFTER: Duration = Duration::from_secs(60);

/// Writes the results to `path` atomically (temporary file, then rename).
pub fn write(path: &Path, report: &Report<'_>) -> Result<(), ReportError> {
    let format = OutputFormat::from_path(path).unwrap_or(OutputFormat::Xlsx);
    let dir = folder_of(path);
    let io = |source| ReportError::Io {
        path: path.to_owned(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(PART_PREFIX).suffix(PART_SUFFIX);
    // A temporary file is private (0600) by default; the results are an ordinary file that
    // colleagues may need to open, so let the umask decide, as for any file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(io)?;
    // Locked while it is written (the kernel releases the lock when the process ends, however
    // it ends), so that another run in the same folder tells it from one a kill left behind.
    // A file system without locks only loses that tidying, not the write.
    let _ = temp.as_file().try_lock();
    {
        let mut out = BufWriter::new(temp.as_file());
        match format {
            OutputFormat::Xlsx => {
                // See `ResultsTable`: rust_xlsxwriter writes a draft, unnamed and gone with
                // the process, and the results are the draft with the table widened.
                let results_table = ResultsTable::of(report);
                let mut draft = BufWriter::new(tempfile::tempfile_in(dir).map_err(io)?);
                write_xlsx(&mut draft, report, &results_table).map_err(|source| {
                    ReportError::Xlsx {
                        path: path.to_owned(),
                        source,
                    }
                })?;
                let draft = draft.into_inner().map_err(|e| io(e.into_error()))?;
                results_table.widen(draft, &mut out).map_err(io)?;
            }
            OutputFormat::Csv => {
                write_csv(&mut out, report).map_err(|source| ReportError::Csv {
                    path: path.to_owned(),
                    source,
                })?
            }
        }
        out.flush().map_err(io)?;
    }
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| ReportError::Persist {
        path: path.to_owned(),
        source: e.error,
    })?;
    Ok(())
}

/// Removes the temporary files of results writes that never finished in `folder` (a kill or a
/// power cut mid-write leaves them): those no process holds locked and that are older than a
/// minute. The files removed, for the run to say so; a file that cannot be removed is left.
pub fn remove_left_behind(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with(PART_PREFIX) && name.ends_with(PART_SUFFIX)
        })
        .map(|entry| entry.path())
        .filter(|path| left_behind(path) && std::fs::remove_file(path).is_ok())
        .collect()
}

/// Whether the temporary file at `path` is old and held by no write.
fn left_behind(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age >= LEFT_BEHIND_AFTER);
    old && file.try_lock().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    /// A temporary file named as a results write names it, last written `age` ago.
    fn part(dir: &Path, name: &str, age: Duration) -> (PathBuf, File) {
        let path = dir.join(format!("{PART_PREFIX}{name}{PART_SUFFIX}"));
        let file = File::create(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
        (path, file)
    }

    #[test]
    fn only_old_unlocked_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let hour = Duration::from_secs(3600);
        let (killed, _) = part(dir.path(), "killed", hour);
        let (writing, held) = part(dir.path(), "writing", hour);
        held.try_lock().unwrap();
        let (fresh, _) = part(dir.path(), "fresh", Duration::ZERO);
        let other = dir.path().join(".smsmerge-lock");
        std::fs::write(&other, "").unwrap();
        assert_eq!(
            remove_left_behind(dir.path()),
            std::slice::from_ref(&killed)
        );
        assert!(!killed.exists());
        assert!(writing.exists() && fresh.exists() && other.exists());
    }

    #[test]
    fn a_folder_that_cannot_be_read_removes_nothing() {
        assert!(remove_left_behind(Path::new("/no/such/folder")).is_empty());
    }
}
