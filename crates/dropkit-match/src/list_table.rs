//! One list of the download in memory: one entry per distinct work item Id, and a table keyed
//! on the raw 32-byte digest.
//!
//! An Id listed more than once is kept once (DROP's Ids are unique within a list; a repeat is
//! answered once and reported). Memory and the status file therefore grow with the distinct
//! work items, not with the rows: a list repeating one Id millions of times holds one entry.
//! If a repeat carries another hash than the first listing, that hash is kept as an *alias* of
//! the same work item, so a record matching either hash matches the work item (the safest
//! reading: no identifier DROP sent is left unmatched).

use std::hash::BuildHasher;

use dropkit_files::{ListFileName, WorkItemId};
use dropkit_hash::ListType;
use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};

use crate::digest_index::{Candidate, DigestIndex, Group};
use crate::id_keys;
use crate::index_build::{self, Dups};

mod load;

/// A digest that stands for "no hash": a row whose Id is readable but whose hash is not.
/// SHA-256 never yields 32 zero bytes in practice, so no record can match it.
pub(crate) const NO_HASH: [u8; 32] = [0; 32];

/// The bit of a table slot that marks an alias (the rest indexes `aliases`); without it the
/// slot is an entry index. It also bounds the work items of one list.
const ALIAS: u32 = 1 << 31;

/// Entries loaded before the first check for a repeated Id; each check then comes at most at
/// twice the entries checked (closer together past half the rows the size hint expects, see
/// `next_check`), so rows kept before a repeat is seen are at most this many or twice the
/// distinct work items.
const FIRST_CHECK: usize = if cfg!(test) { 8 } else { 1 << 16 };

/// Most work items one list may hold.
pub(crate) const MAX_WORK_ITEMS: usize = (ALIAS - 1) as usize;

/// The tag byte of an entry's Id that is not 12 Base62 characters (a canonical Id is
/// alphanumeric, so its first byte is never 0): the next 8 bytes index `odd_ids`.
const ODD_ID: u8 = 0;

/// Where an odd Id's index into `odd_ids` sits in [`Entry::id`] (after the [`ODD_ID`] tag),
/// little-endian.
const ODD_INDEX: std::ops::Range<usize> = 1..9;

/// One work item: 44 bytes, alignment 1, so a `Vec` of them has no padding.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    hash: [u8; 32],
    /// A canonical Id's 12 bytes; for any other Id, [`ODD_ID`] then the index into `odd_ids`.
    id: [u8; 12],
}

/// A table slot: an entry index, or [`ALIAS`] and an alias index.
pub(crate) type Slot = u32;

/// One list of the download, indexed.
pub(crate) struct ListData {
    pub(crate) name: ListFileName,
    pub(crate) list: ListType,
    entries: Vec<Entry>,
    /// Further hashes of a listed Id: (hash, entry index).
    aliases: Vec<([u8; 32], u32)>,
    /// Slot by digest (the first slot of each digest); built by [`ListData::index`].
    table: DigestIndex,
    /// The digest table and `dups` of `entries[..indexed]` as loaded (no aliases), built
    /// while loading ([`ListData::index_loaded`]) and completed by [`ListData::finish`];
    /// dropped when the entries change (a repeat, Removed work items), else taken by
    /// [`ListData::index`].
    ready: Option<(DigestIndex, Dups)>,
    /// The digests `ready`'s table was sized for (the list's size hint), or `None` once the
    /// entries outgrew it: the table is then built at the end, to the entries' number
    /// (see `load::table_suits`).
    ready_for: Option<usize>,
    indexed: usize,
    /// Further work items with the digest of a first slot (DROP may list one identifier
    /// twice under two work items): first slot -> the other entries.
    dups: Dups,
    odd_ids: Vec<WorkItemId>,
    /// While loading, once a repeated Id was found: entry index by Id, to answer a repeated
    /// Id once (see [`ListData::push`]).
    by_id: HashTable<u32>,
    /// Whether `by_id` is in use (a repeated Id was found), rather than `sorted_ids`.
    exact: bool,
    /// While loading, until a repeated Id is found: the Id keys of `entries[..checked]`,
    /// sorted ([`crate::id_keys`]).
    sorted_ids: id_keys::SortedRuns,
    checked: usize,
    /// The entry count at which the rows are next checked for a repeated Id.
    next_check: usize,
    ids_hasher: DefaultHashBuilder,
    /// While loading: the aliases already kept, to keep each once.
    alias_set: HashSet<(u32, [u8; 32])>,
    /// Work items listed more than once: entry index -> rows beyond the first.
    repeats: HashMap<u32, u64>,
    /// Rows in the file that gave a work item (repeats and Removed ones included).
    pub(crate) rows_read: u64,
    /// Work items dropped because the Removed file withdrew them.
    pub(crate) removed: u64,
}

fn odd_index(id: &[u8; 12]) -> usize {
    let mut n = [0u8; 8];
    n.copy_from_slice(&id[ODD_INDEX]);
    u64::from_le_bytes(n) as usize
}

impl ListData {
    /// An empty list with room for about `capacity` work items (an estimate from the file's
    /// size: a list of repeated rows holds far fewer; the entries are trimmed to their number
    /// once loaded, and the Id table is built only when a repeated Id is found).
    pub(crate) fn new(name: ListFileName, list: ListType, capacity: usize) -> Self {
        ListData {
            name,
            list,
            entries: Vec::with_capacity(capacity),
            aliases: Vec::new(),
            table: DigestIndex::default(),
            ready: None,
            ready_for: Some(capacity),
            indexed: 0,
            dups: HashMap::new(),
            odd_ids: Vec::new(),
            by_id: HashTable::new(),
            exact: false,
            sorted_ids: id_keys::SortedRuns::default(),
            checked: 0,
            next_check: FIRST_CHECK,
            ids_hasher: DefaultHashBuilder::default(),
            alias_set: HashSet::new(),
            repeats: HashMap::new(),
            rows_read: 0,
            removed: 0,
        }
    }

    /// The entry of `id`, once loaded ([`ListData::finish`]) and before indexing.
    pub(crate) fn find_id(&self, id: &str) -> Option<u32> {
        let h = self.ids_hasher.hash_one(id.as_bytes());
        if !self.exact {
            return self.sorted_ids.find(h, |e| {
                id_bytes(&self.entries, &self.odd_ids, e) == id.as_bytes()
            });
        }
        self.by_id
            .find(h, |&j| {
                id_bytes(&self.entries, &self.odd_ids, j) == id.as_bytes()
            })
            .copied()
    }

    /// Drops the entries flagged in `gone` (one flag per entry), with their aliases and
    /// repeats; entry indexes are renumbered. Called before [`ListData::index`].
    pub(crate) fn drop_entries(&mut self, gone: &[bool]) {
        let mut renumber = Vec::with_capacity(self.entries.len());
        let mut kept = 0u32;
        for &g in gone {
            renumber.push(if g { None } else { Some(kept) });
            kept += u32::from(!g);
        }
        let before = self.entries.len();
        let mut flags = gone.iter();
        self.entries.retain(|_| flags.next() == Some(&false));
        self.removed += (before - self.entries.len()) as u64;
        let new = |e: u32| renumber.get(e as usize).copied().flatten();
        self.aliases = self
            .aliases
            .iter()
            .filter_map(|&(hash, e)| Some((hash, new(e)?)))
            .collect();
        self.repeats = self
            .repeats
            .iter()
            .filter_map(|(&e, &n)| Some((new(e)?, n)))
            .collect();
        // Entry indexes changed: the Id table, keys and digest table are stale.
        self.ready = None;
        self.by_id = HashTable::new();
        self.sorted_ids = id_keys::SortedRuns::default();
    }

    /// Builds the digest table and drops what only loading needed; called once, after the
    /// Removed work items are gone.
    pub(crate) fn index(&mut self) {
        self.by_id = HashTable::new();
        self.sorted_ids = id_keys::SortedRuns::default();
        self.alias_set = HashSet::new();
        self.entries.shrink_to_fit();
        self.aliases.shrink_to_fit();
        // Built by `finish` for these entries unless they changed since (which dropped it).
        let (table, dups) = match self.ready.take() {
            Some(ready) if self.aliases.is_empty() => ready,
            _ => build_index(&self.entries, &self.aliases),
        };
        self.table = table;
        self.dups = dups;
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The first step of looking `digest` up: its home bucket's tags, no entry read (see
    /// [`DigestIndex`]). Probe a batch step by step: [`ListData::candidate`], then
    /// [`ListData::resolve`] and [`ListData::check`] the candidates that are
    /// [`DigestIndex::open`].
    #[inline]
    pub(crate) fn group(&self, digest: &[u8; 32]) -> Group {
        self.table.group(digest)
    }

    /// The position of the word whose tag matches, from the tags alone.
    #[inline]
    pub(crate) fn candidate(&self, digest: &[u8; 32], group: &Group) -> Candidate {
        self.table.candidate(digest, group)
    }

    /// The second step: reads the candidate's slot ([`DigestIndex::resolve`]).
    #[inline]
    pub(crate) fn resolve(&self, candidate: Candidate) -> Candidate {
        self.table.resolve(candidate)
    }

    /// The last step, without a branch on the entry read: the slot if the candidate holds
    /// `digest`, and whether [`ListData::find`] must still look ([`DigestIndex::check`]).
    #[inline]
    pub(crate) fn check(&self, digest: &[u8; 32], candidate: Candidate) -> (Option<Slot>, bool) {
        self.table
            .check(digest, candidate, |slot| self.slot_hash(slot))
    }

    /// The first slot whose hash is `digest`, in one go.
    pub(crate) fn find(&self, digest: &[u8; 32]) -> Option<Slot> {
        self.table.find(digest, |slot| self.slot_hash(slot))
    }

    #[inline]
    fn slot_hash(&self, slot: Slot) -> &[u8; 32] {
        if slot & ALIAS != 0 {
            &self.aliases[(slot & !ALIAS) as usize].0
        } else {
            &self.entries[slot as usize].hash
        }
    }

    /// Calls `hit` with the work item of `first` and every other work item with its hash.
    #[inline]
    pub(crate) fn with_dups(&self, first: Slot, mut hit: impl FnMut(u32)) {
        hit(entry_of(&self.aliases, first));
        if !self.dups.is_empty()
            && let Some(more) = self.dups.get(&first)
        {
            more.iter().copied().for_each(hit);
        }
    }

    pub(crate) fn id(&self, index: u32) -> WorkItemId {
        work_item_id(&self.entries, &self.odd_ids, index)
    }

    /// The Id's text, without building a [`WorkItemId`] (the match report writes
    /// [`id_bytes`](Self::id_bytes)).
    #[cfg(test)]
    pub(crate) fn id_str(&self, index: u32) -> &str {
        id_text(&self.entries, &self.odd_ids, index)
    }

    /// The Id's bytes (its text's, without a UTF-8 check), for writing it out.
    #[inline]
    pub(crate) fn id_bytes(&self, index: u32) -> &[u8] {
        id_bytes(&self.entries, &self.odd_ids, index)
    }

    /// The 12 bytes of the Id when it is canonical (checked when loaded), `None` for any
    /// other Id ([`id`](Self::id) gives every one).
    #[inline]
    pub(crate) fn canonical_id(&self, index: u32) -> Option<&[u8; 12]> {
        let id = &self.entries[index as usize].id;
        (id[0] != ODD_ID).then_some(id)
    }

    /// The work items listed more than once: entry, how many times listed, how many distinct
    /// hashes, in file order.
    pub(crate) fn repeats(&self) -> Vec<(u32, u64, u64)> {
        let mut hashes: HashMap<u32, u64> = HashMap::new();
        for &(_, e) in &self.aliases {
            *hashes.entry(e).or_insert(0) += 1;
        }
        let mut out: Vec<(u32, u64, u64)> = self
            .repeats
            .iter()
            .map(|(&e, &extra)| {
                (
                    e,
                    extra + 1,
                    hashes.get(&e).map_or(1, |aliases| aliases + 1),
                )
            })
            .collect();
        out.sort_unstable_by_key(|r| r.0);
        out
    }

    /// Rows beyond the first of the work items listed more than once.
    pub(crate) fn repeated_rows(&self) -> u64 {
        self.repeats.values().sum()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<Entry>()
            + self.aliases.capacity() * size_of::<([u8; 32], u32)>()
            + self.table.allocation_size()
            + self.dups.allocation_size()
            + self.dups.values().map(|v| v.capacity() * 4).sum::<usize>()
            + self.odd_ids.capacity() * size_of::<WorkItemId>()
            + self.repeats.allocation_size()
    }
}

/// The digest table of `entries` and `aliases`, and the work items beyond the first of each
/// digest.
fn build_index(entries: &[Entry], aliases: &[([u8; 32], u32)]) -> (DigestIndex, Dups) {
    let hash_of = |slot: Slot| -> &[u8; 32] {
        if slot & ALIAS != 0 {
            &aliases[(slot & !ALIAS) as usize].0
        } else {
            &entries[slot as usize].hash
        }
    };
    let slots = (0..entries.len() as u32).chain((0..aliases.len() as u32).map(|a| a | ALIAS));
    let mut table = DigestIndex::with_capacity(entries.len() + aliases.len());
    let mut dups = Dups::new();
    index_build::add(&mut table, &mut dups, slots, hash_of, |slot| {
        entry_of(aliases, slot)
    });
    (table, dups)
}

/// The work item of a table slot.
#[inline]
fn entry_of(aliases: &[([u8; 32], u32)], slot: Slot) -> u32 {
    if slot & ALIAS != 0 {
        aliases[(slot & !ALIAS) as usize].1
    } else {
        slot
    }
}

/// The [`WorkItemId`] of entry `index`.
fn work_item_id(entries: &[Entry], odd_ids: &[WorkItemId], index: u32) -> WorkItemId {
    let id = &entries[index as usize].id;
    if id[0] == ODD_ID {
        odd_ids[odd_index(id)].clone()
    } else {
        WorkItemId::from_canonical(id).expect("a canonical Id is 12 ASCII alphanumerics")
    }
}

/// The bytes of entry `index`'s Id (its text's, without the UTF-8 check: for hashing and
/// comparing Ids).
#[inline]
fn id_bytes<'a>(entries: &'a [Entry], odd_ids: &'a [WorkItemId], index: u32) -> &'a [u8] {
    let id = &entries[index as usize].id;
    if id[0] == ODD_ID {
        odd_ids[odd_index(id)].as_str().as_bytes()
    } else {
        id
    }
}

#[cfg(test)]
fn id_text<'a>(entries: &'a [Entry], odd_ids: &'a [WorkItemId], index: u32) -> &'a str {
    let id = &entries[index as usize].id;
    if id[0] == ODD_ID {
        odd_ids[odd_index(id)].as_str()
    } else {
        std::str::from_utf8(id).expect("a canonical Id is 12 ASCII alphanumerics")
    }
}
