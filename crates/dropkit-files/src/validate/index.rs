//! The compact index of a download's work items that the validator checks answers against.

use hashbrown::HashMap;

use super::table::{BATCH, KeyTable};
use crate::WorkItemId;
use crate::work_item::is_canonical;

/// No list: an Id known only from the Removed file, for a list not in the download.
pub(crate) const NO_LIST: u8 = u8::MAX;

/// Most entries the index holds: positions are `u32`. Far above what the default archive
/// limits allow (16 GiB of rows of at least 47 bytes is under 400 million).
pub(crate) const MAX_ENTRIES: usize = u32::MAX as usize;

const REMOVED: u8 = 1;
const ANSWERED: u8 = 2;

/// The key of an entry whose Id is not canonical: never the key of a canonical Id (a NUL is
/// not Base62).
const NO_KEY: [u8; 12] = [0; 12];

/// What the validator knows of one work item: 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Index of its list in the validator's lists, or [`NO_LIST`].
    pub(crate) list: u8,
    flags: u8,
    /// Index of the response file that first answered it (valid when answered).
    pub(crate) file: u16,
}

impl Slot {
    pub(crate) fn removed(self) -> bool {
        self.flags & REMOVED != 0
    }

    pub(crate) fn answered(self) -> bool {
        self.flags & ANSWERED != 0
    }
}

/// Work item Ids to [`Slot`]s, one entry per distinct Id in the order first seen.
///
/// Entries are kept in arrays by position: the 12 bytes of a canonical Id (12 Base62
/// characters, all of DROP's by its schema) and its 4-byte slot. A [`KeyTable`] of positions
/// finds a canonical Id; other Ids (such as the `680` of DROP's example) go to a map of boxed
/// strings. About 16 bytes per work item plus the table's 16 to 32.
///
/// A response usually lists its work items in the download's order, so [`find`](Self::find)
/// first compares the entry after the one last found (a sequential read) and probes the table
/// only when that is not the Id: a complete, ordered response costs no random memory access.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    keys: Vec<[u8; 12]>,
    slots: Vec<Slot>,
    table: KeyTable,
    other: HashMap<Box<str>, u32>,
}

pub(crate) enum Insert {
    New,
    /// The Id was already there.
    Existing,
    /// The index holds [`MAX_ENTRIES`] already: the Id was not added.
    Full,
}

/// The position hint of one reader of responses: where the next Id is expected.
pub(crate) type Cursor = usize;

impl IdIndex {
    pub(crate) fn reserve(&mut self, n: usize) {
        self.keys.reserve(n);
        self.slots.reserve(n);
        self.table.reserve(n, &self.keys);
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The position of a canonical Id's 12 bytes.
    fn position_of_key(&self, key: &[u8; 12]) -> Option<u32> {
        self.position_hashed(key, self.table.hash(key))
    }

    fn position_hashed(&self, key: &[u8; 12], hash: u64) -> Option<u32> {
        self.table
            .find(hash, |p| self.keys.get(p as usize) == Some(key))
    }

    fn position(&self, id: &WorkItemId) -> Option<u32> {
        match id.canonical_bytes() {
            Some(key) => self.position_of_key(&key),
            None => self.other.get(id.as_str()).copied(),
        }
    }

    /// Appends an entry; `None` when the index is full.
    fn push(&mut self, key: [u8; 12], slot: Slot) -> Option<u32> {
        if self.slots.len() >= MAX_ENTRIES {
            return None;
        }
        let p = u32::try_from(self.slots.len()).ok()?;
        self.keys.push(key);
        self.slots.push(slot);
        Some(p)
    }

    /// Adds a new canonical key (not in the table: the caller looked); `None` when full.
    fn insert_key(&mut self, key: [u8; 12], hash: u64, slot: Slot) -> Option<u32> {
        let p = self.push(key, slot)?;
        self.table.insert_new(hash, p, &self.keys);
        Some(p)
    }

    fn insert(&mut self, id: &WorkItemId, slot: Slot) -> Option<u32> {
        match id.canonical_bytes() {
            Some(key) => {
                let hash = self.table.hash(&key);
                self.insert_key(key, hash, slot)
            }
            None => {
                let p = self.push(NO_KEY, slot)?;
                self.other.insert(id.as_str().into(), p);
                Some(p)
            }
        }
    }

    /// Adds a work item of list `list`; an Id seen before is left as it was (given a list if it
    /// had none).
    pub(crate) fn add_work_item(&mut self, id: &WorkItemId, list: u8) -> Insert {
        match id.canonical_bytes() {
            Some(key) => {
                let hash = self.table.hash(&key);
                self.add_hashed(key, hash, list)
            }
            None => match self.other.get(id.as_str()) {
                Some(&p) => self.existing(p, list),
                None => match self.insert(id, Self::work_item(list)) {
                    Some(_) => Insert::New,
                    None => Insert::Full,
                },
            },
        }
    }

    /// [`add_work_item`](Self::add_work_item) for a canonical Id's 12 bytes. One probe of the
    /// table.
    #[cfg(test)]
    pub(crate) fn add_canonical(&mut self, key: [u8; 12], list: u8) -> Insert {
        let hash = self.table.hash(&key);
        self.add_hashed(key, hash, list)
    }

    /// [`add_work_item`](Self::add_work_item) for each of a batch of canonical Ids' 12 bytes,
    /// in order, calling `added` with each one's index in the batch and outcome. The batch's
    /// cache misses are waited for together.
    pub(crate) fn add_canonical_batch(
        &mut self,
        batch: &[[u8; 12]],
        list: u8,
        mut added: impl FnMut(usize, Insert),
    ) {
        for batch in batch.chunks(BATCH) {
            let mut hashes = [0u64; BATCH];
            for (h, key) in hashes.iter_mut().zip(batch) {
                *h = self.table.hash(key);
            }
            let hashes = &hashes[..batch.len()];
            self.table.touch(hashes);
            for (i, (key, &hash)) in batch.iter().zip(hashes).enumerate() {
                added(i, self.add_hashed(*key, hash, list));
            }
        }
    }

    fn add_hashed(&mut self, key: [u8; 12], hash: u64, list: u8) -> Insert {
        debug_assert!(is_canonical(&key));
        if let Some(p) = self.position_hashed(&key, hash) {
            return self.existing(p, list);
        }
        match self.insert_key(key, hash, Self::work_item(list)) {
            Some(_) => Insert::New,
            None => Insert::Full,
        }
    }

    fn work_item(list: u8) -> Slot {
        Slot {
            list,
            flags: 0,
            file: 0,
        }
    }

    fn existing(&mut self, p: u32, list: u8) -> Insert {
        if let Some(slot) = self.slots.get_mut(p as usize)
            && slot.list == NO_LIST
        {
            slot.list = list;
        }
        Insert::Existing
    }

    /// Marks an Id as removed; `list` is its list's index if the download has that list.
    /// Returns the list of a work item that is no longer required because of it. `Err` when
    /// the Id is new and the index is full.
    pub(crate) fn add_removed(&mut self, id: &WorkItemId, list: u8) -> Result<Option<u8>, ()> {
        if let Some(slot) = self
            .position(id)
            .and_then(|p| self.slots.get_mut(p as usize))
        {
            let was_required = !slot.removed() && slot.list != NO_LIST;
            slot.flags |= REMOVED;
            return Ok(was_required.then_some(slot.list));
        }
        let slot = Slot {
            list,
            flags: REMOVED,
            file: 0,
        };
        self.insert(id, slot).map(|_| None).ok_or(())
    }

    /// The position of an Id, trying `*cursor` first for a canonical one; on success the
    /// cursor moves past it.
    pub(crate) fn find(&self, id: &WorkItemId, cursor: &mut Cursor) -> Option<u32> {
        match id.canonical_bytes() {
            Some(key) => self.find_canonical(&key, cursor),
            None => self.other.get(id.as_str()).copied(),
        }
    }

    /// [`find`](Self::find) for a canonical Id's 12 bytes.
    pub(crate) fn find_canonical(&self, key: &[u8; 12], cursor: &mut Cursor) -> Option<u32> {
        // Canonical keys are distinct, so the entry at the cursor is the one the table finds.
        let p = match self.keys.get(*cursor) {
            Some(k) if k == key => u32::try_from(*cursor).ok()?,
            _ => self.position_of_key(key)?,
        };
        *cursor = p as usize + 1;
        Some(p)
    }

    /// When the entry at `p` is not answered yet (and of `list`, or removed), marks it
    /// answered by `file`. Returns the slot as it was before.
    pub(crate) fn answer_at(&mut self, p: u32, file: u16, list: u8) -> Option<Slot> {
        let slot = self.slots.get_mut(p as usize)?;
        let before = *slot;
        if !before.answered() && (before.list == list || before.removed()) {
            slot.flags |= ANSWERED;
            slot.file = file;
        }
        Some(before)
    }

    /// Looks an Id up and, when it was not answered yet, marks it answered by `file`.
    /// Returns the slot as it was before.
    #[cfg(test)]
    pub(crate) fn answer(&mut self, id: &WorkItemId, file: u16, list: u8) -> Option<Slot> {
        let p = self.find(id, &mut 0)?;
        self.answer_at(p, file, list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_small_and_track_answers() {
        assert_eq!(std::mem::size_of::<Slot>(), 4);
        let mut ix = IdIndex::default();
        let a: WorkItemId = "A7kP2xQ9Lm4R".parse().unwrap();
        let b: WorkItemId = "680".parse().unwrap();
        assert!(matches!(ix.add_work_item(&a, 0), Insert::New));
        assert!(matches!(ix.add_work_item(&b, 1), Insert::New));
        assert!(matches!(ix.add_work_item(&a, 1), Insert::Existing));
        assert!(matches!(
            ix.add_canonical(*b"A7kP2xQ9Lm4R", 1),
            Insert::Existing
        ));
        assert!(!ix.answer(&a, 3, 0).unwrap().answered());
        let again = ix.answer(&a, 4, 0).unwrap();
        assert!(again.answered());
        assert_eq!(again.file, 3);
        // wrong list: not marked
        assert!(!ix.answer(&b, 0, 0).unwrap().answered());
        assert_eq!(ix.add_removed(&b, 1), Ok(Some(1)));
        assert_eq!(ix.add_removed(&b, 1), Ok(None));
        assert!(ix.answer(&b, 0, 0).unwrap().removed());
        assert!(ix.answer(&"zzz".parse().unwrap(), 0, 0).is_none());
        assert_eq!(ix.len(), 2);
    }

    #[test]
    fn cursor_tries_the_expected_position_first() {
        let mut ix = IdIndex::default();
        let keys = [*b"AAAAAAAAAAAA", *b"BBBBBBBBBBBB", *b"CCCCCCCCCCCC"];
        for k in keys {
            assert!(matches!(ix.add_canonical(k, 0), Insert::New));
        }
        let mut cursor = 0;
        assert_eq!(ix.find_canonical(&keys[0], &mut cursor), Some(0));
        assert_eq!(cursor, 1);
        // out of order: found through the table, the cursor follows
        assert_eq!(ix.find_canonical(&keys[2], &mut cursor), Some(2));
        assert_eq!(cursor, 3);
        assert_eq!(ix.find_canonical(&keys[1], &mut cursor), Some(1));
        assert_eq!(cursor, 2);
        assert_eq!(ix.find_canonical(b"DDDDDDDDDDDD", &mut cursor), None);
        assert_eq!(cursor, 2);
        let mut far = usize::MAX;
        assert_eq!(ix.find_canonical(&keys[0], &mut far), Some(0));
    }
}
