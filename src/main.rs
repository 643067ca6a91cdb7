//! The `smsmerge` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

/// glibc's allocator spent a fifth of a send's CPU time in malloc and free (many small,
/// short-lived buffers across threads); mimalloc does the same work in a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    smsmerge::cli::panics::install_hook();
    smsmerge::cli::file_size::write_errors_instead_of_signals();
    let cli = smsmerge::cli::args::Cli::parse();
    // The page is a face of its own beside the command line, so the binary starts it.
    let ran = match cli.command {
        smsmerge::cli::args::Command::Ui(args) => smsmerge::ui::run(&args),
        command => smsmerge::cli::run(smsmerge::cli::args::Cli { command }),
    };
    match ran {
        Ok(exit) => exit.into(),
        Err(err) => {
            smsmerge::cli::terminal::error(&err);
            smsmerge::cli::Exit::BadInput.into()
        }
    }
}
