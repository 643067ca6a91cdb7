//! How a count is said in the lines smsmerge writes: `1 row`, `2 rows`. Shared by the plan's
//! notes, the results and the terminal, so every count reads the same.

/// "1 row", "2 rows".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "row"), "1 row");
        assert_eq!(plural(0, "row"), "0 rows");
        assert_eq!(plural(2, "segment"), "2 segments");
    }
}
