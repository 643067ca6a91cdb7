//! The `smsmerge` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must read as one line that asks to be reported, not as a crash dump; where it is
    // caught (one row, one message) the run goes on.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(
            std::io::stderr(),
            "smsmerge: internal error (please report it): {info}"
        );
    }));
    let cli = smsmerge::cli::Cli::parse();
    match smsmerge::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // `{:#}` prints the whole chain of context on one line.
            let _ = writeln!(std::io::stderr(), "smsmerge: error: {err:#}");
            smsmerge::Exit::BadInput.into()
        }
    }
}
