//! Panics as smsmerge shows them. A bug of ours prints one line asking to be reported; a
//! panic inside a reader of hostile input (calamine has a few on damaged files) is contained
//! and becomes an ordinary "damaged file" error, with nothing printed by the hook.

use std::cell::Cell;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Replaces the default panic output (a multi-line crash dump) with one line.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if CONTAINED.with(Cell::get) {
            return;
        }
        // The message may quote input (a cell, a file name): shown, never obeyed.
        let line = format!("smsmerge: internal error (please report it): {info}\n");
        let _ = std::io::stderr().write_all(crate::text::printable::printable(&line).as_bytes());
    }));
}

/// Runs `f`, turning a panic into `Err` with its message, silently.
pub fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = CONTAINED.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_owned());
        // An assertion's message spans lines (left/right); errors are one line.
        message.lines().next().unwrap_or_default().to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contained_panic_is_an_error_with_its_message() {
        assert_eq!(contained(|| 7), Ok(7));
        let err = contained(|| -> u8 { panic!("index out of bounds") }).unwrap_err();
        assert_eq!(err, "index out of bounds");
        let err = contained(|| -> u8 { panic!("{} bytes", 3) }).unwrap_err();
        assert_eq!(err, "3 bytes");
        let err = contained(|| assert_eq!(1, 2)).unwrap_err();
        assert_eq!(err, "assertion `left == right` failed");
    }
}
