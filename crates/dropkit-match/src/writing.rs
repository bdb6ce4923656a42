//! Writing a run's results: the status files (named after the lists, split above a row count)
//! and `matches.csv`, each complete or not at all.

use std::fs;
use std::path::{Path, PathBuf};

use dropkit_files::{ListFileName, Status, StatusFile, StatusRows};

use crate::list_table::ListData;
use crate::{Error, MatchOutcome};
use early_sync::with_early_flushes;
pub(crate) use in_order::in_order;

mod early_sync;
mod in_order;

/// The match report's file name in an output directory.
pub const MATCHES_FILE: &str = "matches.csv";

impl MatchOutcome {
    /// Writes the match report to `path`, complete or not at all (through a `.partial` file
    /// renamed at the end); returns the number of rows.
    pub fn write_matches_csv(&self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let write = || -> std::io::Result<u64> {
            let file = create_private(&partial)?;
            // Flushed to disk as it grows: the sync below then waits only for the end.
            let rows = with_early_flushes(&file, |out| self.write_matches(out))?;
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
        for (data, statuses) in self.lists.lists.iter().zip(&self.statuses) {
            write_list(dir, data, statuses, max_rows, &mut written)?;
        }
        Ok(written)
    }
}

/// Work items of a status file rendered as one run of rows, on one thread (some 120 KB).
const STATUS_RUN: usize = 1 << 13;

/// Runs of status rows rendered at once, per thread.
const STATUS_RUNS_PER_THREAD: usize = 2;

fn write_list(
    dir: &Path,
    data: &ListData,
    statuses: &[Status],
    max_rows: usize,
    written: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut used: Vec<ListFileName> = Vec::new();
    let at_once = rayon::current_num_threads().max(1) * STATUS_RUNS_PER_THREAD;
    for (c, chunk) in statuses.chunks(max_rows).enumerate() {
        let name = data.name.next_unused(&used);
        let mut file = StatusFile::create(dir, &name)?;
        let first = c * max_rows;
        let runs: Vec<(usize, &[Status])> = chunk
            .chunks(STATUS_RUN)
            .enumerate()
            .map(|(r, run)| (first + r * STATUS_RUN, run))
            .collect();
        in_order(
            &runs,
            at_once,
            |&(first, run)| Ok(status_rows(data, first, run)),
            |rows| file.write_rows(&rows),
        )?;
        written.push(file.finish()?);
        used.push(name);
    }
    Ok(())
}

/// The status rows of work items `first..` with `statuses` (one per work item).
fn status_rows(data: &ListData, first: usize, statuses: &[Status]) -> StatusRows {
    let mut rows = StatusRows::with_capacity(statuses.len());
    for (i, &status) in statuses.iter().enumerate() {
        // Statuses are one per work item: the index is a work item's.
        let entry = (first + i) as u32;
        let canonical = data
            .canonical_id(entry)
            .is_some_and(|id| rows.push_canonical(id, status).is_ok());
        if !canonical {
            rows.push(&data.id(entry), status);
        }
    }
    rows
}

/// Creates (or truncates) a file only its owner can read: the match report names the broker's
/// consumers.
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}
