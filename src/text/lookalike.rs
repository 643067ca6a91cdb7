//! GSM-7 look-alikes: the punctuation, spaces and invisible marks that word processors and
//! phones put into text, that are not in the GSM 7-bit alphabet, and that have an obvious
//! GSM-7 stand-in (’ → `'`, – → `-`, … → `...`, no-break space → space, zero-width space →
//! nothing).
//!
//! Why: one such character turns a whole message into UCS-2, which holds 70 characters per
//! part instead of 160, so a batch can cost two or three times what the user expected. This
//! module says which characters are to blame ([`blockers`]), whether a message is UCS-2
//! only because of them ([`needlessly_ucs2`]) and replaces them ([`substitute`]).
//!
//! Boundary: pure text in, facts out, like [`crate::text::sms`], which alone decides what GSM-7
//! is. Letters are never touched: Arabic, Greek outside GSM-7, emoji, `ç` (GSM-7 has only
//! `Ç`) stay as they are, because replacing a letter changes what the message says.

use crate::text::sms::{self, SmsInfo};

/// Context marks: invisible characters that shape text in scripts GSM-7 cannot carry
/// (the joiners for emoji sequences and Persian, the direction marks for right-to-left text).
/// [`substitute`] removes them only when the text becomes GSM-7 by it, where they mean
/// nothing; in a text that stays UCS-2 they would break an emoji or a word.
const CONTEXT_MARKS: [char; 14] = [
    '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{202A}', '\u{202B}', '\u{202C}',
    '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// The GSM-7 look-alike of `c`, or `None` when `c` has none (or needs none: a GSM-7
/// character is not looked up here).
///
/// Exists as the one table of replacements, so the plan, the substitution and the README
/// agree. Only punctuation, spaces and invisible marks are in it, never letters.
#[must_use]
pub fn lookalike(c: char) -> Option<&'static str> {
    Some(match c {
        // Apostrophes, single quotes and primes.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2039}'
        | '\u{203A}' => "'",
        // Double quotes, double primes and guillemets.
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => "\"",
        // Hyphens, dashes and the minus sign.
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => "-",
        // Horizontal ellipsis.
        '\u{2026}' => "...",
        // No-break and other Unicode spaces.
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        // Zero-width characters, the soft hyphen and direction marks: invisible.
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{061C}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => "",
        _ => return None,
    })
}

/// One character that keeps a text out of GSM-7.
///
/// Exists so the plan can tell the user which character at which place made a message
/// expensive, and whether smsmerge could have avoided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocker {
    /// Position in the text, counted in characters from 1 (as a person counts).
    pub position: usize,
    /// The character.
    pub ch: char,
    /// Its GSM-7 look-alike, if it has one (`""` for an invisible mark).
    pub lookalike: Option<&'static str>,
}

/// Every character of `text` that is not GSM-7, in order, with its position and look-alike.
///
/// Exists so `--gsm-only` and the plan can name the characters that prevent GSM-7.
#[must_use]
pub fn blockers(text: &str) -> Vec<Blocker> {
    sms::non_gsm7_chars(text)
        .into_iter()
        .map(|(i, ch)| Blocker {
            position: i + 1,
            ch,
            lookalike: lookalike(ch),
        })
        .collect()
}

/// True when `text` is UCS-2 only because of characters that all have look-alikes, so
/// [`substitute`] would make it GSM-7.
///
/// Exists so the plan can point at the rows that cost more than they need to.
#[must_use]
pub fn needlessly_ucs2(text: &str) -> bool {
    let mut any = false;
    for c in text.chars().filter(|&c| !sms::is_gsm7(c)) {
        if lookalike(c).is_none() {
            return false;
        }
        any = true;
    }
    any
}

/// A text after [`substitute`], with what was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The text with look-alikes in place.
    pub text: String,
    /// Each replaced character, its replacement and how many times, in order of first
    /// appearance.
    pub replaced: Vec<(char, &'static str, usize)>,
}

/// Replaces every character that has a GSM-7 look-alike and leaves every other character as
/// it is. A needlessly-UCS-2 text becomes GSM-7; a text with Arabic or emoji stays UCS-2, its
/// quotes and dashes replaced but its joiners and direction marks kept (see
/// `CONTEXT_MARKS`).
///
/// Exists for `--gsm-substitute`: the user allows smsmerge to send `'` for `’` to pay for
/// one segment instead of three.
#[must_use]
pub fn substitute(text: &str) -> Substituted {
    if text.is_ascii() {
        return Substituted {
            text: text.to_owned(),
            replaced: Vec::new(),
        };
    }
    let stays_ucs2 = text
        .chars()
        .any(|c| !sms::is_gsm7(c) && lookalike(c).is_none());
    let mut out = String::with_capacity(text.len());
    let mut replaced: Vec<(char, &'static str, usize)> = Vec::new();
    for c in text.chars() {
        let with = if sms::is_gsm7(c) || (stays_ucs2 && CONTEXT_MARKS.contains(&c)) {
            None
        } else {
            lookalike(c)
        };
        match with {
            Some(with) => {
                out.push_str(with);
                match replaced.iter_mut().find(|(r, ..)| *r == c) {
                    Some((.., count)) => *count += 1,
                    None => replaced.push((c, with, 1)),
                }
            }
            None => out.push(c),
        }
    }
    Substituted {
        text: out,
        replaced,
    }
}

/// The characters of `text` that are not GSM-7, as `"ب" at 1, "😀" at 12`, at most `limit`
/// of them and then how many more.
///
/// Exists so `--gsm-only` names what prevents GSM-7 in one short, bounded line.
#[must_use]
pub fn describe_blockers(text: &str, limit: usize) -> String {
    list_blockers(&blockers(text), limit)
}

/// `"’" at 12, U+00A0 at 30`: at most `limit` of them, then how many more.
pub fn list_blockers(all: &[Blocker], limit: usize) -> String {
    let mut parts: Vec<String> = all
        .iter()
        .take(limit)
        .map(|b| format!("{} at {}", shown(b.ch, true), b.position))
        .collect();
    if all.len() > limit {
        parts.push(format!("and {} more", all.len() - limit));
    }
    parts.join(", ")
}

/// A character as a person can read it in a note: itself (in quotes when `quoted`) when it
/// is visible, its code point when it is a space or an invisible mark (a no-break space looks
/// like a space, a zero-width space like nothing).
fn shown(c: char, quoted: bool) -> String {
    let blank = c.is_whitespace() || c.is_control() || matches!(lookalike(c), Some("" | " "));
    match (blank, quoted) {
        (true, _) => format!("U+{:04X}", u32::from(c)),
        (false, true) => format!("\"{c}\""),
        (false, false) => c.to_string(),
    }
}

/// What look-alike characters do to one row's cost. Worked out once, while planning, so the
/// plan on the terminal, the results' `Note` column and the Summary's totals say the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostNote {
    /// The text is UCS-2 only because of characters that have look-alikes; it was not
    /// substituted (no `--gsm-substitute`).
    Avoidable {
        /// The characters that keep the text out of GSM-7, in order.
        blockers: Vec<Blocker>,
        /// Segments as the text stands (UCS-2).
        segments: usize,
        /// Segments it would take in GSM-7 with the look-alikes.
        gsm7_segments: usize,
    },
    /// `--gsm-substitute` replaced look-alikes in the text.
    Replaced {
        /// Each replaced character, its replacement and how many times.
        replaced: Vec<(char, &'static str, usize)>,
        /// The text as rendered, before the replacement.
        before: SmsInfo,
        /// The text as sent.
        after: SmsInfo,
    },
}

impl CostNote {
    /// The note for a text that was not substituted: `Some` when it is needlessly UCS-2.
    #[must_use]
    pub fn avoidable(text: &str, info: SmsInfo) -> Option<CostNote> {
        if info.encoding != sms::Encoding::Ucs2 || !needlessly_ucs2(text) {
            return None;
        }
        Some(CostNote::Avoidable {
            blockers: blockers(text),
            segments: info.segments,
            gsm7_segments: sms::analyze(&substitute(text).text).segments,
        })
    }

    /// Segments the substitution saves (or would save) on this row.
    #[must_use]
    pub fn saving(&self) -> usize {
        match self {
            CostNote::Avoidable {
                segments,
                gsm7_segments,
                ..
            } => segments.saturating_sub(*gsm7_segments),
            CostNote::Replaced { before, after, .. } => {
                before.segments.saturating_sub(after.segments)
            }
        }
    }
}

/// The text of the results' `Note` column.
impl std::fmt::Display for CostNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CostNote::Avoidable {
                blockers,
                segments,
                gsm7_segments,
            } => write!(
                f,
                "UCS-2 only because of {}: {}, {} in GSM-7 with --gsm-substitute",
                list_blockers(blockers, 5),
                crate::text::words::plural(*segments, "segment"),
                gsm7_segments
            ),
            CostNote::Replaced {
                replaced,
                before,
                after,
            } => {
                let what: Vec<String> = replaced
                    .iter()
                    .map(|&(c, with, times)| {
                        let c = shown(c, false);
                        let with = match with {
                            "" => "removed".to_owned(),
                            " " => "→ space".to_owned(),
                            with => format!("→ {with}"),
                        };
                        let times = if times > 1 {
                            format!(" ({times}×)")
                        } else {
                            String::new()
                        };
                        format!("{c} {with}{times}")
                    })
                    .collect();
                // Never starts with "-" or "=": a spreadsheet would take it for a formula.
                write!(f, "Replaced by --gsm-substitute: {}; ", what.join(", "))?;
                let now = crate::text::words::plural(after.segments, "segment");
                match (after.encoding, before.segments == after.segments) {
                    (sms::Encoding::Gsm7, true) => write!(f, "now GSM-7, still {now}"),
                    (sms::Encoding::Gsm7, false) => {
                        write!(f, "now GSM-7, {now} instead of {}", before.segments)
                    }
                    (sms::Encoding::Ucs2, true) => write!(
                        f,
                        "still UCS-2 (other characters have no look-alike), {now} as before"
                    ),
                    (sms::Encoding::Ucs2, false) => write!(
                        f,
                        "still UCS-2 (other characters have no look-alike), {now} instead of {}",
                        before.segments
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::sms::{Encoding, analyze};

    /// Every character with a look-alike, from the table's ranges.
    fn table() -> Vec<char> {
        (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|&c| lookalike(c).is_some())
            .collect()
    }

    #[test]
    fn every_entry_maps_to_gsm7_and_is_not_gsm7_itself() {
        let entries = table();
        assert_eq!(entries.len(), 7 + 7 + 7 + 1 + 15 + 18);
        for c in entries {
            let with = lookalike(c).unwrap_or("?");
            assert!(!sms::is_gsm7(c), "{c:?} is GSM-7 already");
            assert!(with.chars().all(sms::is_gsm7), "{c:?} -> {with:?}");
            assert!(with.chars().all(|w| sms::gsm7_septets(w) == Some(1)));
        }
    }

    #[test]
    fn named_entries() {
        for (c, want) in [
            ('’', "'"),
            ('‘', "'"),
            ('‚', "'"),
            ('′', "'"),
            ('‹', "'"),
            ('›', "'"),
            ('“', "\""),
            ('”', "\""),
            ('„', "\""),
            ('″', "\""),
            ('«', "\""),
            ('»', "\""),
            ('–', "-"),
            ('—', "-"),
            ('−', "-"),
            ('…', "..."),
            ('\u{00A0}', " "),
            ('\u{2009}', " "),
            ('\u{202F}', " "),
            ('\u{3000}', " "),
            ('\u{200B}', ""),
            ('\u{FEFF}', ""),
            ('\u{200F}', ""),
            ('\u{2066}', ""),
        ] {
            assert_eq!(lookalike(c), Some(want), "{c:?}");
        }
    }

    #[test]
    fn letters_and_emoji_have_no_lookalike() {
        for c in ['ç', 'ب', 'α', 'ő', '😀', 'ł', '\t', '•'] {
            assert_eq!(lookalike(c), None, "{c:?}");
        }
        for c in table() {
            assert!(!c.is_alphanumeric(), "{c:?} is a letter or digit");
        }
    }

    #[test]
    fn curly_apostrophe_message_goes_from_three_segments_to_one() {
        let text = format!("{}’{}", "a".repeat(75), "b".repeat(74));
        assert_eq!(text.chars().count(), 150);
        let before = analyze(&text);
        assert_eq!((before.encoding, before.segments), (Encoding::Ucs2, 3));
        assert!(needlessly_ucs2(&text));
        let done = substitute(&text);
        let after = analyze(&done.text);
        assert_eq!((after.encoding, after.segments), (Encoding::Gsm7, 1));
        assert_eq!(done.replaced, vec![('’', "'", 1)]);
    }

    #[test]
    fn arabic_stays_ucs2_and_is_not_needless() {
        let text = "مرحبا بكم";
        assert!(!needlessly_ucs2(text));
        let done = substitute(text);
        assert_eq!(done.text, text);
        assert!(done.replaced.is_empty());
        assert_eq!(analyze(&done.text).encoding, Encoding::Ucs2);
    }

    #[test]
    fn arabic_with_apostrophe_replaces_only_the_apostrophe() {
        let text = "it’s مرحبا";
        assert!(!needlessly_ucs2(text));
        let done = substitute(text);
        assert_eq!(done.text, "it's مرحبا");
        assert_eq!(done.replaced, vec![('’', "'", 1)]);
        assert_eq!(analyze(&done.text).encoding, Encoding::Ucs2);
    }

    #[test]
    fn emoji_untouched_and_their_joiners_kept() {
        let family = "we’re 👨\u{200D}👩\u{200D}👧";
        let done = substitute(family);
        assert_eq!(done.text, "we're 👨\u{200D}👩\u{200D}👧");
        assert!(!needlessly_ucs2(family));
    }

    #[test]
    fn small_c_cedilla_is_a_blocker_without_lookalike() {
        let text = "Ça va, garçon";
        assert_eq!(
            blockers(text),
            vec![Blocker {
                position: 11,
                ch: 'ç',
                lookalike: None
            }]
        );
        assert!(!needlessly_ucs2(text));
        assert_eq!(substitute(text).text, text);
    }

    #[test]
    fn capital_c_cedilla_is_not_a_blocker() {
        assert!(blockers("Ça").is_empty());
        assert!(!needlessly_ucs2("Ça"));
    }

    #[test]
    fn zero_width_and_direction_marks_are_removed_from_latin_text() {
        let text = "\u{FEFF}Hi\u{200B} there\u{200E}\u{200D}!";
        assert!(needlessly_ucs2(text));
        let done = substitute(text);
        assert_eq!(done.text, "Hi there!");
        assert_eq!(analyze(&done.text).encoding, Encoding::Gsm7);
        assert_eq!(done.replaced.len(), 4);
    }

    #[test]
    fn replaced_counts_each_character() {
        let done = substitute("“a” – “b”…");
        assert_eq!(done.text, "\"a\" - \"b\"...");
        assert_eq!(
            done.replaced,
            vec![
                ('“', "\"", 2),
                ('”', "\"", 2),
                ('–', "-", 1),
                ('…', "...", 1)
            ]
        );
    }

    #[test]
    fn blockers_positions_count_characters_from_one() {
        let text = "ب é’😀";
        let got: Vec<(usize, char, Option<&str>)> = blockers(text)
            .into_iter()
            .map(|b| (b.position, b.ch, b.lookalike))
            .collect();
        assert_eq!(
            got,
            vec![(1, 'ب', None), (4, '’', Some("'")), (5, '😀', None)]
        );
    }

    #[test]
    fn gsm7_text_is_neither_blocked_nor_changed() {
        for text in ["", "Hello {name}, 5€ @ 10:00", "Ça coute"] {
            if text.chars().all(sms::is_gsm7) {
                assert!(blockers(text).is_empty());
                assert!(!needlessly_ucs2(text));
                assert_eq!(substitute(text).text, text);
            }
        }
    }

    #[test]
    fn invisible_characters_are_named_by_code_point() {
        assert_eq!(
            describe_blockers("a\u{a0}b\u{200b}c’", 10),
            "U+00A0 at 2, U+200B at 4, \"’\" at 6"
        );
    }

    #[test]
    fn a_needlessly_ucs2_text_gets_a_note_with_its_saving() {
        let text = format!("{}’{}", "a".repeat(75), "b".repeat(74));
        let note = CostNote::avoidable(&text, analyze(&text)).expect("a note");
        assert_eq!(note.saving(), 2);
        assert_eq!(
            note.to_string(),
            "UCS-2 only because of \"’\" at 76: 3 segments, 1 in GSM-7 with --gsm-substitute"
        );
        // No note for GSM-7 text, for Arabic, or for Arabic with a ’.
        for text in ["plain 'text'", "مرحبا", "it’s مرحبا"] {
            assert_eq!(CostNote::avoidable(text, analyze(text)), None, "{text}");
        }
        // A short text gains nothing, and says so.
        let note = CostNote::avoidable("it’s", analyze("it’s")).expect("a note");
        assert_eq!(note.saving(), 0);
        assert!(
            note.to_string()
                .ends_with(": 1 segment, 1 in GSM-7 with --gsm-substitute")
        );
    }

    #[test]
    fn a_replacement_note_says_what_was_replaced_and_what_it_saved() {
        let note = |original: &str| {
            let done = substitute(original);
            CostNote::Replaced {
                replaced: done.replaced,
                before: analyze(original),
                after: analyze(&done.text),
            }
        };
        let curly = format!("{}’{}’", "a".repeat(75), "b".repeat(74));
        assert_eq!(
            note(&curly).to_string(),
            "Replaced by --gsm-substitute: ’ → ' (2×); now GSM-7, 1 segment instead of 3"
        );
        assert_eq!(note(&curly).saving(), 2);
        assert_eq!(
            note("a\u{a0}b\u{200b}c…").to_string(),
            "Replaced by --gsm-substitute: U+00A0 → space, U+200B removed, … → ...; now GSM-7, still 1 segment"
        );
        let mixed = note("it’s مرحبا");
        assert_eq!(
            mixed.to_string(),
            "Replaced by --gsm-substitute: ’ → '; still UCS-2 (other characters have no look-alike), 1 segment as before"
        );
        assert_eq!(mixed.saving(), 0);
        let long_mixed = format!("{}–{}", "ب".repeat(66), "ب".repeat(66));
        let long_mixed = note(&long_mixed);
        assert!(
            long_mixed.to_string().ends_with("2 segments as before"),
            "{long_mixed}"
        );
    }

    #[test]
    fn describe_blockers_is_bounded() {
        assert_eq!(describe_blockers("ب x😀", 10), "\"ب\" at 1, \"😀\" at 4");
        let many = "ب".repeat(25);
        let line = describe_blockers(&many, 10);
        assert!(line.ends_with("\"ب\" at 10, and 15 more"), "{line}");
    }

    proptest::proptest! {
        #[test]
        fn prop_substitute_makes_needless_text_gsm7(s in "[a-z’“”–—…\u{00A0}\u{200B}\u{FEFF}ب😀ç]{0,80}") {
            let done = substitute(&s);
            if needlessly_ucs2(&s) {
                proptest::prop_assert_eq!(analyze(&done.text).encoding, Encoding::Gsm7);
            }
            // Characters without a look-alike all survive, in order.
            let kept = |t: &str| t.chars().filter(|&c| !sms::is_gsm7(c) && lookalike(c).is_none()).collect::<String>();
            proptest::prop_assert_eq!(kept(&done.text), kept(&s));
            proptest::prop_assert!(blockers(&done.text).iter().all(|b| b.lookalike.is_none()
                || CONTEXT_MARKS.contains(&b.ch)));
        }
    }
}
