//! `smsmerge init [DIR]`: the starter files it writes work as they are
//! (sent end to end through `--simulate`, with the config found from the folder), explain
//! themselves, and nothing that already exists is ever overwritten.

mod common;

use calamine::{Reader, open_workbook_auto};
use common::{Results, Workdir};
use std::path::Path;

/// A sheet's rows as text.
fn sheet(book: &Path, name: &str) -> Vec<Vec<String>> {
    let mut book = open_workbook_auto(book).expect("open the starter workbook");
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn init_then_send_simulated_sends_every_row() {
    let wd = Workdir::new();
    let out = wd.command().args(["init", "campaign"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("campaign/recipients.xlsx"), "{stderr}");
    assert!(stderr.contains("campaign/smsmerge.toml"), "{stderr}");
    assert!(stderr.contains("cd campaign\n"), "{stderr}");
    assert!(
        stderr.contains("smsmerge send recipients.xlsx --simulate --yes"),
        "{stderr}"
    );

    // The config is found in the folder the command runs in: no --config, no --sender.
    let dir = wd.path("campaign");
    let out = wd
        .command()
        .current_dir(&dir)
        .args(["send", "recipients.xlsx", "--simulate", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A simulation's results sit apart from where a real send's go.
    let results = Results::read(&dir.join("recipients.simulated.xlsx"));
    assert_eq!(results.statuses(), ["SENT", "SENT"]);
    assert_eq!(results.column("Recipient"), ["9613123456", "9613987654"]);
    assert_eq!(results.column("Encoding"), ["GSM-7", "UCS-2"]);
    assert_eq!(
        results.text(0, "Message"),
        "Dear Rana, your order is ready for pickup. Thank you!"
    );
    assert_eq!(
        results.text(1, "Message"),
        "عزيزي سامي، طلبك جاهز للاستلام. شكرا لك!"
    );
}

#[test]
fn the_workbook_has_recipients_templates_and_notes() {
    let wd = Workdir::new();
    wd.command().arg("init").assert().code(0);
    let book = wd.path("recipients.xlsx");
    let names = open_workbook_auto(&book).unwrap().sheet_names();
    assert_eq!(names, ["Recipients", "Templates", "Notes"]);

    let recipients = sheet(&book, "Recipients");
    assert_eq!(recipients[0], ["Phone", "Name", "Message"]);
    assert_eq!(recipients.len(), 3, "a header and two examples");
    assert!(recipients[1][2].contains("{{Name"), "{:?}", recipients[1]);
    assert!(
        recipients[2][1]
            .chars()
            .any(|c| ('\u{600}'..='\u{6ff}').contains(&c))
    );

    let templates = sheet(&book, "Templates");
    assert_eq!(templates[0], ["name", "text"]);
    assert_eq!(templates.len(), 3, "a header and two templates");
    assert!(templates[1..].iter().all(|t| t[1].contains("{{Name}}")));

    let notes = sheet(&book, "Notes").concat().join("\n");
    for topic in [
        "Phone",
        "Name",
        "Message",
        "Placeholders",
        "Templates sheet",
        "--dry-run",
        "--simulate --yes",
        "password_file",
    ] {
        assert!(notes.contains(topic), "Notes say nothing of {topic}");
    }
}

#[test]
fn init_into_the_current_folder_says_no_cd() {
    let wd = Workdir::new();
    let out = wd.command().arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("cd "), "{stderr}");
    assert_eq!(wd.listing(), ["recipients.xlsx", "smsmerge.toml"]);
    let config = std::fs::read_to_string(wd.path("smsmerge.toml")).unwrap();
    assert!(config.contains("OTSMS_PASSWORD") && config.contains("password_file"));
}

#[test]
fn init_creates_nested_folders() {
    let wd = Workdir::new();
    wd.command().args(["init", "a/b/c"]).assert().code(0);
    assert!(wd.path("a/b/c/recipients.xlsx").is_file());
    assert!(wd.path("a/b/c/smsmerge.toml").is_file());
}

/// Either file in the way: exit 2, the error names it and how to get past it, and the folder
/// is exactly as it was (the other file is not written either).
#[test]
fn init_never_overwrites_either_file() {
    for existing in ["recipients.xlsx", "smsmerge.toml"] {
        let wd = Workdir::new();
        wd.file(existing, "mine, keep it");
        let out = wd.command().arg("init").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{existing}: {out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("smsmerge: error: "), "{stderr}");
        assert!(stderr.contains(existing), "{stderr}");
        assert!(stderr.contains("move it"), "{stderr}");
        assert!(stderr.contains("another DIR"), "{stderr}");
        assert_eq!(wd.listing(), [existing], "nothing else was written");
        assert_eq!(
            std::fs::read_to_string(wd.path(existing)).unwrap(),
            "mine, keep it"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_link_in_the_way_is_not_followed() {
    let wd = Workdir::new();
    std::os::unix::fs::symlink(wd.path("elsewhere.toml"), wd.path("smsmerge.toml")).unwrap();
    wd.command().arg("init").assert().code(2);
    assert!(!wd.path("elsewhere.toml").exists());
    assert!(!wd.path("recipients.xlsx").exists());
}

#[test]
fn a_file_where_the_folder_should_be_is_refused() {
    let wd = Workdir::new();
    wd.file("campaign", "not a folder");
    let out = wd.command().args(["init", "campaign"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("campaign"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
