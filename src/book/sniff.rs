//! What a file is, from its first bytes rather than its name: a zip (xlsx, xlsb, ods), a
//! compound file (xls, or an encrypted workbook), an Excel 4.0 or older stream, or something
//! else, described for the error.

use super::error::*;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The file's first bytes say what it is, whatever its name says.
#[derive(Debug, PartialEq)]
pub(super) enum Magic {
    Zip,
    Cfb,
    /// A bare BIFF2, BIFF3 or BIFF4 stream (Excel 2.x to 4.0), from before the CFB container.
    OldBiff,
    Other,
}

pub(super) const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub(super) fn sniff(path: &Path) -> Result<Magic, BookError> {
    let mut head = [0u8; 8];
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    let n = read_up_to(&mut file, &mut head).map_err(|e| io_error(path, e))?;
    Ok(if head[..n].starts_with(b"PK") {
        Magic::Zip
    } else if n == 8 && head == CFB_MAGIC {
        Magic::Cfb
    } else if is_old_biff(&head[..n]) {
        Magic::OldBiff
    } else {
        Magic::Other
    })
}

/// A BIFF2–4 file starts with its BOF record: type 0x0009, 0x0209 or 0x0409, then a length of
/// 4 to 16 bytes and a version word.
pub(super) fn is_old_biff(head: &[u8]) -> bool {
    match head {
        [0x09, 0x00 | 0x02 | 0x04, len, 0x00, ..] => (4..=16).contains(len),
        _ => false,
    }
}

pub(super) fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Whether an .xls is protected by a password: its workbook stream starts with a BOF record
/// followed at once by FILEPASS (MS-XLS 2.4.117 says it must come right after). calamine
/// reports RC4 encryption but reads an XOR-obfuscated file as if it were plain, to fail
/// later as "damaged"; this finds both. The stream's first sector holds those two records,
/// so the sectors of the container are looked at directly, without parsing it.
pub(super) fn has_file_pass(path: &Path) -> Result<bool, BookError> {
    const SECTOR: usize = 512;
    /// Enough sectors to reach the workbook stream's first one in any real file.
    const LOOKED_AT: u64 = 1 << 20;
    let mut data = Vec::new();
    File::open(path)
        .map_err(|e| io_error(path, e))?
        .take(LOOKED_AT)
        .read_to_end(&mut data)
        .map_err(|e| io_error(path, e))?;
    let bof = |s: &[u8]| {
        // BOF of the globals substream: BIFF8 (length 16, version 0x0600) or BIFF5 (0x0500).
        matches!(
            s,
            [
                0x09,
                0x08,
                0x10 | 0x08,
                0x00,
                0x00,
                0x06 | 0x05,
                0x05,
                0x00,
                ..
            ]
        )
    };
    Ok(data.chunks(SECTOR).skip(1).any(|sector| {
        if !bof(sector) {
            return false;
        }
        let len = usize::from(u16::from_le_bytes([sector[2], sector[3]]));
        sector.get(4 + len..6 + len) == Some(&[0x2F, 0x00])
    }))
}

/// Says what a file that is not a workbook looks like, so "report.xlsx" that is really a
/// CSV or an HTML export gets an explanation rather than a zip error.
pub(super) fn describe_non_workbook(path: &Path) -> Result<String, BookError> {
    let mut head = vec![0u8; 512];
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    let n = read_up_to(&mut file, &mut head).map_err(|e| io_error(path, e))?;
    let head = &head[..n];
    let text = String::from_utf8_lossy(head).to_lowercase();
    Ok(if text.contains("<html") || text.contains("<table") {
        "it is an HTML page saved with a spreadsheet name".to_owned()
    } else if text.trim_start().starts_with("<?xml") {
        "it is an XML file, perhaps an Excel 2003 XML spreadsheet; save it as .xlsx".to_owned()
    } else if std::str::from_utf8(head).is_ok() {
        "it is plain text; if it is a CSV file, give it the .csv extension".to_owned()
    } else {
        "its content is not a known spreadsheet format".to_owned()
    })
}
