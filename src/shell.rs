//! Shell integration: completion scripts (`smsmerge completions SHELL`) and manual pages
//! (`smsmerge man`), both generated from the clap definitions in `cli`, so they always
//! describe the flags the binary really has.

use crate::Exit;
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// The name the scripts complete and the pages are titled by.
const BIN: &str = "smsmerge";

/// `smsmerge completions SHELL`: prints the script on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<Exit> {
    // Generated into memory first: clap_complete panics on a failed write, and a closed pipe
    // (`| head`) is not an error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), BIN, &mut script);
    print(&script)
}

/// `smsmerge man [COMMAND]` prints a page on stdout; `smsmerge man --out DIR` writes them all.
pub fn man(args: &ManArgs) -> Result<Exit> {
    let main = manual();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
        let mut written = String::new();
        write_pages(&main, dir, &mut written)?;
        return print(written.as_bytes());
    }
    let command = match &args.command {
        None => main,
        Some(name) => match main.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = main.get_subcommands().map(|c| c.get_name()).collect();
                bail!("no command {name:?}: the commands are {}", names.join(", "));
            }
        },
    };
    let mut roff = Vec::new();
    page(command).render(&mut roff)?;
    print(&roff)
}

/// The command line as the pages describe it: built, so each subcommand knows its full name
/// (`smsmerge send`), and without clap's `help` subcommand, which needs no page. The main
/// page's NAME line reads "smsmerge - mail-merge for SMS", as whatis and apropos list it.
fn manual() -> clap::Command {
    let mut command = Cli::command()
        .about("mail-merge for SMS")
        .disable_help_subcommand(true);
    command.build();
    command
}

/// The page of one command, its footer naming smsmerge and its version (clap_mangen would
/// name the subcommand: "send 0.1.0").
fn page(command: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(command).source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
}

/// Writes the page of `command` and of each of its subcommands into `dir`, adding a line
/// with each file's path to `written`.
fn write_pages(command: &clap::Command, dir: &Path, written: &mut String) -> Result<()> {
    let path = page(command.clone())
        .generate_to(dir)
        .with_context(|| format!("{}: cannot write a manual page", dir.display()))?;
    written.push_str(&format!("{}\n", path.display()));
    for sub in command.get_subcommands() {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

/// Writes `bytes` to stdout; a reader that went away early (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("stdout"),
        _ => Ok(Exit::Success),
    }
}
