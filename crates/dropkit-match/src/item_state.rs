//! Per work item state while the records stream by: which consumers matched it, folded from
//! the blocks' hits in file order; and the mapped fields of the records that matched.
//!
//! A work item's state is one `u32`: [`NONE`] (no consumer yet), a key index (one consumer),
//! or [`MULTI`] and an index into the lists of keys of the work items matched by several.

use dropkit_hash::Field;
use hashbrown::HashMap;

use crate::lists::Lists;
use crate::probe::{BlockResult, MAX_KEY_LEN};
use crate::{Error, Problem};

/// "No consumer matched this work item yet."
pub(crate) const NONE: u32 = u32::MAX;
/// The state bit of a work item matched by several consumers (the rest indexes `multi`).
pub(crate) const MULTI: u32 = 1 << 31;

/// Bits of a key span holding the key's start in [`Keys::text`]; the length takes the rest.
const START_BITS: u32 = 40;
/// Most bytes of key text ([`Keys::text`] is addressed with [`START_BITS`] bits).
const MAX_KEY_TEXT: usize = 1 << START_BITS;
/// Most distinct key entries: a key index must never carry the [`MULTI`] bit.
const MAX_KEYS: usize = MULTI as usize;

// A key's length must fit in the bits left by the start.
const _: () = assert!(MAX_KEY_LEN < 1 << (64 - START_BITS));

/// The decoded state of one work item.
pub(crate) enum ItemState {
    /// No consumer matched it.
    Unmatched,
    /// One consumer: an index into [`Keys`].
    One(u32),
    /// Several consumers: an index into the multi lists.
    Several(usize),
}

impl ItemState {
    #[inline]
    pub(crate) fn of(state: u32) -> Self {
        if state == NONE {
            ItemState::Unmatched
        } else if state & MULTI != 0 {
            ItemState::Several((state & !MULTI) as usize)
        } else {
            ItemState::One(state)
        }
    }
}

/// Record counters of a run.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) records: u64,
    pub(crate) bad_rows: u64,
    pub(crate) problems: u64,
}

/// The consumer keys of the matches, one after the other in one buffer.
///
/// A key is stored once per work item it matched; whether two matches of a work item are the
/// same consumer is decided by comparing the keys, which happens only for work items matched
/// more than once.
#[derive(Default)]
pub(crate) struct Keys {
    text: String,
    /// Start (low [`START_BITS`] bits) and length (the high bits) of each key in `text`.
    spans: Vec<u64>,
}

impl Keys {
    /// Stores `key` (at most [`MAX_KEY_LEN`] bytes: longer rows are skipped as problems before
    /// they reach here) and returns its index.
    fn push(&mut self, key: &str) -> Result<u32, Error> {
        if self.spans.len() >= MAX_KEYS || self.text.len() + key.len() > MAX_KEY_TEXT {
            return Err(Error::TooManyKeys);
        }
        debug_assert!(key.len() <= MAX_KEY_LEN);
        // Below MAX_KEYS (2^31), checked above.
        let index = self.spans.len() as u32;
        self.spans
            .push(self.text.len() as u64 | (key.len() as u64) << START_BITS);
        self.text.push_str(key);
        Ok(index)
    }

    pub(crate) fn get(&self, i: u32) -> &str {
        let span = self.spans[i as usize];
        let start = (span & ((1 << START_BITS) - 1)) as usize;
        let len = (span >> START_BITS) as usize;
        // Spans are only made by `push`, over whole strings.
        &self.text[start..start + len]
    }
}

/// The standardized field values of the records that matched, by consumer key.
pub(crate) type RecordFields = HashMap<String, Vec<(Field, String)>>;

/// The results of the blocks, folded in file order.
pub(crate) struct Accumulator {
    pub(crate) states: Vec<Vec<u32>>,
    /// Keys of the work items matched by several consumers; such a work item's state is
    /// `MULTI | index`.
    pub(crate) multi: Vec<Vec<u32>>,
    pub(crate) keys: Keys,
    pub(crate) tally: Tally,
    pub(crate) problems: Vec<Problem>,
    pub(crate) fields: RecordFields,
    max_problems: usize,
}

impl Accumulator {
    pub(crate) fn new(lists: &Lists, max_problems: usize) -> Self {
        Accumulator {
            states: lists.lists.iter().map(|l| vec![NONE; l.len()]).collect(),
            multi: Vec::new(),
            keys: Keys::default(),
            tally: Tally::default(),
            problems: Vec::new(),
            fields: RecordFields::new(),
            max_problems,
        }
    }

    pub(crate) fn apply(&mut self, r: BlockResult, strict: bool) -> Result<(), Error> {
        if strict && let Some(p) = r.problems.first() {
            return Err(Error::strict(p));
        }
        self.tally.records += r.records;
        self.tally.bad_rows += r.bad_rows;
        self.tally.problems += r.problem_count;
        let room = self.max_problems.saturating_sub(self.problems.len());
        self.problems.extend(r.problems.into_iter().take(room));
        let key_of = |(start, len): (u32, u32)| &r.key_text[start as usize..(start + len) as usize];
        for hit in &r.hits {
            let key = key_of(hit.key);
            // Hits are made from these lists' own tables: the indexes are in range.
            let state = &mut self.states[usize::from(hit.list)][hit.entry as usize];
            match ItemState::of(*state) {
                ItemState::Unmatched => *state = self.keys.push(key)?,
                ItemState::Several(m) => {
                    let all = &mut self.multi[m];
                    if !all.iter().any(|&k| self.keys.get(k) == key) {
                        all.push(self.keys.push(key)?);
                    }
                }
                ItemState::One(first) => {
                    if self.keys.get(first) != key {
                        if self.multi.len() >= MAX_KEYS {
                            return Err(Error::TooManyKeys);
                        }
                        *state = MULTI | self.multi.len() as u32;
                        self.multi.push(vec![first, self.keys.push(key)?]);
                    }
                }
            }
        }
        for row in r.matched_rows {
            let key = key_of(row.key);
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
