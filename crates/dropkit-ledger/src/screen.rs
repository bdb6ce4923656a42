//! Screening any records file against every active work item, without talking to DROP.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read as _, Write as _};
use std::path::{Path, PathBuf};

use dropkit_match::{DefaultRules, Mapping, Matcher, Problem};
use serde::Serialize;

use crate::{Ledger, LedgerError};

/// The header of the screening report, byte for byte.
pub const SCREEN_HEADER: &str = "Key,ListType,Id";

/// The magic bytes a Parquet file starts with.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// What [`Ledger::screen`] found and wrote.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ScreenSummary {
    /// Active work items screened against.
    pub active_work_items: u64,
    /// Records read (header excluded).
    pub records_read: u64,
    /// Rows skipped whole (wrong field count, no key, ...): not screened, and left out of the
    /// clean file.
    pub bad_rows: u64,
    /// Problems found in the records (a row may have several), all counted.
    pub problems: u64,
    /// Rows of the report: (record key, work item) pairs matched.
    pub matches: u64,
    /// Rows written to the clean file (`None` without one).
    pub clean_rows: Option<u64>,
    /// The first problems, with file and line (at most [`dropkit_match::DEFAULT_MAX_PROBLEMS`]).
    #[serde(skip)]
    pub first_problems: Vec<Problem>,
}

/// Where the clean records go, and which to leave out.
pub(crate) struct CleanPlan<'a> {
    pub(crate) records: &'a Path,
    pub(crate) out: &'a Path,
    pub(crate) key_column: &'a str,
    pub(crate) matched: &'a HashSet<&'a str>,
}

impl Ledger {
    /// Screens the records file at `records` (CSV with a header row, or Parquet: a file that
    /// starts with `PAR1` or is named `*.parquet`, as for `dropkit match`) against every
    /// active work item, with dropkit-match's matcher and `mapping`.
    ///
    /// Writes `out`: a CSV with the header [`SCREEN_HEADER`] (`Key,ListType,Id`) and one row
    /// per record key and work item it matches (list by list, work items in Id order). With
    /// `clean`, also writes the records file without the records whose key matched, in the
    /// same format with the same header (rows are copied byte for byte from a CSV; a Parquet
    /// file is rewritten with the same schema). Rows the matcher skipped (wrong field count,
    /// no key) are left out of the clean file too: only screened rows are passed on.
    ///
    /// Nothing is written unless the whole run succeeds: each output appears complete under
    /// its name or not at all. An output that is the records file is refused. The ledger is
    /// only read.
    pub fn screen(
        &self,
        records: &Path,
        mapping: &Mapping,
        out: &Path,
        clean: Option<&Path>,
    ) -> Result<ScreenSummary, LedgerError> {
        for output in std::iter::once(out).chain(clean) {
            if same_file(records, output) {
                return Err(LedgerError::SameFile {
                    path: output.to_owned(),
                });
            }
        }
        if clean.is_some_and(|c| same_file(out, c) || c == out) {
            return Err(LedgerError::SameFile {
                path: out.to_owned(),
            });
        }
        let parquet = is_parquet(records)?;
        let lists = self.active_lists(None)?;
        let active_work_items: u64 = lists.list_types().map(|l| lists.work_items(l) as u64).sum();
        let matcher = Matcher::new(lists).records_name(records.display().to_string());
        let outcome = if parquet {
            matcher.run_parquet(records, mapping, &DefaultRules)?
        } else {
            let file = File::open(records).map_err(|e| LedgerError::io(records, e))?;
            matcher.run(file, mapping, &DefaultRules)?
        };
        // The report straight from the outcome, list by list, work items in Id order, a work
        // item's keys in record order: nothing is collected but the keys a clean file needs.
        let report = Staged::new(out)?;
        let mut matches = 0u64;
        let mut matched: HashSet<&str> = HashSet::new();
        {
            let mut w = BufWriter::with_capacity(1 << 16, report.file());
            let mut csv = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(&mut w);
            csv.write_record(SCREEN_HEADER.split(','))
                .map_err(|e| csv_error(out, e))?;
            let mut last_key = "";
            for m in outcome.matches() {
                csv.write_record([m.key, m.list_type.as_str(), m.id.as_str()])
                    .map_err(|e| csv_error(out, e))?;
                matches += 1;
                if clean.is_some() && m.key != last_key {
                    matched.insert(m.key);
                    last_key = m.key;
                }
            }
            csv.flush().map_err(|e| LedgerError::io(out, e))?;
            drop(csv);
            w.flush().map_err(|e| LedgerError::io(out, e))?;
        }
        let clean_staged = match clean {
            Some(path) => {
                let staged = Staged::new(path)?;
                let plan = CleanPlan {
                    records,
                    out: path,
                    key_column: mapping.key_column(),
                    matched: &matched,
                };
                let n = if parquet {
                    crate::clean::parquet(&plan, staged.file())?
                } else {
                    crate::clean::csv(&plan, staged.file())?
                };
                Some((staged, n))
            }
            None => None,
        };
        let summary = outcome.summary();
        let result = ScreenSummary {
            active_work_items,
            records_read: summary.records_read,
            bad_rows: summary.bad_rows,
            problems: summary.problems,
            matches,
            clean_rows: clean_staged.as_ref().map(|(_, n)| *n),
            first_problems: outcome.problems().to_vec(),
        };
        report.persist()?;
        if let Some((staged, _)) = clean_staged {
            staged.persist()?;
        }
        Ok(result)
    }
}

/// An output written to a temporary file beside its final name, renamed into place only
/// once complete.
pub(crate) struct Staged {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    fn new(path: &Path) -> Result<Self, LedgerError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".dropkit-screen")
            .tempfile_in(dir)
            .map_err(|e| LedgerError::io(path, e))?;
        Ok(Staged {
            tmp,
            path: path.to_owned(),
        })
    }

    fn file(&self) -> &File {
        self.tmp.as_file()
    }

    fn persist(self) -> Result<(), LedgerError> {
        let path = self.path;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| LedgerError::io(&path, e))?;
        self.tmp
            .persist(&path)
            .map_err(|e| LedgerError::io(&path, e.error))?;
        Ok(())
    }
}

fn csv_error(path: &Path, e: csv::Error) -> LedgerError {
    LedgerError::io(path, std::io::Error::other(e))
}

/// Whether two paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// dropkit-match's rule for a records file (`match_into_dir`): Parquet when it starts with
/// `PAR1` or is named `*.parquet`, CSV otherwise.
fn is_parquet(path: &Path) -> Result<bool, LedgerError> {
    let mut magic = [0u8; PARQUET_MAGIC.len()];
    let file = File::open(path).map_err(|e| LedgerError::io(path, e))?;
    let mut filled = 0;
    let mut take = file.take(magic.len() as u64);
    while filled < magic.len() {
        match take.read(&mut magic[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LedgerError::io(path, e)),
        }
    }
    let named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    Ok(&magic == PARQUET_MAGIC || named)
}
