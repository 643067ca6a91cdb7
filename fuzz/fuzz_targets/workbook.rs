//! Opening a workbook made of arbitrary bytes, under every name smsmerge reads: `book::read`
//! returns the table or an error, never panics, and a table it returns is well formed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smsmerge::book::{Headers, SheetChoice, Wanted, read};
use std::path::PathBuf;
use std::sync::{Once, OnceLock};

/// Bigger inputs are skipped so that memory stays bounded (a zip bomb of 64 KiB already
/// inflates to tens of MB).
const MAX_INPUT: usize = 64 * 1024;

const EXTENSIONS: [&str; 5] = ["xlsx", "xls", "xlsb", "ods", "csv"];

/// A folder of this process's own; each input overwrites the same few files.
fn folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("smsmerge-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz folder");
        dir
    })
}

/// `book::read` may contain a panic of a reader (calamine has some on damaged files, which
/// smsmerge reports as damaged files): that is within its contract. libfuzzer-sys aborts on
/// every panic, even a caught one, so its hook is replaced by a silent one, unless
/// `SMSMERGE_FUZZ_STRICT` is set (then calamine's contained panics are found too). A panic
/// that escapes `book::read` still aborts: libfuzzer-sys checks for one after each input.
fn contained_panics_are_errors() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("SMSMERGE_FUZZ_STRICT").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
}

fn check(choice: &SheetChoice, wanted: &Wanted<'_>, path: &std::path::Path) {
    match read(path, choice, wanted) {
        Ok(table) => {
            assert!(!table.headers.is_empty(), "a table without columns");
            assert!(!table.rows.is_empty(), "a table without rows");
            for row in &table.rows {
                assert_eq!(row.cells.len(), table.headers.len(), "row {}", row.number);
                assert!(row.number >= 1);
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    contained_panics_are_errors();
    let phone: &dyn Fn(&Headers) -> bool = &|h| h.find("phone").is_some();
    let any: &dyn Fn(&Headers) -> bool = &|_| true;
    let wanted = |test| Wanted {
        test,
        description: "a phone column".to_owned(),
        hint: "name it".to_owned(),
        suggest: &|_| None,
        header_row: None,
    };
    for ext in EXTENSIONS {
        let path = folder().join(format!("input.{ext}"));
        std::fs::write(&path, data).expect("write the input");
        check(&SheetChoice::Auto, &wanted(phone), &path);
        check(&SheetChoice::Auto, &wanted(any), &path);
        check(&SheetChoice::Named("1".to_owned()), &wanted(any), &path);
    }
});
