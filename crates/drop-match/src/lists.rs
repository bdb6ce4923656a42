//! The list side of the join: every work item of the download in a compact table keyed on the
//! raw 32-byte digest, loaded once.

use std::io::{self, Read, Seek};
use std::sync::mpsc::{Receiver, SyncSender};

use drop_files::{
    DataType, DownloadArchive, ListFileName, ListReader, ListRow, RemovedRow, WorkItemId,
};
use drop_hash::{DropHash, ListType};
use hashbrown::{HashMap, HashSet, HashTable};

use crate::Error;

/// A digest that stands for "no hash": a row whose Id is readable but whose hash is not.
/// SHA-256 never yields 32 zero bytes in practice, so no record can match it.
const NO_HASH: [u8; 32] = [0; 32];

/// Bytes of a list row with a canonical Id and LF line ends (`<12>,<44>\n`): the row-count
/// estimate used to size the table before reading.
const ROW_BYTES: u64 = 58;

/// One work item: 44 bytes, alignment 1, so a `Vec` of them has no padding.
#[derive(Clone, Copy)]
struct Entry {
    hash: [u8; 32],
    /// A canonical Id's 12 bytes; for any other Id, `0` then the index into `odd_ids` (a
    /// canonical Id is alphanumeric, so it never starts with `0u8`).
    id: [u8; 12],
}

/// One list of the download, indexed.
pub(crate) struct ListData {
    pub(crate) name: ListFileName,
    pub(crate) list: ListType,
    entries: Vec<Entry>,
    /// Entry index by digest (the first entry of each digest).
    table: HashTable<u32>,
    /// Further entries with the digest of a first entry (DROP may list one identifier twice
    /// under two work items): first index -> the others.
    dups: HashMap<u32, Vec<u32>>,
    odd_ids: Vec<WorkItemId>,
    /// Rows in the file, before the Removed ones were dropped.
    pub(crate) rows_read: u64,
}

fn odd_index(id: &[u8; 12]) -> usize {
    let mut n = [0u8; 8];
    n.copy_from_slice(&id[1..9]);
    u64::from_le_bytes(n) as usize
}

fn table_hash(digest: &[u8; 32]) -> u64 {
    // The key is a SHA-256 digest already: its first 8 bytes are as good as any hash of it.
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(b)
}

impl ListData {
    fn new(name: ListFileName, list: ListType, capacity: usize) -> Self {
        ListData {
            name,
            list,
            entries: Vec::with_capacity(capacity),
            table: HashTable::new(),
            dups: HashMap::new(),
            odd_ids: Vec::new(),
            rows_read: 0,
        }
    }

    fn push(&mut self, id: &WorkItemId, hash: [u8; 32]) -> Result<(), Error> {
        if self.entries.len() >= (u32::MAX - 1) as usize {
            return Err(Error::TooManyWorkItems {
                file: self.name.to_string(),
            });
        }
        let id = match id.canonical_bytes() {
            Some(bytes) => bytes,
            None => {
                let mut bytes = [0u8; 12];
                bytes[1..9].copy_from_slice(&(self.odd_ids.len() as u64).to_le_bytes());
                self.odd_ids.push(id.clone());
                bytes
            }
        };
        self.entries.push(Entry { hash, id });
        Ok(())
    }

    /// Builds the digest table; called once, after the Removed work items are gone.
    fn index(&mut self) {
        let mut table = HashTable::with_capacity(self.entries.len());
        let entries = &self.entries;
        for (i, entry) in entries.iter().enumerate() {
            if entry.hash == NO_HASH {
                continue;
            }
            let i = i as u32;
            let h = table_hash(&entry.hash);
            match table.find(h, |&j: &u32| entries[j as usize].hash == entry.hash) {
                Some(&first) => self.dups.entry(first).or_insert_with(Vec::new).push(i),
                None => {
                    table.insert_unique(h, i, |&j: &u32| table_hash(&entries[j as usize].hash));
                }
            }
        }
        self.table = table;
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The first work item whose hash is `digest`.
    #[inline]
    pub(crate) fn find_first(&self, digest: &[u8; 32]) -> Option<u32> {
        self.table
            .find(table_hash(digest), |&j| {
                self.entries[j as usize].hash == *digest
            })
            .copied()
    }

    /// Calls `hit` with `first` and every other work item with the same hash.
    #[inline]
    pub(crate) fn with_dups(&self, first: u32, mut hit: impl FnMut(u32)) {
        hit(first);
        if !self.dups.is_empty()
            && let Some(more) = self.dups.get(&first)
        {
            more.iter().copied().for_each(hit);
        }
    }

    pub(crate) fn id(&self, index: u32) -> WorkItemId {
        let id = &self.entries[index as usize].id;
        if id[0] == 0 {
            self.odd_ids[odd_index(id)].clone()
        } else {
            WorkItemId::new(self.id_str(index)).expect("a canonical Id is 12 ASCII alphanumerics")
        }
    }

    /// The Id's text, without building a [`WorkItemId`].
    pub(crate) fn id_str(&self, index: u32) -> &str {
        let id = &self.entries[index as usize].id;
        if id[0] == 0 {
            self.odd_ids[odd_index(id)].as_str()
        } else {
            std::str::from_utf8(id).expect("a canonical Id is 12 ASCII alphanumerics")
        }
    }

    fn heap_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<Entry>()
            + self.table.allocation_size()
            + self.dups.allocation_size()
            + self.dups.values().map(|v| v.capacity() * 4).sum::<usize>()
            + self.odd_ids.capacity() * size_of::<WorkItemId>()
    }
}

/// A work item of the Removed file: DROP withdrew it, so it is not answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedItem {
    /// The work item Id.
    pub id: WorkItemId,
    /// The list it was delivered in, as the Removed file says.
    pub list_type: ListType,
    /// Its hash.
    pub hash: DropHash,
    /// Its line in the Removed file.
    pub line: u64,
    /// Whether it was in one of this download's lists (and was dropped from it); `false` for
    /// an identifier delivered in an earlier download.
    pub in_download: bool,
}

/// Every list of a download, loaded once and indexed on the raw digest, with the Removed work
/// items dropped.
///
/// Memory: 44 bytes per work item (32-byte digest and 12-byte Id, no padding) plus the index,
/// 5 bytes per slot at a load factor of 1/2 to 7/8; about 50 to 56 bytes per work item in all.
/// Ids that are not 12 Base62 characters are kept aside, whole.
///
/// Build it from a [`DownloadArchive`] with [`Lists::from_archive`], or from any rows with
/// [`Lists::builder`].
pub struct Lists {
    pub(crate) lists: Vec<ListData>,
    removed: Vec<RemovedItem>,
    problems: Vec<drop_files::Error>,
}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Lists");
        for l in &self.lists {
            d.field(l.list.as_str(), &l.len());
        }
        d.field("removed", &self.removed.len())
            .field("problems", &self.problems.len())
            .finish()
    }
}

impl Lists {
    /// Loads every list of a download and drops the work items of its Removed file.
    ///
    /// A row that cannot be read is kept in [`problems`](Self::problems) (with file and line)
    /// and, when its Id is readable but its hash is not, answered `5` Not found (nothing can
    /// match it). Only an I/O error or a corrupt archive stops loading.
    pub fn from_archive<R: Read + Seek + Send>(
        archive: &mut DownloadArchive<R>,
    ) -> Result<Self, Error> {
        let mut builder = Lists::builder();
        if let Some(rows) = archive.open_removed()? {
            builder.removed(rows)?;
        }
        let entries: Vec<(ListType, ListFileName, u64)> = archive
            .list_entries()
            .filter_map(|e| Some((e.name().list_type()?, e.name().clone(), e.size())))
            .collect();
        for (list, name, size) in entries {
            let Some(entry) = archive.open_entry(DataType::List(list))? else {
                continue;
            };
            builder.size_hint(size / ROW_BYTES);
            // Inflating is a third of the work of loading a list: do it on another thread,
            // a megabyte ahead of the parsing.
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel(2);
                scope.spawn(move || pump(entry, &tx));
                let rows = ListReader::new(name.to_string(), ChunkReader::new(rx))?;
                builder.list(name, rows).map(|_| ())
            })?;
        }
        Ok(builder.build())
    }

    /// A builder taking the lists and the Removed file as rows.
    pub fn builder() -> ListsBuilder {
        ListsBuilder {
            lists: Vec::new(),
            removed: Vec::new(),
            problems: Vec::new(),
            hint: 0,
        }
    }

    /// The list types, in the order given.
    pub fn list_types(&self) -> impl Iterator<Item = ListType> + '_ {
        self.lists.iter().map(|l| l.list)
    }

    /// The file name of a list.
    pub fn file_name(&self, list: ListType) -> Option<&ListFileName> {
        self.get(list).map(|l| &l.name)
    }

    /// Work items to answer in a list (Removed ones excluded); 0 for a list not given.
    pub fn work_items(&self, list: ListType) -> usize {
        self.get(list).map_or(0, ListData::len)
    }

    /// The Removed file's rows, each saying whether it was dropped from this download.
    pub fn removed(&self) -> &[RemovedItem] {
        &self.removed
    }

    /// Rows of the list and Removed files that could not be read.
    pub fn problems(&self) -> &[drop_files::Error] {
        &self.problems
    }

    /// Heap bytes held by the lists (entries, index, odd Ids), for sizing and benchmarks.
    pub fn heap_bytes(&self) -> usize {
        self.lists.iter().map(ListData::heap_bytes).sum()
    }

    pub(crate) fn get(&self, list: ListType) -> Option<&ListData> {
        self.lists.iter().find(|l| l.list == list)
    }
}

/// Builds [`Lists`] from rows: the lists and the Removed file of a download.
///
/// ```
/// use drop_files::{ListFileName, ListRow};
/// use drop_hash::{DropHash, ListType};
/// use drop_match::Lists;
///
/// let name: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
/// let row = ListRow {
///     id: "A7kP2xQ9Lm4R".parse().unwrap(),
///     hash: DropHash::of_standardized("anna.smith@domain.com"),
///     line: 2,
/// };
/// let mut builder = Lists::builder();
/// builder.list(name, [Ok(row)]).unwrap();
/// let lists = builder.build();
/// assert_eq!(lists.work_items(ListType::Email), 1);
/// ```
pub struct ListsBuilder {
    lists: Vec<ListData>,
    removed: Vec<RemovedItem>,
    problems: Vec<drop_files::Error>,
    hint: u64,
}

impl ListsBuilder {
    /// The number of rows the next list probably has, to size its storage once.
    pub fn size_hint(&mut self, rows: u64) -> &mut Self {
        self.hint = rows;
        self
    }

    /// Adds a list; its type comes from its file name (which must not be Removed's).
    ///
    /// Bad rows are kept as problems; a row whose hash alone is bad is answered Not found.
    /// An I/O error stops reading and is returned.
    pub fn list(
        &mut self,
        name: ListFileName,
        rows: impl IntoIterator<Item = Result<ListRow, drop_files::Error>>,
    ) -> Result<&mut Self, Error> {
        let Some(list) = name.list_type() else {
            return Err(Error::Mapping(format!(
                "{name} is the Removed file, not a list"
            )));
        };
        if let Some(first) = self.lists.iter().find(|l| l.list == list) {
            return Err(Error::DuplicateList {
                list,
                first: first.name.to_string(),
                second: name.to_string(),
            });
        }
        let capacity = usize::try_from(std::mem::take(&mut self.hint))
            .unwrap_or(0)
            .min(1 << 28);
        let mut data = ListData::new(name, list, capacity);
        for row in rows {
            match row {
                Ok(row) => {
                    data.rows_read += 1;
                    data.push(&row.id, *row.hash.as_bytes())?;
                }
                Err(drop_files::Error::Io { path, source }) => {
                    return Err(drop_files::Error::Io { path, source }.into());
                }
                Err(e) => {
                    if let drop_files::Error::Hash { id, .. } = &e
                        && let Some(id) = WorkItemId::new(id)
                    {
                        data.rows_read += 1;
                        data.push(&id, NO_HASH)?;
                    }
                    self.problems.push(e);
                }
            }
        }
        self.lists.push(data);
        Ok(self)
    }

    /// Adds the Removed file's rows: their work items are dropped from every list and reported.
    pub fn removed(
        &mut self,
        rows: impl IntoIterator<Item = Result<RemovedRow, drop_files::Error>>,
    ) -> Result<&mut Self, Error> {
        for row in rows {
            match row {
                Ok(row) => self.removed.push(RemovedItem {
                    id: row.id,
                    list_type: row.list_type,
                    hash: row.hash,
                    line: row.line,
                    in_download: false,
                }),
                Err(drop_files::Error::Io { path, source }) => {
                    return Err(drop_files::Error::Io { path, source }.into());
                }
                Err(e) => self.problems.push(e),
            }
        }
        Ok(self)
    }

    /// Drops the Removed work items (matched by Id, which DROP keeps unique across lists) and
    /// indexes every list.
    pub fn build(self) -> Lists {
        let ListsBuilder {
            mut lists,
            mut removed,
            problems,
            ..
        } = self;
        if !removed.is_empty() {
            let ids: HashSet<String> = removed.iter().map(|r| r.id.as_str().to_owned()).collect();
            let mut found: HashSet<String> = HashSet::new();
            for data in &mut lists {
                let mut keep = Vec::with_capacity(data.entries.len());
                for i in 0..data.entries.len() {
                    let id = data.id(i as u32);
                    let gone = ids.contains(id.as_str());
                    if gone {
                        found.insert(id.as_str().to_owned());
                    }
                    keep.push(!gone);
                }
                let mut flags = keep.into_iter();
                data.entries.retain(|_| flags.next().unwrap_or(true));
            }
            for r in &mut removed {
                r.in_download = found.contains(r.id.as_str());
            }
        }
        for data in &mut lists {
            data.index();
        }
        Lists {
            lists,
            removed,
            problems,
        }
    }
}

/// Sends `reader`'s bytes in chunks of a megabyte until its end, an error or a closed channel.
fn pump(mut reader: impl Read, tx: &SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut chunk = vec![0u8; 1 << 20];
        let mut filled = 0;
        while filled < chunk.len() {
            match reader.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        if filled == 0 {
            return;
        }
        chunk.truncate(filled);
        if tx.send(Ok(chunk)).is_err() || filled < (1 << 20) {
            return;
        }
    }
}

/// Reads the chunks [`pump`] sends.
struct ChunkReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    fn new(rx: Receiver<io::Result<Vec<u8>>>) -> Self {
        ChunkReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.chunk = chunk?;
                    self.pos = 0;
                }
                Err(_) => return Ok(0), // the sender is done
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
