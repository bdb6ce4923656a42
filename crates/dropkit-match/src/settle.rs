//! Deciding the work items once the records are read: each part of a list (a range of work
//! items) settled on its own core, its rows sorted by work item and each key of a work item
//! kept once, and the [`Rules`] applied to every matched work item.

use dropkit_files::Status;
use rayon::prelude::*;

use crate::Rules;
use crate::list_table::ListData;
use crate::match_store::{MatchStore, PartToSettle, keys_text, next_key};
use crate::summary::StatusCounts;

/// Every work item's status of list `list` (index into the lists), with the counts. Each part
/// is kept in its settled order ([`PartToSettle::settle`]), for the match report.
pub(crate) fn settle<R: Rules + Sync + ?Sized>(
    list: usize,
    data: &ListData,
    store: &mut MatchStore,
    rules: &R,
) -> std::io::Result<(Vec<Status>, StatusCounts)> {
    let mut statuses = vec![Status::NotFound; data.len()];
    let (parts, per_part) = store.parts(list);
    if parts == 0 {
        return Ok((statuses, StatusCounts::default()));
    }
    let counts = store
        .parts_to_settle(list)
        .into_par_iter()
        .zip(statuses.par_chunks_mut(per_part))
        .map(|(part, statuses)| decide(data, part, statuses, rules))
        .try_reduce(StatusCounts::default, |mut a, b| {
            a.add(&b);
            Ok(a)
        })?;
    Ok((statuses, counts))
}

/// Decides the work items of `part`, whose statuses are `statuses`.
fn decide<R: Rules + Sync + ?Sized>(
    data: &ListData,
    part: PartToSettle<'_>,
    statuses: &mut [Status],
    rules: &R,
) -> std::io::Result<StatusCounts> {
    let first = part.entries().start as usize;
    part.settle(|bytes, rows| {
        let text = keys_text(bytes, rows)?;
        let mut at = 0;
        let mut counts = StatusCounts::default();
        let mut keys: Vec<&str> = Vec::new();
        let mut matched = 0;
        let mut i = 0;
        while i < rows.len() {
            let entry = rows[i].0;
            keys.clear();
            while i < rows.len() && rows[i].0 == entry {
                keys.push(next_key(&text, &mut at, &rows[i])?);
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
    })
}
