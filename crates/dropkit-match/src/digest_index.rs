//! The digest table of a list: which slot holds a digest.
//!
//! Buckets of 16 words: a tag byte per word (a byte of the digest, 0 taken as 1; 0 marks an
//! empty word) in one 16-byte group, and beside them, in another array, the words' slots (an
//! entry or alias index of the list). A digest's home bucket comes from its first 8 bytes,
//! its tag from the next one; it goes to the first bucket from its home on that has an empty
//! word (nothing is ever removed, so a lookup stops at the first bucket with an empty word).
//!
//! The tags are a byte a word, so most of them stay in the caches: a digest that is not
//! listed (most records' digests) is mostly answered from the tags alone. Probing a batch
//! is done in three steps, each over the whole batch, so that the waits on memory overlap
//! instead of following one another digest by digest: [`DigestIndex::group`] reads the home
//! bucket's tags and [`DigestIndex::candidate`] picks a word from them (no branch on what
//! they hold), [`DigestIndex::resolve`] reads the candidate word's slot, and
//! [`DigestIndex::check`] the slot's digest.
//!
//! A tag matches a digest that is not the word's about once in 255 times (so about one
//! record in 32 that matches nothing reads a slot and an entry too, among the batch's other
//! loads); with half the words empty, few home buckets are full (a full one sends a lookup
//! to a search of the next).
//!
//! Memory: 5 bytes a word at about 0.5 digests a word, about 10 bytes a digest. Measured
//! (issue 16's sixth pass, 10M records against 1M work items): 7-bit tags at 0.6 digests a
//! word to full-byte tags at 0.5 took 3-4 % off the run's wall and CPU time, for 2-3 MB more.

use crate::list_table::Slot;

const WORDS: usize = 16;

/// One bucket's tags.
#[derive(Clone, Copy, Default)]
#[repr(align(16))]
struct Tags([u8; WORDS]);

/// A one in each byte.
const ONES: u128 = u128::from_le_bytes([1; WORDS]);
/// The top bit of each byte.
const TOPS: u128 = ONES << 7;

/// A candidate's flags, above its 48 low bits (a word's position, then its slot): a tag
/// matched.
const CANDIDATE: u64 = 1 << 48;
/// The digest may be elsewhere too (another matching tag, or a full home bucket): if the
/// candidate is not it, search.
const MORE: u64 = 1 << 49;
/// No tag of the home bucket matched, but it is full: search.
const SEARCH: u64 = 1 << 50;
const FLAGS: u64 = CANDIDATE | MORE | SEARCH;
const POSITION: u64 = CANDIDATE - 1;

/// What a lookup's first steps found, as one word (see the flags).
pub(crate) type Candidate = u64;

/// A home bucket's tags.
pub(crate) struct Group {
    bucket: usize,
    tags: u128,
}

/// Digests to slots (see the module docs).
pub(crate) struct DigestIndex {
    tags: Vec<Tags>,
    slots: Vec<Slot>,
}

#[inline]
fn u64_at(digest: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(b)
}

/// The tag: a byte of the digest, 0 taken as 1 (0 marks an empty word).
#[inline]
fn tag(digest: &[u8; 32]) -> u8 {
    digest[8].max(1)
}

impl Default for DigestIndex {
    /// An empty index (one bucket, so that a lookup has a bucket to read).
    fn default() -> Self {
        DigestIndex::with_capacity(0)
    }
}

impl DigestIndex {
    /// An empty index with room for `len` digests.
    pub(crate) fn with_capacity(len: usize) -> Self {
        // About 0.5 digests a word; always one empty word at least.
        let buckets = (len.saturating_mul(2) / WORDS).max(1) + 1;
        DigestIndex {
            tags: vec![Tags::default(); buckets],
            slots: vec![0; buckets * WORDS],
        }
    }

    #[inline]
    fn home(&self, digest: &[u8; 32]) -> usize {
        // The digest's first 8 bytes scaled to the bucket count.
        ((u128::from(u64_at(digest)) * self.tags.len() as u128) >> 64) as usize
    }

    /// The heap bytes held.
    pub(crate) fn allocation_size(&self) -> usize {
        self.tags.capacity() * size_of::<Tags>() + self.slots.capacity() * size_of::<Slot>()
    }

    /// Adds `slot` for `digest`, which the index must not hold yet (see [`DigestIndex::find`]);
    /// `hash_of` gives a slot's digest (to move the digests held if the index must grow).
    pub(crate) fn insert<'a>(
        &mut self,
        digest: &[u8; 32],
        slot: Slot,
        hash_of: &impl Fn(Slot) -> &'a [u8; 32],
    ) {
        let n = self.tags.len();
        let mut b = self.home(digest);
        for _ in 0..n {
            if let Some(k) = self.tags[b].0.iter().position(|&t| t == 0) {
                self.tags[b].0[k] = tag(digest);
                self.slots[b * WORDS + k] = slot;
                return;
            }
            b = if b + 1 == n { 0 } else { b + 1 };
        }
        // Full: more digests than the index was sized for. Twice the room, and again.
        let old = std::mem::replace(self, DigestIndex::with_capacity(n * WORDS * 2));
        for (tags, slots) in old.tags.iter().zip(old.slots.chunks_exact(WORDS)) {
            for (&t, &slot) in tags.0.iter().zip(slots) {
                if t != 0 {
                    self.insert(hash_of(slot), slot, hash_of);
                }
            }
        }
        self.insert(digest, slot, hash_of);
    }

    /// Adds `slot` for `digest`, whose home bucket `group` (read by [`DigestIndex::group`] and
    /// unchanged since) has no tag of the digest and an empty word, as a lookup found
    /// ([`DigestIndex::candidate`] not [`DigestIndex::open`]): into the bucket's first empty
    /// word, found from the tags already read rather than a search.
    #[inline]
    pub(crate) fn insert_at_home(&mut self, digest: &[u8; 32], slot: Slot, group: &Group) {
        // The lowest zero byte is exact (see `word_candidate`).
        let empty = group.tags.wrapping_sub(ONES) & !group.tags & TOPS;
        debug_assert!(empty != 0, "the home bucket has no empty word");
        let k = (empty.trailing_zeros() / 8) as usize % WORDS;
        self.tags[group.bucket].0[k] = tag(digest);
        self.slots[group.bucket * WORDS + k] = slot;
    }

    /// The first step of a lookup: the home bucket's tags, loaded and nothing else (so that
    /// a batch has many loads in flight at once).
    #[inline]
    pub(crate) fn group(&self, digest: &[u8; 32]) -> Group {
        let bucket = self.home(digest);
        Group {
            bucket,
            tags: u128::from_le_bytes(self.tags[bucket].0),
        }
    }

    /// From the tags: the position of the home bucket's word whose tag matches (see
    /// [`sse2_candidate`] and [`word_candidate`]).
    #[inline]
    pub(crate) fn candidate(&self, digest: &[u8; 32], group: &Group) -> Candidate {
        #[cfg(target_arch = "x86_64")]
        return sse2_candidate(group, tag(digest));
        #[cfg(not(target_arch = "x86_64"))]
        return word_candidate(group, tag(digest));
    }

    /// Whether a candidate needs the next steps ([`DigestIndex::resolve`] and
    /// [`DigestIndex::check`]); if not, the digest is not in the index.
    #[inline]
    pub(crate) fn open(candidate: Candidate) -> bool {
        candidate & (CANDIDATE | SEARCH) != 0
    }

    /// The second step: the candidate word's slot in place of its position.
    #[inline]
    pub(crate) fn resolve(&self, candidate: Candidate) -> Candidate {
        // Without a candidate the position is 0, a word that exists: no branch here.
        let slot = self
            .slots
            .get((candidate & POSITION) as usize)
            .copied()
            .unwrap_or(0);
        (candidate & FLAGS) | u64::from(slot)
    }

    /// The last step, given the resolved candidate, without a branch on what the slot's
    /// digest is (a branch there would wait on the entry's cache miss and hold up the
    /// batch's other loads): the slot if it holds `digest`, and whether
    /// [`DigestIndex::find`] must still look (another matching tag, or a full home bucket).
    #[inline]
    pub(crate) fn check<'a>(
        &self,
        digest: &[u8; 32],
        candidate: Candidate,
        hash_of: impl Fn(Slot) -> &'a [u8; 32],
    ) -> (Option<Slot>, bool) {
        let slot = candidate as u32;
        let same = candidate & CANDIDATE != 0 && hash_of(slot) == digest;
        let search = !same & (candidate & (MORE | SEARCH) != 0);
        (same.then_some(slot), search)
    }

    /// The slot of `digest`, all steps at once (and the search past a full home bucket).
    pub(crate) fn find<'a>(
        &self,
        digest: &[u8; 32],
        hash_of: impl Fn(Slot) -> &'a [u8; 32],
    ) -> Option<Slot> {
        let t = tag(digest);
        let n = self.tags.len();
        let mut b = self.home(digest);
        for _ in 0..n {
            for (k, &w) in self.tags[b].0.iter().enumerate() {
                if w == 0 {
                    return None;
                }
                let slot = self.slots[b * WORDS + k];
                if w == t && hash_of(slot) == digest {
                    return Some(slot);
                }
            }
            b = if b + 1 == n { 0 } else { b + 1 };
        }
        None
    }
}

/// A candidate from a bucket's tags on x86_64: SSE2 byte compares give exact masks of the
/// words holding tag `t` and of the empty words (issue 16's seventh pass: 10M/1M CPU -2 to
/// -3 % against [`word_candidate`]).
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_candidate(group: &Group, t: u8) -> Candidate {
    use safe_arch::{
        cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i, zeroed_m128i,
    };
    let tags = m128i::from(group.tags.to_le_bytes());
    let byte_mask = |of: m128i| move_mask_i8_m128i(cmp_eq_mask_i8_m128i(tags, of)) as u32;
    let matches = byte_mask(set_splat_i8_m128i(t as i8));
    let empty = byte_mask(zeroed_m128i());
    let word = (matches != 0).then(|| matches.trailing_zeros());
    from_matches(
        group,
        word,
        matches & matches.wrapping_sub(1) != 0,
        empty != 0,
    )
}

/// A candidate from a bucket's tags by word-wide arithmetic (targets other than x86_64): the
/// lowest word holding tag `t` is exact, words above it may be flagged wrongly, which only
/// sends the lookup to a search.
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
#[inline]
fn word_candidate(group: &Group, t: u8) -> Candidate {
    // The bytes equal to the tag: the lowest such byte is exact, bytes above it may be
    // flagged wrongly (a borrow), which only sends the lookup to a search.
    let x = group.tags ^ (ONES * u128::from(t));
    let matches = x.wrapping_sub(ONES) & !x & TOPS;
    // Whether a word is empty (a zero byte): exact as an "any" test, as above.
    let empty = group.tags.wrapping_sub(ONES) & !group.tags & TOPS;
    let word = (matches != 0).then(|| matches.trailing_zeros() / 8);
    from_matches(
        group,
        word,
        matches & matches.wrapping_sub(1) != 0,
        empty != 0,
    )
}

/// A candidate from the lowest matching `word` (when some word matches), whether `several`
/// may match, and whether the bucket has an empty word.
#[inline(always)]
fn from_matches(group: &Group, word: Option<u32>, several: bool, any_empty: bool) -> Candidate {
    match word {
        Some(word) => {
            let first = (group.bucket * WORDS) as u64 + u64::from(word & (WORDS as u32 - 1));
            CANDIDATE | (u64::from(several || !any_empty) * MORE) | first
        }
        None => u64::from(!any_empty) * SEARCH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every digest inserted (by a search for an empty word, or into the one a lookup's
        /// first steps found) is found (by both steps and at once), at its slot; no other is. Digests share their first bytes and fingerprints often (few distinct values),
        /// the index is often full (sized for fewer), so every path is taken.
        #[test]
        fn finds_what_a_plain_search_finds(
            seeds in proptest::collection::vec((0u8..6, 0usize..8, 0u8..50), 0..200),
            sized_for in 0usize..200,
            probes in proptest::collection::vec((0u8..6, 0usize..8, 0u8..50), 0..50),
            at_home: bool,
        ) {
            let digest = |(a, b, c): (u8, usize, u8)| {
                let mut d = [0u8; 32];
                d[7] = a.wrapping_mul(37); // the home bucket
                // The tag: 0 (taken as 1), neighbours that borrow in a word-wide compare,
                // bytes with the top bit.
                d[8] = [0, 1, 2, 3, 0x7F, 0x80, 0xFE, 0xFF][b];
                d[20] = c;
                d
            };
            let mut digests: Vec<[u8; 32]> = Vec::new();
            for s in &seeds {
                let d = digest(*s);
                if !digests.contains(&d) {
                    digests.push(d);
                }
            }
            let hash_of = |slot: Slot| &digests[slot as usize];
            let mut index = DigestIndex::with_capacity(sized_for);
            for (slot, d) in digests.iter().enumerate() {
                // As a list's table is built: a lookup's first steps, and when they say the
                // digest is not there, into its home bucket's first empty word.
                let group = index.group(d);
                if at_home && !DigestIndex::open(index.candidate(d, &group)) {
                    index.insert_at_home(d, slot as u32, &group);
                } else {
                    index.insert(d, slot as u32, &hash_of);
                }
            }
            for s in seeds.iter().chain(&probes) {
                let d = digest(*s);
                let expected = digests.iter().position(|x| *x == d).map(|p| p as u32);
                prop_assert_eq!(index.find(&d, hash_of), expected);
                // This target's candidate and the word-wide one (other targets') both find it.
                let group = index.group(&d);
                for c in [index.candidate(&d, &group), word_candidate(&group, tag(&d))] {
                    let found = if DigestIndex::open(c) {
                        let (slot, search) = index.check(&d, index.resolve(c), hash_of);
                        if search { index.find(&d, hash_of) } else { slot }
                    } else {
                        None
                    };
                    prop_assert_eq!(found, expected);
                }
                // The same word, and the exact masks flag a search no more often.
                #[cfg(target_arch = "x86_64")]
                {
                    let (exact, words) = (sse2_candidate(&group, tag(&d)), word_candidate(&group, tag(&d)));
                    prop_assert_eq!(exact & (CANDIDATE | POSITION), words & (CANDIDATE | POSITION));
                    prop_assert!(exact & (MORE | SEARCH) & !(words & (MORE | SEARCH)) == 0);
                }
            }
        }
    }
}
