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
use crate::index_build::{self, Dups};
use crate::{Error, id_keys};

/// A digest that stands for "no hash": a row whose Id is readable but whose hash is not.
/// SHA-256 never yields 32 zero bytes in practice, so no record can match it.
pub(crate) const NO_HASH: [u8; 32] = [0; 32];

/// The bit of a table slot that marks an alias (the rest indexes `aliases`); without it the
/// slot is an entry index. It also bounds the work items of one list.
const ALIAS: u32 = 1 << 31;

/// Entries loaded before the first check for a repeated Id; the checks then come each time
/// the entries double (and once more shortly before the end the size hint expects), so rows
/// kept before a repeat is seen are at most this many or twice the distinct work items.
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

    /// Adds a row: a new work item, or a repeat of one already listed (counted; a new hash
    /// becomes an alias). Call [`ListData::finish`] after the last row.
    ///
    /// Rows are kept as new entries, one a row, and checked for a repeated Id by sorting
    /// ([`crate::id_keys`]) each time the entries double and at the end: no table lookup a row.
    /// Once a check finds a repeat, the rows so far are loaded again through the Id table
    /// ([`ListData::push_exact`]), which then takes every later row: the entries, aliases and
    /// repeats are those of the Id table alone, row for row.
    pub(crate) fn push(&mut self, id: &WorkItemId, hash: [u8; 32]) -> Result<(), Error> {
        self.rows_read += 1;
        if self.exact {
            return self.push_exact(id, hash);
        }
        self.push_new(id, hash)?;
        if self.entries.len() >= self.next_check {
            self.check_ids()?;
        }
        Ok(())
    }

    /// [`ListData::push`] for a row whose Id is canonical (its 12 bytes, as
    /// [`WorkItemId::canonical_bytes`] gives them): the same entry, without building the Id.
    pub(crate) fn push_canonical(&mut self, id: [u8; 12], hash: [u8; 32]) -> Result<(), Error> {
        if self.exact || self.entries.len() >= MAX_WORK_ITEMS {
            // Rare: the Id table's path (or the error), as for any other row.
            let id = std::str::from_utf8(&id)
                .ok()
                .and_then(WorkItemId::new)
                .filter(WorkItemId::is_canonical)
                .ok_or_else(|| Error::Mapping("a canonical Id is 12 ASCII alphanumerics".into()))?;
            return self.push(&id, hash);
        }
        self.rows_read += 1;
        self.entries.push(Entry { hash, id });
        if self.entries.len() >= self.next_check {
            self.check_ids()?;
        }
        Ok(())
    }

    /// Adds the entries loaded since the last call to the digest table of the entries as
    /// loaded (see `ready`); for the thread loading a list, between batches of rows, while it
    /// would wait for the next ones. Nothing once a repeated Id was found (the entries are
    /// then those of the Id table, indexed at the end).
    pub(crate) fn index_loaded(&mut self) {
        if self.exact {
            return;
        }
        let capacity = self.entries.capacity();
        let (table, dups) = self
            .ready
            .get_or_insert_with(|| (DigestIndex::with_capacity(capacity), Dups::new()));
        let entries = &self.entries;
        // Below MAX_WORK_ITEMS: no alias bit.
        let slots = self.indexed as u32..entries.len() as u32;
        index_build::add(table, dups, slots, |e| &entries[e as usize].hash, |e| e);
        self.indexed = entries.len();
    }

    /// Checks the last rows for a repeated Id (see [`ListData::push`]); called once the last
    /// row is pushed, before [`ListData::find_id`].
    ///
    /// The last check runs beside the end of the digest table of the entries as they are
    /// (see [`ListData::index_loaded`]; the whole table, on another thread, if none was
    /// begun): a list without a repeated Id (nearly all) is then indexed already; with a
    /// repeat, the table is dropped and [`ListData::index`] builds it again.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        if self.exact {
            return Ok(());
        }
        if self.ready.is_some() {
            self.index_loaded();
        }
        let ready = self.ready.take();
        let unchecked = self.checked < self.entries.len();
        let (repeat, ready) = std::thread::scope(|scope| {
            let entries = &self.entries;
            let table =
                ready.map_or_else(|| Err(scope.spawn(move || build_index(entries, &[]))), Ok);
            let repeat = unchecked
                && sort_ids(
                    &mut self.sorted_ids,
                    entries,
                    &self.odd_ids,
                    &self.ids_hasher,
                    self.checked,
                );
            match table {
                Ok(ready) => (repeat, ready),
                Err(table) => match table.join() {
                    Ok(ready) => (repeat, ready),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
            }
        });
        self.checked = self.entries.len();
        self.next_check = next_check(self.checked, self.entries.capacity());
        self.indexed = self.entries.len();
        if repeat {
            self.replay()
        } else {
            self.ready = Some(ready);
            Ok(())
        }
    }

    fn check_ids(&mut self) -> Result<(), Error> {
        let (entries, odd_ids) = (&self.entries, &self.odd_ids);
        let repeat = sort_ids(
            &mut self.sorted_ids,
            entries,
            odd_ids,
            &self.ids_hasher,
            self.checked,
        );
        self.checked = self.entries.len();
        self.next_check = next_check(self.checked, self.entries.capacity());
        if repeat {
            self.replay()?;
        }
        Ok(())
    }

    /// Loads the rows kept so far (one entry each, in file order) again through the Id table.
    fn replay(&mut self) -> Result<(), Error> {
        self.sorted_ids = id_keys::SortedRuns::default();
        self.ready = None;
        self.exact = true;
        let rows = std::mem::take(&mut self.entries);
        let odd_ids = std::mem::take(&mut self.odd_ids);
        self.entries = Vec::with_capacity(rows.capacity());
        self.by_id = HashTable::with_capacity(rows.len());
        for (e, row) in rows.iter().enumerate() {
            let id = work_item_id(&rows, &odd_ids, e as u32);
            self.push_exact(&id, row.hash)?;
        }
        Ok(())
    }

    /// A new entry for the row, whatever Ids came before; its index.
    fn push_new(&mut self, id: &WorkItemId, hash: [u8; 32]) -> Result<u32, Error> {
        if self.entries.len() >= MAX_WORK_ITEMS {
            return Err(Error::TooManyWorkItems {
                file: self.name.to_string(),
            });
        }
        let bytes = match id.canonical_bytes() {
            Some(bytes) => bytes,
            None => {
                let mut bytes = [ODD_ID; 12];
                bytes[ODD_INDEX].copy_from_slice(&(self.odd_ids.len() as u64).to_le_bytes());
                self.odd_ids.push(id.clone());
                bytes
            }
        };
        // Below MAX_WORK_ITEMS, checked above.
        let e = self.entries.len() as u32;
        self.entries.push(Entry { hash, id: bytes });
        Ok(e)
    }

    /// Adds a row through the Id table: a repeat of an Id already listed is counted (a new
    /// hash becomes an alias), any other row is a new entry.
    fn push_exact(&mut self, id: &WorkItemId, hash: [u8; 32]) -> Result<(), Error> {
        let h = self.ids_hasher.hash_one(id.as_str().as_bytes());
        let (entries, odd_ids) = (&self.entries, &self.odd_ids);
        let found = self.by_id.find(h, |&j| {
            id_bytes(entries, odd_ids, j) == id.as_str().as_bytes()
        });
        if let Some(&e) = found {
            *self.repeats.entry(e).or_insert(0) += 1;
            let entry = &mut self.entries[e as usize];
            if entry.hash == NO_HASH {
                entry.hash = hash;
            } else if hash != NO_HASH && hash != entry.hash && self.alias_set.insert((e, hash)) {
                self.aliases.push((hash, e));
            }
            return Ok(());
        }
        let e = self.push_new(id, hash)?;
        let (entries, odd_ids, hasher) = (&self.entries, &self.odd_ids, &self.ids_hasher);
        self.by_id
            .insert_unique(h, e, |&j| hasher.hash_one(id_bytes(entries, odd_ids, j)));
        Ok(())
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

    /// The Id's text, without building a [`WorkItemId`].
    pub(crate) fn id_str(&self, index: u32) -> &str {
        id_text(&self.entries, &self.odd_ids, index)
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

/// When to check next, `checked` entries checked: at twice as many, or, when that passes the
/// end the list's size hint expects (`capacity`), shortly before that end, so that the check
/// after the last row (which nothing overlaps) has few keys to sort.
fn next_check(checked: usize, capacity: usize) -> usize {
    let near_end = capacity - capacity / 16;
    let doubled = checked.saturating_mul(2);
    if checked < near_end && doubled > near_end {
        near_end
    } else {
        doubled
    }
}

/// Adds the keys of `entries[checked..]` to the sorted keys `sorted` (a run of their own);
/// whether two entries have the same Id.
fn sort_ids(
    sorted: &mut id_keys::SortedRuns,
    entries: &[Entry],
    odd_ids: &[WorkItemId],
    hasher: &DefaultHashBuilder,
    checked: usize,
) -> bool {
    let keys = (checked..entries.len()).map(|e| {
        let e = e as u32; // below MAX_WORK_ITEMS
        id_keys::key(hasher.hash_one(id_bytes(entries, odd_ids, e)), e)
    });
    sorted.add(keys, |a, b| {
        id_bytes(entries, odd_ids, a) == id_bytes(entries, odd_ids, b)
    })
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
        WorkItemId::new(id_text(entries, odd_ids, index))
            .expect("a canonical Id is 12 ASCII alphanumerics")
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

fn id_text<'a>(entries: &'a [Entry], odd_ids: &'a [WorkItemId], index: u32) -> &'a str {
    let id = &entries[index as usize].id;
    if id[0] == ODD_ID {
        odd_ids[odd_index(id)].as_str()
    } else {
        std::str::from_utf8(id).expect("a canonical Id is 12 ASCII alphanumerics")
    }
}
