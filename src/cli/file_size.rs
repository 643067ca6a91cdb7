//! A file that grows past the process's file size limit (`ulimit -f`, RLIMIT_FSIZE) is the
//! same trouble as a full disk, but by default the kernel kills the process for it with
//! SIGXFSZ, mid-write: no results, no word of what happened. Ignored, the signal leaves the
//! write to fail with EFBIG, which the journal and the results handle like any full disk.

/// Makes a write over the file size limit an error (EFBIG) rather than a kill. Called once,
/// first thing in `main`.
pub fn write_errors_instead_of_signals() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code and touches
    // no memory of ours; it happens before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
