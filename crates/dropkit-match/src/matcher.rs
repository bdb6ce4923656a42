//! The join: the lists in memory, the records streamed block by block through all cores.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::blocks::{BLOCK, BlockReader, MAX_BLOCK};
use crate::flow;
use crate::item_state::Accumulator;
use crate::lists::Lists;
use crate::outcome::MatchOutcome;
use crate::plan::Plan;
use crate::{Error, Mapping, Rules};

/// How many problems a run keeps in full by default (all of them are counted).
pub const DEFAULT_MAX_PROBLEMS: usize = 1000;

/// Matches a broker's records against the [`Lists`] of a download.
///
/// The records CSV (a header row, then one row per record; RFC 4180 quoting) is read in blocks
/// of about half a megabyte, each read, parsed, standardized, hashed and probed by one worker
/// of rayon's global pool, one worker per core, every worker on its own next block (results
/// are folded in file order). Memory for the records is about a block per core, whatever the
/// file's size; what grows with the input is the lists and the matches
/// (per hit, 4 bytes of work item and the consumer key, kept by work item range; a run of
/// [`match_into_dir`](crate::match_into_dir) that hands back no matched records moves them
/// to an unnamed temporary file past a few megabytes, so its memory stays flat).
///
/// See the [crate documentation](crate) for a complete example.
#[derive(Debug)]
pub struct Matcher {
    pub(crate) lists: Lists,
    pub(crate) strict: bool,
    pub(crate) max_problems: usize,
    pub(crate) records_name: String,
    pub(crate) record_fields: bool,
    /// The directory the hits may go to, in an unnamed temporary file, past a few megabytes
    /// (set by [`match_into_dir`](crate::match_into_dir), to its output directory, when it
    /// hands back no matched records).
    pub(crate) spill: Option<PathBuf>,
    /// Bytes read per block (`blocks::BLOCK`; tests use tiny blocks, so that small inputs
    /// flow through many).
    pub(crate) block: usize,
}

impl Matcher {
    /// A matcher over `lists`: not strict, keeping the first [`DEFAULT_MAX_PROBLEMS`] problems,
    /// the records named `records` in messages.
    pub fn new(lists: Lists) -> Self {
        Matcher {
            lists,
            strict: false,
            max_problems: DEFAULT_MAX_PROBLEMS,
            records_name: "records".into(),
            record_fields: false,
            spill: None,
            block: BLOCK,
        }
    }

    /// Whether to keep, for every record that matched, the standardized values of its mapped
    /// identifier fields ([`MatchOutcome::matched_records`]), read in the same pass. Off by
    /// default: only rows with a match cost anything, but nothing is kept unless asked.
    pub fn record_fields(mut self, keep: bool) -> Self {
        self.record_fields = keep;
        self
    }

    /// Lets the hits go to an unnamed temporary file in `dir` past a few megabytes, so memory
    /// stays flat in the records. Only for a run whose outcome is written and dropped, never
    /// asked for [`MatchOutcome::matches`] (which would read every hit back into memory).
    pub(crate) fn spill(mut self, dir: Option<PathBuf>) -> Self {
        self.spill = dir;
        self
    }

    /// In strict mode the first broken row (or unreadable list row) stops the run with
    /// [`Error::Strict`]. Off by default: problems are counted and reported.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// How many problems the outcome keeps in full; every problem is counted regardless.
    pub fn max_problems(mut self, n: usize) -> Self {
        self.max_problems = n;
        self
    }

    /// The name of the records file in problems and errors.
    pub fn records_name(mut self, name: impl Into<String>) -> Self {
        self.records_name = name.into();
        self
    }

    /// Opens the records CSV at `path` and [`run`](Self::run)s over it, naming it by its path.
    pub fn run_path<R: Rules + Sync + ?Sized>(
        mut self,
        path: impl AsRef<Path>,
        mapping: &Mapping,
        rules: &R,
    ) -> Result<MatchOutcome, Error> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        self.records_name = path.display().to_string();
        self.run(file, mapping, rules)
    }

    /// Streams the records CSV from `records` and matches every record against the lists.
    ///
    /// Fails only when the run cannot go on: unreadable records file, no header, a mapped
    /// column missing from the header, or (in strict mode) the first problem.
    pub fn run<R: Read + Send, Ru: Rules + Sync + ?Sized>(
        self,
        records: R,
        mapping: &Mapping,
        rules: &Ru,
    ) -> Result<MatchOutcome, Error> {
        let start = Instant::now();
        let Matcher {
            lists,
            strict,
            max_problems,
            records_name,
            record_fields,
            spill,
            block,
        } = self;
        if strict && let Some(first) = lists.problems().first() {
            return Err(Error::Strict(first.to_string()));
        }
        let io = |e| Error::io(&records_name, e);
        let mut reader = BlockReader::with_sizes(records, block, MAX_BLOCK);
        let first = reader
            .next_block()
            .map_err(io)?
            .ok_or_else(|| Error::NoHeader {
                file: records_name.clone(),
            })?;
        let plan = {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&first.data[..]);
            let mut header = csv::ByteRecord::new();
            match rdr.read_byte_record(&mut header) {
                Ok(true) => {}
                Ok(false) => return Err(Error::NoHeader { file: records_name }),
                Err(e) => {
                    let e = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
                    return Err(Error::io(&records_name, e));
                }
            }
            let fields: Vec<&[u8]> = header.iter().collect();
            let resolved = mapping.resolve(&fields, &records_name)?;
            // Strict mode needs the first problem in full to report it.
            let keep = if strict {
                max_problems.max(1)
            } else {
                max_problems
            };
            Plan::new(
                Arc::from(records_name.as_str()),
                resolved,
                &lists,
                keep,
                record_fields,
            )
        };
        let mut acc = Accumulator::new(&lists, max_problems, spill.as_deref());
        let workers = rayon::current_num_threads().max(1);
        flow::run_blocks(
            reader,
            first,
            workers,
            (&plan, &lists, strict),
            &mut acc,
            &io,
        )?;
        MatchOutcome::new(lists, acc, plan, rules, start)
    }
}
