//! Writing a results file whole or not at all: a temporary file in the destination folder,
//! renamed into place when complete.

use super::csv::*;
use super::types::*;
use super::xlsx::*;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes the results to `path` atomically (temporary file, then rename).
pub fn write(path: &Path, report: &Report<'_>) -> Result<(), ReportError> {
    let format = OutputFormat::from_path(path).unwrap_or(OutputFormat::Xlsx);
    let dir = folder_of(path);
    let io = |source| ReportError::Io {
        path: path.to_owned(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".smsmerge-").suffix(".part");
    // A temporary file is private (0600) by default; the results are an ordinary file that
    // colleagues may need to open, so let the umask decide, as for any file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(io)?;
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
