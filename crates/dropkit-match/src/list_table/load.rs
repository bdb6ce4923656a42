//! Loading a list: rows kept as entries, checked for a repeated Id by sorting (or, once one
//! is found, through the Id table), and the digest table built while the rows arrive.

use std::hash::BuildHasher;

use dropkit_files::WorkItemId;
use hashbrown::{DefaultHashBuilder, HashTable};

use super::{
    Entry, ListData, MAX_WORK_ITEMS, NO_HASH, ODD_ID, ODD_INDEX, build_index, id_bytes,
    work_item_id,
};
use crate::digest_index::DigestIndex;
use crate::index_build::{self, Dups};
use crate::{Error, id_keys};

impl ListData {
    /// Adds a row: a new work item, or a repeat of one already listed (counted; a new hash
    /// becomes an alias). Call [`ListData::finish`] after the last row.
    ///
    /// Rows are kept as new entries, one a row, and checked for a repeated Id by sorting
    /// ([`crate::id_keys`]) now and then (at most each time the entries double) and at the
    /// end: no table lookup a row.
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
        let Some(sized_for) = self.ready_for.filter(|_| !self.exact) else {
            return;
        };
        if self.entries.len() > table_holds(sized_for) {
            // The size hint was low: a fuller table would send lookups further; the table is
            // built at the end instead, to the entries' number.
            self.ready = None;
            self.ready_for = None;
            return;
        }
        let (table, dups) = self
            .ready
            .get_or_insert_with(|| (DigestIndex::with_capacity(sized_for), Dups::new()));
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
        // A table sized for far more digests than the list has (a size hint too high) is not
        // kept: built again to the entries' number, beside the last check.
        let len = self.entries.len();
        let ready = self
            .ready
            .take()
            .filter(|_| self.ready_for.is_some_and(|n| table_suits(n, len)));
        let unchecked = self.checked < self.entries.len();
        let (repeat, ready) = std::thread::scope(|scope| {
            let entries = &self.entries;
            let table =
                ready.map_or_else(|| Err(scope.spawn(move || build_index(entries, &[]))), Ok);
            // The rows are all in (a download's inflating is over): the last check on every core.
            let repeat = unchecked
                && sort_ids(
                    &mut self.sorted_ids,
                    (entries, &self.odd_ids),
                    &self.ids_hasher,
                    self.checked,
                    true,
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
            (entries, odd_ids),
            &self.ids_hasher,
            self.checked,
            false,
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
}

/// When to check next, `checked` entries checked: at twice as many up to half the rows the
/// list's size hint expects (`capacity`), then at half the way left each time (never past
/// twice as many) up to shortly before its end, then (past the hint) at twice as many again. The checks while the list
/// loads overlap the inflating; the one after the last row (which nothing overlaps) has few
/// keys to sort; and the last ones before it are small, so that the loading thread is not
/// still sorting a large run when the inflating ends (a single check from half to near the
/// end sorted some 440,000 keys there, about 15 ms with a core idle).
fn next_check(checked: usize, capacity: usize) -> usize {
    let near_end = capacity - capacity / 16;
    let doubled = checked.saturating_mul(2);
    if checked >= near_end || doubled <= capacity / 2 {
        doubled
    } else {
        // Here 1 <= checked < near_end, so checked + 1 <= near_end.min(doubled).
        (checked + (capacity - checked) / 2).clamp(checked + 1, near_end.min(doubled))
    }
}

/// Adds the keys of `entries[checked..]` to the sorted keys `sorted` (a run of their own);
/// whether two entries have the same Id. `every_core`: see [`id_keys::SortedRuns::add`].
fn sort_ids(
    sorted: &mut id_keys::SortedRuns,
    (entries, odd_ids): (&[Entry], &[WorkItemId]),
    hasher: &DefaultHashBuilder,
    checked: usize,
    every_core: bool,
) -> bool {
    let keys = (checked..entries.len()).map(|e| {
        let e = e as u32; // below MAX_WORK_ITEMS
        id_keys::key(hasher.hash_one(id_bytes(entries, odd_ids, e)), e)
    });
    let same = |a, b| id_bytes(entries, odd_ids, a) == id_bytes(entries, odd_ids, b);
    sorted.add(keys, same, every_core)
}

/// Most digests a table sized for `sized_for` takes while the list loads: a quarter more (a
/// load of about 0.63 of its words instead of 0.5; past it, lookups of digests that are not
/// listed search more buckets).
fn table_holds(sized_for: usize) -> usize {
    sized_for.saturating_add(sized_for / 4)
}

/// Whether a table sized for `sized_for` digests is kept for a list of `len` entries: not
/// fuller than [`table_holds`], and not more than about twice the size a table built for
/// `len` would have.
pub(super) fn table_suits(sized_for: usize, len: usize) -> bool {
    len <= table_holds(sized_for) && sized_for <= len.saturating_mul(2).saturating_add(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loads `n` rows as `Lists::from_archive` does (the table built between batches of
    /// rows), with a size hint of `hint`.
    fn load(n: usize, hint: usize) -> ListData {
        let name = "20261120_4821_Email.csv".parse().unwrap();
        let mut data = ListData::new(name, dropkit_hash::ListType::Email, hint);
        for i in 0..n {
            let id: [u8; 12] = format!("A7kP2xQ{i:05}").as_bytes().try_into().unwrap();
            let hash = *dropkit_hash::DropHash::of_standardized(&i.to_string()).as_bytes();
            data.push_canonical(id, hash).unwrap();
            if i % 100 == 99 {
                data.index_loaded();
            }
        }
        data.finish().unwrap();
        data.index();
        data
    }

    /// A size hint far too low or far too high still gives a table sized to the entries (not
    /// fuller than 0.63 of its words, not more than twice as large), and every digest is
    /// found at its entry.
    #[test]
    fn the_table_suits_the_entries_whatever_the_hint() {
        let n = 20_000;
        let right = DigestIndex::with_capacity(n).allocation_size();
        for hint in [0, n / 10, n - 1, n, n + 1, n * 10] {
            let data = load(n, hint);
            let size = data.table.allocation_size();
            assert!(
                size * 4 >= right * 3,
                "hint {hint}: table {size} for {right}"
            );
            assert!(
                size <= right * 2 + 8 * 1024,
                "hint {hint}: table {size} for {right}"
            );
            for i in 0..n {
                let hash = *dropkit_hash::DropHash::of_standardized(&i.to_string()).as_bytes();
                assert_eq!(data.find(&hash), Some(i as u32), "hint {hint}, row {i}");
            }
        }
    }

    /// Checks double up to half the expected rows, then go half the way left each time up to
    /// the last sixteenth, then double again past the hint.
    #[test]
    fn checks_get_smaller_towards_the_end() {
        let mut at = vec![8];
        while at.len() < 12 {
            at.push(next_check(*at.last().unwrap(), 1024));
        }
        assert_eq!(
            at,
            [8, 16, 32, 64, 128, 256, 512, 768, 896, 960, 1920, 3840]
        );
        // Every step moves on, never past twice the entries checked, whatever the hint.
        for capacity in [0, 1, 7, 16, 100, 1000, 1 << 20] {
            for checked in 1..1200 {
                let next = next_check(checked, capacity);
                assert!(next > checked, "{checked} of {capacity}");
                assert!(next <= 2 * checked, "{checked} of {capacity}: {next}");
            }
        }
    }

    #[test]
    fn table_suits_bounds() {
        assert!(table_suits(1000, 1000));
        assert!(table_suits(1000, 1250));
        assert!(!table_suits(1000, 1251));
        assert!(table_suits(3024, 1000));
        assert!(!table_suits(3025, 1000));
        assert!(!table_suits(0, 1));
    }
}
