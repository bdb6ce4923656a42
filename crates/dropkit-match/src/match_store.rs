//! The matches of a run until the records are all read: every hit (a work item and the
//! consumer key of the row that found it) appended in file order to the part of its list that
//! holds its work item, a part being a range of work items.
//!
//! Folding a block is therefore a few appends, whatever the work items it hits: nothing per
//! work item is touched while the records stream. At the end each part is sorted by work item
//! on its own core (its hits are in file order, so a work item's keys stay in the order the
//! records came) and its work items decided, and the match report is written part by part.
//!
//! A hit takes 4 bytes of work item, the key's length (one byte below 128) and the key. When
//! the run is set to spill ([`MatchStore::new`]), the hits staged in memory go to an unnamed
//! temporary file (deleted when closed, readable by nobody else) whenever they pass a few
//! megabytes, so memory stays flat however many records match; the parts are read back one
//! at a time, each a small fraction of the matches.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::lists::Lists;
use rows::settle_rows;
pub(crate) use rows::{Row, key_of, keys_text, next_key, settled_rows};

mod rows;

/// Fewest work items per part (below this a list is one part).
const PART_SHIFT_MIN: u32 = 12;
/// Most parts per list.
const MAX_PARTS: usize = 1 << 10;
/// Bytes of hits staged in memory before they are appended to the temporary file (when
/// spilling).
pub(crate) const SPILL_BUDGET: usize = 2 << 20;

/// One list's hits, by part.
struct PartedList {
    /// A work item's part is its index shifted right by this.
    shift: u32,
    parts: Vec<Part>,
    /// The list's work items.
    len: usize,
}

/// The hits of one range of work items, in file order: the spilled segments first (offset
/// and length in the temporary file), then the staged bytes.
#[derive(Default)]
struct Part {
    spilled: Vec<(u64, usize)>,
    staged: Vec<u8>,
}

/// Every hit of a run, by list and part.
pub(crate) struct MatchStore {
    lists: Vec<PartedList>,
    /// Staged bytes above which they are all spilled; `None`: everything stays in memory.
    budget: Option<usize>,
    staged: usize,
    spill: Option<Mutex<File>>,
    /// Where the temporary file goes (the system's temporary directory when `None`).
    spill_dir: Option<PathBuf>,
    spill_len: u64,
    /// The parts read back whole, for [`MatchStore::part`] on a store that spilled.
    loaded: OnceLock<Vec<Vec<Vec<u8>>>>,
}

impl MatchStore {
    /// An empty store for `lists`; with `spill_dir`, hits beyond [`SPILL_BUDGET`] bytes go to
    /// an unnamed temporary file in that directory (created if missing). The run's output
    /// directory is the right one: the consumer keys stay on the disk the user chose for the
    /// match report, and a RAM-backed `/tmp` does not hold what the spill takes off memory.
    pub(crate) fn new(lists: &Lists, spill_dir: Option<&Path>) -> Self {
        let sizes = lists.lists.iter().map(|data| data.len());
        let mut store = MatchStore::with_sizes(sizes, spill_dir.map(|_| SPILL_BUDGET));
        store.spill_dir = spill_dir.map(Path::to_path_buf);
        store
    }

    /// How errors name the temporary file: by its directory (the file has no name).
    pub(crate) fn spill_label(&self) -> String {
        match &self.spill_dir {
            Some(dir) => format!("(temporary match file in {})", dir.display()),
            None => "(temporary match file)".to_owned(),
        }
    }

    /// An empty store for lists of `sizes` work items, spilling past `budget` bytes.
    fn with_sizes(sizes: impl Iterator<Item = usize>, budget: Option<usize>) -> Self {
        let lists = sizes
            .map(|n| {
                let mut shift = PART_SHIFT_MIN;
                while (n >> shift) >= MAX_PARTS {
                    shift += 1;
                }
                PartedList {
                    shift,
                    parts: (0..n.div_ceil(1 << shift))
                        .map(|_| Part::default())
                        .collect(),
                    len: n,
                }
            })
            .collect();
        MatchStore {
            lists,
            budget,
            staged: 0,
            spill: None,
            spill_dir: None,
            spill_len: 0,
            loaded: OnceLock::new(),
        }
    }

    /// Appends a hit of work item `entry` of list `list` (both in range: hits come from the
    /// lists' own tables).
    #[inline]
    pub(crate) fn push(&mut self, list: u8, entry: u32, key: &str) {
        let l = &mut self.lists[usize::from(list)];
        let part = &mut l.parts[(entry >> l.shift) as usize];
        let before = part.staged.len();
        encode(&mut part.staged, entry, key.as_bytes());
        self.staged += part.staged.len() - before;
    }

    /// Spills the staged hits if they passed the budget.
    pub(crate) fn settle_memory(&mut self) -> io::Result<()> {
        match self.budget {
            Some(budget) if self.staged > budget => self.spill_all(),
            _ => Ok(()),
        }
    }

    fn spill_all(&mut self) -> io::Result<()> {
        if self.spill.is_none() {
            let file = match &self.spill_dir {
                Some(dir) => {
                    std::fs::create_dir_all(dir)?;
                    tempfile::tempfile_in(dir)?
                }
                None => tempfile::tempfile()?,
            };
            self.spill = Some(Mutex::new(file));
        }
        let Some(file) = &mut self.spill else {
            return Ok(());
        };
        let file = file.get_mut().map_err(|_| poisoned())?;
        // Appended at the end the offsets count, wherever a read back left the file's cursor.
        file.seek(SeekFrom::Start(self.spill_len))?;
        for part in self.lists.iter_mut().flat_map(|l| l.parts.iter_mut()) {
            if part.staged.is_empty() {
                continue;
            }
            file.write_all(&part.staged)?;
            part.spilled.push((self.spill_len, part.staged.len()));
            self.spill_len += part.staged.len() as u64;
            part.staged.clear();
        }
        self.staged = 0;
        Ok(())
    }

    /// Takes the temporary file out of the store, to be closed elsewhere (closing a large one
    /// frees its pages in the disk's cache, which takes a while). The parts that spilled
    /// then read as errors.
    pub(crate) fn take_spill(&mut self) -> Option<File> {
        self.spill.take().and_then(|file| file.into_inner().ok())
    }

    /// How many parts list `list` has, and the work items of each (`1 << shift`, the last
    /// part holding the rest).
    pub(crate) fn parts(&self, list: usize) -> (usize, usize) {
        let l = &self.lists[list];
        (l.parts.len(), 1 << l.shift)
    }

    /// The work items of a part.
    pub(crate) fn entries(&self, list: usize, part: usize) -> Range<u32> {
        let l = &self.lists[list];
        part_entries(part, l.shift, l.len)
    }

    /// The bytes of a part, read back from the temporary file if it spilled.
    pub(crate) fn read_part(&self, list: usize, part: usize) -> io::Result<Cow<'_, [u8]>> {
        read(&self.lists[list].parts[part], self.spill.as_ref())
    }

    /// The parts of list `list`, in order, each to be settled once
    /// ([`PartToSettle::settle`]) on any thread.
    pub(crate) fn parts_to_settle(&mut self, list: usize) -> Vec<PartToSettle<'_>> {
        // Parts read back whole before are read again: the parts in memory change order.
        self.loaded = OnceLock::new();
        let MatchStore { lists, spill, .. } = self;
        let l = &mut lists[list];
        let (shift, len) = (l.shift, l.len);
        l.parts
            .iter_mut()
            .enumerate()
            .map(|(p, part)| PartToSettle {
                part,
                spill: spill.as_ref(),
                entries: part_entries(p, shift, len),
            })
            .collect()
    }

    /// The bytes of a part, borrowed from the store. A store that spilled reads every part
    /// back into memory the first time (only `MatchOutcome::matches` needs this, and runs
    /// that spill never call it); a read error is logged and its parts left empty.
    pub(crate) fn part(&self, list: usize, part: usize) -> &[u8] {
        let p = &self.lists[list].parts[part];
        if p.spilled.is_empty() {
            return &p.staged;
        }
        let loaded = self.loaded.get_or_init(|| {
            (0..self.lists.len())
                .map(|l| {
                    (0..self.lists[l].parts.len())
                        .map(|p| match self.read_part(l, p) {
                            Ok(bytes) => bytes.into_owned(),
                            Err(e) => {
                                tracing::error!("reading back the temporary match file: {e}");
                                Vec::new()
                            }
                        })
                        .collect()
                })
                .collect()
        });
        &loaded[list][part]
    }
}

/// One part of a list, borrowed from the store to be settled ([`MatchStore::parts_to_settle`]).
pub(crate) struct PartToSettle<'a> {
    part: &'a mut Part,
    spill: Option<&'a Mutex<File>>,
    entries: Range<u32>,
}

impl PartToSettle<'_> {
    /// The part's work items.
    pub(crate) fn entries(&self) -> Range<u32> {
        self.entries.clone()
    }

    /// Hands the part's bytes and [`settled_rows`] to `settle`; a part held in memory is then
    /// kept in that settled order (a work item's rows together, each key once), so that the
    /// next reading (the match report) finds its rows in order and sorts nothing. A part that
    /// spilled is left on disk as it is (it is read back and sorted again when next read:
    /// keeping it settled in memory would take the memory the spill saves).
    pub(crate) fn settle<T>(
        self,
        settle: impl FnOnce(&[u8], &[Row]) -> io::Result<T>,
    ) -> io::Result<T> {
        let bytes = read(self.part, self.spill)?;
        let (rows, as_stored) = settle_rows(&bytes, self.entries.clone())?;
        let out = settle(&bytes, &rows)?;
        if !as_stored && matches!(bytes, Cow::Borrowed(_)) {
            let kept: usize = rows.iter().map(|r| r.2 + 9).sum();
            let mut settled = Vec::with_capacity(kept);
            for &(entry, start, len) in &rows {
                encode(&mut settled, entry, &bytes[start..start + len]);
            }
            drop(bytes);
            self.part.staged = settled;
        }
        Ok(out)
    }
}

/// The work items of part `part` of a list of `len` work items, `1 << shift` a part.
fn part_entries(part: usize, shift: u32, len: usize) -> Range<u32> {
    let start = part << shift;
    let end = ((part + 1) << shift).min(len);
    // Below the list's length, which fits in a u32 (MAX_WORK_ITEMS).
    start as u32..end as u32
}

/// Appends a hit: the work item (4 bytes), the key's length (7 bits a byte, the last byte
/// below 128) and the key.
#[inline]
fn encode(out: &mut Vec<u8>, entry: u32, key: &[u8]) {
    out.extend_from_slice(&entry.to_le_bytes());
    let mut len = key.len();
    while len >= 0x80 {
        out.push((len as u8) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(key);
}

/// The bytes of `part`, read back from the temporary file `spill` if it spilled.
fn read<'a>(part: &'a Part, spill: Option<&Mutex<File>>) -> io::Result<Cow<'a, [u8]>> {
    if part.spilled.is_empty() {
        return Ok(Cow::Borrowed(&part.staged));
    }
    let total: usize = part.spilled.iter().map(|s| s.1).sum::<usize>() + part.staged.len();
    let mut bytes = Vec::with_capacity(total);
    // The hits spilled and the file gone ([`MatchStore::take_spill`]): never the staged
    // bytes alone.
    let Some(file) = spill else {
        return Err(corrupt());
    };
    {
        let mut file = file.lock().map_err(|_| poisoned())?;
        for &(offset, len) in &part.spilled {
            file.seek(SeekFrom::Start(offset))?;
            // Into the room reserved above, without clearing it first.
            let got = (&mut *file).take(len as u64).read_to_end(&mut bytes)?;
            if got != len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                ));
            }
        }
    }
    bytes.extend_from_slice(&part.staged);
    Ok(Cow::Owned(bytes))
}

fn poisoned() -> io::Error {
    io::Error::other("the temporary match file's lock is poisoned")
}

fn corrupt() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the temporary match file reads back differently",
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The rows the simple way: by work item in file order, each key of a work item once.
    fn reference(hits: &[(u32, String)]) -> Vec<(u32, String)> {
        let mut out: Vec<(u32, String)> = Vec::new();
        let mut entries: Vec<u32> = hits.iter().map(|h| h.0).collect();
        entries.sort_unstable();
        entries.dedup();
        for e in entries {
            for (entry, key) in hits {
                if *entry == e && !out.iter().any(|(oe, ok)| *oe == e && ok == key) {
                    out.push((e, key.clone()));
                }
            }
        }
        out
    }

    fn rows_of(store: &MatchStore, list: usize) -> Vec<(u32, String)> {
        let (parts, _) = store.parts(list);
        let mut out = Vec::new();
        for p in 0..parts {
            let bytes = store.read_part(list, p).unwrap();
            for row in settled_rows(&bytes, store.entries(list, p)).unwrap() {
                out.push((row.0, key_of(&bytes, &row).unwrap().to_owned()));
            }
            // The borrowed form reads the same.
            let borrowed = store.part(list, p);
            assert_eq!(borrowed, &bytes[..]);
        }
        out
    }

    proptest! {
        #[test]
        fn settled_rows_follow_the_reference(
            n in 1usize..100_000,
            hits in prop::collection::vec((any::<u32>(), "[a-c]{0,3}|[é€x]{100,140}"), 0..300),
            budget in prop::option::of(0usize..200),
        ) {
            let hits: Vec<(u32, String)> =
                hits.into_iter().map(|(e, k)| (e % n as u32, k)).collect();
            let mut store = MatchStore::with_sizes([n].into_iter(), budget);
            for (i, (entry, key)) in hits.iter().enumerate() {
                store.push(0, *entry, key);
                if i % 7 == 0 {
                    store.settle_memory().unwrap();
                }
            }
            let expected = reference(&hits);
            prop_assert_eq!(rows_of(&store, 0), expected.clone());
            // Settled part by part: the same rows, the keys read as text once per part.
            let mut settled = Vec::new();
            for part in store.parts_to_settle(0) {
                part.settle(|bytes, rows| {
                    let text = keys_text(bytes, rows)?;
                    let mut at = 0;
                    for row in rows {
                        let key = next_key(&text, &mut at, row)?;
                        assert_eq!(key, key_of(bytes, row)?);
                        settled.push((row.0, key.to_owned()));
                    }
                    Ok(())
                })
                .unwrap();
            }
            prop_assert_eq!(&settled, &expected);
            // Kept in settled order: read again, the same rows, with nothing to reorder.
            prop_assert_eq!(rows_of(&store, 0), expected);
            if store.spill.is_none() {
                for p in 0..store.parts(0).0 {
                    let (_, as_stored) = settle_rows(store.part(0, p), store.entries(0, p)).unwrap();
                    prop_assert!(as_stored);
                }
            }
        }
    }

    #[test]
    fn the_spill_goes_to_its_directory_and_errors_name_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut store = MatchStore::with_sizes([10].into_iter(), Some(8));
        store.spill_dir = Some(dir.clone());
        store.push(0, 1, "a key longer than the budget");
        store.settle_memory().unwrap();
        assert!(dir.is_dir(), "the directory is created for the spill");
        assert_eq!(
            rows_of(&store, 0),
            [(1, "a key longer than the budget".to_owned())]
        );

        // A directory that cannot be made: the error, named by the directory.
        let file = tmp.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let mut store = MatchStore::with_sizes([10].into_iter(), Some(8));
        store.spill_dir = Some(file.join("out"));
        store.push(0, 1, "a key longer than the budget");
        assert!(store.settle_memory().is_err());
        assert!(
            store.spill_label().contains("a-file"),
            "{}",
            store.spill_label()
        );
    }

    #[test]
    fn a_spilled_store_reads_back_as_an_unspilled_one() {
        let n = 1 << 20;
        let mut kept = MatchStore::with_sizes([n, 3].into_iter(), None);
        let mut spilled = MatchStore::with_sizes([n, 3].into_iter(), Some(64));
        for i in 0..5000u32 {
            let entry = i.wrapping_mul(2_654_435_761) % n as u32;
            let key = format!("key-{}", i % 1300);
            for store in [&mut kept, &mut spilled] {
                store.push(0, entry, &key);
                store.push(1, i % 3, &key);
                store.settle_memory().unwrap();
            }
        }
        assert!(spilled.spill.is_some() && kept.spill.is_none());
        assert!(kept.parts(0).0 > 1);
        for list in 0..2 {
            assert_eq!(rows_of(&kept, list), rows_of(&spilled, list));
        }
        // The file taken away: the parts that spilled read as errors, not as their staged
        // hits alone.
        assert!(spilled.take_spill().is_some());
        let parts = spilled.parts(0).0;
        assert!((0..parts).any(|p| spilled.read_part(0, p).is_err()));
        assert!(kept.take_spill().is_none());
        assert!((0..parts).all(|p| kept.read_part(0, p).is_ok()));
    }
}
