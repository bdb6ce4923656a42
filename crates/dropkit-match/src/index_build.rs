//! Building a list's digest table ([`DigestIndex`]) from its entries, with the work items
//! beyond the first of each digest set aside.
//!
//! The table is larger than the caches close to the core, so each digest's home bucket is a
//! cache miss. The home buckets of the next [`AHEAD`] digests are read first, in a tight loop
//! ([`DigestIndex::group`], the values unused), so that their misses are under way together
//! rather than one after the other; and a digest whose home bucket has no matching tag and an
//! empty word ([`DigestIndex::candidate`], all 16 tags at once) is inserted without a search.
//! (perf share of the table's building while a 1M-item list loads: 15.6 % with a search for
//! each digest and its bucket read one insert ahead, 6.9 % so.)

use hashbrown::HashMap;

use crate::digest_index::DigestIndex;
use crate::list_table::{NO_HASH, Slot};

/// How many home buckets are read at once, ahead of their inserts.
const AHEAD: usize = 16;

/// First slot of a digest -> the other work items with that digest.
pub(crate) type Dups = HashMap<Slot, Vec<u32>>;

/// Adds `slots` to `table` in this order (a digest's first slot is the one the table keeps,
/// the work items of the others go to `dups`), skipping [`NO_HASH`]. `hash_of` gives a
/// slot's digest, `work_item` its work item.
pub(crate) fn add<'a>(
    table: &mut DigestIndex,
    dups: &mut Dups,
    slots: impl Iterator<Item = Slot> + Clone,
    hash_of: impl Fn(Slot) -> &'a [u8; 32],
    work_item: impl Fn(Slot) -> u32,
) {
    let mut ahead = slots.clone();
    for (i, slot) in slots.enumerate() {
        if i % AHEAD == 0 {
            // The home buckets of the next AHEAD digests, read in a tight loop whose values
            // are not needed: their cache misses are all under way at once, and over when
            // the inserts come. (Read one by one between the inserts, each waited for.)
            for next in ahead.by_ref().take(AHEAD) {
                std::hint::black_box(table.group(hash_of(next)));
            }
        }
        let digest = hash_of(slot);
        if *digest == NO_HASH {
            continue;
        }
        let group = table.group(digest);
        // Not open: no tag of the home bucket matches and it has an empty word, so the
        // digest is not in the table and goes into that word.
        if !DigestIndex::open(table.candidate(digest, &group)) {
            table.insert_at_home(digest, slot, &group);
            continue;
        }
        match table.find(digest, &hash_of) {
            Some(first) => dups.entry(first).or_default().push(work_item(slot)),
            None => table.insert(digest, slot, &hash_of),
        }
    }
}
