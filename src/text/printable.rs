//! Text made safe for a terminal. Everything smsmerge prints (plan lines, warnings, errors,
//! the preview's table, the balance) passes through [`printable`] on its way out, because much
//! of it comes from places nobody here controls: workbook cells, file names, the config file,
//! and the gateway's answers. A raw ESC could move the cursor or clear the screen, a BEL ring,
//! a carriage return overwrite the line before it, and a bidi override (U+202E) turn the rest
//! of a line around so that it reads as something else.
//!
//! Control characters are shown as their Unicode pictures (ESC as `␛`, TAB as `␉`), so that a
//! person still sees that they are there; C1 controls and the bidi embeddings, overrides and
//! isolates become `�`. Line breaks stay: the plan and the preview are several lines. Right-
//! to-left text itself, and the marks that only hint its direction (U+200E, U+200F, U+061C),
//! are left as they are.

use std::borrow::Cow;

/// `text` with every character a terminal would obey rather than show replaced by a visible
/// one; borrowed when there is nothing to replace (the common case).
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| shown(c) == c) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(shown).collect())
}

/// What a character looks like on the terminal: itself, or a picture of it.
fn shown(c: char) -> char {
    match c {
        '\n' => '\n',
        // U+2400..U+241F are the pictures of U+0000..U+001F, in order.
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or(REPLACEMENT),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' => REPLACEMENT,
        // Bidi embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI):
        // they reorder what follows them, up to the end of the line.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => REPLACEMENT,
        // Line and paragraph separators break a line on some terminals and not on others.
        '\u{2028}' | '\u{2029}' => REPLACEMENT,
        _ => c,
    }
}

/// Shown in place of a character that has no picture of its own.
const REPLACEMENT: char = '\u{fffd}';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            printable("a\tb\r\nc\u{1b}[2J\u{7}"),
            "a\u{2409}b\u{240d}\nc\u{241b}[2J\u{2407}"
        );
        assert_eq!(printable("x\u{7f}\u{85}"), "x\u{2421}\u{fffd}");
    }

    #[test]
    fn bidi_overrides_and_isolates_are_shown_not_obeyed() {
        assert_eq!(
            printable("invoice\u{202e}fdp.exe"),
            "invoice\u{fffd}fdp.exe"
        );
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{2066}', '\u{2069}',
        ] {
            assert_eq!(
                printable(&format!("a{c}b")),
                "a\u{fffd}b",
                "{:04x}",
                c as u32
            );
        }
        assert_eq!(printable("a\u{2028}b"), "a\u{fffd}b");
    }

    #[test]
    fn right_to_left_text_and_its_marks_are_left_as_they_are() {
        let arabic = "عزيزي سامي، طلبك جاهز.\u{200f} \u{200e}\u{61c}";
        assert!(matches!(printable(arabic), Cow::Borrowed(_)));
        assert_eq!(printable(arabic), arabic);
    }

    #[test]
    fn what_is_printable_is_printed_as_it_is() {
        let text = "smsmerge: 3 rows read\n  to send       2 messages\n";
        assert!(matches!(printable(text), Cow::Borrowed(_)));
        // Shown once, it stays as it is.
        let once = printable("\u{1b}\u{202e}").into_owned();
        assert_eq!(printable(&once), once);
    }
}
