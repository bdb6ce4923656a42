//! Repeated work item Ids found by sorting, not by a table probed row by row.
//!
//! DROP's Ids are unique within a list, so a list is first loaded as it comes, one entry a
//! row, and checked now and then: each entry's Id gives a key (the upper 32 bits of the Id's
//! hash above the entry index), the keys are sorted, and two adjacent keys with the same hash
//! bits are compared by their Ids' text. A sort streams through memory; a table keyed on
//! the Ids (44-byte entries) costs two or three cache misses a row on a list of a million.
//! When a check finds a repeat, the list is loaded again from its rows by the exact rules of
//! a repeated Id (`ListData`'s Id table), so the outcome never depends on which way it went.

/// The sort key of entry `index` whose Id hashes to `hash`.
#[inline]
pub(crate) fn key(hash: u64, index: u32) -> u64 {
    (hash & !0xFFFF_FFFF) | u64::from(index)
}

/// The entry index of a key.
#[inline]
pub(crate) fn index(key: u64) -> u32 {
    key as u32
}

/// Whether two entries of the sorted `keys` have the same Id (`same` compares two entries'
/// Ids; it is asked only about entries whose hash bits agree).
pub(crate) fn has_repeat(keys: &[u64], mut same: impl FnMut(u32, u32) -> bool) -> bool {
    let mut i = 0;
    while i + 1 < keys.len() {
        let bits = keys[i] >> 32;
        let mut j = i + 1;
        while j < keys.len() && keys[j] >> 32 == bits {
            j += 1;
        }
        // keys[i..j] share their hash bits: compare each pair (almost always none or one).
        for a in i..j {
            for b in a + 1..j {
                if same(index(keys[a]), index(keys[b])) {
                    return true;
                }
            }
        }
        i = j;
    }
    false
}

/// The entry of the sorted `keys` whose Id hashes to `hash` and which `is_it` accepts.
pub(crate) fn find(keys: &[u64], hash: u64, mut is_it: impl FnMut(u32) -> bool) -> Option<u32> {
    let bits = hash >> 32;
    let start = keys.partition_point(|&k| k >> 32 < bits);
    keys[start..]
        .iter()
        .take_while(|&&k| k >> 32 == bits)
        .map(|&k| index(k))
        .find(|&e| is_it(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A repeat is found exactly when two of the values are equal, whatever their hash
        /// bits (few bits, so that collisions are common), and every value is found.
        #[test]
        fn repeats_and_lookups_agree_with_the_plain_reading(
            values in proptest::collection::vec(0u64..40, 0..60),
        ) {
            let hash = |v: u64| (v % 7) << 32;
            let mut keys: Vec<u64> =
                values.iter().enumerate().map(|(i, &v)| key(hash(v), i as u32)).collect();
            keys.sort_unstable();
            let repeat = values.iter().enumerate().any(|(i, v)| values[..i].contains(v));
            let same = |a: u32, b: u32| values[a as usize] == values[b as usize];
            prop_assert_eq!(has_repeat(&keys, same), repeat);
            for (i, &v) in values.iter().enumerate() {
                let found = find(&keys, hash(v), |e| values[e as usize] == v);
                prop_assert!(found.is_some());
                prop_assert_eq!(values[found.unwrap_or(0) as usize], v);
                prop_assert!(found.unwrap_or(0) as usize <= i || repeat);
            }
            prop_assert_eq!(find(&keys, hash(99), |e| values[e as usize] == 99), None);
        }
    }
}
