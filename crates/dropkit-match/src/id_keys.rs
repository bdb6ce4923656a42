//! Repeated work item Ids found by sorting, not by a table probed row by row.
//!
//! DROP's Ids are unique within a list, so a list is first loaded as it comes, one entry a
//! row, and checked now and then: each entry's Id gives a key (the upper 32 bits of the Id's
//! hash above the entry index), the keys are sorted, and two adjacent keys with the same hash
//! bits are compared by their Ids' text. A sort streams through memory; a table keyed on
//! the Ids (44-byte entries) costs two or three cache misses a row on a list of a million.
//! When a check finds a repeat, the list is loaded again from its rows by the exact rules of
//! a repeated Id (`ListData`'s Id table), so the outcome never depends on which way it went.
//!
//! Each check sorts only the keys it adds, as a run of its own ([`SortedRuns`]), and compares
//! it with the runs before by walking them side by side: every key is sorted once, not again
//! at each check (about half the sorting of one run re-sorted whole).

use rayon::prelude::*;

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
pub(crate) fn has_repeat(keys: &[u64], same: impl Fn(u32, u32) -> bool) -> bool {
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

/// The keys checked so far, as sorted runs (one a check).
#[derive(Default)]
pub(crate) struct SortedRuns {
    keys: Vec<u64>,
    /// Where each run after the first begins in `keys`.
    starts: Vec<usize>,
}

impl SortedRuns {
    /// Adds `new` keys as a run; whether an entry of theirs has the Id of another entry, of
    /// theirs or of the runs before (`same` compares two entries' Ids, as for [`has_repeat`]).
    ///
    /// `every_core`: sort the run and walk the runs before on the thread pool (for the check
    /// after a list's last row, which nothing else overlaps: the pool's cores are idle then;
    /// the checks while a list loads stay on the loading thread, beside the inflating one).
    pub(crate) fn add(
        &mut self,
        new: impl ExactSizeIterator<Item = u64>,
        same: impl Fn(u32, u32) -> bool + Sync,
        every_core: bool,
    ) -> bool {
        let start = self.keys.len();
        // Exactly (8 bytes a work item, no more).
        self.keys.reserve_exact(new.len());
        self.keys.extend(new);
        if every_core {
            self.keys[start..].par_sort_unstable();
        } else {
            self.keys[start..].sort_unstable();
        }
        if start > 0 {
            self.starts.push(start);
        }
        let (old, run) = self.keys.split_at(start);
        let before: Vec<&[u64]> = self.runs_in(old).collect();
        if every_core {
            let (within, across) = rayon::join(
                || has_repeat(run, &same),
                || {
                    before
                        .par_iter()
                        .any(|before| repeat_across(before, run, &same))
                },
            );
            within || across
        } else {
            has_repeat(run, &same)
                || before
                    .iter()
                    .any(|before| repeat_across(before, run, &same))
        }
    }

    /// The sorted runs of `keys` (the whole or its part before the last run).
    fn runs_in<'a>(&'a self, keys: &'a [u64]) -> impl Iterator<Item = &'a [u64]> + 'a {
        let ends = self.starts.iter().copied().filter(|&s| s <= keys.len());
        let starts = std::iter::once(0).chain(ends.clone());
        starts
            .zip(ends.chain(std::iter::once(keys.len())))
            .map(|(a, b)| &keys[a..b])
            .filter(|run| !run.is_empty())
    }

    /// The entry whose Id hashes to `hash` and which `is_it` accepts (see [`find`]).
    pub(crate) fn find(&self, hash: u64, mut is_it: impl FnMut(u32) -> bool) -> Option<u32> {
        self.runs_in(&self.keys)
            .find_map(|run| find(run, hash, &mut is_it))
    }
}

/// Whether an entry of sorted run `a` has the Id of an entry of sorted run `b`: the runs are
/// walked side by side, and the entries of equal hash bits compared.
fn repeat_across(a: &[u64], b: &[u64], same: impl Fn(u32, u32) -> bool) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i] >> 32, b[j] >> 32);
        // Which side steps is a coin toss for the branch predictor: a step of each side by
        // its comparison, no branch; equal hash bits (rare) are the one branch.
        if x != y {
            i += usize::from(x < y);
            j += usize::from(y < x);
        } else {
            let i_end = i + a[i..].iter().take_while(|&&k| k >> 32 == x).count();
            let j_end = j + b[j..].iter().take_while(|&&k| k >> 32 == x).count();
            for &ka in &a[i..i_end] {
                for &kb in &b[j..j_end] {
                    if same(index(ka), index(kb)) {
                        return true;
                    }
                }
            }
            (i, j) = (i_end, j_end);
        }
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
        /// Runs added check by check find a repeat exactly when the keys added repeat one
        /// added before (few hash bits, so that collisions are common), and every value is
        /// found at its own index.
        #[test]
        fn runs_agree_with_the_plain_reading(
            values in proptest::collection::vec(0u64..60, 0..80),
            cuts in proptest::collection::vec(0usize..80, 0..5),
            every_core in proptest::collection::vec(any::<bool>(), 6),
        ) {
            let hash = |v: u64| (v % 7) << 32;
            let mut cuts = cuts;
            cuts.push(values.len());
            cuts.sort_unstable();
            let same = |a: u32, b: u32| values[a as usize] == values[b as usize];
            let mut runs = SortedRuns::default();
            let mut from = 0;
            for (&cut, &every_core) in cuts.iter().zip(&every_core) {
                let cut = cut.min(values.len());
                if cut < from {
                    continue;
                }
                let keys = (from..cut).map(|i| key(hash(values[i]), i as u32));
                let repeat = values[..cut]
                    .iter()
                    .enumerate()
                    .any(|(i, v)| values[..i].contains(v));
                let had = values[..from]
                    .iter()
                    .enumerate()
                    .any(|(i, v)| values[..i].contains(v));
                let found = runs.add(keys, same, every_core);
                // Only the keys added are checked against all: a repeat among the earlier
                // ones was reported by an earlier call.
                prop_assert_eq!(found || had, repeat);
                from = cut;
            }
            for v in 0..61 {
                let found = runs.find(hash(v), |e| values[e as usize] == v);
                prop_assert_eq!(found.is_some(), values.contains(&v));
                if let Some(e) = found {
                    prop_assert_eq!(values[e as usize], v);
                }
            }
        }

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
