//! Step 4: re-screen the records against every earlier work item still active.
//!
//! DROP sends each request once, but the duty lasts: a broker must screen the data it
//! collects later against the requests it could not match, and delete again what it
//! re-collects about a consumer who asked to be deleted. A record matching a work item of an
//! earlier download that no Removed entry cancelled is a late match: it is deleted like a
//! fresh match (listed in `late-matches.csv`, same columns as `matches.csv`, and passed to
//! the service providers) but not answered to DROP again.

use std::collections::BTreeMap;

use dropkit_files::Status;
use dropkit_ledger::MatchKind;
use dropkit_match::{MATCHES_HEADER, Matcher};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::preflight;
use crate::state::{RoundState, ScreenSummary, make_private, write_atomically};
use crate::steps::forward::{self, ForwardConsumer};
use crate::steps::matching::{consumers_to_forward, ledger_matches};

/// Whether the records have been re-screened this round.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.screened.is_some()
}

/// Matches the records against the ledger's active work items of every other download,
/// writes `late-matches.csv`, records the late matches in the ledger and adds the consumers
/// to delete to the ones to forward.
///
/// This reads the records file a second time (the round's own lists are matched by the match
/// step); a records file the match step has read is, in practice, still in the page cache.
pub(crate) fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let zip = state
        .download
        .as_ref()
        .ok_or_else(|| CycleError::Unexpected("the screen step ran before a download".into()))?;
    let dir = ctx.dir;
    let mut ledger = dir.ledger()?;
    let lists = ledger.active_lists(Some(zip))?;
    let active: u64 = lists.list_types().map(|l| lists.work_items(l) as u64).sum();
    let mut summary = ScreenSummary {
        active_work_items: active,
        ..ScreenSummary::default()
    };
    let late_path = dir.late_matches_path();
    if active == 0 {
        write_atomically(&late_path, format!("{MATCHES_HEADER}\n").as_bytes())?;
    } else {
        let matcher = Matcher::new(lists)
            .records_name(ctx.records.display().to_string())
            .record_fields(true);
        let outcome = if preflight::is_parquet(ctx.records)? {
            matcher.run_parquet(ctx.records, ctx.mapping, ctx.rules)?
        } else {
            let file =
                std::fs::File::open(ctx.records).map_err(|e| CycleError::io(ctx.records, e))?;
            matcher.run(file, ctx.mapping, ctx.rules)?
        };
        outcome.write_matches_csv(&late_path)?;
        let matched = outcome.matched_records();
        let mut per_list: BTreeMap<_, u64> = BTreeMap::new();
        for item in matched.iter().flat_map(|m| &m.matches) {
            *per_list.entry(item.list_type).or_default() += 1;
        }
        // A late match of an Exempted or Opted-out consumer is not a deletion to pass on.
        let late = consumers_to_forward(&matched, ctx);
        summary.late_matches = per_list;
        summary.consumers = late.len() as u64;
        ledger.record_matches(zip, &ledger_matches(&matched, MatchKind::Late))?;
        if !late.is_empty() {
            let mut consumers = forward::load(dir)?;
            merge(&mut consumers, late);
            forward::save(dir, &consumers)?;
        }
        tracing::info!(
            late_matches = summary.late_matches.values().sum::<u64>(),
            consumers = summary.consumers,
            deleted = matched
                .iter()
                .filter(|m| m.has_status(Status::Deleted))
                .count(),
            "records re-screened against earlier requests"
        );
    }
    make_private(&late_path)?;
    state.screened = Some(summary);
    dir.save(state)
}

/// Adds `late` to `consumers`, one entry per key (a consumer matched both anew and late
/// keeps one entry with every email, MAID and work item; see [`ForwardConsumer::absorb`]).
fn merge(consumers: &mut Vec<ForwardConsumer>, late: Vec<ForwardConsumer>) {
    for consumer in late {
        match consumers.iter_mut().find(|c| c.key == consumer.key) {
            Some(known) => known.absorb(consumer),
            None => consumers.push(consumer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_match_of_a_known_consumer_adds_its_maids_and_a_deletion() {
        let consumer = |emails: &[&str], maids: &[&str], opted_out: bool| ForwardConsumer {
            key: "k1".into(),
            emails: emails.iter().map(|s| (*s).to_owned()).collect(),
            maids: maids.iter().map(|s| (*s).to_owned()).collect(),
            opted_out,
            work_items: vec!["W1".into()],
            accepted: Vec::new(),
        };
        let mut consumers = vec![consumer(&["a@x"], &[], true)];
        let mut other = consumer(&["c@x"], &[], false);
        other.key = "k2".into();
        merge(
            &mut consumers,
            vec![consumer(&["a@x"], &["m1"], false), other],
        );
        assert_eq!(consumers.len(), 2);
        assert_eq!(consumers[0].maids, ["m1"]);
        assert!(!consumers[0].opted_out);
        assert_eq!(consumers[1].key, "k2");
    }
}
