//! Hostile input never panics: zip bombs of shared strings, rows as wide as a
//! sheet allows and wider, cells at Excel's length limit and past it, XML entity tricks, NUL
//! bytes, right-to-left overrides, formula-looking text, a CSV of blank lines, a workbook of
//! 200 sheets and truncated workbooks. Every file is generated here, in a temporary folder.
//!
//! Each input goes through the real binary under a wall-time bound (killed after
//! [`WALL_TIME`]), an address-space cap (`prlimit --as`, when prlimit exists) and a peak
//! memory measurement (`/usr/bin/time -f %M`, when it exists); it must end with one clear
//! `smsmerge: error: ...` line and exit code 2, or with a correct result (exit 0 or 1 and the
//! exact statuses), and never with a panic.

mod common;

use calamine::{Data, Reader};
use common::{Results, Workdir};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A run that takes longer is killed and the test fails.
const WALL_TIME: Duration = Duration::from_secs(20);
/// The same for the one input that is slow by nature in a debug build (a million cells to
/// parse), so that a busy CI machine does not fail it.
const SLOW_WALL_TIME: Duration = Duration::from_secs(60);
/// The child's address space: past it an allocation fails and the process aborts, so a
/// runaway allocation fails the test instead of the machine. Generous, because threads and
/// allocator arenas reserve address space they never touch.
const ADDRESS_SPACE_CAP: u64 = 4 << 30;
/// Peak resident memory any hostile input may cost (a plain dry run takes about 20 MiB).
const PEAK_BUDGET_MIB: u64 = 256;

const PRLIMIT: &str = "/usr/bin/prlimit";
const TIME: &str = "/usr/bin/time";
const KILL: &str = "/usr/bin/kill";

/// How one bounded run of smsmerge ended.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// Peak resident set size in KiB, when `/usr/bin/time` could measure it.
    peak_kib: Option<u64>,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    fn peak(&self) -> String {
        match self.peak_kib {
            Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
            None => "not measured (no /usr/bin/time)".to_owned(),
        }
    }
}

/// Runs `smsmerge ARGS` in the workdir, bounded in time (`wall`) and memory; fails the test
/// when the child is killed for taking too long. Prints one line with the outcome, time and
/// peak memory (shown with `--nocapture`).
fn run_bounded(wd: &Workdir, case: &str, args: &[&OsStr], wall: Duration) -> Run {
    let logs = tempfile::tempdir().expect("a folder for the child's output");
    let stdout_path = logs.path().join("stdout");
    let stderr_path = logs.path().join("stderr");
    let peak_path = logs.path().join("peak");
    let mut argv: Vec<OsString> = Vec::new();
    if Path::new(PRLIMIT).exists() {
        argv.extend([
            PRLIMIT.into(),
            format!("--as={ADDRESS_SPACE_CAP}").into(),
            "--".into(),
        ]);
    } else {
        eprintln!("{case}: no {PRLIMIT}, the address space is not capped");
    }
    let measured = Path::new(TIME).exists();
    if measured {
        argv.extend([TIME.into(), "-f".into(), "%M".into(), "-o".into()]);
        argv.push(peak_path.clone().into_os_string());
    }
    argv.push(env!("CARGO_BIN_EXE_smsmerge").into());
    argv.extend(args.iter().map(|a| a.to_os_string()));

    let mut cmd = Command::new(&argv[0]);
    {
        use std::os::unix::process::CommandExt;
        // A group of its own, so that a timeout kills smsmerge and not only its wrappers.
        cmd.process_group(0);
    }
    cmd.args(&argv[1..])
        .current_dir(wd.path(""))
        .env("HOME", wd.path(""))
        .env("XDG_CONFIG_HOME", wd.path(""))
        .env("RUST_BACKTRACE", "1")
        .env_remove("OTSMS_UID")
        .env_remove("OTSMS_USERNAME")
        .env_remove("OTSMS_PASSWORD")
        .env_remove("OTSMS_BASE_URL")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"));
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start smsmerge");
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll smsmerge") {
            break status;
        }
        if started.elapsed() > wall {
            let group = format!("-{}", child.id());
            let _ = Command::new(KILL)
                .args(["-s", "KILL", "--", &group])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("{case}: smsmerge still ran after {wall:?} and was killed; stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let time_report = read(&peak_path);
    let peak_kib = measured
        .then(|| {
            time_report
                .lines()
                .filter_map(|l| l.trim().parse::<u64>().ok())
                .next_back()
        })
        .flatten();
    let run = Run {
        status,
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
        elapsed,
        peak_kib,
    };
    eprintln!(
        "hostile {case}: exit {:?} in {:.2} s, peak {}: {}",
        run.code(),
        run.elapsed.as_secs_f64(),
        run.peak(),
        run.stderr.lines().last().unwrap_or("")
    );
    assert!(
        !time_report.contains("terminated by signal"),
        "{case}: {time_report}; stderr:\n{}",
        run.stderr
    );
    run
}

/// `smsmerge send BOOK --dry-run --sender OTSMS --template TEMPLATE EXTRA...`, bounded.
fn dry_run(wd: &Workdir, case: &str, book: &Path, template: &str, extra: &[&str]) -> Run {
    dry_run_within(wd, case, book, template, extra, WALL_TIME)
}

/// [`dry_run`] with its own time bound.
fn dry_run_within(
    wd: &Workdir,
    case: &str,
    book: &Path,
    template: &str,
    extra: &[&str],
    wall: Duration,
) -> Run {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("send"),
        book.as_os_str(),
        OsStr::new("--dry-run"),
        OsStr::new("--sender"),
        OsStr::new("OTSMS"),
        OsStr::new("--template"),
        OsStr::new(template),
    ];
    args.extend(extra.iter().map(OsStr::new));
    run_bounded(wd, case, &args, wall)
}

/// No panic, no crash, within the memory budget: what every run must show.
#[track_caller]
fn survived(run: &Run) {
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("internal error"),
        "a panic:\n{}",
        run.stderr
    );
    assert!(
        matches!(run.code(), Some(0..=2)),
        "exit {:?}; stderr:\n{}",
        run.status,
        run.stderr
    );
    if let Some(kib) = run.peak_kib {
        assert!(
            kib <= PEAK_BUDGET_MIB * 1024,
            "peak memory {} over the budget of {PEAK_BUDGET_MIB} MiB",
            run.peak()
        );
    }
}

/// The run failed cleanly: exit 2, nothing on stdout, one line `smsmerge: error: ...` holding
/// every needle. Returns that line.
#[track_caller]
fn clean_error(run: &Run, needles: &[&str]) -> String {
    survived(run);
    assert_eq!(run.code(), Some(2), "exit code; stderr:\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one line expected:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.starts_with("smsmerge: error: "),
        "{}",
        run.stderr
    );
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} not in:\n{}",
            run.stderr
        );
    }
    run.stderr.trim_end().to_owned()
}

/// The run finished with `code` (0 or 1) and wrote its results.
#[track_caller]
fn finished(run: &Run, code: i32) {
    survived(run);
    assert_eq!(run.code(), Some(code), "exit code; stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("results written to"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Building workbooks by hand

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const PKG_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The XML declaration every part starts with.
const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// An archive's entries: name and content.
type Entries = Vec<(&'static str, Vec<u8>)>;

/// Writes a zip archive of `entries`, deflated with the zip crate.
fn write_zip(path: &Path, entries: &Entries) {
    use zip::write::SimpleFileOptions;
    let file = std::fs::File::create(path).expect("create the zip");
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).expect("start a zip entry");
        zip.write_all(data).expect("write a zip entry");
    }
    zip.finish()
        .expect("finish the zip")
        .flush()
        .expect("flush the zip");
}

/// The entries of a one-sheet xlsx around `sheet` (the whole sheet XML) and, when given, a
/// shared strings part.
fn xlsx_entries(sheet: String, shared_strings: Option<Vec<u8>>) -> Entries {
    let (shared_type, shared_rel) = if shared_strings.is_some() {
        (
            r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#.to_owned(),
            format!(
                r#"<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>"#
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let content_types = format!(
        r#"{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{shared_type}</Types>"#
    );
    let root_rels = format!(
        r#"{DECL}<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"{DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"{DECL}<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>"#
    );
    let mut entries = vec![
        ("[Content_Types].xml", content_types.into_bytes()),
        ("_rels/.rels", root_rels.into_bytes()),
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ];
    if let Some(xml) = shared_strings {
        entries.push(("xl/sharedStrings.xml", xml));
    }
    entries
}

/// A whole sheet part: `prolog` (a DOCTYPE, say) between the declaration and the root.
fn sheet_xml(prolog: &str, sheet_data: &str) -> String {
    format!(
        r#"{DECL}{prolog}<worksheet xmlns="{MAIN_NS}" xmlns:r="{DOC_RELS}"><sheetData>{sheet_data}</sheetData></worksheet>"#
    )
}

/// A whole shared strings part with these strings.
fn shared_strings_xml(prolog: &str, strings: &[&str]) -> String {
    let mut xml = format!(
        r#"{DECL}{prolog}<sst xmlns="{MAIN_NS}" count="{0}" uniqueCount="{0}">"#,
        strings.len()
    );
    for s in strings {
        write!(xml, "<si><t>{s}</t></si>").expect("write to a String");
    }
    xml.push_str("</sst>");
    xml
}

/// `<c>` of an inline string (the text is put in as is: escape it yourself).
fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// `<c>` of a shared string.
fn shared(cell: &str, index: usize) -> String {
    format!(r#"<c r="{cell}" t="s"><v>{index}</v></c>"#)
}

/// Writes a one-sheet xlsx of these parts.
fn xlsx_file(wd: &Workdir, name: &str, sheet: String, shared: Option<String>) -> PathBuf {
    let path = wd.path(name);
    write_zip(&path, &xlsx_entries(sheet, shared.map(String::into_bytes)));
    path
}

/// The Results sheet of `path` read back, with every cell as text.
fn results(path: &Path) -> Results {
    assert!(path.is_file(), "{} was not written", path.display());
    Results::read(path)
}

/// The results workbook holds no formula anywhere.
#[track_caller]
fn no_formulas(path: &Path) {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("open the results");
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).expect("read formulas");
        let found: Vec<_> = formulas.used_cells().collect();
        assert!(found.is_empty(), "sheet {sheet} holds formulas: {found:?}");
    }
}

/// A results CSV read back as records (BOM dropped).
fn csv_records(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).expect("read the CSV results");
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data)
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Zip bombs of shared strings

/// One entry of a zip archive written by hand: its deflated bytes, CRC-32 and inflated size.
struct Deflated {
    name: &'static str,
    data: Vec<u8>,
    crc: u32,
    size: u32,
}

/// Raw deflate of `data` by a fresh compressor, ended with a sync flush: non-final blocks
/// that refer to nothing before them, so that such segments can be concatenated.
fn deflate_segment(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("deflate");
    encoder.flush().expect("sync flush");
    encoder.get_ref().clone()
}

/// `prefix`, then `chunk` `repeat` times, then `suffix`, deflated without ever deflating
/// (or holding) more than one `chunk`: one compressed copy of it is repeated, and the CRC of
/// the whole is combined from the CRC of one chunk. A 300 MiB part costs a second to make.
fn repeated_entry(
    name: &'static str,
    prefix: &[u8],
    chunk: &[u8],
    repeat: usize,
    suffix: &[u8],
) -> Deflated {
    let mut data = deflate_segment(prefix);
    let one = deflate_segment(chunk);
    data.reserve(one.len() * repeat);
    for _ in 0..repeat {
        data.extend_from_slice(&one);
    }
    data.extend_from_slice(&deflate_segment(suffix));
    // The last block: empty, fixed Huffman codes, BFINAL set.
    data.extend_from_slice(&[0x03, 0x00]);
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix);
    let mut chunk_crc = crc32fast::Hasher::new();
    chunk_crc.update(chunk);
    for _ in 0..repeat {
        crc.combine(&chunk_crc);
    }
    crc.update(suffix);
    let size = prefix.len() + chunk.len() * repeat + suffix.len();
    Deflated {
        name,
        data,
        crc: crc.finalize(),
        size: u32::try_from(size).expect("under 4 GiB"),
    }
}

/// A small entry, deflated whole.
fn deflated_entry(name: &'static str, content: &[u8]) -> Deflated {
    let mut data = deflate_segment(content);
    data.extend_from_slice(&[0x03, 0x00]);
    Deflated {
        name,
        data,
        crc: crc32fast::hash(content),
        size: u32::try_from(content.len()).expect("small"),
    }
}

/// A zip archive of deflated entries, laid out by hand (the zip crate would have to deflate
/// every byte of a bomb itself, which takes minutes in a debug build).
fn deflated_zip(entries: &[Deflated]) -> Vec<u8> {
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = u32::try_from(out.len()).expect("under 4 GiB");
        let compressed = u32::try_from(entry.data.len()).expect("under 4 GiB");
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&8u16.to_le_bytes()); // method: deflate
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&DOS_DATE_1980_01_01.to_le_bytes());
            buf.extend_from_slice(&entry.crc.to_le_bytes());
            buf.extend_from_slice(&compressed.to_le_bytes());
            buf.extend_from_slice(&entry.size.to_le_bytes());
            buf.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(entry.name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).expect("under 4 GiB");
    let count = u16::try_from(entries.len()).expect("few entries");
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

/// An xlsx whose header and one good row come from shared strings 0..=3, and whose shared
/// strings part then goes on with `chunk` `repeat` times (wrapped in `open` .. `close`).
fn shared_strings_bomb(
    wd: &Workdir,
    name: &str,
    (open, chunk, repeat, close): (&[u8], &[u8], usize, &[u8]),
) -> PathBuf {
    let sheet = sheet_xml(
        "",
        &format!(
            r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
            shared("A1", 0),
            shared("B1", 1),
            shared("A2", 2),
            shared("B2", 3)
        ),
    );
    let head = format!(
        r#"{DECL}<sst xmlns="{MAIN_NS}"><si><t>Phone</t></si><si><t>Name</t></si><si><t>+9613123456</t></si><si><t>Ali</t></si>"#
    );
    let mut entries: Vec<Deflated> = xlsx_entries(sheet, Some(Vec::new()))
        .into_iter()
        .filter(|(name, _)| *name != "xl/sharedStrings.xml")
        .map(|(name, content)| deflated_entry(name, &content))
        .collect();
    let prefix = [head.as_bytes(), open].concat();
    let suffix = [close, b"</sst>".as_slice()].concat();
    entries.push(repeated_entry(
        "xl/sharedStrings.xml",
        &prefix,
        chunk,
        repeat,
        &suffix,
    ));
    wd.file(name, deflated_zip(&entries))
}

#[test]
fn the_bomb_builder_makes_archives_that_unpack() {
    // The construction of the bombs below, checked on a small one: every entry unpacks to
    // what was put in, with a matching CRC (the zip crate checks it at the end of an entry).
    use std::io::Read;
    let wd = Workdir::new();
    let chunk = b"<si><t>AAAAAAAA</t></si>".repeat(100);
    let book = shared_strings_bomb(&wd, "small.xlsx", (b"<!-- -->", &chunk, 3, b""));
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&book).expect("open")).expect("a zip");
    let mut text = String::new();
    archive
        .by_name("xl/sharedStrings.xml")
        .expect("the shared strings")
        .read_to_string(&mut text)
        .expect("unpack the shared strings");
    assert!(text.starts_with(DECL), "{text}");
    let tail = format!("<!-- -->{}</sst>", "<si><t>AAAAAAAA</t></si>".repeat(300));
    assert!(text.ends_with(&tail), "{text}");
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("unpack an entry");
    }
    let run = dry_run(&wd, "small bomb", &book, "Hi {{Name}}", &[]);
    finished(&run, 0);
    assert_eq!(
        results(&wd.path("small.results.xlsx")).statuses(),
        ["READY"]
    );
}

/// Bytes in one MiB.
const MIB: usize = 1 << 20;

#[test]
fn zip_bomb_of_many_shared_strings() {
    // 300 MiB of `<si>` elements, about 10 million strings, in a file of a few hundred KiB.
    let wd = Workdir::new();
    let one = b"<si><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></si>"; // 42 bytes
    let chunk = one.repeat(MIB / one.len());
    let book = shared_strings_bomb(&wd, "bomb.xlsx", (b"", &chunk, 300, b""));
    let size = std::fs::metadata(&book).expect("bomb size").len();
    assert!(size < MIB as u64, "the bomb is {size} bytes on disk");
    let run = dry_run(&wd, "zip bomb, many strings", &book, "Hi {{Name}}", &[]);
    bomb_outcome(&wd, &run);
}

#[test]
fn zip_bomb_of_one_huge_shared_string() {
    // One `<si>` of 300 MiB, never referenced by a cell.
    let wd = Workdir::new();
    let chunk = vec![b'A'; MIB];
    let book = shared_strings_bomb(&wd, "bomb.xlsx", (b"<si><t>", &chunk, 300, b"</t></si>"));
    let size = std::fs::metadata(&book).expect("bomb size").len();
    assert!(size < MIB as u64, "the bomb is {size} bytes on disk");
    let run = dry_run(&wd, "zip bomb, one string", &book, "Hi {{Name}}", &[]);
    bomb_outcome(&wd, &run);
}

#[test]
fn zip_bomb_whose_directory_understates_its_size() {
    // The same 300 MiB string, but the zip's headers say the part unpacks to 4 KiB: a check
    // of the declared sizes alone lets it through, and the zip reader does not stop at the
    // declared size (the CRC, which matches, is checked only at the end).
    let wd = Workdir::new();
    let chunk = vec![b'A'; MIB];
    let book = shared_strings_bomb(&wd, "bomb.xlsx", (b"<si><t>", &chunk, 300, b"</t></si>"));
    let mut bytes = std::fs::read(&book).expect("read the bomb");
    let name = b"xl/sharedStrings.xml";
    let mut patched = 0;
    // Both headers (local 0x04034b50, central 0x02014b50) hold the size 4 bytes before the
    // name length; the name follows at 30 (local) or 46 (central) bytes from the signature.
    for (signature, name_at, size_at) in [(0x0403_4b50u32, 30, 22), (0x0201_4b50, 46, 24)] {
        let sig = signature.to_le_bytes();
        let mut at = 0;
        while let Some(found) = bytes[at..].windows(4).position(|w| w == sig) {
            let start = at + found;
            if bytes[start + name_at..].starts_with(name) {
                bytes[start + size_at..start + size_at + 4].copy_from_slice(&4096u32.to_le_bytes());
                patched += 1;
            }
            at = start + 4;
        }
    }
    assert_eq!(patched, 2, "both headers of the shared strings");
    std::fs::write(&book, bytes).expect("write the bomb");
    let run = dry_run(&wd, "zip bomb, understated size", &book, "Hi {{Name}}", &[]);
    bomb_outcome(&wd, &run);
}

/// A bomb is refused with a clear error or read correctly (the good row is READY); either
/// way within the memory budget that `survived` checks.
#[track_caller]
fn bomb_outcome(wd: &Workdir, run: &Run) {
    if run.code() == Some(2) {
        clean_error(run, &["bomb.xlsx"]);
    } else {
        finished(run, 0);
        let r = results(&wd.path("bomb.results.xlsx"));
        assert_eq!(r.statuses(), ["READY"]);
        assert_eq!(r.text(0, "Message"), "Hi Ali");
    }
}

/// A 1 KiB xlsx with a header and one good row, whose `<sst uniqueCount>` claims `count`.
fn unique_count_book(wd: &Workdir, count: &str) -> PathBuf {
    let sheet = sheet_xml(
        "",
        &format!(
            r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
            shared("A1", 0),
            shared("B1", 1),
            shared("A2", 2),
            shared("B2", 3)
        ),
    );
    let strings = shared_strings_xml("", &["Phone", "Name", "+9613123456", "Ali"]).replacen(
        r#"uniqueCount="4""#,
        &format!(r#"uniqueCount="{count}""#),
        1,
    );
    xlsx_file(wd, "count.xlsx", sheet, Some(strings))
}

/// The count is only a hint: the workbook reads correctly, or is refused as damaged.
#[track_caller]
fn unique_count_outcome(wd: &Workdir, run: &Run) {
    if run.code() == Some(2) {
        clean_error(run, &["count.xlsx"]);
    } else {
        finished(run, 0);
        assert_eq!(
            results(&wd.path("count.results.xlsx")).statuses(),
            ["READY"]
        );
    }
}

#[test]
fn shared_strings_claiming_u64_max_unique_strings() {
    // calamine reserves the claimed count up front: "capacity overflow", a panic.
    let wd = Workdir::new();
    let book = unique_count_book(&wd, "18446744073709551615");
    let run = dry_run(&wd, "uniqueCount u64::MAX", &book, "Hi {{Name}}", &[]);
    unique_count_outcome(&wd, &run);
}

#[test]
fn shared_strings_claiming_a_trillion_unique_strings() {
    // 10^12 × 24 bytes is a valid capacity, so the allocation is tried and fails: the process
    // aborts ("memory allocation of 24000000000000 bytes failed"), which no catch_unwind stops.
    let wd = Workdir::new();
    let book = unique_count_book(&wd, "1000000000000");
    let run = dry_run(&wd, "uniqueCount 10^12", &book, "Hi {{Name}}", &[]);
    unique_count_outcome(&wd, &run);
}

// ---------------------------------------------------------------------------------------------
// Wide rows and far cells

/// The header row and one good row, as `<row>` elements.
fn header_and_good_row() -> String {
    format!(
        r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
        inline("A1", "Phone"),
        inline("B1", "Name"),
        inline("A2", "+9613123456"),
        inline("B2", "Ali")
    )
}

/// A clean refusal, or results; never a results write that fails after the plan, nor a
/// warning that lists thousands of column letters.
#[track_caller]
fn wide_outcome(wd: &Workdir, run: &Run, stem: &str) {
    for line in run.stderr.lines() {
        assert!(line.len() <= 2_000, "a line of {} bytes", line.len());
    }
    if run.code() == Some(2) {
        clean_error(run, &[&format!("{stem}.xlsx")]);
    } else {
        finished(run, 1);
        let r = results(&wd.path(&format!("{stem}.results.xlsx")));
        assert_eq!(r.statuses(), ["READY", "INVALID"]);
    }
}

#[test]
fn a_row_filled_from_a_to_xfd() {
    // Every one of the 16 384 columns of row 3 holds a value: the results would need more
    // columns than a sheet has (16 384 + Row + 9 result columns).
    let wd = Workdir::new();
    let mut data = header_and_good_row();
    data.push_str(r#"<row r="3">"#);
    for col in 0..16_384u32 {
        let letters = column_letters(col);
        write!(data, r#"<c r="{letters}3"><v>{col}</v></c>"#).expect("write");
    }
    data.push_str("</row>");
    let book = xlsx_file(&wd, "wide.xlsx", sheet_xml("", &data), None);
    let run = dry_run(&wd, "row A..XFD", &book, "Hi {{Name}}", &[]);
    wide_outcome(&wd, &run, "wide");
}

#[test]
fn a_stray_cell_in_xfd1048576() {
    let wd = Workdir::new();
    let mut data = header_and_good_row();
    data.push_str(&format!(
        r#"<row r="1048576">{}</row>"#,
        inline("XFD1048576", "stray")
    ));
    let book = xlsx_file(&wd, "far.xlsx", sheet_xml("", &data), None);
    let run = dry_run(&wd, "stray XFD1048576", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("far.results.xlsx"));
    assert_eq!(
        r.headers[..4],
        ["Row", "Phone", "Name", "XFD"].map(String::from)
    );
    assert_eq!(r.column("Row"), ["2", "1048576"]);
    assert_eq!(r.statuses(), ["READY", "INVALID"]);
    assert_eq!(r.text(1, "XFD"), "stray");
}

#[test]
fn a_row_of_a_million_cells_without_references() {
    // `<c>` elements without an `r` attribute take the next column: a million of them in one
    // row run far past XFD, where no sheet has columns.
    let wd = Workdir::new();
    let mut data = header_and_good_row();
    data.push_str(r#"<row r="3">"#);
    data.push_str(&"<c><v>7</v></c>".repeat(1 << 20));
    data.push_str("</row>");
    let book = xlsx_file(&wd, "million.xlsx", sheet_xml("", &data), None);
    let run = dry_run_within(
        &wd,
        "row of 1M cells",
        &book,
        "Hi {{Name}}",
        &[],
        SLOW_WALL_TIME,
    );
    wide_outcome(&wd, &run, "million");
}

/// Excel's letters for a 0-based column.
fn column_letters(mut col: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

// ---------------------------------------------------------------------------------------------
// Long cells

#[test]
fn cells_of_32767_characters() {
    // Excel's longest cell, in every column: a name that makes a 32 770-character message, a
    // phone cell of 32 767 digits, and one of 32 767 digits after a 0 (a "national number"
    // whose error quotes the digits).
    let wd = Workdir::new();
    let long_name = "a".repeat(32_767);
    let long_digits = "1".repeat(32_767);
    let national = format!("0{}", "1".repeat(32_766));
    let book = wd.xlsx_rows(
        "long.xlsx",
        &[
            &["Phone", "Name"],
            &["+9613123456", &long_name],
            &[&long_digits, "Ali"],
            &[&national, "Sam"],
        ],
    );
    let run = dry_run(&wd, "32767-char cells", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("long.results.xlsx"));
    assert_eq!(r.statuses(), ["INVALID", "INVALID", "INVALID"]);
    assert_eq!(
        r.text(0, "Name"),
        long_name,
        "the original cell is kept whole"
    );
    assert!(
        r.text(0, "Detail").contains("segments"),
        "{}",
        r.text(0, "Detail")
    );
    for row in 0..3 {
        assert!(r.text(row, "Detail").chars().count() <= 32_767);
    }
    assert!(
        r.text(1, "Detail").contains("too long"),
        "{}",
        r.text(1, "Detail")
    );
}

/// A CSV whose first row's name is 32 767 emoji: 65 534 UTF-16 units, and Excel's limit of
/// 32 767 counts units.
fn emoji_book(wd: &Workdir) -> PathBuf {
    let emoji = "\u{1F600}".repeat(32_767);
    wd.file(
        "emoji.csv",
        format!("Phone,Name\n+9613123456,{emoji}\n+9613123457,Sam\n"),
    )
}

/// The results of the emoji book are written, with cells cut to Excel's limit in UTF-16 units.
#[track_caller]
fn emoji_results(wd: &Workdir, second: &str) {
    let path = if second == "SENT" {
        wd.simulated_results("emoji")
    } else {
        wd.results("emoji")
    };
    let r = results(&path);
    assert_eq!(r.statuses(), ["INVALID", second]);
    for text in r.all_text() {
        assert!(text.encode_utf16().count() <= 32_767);
    }
    assert!(r.text(0, "Name").starts_with("\u{1F600}\u{1F600}"));
}

#[test]
fn cells_of_32767_astral_characters() {
    let wd = Workdir::new();
    let book = emoji_book(&wd);
    let run = dry_run(&wd, "32767 emoji", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    emoji_results(&wd, "READY");
}

#[test]
fn cells_of_32767_astral_characters_after_a_real_send() {
    let wd = Workdir::new();
    let book = emoji_book(&wd);
    let args: Vec<&OsStr> = [
        OsStr::new("send"),
        book.as_os_str(),
        OsStr::new("--sender"),
        OsStr::new("OTSMS"),
        OsStr::new("--template"),
        OsStr::new("Hi {{Name}}"),
        OsStr::new("--simulate"),
        OsStr::new("--yes"),
    ]
    .to_vec();
    let run = run_bounded(&wd, "32767 emoji, simulated send", &args, WALL_TIME);
    finished(&run, 1);
    emoji_results(&wd, "SENT");
}

#[test]
fn a_csv_cell_of_40000_characters() {
    // Longer than any xlsx cell: the results workbook must still be written.
    let wd = Workdir::new();
    let long = "b".repeat(40_000);
    let book = wd.file(
        "long.csv",
        format!("Phone,Name,Notes\n+9613123456,Ali,{long}\n+9613123457,{long},x\n"),
    );
    let run = dry_run(&wd, "40000-char CSV cell", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("long.results.xlsx"));
    assert_eq!(r.statuses(), ["READY", "INVALID"]);
    assert_eq!(
        r.text(0, "Notes").chars().count(),
        32_767,
        "cut to the cell limit"
    );
    assert_eq!(r.text(0, "Message"), "Hi Ali");

    // The CSV results keep every character.
    let run = dry_run(
        &wd,
        "40000-char CSV cell, CSV out",
        &book,
        "Hi {{Name}}",
        &["-o", "out.csv"],
    );
    finished(&run, 1);
    let records = csv_records(&wd.path("out.csv"));
    let notes = records[0].iter().position(|h| h == "Notes").expect("Notes");
    assert_eq!(records[1][notes], long);
}

// ---------------------------------------------------------------------------------------------
// XML entity tricks

/// A DOCTYPE whose entity `lol9` expands to 10^9 "lol"s (3 GB) if anything expands it.
fn billion_laughs(root: &str) -> String {
    let mut dtd = format!(r#"<!DOCTYPE {root} [<!ENTITY lol "lol">"#);
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        let body = format!("&{prev};").repeat(10);
        write!(dtd, r#"<!ENTITY lol{i} "{body}">"#).expect("write");
    }
    dtd.push_str("]>");
    dtd
}

#[test]
fn billion_laughs_in_shared_strings() {
    let wd = Workdir::new();
    let sheet = sheet_xml(
        "",
        &format!(
            r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
            shared("A1", 0),
            shared("B1", 1),
            shared("A2", 2),
            shared("B2", 3)
        ),
    );
    let strings = shared_strings_xml(
        &billion_laughs("sst"),
        &["Phone", "Name", "+9613123456", "&lol9;"],
    );
    let book = xlsx_file(&wd, "laughs.xlsx", sheet, Some(strings));
    let run = dry_run(
        &wd,
        "billion laughs, sharedStrings",
        &book,
        "Hi {{Name}}",
        &[],
    );
    entity_outcome(&wd, &run, "laughs");
}

#[test]
fn billion_laughs_in_the_sheet() {
    let wd = Workdir::new();
    let data = format!(
        r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
        inline("A1", "Phone"),
        inline("B1", "Name"),
        inline("A2", "+9613123456"),
        inline("B2", "&lol9;")
    );
    let book = xlsx_file(
        &wd,
        "laughs.xlsx",
        sheet_xml(&billion_laughs("worksheet"), &data),
        None,
    );
    let run = dry_run(&wd, "billion laughs, sheet", &book, "Hi {{Name}}", &[]);
    entity_outcome(&wd, &run, "laughs");
}

#[test]
fn an_external_entity_pointing_at_etc_passwd() {
    let wd = Workdir::new();
    let xxe = r#"<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#;
    let sheet = sheet_xml(
        r#"<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
        &format!(
            r#"<row r="1">{}{}</row><row r="2">{}{}</row><row r="3">{}{}</row>"#,
            shared("A1", 0),
            shared("B1", 1),
            shared("A2", 2),
            shared("B2", 3),
            inline("A3", "+9613123457"),
            inline("B3", "&xxe;")
        ),
    );
    let strings = shared_strings_xml(xxe, &["Phone", "Name", "+9613123456", "&xxe;"]);
    let book = xlsx_file(&wd, "xxe.xlsx", sheet, Some(strings));
    let run = dry_run(&wd, "external entity", &book, "Hi {{Name}}", &[]);
    assert!(!run.stderr.contains("root:"), "{}", run.stderr);
    entity_outcome(&wd, &run, "xxe");
    let results_path = wd.path("xxe.results.xlsx");
    if results_path.exists() {
        let r = results(&results_path);
        assert!(
            r.all_text().iter().all(|t| !t.contains("root:")),
            "/etc/passwd leaked into the results"
        );
    }
}

#[test]
fn a_doctype_that_is_never_used_is_harmless() {
    // A DOCTYPE with entities that no cell refers to: the sheet reads as usual.
    let wd = Workdir::new();
    let sheet = sheet_xml(&billion_laughs("worksheet"), &header_and_good_row());
    let book = xlsx_file(&wd, "doctype.xlsx", sheet, None);
    let run = dry_run(&wd, "unused DOCTYPE", &book, "Hi {{Name}}", &[]);
    finished(&run, 0);
    let r = results(&wd.path("doctype.results.xlsx"));
    assert_eq!(r.statuses(), ["READY"]);
    assert_eq!(r.text(0, "Message"), "Hi Ali");
}

/// An entity in a cell is refused as a damaged workbook, or read without being expanded.
#[track_caller]
fn entity_outcome(wd: &Workdir, run: &Run, stem: &str) {
    if run.code() == Some(2) {
        clean_error(run, &[&format!("{stem}.xlsx")]);
    } else {
        survived(run);
        let r = results(&wd.path(&format!("{stem}.results.xlsx")));
        for text in r.all_text() {
            assert!(
                text.len() < 10_000,
                "an entity was expanded: {} bytes",
                text.len()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NUL bytes, right-to-left overrides

/// A CSV with NUL bytes inside a name, inside a number, as a whole name and as a whole row.
fn nul_book(wd: &Workdir) -> PathBuf {
    wd.file(
        "nul.csv",
        b"Phone,Name\n+9613123456,Al\0i\n+961\x003123457,Sam\n+9613123458,\0\n\0,\0\n".as_slice(),
    )
}

#[test]
fn nul_bytes_in_a_csv() {
    let wd = Workdir::new();
    let book = nul_book(&wd);
    let run = dry_run(&wd, "NUL in CSV", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("nul.results.xlsx"));
    // Row 5 holds only NUL bytes: it shows as nothing, so it is an empty row, skipped.
    assert_eq!(r.column("Row"), ["2", "3", "4"]);
    assert_eq!(r.text(0, "Name"), "Al\0i", "the NUL survives the results");
    assert_eq!(r.statuses(), ["READY", "INVALID", "INVALID"]);
    assert_eq!(
        r.text(1, "Detail").matches("contains 'U+0000'").count(),
        1,
        "{}",
        r.text(1, "Detail")
    );
    // The CSV results carry the same NUL bytes, and the run still says what it did.
    let run = dry_run(
        &wd,
        "NUL in CSV, CSV out",
        &book,
        "Hi {{Name}}",
        &["-o", "out.csv"],
    );
    finished(&run, 1);
    let records = csv_records(&wd.path("out.csv"));
    assert_eq!(records.len(), 4);
    assert!(records[1].contains(&"Al\0i".to_owned()), "{:?}", records[1]);
}

#[test]
fn a_nul_only_cell_is_blank() {
    // Row 4's name shows as nothing in Excel, so "Hi {{Name}}" must not render "Hi " + NUL:
    // the row is INVALID like any blank name, and no READY message holds a NUL.
    let wd = Workdir::new();
    let book = nul_book(&wd);
    let run = dry_run(&wd, "NUL-only name", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("nul.results.xlsx"));
    assert_eq!(r.statuses()[2], "INVALID", "{:?}", r.column("Message"));
    assert!(
        r.text(2, "Detail").contains("\"Name\" is empty"),
        "{}",
        r.text(2, "Detail")
    );
}

#[test]
fn nul_bytes_in_xlsx_cell_text() {
    // Excel writes a NUL as _x0000_; a raw NUL byte is not XML at all.
    let wd = Workdir::new();
    let data = format!(
        r#"<row r="1">{}{}</row><row r="2">{}{}</row><row r="3">{}{}</row>"#,
        inline("A1", "Phone"),
        inline("B1", "Name"),
        inline("A2", "+9613123456"),
        inline("B2", "Al_x0000_i"),
        inline("A3", "+961\u{0}3123457"),
        inline("B3", "S\u{0}m")
    );
    let book = xlsx_file(&wd, "nul.xlsx", sheet_xml("", &data), None);
    let run = dry_run(&wd, "NUL in xlsx", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("nul.results.xlsx"));
    assert_eq!(r.statuses(), ["READY", "INVALID"]);
    assert_eq!(r.text(0, "Name"), "Al\0i");
    assert_eq!(r.text(0, "Message"), "Hi Al\0i");
    assert!(
        r.text(1, "Detail").contains("contains 'U+0000'"),
        "{}",
        r.text(1, "Detail")
    );
}

#[test]
fn right_to_left_overrides_in_names_and_numbers() {
    // U+202E turns the display of what follows around: "\u{202E}6543213 169+" shows as
    // "+961 3123456".
    // It is invisible formatting: dropped from numbers, trimmed from the edges of a value.
    let wd = Workdir::new();
    let book = wd.xlsx_rows(
        "rtl.xlsx",
        &[
            &["Phone", "Name"],
            &["\u{202E}+9613123456", "\u{202E}Ali"],
            &["+961\u{202E}3123457", "A\u{202E}li"],
            &["\u{202E}6543213 169+", "Sam\u{202C}"],
            &["\u{202E}\u{202D}", "Nobody"],
        ],
    );
    let run = dry_run(&wd, "RTL override", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    let r = results(&wd.path("rtl.results.xlsx"));
    assert_eq!(r.statuses(), ["READY", "READY", "INVALID", "INVALID"]);
    assert_eq!(r.column("Recipient")[..2], ["9613123456", "9613123457"]);
    assert_eq!(r.text(0, "Message"), "Hi Ali");
    assert_eq!(r.text(1, "Message"), "Hi A\u{202E}li");
    assert_eq!(r.text(1, "Encoding"), "UCS-2");
    assert!(r.text(2, "Detail").contains('+'), "{}", r.text(2, "Detail"));
    assert_eq!(r.text(3, "Detail"), "no recipient number");
}

// ---------------------------------------------------------------------------------------------
// Formula-looking text

const FORMULAS: [&str; 5] = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "=1+1",
];

#[test]
fn formula_text_stays_text_in_xlsx_and_csv_results() {
    let wd = Workdir::new();
    let mut rows: Vec<Vec<String>> = vec![vec![
        "Phone".into(),
        "Name".into(),
        "=HYPERLINK(\"http://evil.example\",\"title\")".into(),
    ]];
    for (i, f) in FORMULAS.iter().enumerate() {
        rows.push(vec![
            format!("+96131234{i:02}"),
            (*f).to_owned(),
            (*f).to_owned(),
        ]);
    }
    rows.push(vec!["=9613123456".into(), "Sam".into(), "-1".into()]);
    let table: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = table.iter().map(Vec::as_slice).collect();
    let book = wd.xlsx_rows("evil.xlsx", &slices);
    let run = dry_run(&wd, "formula text, xlsx", &book, "{{Name}}", &[]);
    finished(&run, 1);
    let out = wd.path("evil.results.xlsx");
    no_formulas(&out);
    let r = results(&out);
    let mut expected = vec!["READY"; FORMULAS.len()];
    expected.push("INVALID");
    assert_eq!(r.statuses(), expected);
    for (i, f) in FORMULAS.iter().enumerate() {
        assert_eq!(r.cell(i, "Name"), &Data::String((*f).to_owned()));
        assert_eq!(r.cell(i, "Message"), &Data::String((*f).to_owned()));
    }
    assert_eq!(
        r.headers[3],
        "=HYPERLINK(\"http://evil.example\",\"title\")"
    );

    // CSV results: every field a spreadsheet would run starts with a '.
    let run = dry_run(
        &wd,
        "formula text, CSV",
        &book,
        "{{Name}}",
        &["-o", "evil.csv"],
    );
    finished(&run, 1);
    let records = csv_records(&wd.path("evil.csv"));
    for record in &records {
        for field in record {
            assert!(
                !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a CSV field that runs as a formula: {field:?}"
            );
        }
    }
    let message = records[0]
        .iter()
        .position(|h| h == "Message")
        .expect("Message");
    for (i, f) in FORMULAS.iter().enumerate() {
        assert_eq!(records[i + 1][message], format!("'{f}"));
    }
}

#[test]
fn formula_text_in_a_csv_input() {
    let wd = Workdir::new();
    let mut text = String::from("Phone,Name\n");
    for (i, f) in FORMULAS.iter().enumerate() {
        let quoted = f.replace('"', "\"\"");
        writeln!(text, "+96131234{i:02},\"{quoted}\"").expect("write");
    }
    let book = wd.file("evil.csv", text);
    let run = dry_run(&wd, "formula text, CSV in", &book, "{{Name}}", &[]);
    finished(&run, 0);
    let out = wd.path("evil.results.xlsx");
    no_formulas(&out);
    let r = results(&out);
    for (i, f) in FORMULAS.iter().enumerate() {
        assert_eq!(r.cell(i, "Message"), &Data::String((*f).to_owned()));
    }
}

// ---------------------------------------------------------------------------------------------
// Many lines, many sheets

#[test]
fn a_csv_of_100000_empty_lines() {
    for (case, newline) in [("LF", "\n"), ("CRLF", "\r\n")] {
        let wd = Workdir::new();
        let text = format!(
            "Phone,Name{newline}{}+9613123456,Ali{newline}",
            newline.repeat(100_000)
        );
        let book = wd.file("blank.csv", text);
        let run = dry_run(
            &wd,
            &format!("100000 empty lines, {case}"),
            &book,
            "Hi {{Name}}",
            &[],
        );
        finished(&run, 0);
        let r = results(&wd.path("blank.results.xlsx"));
        assert_eq!(r.column("Row"), ["100002"]);
        assert_eq!(r.statuses(), ["READY"]);
    }
}

#[test]
fn a_csv_of_100000_empty_lines_and_nothing_else() {
    let wd = Workdir::new();
    let book = wd.file("blank.csv", "\n".repeat(100_000));
    let run = dry_run(&wd, "only empty lines", &book, "Hi {{Name}}", &[]);
    clean_error(&run, &["blank.csv"]);
}

/// A workbook of `count` sheets "S1".."Sn", each with a header and one row; `phone_in`
/// names the one sheet (1-based) whose first column is a recipient column.
fn many_sheets(wd: &Workdir, name: &str, count: usize, phone_in: Option<usize>) -> PathBuf {
    wd.xlsx_book(name, |book| {
        for n in 1..=count {
            let ws = book.add_worksheet();
            ws.set_name(format!("S{n}"))?;
            let first = if phone_in == Some(n) { "Phone" } else { "Name" };
            ws.write_string(0, 0, first)?;
            ws.write_string(0, 1, "Notes")?;
            ws.write_string(
                1,
                0,
                if phone_in == Some(n) {
                    "+9613123456"
                } else {
                    "Ali"
                },
            )?;
            ws.write_string(1, 1, "x")?;
        }
        Ok(())
    })
}

#[test]
fn two_hundred_sheets_without_a_recipient_column() {
    let wd = Workdir::new();
    let book = many_sheets(&wd, "sheets.xlsx", 200, None);
    let run = dry_run(&wd, "200 sheets, none usable", &book, "Hi {{Notes}}", &[]);
    let line = clean_error(
        &run,
        &[
            "sheets.xlsx: no sheet has a recipient column",
            "sheet \"S1\" has headers \"Name\", \"Notes\"",
            "sheet \"S200\" has headers",
            "--to",
        ],
    );
    assert!(line.len() < 20_000, "{} bytes", line.len());
}

#[test]
fn two_hundred_sheets_and_the_last_one_is_usable() {
    let wd = Workdir::new();
    let book = many_sheets(&wd, "sheets.xlsx", 200, Some(200));
    let run = dry_run(&wd, "200 sheets, last usable", &book, "Hi {{Notes}}", &[]);
    finished(&run, 0);
    let r = results(&wd.path("sheets.results.xlsx"));
    assert_eq!(r.statuses(), ["READY"]);
    assert_eq!(r.text(0, "Message"), "Hi x");
}

// ---------------------------------------------------------------------------------------------
// Damaged xlsb and ods parts (found by the `zip_parts` fuzz target): calamine panics or loops

/// A fixture archive written again, each entry's content passed through `edit`.
fn rezip_fixture(
    wd: &Workdir,
    fixture: &str,
    name: &str,
    edit: impl Fn(&str, Vec<u8>) -> Vec<u8>,
) -> PathBuf {
    use std::io::Read;
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(source).expect("open the fixture"))
        .expect("a zip");
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let entry_name = entry.name().expect("an entry name").into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("unpack an entry");
        entries.push((entry_name, data));
    }
    let path = wd.path(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create the zip"));
    for (entry_name, data) in entries {
        // An ods names its type in a first, stored entry.
        let method = if entry_name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        let data = edit(&entry_name, data);
        zip.start_file(entry_name, options).expect("start an entry");
        zip.write_all(&data).expect("write an entry");
    }
    zip.finish().expect("finish the zip");
    path
}

/// The records of an xlsb part: (type, data), each written as a variable-length type, a
/// variable-length size and the data (MS-XLSB 2.1.4).
fn xlsb_records(mut bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    fn varint(bytes: &mut &[u8], max_bytes: usize) -> u32 {
        let mut value = 0u32;
        for i in 0..max_bytes {
            let (&b, rest) = bytes.split_first().expect("a record header");
            *bytes = rest;
            value |= u32::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        value
    }
    let mut records = Vec::new();
    while !bytes.is_empty() {
        let typ = varint(&mut bytes, 2);
        let size = varint(&mut bytes, 4) as usize;
        let (data, rest) = bytes.split_at(size);
        records.push((typ, data.to_vec()));
        bytes = rest;
    }
    records
}

/// Writes records back in the form [`xlsb_records`] reads.
fn xlsb_part(records: &[(u32, Vec<u8>)]) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut value: u32) {
        loop {
            let b = (value & 0x7F) as u8;
            value >>= 7;
            if value == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let mut out = Vec::new();
    for (typ, data) in records {
        varint(&mut out, *typ);
        varint(&mut out, u32::try_from(data.len()).expect("a small record"));
        out.extend_from_slice(data);
    }
    out
}

/// contacts.xlsb with its sheet's records passed through `edit`.
fn xlsb_with_sheet(wd: &Workdir, edit: impl Fn(&mut Vec<(u32, Vec<u8>)>)) -> PathBuf {
    xlsb_with_part(wd, "xl/worksheets/sheet1.bin", edit)
}

/// contacts.xlsb with the records of one part passed through `edit`.
fn xlsb_with_part(wd: &Workdir, part: &str, edit: impl Fn(&mut Vec<(u32, Vec<u8>)>)) -> PathBuf {
    rezip_fixture(wd, "contacts.xlsb", "damaged.xlsb", |name, data| {
        if name != part {
            return data;
        }
        let mut records = xlsb_records(&data);
        edit(&mut records);
        xlsb_part(&records)
    })
}

#[test]
fn xlsb_records_are_rewritten_exactly() {
    // The record editor above, checked: reading and writing back changes nothing.
    let wd = Workdir::new();
    let book = xlsb_with_sheet(&wd, |_| {});
    let run = dry_run(&wd, "xlsb rewritten", &book, "Hi {{Name}}", &[]);
    finished(&run, 1);
    assert_eq!(results(&wd.path("damaged.results.xlsx")).rows.len(), 3);
}

/// BrtCellIsst, a cell holding a shared string.
const BRT_CELL_ISST: u32 = 0x07;
/// BrtWsDim, the sheet's dimensions.
const BRT_WS_DIM: u32 = 0x94;

#[test]
fn xlsb_cell_with_a_shared_string_index_out_of_range() {
    // calamine xlsb/cells_reader.rs:151 indexes the shared strings with the cell's isst:
    // "index out of bounds: the len is 9 but the index is 4294967295".
    let wd = Workdir::new();
    let book = xlsb_with_sheet(&wd, |records| {
        let (_, data) = records
            .iter_mut()
            .find(|(typ, _)| *typ == BRT_CELL_ISST)
            .expect("a shared string cell");
        data[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    });
    let run = dry_run(&wd, "xlsb isst out of range", &book, "Hi {{Name}}", &[]);
    clean_error(
        &run,
        &["damaged.xlsb: the workbook is damaged or truncated"],
    );
}

#[test]
fn xlsb_sheet_with_a_short_dimension_record() {
    // calamine xlsb/cells_reader.rs:55 slices 16 bytes of BrtWsDim:
    // "range end index 16 out of range for slice of length 2".
    let wd = Workdir::new();
    let book = xlsb_with_sheet(&wd, |records| {
        let (_, data) = records
            .iter_mut()
            .find(|(typ, _)| *typ == BRT_WS_DIM)
            .expect("a dimension record");
        data.truncate(2);
    });
    let run = dry_run(&wd, "xlsb short BrtWsDim", &book, "Hi {{Name}}", &[]);
    clean_error(
        &run,
        &["damaged.xlsb: the workbook is damaged or truncated"],
    );
}

/// BrtBeginSst, the head of the shared strings.
const BRT_BEGIN_SST: u32 = 0x9F;

#[test]
fn xlsb_shared_strings_with_an_empty_head() {
    // calamine xlsb/mod.rs:275 reads the count at bytes 4..8 of BrtBeginSst:
    // "range start index 4 out of range for slice of length 0".
    let wd = Workdir::new();
    let book = xlsb_with_part(&wd, "xl/sharedStrings.bin", |records| {
        let (_, data) = records
            .iter_mut()
            .find(|(typ, _)| *typ == BRT_BEGIN_SST)
            .expect("the shared strings' head");
        data.clear();
    });
    let run = dry_run(&wd, "xlsb empty BrtBeginSst", &book, "Hi {{Name}}", &[]);
    clean_error(
        &run,
        &["damaged.xlsb: the workbook is damaged or truncated"],
    );
}

#[test]
fn xlsb_sheet_without_its_relationship() {
    // calamine xlsb/mod.rs:312 looks the sheet's r:id up with `relationships[..]`:
    // "no entry found for key".
    let wd = Workdir::new();
    let book = rezip_fixture(&wd, "contacts.xlsb", "damaged.xlsb", |name, data| {
        if name != "xl/_rels/workbook.bin.rels" {
            return data;
        }
        String::from_utf8(data)
            .expect("XML text")
            .replace(r#"Id="rId1""#, r#"Id="rId9""#)
            .into_bytes()
    });
    let run = dry_run(&wd, "xlsb missing relationship", &book, "Hi {{Name}}", &[]);
    clean_error(
        &run,
        &["damaged.xlsb: the workbook is damaged or truncated"],
    );
}

#[test]
fn an_ods_whose_table_never_ends() {
    // content.xml cut just before </table:table>: a truncated ods whose zip is intact.
    let wd = Workdir::new();
    let book = rezip_fixture(&wd, "contacts.ods", "cut.ods", |name, data| {
        if name != "content.xml" {
            return data;
        }
        let end = data
            .windows(14)
            .position(|w| w == b"</table:table>")
            .expect("a table");
        data[..end].to_vec()
    });
    let run = dry_run(&wd, "ods without </table:table>", &book, "Hi {{Name}}", &[]);
    clean_error(&run, &["cut.ods"]);
}

#[test]
fn an_ods_that_fools_the_table_check() {
    // Each content.xml still ends inside a table (or inside a cell's comment, a loop of its
    // own in calamine's get_datatype), but holds as many "</table:table>" as "<table:table ".
    type Edit = fn(&[u8], &[u8]) -> Vec<u8>;
    let cases: [(&str, Edit); 5] = [
        ("comment", |head: &[u8], _: &[u8]| {
            [head, b"<!-- </table:table> -->"].concat()
        }),
        ("CDATA", |head: &[u8], _: &[u8]| {
            [head, b"<![CDATA[</table:table>]]>"].concat()
        }),
        ("attribute", |head: &[u8], _: &[u8]| {
            [head, br#"<text:p x="</table:table>"/>"#.as_slice()].concat()
        }),
        ("close first", |head: &[u8], _: &[u8]| {
            let at = head
                .windows(20)
                .position(|w| w == b"<office:spreadsheet>")
                .expect("a spreadsheet")
                + 20;
            [&head[..at], b"</table:table>", &head[at..]].concat()
        }),
        ("annotation", |head: &[u8], rest: &[u8]| {
            [
                head,
                br#"<table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>note"#.as_slice(),
                rest,
            ]
            .concat()
        }),
    ];
    for (case, edit) in cases {
        let wd = Workdir::new();
        let book = rezip_fixture(&wd, "contacts.ods", "fooled.ods", |name, data| {
            if name != "content.xml" {
                return data;
            }
            let end = data
                .windows(14)
                .position(|w| w == b"</table:table>")
                .expect("a table");
            edit(&data[..end], &data[end..])
        });
        let run = dry_run(&wd, &format!("ods, {case}"), &book, "Hi {{Name}}", &[]);
        clean_error(&run, &["fooled.ods"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Truncated workbooks

/// Cuts a fixture at several points (inside the first header, a quarter, half and three
/// quarters in, just before a zip's end-of-directory record, one byte short) and expects a
/// clean error each time, or, where the cut lost nothing the reader needs, exactly the
/// results of the whole file.
fn truncated(fixture: &str) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let bytes = std::fs::read(&source).expect("read the fixture");
    let len = bytes.len();
    let whole = {
        let wd = Workdir::new();
        let book = wd.file(fixture, &bytes);
        let run = dry_run(&wd, &format!("{fixture} whole"), &book, "Hi {{Name}}", &[]);
        survived(&run);
        let stem = fixture.rsplit_once('.').expect("an extension").0;
        let r = results(&wd.path(&format!("{stem}.results.xlsx")));
        (r.statuses(), r.column("Message"))
    };
    for cut in [1, 30, len / 4, len / 2, len * 3 / 4, len - 22, len - 1] {
        let wd = Workdir::new();
        let book = wd.file(fixture, &bytes[..cut]);
        let run = dry_run(
            &wd,
            &format!("{fixture} cut to {cut} of {len} bytes"),
            &book,
            "Hi {{Name}}",
            &[],
        );
        if run.code() == Some(2) {
            clean_error(&run, &[fixture]);
            assert_eq!(wd.listing(), [fixture], "the run left files behind");
        } else {
            survived(&run);
            let stem = fixture.rsplit_once('.').expect("an extension").0;
            let r = results(&wd.path(&format!("{stem}.results.xlsx")));
            assert_eq!((r.statuses(), r.column("Message")), whole, "cut to {cut}");
        }
    }
}

#[test]
fn an_xls_cut_inside_its_first_sector() {
    // 545 bytes: the 512-byte header and 33 bytes of the first sector, whose FAT calamine
    // reads as u32s after `assert_eq!(len % 4, 0)` (found by the `workbook` fuzz target; the
    // same file named .xlsx reaches it through calamine's password check).
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contacts.xls"))
            .expect("read the fixture");
    for name in ["cut.xls", "cut.xlsx"] {
        let wd = Workdir::new();
        let book = wd.file(name, &bytes[..545]);
        let run = dry_run(
            &wd,
            &format!("{name}, 545 bytes"),
            &book,
            "Hi {{Name}}",
            &[],
        );
        clean_error(
            &run,
            &[&format!("{name}: the workbook is damaged or truncated")],
        );
    }
}

#[test]
fn a_truncated_xlsb() {
    truncated("contacts.xlsb");
}

#[test]
fn a_truncated_ods() {
    truncated("contacts.ods");
}

#[test]
fn a_truncated_xls() {
    truncated("contacts.xls");
}
