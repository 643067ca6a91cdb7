//! Panics as smsmerge shows them: a bug of ours prints one line asking to be reported. A
//! panic the workbook reader contains (`book::contained`) prints nothing: it becomes an
//! ordinary "damaged file" error.

use crate::book::contained::is_contained;
use std::io::Write;

/// Replaces the default panic output (a multi-line crash dump) with one line.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if is_contained() {
            return;
        }
        // The message may quote input (a cell, a file name): shown, never obeyed.
        let line = format!("smsmerge: internal error (please report it): {info}\n");
        let _ = std::io::stderr().write_all(crate::text::printable::printable(&line).as_bytes());
    }));
}
