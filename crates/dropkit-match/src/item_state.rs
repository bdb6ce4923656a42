//! What the blocks give, folded in file order: the hits (into a [`MatchStore`]), the
//! counters and problems, and the mapped fields of the records that matched.

use std::path::Path;

use dropkit_hash::Field;
use hashbrown::HashMap;

use crate::lists::Lists;
use crate::match_store::MatchStore;
use crate::probe::BlockResult;
use crate::{Error, Problem};

/// Record counters of a run.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) records: u64,
    pub(crate) bad_rows: u64,
    pub(crate) problems: u64,
}

/// The standardized field values of the records that matched, by consumer key.
pub(crate) type RecordFields = HashMap<String, Vec<(Field, String)>>;

/// The results of the blocks, folded in file order.
pub(crate) struct Accumulator {
    /// The hits, by list and part.
    pub(crate) store: MatchStore,
    pub(crate) tally: Tally,
    pub(crate) problems: Vec<Problem>,
    pub(crate) fields: RecordFields,
    max_problems: usize,
}

impl Accumulator {
    /// With `spill`, the hits go to a temporary file in that directory past a few megabytes.
    pub(crate) fn new(lists: &Lists, max_problems: usize, spill: Option<&Path>) -> Self {
        Accumulator {
            store: MatchStore::new(lists, spill),
            tally: Tally::default(),
            problems: Vec::new(),
            fields: RecordFields::new(),
            max_problems,
        }
    }

    pub(crate) fn apply(&mut self, mut r: BlockResult, strict: bool) -> Result<(), Error> {
        if strict && let Some(p) = r.problems.first() {
            return Err(Error::strict(p));
        }
        self.tally.records += r.records;
        self.tally.bad_rows += r.bad_rows;
        self.tally.problems += r.problem_count;
        let room = self.max_problems.saturating_sub(self.problems.len());
        self.problems
            .extend(std::mem::take(&mut r.problems).into_iter().take(room));
        for h in &r.hits {
            // Hits are made from these lists' own tables: the indexes are in range.
            self.store.push(h.list, h.entry, r.key(h.key));
        }
        if let Err(e) = self.store.settle_memory() {
            return Err(Error::io(self.store.spill_label(), e));
        }
        for row in std::mem::take(&mut r.matched_rows) {
            let key = r.key(row.key);
            let fields = match self.fields.get_mut(key) {
                Some(fields) => fields,
                None => self.fields.entry(key.to_owned()).or_default(),
            };
            for pair in row.fields {
                if !fields.contains(&pair) {
                    fields.push(pair);
                }
            }
        }
        Ok(())
    }
}
