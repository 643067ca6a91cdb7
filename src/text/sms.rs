//! SMS text rules: which encoding a message needs, what it costs in segments,
//! and the hex wire form the SMS API takes for Unicode text.
//!
//! Boundary: this module is pure text in, facts out. It takes a `&str` and
//! answers with an [`Encoding`], a unit count, a segment count or a hex string.
//! It knows nothing about spreadsheets, templates, recipients or HTTP; callers
//! decide what to do with the answers (warn, reject, pick `dcs=1`, bill).
//!
//! The rules come from 3GPP TS 23.038 (the GSM 7-bit default alphabet and its
//! extension table) and TS 23.040 (concatenated SMS): a single message holds
//! 160 septets or 70 UTF-16 units; a multi-part message loses room to the
//! concatenation header and holds 153 septets or 67 units per part, and a
//! two-unit character (a GSM-7 escape pair or a UTF-16 surrogate pair) is never
//! split across parts. Android's `GsmAlphabet.java` follows the same rules.

use std::fmt;

/// How a message goes on the wire.
///
/// Exists so that callers can pick the API's data coding (plain text for
/// GSM-7, `dcs=1` with [`ucs2_hex`] for UCS-2) and show the user why a message
/// costs what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// The GSM 7-bit default alphabet, with its extension table.
    Gsm7,
    /// UCS-2 / UTF-16: two bytes per unit, surrogate pairs for characters
    /// outside the Basic Multilingual Plane.
    Ucs2,
}

impl Encoding {
    /// The conventional name of the encoding, so reports and logs spell it the
    /// same way everywhere: `"GSM-7"` or `"UCS-2"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

/// Prints the same text as [`Encoding::as_str`], so an `Encoding` can go
/// straight into messages and output cells.
impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a text costs: its encoding, its length in that encoding's units, and
/// the number of SMS segments (parts) it is sent as.
///
/// Exists so that one call ([`analyze`]) answers every cost question and no
/// caller re-derives segment counts on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsInfo {
    /// The encoding the text must be sent in.
    pub encoding: Encoding,
    /// Septets for GSM-7 (an extension character counts 2); UTF-16 code units
    /// for UCS-2 (a character outside the BMP, such as an emoji, counts 2).
    pub units: usize,
    /// Number of SMS parts; 0 for the empty text, otherwise at least 1.
    pub segments: usize,
}

/// Septets in a single-part GSM-7 message.
const GSM7_SINGLE: usize = 160;
/// Septets in each part of a multi-part GSM-7 message (160 minus the header).
const GSM7_MULTI: usize = 153;
/// UTF-16 units in a single-part UCS-2 message.
const UCS2_SINGLE: usize = 70;
/// UTF-16 units in each part of a multi-part UCS-2 message (70 minus the header).
const UCS2_MULTI: usize = 67;

/// Code 0x1B of the basic table: the escape to the extension table, not a
/// character. Its slot in [`GSM7_BASIC`] holds U+001B only to keep the table
/// 128 entries long; lookups skip it.
const GSM7_ESCAPE: usize = 0x1B;

/// The GSM 7-bit default alphabet (TS 23.038 §6.2.1), indexed by its code.
/// Eight entries per line: each line starts at the code in its comment.
#[rustfmt::skip]
const GSM7_BASIC: [char; 128] = [
    /* 0x00 */ '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì',
    /* 0x08 */ 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
    /* 0x10 */ 'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ',
    /* 0x18 */ 'Σ', 'Θ', 'Ξ', '\u{1B}' /* escape, not a char */, 'Æ', 'æ', 'ß', 'É',
    /* 0x20 */ ' ', '!', '"', '#', '¤', '%', '&', '\'',
    /* 0x28 */ '(', ')', '*', '+', ',', '-', '.', '/',
    /* 0x30 */ '0', '1', '2', '3', '4', '5', '6', '7',
    /* 0x38 */ '8', '9', ':', ';', '<', '=', '>', '?',
    /* 0x40 */ '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G',
    /* 0x48 */ 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    /* 0x50 */ 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
    /* 0x58 */ 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
    /* 0x60 */ '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g',
    /* 0x68 */ 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    /* 0x70 */ 'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
    /* 0x78 */ 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// The GSM 7-bit default alphabet extension table (TS 23.038 §6.2.1.1): the
/// code that follows the escape, and the character it stands for. Each costs
/// two septets (escape + code).
const GSM7_EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'), // form feed
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Whether `c` is in the basic table (not counting the escape slot).
fn in_gsm7_basic(c: char) -> bool {
    GSM7_BASIC
        .iter()
        .position(|&t| t == c)
        .is_some_and(|code| code != GSM7_ESCAPE)
}

/// Whether `c` is in the extension table.
fn in_gsm7_extension(c: char) -> bool {
    GSM7_EXTENSION.iter().any(|&(_, t)| t == c)
}

/// Septets of each ASCII character (0 = not GSM-7), derived at compile time from
/// [`GSM7_BASIC`] and [`GSM7_EXTENSION`], so that the common case (Latin text) is one
/// table lookup instead of a scan of both tables per character.
const GSM7_ASCII_SEPTETS: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < GSM7_EXTENSION.len() {
        let c = GSM7_EXTENSION[i].1 as u32;
        if c < 128 {
            table[c as usize] = 2;
        }
        i += 1;
    }
    let mut code = 0;
    while code < GSM7_BASIC.len() {
        let c = GSM7_BASIC[code] as u32;
        if c < 128 && code != GSM7_ESCAPE {
            table[c as usize] = 1;
        }
        code += 1;
    }
    table
};

/// Septets that `c` takes in GSM-7: `Some(1)` for the basic table, `Some(2)`
/// for the extension table (escape + code), `None` when `c` is not GSM-7.
///
/// Exists so that GSM-7 lengths are counted from the tables, one place.
#[must_use]
pub fn gsm7_septets(c: char) -> Option<usize> {
    if let Some(&septets) = GSM7_ASCII_SEPTETS.get(c as usize) {
        return (septets != 0).then_some(usize::from(septets));
    }
    if in_gsm7_basic(c) {
        Some(1)
    } else if in_gsm7_extension(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether `c` can be sent in GSM-7 (basic or extension table).
///
/// Exists so that callers can test single characters, e.g. to suggest
/// replacements for the ones that force UCS-2.
#[must_use]
pub fn is_gsm7(c: char) -> bool {
    gsm7_septets(c).is_some()
}

/// Every character of `text` that forces UCS-2, as `(char index, char)` with a
/// 0-based index counted in `char`s (not bytes).
///
/// Exists so that a caller can tell the user exactly which characters made a
/// message Unicode (and so shorter per segment), e.g. a curly quote.
#[must_use]
pub fn non_gsm7_chars(text: &str) -> Vec<(usize, char)> {
    text.chars()
        .enumerate()
        .filter(|&(_, c)| !is_gsm7(c))
        .collect()
}

/// Decides the encoding of `text`, its length in that encoding's units and
/// the number of segments it is sent as. This is the one place that decides;
/// every other module asks here.
///
/// The text is GSM-7 if every character is in the basic or extension table,
/// UCS-2 otherwise. Segments are counted by filling parts greedily, so that a
/// two-unit character that does not fit at the end of a part starts the next
/// one (which is why the count is not a plain division).
///
/// The empty text gives GSM-7, 0 units and **0 segments**: it is not a
/// message (callers reject empty messages before sending), and 0 keeps
/// "segments × recipients" sums honest.
#[must_use]
pub fn analyze(text: &str) -> SmsInfo {
    // One pass for the usual short message: the septet count decides both the encoding and,
    // when it fits in one part, the segments.
    let mut septets = 0;
    let all_gsm7 = text.chars().all(|c| match gsm7_septets(c) {
        Some(n) => {
            septets += n;
            true
        }
        None => false,
    });
    if all_gsm7 {
        if septets <= GSM7_SINGLE {
            return SmsInfo {
                encoding: Encoding::Gsm7,
                units: septets,
                segments: usize::from(septets > 0),
            };
        }
        // Every char is GSM-7 here, so the fallback is never taken.
        let costs = text.chars().map(|c| gsm7_septets(c).unwrap_or(1));
        info(Encoding::Gsm7, costs, GSM7_SINGLE, GSM7_MULTI)
    } else {
        let costs = text.chars().map(char::len_utf16);
        info(Encoding::Ucs2, costs, UCS2_SINGLE, UCS2_MULTI)
    }
}

/// Builds an [`SmsInfo`] from per-character unit costs and the part sizes of
/// the encoding.
fn info<I>(encoding: Encoding, costs: I, single: usize, multi: usize) -> SmsInfo
where
    I: Iterator<Item = usize> + Clone,
{
    let units: usize = costs.clone().sum();
    let segments = match units {
        0 => 0,
        u if u <= single => 1,
        _ => greedy_parts(costs, multi),
    };
    SmsInfo {
        encoding,
        units,
        segments,
    }
}

/// Number of parts of `capacity` units needed to hold characters of the given
/// unit costs in order, never splitting one character across two parts.
fn greedy_parts(costs: impl Iterator<Item = usize>, capacity: usize) -> usize {
    let mut parts = 1;
    let mut used = 0;
    for cost in costs {
        if used + cost > capacity {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    parts
}

/// Upper-case hex digits, indexed by value.
const HEX_DIGITS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F',
];

/// The UCS-2 wire form of `text`: its UTF-16 big-endian code units, four
/// upper-case hex digits each, with surrogate pairs for characters outside the
/// BMP (an emoji gives eight digits).
///
/// Exists because the SMS API takes Unicode text as this hex with `dcs=1`,
/// which survives any URL or charset handling on the way.
#[must_use]
pub fn ucs2_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 4);
    for unit in text.encode_utf16() {
        for shift in [12, 8, 4, 0] {
            out.push(HEX_DIGITS[usize::from((unit >> shift) & 0xF)]);
        }
    }
    out
}

/// Why a string is not valid UCS-2 hex (the inverse of [`ucs2_hex`]).
///
/// Exists so that a bad hex string (e.g. one echoed back by the API or typed
/// by hand) is reported with where and why, not just "invalid".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ucs2HexError {
    /// The number of hex digits is not a multiple of 4 (one code unit is four
    /// digits); this covers an odd length.
    BadLength {
        /// Number of characters in the input.
        len: usize,
    },
    /// A character that is not a hex digit.
    BadDigit {
        /// 0-based character index in the input.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A high surrogate not followed by a low one, or a low surrogate not
    /// preceded by a high one.
    UnpairedSurrogate {
        /// 0-based character index in the input where the unit starts.
        position: usize,
        /// The surrogate code unit.
        unit: u16,
    },
}

impl fmt::Display for Ucs2HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ucs2HexError::BadLength { len } => write!(
                f,
                "UCS-2 hex has {len} digits, not a multiple of 4 (each UTF-16 unit is 4 hex digits)"
            ),
            Ucs2HexError::BadDigit { position, found } => write!(
                f,
                "UCS-2 hex has a non-hex character {found:?} at position {position}"
            ),
            Ucs2HexError::UnpairedSurrogate { position, unit } => write!(
                f,
                "UCS-2 hex has an unpaired surrogate {unit:04X} at position {position}"
            ),
        }
    }
}

impl std::error::Error for Ucs2HexError {}

/// Decodes the wire form made by [`ucs2_hex`] back to text. Accepts upper- and
/// lower-case digits; rejects a length that is not a multiple of 4, any
/// non-hex character and any unpaired surrogate.
///
/// Exists so that the hex form can be checked (round-tripped) and so that hex
/// text coming back from elsewhere can be shown to a person.
///
/// # Errors
///
/// [`Ucs2HexError::BadDigit`] for the first non-hex character,
/// [`Ucs2HexError::BadLength`] when the digit count is not a multiple of 4,
/// [`Ucs2HexError::UnpairedSurrogate`] for the first unpaired surrogate.
pub fn decode_ucs2_hex(hex: &str) -> Result<String, Ucs2HexError> {
    let units = hex_units(hex)?;
    let mut out = String::with_capacity(units.len());
    let mut index = 0;
    for decoded in char::decode_utf16(units.iter().copied()) {
        match decoded {
            Ok(c) => {
                out.push(c);
                index += c.len_utf16();
            }
            Err(e) => {
                return Err(Ucs2HexError::UnpairedSurrogate {
                    position: index * 4,
                    unit: e.unpaired_surrogate(),
                });
            }
        }
    }
    Ok(out)
}

/// Parses `hex` into 16-bit code units, four digits each.
fn hex_units(hex: &str) -> Result<Vec<u16>, Ucs2HexError> {
    let mut digits = Vec::with_capacity(hex.len());
    for (position, found) in hex.chars().enumerate() {
        let value = found
            .to_digit(16)
            .and_then(|d| u16::try_from(d).ok())
            .ok_or(Ucs2HexError::BadDigit { position, found })?;
        digits.push(value);
    }
    if !digits.len().is_multiple_of(4) {
        return Err(Ucs2HexError::BadLength { len: digits.len() });
    }
    Ok(digits
        .chunks_exact(4)
        .map(|quad| quad.iter().fold(0u16, |acc, &d| (acc << 4) | d))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `s` repeated `n` times.
    fn rep(s: &str, n: usize) -> String {
        s.repeat(n)
    }

    /// Every basic-table character, without the escape slot.
    fn basic_chars() -> Vec<char> {
        GSM7_BASIC
            .iter()
            .enumerate()
            .filter(|&(code, _)| code != GSM7_ESCAPE)
            .map(|(_, &c)| c)
            .collect()
    }

    fn extension_chars() -> Vec<char> {
        GSM7_EXTENSION.iter().map(|&(_, c)| c).collect()
    }

    fn all_gsm7_chars() -> Vec<char> {
        let mut v = basic_chars();
        v.extend(extension_chars());
        v
    }

    fn seg(text: &str) -> usize {
        analyze(text).segments
    }

    // ---- tables -------------------------------------------------------

    #[test]
    fn ascii_fast_path_agrees_with_the_tables() {
        for b in 0u8..128 {
            let c = char::from(b);
            let slow = if in_gsm7_basic(c) {
                Some(1)
            } else if in_gsm7_extension(c) {
                Some(2)
            } else {
                None
            };
            assert_eq!(gsm7_septets(c), slow, "{c:?}");
        }
    }

    #[test]
    fn basic_table_spot_checks_against_spec_codes() {
        let expect = [
            (0x00, '@'),
            (0x01, '£'),
            (0x02, '$'),
            (0x03, '¥'),
            (0x09, 'Ç'),
            (0x0A, '\n'),
            (0x0D, '\r'),
            (0x10, 'Δ'),
            (0x11, '_'),
            (0x1C, 'Æ'),
            (0x1E, 'ß'),
            (0x1F, 'É'),
            (0x20, ' '),
            (0x24, '¤'),
            (0x40, '¡'),
            (0x41, 'A'),
            (0x5A, 'Z'),
            (0x5B, 'Ä'),
            (0x5F, '§'),
            (0x60, '¿'),
            (0x61, 'a'),
            (0x7A, 'z'),
            (0x7B, 'ä'),
            (0x7F, 'à'),
        ];
        for (code, c) in expect {
            assert_eq!(GSM7_BASIC[code], c, "code {code:#04X}");
        }
    }

    #[test]
    fn basic_table_has_127_distinct_chars() {
        let mut chars = basic_chars();
        assert_eq!(chars.len(), 127);
        chars.sort_unstable();
        chars.dedup();
        assert_eq!(chars.len(), 127);
    }

    #[test]
    fn greek_capitals_are_the_greek_code_points() {
        assert_eq!(GSM7_BASIC[0x10], '\u{0394}'); // Δ
        assert_eq!(GSM7_BASIC[0x15], '\u{03A9}'); // Ω, not the ohm sign
        assert!(!is_gsm7('\u{2126}')); // OHM SIGN
        assert!(!is_gsm7('\u{2206}')); // INCREMENT
    }

    #[test]
    fn ascii_letters_and_digits_are_basic() {
        for c in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
    }

    #[test]
    fn every_basic_char_is_one_septet() {
        for c in basic_chars() {
            assert!(is_gsm7(c), "{c:?}");
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
    }

    #[test]
    fn every_extension_char_is_two_septets() {
        let expected = ['\u{0C}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];
        assert_eq!(extension_chars(), expected);
        for c in expected {
            assert!(is_gsm7(c), "{c:?}");
            assert_eq!(gsm7_septets(c), Some(2), "{c:?}");
        }
    }

    #[test]
    fn escape_slot_is_not_a_character() {
        assert_eq!(gsm7_septets('\u{1B}'), None);
        assert!(!is_gsm7('\u{1B}'));
    }

    #[test]
    fn common_non_gsm7_chars() {
        let non = [
            'ç', 'á', 'í', 'ó', 'ú', 'ã', '’', '‘', '“', '”', '–', '—', '…', '`', '\t', 'ب', '😀',
            '\u{A0}', '\0', '\u{FFFF}',
        ];
        for c in non {
            assert!(!is_gsm7(c), "{c:?}");
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
    }

    #[test]
    fn capital_c_cedilla_is_gsm7_but_small_is_not() {
        assert_eq!(gsm7_septets('Ç'), Some(1));
        assert_eq!(gsm7_septets('ç'), None);
    }

    #[test]
    fn euro_is_extension() {
        assert_eq!(gsm7_septets('€'), Some(2));
    }

    #[test]
    fn encoding_names() {
        assert_eq!(Encoding::Gsm7.as_str(), "GSM-7");
        assert_eq!(Encoding::Ucs2.as_str(), "UCS-2");
        assert_eq!(Encoding::Gsm7.to_string(), "GSM-7");
        assert_eq!(format!("{}", Encoding::Ucs2), "UCS-2");
    }

    // ---- analyze: basics ----------------------------------------------

    #[test]
    fn empty_text_is_zero_segments() {
        assert_eq!(
            analyze(""),
            SmsInfo {
                encoding: Encoding::Gsm7,
                units: 0,
                segments: 0
            }
        );
    }

    #[test]
    fn plain_text_is_gsm7() {
        assert_eq!(
            analyze("Hello, world!"),
            SmsInfo {
                encoding: Encoding::Gsm7,
                units: 13,
                segments: 1
            }
        );
    }

    #[test]
    fn extension_chars_count_two_septets() {
        assert_eq!(
            analyze("Price: 5€ [x]"),
            SmsInfo {
                encoding: Encoding::Gsm7,
                units: 16,
                segments: 1
            }
        );
    }

    #[test]
    fn one_non_gsm_char_makes_it_ucs2() {
        assert_eq!(
            analyze("It’s 5€"),
            SmsInfo {
                encoding: Encoding::Ucs2,
                units: 7,
                segments: 1
            }
        );
    }

    #[test]
    fn emoji_counts_two_utf16_units() {
        assert_eq!(
            analyze("hi 😀"),
            SmsInfo {
                encoding: Encoding::Ucs2,
                units: 5,
                segments: 1
            }
        );
    }

    #[test]
    fn tab_forces_ucs2() {
        assert_eq!(analyze("a\tb").encoding, Encoding::Ucs2);
    }

    #[test]
    fn newlines_are_gsm7() {
        assert_eq!(
            analyze("a\r\nb"),
            SmsInfo {
                encoding: Encoding::Gsm7,
                units: 4,
                segments: 1
            }
        );
    }

    // ---- segment boundaries --------------------------------------------

    #[test]
    fn gsm7_boundaries() {
        for (n, want) in [
            (1, 1),
            (153, 1),
            (160, 1),
            (161, 2),
            (306, 2),
            (307, 3),
            (459, 3),
            (460, 4),
        ] {
            let info = analyze(&rep("a", n));
            assert_eq!(info.encoding, Encoding::Gsm7);
            assert_eq!(info.units, n);
            assert_eq!(info.segments, want, "{n} septets");
        }
    }

    #[test]
    fn ucs2_boundaries() {
        for (n, want) in [
            (1, 1),
            (67, 1),
            (70, 1),
            (71, 2),
            (134, 2),
            (135, 3),
            (201, 3),
            (202, 4),
        ] {
            let info = analyze(&rep("ب", n));
            assert_eq!(info.encoding, Encoding::Ucs2);
            assert_eq!(info.units, n);
            assert_eq!(info.segments, want, "{n} units");
        }
    }

    #[test]
    fn gsm7_159_plus_euro_is_two_segments() {
        let text = rep("a", 159) + "€";
        assert_eq!(analyze(&text).units, 161);
        assert_eq!(seg(&text), 2);
    }

    #[test]
    fn gsm7_158_plus_euro_is_one_segment() {
        let text = rep("a", 158) + "€";
        assert_eq!(analyze(&text).units, 160);
        assert_eq!(seg(&text), 1);
    }

    #[test]
    fn gsm7_80_euros_is_one_segment() {
        let text = rep("€", 80);
        assert_eq!(
            analyze(&text),
            SmsInfo {
                encoding: Encoding::Gsm7,
                units: 160,
                segments: 1
            }
        );
    }

    #[test]
    fn gsm7_escape_pair_not_split_152_euro_152() {
        // 306 septets: division says 2, but the € cannot straddle the end of
        // part 1, so part 1 holds 152, part 2 holds € + 151, part 3 holds 1.
        let text = rep("a", 152) + "€" + &rep("a", 152);
        assert_eq!(analyze(&text).units, 306);
        assert_eq!(seg(&text), 3);
    }

    #[test]
    fn gsm7_153_euro_151_fits_two_segments() {
        // Part 1 is exactly full; € + 151 fills part 2 exactly.
        let text = rep("a", 153) + "€" + &rep("a", 151);
        assert_eq!(analyze(&text).units, 306);
        assert_eq!(seg(&text), 2);
    }

    #[test]
    fn gsm7_153_euro_152_is_three_segments() {
        let text = rep("a", 153) + "€" + &rep("a", 152);
        assert_eq!(analyze(&text).units, 307);
        assert_eq!(seg(&text), 3);
    }

    #[test]
    fn gsm7_151_euro_fits_at_end_of_part() {
        // 151 + 2 = 153 exactly: the pair fits, no spill.
        let text = rep("a", 151) + "€" + &rep("a", 153);
        assert_eq!(analyze(&text).units, 306);
        assert_eq!(seg(&text), 2);
    }

    #[test]
    fn gsm7_all_euros_over_several_parts() {
        // 76 € (152 septets) per part once multi-part.
        for (n, want) in [
            (80, 1),
            (81, 2),
            (152, 2),
            (153, 3), // 306 septets: division would say 2
            (228, 3),
            (229, 4),
        ] {
            let info = analyze(&rep("€", n));
            assert_eq!(info.units, 2 * n);
            assert_eq!(info.segments, want, "{n} euros");
        }
    }

    #[test]
    fn ucs2_euro_counts_one_unit() {
        let text = String::from("€") + &rep("ب", 69);
        assert_eq!(
            analyze(&text),
            SmsInfo {
                encoding: Encoding::Ucs2,
                units: 70,
                segments: 1
            }
        );
    }

    #[test]
    fn ucs2_surrogate_pair_not_split_66_emoji_66() {
        let text = rep("ب", 66) + "😀" + &rep("ب", 66);
        assert_eq!(analyze(&text).units, 134);
        assert_eq!(seg(&text), 3);
    }

    #[test]
    fn ucs2_65_emoji_fits_at_end_of_part() {
        let text = rep("ب", 65) + "😀" + &rep("ب", 67);
        assert_eq!(analyze(&text).units, 134);
        assert_eq!(seg(&text), 2);
    }

    #[test]
    fn ucs2_70_units_with_emoji_in_middle_is_one_segment() {
        let text = rep("ب", 34) + "😀" + &rep("ب", 34);
        assert_eq!(analyze(&text).units, 70);
        assert_eq!(seg(&text), 1);
    }

    #[test]
    fn ucs2_all_emoji() {
        // 33 emoji (66 units) per part once multi-part.
        for (n, units, want) in [
            (35, 70, 1),
            (36, 72, 2),
            (66, 132, 2),
            (67, 134, 3), // division would say 2
            (99, 198, 3),
            (100, 200, 4),
        ] {
            let info = analyze(&rep("😀", n));
            assert_eq!(info.encoding, Encoding::Ucs2);
            assert_eq!(info.units, units);
            assert_eq!(info.segments, want, "{n} emoji");
        }
    }

    #[test]
    fn gsm7_text_with_one_ucs2_char_uses_ucs2_limits() {
        // 100 plain chars would be 1 GSM-7 segment; one ’ makes it 101 units.
        let text = rep("a", 100) + "’";
        assert_eq!(
            analyze(&text),
            SmsInfo {
                encoding: Encoding::Ucs2,
                units: 101,
                segments: 2
            }
        );
    }

    // ---- non_gsm7_chars ------------------------------------------------

    #[test]
    fn non_gsm7_chars_reports_char_indexes() {
        // Indexes count chars, not bytes: é and € are multi-byte but GSM-7.
        let text = "é€ ça’😀x\tب";
        assert_eq!(
            non_gsm7_chars(text),
            vec![(3, 'ç'), (5, '’'), (6, '😀'), (8, '\t'), (9, 'ب')]
        );
    }

    #[test]
    fn non_gsm7_chars_empty_for_gsm7_text() {
        assert!(non_gsm7_chars("Hello {name}, 5€ @ 10:00").is_empty());
        assert!(non_gsm7_chars("").is_empty());
    }

    // ---- ucs2_hex / decode ---------------------------------------------

    #[test]
    fn ucs2_hex_api_example() {
        // The API doc's example hex, verbatim. Its prose says `Tes` + `تجربة`,
        // but the hex holds nine units: T e s T (0054, capital) and the
        // Arabic word ending in heh U+0647, not teh marbuta U+0629. It must
        // decode to exactly that and encode back to the same hex.
        let hex = "0054006500730054062A062C063106280647";
        let text = "TesT\u{62A}\u{62C}\u{631}\u{628}\u{647}";
        assert_eq!(text, "TesTتجربه");
        assert_eq!(decode_ucs2_hex(hex).as_deref(), Ok(text));
        assert_eq!(ucs2_hex(text), hex);
    }

    #[test]
    fn ucs2_hex_tes_arabic() {
        // The doc's prose text, as written: `Tes` + `تجربة` (ending in U+0629).
        let text = "Tesتجربة";
        let hex = ucs2_hex(text);
        assert_eq!(hex, "005400650073062A062C063106280629");
        assert_eq!(decode_ucs2_hex(&hex).as_deref(), Ok(text));
    }

    #[test]
    fn ucs2_hex_emoji_is_surrogate_pair() {
        assert_eq!(ucs2_hex("😀"), "D83DDE00");
        assert_eq!(decode_ucs2_hex("D83DDE00").as_deref(), Ok("😀"));
    }

    #[test]
    fn ucs2_hex_is_uppercase() {
        assert_eq!(ucs2_hex("€ÿ"), "20AC00FF");
    }

    #[test]
    fn ucs2_hex_empty() {
        assert_eq!(ucs2_hex(""), "");
        assert_eq!(decode_ucs2_hex("").as_deref(), Ok(""));
    }

    #[test]
    fn decode_accepts_lower_and_mixed_case() {
        assert_eq!(decode_ucs2_hex("20ac").as_deref(), Ok("€"));
        assert_eq!(decode_ucs2_hex("d83dDe00").as_deref(), Ok("😀"));
    }

    #[test]
    fn decode_rejects_odd_length() {
        let err = decode_ucs2_hex("00541").unwrap_err();
        assert_eq!(err, Ucs2HexError::BadLength { len: 5 });
        assert_eq!(
            err.to_string(),
            "UCS-2 hex has 5 digits, not a multiple of 4 (each UTF-16 unit is 4 hex digits)"
        );
    }

    #[test]
    fn decode_rejects_even_length_not_multiple_of_four() {
        assert_eq!(
            decode_ucs2_hex("005400"),
            Err(Ucs2HexError::BadLength { len: 6 })
        );
    }

    #[test]
    fn decode_rejects_non_hex_digit() {
        let err = decode_ucs2_hex("0054006G").unwrap_err();
        assert_eq!(
            err,
            Ucs2HexError::BadDigit {
                position: 7,
                found: 'G'
            }
        );
        assert_eq!(
            err.to_string(),
            "UCS-2 hex has a non-hex character 'G' at position 7"
        );
    }

    #[test]
    fn decode_rejects_non_ascii_and_spaces() {
        assert_eq!(
            decode_ucs2_hex("00é4"),
            Err(Ucs2HexError::BadDigit {
                position: 2,
                found: 'é'
            })
        );
        assert_eq!(
            decode_ucs2_hex("0054 0065"),
            Err(Ucs2HexError::BadDigit {
                position: 4,
                found: ' '
            })
        );
    }

    #[test]
    fn decode_rejects_lone_high_surrogate() {
        let err = decode_ucs2_hex("0041D83D0042").unwrap_err();
        assert_eq!(
            err,
            Ucs2HexError::UnpairedSurrogate {
                position: 4,
                unit: 0xD83D
            }
        );
        assert_eq!(
            err.to_string(),
            "UCS-2 hex has an unpaired surrogate D83D at position 4"
        );
    }

    #[test]
    fn decode_rejects_high_surrogate_at_end() {
        assert_eq!(
            decode_ucs2_hex("D83D"),
            Err(Ucs2HexError::UnpairedSurrogate {
                position: 0,
                unit: 0xD83D
            })
        );
    }

    #[test]
    fn decode_rejects_lone_low_surrogate_after_emoji() {
        // The position counts the emoji's two units before it.
        assert_eq!(
            decode_ucs2_hex("D83DDE00DE00"),
            Err(Ucs2HexError::UnpairedSurrogate {
                position: 8,
                unit: 0xDE00
            })
        );
    }

    #[test]
    fn error_is_std_error() {
        let err: Box<dyn std::error::Error> = Box::new(Ucs2HexError::BadLength { len: 1 });
        assert!(err.to_string().contains("not a multiple of 4"));
    }

    // ---- properties ----------------------------------------------------

    fn gsm7_text(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(all_gsm7_chars()), 0..max)
            .prop_map(|v| v.into_iter().collect())
    }

    fn basic_gsm7_text(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(basic_chars()), 0..max)
            .prop_map(|v| v.into_iter().collect())
    }

    /// Reference splitter: builds the parts and checks they respect capacity.
    fn reference_parts(costs: &[usize], single: usize, multi: usize) -> usize {
        let total: usize = costs.iter().sum();
        if total == 0 {
            return 0;
        }
        if total <= single {
            return 1;
        }
        let mut parts: Vec<Vec<usize>> = vec![Vec::new()];
        for &c in costs {
            let fill: usize = parts.last().map_or(0, |p| p.iter().sum());
            if fill + c > multi {
                parts.push(Vec::new());
            }
            if let Some(p) = parts.last_mut() {
                p.push(c);
            }
        }
        assert!(parts.iter().all(|p| p.iter().sum::<usize>() <= multi));
        parts.len()
    }

    proptest! {
        #[test]
        fn prop_analyze_never_panics(s in any::<String>()) {
            let info = analyze(&s);
            prop_assert!(info.segments <= info.units);
        }

        #[test]
        fn prop_non_empty_has_at_least_one_segment(s in ".+") {
            prop_assert!(analyze(&s).segments >= 1);
        }

        #[test]
        fn prop_ucs2_hex_round_trips(s in any::<String>()) {
            let hex = ucs2_hex(&s);
            prop_assert_eq!(hex.len(), 4 * s.encode_utf16().count());
            prop_assert!(hex.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
            prop_assert_eq!(decode_ucs2_hex(&hex), Ok(s.clone()));
            prop_assert_eq!(decode_ucs2_hex(&hex.to_lowercase()), Ok(s));
        }

        #[test]
        fn prop_gsm7_single_iff_at_most_160(s in gsm7_text(200)) {
            let info = analyze(&s);
            prop_assert_eq!(info.encoding, Encoding::Gsm7);
            prop_assume!(!s.is_empty());
            prop_assert_eq!(info.segments == 1, info.units <= 160);
        }

        #[test]
        fn prop_gsm7_units_are_septet_sum(s in gsm7_text(400)) {
            let want: usize = s.chars().filter_map(gsm7_septets).sum();
            prop_assert_eq!(analyze(&s).units, want);
        }

        #[test]
        fn prop_gsm7_basic_only_matches_division(s in basic_gsm7_text(700)) {
            let info = analyze(&s);
            let n = s.chars().count();
            prop_assert_eq!(info.units, n);
            let want = match n { 0 => 0, 1..=160 => 1, _ => n.div_ceil(153) };
            prop_assert_eq!(info.segments, want);
        }

        #[test]
        fn prop_gsm7_segments_match_reference(s in gsm7_text(700)) {
            let costs: Vec<usize> = s.chars().filter_map(gsm7_septets).collect();
            prop_assert_eq!(analyze(&s).segments, reference_parts(&costs, 160, 153));
        }

        #[test]
        fn prop_ucs2_segments_match_reference(s in "[a-zب😀€’]{1,300}") {
            let info = analyze(&s);
            let costs: Vec<usize> = s.chars().map(char::len_utf16).collect();
            let want = if s.chars().all(is_gsm7) {
                let septets: Vec<usize> = s.chars().filter_map(gsm7_septets).collect();
                reference_parts(&septets, 160, 153)
            } else {
                prop_assert_eq!(info.units, s.encode_utf16().count());
                reference_parts(&costs, 70, 67)
            };
            prop_assert_eq!(info.segments, want);
        }

        #[test]
        fn prop_segments_bounded_by_division(s in any::<String>()) {
            let info = analyze(&s);
            let (single, multi) = match info.encoding {
                Encoding::Gsm7 => (160, 153),
                Encoding::Ucs2 => (70, 67),
            };
            if info.units > single {
                // Never fewer than plain division; at most one unit lost per part.
                prop_assert!(info.segments >= info.units.div_ceil(multi));
                prop_assert!(info.segments <= info.units.div_ceil(multi - 1));
            }
        }

        #[test]
        fn prop_encoding_is_gsm7_iff_no_offenders(s in any::<String>()) {
            let offenders = non_gsm7_chars(&s);
            let want = if offenders.is_empty() { Encoding::Gsm7 } else { Encoding::Ucs2 };
            prop_assert_eq!(analyze(&s).encoding, want);
            let chars: Vec<char> = s.chars().collect();
            for (i, c) in offenders {
                prop_assert_eq!(chars[i], c);
                prop_assert!(!is_gsm7(c));
            }
        }
    }
}
