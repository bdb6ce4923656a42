//! The list side of the join: every work item of the download in a compact table keyed on the
//! raw 32-byte digest, loaded once.

use std::fmt;
use std::io::{Read, Seek};

use dropkit_files::{
    DataType, DownloadArchive, Inflater, ListFileName, ListReader, ListRow, RemovedRow, WorkItemId,
};
use dropkit_hash::{DropHash, ListType};

use crate::Error;
use crate::chunks::{CHUNKS_AHEAD, ChunkReader, STORED_AHEAD, pump};
use crate::list_table::{ListData, NO_HASH};

/// Bytes of a list row with a canonical Id and LF line ends (`<12>,<44>\n`): the row-count
/// estimate used to size the table before reading.
const ROW_BYTES: u64 = 58;

/// Most rows a size hint reserves room for (the entries grow past it if need be).
const MAX_HINT: u64 = 1 << 24;

/// Keeps one row of a list: a bad row as a problem, its work item answered Not found when its
/// Id is readable (a bad hash; a row not UTF-8 or holding a NUL elsewhere than in its Id:
/// every reader of the download, `validate --complete` and the ledger too, counts it as a
/// work item to answer); an I/O error stops loading.
fn keep(
    data: &mut ListData,
    problems: &mut Vec<dropkit_files::Error>,
    row: Result<ListRow, dropkit_files::Error>,
) -> Result<(), Error> {
    match row {
        Ok(row) => data.push(&row.id, *row.hash.as_bytes())?,
        Err(dropkit_files::Error::Io { path, source }) => {
            return Err(dropkit_files::Error::Io { path, source }.into());
        }
        Err(e) => {
            if let Some(id) = e.row_id().and_then(WorkItemId::new) {
                data.push(&id, NO_HASH)?;
            }
            problems.push(e);
        }
    }
    Ok(())
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
/// 5 bytes per word at about 0.5 digests a word; about 54 bytes per work item in all.
/// Ids that are not 12 Base62 characters are kept aside, whole.
///
/// Build it from a [`DownloadArchive`] with [`Lists::from_archive`], or from any rows with
/// [`Lists::builder`].
pub struct Lists {
    pub(crate) lists: Vec<ListData>,
    removed: Vec<RemovedItem>,
    problems: Vec<dropkit_files::Error>,
    repeated: Vec<RepeatedId>,
}

/// A work item Id listed more than once in one list. DROP's Ids are unique within a list, so
/// this is an odd download: the work item is answered once, every hash it was listed with
/// matches it, and the repeat is reported as a warning.
///
/// Displays as `20261120_4821_Email.csv: Id A7kP2xQ9Lm4R listed 3 times; answered once`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepeatedId {
    /// The list file.
    pub file: ListFileName,
    /// Its list type.
    pub list_type: ListType,
    /// The work item Id.
    pub id: WorkItemId,
    /// How many rows list it (at least 2).
    pub times: u64,
    /// How many distinct hashes those rows carry (unreadable ones not counted).
    pub hashes: u64,
}

impl fmt::Display for RepeatedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: Id {} listed {} times; answered once",
            self.file, self.id, self.times
        )?;
        if self.hashes > 1 {
            write!(
                f,
                " (it carries {} different hashes; any of them matches)",
                self.hashes
            )?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Lists");
        for l in &self.lists {
            d.field(l.list.as_str(), &l.len());
        }
        d.field("removed", &self.removed.len())
            .field("problems", &self.problems.len())
            .field("repeated", &self.repeated.len())
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
            let Some(raw) = archive.open_raw_entry(DataType::List(list))? else {
                continue;
            };
            builder.size_hint(size / ROW_BYTES);
            // Three threads in a row: reading the stored bytes (a little ahead), inflating
            // them (2 MiB ahead, the lists' slowest part, so that it does nothing else), and
            // reading the rows, whose plain ones (nearly all) go straight into the list. The
            // chunks' buffers go back to their senders once read.
            std::thread::scope(|scope| {
                let check = raw.check();
                let (raw_tx, raw_rx) = std::sync::mpsc::sync_channel(STORED_AHEAD);
                let (raw_used_tx, raw_used) = std::sync::mpsc::sync_channel(STORED_AHEAD);
                scope.spawn(move || pump(raw, &raw_tx, &raw_used));
                let stored = ChunkReader::new(raw_rx, raw_used_tx);
                let (tx, rx) = std::sync::mpsc::sync_channel(CHUNKS_AHEAD);
                let (used_tx, used) = std::sync::mpsc::sync_channel(CHUNKS_AHEAD);
                scope.spawn(move || pump(Inflater::new(stored, check), &tx, &used));
                let rows = ListReader::new(name.to_string(), ChunkReader::new(rx, used_tx))?;
                // Dropping the rows (the receiver) on an error stops the other threads.
                builder.list_reader(name, rows).map(|_| ())
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
    pub fn problems(&self) -> &[dropkit_files::Error] {
        &self.problems
    }

    /// Takes the problems out (for a report that outlives the lists).
    pub(crate) fn take_problems(&mut self) -> Vec<dropkit_files::Error> {
        std::mem::take(&mut self.problems)
    }

    /// The work item Ids listed more than once in a list, list by list in file order: each
    /// is answered once (one row of the status file).
    pub fn repeated_ids(&self) -> &[RepeatedId] {
        &self.repeated
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
/// use dropkit_files::{ListFileName, ListRow};
/// use dropkit_hash::{DropHash, ListType};
/// use dropkit_match::Lists;
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
    problems: Vec<dropkit_files::Error>,
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
        rows: impl IntoIterator<Item = Result<ListRow, dropkit_files::Error>>,
    ) -> Result<&mut Self, Error> {
        let mut data = self.new_list(name)?;
        for row in rows {
            keep(&mut data, &mut self.problems, row)?;
        }
        data.finish()?;
        self.lists.push(data);
        Ok(self)
    }

    /// [`ListsBuilder::list`] from a reader: the same list, its plain rows taken by
    /// [`ListReader::plain_rows`] (no [`ListRow`] built), the others as `list` takes them.
    pub(crate) fn list_reader<R: Read>(
        &mut self,
        name: ListFileName,
        mut rows: ListReader<R>,
    ) -> Result<&mut Self, Error> {
        let mut data = self.new_list(name)?;
        loop {
            let mut kept = Ok(());
            rows.plain_rows(|id, digest, _| {
                if kept.is_ok() {
                    kept = data.push_canonical(id, digest);
                }
            });
            kept?;
            data.index_loaded();
            let Some(row) = rows.next() else { break };
            keep(&mut data, &mut self.problems, row)?;
        }
        data.finish()?;
        self.lists.push(data);
        Ok(self)
    }

    /// The empty list data for `name`, its type from the name; refused for the Removed file
    /// or if a list of its type was added already.
    fn new_list(&mut self, name: ListFileName) -> Result<ListData, Error> {
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
        // At most MAX_HINT, which fits in a usize.
        let capacity = std::mem::take(&mut self.hint).min(MAX_HINT) as usize;
        Ok(ListData::new(name, list, capacity))
    }

    /// Adds the Removed file's rows: their work items are dropped from every list and reported.
    pub fn removed(
        &mut self,
        rows: impl IntoIterator<Item = Result<RemovedRow, dropkit_files::Error>>,
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
                Err(dropkit_files::Error::Io { path, source }) => {
                    return Err(dropkit_files::Error::Io { path, source }.into());
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
            let mut gone: Vec<Vec<bool>> = lists.iter().map(|d| vec![false; d.len()]).collect();
            for r in &mut removed {
                for (data, gone) in lists.iter().zip(&mut gone) {
                    if let Some(e) = data.find_id(r.id.as_str()) {
                        gone[e as usize] = true;
                        r.in_download = true;
                    }
                }
            }
            for (data, gone) in lists.iter_mut().zip(&gone) {
                if gone.contains(&true) {
                    data.drop_entries(gone);
                }
            }
        }
        let mut repeated = Vec::new();
        for data in &mut lists {
            data.index();
            repeated.extend(
                data.repeats()
                    .into_iter()
                    .map(|(e, times, hashes)| RepeatedId {
                        file: data.name.clone(),
                        list_type: data.list,
                        id: data.id(e),
                        times,
                        hashes,
                    }),
            );
        }
        Lists {
            lists,
            removed,
            problems,
            repeated,
        }
    }
}

#[cfg(test)]
mod tests;
