//! Template sheets: a `Templates` sheet of named templates, picked per row
//! by a `template` column or for every row by `--template-name`.

mod common;

use common::{Results, Workdir, expect_exit};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::path::PathBuf;

fn sheet_of(book: &mut Workbook, name: &str, rows: &[&[&str]]) -> Result<(), XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, *cell)?;
            }
        }
    }
    Ok(())
}

const TEMPLATES: &[&[&str]] = &[
    &["name", "text"],
    &["Reminder", "Dear {{Name}}, your appointment is tomorrow."],
    &["promo", "Hi {{Name}}, 20% off this week."],
    &["typo", "Dear {{Nmae}}"],
    &["arabic", "مرحبا {{Name}}"],
];

/// A workbook whose Templates sheet comes first, as people often put it, so the automatic
/// sheet choice must pass over it.
fn book(wd: &Workdir, recipients: &[&[&str]], templates: &[&[&str]]) -> PathBuf {
    wd.xlsx_book("book.xlsx", |book| {
        sheet_of(book, "Templates", templates)?;
        sheet_of(book, "Customers", recipients)
    })
}

fn results(wd: &Workdir) -> Results {
    Results::read(&wd.path("book.results.xlsx"))
}

#[test]
fn a_template_column_picks_a_template_per_row() {
    let wd = Workdir::new();
    let path = book(
        &wd,
        &[
            &["Phone", "Name", "Template", "Message"],
            &["96170000001", "Rana", "reminder", ""],
            &["96170000002", "Karim", " PROMO ", ""],
            &["96170000003", "Maya", "", "Own text for {{Name}}"],
            &["96170000004", "Omar", "birthday", ""],
            &["96170000005", "Ali", "typo", ""],
            &["96170000006", "ليلى", "arabic", ""],
        ],
        TEMPLATES,
    );
    expect_exit(wd.dry_run(&path, &["--sender", "OTSMS"]), 1);
    let r = results(&wd);
    assert_eq!(
        r.statuses(),
        ["READY", "READY", "READY", "INVALID", "INVALID", "READY"]
    );
    assert_eq!(
        r.text(0, "Message"),
        "Dear Rana, your appointment is tomorrow."
    );
    assert_eq!(r.text(1, "Message"), "Hi Karim, 20% off this week.");
    // An empty template cell falls back to the row's own message.
    assert_eq!(r.text(2, "Message"), "Own text for Maya");
    let unknown = r.text(3, "Detail");
    assert!(
        unknown.contains("no template named \"birthday\"")
            && unknown.contains("\"Reminder\", \"promo\", \"typo\", \"arabic\""),
        "{unknown}"
    );
    let typo = r.text(4, "Detail");
    assert!(
        typo.contains("template \"typo\" (Templates row 4)") && typo.contains("Nmae"),
        "{typo}"
    );
    assert_eq!(r.text(5, "Message"), "مرحبا ليلى");
    assert_eq!(r.text(5, "Encoding"), "UCS-2");
}

#[test]
fn template_name_picks_one_template_for_every_row() {
    let wd = Workdir::new();
    let path = book(
        &wd,
        &[
            &["Phone", "Name", "Template"],
            &["96170000001", "Rana", "reminder"],
            &["96170000002", "Karim", "nonsense"],
        ],
        TEMPLATES,
    );
    expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--template-name", "Promo"]),
        0,
    );
    let r = results(&wd);
    assert_eq!(r.statuses(), ["READY", "READY"]);
    assert_eq!(r.text(0, "Message"), "Hi Rana, 20% off this week.");
    assert_eq!(r.text(1, "Message"), "Hi Karim, 20% off this week.");
}

#[test]
fn an_unknown_or_broken_template_name_stops_the_run() {
    let wd = Workdir::new();
    let path = book(
        &wd,
        &[&["Phone", "Name"], &["96170000001", "Rana"]],
        TEMPLATES,
    );
    let stderr = expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--template-name", "welcome"]),
        2,
    );
    assert!(
        stderr.contains("--template-name: no template named \"welcome\"")
            && stderr.contains("\"Reminder\", \"promo\""),
        "{stderr}"
    );
    let stderr = expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--template-name", "typo"]),
        2,
    );
    assert!(stderr.contains("Nmae"), "{stderr}");
    assert!(!wd.path("book.results.xlsx").exists());
}

#[test]
fn template_name_without_a_templates_sheet_says_how_to_add_one() {
    let wd = Workdir::new();
    let path = wd.xlsx_rows("book.xlsx", &[&["Phone", "Name"], &["96170000001", "Rana"]]);
    let stderr = expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--template-name", "promo"]),
        2,
    );
    assert!(
        stderr.contains("there is no sheet named \"Templates\"")
            && stderr.contains("\"name\" and \"text\""),
        "{stderr}"
    );
    let csv = wd.file("book.csv", "Phone,Name\n96170000001,Rana\n");
    let stderr = expect_exit(
        wd.dry_run(&csv, &["--sender", "OTSMS", "--template-name", "promo"]),
        2,
    );
    assert!(stderr.contains("no sheet named \"Templates\""), "{stderr}");
}

#[test]
fn a_template_column_without_a_templates_sheet_is_explained() {
    let wd = Workdir::new();
    let path = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Template"],
            &["96170000001", "Rana", "x"],
        ],
    );
    let stderr = expect_exit(wd.dry_run(&path, &["--sender", "OTSMS"]), 2);
    assert!(
        stderr.contains("has a \"template\" column, which picks templates by name")
            && stderr.contains("no sheet named \"Templates\""),
        "{stderr}"
    );
}

#[test]
fn a_templates_sheet_that_defines_a_name_twice_is_refused() {
    let wd = Workdir::new();
    let path = book(
        &wd,
        &[
            &["Phone", "Name", "Template"],
            &["96170000001", "Rana", "a"],
        ],
        &[
            &["Name", "Text"],
            &["a", "one"],
            &["b", "two"],
            &["A", "three"],
        ],
    );
    let stderr = expect_exit(wd.dry_run(&path, &["--sender", "OTSMS"]), 2);
    assert!(
        stderr.contains("sheet \"Templates\": rows 2 and 4 both define the template \"A\""),
        "{stderr}"
    );
    let stderr = expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--template", "fixed"]),
        0,
    );
    assert!(!stderr.contains("Templates"), "{stderr}");
}

#[test]
fn the_templates_sheet_is_never_taken_for_the_recipients() {
    let wd = Workdir::new();
    // A Templates sheet whose header happens to hold a recipient-like column.
    let path = book(
        &wd,
        &[
            &["Mobile", "Name", "Message"],
            &["96170000001", "Rana", "Hi"],
        ],
        &[&["name", "text", "number"], &["a", "A", "1"]],
    );
    expect_exit(wd.dry_run(&path, &["--sender", "OTSMS"]), 0);
    assert_eq!(results(&wd).text(0, "Recipient"), "96170000001");
}

#[test]
fn a_named_template_is_what_the_simulator_receives() {
    let wd = Workdir::new();
    let path = book(
        &wd,
        &[
            &["Phone", "Name", "Template"],
            &["96170000001", "Rana", "Reminder"],
        ],
        TEMPLATES,
    );
    let mut cmd = wd.command();
    cmd.arg("send")
        .arg(&path)
        .args(["--sender", "OTSMS", "--simulate", "--yes"]);
    expect_exit(cmd, 0);
    let r = Results::read(&wd.simulated_results("book"));
    assert_eq!(r.statuses(), ["SENT"]);
    assert_eq!(
        r.text(0, "Message"),
        "Dear Rana, your appointment is tomorrow."
    );
}

// ---------------------------------------------------------------------------------------------
// `{Name}` where `{{Name}}` was meant

const SINGLE: &str = "single braces are text; did you mean {{Name}}?";

#[test]
fn a_column_in_single_braces_is_a_warning_and_a_note_on_its_rows() {
    let wd = Workdir::new();
    let path = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Message"],
            &["96170000001", "Rana", "Dear {{Name}}, see you."],
            &["96170000002", "Karim", "Dear {name}, see you."],
            &["96170000003", "Maya", "Dear {Name}, see you."],
        ],
    );
    // Each row's own template: only the rows with the typo get the note.
    let stderr = expect_exit(wd.dry_run(&path, &["--sender", "OTSMS"]), 0);
    assert!(
        stderr.contains(
            "warning: the template of 2 rows (the first on row 3): single braces are text; did you mean {{name}}?"
        ),
        "{stderr}"
    );
    let r = results(&wd);
    assert_eq!(r.statuses(), ["READY"; 3]);
    assert_eq!(
        r.column("Note"),
        ["", "single braces are text; did you mean {{name}}?", SINGLE]
    );
    assert_eq!(r.text(2, "Message"), "Dear {Name}, see you.");

    // One template for every row: one warning, every row's Note.
    let stderr = expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--template", "Hi {Name}!"]),
        0,
    );
    assert!(
        stderr.contains(&format!("warning: the template: {SINGLE}")),
        "{stderr}"
    );
    assert_eq!(results(&wd).column("Note"), [SINGLE; 3]);

    // A brace that names no column is just text.
    let stderr = expect_exit(
        wd.dry_run(
            &path,
            &["--sender", "OTSMS", "--template", "Hi {{Name}} {x}"],
        ),
        0,
    );
    assert!(!stderr.contains("single braces"), "{stderr}");
}

#[test]
fn strict_braces_makes_a_column_in_single_braces_an_error() {
    let wd = Workdir::new();
    let path = wd.xlsx_rows(
        "book.xlsx",
        &[
            &["Phone", "Name", "Message"],
            &["96170000001", "Rana", "Dear {{Name}}, see you."],
            &["96170000002", "Maya", "Dear {Name}, see you."],
        ],
    );
    let stderr = expect_exit(
        wd.dry_run(
            &path,
            &[
                "--sender",
                "OTSMS",
                "--template",
                "Hi {Name}!",
                "--strict-braces",
            ],
        ),
        2,
    );
    assert!(
        stderr.contains(&format!("the template: {SINGLE} (--strict-braces)")),
        "{stderr}"
    );
    assert!(!wd.path("book.results.xlsx").exists());

    expect_exit(
        wd.dry_run(&path, &["--sender", "OTSMS", "--strict-braces"]),
        1,
    );
    let r = results(&wd);
    assert_eq!(r.statuses(), ["READY", "INVALID"]);
    assert_eq!(
        r.text(1, "Detail"),
        format!("message template: {SINGLE} (--strict-braces)")
    );
}
