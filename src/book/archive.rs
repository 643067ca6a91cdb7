//! The checks a zip-based workbook passes before a parser sees it: member sizes and
//! compression ratios (zip bombs), the shared-strings count, whole XML, and whether an ods
//! needs the repair of `ods_repair`.

use super::error::*;
use super::ods_repair;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// An archive member may unpack to at most this much.
pub(super) const MAX_MEMBER_BYTES: u64 = 1 << 30;

/// A member this large ...
pub(super) const SUSPECT_MEMBER_BYTES: u64 = 64 << 20;

/// ... that unpacks this many times over is a zip bomb, not a spreadsheet (real sheets and
/// shared strings compress 5 to 20 times).
pub(super) const MAX_RATIO: u64 = 200;

/// More shared strings than any real workbook holds; calamine reserves room for the number a
/// file claims before reading one, so a lie of 10^12 would abort the process.
pub(super) const MAX_SHARED_STRINGS: u64 = 20_000_000;

/// What [`check_archive`] found that the readers must know.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ArchiveShape {
    /// An ods whose content calamine would misread as it is (see `ods_repair`).
    pub(super) ods_needs_repair: bool,
}

/// Refuses zip archives that would unpack to far more than any workbook: calamine unpacks
/// shared strings whole, so a 300 KB file could otherwise take gigabytes.
pub(super) fn check_archive(path: &Path) -> Result<ArchiveShape, BookError> {
    let mut shape = ArchiveShape::default();
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    // An archive zip cannot even list is left to the workbook readers to explain.
    let Ok(mut archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(shape);
    };
    let unsafe_file = |detail: String| BookError::Unsafe {
        path: path.to_owned(),
        detail,
    };
    for i in 0..archive.len() {
        let Ok(member) = archive.by_index_raw(i) else {
            continue;
        };
        let (size, packed) = (member.size(), member.compressed_size().max(1));
        if size > MAX_MEMBER_BYTES || (size > SUSPECT_MEMBER_BYTES && size / packed > MAX_RATIO) {
            return Err(unsafe_file(format!(
                "{} unpacks to {} MiB from {} KiB, which no workbook does (a zip bomb?)",
                member.name().unwrap_or_default(),
                size >> 20,
                packed >> 10
            )));
        }
    }
    if let Ok(mut member) = archive.by_name("META-INF/manifest.xml") {
        // An encrypted ods keeps its manifest readable and says so there; its content.xml
        // is ciphertext, which the check below would call damaged.
        let mut manifest = Vec::new();
        (&mut member)
            .take(1 << 20)
            .read_to_end(&mut manifest)
            .map_err(|e| io_error(path, e))?;
        if manifest
            .windows(b"encryption-data".len())
            .any(|w| w == b"encryption-data")
        {
            return Err(BookError::Encrypted {
                path: path.to_owned(),
            });
        }
    }
    let whole = match archive.by_name(ods_repair::CONTENT) {
        // calamine's ods reader loops forever when the file ends inside a table
        // (an unclosed <table:table>): a truncated or forged ods must be refused first.
        Ok(member) => {
            Some(is_whole_xml(&mut BufReader::new(member)).map_err(|e| io_error(path, e))?)
        }
        Err(_) => None,
    };
    if whole == Some(false) {
        return Err(BookError::Corrupt {
            path: path.to_owned(),
            detail: "content.xml ends inside a table".to_owned(),
        });
    }
    if whole.is_some()
        && let Ok(member) = archive.by_name(ods_repair::CONTENT)
    {
        shape.ods_needs_repair =
            ods_repair::needs_repair(BufReader::new(member)).map_err(|e| io_error(path, e))?;
    }
    if let Ok(member) = archive.by_name("xl/sharedStrings.xml") {
        let mut head = Vec::with_capacity(4096);
        member
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|e| io_error(path, e))?;
        let head = String::from_utf8_lossy(&head);
        for attribute in ["uniqueCount=\"", "count=\""] {
            let claimed = head
                .split(attribute)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(n) = claimed
                && n > MAX_SHARED_STRINGS
            {
                return Err(unsafe_file(format!(
                    "it claims {n} shared strings, more than any workbook holds"
                )));
            }
        }
    }
    Ok(shape)
}

/// Whether an ods content.xml is one whole, well-formed document: every element closed by
/// its own name before the end. calamine's ods reader loops forever on a file that ends
/// inside a table or a cell's comment, so such files are refused before it reads them.
pub(super) fn is_whole_xml(reader: &mut impl BufRead) -> std::io::Result<bool> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut depth: usize = 0;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return Ok(false),
            },
            Ok(quick_xml::events::Event::Eof) => return Ok(depth == 0),
            Ok(_) => {}
            Err(_) => return Ok(false),
        }
        buf.clear();
    }
}
