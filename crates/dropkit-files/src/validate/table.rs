//! The table that finds a canonical Id's entry: built to take a million Ids with few waits on
//! memory.
//!
//! Linear probing over 8-byte slots, each holding 32 bits of the Id's hash and its entry's
//! position, so a probe reads one cache line and compares an Id's bytes only when 32 bits of
//! hash agree. Ids come in batches ([`KeyTable::touch`]): the home slots of a batch are read
//! first, so the CPU waits for those cache misses together rather than one after the other.
//! At most half full; the hash is seeded per process (foldhash), so no file can choose Ids
//! that collide.

use std::hash::BuildHasher;

use hashbrown::DefaultHashBuilder;

/// Ids per batch.
pub(crate) const BATCH: usize = 16;

/// Slots: `hash >> 32` in the high half, `position + 1` in the low half; 0 is empty.
#[derive(Debug, Default)]
pub(crate) struct KeyTable {
    slots: Vec<u64>,
    len: usize,
    hasher: DefaultHashBuilder,
}

impl KeyTable {
    /// The hash of an Id's 12 bytes.
    pub(crate) fn hash(&self, key: &[u8; 12]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Reads the home slots of `hashes` (their values do not matter): a prefetch in safe code.
    pub(crate) fn touch(&self, hashes: &[u64]) {
        let mask = self.mask();
        let mut sum = 0u64;
        for &h in hashes {
            sum = sum.wrapping_add(self.slots.get(h as usize & mask).copied().unwrap_or(0));
        }
        std::hint::black_box(sum);
    }

    /// The position of the Id with hash `hash` for which `is_key` holds (given a position).
    pub(crate) fn find(&self, hash: u64, is_key: impl Fn(u32) -> bool) -> Option<u32> {
        let mask = self.mask();
        let tag = hash >> 32;
        let mut i = hash as usize & mask;
        loop {
            let slot = *self.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let p = (slot as u32).wrapping_sub(1);
                if is_key(p) {
                    return Some(p);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds position `p` (below `u32::MAX`) of an Id with hash `hash` that is not in the
    /// table. `keys` are the Ids by position (to grow the table).
    pub(crate) fn insert_new(&mut self, hash: u64, p: u32, keys: &[[u8; 12]]) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow(self.len + 1, keys);
        }
        self.place(hash, p);
        self.len += 1;
    }

    fn place(&mut self, hash: u64, p: u32) {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        while let Some(slot) = self.slots.get_mut(i) {
            if *slot == 0 {
                *slot = (hash >> 32) << 32 | u64::from(p.wrapping_add(1));
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes room for `n` Ids in all (`keys`: the Ids by position).
    pub(crate) fn reserve(&mut self, n: usize, keys: &[[u8; 12]]) {
        if n.saturating_mul(2) > self.slots.len() {
            self.grow(n, keys);
        }
    }

    fn grow(&mut self, n: usize, keys: &[[u8; 12]]) {
        let size = n.max(8).saturating_mul(2).next_power_of_two();
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for slot in old.into_iter().filter(|&s| s != 0) {
            let p = (slot as u32).wrapping_sub(1);
            if let Some(key) = keys.get(p as usize) {
                self.place(self.hash(key), p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_while_growing() {
        let keys: Vec<[u8; 12]> = (0..5000u32)
            .map(|i| {
                let mut k = *b"AAAAAAAAAAAA";
                k[..4].copy_from_slice(&i.to_le_bytes());
                k
            })
            .collect();
        let mut t = KeyTable::default();
        for (p, k) in keys.iter().enumerate() {
            let h = t.hash(k);
            assert_eq!(t.find(h, |q| keys[q as usize] == *k), None);
            t.insert_new(h, p as u32, &keys);
            t.touch(&[h, h ^ 1]);
        }
        for (p, k) in keys.iter().enumerate() {
            assert_eq!(
                t.find(t.hash(k), |q| keys[q as usize] == *k),
                Some(p as u32)
            );
        }
        assert_eq!(t.len, 5000);
        assert_eq!(t.slots.len(), 16384);
        // a table with room reserved does not grow
        let mut r = KeyTable::default();
        r.reserve(5000, &[]);
        for (p, k) in keys.iter().enumerate() {
            r.insert_new(r.hash(k), p as u32, &keys);
        }
        assert_eq!(r.slots.len(), 16384);
        assert_eq!(KeyTable::default().find(1, |_| true), None);
    }
}
