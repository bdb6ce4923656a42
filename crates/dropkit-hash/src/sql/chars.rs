//! The character sets the email rule depends on, read from Rust's own Unicode tables so the
//! SQL follows the build of dropkit that prints it.

use std::sync::OnceLock;

/// Blocks where Unicode added case pairs from version 11 (2018) on: SQL engines built on older
/// Unicode tables (Java's, ICU's, utf8proc's) do not lowercase these letters yet, so the
/// expression maps them itself before calling the engine's `lower`. A block, not a list of
/// letters: a newer Rust that knows more letters in them covers those too.
const RECENT_CASED_BLOCKS: [(u32, u32); 8] = [
    // Cyrillic Extended-C (U+1C89, Unicode 16) and Georgian Mtavruli (Unicode 11)
    (0x1C80, 0x1CBF),
    // Glagolitic capital caudate chi (Unicode 14)
    (0x2C2F, 0x2C2F),
    // the end of Latin Extended-D (Unicode 11 to 17)
    (0xA7B8, 0xA7FF),
    // Vithkuqi (Unicode 14)
    (0x10570, 0x105BF),
    // Garay (Unicode 16)
    (0x10D40, 0x10D8F),
    // Medefaidrin (Unicode 11)
    (0x16E40, 0x16E9F),
    // Beria Erfe (Unicode 17)
    (0x16EA0, 0x16EDF),
    // Greek capital sigma: engines that follow Unicode's Final_Sigma rule write `ς` at the end
    // of a word; dropkit lowercases character by character and always writes `σ`
    (0x03A3, 0x03A3),
];

/// Every Unicode `White_Space` character ([`char::is_whitespace`], what the email rule
/// removes), as inclusive ranges in code point order.
pub(crate) fn whitespace_ranges() -> &'static [(char, char)] {
    static RANGES: OnceLock<Vec<(char, char)>> = OnceLock::new();
    RANGES.get_or_init(scan_whitespace)
}

fn scan_whitespace() -> Vec<(char, char)> {
    let mut ranges: Vec<(char, char)> = Vec::new();
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        if !c.is_whitespace() {
            continue;
        }
        match ranges.last_mut() {
            Some((_, end)) if u32::from(*end) + 1 == u32::from(c) => *end = c,
            _ => ranges.push((c, c)),
        }
    }
    ranges
}

/// Characters whose lowercase is several characters (`İ` → `i̇`): engines that lowercase one
/// character to one (DuckDB, PostgreSQL with libc) would write one.
pub(crate) fn multi_char_lowercase() -> &'static [(char, String)] {
    static MULTI: OnceLock<Vec<(char, String)>> = OnceLock::new();
    MULTI.get_or_init(scan_multi_char_lowercase)
}

fn scan_multi_char_lowercase() -> Vec<(char, String)> {
    (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| c.to_lowercase().len() > 1)
        .map(|c| (c, c.to_lowercase().collect()))
        .collect()
}

/// The one-to-one lowercase mappings the expression applies itself before the engine's
/// `lower` (see [`RECENT_CASED_BLOCKS`]): `(from, to)` as two strings of equal length in
/// characters, for `translate`.
pub(crate) fn translated_lowercase() -> (String, String) {
    let mut from = String::new();
    let mut to = String::new();
    for (start, end) in RECENT_CASED_BLOCKS {
        for c in (start..=end).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            if let (Some(l), None) = (lower.next(), lower.next())
                && l != c
            {
                from.push(c);
                to.push(l);
            }
        }
    }
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_unicode_white_space() {
        let ranges = whitespace_ranges();
        assert_eq!(ranges[0], ('\t', '\r'));
        assert!(ranges.contains(&(' ', ' ')));
        assert!(ranges.contains(&('\u{a0}', '\u{a0}')));
        assert!(ranges.contains(&('\u{2000}', '\u{200a}')));
        assert!(ranges.contains(&('\u{3000}', '\u{3000}')));
        // Zero-width space and the byte-order mark are not White_Space.
        for (a, b) in ranges {
            assert!(!(*a..=*b).contains(&'\u{200b}'));
            assert!(!(*a..=*b).contains(&'\u{feff}'));
        }
    }

    #[test]
    fn dotted_capital_i_is_the_only_multi_character_lowercase() {
        assert_eq!(multi_char_lowercase(), [('\u{130}', "i\u{307}".to_owned())]);
    }

    #[test]
    fn translated_letters_include_sigma_and_recent_letters() {
        let (from, to) = translated_lowercase();
        assert_eq!(from.chars().count(), to.chars().count());
        let pairs: Vec<(char, char)> = from.chars().zip(to.chars()).collect();
        assert!(pairs.contains(&('Σ', 'σ')));
        assert!(pairs.contains(&('\u{1c90}', '\u{10d0}')));
        assert!(pairs.contains(&('\u{10570}', '\u{10597}')));
        assert!(pairs.contains(&('\u{a7c0}', '\u{a7c1}')));
        assert!(pairs.iter().all(|(u, l)| u != l));
    }
}
