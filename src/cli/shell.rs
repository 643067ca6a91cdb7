//! Shell integration: completion scripts (`smsmerge completions SHELL`) and manual pages
//! (`smsmerge man`), both generated from the clap definitions in `cli`, so they always
//! describe the flags the binary really has.

use crate::cli::Exit;
use crate::cli::args::{Cli, CompletionsArgs, ManArgs};
use crate::cli::help;
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
    render(&command, &mut roff)?;
    print(&roff)
}

/// The page of `command` as clap_mangen lays it out, with the sections a manual page of a
/// command like this one is expected to have (EXAMPLES, EXIT STATUS, ENVIRONMENT, FILES) in
/// place of clap_mangen's single EXTRA section, on the pages whose `--help` has them.
fn render(command: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let man = page(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(out)?;
    }
    if command.get_after_long_help().is_some() {
        let mut text = String::from(".SH EXAMPLES\n.nf\n");
        for line in help::EXAMPLES.lines().skip(1) {
            text.push_str(&roff_line(line));
        }
        text.push_str(".fi\n");
        text.push_str(&roff_section("EXIT STATUS", &help::EXIT_STATUS));
        text.push_str(&roff_section("ENVIRONMENT", &help::ENVIRONMENT));
        text.push_str(&roff_section("FILES", &help::FILES));
        out.write_all(text.as_bytes())?;
    } else if command.get_after_help().is_some() {
        man.render_extra_section(out)?;
    }
    man.render_version_section(out)
}

/// A section of tagged paragraphs: the term in bold, its meaning below.
fn roff_section(title: &str, entries: &[(&str, &str)]) -> String {
    let mut text = format!(".SH \"{title}\"\n");
    for (term, meaning) in entries {
        text.push_str(".TP\n");
        text.push_str(&format!("\\fB{}\\fR\n", roff_escape(term)));
        text.push_str(&roff_line(meaning));
    }
    text
}

/// One line of text for roff: backslashes and hyphens escaped (a bare `-` may print as a
/// hyphen, not the minus a flag needs), and a line that starts like a request made text.
fn roff_line(line: &str) -> String {
    let escaped = roff_escape(line);
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}\n")
    } else {
        format!("{escaped}\n")
    }
}

fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
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
    let path = dir.join(page(command.clone()).get_filename());
    let mut roff = Vec::new();
    render(command, &mut roff)?;
    std::fs::write(&path, roff)
        .with_context(|| format!("{}: cannot write a manual page", path.display()))?;
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
