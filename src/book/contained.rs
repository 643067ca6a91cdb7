//! Panics inside a reader of hostile input (calamine has a few on damaged files) are
//! contained here and become an ordinary "damaged file" error. The command line's panic hook
//! asks [`is_contained`] so that it prints nothing for them.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is running a reader under [`contained`]: its panic is an error to
/// report, not a bug to print.
pub fn is_contained() -> bool {
    CONTAINED.with(Cell::get)
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
