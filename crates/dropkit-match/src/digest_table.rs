//! The digest index of one list: a hash table whose slots carry a 32-bit fingerprint of the
//! digest beside the value, grouped eight to a 64-byte bucket (one cache line).
//!
//! Nine records in ten match nothing, so the table is mostly asked for digests it does not
//! hold. A miss reads one bucket and nothing else: the slots' fingerprints (bytes 8..12 of the
//! digest, independent of the bucket number taken from bytes 0..8) rule out all but about one
//! lookup in 500 million without touching the work items. A hit reads the bucket and then the
//! work item, whose full digest is compared. The caller can [`DigestTable::touch`] the buckets
//! of a batch of digests first, so that their cache misses overlap.
//!
//! Buckets fill from the left and overflow into the next bucket (wrapping at the end); nothing
//! is ever deleted, so a lookup stops at the first empty slot. The table is sized for a load
//! of at most 3/4: about 11 bytes per digest.

/// A slot: fingerprint in the high 32 bits, the value in the low 32; `EMPTY` when free.
type Cell = u64;

const EMPTY: Cell = u64::MAX;

/// Slots per bucket: one 64-byte cache line.
const WIDTH: usize = 8;

/// One cache line of slots.
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Bucket([Cell; WIDTH]);

/// The value that can never be stored: with a fingerprint of `u32::MAX` it would read as
/// [`EMPTY`]. Callers store entry indexes and alias indexes that stay below it.
pub(crate) const NO_VALUE: u32 = u32::MAX;

/// Digests to `u32` values (see the [module documentation](self)).
pub(crate) struct DigestTable {
    buckets: Vec<Bucket>,
}

#[inline]
fn bucket_hash(digest: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(b)
}

#[inline]
fn fingerprint(digest: &[u8; 32]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&digest[8..12]);
    u32::from_le_bytes(b)
}

impl DigestTable {
    /// An empty table with room for `n` digests at a load of at most 3/4.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let buckets = (n.saturating_mul(4) / 3).div_ceil(WIDTH).max(1);
        DigestTable {
            buckets: vec![Bucket([EMPTY; WIDTH]); buckets],
        }
    }

    /// The bucket a digest starts in: the digest's first 8 bytes are uniform already, mapped
    /// onto the bucket count by a multiply (no power-of-two rounding of the size).
    #[inline]
    fn home(&self, digest: &[u8; 32]) -> usize {
        ((u128::from(bucket_hash(digest)) * self.buckets.len() as u128) >> 64) as usize
    }

    /// Adds `value` under `digest`; the caller has checked the digest is not there yet (with
    /// [`DigestTable::find`]) and keeps the table within its capacity. `value` is never
    /// [`NO_VALUE`].
    pub(crate) fn insert(&mut self, digest: &[u8; 32], value: u32) {
        debug_assert_ne!(value, NO_VALUE);
        let cell = u64::from(fingerprint(digest)) << 32 | u64::from(value);
        let mut b = self.home(digest);
        // Sized for a load of 3/4, the table always has a free slot; the bound only stops a
        // caller that broke that promise from looping forever (the value is then not stored).
        for _ in 0..self.buckets.len() {
            if let Some(free) = self.buckets[b].0.iter_mut().find(|c| **c == EMPTY) {
                *free = cell;
                return;
            }
            b = if b + 1 == self.buckets.len() {
                0
            } else {
                b + 1
            };
        }
        debug_assert!(false, "digest table full");
    }

    /// The value stored under `digest`: among the slots whose fingerprint matches, the first
    /// for which `is` (comparing the full digest of that value) says yes.
    #[inline]
    pub(crate) fn find(&self, digest: &[u8; 32], is: impl Fn(u32) -> bool) -> Option<u32> {
        let fp = fingerprint(digest);
        let mut b = self.home(digest);
        for _ in 0..self.buckets.len() {
            for &cell in &self.buckets[b].0 {
                if cell == EMPTY {
                    return None;
                }
                if (cell >> 32) as u32 == fp && is(cell as u32) {
                    return Some(cell as u32);
                }
            }
            b = if b + 1 == self.buckets.len() {
                0
            } else {
                b + 1
            };
        }
        None
    }

    /// Reads the first slot of `digest`'s bucket and returns it: a batch of these, made before
    /// the lookups, starts the batch's cache misses together (a prefetch without `unsafe`).
    #[inline]
    pub(crate) fn touch(&self, digest: &[u8; 32]) -> u64 {
        self.buckets[self.home(digest)].0[0]
    }

    /// Bytes of the buckets.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * size_of::<Bucket>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(home: u64, fp: u32, tail: u8) -> [u8; 32] {
        let mut d = [tail; 32];
        d[..8].copy_from_slice(&home.to_le_bytes());
        d[8..12].copy_from_slice(&fp.to_le_bytes());
        d
    }

    #[test]
    fn buckets_are_cache_lines() {
        assert_eq!(size_of::<Bucket>(), 64);
        assert_eq!(align_of::<Bucket>(), 64);
    }

    /// Digests sharing bucket and fingerprint (a fingerprint collision) are told apart by the
    /// full comparison; overflowing buckets wrap around the end of the table.
    #[test]
    fn fingerprint_collisions_and_overflow_across_the_end() {
        let n = 30;
        let mut table = DigestTable::with_capacity(n);
        // All in the last bucket, all with one fingerprint: they overflow into the first.
        let digests: Vec<[u8; 32]> = (0..n).map(|i| digest(u64::MAX, 7, i as u8)).collect();
        for (i, d) in digests.iter().enumerate() {
            assert_eq!(table.find(d, |v| digests[v as usize] == *d), None);
            table.insert(d, i as u32);
        }
        for (i, d) in digests.iter().enumerate() {
            assert_eq!(table.find(d, |v| digests[v as usize] == *d), Some(i as u32));
        }
        let absent = digest(u64::MAX, 7, 200);
        assert_eq!(table.find(&absent, |v| digests[v as usize] == absent), None);
        let other_fp = digest(u64::MAX, 8, 0);
        assert_eq!(table.find(&other_fp, |_| true), None);
    }

    #[test]
    fn random_digests_all_found_and_strangers_not() {
        let mut x = 1u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let digests: Vec<[u8; 32]> = (0..10_000)
            .map(|_| {
                let mut d = [0u8; 32];
                for c in d.chunks_exact_mut(8) {
                    c.copy_from_slice(&next().to_le_bytes());
                }
                d
            })
            .collect();
        let mut table = DigestTable::with_capacity(digests.len());
        for (i, d) in digests.iter().enumerate() {
            table.insert(d, i as u32);
        }
        for (i, d) in digests.iter().enumerate() {
            assert_eq!(table.find(d, |v| digests[v as usize] == *d), Some(i as u32));
            let _ = table.touch(d);
        }
        let stranger = [0x5a; 32];
        assert_eq!(
            table.find(&stranger, |v| digests[v as usize] == stranger),
            None
        );
        assert!(table.heap_bytes() <= digests.len() * 4 / 3 * 8 + 64 * 2);
        let empty = DigestTable::with_capacity(0);
        assert_eq!(empty.find(&stranger, |_| true), None);
    }
}
