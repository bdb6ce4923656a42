//! The join: the lists in memory, the records streamed block by block through all cores.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::blocks::{Block, BlockReader};
use crate::lists::Lists;
use crate::outcome::{MULTI, MatchOutcome, NONE, Tally};
use crate::probe::{BlockResult, Plan, process_block};
use crate::{Error, Mapping, Problem, Rules};

/// How many problems a run keeps in full by default (all of them are counted).
pub const DEFAULT_MAX_PROBLEMS: usize = 1000;

/// Matches a broker's records against the [`Lists`] of a download.
///
/// The records CSV (a header row, then one row per record; RFC 4180 quoting) is read in blocks
/// of about a megabyte that are parsed, standardized, hashed and probed on every core (rayon's
/// global pool), while the next blocks are read. Memory for the records is a few blocks per
/// core, whatever the file's size; what grows with the input is the lists and the distinct
/// consumer keys that matched.
///
/// See the [crate documentation](crate) for a complete example.
#[derive(Debug)]
pub struct Matcher {
    lists: Lists,
    strict: bool,
    max_problems: usize,
    records_name: String,
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
        }
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
        } = self;
        if strict && let Some(first) = lists.problems().first() {
            return Err(Error::Strict(first.to_string()));
        }
        let io = |e| Error::io(&records_name, e);
        let mut reader = BlockReader::new(records);
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
            if !rdr.read_byte_record(&mut header).unwrap_or(false) {
                return Err(Error::NoHeader { file: records_name });
            }
            let fields: Vec<&[u8]> = header.iter().collect();
            let resolved = mapping.resolve(&fields, &records_name)?;
            // Strict mode needs the first problem in full to report it.
            let keep = if strict {
                max_problems.max(1)
            } else {
                max_problems
            };
            Plan::new(Arc::from(records_name.as_str()), resolved, &lists, keep)
        };
        let per_round = rayon::current_num_threads().max(1) * 2;
        let mut acc = Accumulator::new(&lists, max_problems);
        let mut batch = vec![first];
        batch.extend(read_batch(&mut reader, per_round - 1).map_err(io)?);
        let mut header_pending = true;
        // Each round reads the next blocks, processes these on every core and folds the
        // previous round's results, all at once.
        let mut done: Vec<BlockResult> = Vec::new();
        while !batch.is_empty() || !done.is_empty() {
            let skip_header = std::mem::take(&mut header_pending);
            let previous = std::mem::take(&mut done);
            let acc = &mut acc;
            let (next, (results, applied)) = rayon::join(
                || read_batch(&mut reader, per_round),
                || {
                    rayon::join(
                        || {
                            batch
                                .par_iter()
                                .enumerate()
                                .map(|(i, b)| {
                                    process_block(b, skip_header && i == 0, &plan, &lists)
                                })
                                .collect::<Vec<_>>()
                        },
                        || {
                            previous
                                .into_iter()
                                .try_for_each(|result| acc.apply(result, strict))
                        },
                    )
                },
            );
            applied?;
            done = results;
            for block in batch.drain(..) {
                reader.recycle(block);
            }
            batch = next.map_err(io)?;
        }
        drop(reader);
        Ok(acc.finish(lists, plan, rules, start))
    }
}

fn read_batch<R: Read>(reader: &mut BlockReader<R>, n: usize) -> std::io::Result<Vec<Block>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match reader.next_block()? {
            Some(b) => out.push(b),
            None => break,
        }
    }
    Ok(out)
}

/// The consumer keys of the matches, one after the other in one buffer.
///
/// A key is stored once per work item it matched; whether two matches of a work item are the
/// same consumer is decided by comparing the keys, which happens only for work items matched
/// more than once.
#[derive(Default)]
pub(crate) struct Keys {
    text: String,
    /// Start (low 40 bits) and length (high 24 bits) of each key in `text`.
    spans: Vec<u64>,
}

impl Keys {
    fn push(&mut self, key: &str) -> u32 {
        let i = u32::try_from(self.spans.len()).unwrap_or(u32::MAX);
        // Keys longer than 16 MiB are cut (at a character boundary) rather than wrapped.
        let mut len = key.len().min((1 << 24) - 1);
        while !key.is_char_boundary(len) {
            len -= 1;
        }
        self.spans.push(self.text.len() as u64 | (len as u64) << 40);
        self.text.push_str(&key[..len]);
        i
    }

    pub(crate) fn get(&self, i: u32) -> &str {
        let span = self.spans[i as usize];
        let start = (span & ((1 << 40) - 1)) as usize;
        let len = (span >> 40) as usize;
        self.text.get(start..start + len).unwrap_or_default()
    }
}

/// The results of the blocks, folded in file order.
pub(crate) struct Accumulator {
    pub(crate) states: Vec<Vec<u32>>,
    /// Keys of the work items matched by several consumers; such a work item's state is
    /// `MULTI | index`.
    pub(crate) multi: Vec<Vec<u32>>,
    pub(crate) keys: Keys,
    pub(crate) tally: Tally,
    pub(crate) problems: Vec<Problem>,
    max_problems: usize,
}

impl Accumulator {
    fn new(lists: &Lists, max_problems: usize) -> Self {
        Accumulator {
            states: lists.lists.iter().map(|l| vec![NONE; l.len()]).collect(),
            multi: Vec::new(),
            keys: Keys::default(),
            tally: Tally::default(),
            problems: Vec::new(),
            max_problems,
        }
    }

    fn apply(&mut self, r: BlockResult, strict: bool) -> Result<(), Error> {
        if strict && let Some(p) = r.problems.first() {
            return Err(Error::strict(p));
        }
        self.tally.records += r.records;
        self.tally.bad_rows += r.bad_rows;
        self.tally.problems += r.problem_count;
        let room = self.max_problems.saturating_sub(self.problems.len());
        self.problems.extend(r.problems.into_iter().take(room));
        for hit in r.hits {
            let (start, len) = hit.key;
            let key = &r.key_text[start as usize..(start + len) as usize];
            let Some(state) = self
                .states
                .get_mut(usize::from(hit.list))
                .and_then(|s| s.get_mut(hit.entry as usize))
            else {
                continue;
            };
            if *state == NONE {
                *state = self.keys.push(key);
            } else if *state & MULTI != 0 {
                let all = &mut self.multi[(*state & !MULTI) as usize];
                if !all.iter().any(|&k| self.keys.get(k) == key) {
                    all.push(self.keys.push(key));
                }
            } else if self.keys.get(*state) != key {
                let first = *state;
                *state = MULTI | self.multi.len() as u32;
                self.multi.push(vec![first, self.keys.push(key)]);
            }
            if self.keys.spans.len() >= MULTI as usize
                || self.multi.len() >= MULTI as usize
                || self.keys.text.len() >= 1 << 40
            {
                return Err(Error::TooManyKeys);
            }
        }
        Ok(())
    }

    fn finish<R: Rules + Sync + ?Sized>(
        self,
        lists: Lists,
        plan: Plan,
        rules: &R,
        start: Instant,
    ) -> MatchOutcome {
        MatchOutcome::new(lists, self, plan, rules, start)
    }
}
