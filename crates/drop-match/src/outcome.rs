//! What a run found: a status per work item, the match report, the problems, and writers for
//! the status files and `matches.csv`.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use drop_files::{ListFileName, Status, StatusFile, WorkItemId};
use drop_hash::ListType;

use crate::lists::{ListData, Lists, RemovedItem};
use crate::matcher::{Accumulator, Keys};
use crate::probe::Plan;
use crate::{Error, Problem, Rules};
use rayon::prelude::*;

/// "No consumer matched this work item yet."
pub(crate) const NONE: u32 = u32::MAX;
/// The state bit of a work item matched by several consumers (the rest indexes `multi`).
pub(crate) const MULTI: u32 = 1 << 31;

/// The header of the match report, byte for byte.
pub const MATCHES_HEADER: &str = "Id,ListType,Key,Status";

/// Writes a CSV field, quoted (RFC 4180) if it holds a comma, quote or line break, or starts
/// or ends with a space (which some readers trim).
fn write_field(out: &mut impl Write, field: &str) -> std::io::Result<()> {
    let b = field.as_bytes();
    let needs = memchr::memchr3(b',', b'"', b'\n', b).is_some()
        || memchr::memchr(b'\r', b).is_some()
        || b.first().is_some_and(|c| *c == b' ')
        || b.last().is_some_and(|c| *c == b' ');
    if !needs {
        return out.write_all(b);
    }
    out.write_all(b"\"")?;
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

/// Record counters of a run.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) records: u64,
    pub(crate) bad_rows: u64,
    pub(crate) problems: u64,
}

/// One row of the match report: a consumer whose data the broker must delete (or opt out, or
/// keep as exempt) because of a work item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    /// The work item.
    pub id: WorkItemId,
    /// Its list.
    pub list_type: ListType,
    /// The broker's consumer key.
    pub key: &'a str,
    /// The work item's status (the same on every row of the work item).
    pub status: Status,
}

/// Counts for one list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListSummary {
    /// The list type.
    pub list_type: ListType,
    /// The downloaded file's name.
    pub file: ListFileName,
    /// Work items answered (Removed ones excluded).
    pub work_items: u64,
    /// Work items dropped because the Removed file withdrew them.
    pub removed: u64,
    /// Work items answered 2 Exempted.
    pub exempted: u64,
    /// Work items answered 3 Deleted.
    pub deleted: u64,
    /// Work items answered 4 Opted out.
    pub opted_out: u64,
    /// Work items answered 5 Not found.
    pub not_found: u64,
    /// Rows of the match report for this list (work item and consumer pairs).
    pub match_rows: u64,
}

impl ListSummary {
    /// Work items matched to at least one consumer.
    pub fn matched(&self) -> u64 {
        self.exempted + self.deleted + self.opted_out
    }
}

/// The figures of a run, for the summary a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The records file name.
    pub records_file: String,
    /// Records read (rows after the header, broken ones included).
    pub records_read: u64,
    /// Rows with at least one problem.
    pub bad_rows: u64,
    /// Problems found (a row may have several).
    pub problems: u64,
    /// Unreadable rows of the list and Removed files.
    pub list_problems: u64,
    /// Per list, in the download's order.
    pub lists: Vec<ListSummary>,
    /// Rows of the Removed file.
    pub removed: u64,
    /// Lists with work items that the column mapping gives no way to match: every one of
    /// their work items is Not found. Usually a mapping mistake.
    pub unmatchable: Vec<ListType>,
    /// Time from the start of the run to the end of matching (loading the lists excluded).
    pub elapsed: Duration,
}

impl Summary {
    /// Match report rows over all lists.
    pub fn match_rows(&self) -> u64 {
        self.lists.iter().map(|l| l.match_rows).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(
            f,
            "records read: {} from {} ({} bad rows, {} problems)",
            self.records_read, self.records_file, self.bad_rows, self.problems
        )?;
        for l in &self.lists {
            writeln!(
                f,
                "{}: {} work items, {} matched ({} deleted, {} exempted, {} opted out), {} not found{}",
                l.list_type,
                l.work_items,
                l.matched(),
                l.deleted,
                l.exempted,
                l.opted_out,
                l.not_found,
                if l.removed > 0 {
                    format!(", {} removed", l.removed)
                } else {
                    String::new()
                }
            )?;
        }
        if self.removed > 0 {
            writeln!(f, "Removed file: {} rows", self.removed)?;
        }
        if self.list_problems > 0 {
            writeln!(f, "unreadable list rows: {}", self.list_problems)?;
        }
        for list in &self.unmatchable {
            writeln!(
                f,
                "warning: the mapping cannot match the {list} list (needs {}); all its work items are Not found",
                crate::mapping::required_fields(*list)
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        let rate = if secs > 0.0 {
            self.records_read as f64 / secs
        } else {
            0.0
        };
        write!(f, "elapsed: {secs:.2} s ({rate:.0} records/s)")
    }
}

/// The result of a run: a status for every work item of every list, the match report and the
/// problems found.
pub struct MatchOutcome {
    lists: Lists,
    /// Per list, one bit per work item: matched to at least one consumer.
    matched: Vec<Vec<u64>>,
    /// The consumers of the matched work items, in list then file order, laid out one after
    /// the other (count, then length and bytes of each key), so that the report is written by
    /// one sequential read.
    report: Vec<Vec<u8>>,
    statuses: Vec<Vec<Status>>,
    summary: Summary,
    problems: Vec<Problem>,
}

impl fmt::Debug for MatchOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchOutcome")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl MatchOutcome {
    pub(crate) fn new<R: Rules + Sync + ?Sized>(
        lists: Lists,
        acc: Accumulator,
        plan: Plan,
        rules: &R,
        start: Instant,
    ) -> Self {
        let Accumulator {
            states,
            multi,
            keys,
            tally,
            problems,
            ..
        } = acc;
        let mut statuses = Vec::with_capacity(lists.lists.len());
        let mut summaries = Vec::with_capacity(lists.lists.len());
        let mut matched = Vec::with_capacity(lists.lists.len());
        let mut report = Vec::new();
        for (data, states) in lists.lists.iter().zip(&states) {
            // Segments of work items on every core; each gives its statuses, its bits and its
            // part of the report, put back together in order.
            let parts: Vec<Segment> = states
                .par_chunks(SEGMENT)
                .enumerate()
                .map(|(c, chunk)| segment(data, c * SEGMENT, chunk, &multi, &keys, rules))
                .collect();
            let mut s = ListSummary {
                list_type: data.list,
                file: data.name.clone(),
                work_items: data.len() as u64,
                removed: data.rows_read.saturating_sub(data.len() as u64),
                exempted: 0,
                deleted: 0,
                opted_out: 0,
                not_found: 0,
                match_rows: 0,
            };
            let mut column = Vec::with_capacity(states.len());
            let mut bits = Vec::with_capacity(states.len().div_ceil(64));
            for part in parts {
                let [exempted, deleted, opted_out, not_found, rows] = part.counts;
                s.exempted += exempted;
                s.deleted += deleted;
                s.opted_out += opted_out;
                s.not_found += not_found;
                s.match_rows += rows;
                column.extend(part.statuses);
                bits.extend(part.bits);
                report.push(part.report);
            }
            statuses.push(column);
            matched.push(bits);
            summaries.push(s);
        }
        drop((keys, multi, states));
        let summary = Summary {
            records_file: plan.file.to_string(),
            records_read: tally.records,
            bad_rows: tally.bad_rows,
            problems: tally.problems,
            list_problems: lists.problems().len() as u64,
            lists: summaries,
            removed: lists.removed().len() as u64,
            unmatchable: plan.unmatchable,
            elapsed: start.elapsed(),
        };
        MatchOutcome {
            lists,
            matched,
            report,
            statuses,
            summary,
            problems,
        }
    }

    /// The figures of the run.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The first problems found in the records, in file order (all are counted in
    /// [`Summary::problems`]; how many are kept is set by
    /// [`Matcher::max_problems`](crate::Matcher::max_problems)).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Unreadable rows of the list and Removed files.
    pub fn list_problems(&self) -> &[drop_files::Error] {
        self.lists.problems()
    }

    /// The Removed file's rows: not answered, and whether each was in this download.
    pub fn removed(&self) -> &[RemovedItem] {
        self.lists.removed()
    }

    /// The lists matched against.
    pub fn lists(&self) -> &Lists {
        &self.lists
    }

    /// Every work item of `list` with its status, in file order (empty for a list not in the
    /// download).
    pub fn statuses(&self, list: ListType) -> impl Iterator<Item = (WorkItemId, Status)> + '_ {
        let found = self.lists.lists.iter().position(|d| d.list == list);
        found.into_iter().flat_map(move |l| {
            let data = &self.lists.lists[l];
            self.statuses[l]
                .iter()
                .enumerate()
                .map(move |(e, &s)| (data.id(e as u32), s))
        })
    }

    /// The status of work item `id` of `list` (a linear search: for checks and tests).
    pub fn status_of(&self, list: ListType, id: &str) -> Option<Status> {
        self.statuses(list)
            .find(|(i, _)| i.as_str() == id)
            .map(|(_, s)| s)
    }

    /// The match report: one row per matched work item and distinct consumer key, list by list
    /// in file order. The broker deletes (or opts out) these consumers' data.
    pub fn matches(&self) -> impl Iterator<Item = Match<'_>> + '_ {
        Matches {
            outcome: self,
            list: 0,
            entry: 0,
            chunk: 0,
            pos: 0,
            left: 0,
            current: None,
        }
    }

    /// Writes the match report as CSV (`Id,ListType,Key,Status`, LF line ends, keys quoted
    /// when they need it); returns the number of rows.
    pub fn write_matches(&self, out: impl Write) -> Result<u64, std::io::Error> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        out.write_all(MATCHES_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        let mut rows = 0;
        for m in self.matches() {
            // Ids never need quoting (drop-files refuses commas, quotes and line breaks in
            // them), list types neither; keys are the broker's and may.
            out.write_all(m.id.as_str().as_bytes())?;
            out.write_all(b",")?;
            out.write_all(m.list_type.as_str().as_bytes())?;
            out.write_all(b",")?;
            write_field(&mut out, m.key)?;
            out.write_all(&[b',', b'0' + m.status.code(), b'\n'])?;
            rows += 1;
        }
        out.flush()?;
        Ok(rows)
    }

    /// Writes the match report to `path`, complete or not at all (through a `.partial` file
    /// renamed at the end); returns the number of rows.
    pub fn write_matches_csv(&self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let write = || -> std::io::Result<u64> {
            let file = fs::File::create(&partial)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            let rows = self.write_matches(&mut out)?;
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            fs::rename(&partial, path)?;
            Ok(rows)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&partial);
            Error::io(path, e)
        })
    }

    /// Writes one status file per list with work items into `dir` (created if missing), named
    /// after the downloaded list; a list with more than `max_rows` work items is split into
    /// several files, the first under the list's own name, the next with the suffixes
    /// `_part02`, `_part03`, ... Every work item appears exactly once. Returns the paths in
    /// the order written.
    ///
    /// A list whose work items were all withdrawn by the Removed file gets no file (DROP
    /// requires no answer for removed identifiers nor for an empty list). An existing file of
    /// the same name is an error, never overwritten.
    pub fn write_status_files(
        &self,
        dir: impl AsRef<Path>,
        max_rows: usize,
    ) -> Result<Vec<PathBuf>, Error> {
        if max_rows == 0 {
            return Err(Error::MaxRows);
        }
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut written = Vec::new();
        for (l, data) in self.lists.lists.iter().enumerate() {
            self.write_list(dir, l, data, max_rows, &mut written)?;
        }
        Ok(written)
    }

    fn write_list(
        &self,
        dir: &Path,
        l: usize,
        data: &ListData,
        max_rows: usize,
        written: &mut Vec<PathBuf>,
    ) -> Result<(), Error> {
        let mut used: Vec<ListFileName> = Vec::new();
        let statuses = &self.statuses[l];
        for (c, chunk) in statuses.chunks(max_rows).enumerate() {
            let name = data.name.next_unused(&used);
            let mut file = StatusFile::create(dir, &name)?;
            let first = c * max_rows;
            for (i, &status) in chunk.iter().enumerate() {
                file.write(&data.id((first + i) as u32), status)?;
            }
            written.push(file.finish()?);
            used.push(name);
        }
        Ok(())
    }
}

/// The match report, read back from [`MatchOutcome::report`] in one sequential pass.
struct Matches<'a> {
    outcome: &'a MatchOutcome,
    list: usize,
    entry: usize,
    /// The segment of the report being read, and the position in it.
    chunk: usize,
    pos: usize,
    /// Keys left to yield for `current`.
    left: usize,
    current: Option<(WorkItemId, ListType, Status)>,
}

/// Work items per segment of [`MatchOutcome::new`]'s parallel pass (a multiple of 64, so a
/// segment's bits are whole words).
const SEGMENT: usize = 1 << 16;

/// One segment's statuses, bits, report part and counts (exempted, deleted, opted out, not
/// found, match rows).
struct Segment {
    statuses: Vec<Status>,
    bits: Vec<u64>,
    report: Vec<u8>,
    counts: [u64; 5],
}

fn segment<R: Rules + Sync + ?Sized>(
    data: &ListData,
    first: usize,
    states: &[u32],
    multi: &[Vec<u32>],
    keys: &Keys,
    rules: &R,
) -> Segment {
    let mut out = Segment {
        statuses: Vec::with_capacity(states.len()),
        bits: vec![0u64; states.len().div_ceil(64)],
        report: Vec::new(),
        counts: [0; 5],
    };
    let mut buf: Vec<&str> = Vec::new();
    for (i, &state) in states.iter().enumerate() {
        if state == NONE {
            out.counts[3] += 1;
            out.statuses.push(Status::NotFound);
            continue;
        }
        out.bits[i / 64] |= 1 << (i % 64);
        buf.clear();
        if state & MULTI != 0 {
            let all = &multi[(state & !MULTI) as usize];
            buf.extend(all.iter().map(|&k| keys.get(k)));
        } else {
            buf.push(keys.get(state));
        }
        out.counts[4] += buf.len() as u64;
        push_varint(&mut out.report, buf.len());
        for key in &buf {
            push_varint(&mut out.report, key.len());
            out.report.extend_from_slice(key.as_bytes());
        }
        let status = rules.status(data.list, &data.id((first + i) as u32), &buf);
        out.counts[match status {
            Status::Exempted => 0,
            Status::Deleted => 1,
            Status::OptedOut => 2,
            Status::NotFound => 3,
        }] += 1;
        out.statuses.push(status);
    }
    out.report.shrink_to_fit();
    out
}

/// LEB128: 7 bits a byte, low first; keys and key counts are small, so mostly one byte.
fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

impl Matches<'_> {
    fn read_varint(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        let chunk: &[u8] = self
            .outcome
            .report
            .get(self.chunk)
            .map_or(&[], Vec::as_slice);
        while let Some(&b) = chunk.get(self.pos) {
            self.pos += 1;
            n |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 || shift >= usize::BITS as usize {
                break;
            }
        }
        n
    }
}

impl<'a> Iterator for Matches<'a> {
    type Item = Match<'a>;

    fn next(&mut self) -> Option<Match<'a>> {
        loop {
            if self.left > 0
                && let Some((id, list_type, status)) = self.current.clone()
            {
                self.left -= 1;
                let len = self.read_varint();
                let report: &'a [u8] = self
                    .outcome
                    .report
                    .get(self.chunk)
                    .map_or(&[], Vec::as_slice);
                let key = report
                    .get(self.pos..self.pos + len)
                    .and_then(|k| std::str::from_utf8(k).ok())
                    .unwrap_or_default();
                self.pos += len;
                return Some(Match {
                    id,
                    list_type,
                    key,
                    status,
                });
            }
            // the next matched work item
            let lists = &self.outcome.lists.lists;
            let data = lists.get(self.list)?;
            let bits = &self.outcome.matched[self.list];
            let next = (self.entry..data.len()).find(|&e| bits[e / 64] & (1 << (e % 64)) != 0);
            match next {
                Some(e) => {
                    self.entry = e + 1;
                    // A work item's keys never straddle two segments: skip to the next
                    // segment with something left.
                    while self
                        .outcome
                        .report
                        .get(self.chunk)
                        .is_some_and(|c| self.pos >= c.len())
                    {
                        self.chunk += 1;
                        self.pos = 0;
                    }
                    self.left = self.read_varint();
                    self.current = Some((
                        data.id(e as u32),
                        data.list,
                        self.outcome.statuses[self.list][e],
                    ));
                }
                None => {
                    self.list += 1;
                    self.entry = 0;
                }
            }
        }
    }
}
