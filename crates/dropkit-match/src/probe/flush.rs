//! Probing a batch of queued digests step by step, so that the waits on memory overlap.

use dropkit_hash::DropHash;

use super::{BlockResult, Deferred, DeferredFrom, Hit, KeyAt, MatchedRow, Reread, Scratch};
use crate::digest_index::DigestIndex;
use crate::lists::Lists;
use crate::plan::Plan;

/// Probes the queued digests and turns what is found into hits; reads the fields of the
/// records that matched again, when the plan collects them. `keys` is the text the queued
/// records' [`KeyAt::Block`] keys and [`DeferredFrom::Block`] values are spans of.
pub(super) fn flush(
    out: &mut BlockResult,
    s: &mut Scratch,
    (reread, keys): (&mut Reread<'_>, &str),
    plan: &Plan,
    lists: &Lists,
) {
    // The values waiting for their hash, two at a time (SHA-NI lanes): standardized ones,
    // and plain emails straight from the block's text, lowercased as they are hashed.
    let value = |d: &Deferred| {
        let (text, lower) = match d.from {
            DeferredFrom::Standardized => (s.deferred_text.as_bytes(), false),
            DeferredFrom::Block { lower } => (keys.as_bytes(), lower),
        };
        // Spans taken at a value's boundaries in its text: always in it. Were one not, a
        // wrong text would be hashed: stop instead.
        let Some(bytes) = text.get(d.start as usize..d.end as usize) else {
            panic!("a deferred value's span {d:?} is outside its text");
        };
        (bytes, lower)
    };
    let mut pairs = s.deferred.chunks_exact(2);
    for pair in &mut pairs {
        let [(a, la), (b, lb)] = [value(&pair[0]), value(&pair[1])];
        let [x, y] = DropHash::of_ascii_lowercased_array([a, b], [la, lb]);
        s.pending[pair[0].pending as usize].1 = *x.as_bytes();
        s.pending[pair[1].pending as usize].1 = *y.as_bytes();
    }
    if let [d] = pairs.remainder() {
        let [(a, la)] = [value(d)];
        let [x] = DropHash::of_ascii_lowercased_array([a], [la]);
        s.pending[d.pending as usize].1 = *x.as_bytes();
    }
    s.deferred.clear();
    s.deferred_text.clear();
    // Step by step, each over the whole batch, so that the waits on memory overlap instead
    // of following one another (see `DigestIndex`): every digest's tags (loads alone, many
    // in flight), the candidates from them, then, for the few digests with a candidate,
    // packed together, their slots, then their entries.
    let list_of = |list: u8| &lists.lists[usize::from(list)];
    s.groups.clear();
    s.groups.extend(
        s.pending
            .iter()
            .map(|(list, digest, _)| list_of(*list).group(digest)),
    );
    s.candidates.clear();
    s.candidates.extend(
        s.pending
            .iter()
            .zip(&s.groups)
            .map(|((list, digest, _), g)| list_of(*list).candidate(digest, g)),
    );
    s.open.clear();
    s.open.resize(s.pending.len(), 0);
    let mut open = 0;
    for (i, &c) in s.candidates.iter().enumerate() {
        s.open[open] = i as u32;
        open += usize::from(DigestIndex::open(c));
    }
    s.open.truncate(open);
    for &i in &s.open {
        let i = i as usize;
        s.candidates[i] = list_of(s.pending[i].0).resolve(s.candidates[i]);
    }
    // Only the open digests can be found: `found` and `search` follow `open`.
    s.found.clear();
    s.search.clear();
    for (k, &i) in s.open.iter().enumerate() {
        let i = i as usize;
        let (list, digest, _) = &s.pending[i];
        let (found, search) = list_of(*list).check(digest, s.candidates[i]);
        s.found.push(found);
        if search {
            s.search.push(k);
        }
    }
    // Another word's tag matched too, or the home bucket was full: a plain search.
    for &k in &s.search {
        let (list, digest, _) = &s.pending[s.open[k] as usize];
        s.found[k] = list_of(*list).find(digest);
    }
    // In the queue's order (`open` is ascending).
    for (&i, found) in s.open.iter().zip(&s.found) {
        if let Some(first) = *found {
            let (list, _, row) = &s.pending[i as usize];
            // A row's key is kept once, however many of its digests are found.
            let queued = &mut s.rows[*row as usize];
            let key = match queued.hit {
                Some(key) => key,
                None => {
                    let text = match queued.key {
                        KeyAt::Block(a, b) => keys.get(a..b),
                        KeyAt::Copied(a, b) => s.key_text.get(a..b),
                    };
                    // Spans of text taken at a field's boundaries (ASCII commas): always in
                    // it. Were one not, an empty key would be a wrong match row: stop instead.
                    let Some(text) = text else {
                        panic!("a queued key's span {:?} is outside its text", queued.key);
                    };
                    let key = out.push_key(text);
                    queued.hit = Some(key);
                    key
                }
            };
            lists.lists[usize::from(*list)].with_dups(first, |entry| {
                out.hits.push(Hit {
                    list: *list,
                    entry,
                    key,
                });
            });
        }
    }
    if !plan.retained.is_empty() {
        for queued in &s.rows {
            if let Some(key) = queued.hit {
                let fields = reread(queued.at, &mut s.standardized, &mut s.ends);
                out.matched_rows.push(MatchedRow { key, fields });
            }
        }
    }
    s.pending.clear();
    s.rows.clear();
    s.key_text.clear();
}
