//! The compact index of a download's work items that the validator checks answers against.

use hashbrown::HashMap;

use crate::WorkItemId;

/// No list: an Id known only from the Removed file, for a list not in the download.
pub(crate) const NO_LIST: u8 = u8::MAX;

const REMOVED: u8 = 1;
const ANSWERED: u8 = 2;

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

/// Work item Ids to [`Slot`]s. Canonical Ids (12 Base62 characters, all of DROP's by its
/// schema) are keyed by their 12 bytes: 16 bytes per entry plus the table's control byte,
/// about 20 to 40 bytes per work item depending on the table's fill. Other Ids (such as the
/// `680` of DROP's example) go to a map of boxed strings.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    canonical: HashMap<[u8; 12], Slot>,
    other: HashMap<Box<str>, Slot>,
}

pub(crate) enum Insert {
    New,
    /// The Id was already there.
    Existing,
}

impl IdIndex {
    pub(crate) fn reserve(&mut self, n: usize) {
        self.canonical.reserve(n);
    }

    pub(crate) fn len(&self) -> usize {
        self.canonical.len() + self.other.len()
    }

    fn slot_mut(&mut self, id: &WorkItemId) -> Option<&mut Slot> {
        match id.canonical_bytes() {
            Some(key) => self.canonical.get_mut(&key),
            None => self.other.get_mut(id.as_str()),
        }
    }

    fn insert(&mut self, id: &WorkItemId, slot: Slot) {
        match id.canonical_bytes() {
            Some(key) => {
                self.canonical.insert(key, slot);
            }
            None => {
                self.other.insert(id.as_str().into(), slot);
            }
        }
    }

    /// Adds a work item of list `list`; an Id seen before is left as it was. One probe of
    /// the table: at a million Ids, cache misses are most of the cost.
    pub(crate) fn add_work_item(&mut self, id: &WorkItemId, list: u8) -> Insert {
        let new = Slot {
            list,
            flags: 0,
            file: 0,
        };
        let slot = match id.canonical_bytes() {
            Some(key) => match self.canonical.entry(key) {
                hashbrown::hash_map::Entry::Vacant(v) => {
                    v.insert(new);
                    return Insert::New;
                }
                hashbrown::hash_map::Entry::Occupied(o) => o.into_mut(),
            },
            None => match self.other.entry(id.as_str().into()) {
                hashbrown::hash_map::Entry::Vacant(v) => {
                    v.insert(new);
                    return Insert::New;
                }
                hashbrown::hash_map::Entry::Occupied(o) => o.into_mut(),
            },
        };
        if slot.list == NO_LIST {
            slot.list = list;
        }
        Insert::Existing
    }

    /// Marks an Id as removed; `list` is its list's index if the download has that list.
    /// Returns the list of a work item that is no longer required because of it.
    pub(crate) fn add_removed(&mut self, id: &WorkItemId, list: u8) -> Option<u8> {
        if let Some(slot) = self.slot_mut(id) {
            let was_required = !slot.removed() && slot.list != NO_LIST;
            slot.flags |= REMOVED;
            return was_required.then_some(slot.list);
        }
        self.insert(
            id,
            Slot {
                list,
                flags: REMOVED,
                file: 0,
            },
        );
        None
    }

    /// Looks an Id up and, when it was not answered yet, marks it answered by `file`.
    /// Returns the slot as it was before.
    pub(crate) fn answer(&mut self, id: &WorkItemId, file: u16, list: u8) -> Option<Slot> {
        let slot = self.slot_mut(id)?;
        let before = *slot;
        if !before.answered() && (before.list == list || before.removed()) {
            slot.flags |= ANSWERED;
            slot.file = file;
        }
        Some(before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_small_and_track_answers() {
        assert_eq!(std::mem::size_of::<([u8; 12], Slot)>(), 16);
        let mut ix = IdIndex::default();
        let a: WorkItemId = "A7kP2xQ9Lm4R".parse().unwrap();
        let b: WorkItemId = "680".parse().unwrap();
        assert!(matches!(ix.add_work_item(&a, 0), Insert::New));
        assert!(matches!(ix.add_work_item(&b, 1), Insert::New));
        assert!(matches!(ix.add_work_item(&a, 1), Insert::Existing));
        assert!(!ix.answer(&a, 3, 0).unwrap().answered());
        let again = ix.answer(&a, 4, 0).unwrap();
        assert!(again.answered());
        assert_eq!(again.file, 3);
        // wrong list: not marked
        assert!(!ix.answer(&b, 0, 0).unwrap().answered());
        assert_eq!(ix.add_removed(&b, 1), Some(1));
        assert_eq!(ix.add_removed(&b, 1), None);
        assert!(ix.answer(&b, 0, 0).unwrap().removed());
        assert!(ix.answer(&"zzz".parse().unwrap(), 0, 0).is_none());
        assert_eq!(ix.len(), 2);
    }
}
