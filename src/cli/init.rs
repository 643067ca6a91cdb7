//! `smsmerge init [DIR]`: a starter workbook and a commented config file, so a newcomer has
//! something that works to copy from instead of a blank sheet and the README.
//!
//! `recipients.xlsx` sends as it is (`smsmerge send recipients.xlsx --simulate --yes` from
//! DIR, where `smsmerge.toml` supplies the sender and the country code) and explains itself in
//! its Notes sheet. Nothing is ever overwritten: both files are checked before either is
//! written, and each is created only if it does not exist.

use crate::cli::Exit;
use crate::cli::args::InitArgs;
use crate::cli::config;
use crate::cli::terminal;
use anyhow::{Context, Result, bail};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use std::io::Write;
use std::path::Path;

/// The starter workbook's name.
const BOOK_NAME: &str = "recipients.xlsx";

/// The config file: commented, every key the config file knows, no password.
const CONFIG_TEXT: &str = include_str!("init/smsmerge.toml");

/// The recipients sheet: a row per message, each with its own template.
const RECIPIENTS: [[&str; 3]; 3] = [
    ["Phone", "Name", "Message"],
    [
        "03 123 456",
        "Rana",
        "Dear {{Name|customer}}, your order is ready for pickup. Thank you!",
    ],
    [
        "03 987 654",
        "سامي",
        "عزيزي {{Name}}، طلبك جاهز للاستلام. شكرا لك!",
    ],
];

/// Named templates, for a `template` column or `--template-name` to pick from.
const TEMPLATES: [[&str; 2]; 3] = [
    ["name", "text"],
    [
        "reminder",
        "Dear {{Name}}, this is a reminder of your appointment tomorrow. Reply STOP to opt out.",
    ],
    ["reminder-ar", "عزيزي {{Name}}، نذكرك بموعدك غدا."],
];

/// What each part of the workbook is for and how to run it.
const NOTES: [[&str; 2]; 12] = [
    ["Topic", "Explanation"],
    [
        "Recipients sheet",
        "One row per message. smsmerge reads the first sheet that has a Phone column; the header is its first row. Add rows and columns as you need; fully empty rows are skipped.",
    ],
    [
        "Phone",
        "The recipient's number. A national number (03 123 456) needs country_code in smsmerge.toml (or --country-code); a number written with + or 00 (+961 3 123 456) is used as it is. The column is formatted as Text so that Excel keeps leading zeros.",
    ],
    [
        "Name",
        "An example of a column used in messages: any column can be, by its header.",
    ],
    [
        "Message",
        "Each row's message template. {{Name}} is replaced by the row's Name cell. Arabic or emoji make a message UCS-2: 70 characters per SMS instead of 160.",
    ],
    [
        "Placeholders",
        "{{Column}} inserts the cell of that column (case and spaces around the name are ignored). {{Column|text}} inserts text when the cell is empty; without it an empty cell makes the row INVALID, never \"Dear ,\". Single braces are plain text. A placeholder naming no column makes its row INVALID.",
    ],
    [
        "Templates sheet",
        "Named templates (columns name and text): a template column naming one of them, or --template-name NAME for every row, uses it instead of the Message column.",
    ],
    [
        "Sender",
        "The sender id is in smsmerge.toml; a sender column in the Recipients sheet overrides it per row.",
    ],
    [
        "1. Check",
        "smsmerge preview recipients.xlsx: a table of the rendered messages with their status, encoding and segments. Nothing is sent.",
    ],
    [
        "2. Dry run",
        "smsmerge send recipients.xlsx --dry-run: writes recipients.results.xlsx with every row's status (READY, INVALID, DUPLICATE). Nothing is sent.",
    ],
    [
        "3. Simulate",
        "smsmerge send recipients.xlsx --simulate --yes: sends to a simulator inside smsmerge and writes the results. Nothing leaves this computer.",
    ],
    [
        "4. Real send",
        "Set uid, username and password_file in smsmerge.toml (or OTSMS_UID, OTSMS_USERNAME, OTSMS_PASSWORD), set sender to your activated sender id, then run smsmerge send recipients.xlsx. It shows the plan and the balance and asks before sending.",
    ],
];

/// Runs `init`: checks that neither file exists, writes both, says what to run next.
pub fn run(args: &InitArgs) -> Result<Exit> {
    let dir = &args.dir;
    let book_path = dir.join(BOOK_NAME);
    let config_path = dir.join(config::LOCAL_NAME);
    for path in [&book_path, &config_path] {
        // `symlink_metadata`: a dangling link is in the way too.
        if path.symlink_metadata().is_ok() {
            bail!(
                "{} already exists; smsmerge init never overwrites a file: move it away, or choose another DIR (smsmerge init DIR)",
                path.display()
            );
        }
    }
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is a file, not a folder: choose another DIR (smsmerge init DIR)",
            dir.display()
        );
    }
    let book = starter_workbook()
        .map_err(|e| anyhow::anyhow!("cannot build the starter workbook: {e}"))?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    create_new(&book_path, &book)?;
    if let Err(error) = create_new(&config_path, CONFIG_TEXT.as_bytes()) {
        // Leave the folder as it was rather than half set up.
        let _ = std::fs::remove_file(&book_path);
        return Err(error);
    }
    print_next_steps(dir, &book_path, &config_path);
    Ok(Exit::Success)
}

/// Writes a file that must not exist yet: created exclusively, so a file that appeared since
/// the check is not overwritten either.
fn create_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// What was written, and the commands to try next (on stderr, like every message of
/// smsmerge's).
fn print_next_steps(dir: &Path, book: &Path, config: &Path) {
    terminal::note(format!(
        "wrote {} (sheets Recipients, Templates, Notes)",
        book.display()
    ));
    terminal::note(format!(
        "wrote {} (sender and country code; the account is commented out)",
        config.display()
    ));
    let cd = if dir == Path::new(".") || dir == Path::new("") {
        String::new()
    } else {
        format!("\n  cd {}", shell_word(dir))
    };
    terminal::note(format!(
        "next:{cd}\n  smsmerge preview {BOOK_NAME}\n  smsmerge send {BOOK_NAME} --simulate --yes"
    ));
}

/// A path as one shell word, quoted when it needs to be.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = text
        .chars()
        .all(|c| c.is_alphanumeric() || "_-./+,:@".contains(c));
    if plain && !text.is_empty() {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The starter workbook, as the bytes of an xlsx file.
fn starter_workbook() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();

    let sheet = book.add_worksheet().set_name("Recipients")?;
    write_rows(sheet, &RECIPIENTS)?;
    // Typed numbers stay text, so Excel keeps their leading zeros.
    sheet.set_column_format(0, &Format::new().set_num_format("@"))?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 90)?;
    sheet.set_freeze_panes(1, 0)?;

    let sheet = book.add_worksheet().set_name("Templates")?;
    write_rows(sheet, &TEMPLATES)?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 90)?;
    sheet.set_freeze_panes(1, 0)?;

    let sheet = book.add_worksheet().set_name("Notes")?;
    write_rows(sheet, &NOTES)?;
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 100)?;
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.set_column_format(1, &wrap)?;

    book.save_to_buffer()
}

/// Writes rows of text: the first in bold as the header, Arabic right to left.
fn write_rows<const N: usize>(sheet: &mut Worksheet, rows: &[[&str; N]]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let right_to_left = Format::new().set_reading_direction(2);
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                sheet.write_string_with_format(r, c, *cell, &bold)?;
            } else if cell
                .chars()
                .any(|ch| ('\u{0600}'..='\u{06ff}').contains(&ch))
            {
                sheet.write_string_with_format(r, c, *cell, &right_to_left)?;
            } else {
                // Unformatted, so the cell takes its column's format (Text for Phone).
                sheet.write_string(r, c, *cell)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::config::ConfigFile;

    /// The config file as written, read by the loader `send` uses.
    #[test]
    fn the_config_file_is_read_by_the_loader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(config::LOCAL_NAME);
        std::fs::write(&path, CONFIG_TEXT).unwrap();
        let loaded = config::load(Some(&path)).unwrap().unwrap();
        assert_eq!(loaded.file.sender.as_deref(), Some("SMSMERGE"));
        assert_eq!(loaded.file.country_code.as_deref(), Some("961"));
        assert!(loaded.file.password.is_none());
        assert!(loaded.file.password_file.is_none());
    }

    /// Every commented-out setting, once uncommented, is a key the config file knows with a
    /// value it accepts; together they are every key but `password`. Naming every field
    /// without `..` makes a new config key fail to compile here until init documents it.
    #[test]
    fn uncommented_it_sets_every_key_but_the_password() {
        let uncommented: String = CONFIG_TEXT
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") => rest,
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let file: ConfigFile = toml::from_str(&uncommented).unwrap();
        let ConfigFile {
            uid,
            username,
            password,
            password_file,
            sender,
            base_url,
            country_code,
            no_number_check,
            allow_landlines,
            concurrency,
            rate,
            exclude,
            log_file,
            quiet_hours,
            timezone,
            gsm_substitute,
            max_total_segments,
            price_per_segment,
            currency,
            success_pattern,
            header_row,
            skip_hidden_rows,
            time_format,
        } = file;
        assert!(password.is_none(), "the starter config holds no password");
        assert!(uid.is_some() && username.is_some() && password_file.is_some());
        assert!(sender.is_some() && base_url.is_some() && country_code.is_some());
        assert!(concurrency.is_some() && rate.is_some());
        assert_eq!((no_number_check, allow_landlines), (Some(true), Some(true)));
        assert!(exclude.is_some() && log_file.is_some());
        assert!(quiet_hours.is_some() && timezone.is_some());
        assert_eq!(gsm_substitute, Some(true));
        assert!(max_total_segments.is_some() && price_per_segment.is_some());
        assert!(currency.is_some() && success_pattern.is_some());
        assert_eq!(header_row, Some(2));
        assert_eq!(skip_hidden_rows, Some(true));
        assert_eq!(time_format.as_deref(), Some("%I:%M %p"));
    }

    #[test]
    fn no_password_is_written() {
        for line in CONFIG_TEXT.lines() {
            let key = line.trim_start_matches(['#', ' ']);
            assert!(!key.starts_with("password ="), "{line}");
            assert!(!key.starts_with("password="), "{line}");
        }
    }

    #[test]
    fn paths_needing_quotes_are_quoted() {
        assert_eq!(shell_word(Path::new("campaign/march")), "campaign/march");
        assert_eq!(shell_word(Path::new("My Campaign")), "'My Campaign'");
        assert_eq!(shell_word(Path::new("it's")), r"'it'\''s'");
    }
}
