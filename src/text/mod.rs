//! The pure rules of a message's text, with no I/O and no state: templates and their
//! placeholders, phone numbers, SMS encoding and segments, look-alike characters, and text
//! made safe to print. Each is exhaustively unit-tested and fuzzed; they know the cell types
//! of `book` and nothing else of ours.

pub mod lookalike;
pub mod numbering;
pub mod phone;
pub mod printable;
pub mod sms;
pub mod template;
pub mod words;
