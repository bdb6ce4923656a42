//! A bounded memo of standardized name -> Base64 hash, for the names of composite lines.
//!
//! A composite line costs seven SHA-256 blocks (NDZ: one per field, three for the composite),
//! but names in broker data repeat heavily: a few thousand first and last names cover most
//! people. Remembering the Base64 hash of the last name seen in each slot of a direct-mapped
//! table skips the SHA-256 and Base64 work of a repeated name; a name is always standardized
//! first, and the memo is keyed on the standardized text itself (compared byte for byte), so it
//! cannot change an answer, only how fast it comes.
//!
//! What it gives depends on the data (CPU time of `dropkit hash`'s pipeline, 1M rows, medians
//! of 5 runs in turn on a shared 2-core machine, load 10 to 11):
//!
//! | data | without the memo | with it |
//! | --- | --- | --- |
//! | `bench/gen_lines.py ndz 1000000` (873 first and 623 last names: 83 % hits) | 0.598 s | 0.547 s (−9 to −14 % over several rounds) |
//! | `bench/gen_lines.py namevin 1000000` | 0.568 s | 0.479 s (−16 %) |
//! | 1M NDZ rows, every name unique (`benches/gen_unique_names.py ndz 1000000`: no hits) | 0.559 s | 0.571 s (+2 %: the bypass below) |
//!
//! Without the bypass, unique names cost +18 % (every lookup a cache miss and a slot write).
//! Dates of birth and ZIPs are not memoized: there are too many of them (23,520 dates and 99,000
//! ZIPs in that data; about 30,000 dates in real data) for a table that stays in cache, and a
//! memo of them cost more CPU than it saved (+0.14 s per million rows for dates at 2^13 slots).
//!
//! Values whose standardized text is longer than [`KEY_CAP`] bytes are hashed without the memo.

use crate::DropHash;
use crate::hash::BASE64_LEN;

/// The longest standardized value kept in the memo: two 64-bit words. A slot is then exactly
/// one cache line: the two words, the length and the 44 Base64 bytes.
pub(super) const KEY_CAP: usize = 16;

/// One remembered value: its bytes as two little-endian words, zero-padded, and its length
/// (0 for an empty slot, which no lookup matches: empty values are never looked up).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    words: [u64; 2],
    len: u32,
    base64: [u8; BASE64_LEN],
}

const EMPTY: Slot = Slot {
    words: [0; 2],
    len: 0,
    base64: [0; BASE64_LEN],
};

/// A direct-mapped table of `2^bits` slots (64 bytes each): a value goes in the slot its
/// hash names, replacing what was there. `bits` 0 is no memo at all.
///
/// Data where values hardly repeat (every name unique) would pay a lookup that misses, and a
/// slot write, for every value: +19 % of CPU on a million NDZ rows. So the memo watches itself:
/// after each [`WINDOW`] lookups, if fewer than half were hits, it is bypassed for the next
/// [`BYPASS`] values, then tried again. The worst case then pays about one value in eighteen.
#[derive(Clone)]
pub(super) struct Memo {
    slots: Vec<Slot>,
    shift: u32,
    /// Lookups in the current window.
    looked_up: u32,
    /// Hits in the current window.
    hits: u32,
    /// Values still to hash without the memo.
    bypass: u32,
}

/// The lookups over which the hit rate is judged.
pub(super) const WINDOW: u32 = 4096;

/// The values hashed without the memo after a window with fewer than half hits.
pub(super) const BYPASS: u32 = 16 * WINDOW;

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl Memo {
    /// An empty memo of `2^bits` slots (`bits` at most 24); none for `bits` 0.
    pub(super) fn new(bits: u32) -> Self {
        let bits = bits.min(24);
        Self {
            slots: match bits {
                0 => Vec::new(),
                _ => vec![EMPTY; 1 << bits],
            },
            shift: 64 - bits,
            looked_up: 0,
            hits: 0,
            bypass: 0,
        }
    }

    /// The Base64 SHA-256 of `standardized`, from the memo when that exact value is in it.
    pub(super) fn base64(&mut self, standardized: &[u8]) -> [u8; BASE64_LEN] {
        let len = standardized.len();
        if len == 0 || len > KEY_CAP || self.slots.is_empty() {
            return DropHash::of_bytes(standardized).base64_bytes();
        }
        if self.bypass > 0 {
            self.bypass -= 1;
            return DropHash::of_bytes(standardized).base64_bytes();
        }
        self.looked_up += 1;
        if self.looked_up == WINDOW {
            if self.hits < WINDOW / 2 {
                self.bypass = BYPASS;
            }
            self.looked_up = 0;
            self.hits = 0;
        }
        let words = match standardized.split_at_checked(8) {
            Some((head, tail)) if !tail.is_empty() => [le_word(head), le_word(tail)],
            _ => [le_word(standardized), 0],
        };
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let h = (words[0] ^ words[1].rotate_left(32) ^ len as u64).wrapping_mul(K);
        let index = h.checked_shr(self.shift).unwrap_or(0) as usize;
        match self.slots.get_mut(index) {
            Some(slot) if slot.words == words && slot.len == len as u32 => {
                self.hits += 1;
                slot.base64
            }
            Some(slot) => {
                let base64 = DropHash::of_bytes(standardized).base64_bytes();
                *slot = Slot {
                    words,
                    len: len as u32,
                    base64,
                };
                base64
            }
            None => DropHash::of_bytes(standardized).base64_bytes(),
        }
    }
}

/// Up to 8 bytes as a little-endian word, zero-padded, with no loop: two overlapping loads for
/// 4 to 8 bytes, three single bytes for 1 to 3 (the bytes loaded twice land in the same place).
fn le_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let u32_at = |at: usize| -> u64 {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, |b| u64::from(u32::from_le_bytes(b)))
    };
    match n {
        0 => 0,
        1..=3 => {
            let byte = |at: usize| u64::from(bytes.get(at).copied().unwrap_or(0));
            byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1))
        }
        4..=7 => u32_at(0) | u32_at(n - 4) << (8 * (n - 4)),
        _ => bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    fn plain(value: &[u8]) -> [u8; BASE64_LEN] {
        DropHash::of_bytes(value).base64_bytes()
    }

    #[test]
    fn answers_like_the_plain_hash_at_every_length_and_on_collisions() {
        // Two slots: nearly every value collides with another.
        let mut memo = Memo::new(1);
        let values: Vec<Vec<u8>> = (0..40)
            .map(|n| (0..n).map(|i| b'a' + (i * 7 + n) as u8 % 26).collect())
            .collect();
        for _ in 0..3 {
            for v in &values {
                assert_eq!(memo.base64(v), plain(v), "{v:?}");
            }
        }
        // Values that differ only in trailing zero bytes are different values.
        assert_eq!(memo.base64(b"abcdefgh\0"), plain(b"abcdefgh\0"));
        assert_eq!(memo.base64(b"abcdefgh"), plain(b"abcdefgh"));
        assert_eq!(memo.base64(b"ab\0"), plain(b"ab\0"));
        assert_eq!(memo.base64(b"ab"), plain(b"ab"));
        assert_eq!(memo.base64(b"ab\0"), plain(b"ab\0"));
    }

    #[test]
    fn values_that_do_not_repeat_bypass_the_memo_for_a_while_then_try_again() {
        let mut memo = Memo::new(4);
        let value = |i: u32| format!("v{i}").into_bytes();
        // A window of misses: the memo steps aside.
        for i in 0..WINDOW {
            assert_eq!(memo.base64(&value(i)), plain(&value(i)));
        }
        assert_eq!(memo.bypass, BYPASS);
        // Bypassed, it still answers right (and one value repeated does not count).
        for _ in 0..BYPASS {
            assert_eq!(memo.base64(b"again"), plain(b"again"));
        }
        assert_eq!(memo.bypass, 0);
        // Back in use: a repeated value is now a hit, and a window of hits keeps it in use.
        for _ in 0..2 * WINDOW {
            assert_eq!(memo.base64(b"again"), plain(b"again"));
        }
        assert_eq!(memo.bypass, 0);
        assert!(memo.hits > 0);
    }

    #[test]
    fn words_are_the_bytes_zero_padded() {
        for n in 0..=8 {
            let bytes: Vec<u8> = (1..=n as u8).collect();
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&bytes);
            assert_eq!(le_word(&bytes), u64::from_le_bytes(padded), "{n}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Whatever the order and repetition of values, the memo answers as plain SHA-256 and
        /// Base64 do.
        #[test]
        fn same_as_hashing_every_time(
            values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..60),
            order in prop::collection::vec(any::<prop::sample::Index>(), 0..300),
            bits in 0u32..6,
        ) {
            let mut memo = Memo::new(bits);
            for i in order {
                let v = &values[i.index(values.len())];
                prop_assert_eq!(memo.base64(v), plain(v));
            }
        }
    }
}
