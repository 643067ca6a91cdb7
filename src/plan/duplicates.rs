//! The DUPLICATE verdict: a ready row whose recipient and text equal an earlier one's.

use super::{PlannedRow, Verdict};
use rayon::prelude::*;

/// Marks every ready row whose recipient and text equal an earlier ready row's as a
/// DUPLICATE of that earliest row.
///
/// The map is keyed by a 64-bit hash of (recipient, text) rather than the texts themselves:
/// for a million rows that is 34 MB instead of 82 MB at the moment memory peaks. Hashes are
/// computed in parallel; a hash that matches is confirmed by comparing the texts, and the
/// (astronomically rare) rows whose hash collides with a different message are settled
/// exactly in a second map keyed by the texts.
pub(super) fn mark_duplicates(rows: &mut [PlannedRow]) {
    mark_duplicates_hashed_by(rows, message_hash);
}

/// [`mark_duplicates`] with the hash as a parameter, so tests can force collisions.
///
/// The rows to send are listed as (hash, index) and sorted, so equal messages end up next to
/// each other, earliest first: 16 bytes per row while it runs. (A hash map from hash to first
/// row, as before, took 35 MB at a million rows plus a 16 MB vector of hashes, and this runs
/// when the plan is at its largest.)
pub(super) fn mark_duplicates_hashed_by(rows: &mut [PlannedRow], hash: fn(&str, &str) -> u64) {
    // Collected in one vector of its final size: a parallel collect of a filtered iterator
    // would join pieces (twice the memory for a moment), and hashing is quick.
    let ready = rows.iter().filter(|row| row.is_ready()).count();
    let mut keyed: Vec<(u64, usize)> = Vec::with_capacity(ready);
    keyed.extend(rows.iter().enumerate().filter_map(|(i, row)| {
        match (row.is_ready(), &row.recipient, &row.text) {
            (true, Some(to), Some(text)) => Some((hash(to, text), i)),
            _ => None,
        }
    }));
    keyed.par_sort_unstable();
    let mut duplicates = Vec::new();
    // The distinct messages of one hash (more than one only when two collide), by first row.
    let mut firsts: Vec<usize> = Vec::new();
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        firsts.clear();
        for &(_, i) in group {
            let same = |&&j: &&usize| {
                rows[j].recipient == rows[i].recipient && rows[j].text == rows[i].text
            };
            match firsts.iter().find(same) {
                Some(&j) => duplicates.push((i, rows[j].row_number)),
                None => firsts.push(i),
            }
        }
    }
    for (i, of_row) in duplicates {
        rows[i].verdict = Verdict::Duplicate { of_row };
    }
}

/// A 64-bit hash of a message's recipient and text, the parts separated by their lengths.
fn message_hash(to: &str, text: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
    hasher.write_usize(to.len());
    hasher.write(to.as_bytes());
    hasher.write(text.as_bytes());
    hasher.finish()
}
