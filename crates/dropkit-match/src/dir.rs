//! One "match into a directory": a download ZIP and a records file (CSV or Parquet) in, the
//! status files and `matches.csv` out, and what the caller acts on handed back in one value.
//! `dropkit match` and the round of `dropkit-cycle` both go through [`match_into_dir`].

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use dropkit_files::DownloadArchive;

use crate::{
    DEFAULT_MAX_PROBLEMS, Error, Lists, MATCHES_FILE, Mapping, MatchOutcome, MatchedRecord,
    Matcher, Problem, Rules, Summary,
};

/// The magic bytes a Parquet file starts (and ends) with.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// Options of [`match_into_dir`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DirOptions {
    /// Split a list's status file above this many rows (suffixes `_part02`, ...); at least 1.
    pub max_rows_per_file: usize,
    /// Stop at the first broken record row or unreadable list row ([`Error::Strict`]).
    pub strict: bool,
    /// How many record problems are kept in full (all are counted).
    pub max_problems: usize,
    /// The records file's name in problems and errors; its path when `None`.
    pub records_name: Option<String>,
    /// Whether to hand back [`DirReport::matched`] (on by default). A caller that only wants
    /// the files (`dropkit match`) turns it off: the records' fields are then not kept and
    /// `matched` is empty.
    pub matched_records: bool,
}

impl Default for DirOptions {
    /// 1,000,000 rows per status file, not strict, [`DEFAULT_MAX_PROBLEMS`] problems kept,
    /// the records named by their path, matched records handed back.
    fn default() -> Self {
        DirOptions {
            max_rows_per_file: 1_000_000,
            strict: false,
            max_problems: DEFAULT_MAX_PROBLEMS,
            records_name: None,
            matched_records: true,
        }
    }
}

impl DirOptions {
    /// Sets [`max_rows_per_file`](Self::max_rows_per_file).
    pub fn max_rows_per_file(mut self, n: usize) -> Self {
        self.max_rows_per_file = n;
        self
    }

    /// Sets [`strict`](Self::strict).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Sets [`max_problems`](Self::max_problems).
    pub fn max_problems(mut self, n: usize) -> Self {
        self.max_problems = n;
        self
    }

    /// Sets [`matched_records`](Self::matched_records).
    pub fn matched_records(mut self, keep: bool) -> Self {
        self.matched_records = keep;
        self
    }

    /// Sets [`records_name`](Self::records_name).
    pub fn records_name(mut self, name: impl Into<String>) -> Self {
        self.records_name = Some(name.into());
        self
    }
}

/// What [`match_into_dir`] wrote and found.
///
/// Not `Clone`: [`dropkit_files::Error`] (in `list_problems`) is not.
#[derive(Debug)]
#[non_exhaustive]
pub struct DirReport {
    /// The figures of the run.
    pub summary: Summary,
    /// The status files written, in upload order (list by list, parts in order).
    pub status_files: Vec<PathBuf>,
    /// The match report, `out/matches.csv` ([`MATCHES_FILE`]).
    pub matches_file: PathBuf,
    /// One per distinct consumer key that matched at least one work item, sorted by key, with
    /// the standardized values of its mapped fields (read in the same pass as the matching).
    pub matched: Vec<MatchedRecord>,
    /// The first problems found in the records (all are counted in the summary).
    pub problems: Vec<Problem>,
    /// Unreadable rows of the list and Removed files.
    pub list_problems: Vec<dropkit_files::Error>,
    /// Warnings for a person, one line each: work item Ids listed more than once
    /// (`20261120_4821_Email.csv: Id X listed 3 times; answered once`).
    pub warnings: Vec<String>,
}

/// The two forms of records file [`match_into_dir`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordsFormat {
    Csv,
    Parquet,
}

/// Parquet when the file starts with Parquet's magic bytes or its name ends in `.parquet`
/// (a truncated Parquet file then fails as Parquet, not as a strange CSV); CSV otherwise.
fn records_format(path: &Path) -> Result<RecordsFormat, Error> {
    let mut magic = [0u8; PARQUET_MAGIC.len()];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut filled = 0;
    while filled < magic.len() {
        match file.read(&mut magic[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    let named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if &magic == PARQUET_MAGIC || named {
        Ok(RecordsFormat::Parquet)
    } else {
        Ok(RecordsFormat::Csv)
    }
}

/// Reads the download ZIP at `download`, matches the records file at `records` (CSV, or
/// Parquet when the file starts with `PAR1` or is named `*.parquet`; Parquet needs the
/// crate's `parquet` feature, otherwise [`Error::ParquetNotEnabled`]) and writes the status
/// files and [`MATCHES_FILE`] into `out` (created if missing).
///
/// The records file is read exactly once: the mapped fields of the matched records come back
/// in [`DirReport::matched`]. Nothing is overwritten: a status file already in `out` is
/// [`Error::OutputExists`], found before matching starts. The status files and the match
/// report are each written complete or not at all.
pub fn match_into_dir(
    download: &Path,
    records: &Path,
    mapping: &Mapping,
    rules: &(dyn Rules + Sync),
    out: &Path,
    options: &DirOptions,
) -> Result<DirReport, Error> {
    if options.max_rows_per_file == 0 {
        return Err(Error::MaxRows);
    }
    let format = records_format(records)?;
    let matcher = matcher(lists_for(download, out)?, options, out);
    let name = |m: Matcher| match &options.records_name {
        Some(name) => m.records_name(name.clone()),
        None => m.records_name(records.display().to_string()),
    };
    let outcome = match format {
        RecordsFormat::Csv => {
            let file = File::open(records).map_err(|e| Error::io(records, e))?;
            name(matcher).run(file, mapping, rules)?
        }
        RecordsFormat::Parquet => run_parquet(name(matcher), records, mapping, rules)?,
    };
    finish(outcome, out, options)
}

/// Reads the download ZIP at `download` and its lists, refusing an `out` that holds one of
/// their status files already.
fn lists_for(download: &Path, out: &Path) -> Result<Lists, Error> {
    let mut archive = DownloadArchive::open(download)?;
    let lists = Lists::from_archive(&mut archive)?;
    drop(archive);
    // Status files are never overwritten: say so now rather than after matching.
    for list in lists.list_types() {
        if let Some(name) = lists.file_name(list) {
            let path = out.join(name.to_string());
            if path.exists() {
                return Err(Error::OutputExists { path });
            }
        }
    }
    Ok(lists)
}

/// The matcher of a run into the directory `out`, set by `options`.
fn matcher(lists: Lists, options: &DirOptions, out: &Path) -> Matcher {
    Matcher::new(lists)
        .strict(options.strict)
        .max_problems(options.max_problems)
        .record_fields(options.matched_records)
        // Without matched records the outcome is only written: its hits may spill, into `out`.
        .spill((!options.matched_records).then(|| out.to_path_buf()))
}

/// Writes the status files and the match report of `outcome` into `out`, and says what it
/// wrote and found.
fn finish(outcome: MatchOutcome, out: &Path, options: &DirOptions) -> Result<DirReport, Error> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let matches_file = out.join(MATCHES_FILE);
    // The status files and the match report do not depend on each other: write both at once,
    // each from a thread of its own outside the thread pool. Their rows are rendered on the
    // pool; the writes, and the syncs that wait for the disk, then never hold up a core the
    // other's rendering could use.
    let (status_files, rows) = std::thread::scope(|s| {
        let status_files = s.spawn(|| outcome.write_status_files(out, options.max_rows_per_file));
        let rows = outcome.write_matches_csv(&matches_file);
        let status_files = status_files
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (status_files, rows)
    });
    let status_files = status_files?;
    rows?;
    let mut outcome = outcome;
    // Closing the temporary match file frees its pages in the disk's cache (some ms in a large
    // run): done on a thread of its own while the rest of the outcome is freed here.
    let spill = outcome.store.take_spill();
    std::thread::scope(|s| {
        if let Some(file) = spill {
            s.spawn(move || drop(file));
        }
        let matched = if options.matched_records {
            outcome.take_matched_records()
        } else {
            Vec::new()
        };
        let report = DirReport {
            summary: outcome.summary().clone(),
            status_files,
            matches_file,
            matched,
            problems: outcome.problems().to_vec(),
            warnings: outcome.warnings(),
            list_problems: outcome.lists.take_problems(),
        };
        drop(outcome);
        Ok(report)
    })
}

/// Matches the Parquet records file at `records` as record batches, without CSV text.
#[cfg(feature = "parquet")]
fn run_parquet(
    matcher: Matcher,
    records: &Path,
    mapping: &Mapping,
    rules: &(dyn Rules + Sync),
) -> Result<MatchOutcome, Error> {
    let (schema, batches) = crate::parquet::open(records)?;
    matcher.run_batches(&schema, batches, mapping, rules)
}

#[cfg(not(feature = "parquet"))]
fn run_parquet(
    _: Matcher,
    records: &Path,
    _: &Mapping,
    _: &(dyn Rules + Sync),
) -> Result<MatchOutcome, Error> {
    Err(Error::ParquetNotEnabled {
        path: records.to_owned(),
    })
}

/// [`match_into_dir`] for records given as Arrow record batches, all of `schema` (feature
/// `arrow`): the download ZIP at `download` read, the batches matched by
/// [`Matcher::run_batches`] (no CSV text in between; problems name rows), the status files and
/// [`MATCHES_FILE`] written into `out`. The records are named
/// [`DirOptions::records_name`] in problems, `records` when it is `None`.
#[cfg(feature = "arrow")]
pub fn match_batches_into_dir<I>(
    download: &Path,
    schema: &arrow_schema::Schema,
    batches: I,
    mapping: &Mapping,
    rules: &(dyn Rules + Sync),
    out: &Path,
    options: &DirOptions,
) -> Result<DirReport, Error>
where
    I: IntoIterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>>,
    I::IntoIter: Send,
{
    if options.max_rows_per_file == 0 {
        return Err(Error::MaxRows);
    }
    let mut matcher = matcher(lists_for(download, out)?, options, out);
    if let Some(name) = &options.records_name {
        matcher = matcher.records_name(name.clone());
    }
    let outcome = matcher.run_batches(schema, batches, mapping, rules)?;
    finish(outcome, out, options)
}
