//! The validator: checks response files against a download as DROP would, and how complete
//! the answers are.

mod index;
mod pipe;
mod report;
mod table;

use std::io::{Read, Seek};
use std::path::Path;

pub use report::{FileSummary, ListCompleteness, Problem, ProblemKind, Report, Severity};

use crate::{
    DataType, DownloadArchive, Error, ListFileName, ListReader, RemovedReader, StatusReader,
    WorkItemId,
};
use index::{IdIndex, Insert, MAX_ENTRIES, NO_LIST, Slot};
use pipe::pipelined;
use table::BATCH;

/// An Id listed more than once in the download: where it first repeats, and how often it is
/// listed. Kept only for repeated Ids, so memory follows the distinct Ids, not the rows.
#[derive(Debug)]
struct Repeat {
    list: usize,
    line: u64,
    count: u64,
}

/// Problems kept per file by default; past it they are counted.
pub const DEFAULT_MAX_PROBLEMS_PER_FILE: usize = 1000;

/// Rows per byte of a list file, to size the index up front: a row is at least
/// `12 + 1 + 44 + 1` bytes. Capped so a lying archive cannot reserve much.
const MIN_ROW_BYTES: u64 = 58;
const MAX_RESERVE: u64 = 4 << 20;

#[derive(Debug)]
struct ListState {
    name: ListFileName,
    work_items: u64,
    answered: u64,
    /// The index position of its first work item: where its responses are expected to start.
    first: usize,
}

/// Checks response files against a downloaded archive.
///
/// Built from the archive ([`from_archive`](Self::from_archive)), it keeps every work item Id
/// in a compact index (about 32 bytes per work item, whatever the size of the files) and
/// then streams each response file given to [`check`](Self::check), recording:
///
/// - file level: a name that is not a DROP CSV name or of no list in the download, a response
///   to the Removed file, a name given twice, a header other than exactly `Id,Status`;
/// - record level: a status other than 2 to 5, an empty or malformed Id, an Id of no list or of
///   another list, an Id answered twice across the files of one list, rows that are not UTF-8
///   or malformed, each with file and line; an Id of the Removed file answered is a warning.
///
/// [`report`](Self::report) adds how many work items of each list are answered and
/// outstanding. Nothing is written anywhere.
///
/// Reading the download uses a second thread: each entry is inflated on the calling thread
/// while the other reads its rows. A response's Ids are looked for first where the download
/// lists them (the entry after the one last found), so a response in the download's order
/// costs no random memory access.
#[derive(Debug)]
pub struct Validator {
    download: String,
    lists: Vec<ListState>,
    index: IdIndex,
    problems: Vec<Problem>,
    files: Vec<FileSummary>,
    names: Vec<Option<ListFileName>>,
    max_problems: usize,
}

/// Keeps at most `max` problems of one file and counts the rest; the count is an error if any
/// error was left out, else a warning.
struct Sink<'a> {
    problems: &'a mut Vec<Problem>,
    kept: usize,
    more: u64,
    more_errors: bool,
    max: usize,
}

impl Sink<'_> {
    fn new(problems: &mut Vec<Problem>, max: usize) -> Sink<'_> {
        Sink {
            problems,
            kept: 0,
            more: 0,
            more_errors: false,
            max,
        }
    }

    fn push(&mut self, p: Problem) {
        if self.kept < self.max {
            self.problems.push(p);
            self.kept += 1;
        } else {
            self.more += 1;
            self.more_errors |= p.severity == Severity::Error;
        }
    }

    fn finish(self, file: &str) {
        if self.more > 0 {
            let kind = ProblemKind::MoreProblems { count: self.more };
            self.problems.push(if self.more_errors {
                Problem::error(file, None, None, kind)
            } else {
                Problem::warning(file, None, None, kind)
            });
        }
    }
}

impl Validator {
    /// Reads every list and the Removed file of `archive` into the index.
    ///
    /// Malformed download rows become problems of the report, named
    /// `<archive>/<list file>:<line>`; a corrupt archive (unreadable
    /// entry, an entry inflating past its size) is an error.
    pub fn from_archive<R: Read + Seek>(archive: &mut DownloadArchive<R>) -> Result<Self, Error> {
        let mut v = Validator {
            download: archive.name().to_owned(),
            lists: Vec::new(),
            index: IdIndex::default(),
            problems: Vec::new(),
            files: Vec::new(),
            names: Vec::new(),
            max_problems: DEFAULT_MAX_PROBLEMS_PER_FILE,
        };
        let entries: Vec<(ListFileName, u64)> = archive
            .list_entries()
            .map(|e| (e.name().clone(), e.size()))
            .collect();
        let bytes: u64 = entries.iter().map(|(_, size)| size).sum();
        v.index
            .reserve(usize::try_from((bytes / MIN_ROW_BYTES).min(MAX_RESERVE)).unwrap_or(0));
        let mut repeats: hashbrown::HashMap<WorkItemId, Repeat> = hashbrown::HashMap::new();
        for (li, (name, _)) in entries.into_iter().enumerate() {
            v.lists.push(ListState {
                name: name.clone(),
                work_items: 0,
                answered: 0,
                first: v.index.len(),
            });
            let Some(list_type) = name.list_type() else {
                continue;
            };
            let Some(mut entry) = archive.open_entry(DataType::List(list_type))? else {
                continue;
            };
            let entry_file = entry.file_name().to_owned();
            pipelined(&mut entry, |bytes| {
                v.read_list(li, entry_file, bytes, &mut repeats)
            })
            .unwrap_or_else(|| Err(reader_stopped(&name)))?;
        }
        v.warn_repeats(repeats);
        let removed_file = archive
            .entry(DataType::Removed)
            .map(|e| format!("{}/{}", v.download, e.name()))
            .unwrap_or_default();
        if let Some(mut entry) = archive.open_entry(DataType::Removed)? {
            let entry_file = entry.file_name().to_owned();
            let name = entry.file_name().to_owned();
            pipelined(&mut entry, |bytes| {
                v.read_removed(&removed_file, entry_file, bytes)
            })
            .unwrap_or_else(|| Err(reader_stopped(&name)))?;
        }
        Ok(v)
    }

    /// Reads the rows of list `li` (from the entry `entry_file`) into the index; malformed
    /// rows are problems of the report named `<archive>/<list file>:<line>`.
    fn read_list(
        &mut self,
        li: usize,
        entry_file: String,
        bytes: &mut dyn Read,
        repeats: &mut hashbrown::HashMap<WorkItemId, Repeat>,
    ) -> Result<(), Error> {
        let list = u8::try_from(li).unwrap_or(NO_LIST);
        // Download problems are named inside the archive, apart from responses.
        let file = format!("{}/{entry_file}", self.download);
        let mut reader = match ListReader::new(entry_file, bytes) {
            Ok(r) => r,
            Err(e @ Error::Header { .. }) => {
                self.problems.push(Problem::of_row_error(&file, e));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let Validator {
            index,
            lists,
            problems,
            max_problems,
            download,
            ..
        } = self;
        let mut sink = Sink::new(problems, *max_problems);
        let mut full = false;
        // Counts a work item or notes a repeat; false when the index is full.
        let mut added = |inserted: Insert, id: &dyn Fn() -> Option<WorkItemId>, line: u64| {
            match inserted {
                Insert::New => {
                    if let Some(l) = lists.get_mut(li) {
                        l.work_items += 1;
                    }
                }
                Insert::Existing => {
                    if let Some(id) = id() {
                        repeats
                            .entry(id)
                            .or_insert(Repeat {
                                list: li,
                                line,
                                count: 1,
                            })
                            .count += 1;
                    }
                }
                Insert::Full => return false,
            }
            true
        };
        let mut batch: Vec<[u8; 12]> = Vec::with_capacity(BATCH);
        let mut lines: Vec<u64> = Vec::with_capacity(BATCH);
        while !full {
            // Ids in batches: their cache misses overlap.
            let mut flush = |batch: &mut Vec<[u8; 12]>, lines: &mut Vec<u64>| {
                index.add_canonical_batch(batch, list, |i, inserted| {
                    let id = || {
                        let key = batch.get(i)?;
                        std::str::from_utf8(key).ok().and_then(WorkItemId::new)
                    };
                    full |= !added(inserted, &id, lines.get(i).copied().unwrap_or(0));
                });
                batch.clear();
                lines.clear();
            };
            reader.fast_rows(|key, line| {
                batch.push(key);
                lines.push(line);
                if batch.len() == BATCH {
                    flush(&mut batch, &mut lines);
                }
            });
            flush(&mut batch, &mut lines);
            let Some(row) = reader.next() else {
                break;
            };
            match row {
                Ok(row) => {
                    let inserted = index.add_work_item(&row.id, list);
                    full |= !added(inserted, &|| Some(row.id.clone()), row.line);
                }
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(e) => {
                    // A bad row with a readable Id is still a work item to answer (once).
                    if let Some(id) = e.row_id().and_then(WorkItemId::new) {
                        match index.add_work_item(&id, list) {
                            Insert::Existing => {}
                            inserted => full |= !added(inserted, &|| None, 0),
                        }
                    }
                    sink.push(Problem::of_row_error(&file, e));
                }
            }
        }
        if full {
            return Err(too_many(download));
        }
        sink.finish(&file);
        Ok(())
    }

    /// Reads the Removed file's rows (from the entry `entry_file`, named `file` in problems).
    fn read_removed(
        &mut self,
        file: &str,
        entry_file: String,
        bytes: &mut dyn Read,
    ) -> Result<(), Error> {
        let reader = match RemovedReader::new(entry_file, bytes) {
            Ok(r) => r,
            Err(e @ Error::Header { .. }) => {
                self.problems.push(Problem::of_row_error(file, e));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let mut sink = Sink::new(&mut self.problems, self.max_problems);
        for row in reader {
            match row {
                Ok(row) => {
                    let list = self
                        .lists
                        .iter()
                        .position(|l| l.name.list_type() == Some(row.list_type))
                        .and_then(|i| u8::try_from(i).ok())
                        .unwrap_or(NO_LIST);
                    let freed = self
                        .index
                        .add_removed(&row.id, list)
                        .map_err(|()| too_many(&self.download))?;
                    if let Some(l) = freed.and_then(|li| self.lists.get_mut(usize::from(li))) {
                        l.work_items = l.work_items.saturating_sub(1);
                    }
                }
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(e) => sink.push(Problem::of_row_error(file, e)),
            }
        }
        sink.finish(file);
        Ok(())
    }

    /// One warning per repeated Id, per list file in order of the line where it repeats,
    /// within the per-file problem limit.
    fn warn_repeats(&mut self, repeats: hashbrown::HashMap<WorkItemId, Repeat>) {
        let mut repeats: Vec<(WorkItemId, Repeat)> = repeats.into_iter().collect();
        repeats.sort_unstable_by_key(|(_, r)| (r.list, r.line));
        for (li, list) in self.lists.iter().enumerate() {
            let file = format!("{}/{}", self.download, list.name);
            let mut sink = Sink::new(&mut self.problems, self.max_problems);
            for (id, r) in repeats.iter().filter(|(_, r)| r.list == li) {
                sink.push(Problem::warning(
                    &file,
                    Some(r.line),
                    Some(id.to_string()),
                    ProblemKind::DuplicateWorkItem { count: r.count },
                ));
            }
            sink.finish(&file);
        }
    }

    /// Keeps at most `n` problems per file (default [`DEFAULT_MAX_PROBLEMS_PER_FILE`]); the
    /// rest are counted in one [`ProblemKind::MoreProblems`].
    pub fn with_max_problems_per_file(mut self, n: usize) -> Self {
        self.max_problems = n;
        self
    }

    /// How many distinct Ids the download holds (lists and Removed).
    pub fn work_item_ids(&self) -> usize {
        self.index.len()
    }

    /// Checks the response file at `path`, named by its file name.
    pub fn check_path(&mut self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match crate::open_file(path) {
            Ok(file) => self.check(&name, file),
            Err(e) => {
                self.problems.push(Problem::of_row_error(&name, e));
                self.files.push(FileSummary {
                    file: name,
                    rows: 0,
                    accepted: false,
                });
                self.names.push(None);
            }
        }
    }

    /// Checks one response file named `file_name`, read from `reader`.
    pub fn check<R: Read>(&mut self, file_name: &str, reader: R) {
        let file_index = u16::try_from(self.files.len()).unwrap_or(u16::MAX);
        let mut summary = FileSummary {
            file: file_name.to_owned(),
            rows: 0,
            accepted: false,
        };
        let (name, list) = match self.check_name(file_name) {
            Ok(found) => found,
            Err(kind) => {
                self.problems
                    .push(Problem::error(file_name, None, None, kind));
                self.files.push(summary);
                self.names.push(file_name.parse().ok());
                return;
            }
        };
        if let Some(download) = self.lists.get(usize::from(list)) {
            // DROP says "use a downloaded file name": a name that matches only when the data
            // type's case is ignored may be refused.
            if name.base().to_string() != download.name.to_string() {
                self.problems.push(Problem::warning(
                    file_name,
                    None,
                    None,
                    ProblemKind::NameSpelling {
                        download: download.name.to_string(),
                    },
                ));
            }
        }
        self.names.push(Some(name));
        let reader = match StatusReader::new(file_name, reader) {
            Ok(r) => r,
            Err(e) => {
                self.problems.push(Problem::of_row_error(file_name, e));
                self.files.push(summary);
                return;
            }
        };
        summary.accepted = true;
        let Validator {
            index,
            lists,
            files,
            problems,
            max_problems,
            ..
        } = self;
        let mut sink = Sink::new(problems, *max_problems);
        let mut reader = reader;
        let mut cursor = lists.get(usize::from(list)).map_or(0, |l| l.first);
        loop {
            reader.fast_rows(|key, _, line| {
                summary.rows += 1;
                let before = index
                    .find_canonical(&key, &mut cursor)
                    .and_then(|p| index.answer_at(p, file_index, list));
                let id = || Some(String::from_utf8_lossy(&key).into_owned());
                if let Some(p) = answer(before, lists, files, file_name, list, line, id) {
                    sink.push(p);
                }
            });
            let Some(row) = reader.next() else {
                break;
            };
            summary.rows += 1;
            match row {
                Ok(row) => {
                    let before = index
                        .find(&row.id, &mut cursor)
                        .and_then(|p| index.answer_at(p, file_index, list));
                    let id = || Some(row.id.to_string());
                    if let Some(p) = answer(before, lists, files, file_name, list, row.line, id) {
                        sink.push(p);
                    }
                }
                Err(e) => sink.push(Problem::of_row_error(file_name, e)),
            }
        }
        let blank = reader.blank_lines();
        if blank > 0 {
            sink.push(Problem::warning(
                file_name,
                None,
                None,
                ProblemKind::BlankLines { count: blank },
            ));
        }
        sink.finish(file_name);
        self.files.push(summary);
    }

    /// The list a response name answers, or the file-level problem.
    fn check_name(&self, file_name: &str) -> Result<(ListFileName, u8), ProblemKind> {
        if !file_name.to_ascii_lowercase().ends_with(".csv") {
            return Err(ProblemKind::FileName {
                reason: "only CSV files are accepted".into(),
            });
        }
        let name: ListFileName = file_name.parse().map_err(|e| match e {
            Error::FileName { reason, .. } => ProblemKind::FileName {
                reason: reason.into(),
            },
            other => ProblemKind::FileName {
                reason: other.to_string(),
            },
        })?;
        if name.data_type() == DataType::Removed {
            return Err(ProblemKind::AnswersRemoved);
        }
        let list = self
            .lists
            .iter()
            .position(|l| l.name.same_list(&name))
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| ProblemKind::NotInDownload {
                download: self.download.clone(),
            })?;
        if self.names.iter().flatten().any(|n| n.same_upload(&name)) {
            return Err(ProblemKind::DuplicateName);
        }
        Ok((name, list))
    }

    /// The findings so far, with completeness per list.
    pub fn report(&self) -> Report {
        Report {
            problems: self.problems.clone(),
            lists: self
                .lists
                .iter()
                .map(|l| ListCompleteness {
                    name: l.name.clone(),
                    work_items: l.work_items,
                    answered: l.answered,
                    outstanding: l.work_items.saturating_sub(l.answered),
                })
                .collect(),
            files: self.files.clone(),
        }
    }
}

/// Records one valid row's answer, given its Id's slot as it was before (`None`: no work item
/// of the download); the problem with it, if any. Only rows with a problem pay for the Id's
/// text (`id`).
fn answer(
    before: Option<Slot>,
    lists: &mut [ListState],
    files: &[FileSummary],
    file: &str,
    list: u8,
    line: u64,
    id: impl Fn() -> Option<String>,
) -> Option<Problem> {
    let line = Some(line);
    let Some(before) = before else {
        return Some(Problem::error(file, line, id(), ProblemKind::UnknownId));
    };
    if before.removed() {
        return Some(Problem::warning(
            file,
            line,
            id(),
            ProblemKind::RemovedIdAnswered,
        ));
    }
    if before.list != list {
        let other = lists
            .get(usize::from(before.list))
            .and_then(|l| l.name.list_type());
        return Some(match other {
            Some(list) => Problem::error(file, line, id(), ProblemKind::WrongList { list }),
            None => Problem::error(file, line, id(), ProblemKind::UnknownId),
        });
    }
    if before.answered() {
        let first = files
            .get(usize::from(before.file))
            .map_or_else(|| file.to_owned(), |f| f.file.clone());
        return Some(Problem::error(
            file,
            line,
            id(),
            ProblemKind::AnsweredTwice { first },
        ));
    }
    if let Some(l) = lists.get_mut(usize::from(list)) {
        l.answered += 1;
    }
    None
}

/// The error of a download with more distinct Ids than the index can hold.
fn too_many(download: &str) -> Error {
    Error::Limit {
        archive: download.to_owned(),
        what: "distinct work item Id count".into(),
        actual: MAX_ENTRIES as u64 + 1,
        limit: MAX_ENTRIES as u64,
    }
}

/// The error of a thread reading rows that stopped without reading (does not happen).
fn reader_stopped(file: impl std::fmt::Display) -> Error {
    Error::io(
        file.to_string(),
        std::io::Error::other("the thread reading the rows stopped"),
    )
}
