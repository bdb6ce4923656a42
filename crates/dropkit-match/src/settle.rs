//! Deciding the work items once the records are read: each part of a list (a range of work
//! items) settled on its own core, its rows sorted by work item and each key of a work item
//! kept once, and the [`Rules`] applied to every matched work item.

use dropkit_files::Status;
use rayon::prelude::*;

use crate::Rules;
use crate::list_table::ListData;
use crate::match_store::{MatchStore, key_of, settled_rows};
use crate::summary::StatusCounts;

/// Every work item's status of list `list` (index into the lists), with the counts.
pub(crate) fn settle<R: Rules + Sync + ?Sized>(
    list: usize,
    data: &ListData,
    store: &MatchStore,
    rules: &R,
) -> std::io::Result<(Vec<Status>, StatusCounts)> {
    let mut statuses = vec![Status::NotFound; data.len()];
    let (parts, per_part) = store.parts(list);
    if parts == 0 {
        return Ok((statuses, StatusCounts::default()));
    }
    let counts = statuses
        .par_chunks_mut(per_part)
        .enumerate()
        .map(|(p, statuses)| decide(data, store, list, p, p * per_part, statuses, rules))
        .try_reduce(StatusCounts::default, |mut a, b| {
            a.add(&b);
            Ok(a)
        })?;
    Ok((statuses, counts))
}

/// Decides the work items of part `part`, the first being work item `first`.
fn decide<R: Rules + Sync + ?Sized>(
    data: &ListData,
    store: &MatchStore,
    list: usize,
    part: usize,
    first: usize,
    statuses: &mut [Status],
    rules: &R,
) -> std::io::Result<StatusCounts> {
    let bytes = store.read_part(list, part)?;
    let rows = settled_rows(&bytes, store.entries(list, part))?;
    let mut counts = StatusCounts::default();
    let mut keys: Vec<&str> = Vec::new();
    let mut matched = 0;
    let mut i = 0;
    while i < rows.len() {
        let entry = rows[i].0;
        keys.clear();
        while i < rows.len() && rows[i].0 == entry {
            keys.push(key_of(&bytes, &rows[i])?);
            i += 1;
        }
        counts.match_rows += keys.len() as u64;
        let status = rules.status(data.list, &data.id(entry), &keys);
        counts.count(status);
        matched += 1;
        // A part's rows are its own work items (`settled_rows` checks).
        if let Some(slot) = (entry as usize)
            .checked_sub(first)
            .and_then(|i| statuses.get_mut(i))
        {
            *slot = status;
        }
    }
    counts.not_found += (statuses.len() - matched) as u64;
    Ok(counts)
}
