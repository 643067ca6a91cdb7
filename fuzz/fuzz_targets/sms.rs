//! SMS text analysis and the UCS-2 hex wire form: never a panic, segment counts that fit the
//! units, and `decode_ucs2_hex(ucs2_hex(s)) == s` for every text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smsmerge::text::sms::{
    Encoding, analyze, decode_ucs2_hex, gsm7_septets, non_gsm7_chars, ucs2_hex,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let info = analyze(&text);
    if text.is_empty() {
        assert_eq!(info.segments, 0);
        assert_eq!(info.units, 0);
    } else {
        assert!(info.segments >= 1, "{text:?}: {info:?}");
        assert!(info.units >= 1, "{text:?}: {info:?}");
    }
    let non_gsm = non_gsm7_chars(&text);
    match info.encoding {
        Encoding::Gsm7 => {
            assert!(non_gsm.is_empty());
            let septets: usize = text.chars().map(|c| gsm7_septets(c).unwrap_or(0)).sum();
            assert_eq!(info.units, septets);
            check_segments(info.units, info.segments, 160, 153);
        }
        Encoding::Ucs2 => {
            assert!(!non_gsm.is_empty());
            assert_eq!(info.units, text.encode_utf16().count());
            check_segments(info.units, info.segments, 70, 67);
        }
    }

    let hex = ucs2_hex(&text);
    assert_eq!(hex.len(), 4 * text.encode_utf16().count());
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
    );
    assert_eq!(decode_ucs2_hex(&hex).as_deref(), Ok(&*text));
    assert_eq!(
        decode_ucs2_hex(&hex.to_ascii_lowercase()).as_deref(),
        Ok(&*text)
    );

    // Arbitrary text as hex: decoded or refused, never a panic; what decodes re-encodes to
    // the same digits (upper-cased).
    if let Ok(raw) = std::str::from_utf8(data)
        && let Ok(decoded) = decode_ucs2_hex(raw)
    {
        assert_eq!(ucs2_hex(&decoded), raw.to_ascii_uppercase());
    }
});

/// A message of `units` fits its parts: one part up to `single`, and otherwise at least
/// ceil(units / multi) parts, at most one more per part for a two-unit character pushed over.
fn check_segments(units: usize, segments: usize, single: usize, multi: usize) {
    if units == 0 {
        return;
    }
    if units <= single {
        assert_eq!(segments, 1, "{units} units");
    } else {
        let least = units.div_ceil(multi);
        assert!(segments >= least, "{units} units in {segments} parts");
        // Each part holds at least multi - 1 units (a pair pushed over wastes one).
        assert!(
            segments <= units.div_ceil(multi - 1),
            "{units} units in {segments} parts"
        );
    }
}
