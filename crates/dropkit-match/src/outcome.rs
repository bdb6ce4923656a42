//! What a run found: a status per work item (decided by the [`Rules`] on every core), the
//! consumers of each matched work item, the problems and the figures.
//!
//! The match report is in [`report`](crate::report), the file writers in
//! [`writing`](crate::writing), the figures in [`summary`](crate::summary).

use std::fmt;
use std::time::Instant;

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::{Field, ListType};

use crate::item_state::{Accumulator, RecordFields};
use crate::lists::{Lists, RemovedItem, RepeatedId};
use crate::match_store::MatchStore;
use crate::plan::Plan;
use crate::settle::settle;
use crate::summary::{ListSummary, Summary};
use crate::{DEFAULT_MAX_PROBLEMS, Error, Problem, Rules};

/// The result of a run: a status for every work item of every list, the match report and the
/// problems found.
pub struct MatchOutcome {
    pub(crate) lists: Lists,
    /// The hits, by list and part (settled again, part by part, whenever read).
    pub(crate) store: MatchStore,
    /// Per list, each work item's status.
    pub(crate) statuses: Vec<Vec<Status>>,
    /// The standardized mapped values of the records that matched, by key (empty unless
    /// collected).
    pub(crate) fields: RecordFields,
    /// The mapped raw fields in mapping order, each once.
    pub(crate) field_order: Vec<Field>,
    summary: Summary,
    problems: Vec<Problem>,
}

impl fmt::Debug for MatchOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchOutcome")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl MatchOutcome {
    pub(crate) fn new<R: Rules + Sync + ?Sized>(
        lists: Lists,
        acc: Accumulator,
        plan: Plan,
        rules: &R,
        start: Instant,
    ) -> Result<Self, Error> {
        let Accumulator {
            store,
            tally,
            problems,
            fields,
            ..
        } = acc;
        let mut outcome = MatchOutcome {
            lists,
            store,
            statuses: Vec::new(),
            fields,
            field_order: plan.field_order(),
            summary: Summary {
                records_file: plan.file.to_string(),
                records_read: tally.records,
                bad_rows: tally.bad_rows,
                problems: tally.problems,
                list_problems: 0,
                lists: Vec::new(),
                removed: 0,
                unmatchable: plan.unmatchable,
                elapsed: start.elapsed(),
            },
            problems,
        };
        let mut statuses = Vec::with_capacity(outcome.lists.lists.len());
        let mut summaries = Vec::with_capacity(outcome.lists.lists.len());
        for (l, data) in outcome.lists.lists.iter().enumerate() {
            let (column, counts) = settle(l, data, &mut outcome.store, rules)
                .map_err(|e| Error::io(outcome.store.spill_label(), e))?;
            let summary = ListSummary {
                list_type: data.list,
                file: data.name.clone(),
                work_items: data.len() as u64,
                removed: data.removed,
                exempted: counts.exempted,
                deleted: counts.deleted,
                opted_out: counts.opted_out,
                not_found: counts.not_found,
                match_rows: counts.match_rows,
                repeated_rows: data.repeated_rows(),
            };
            statuses.push(column);
            summaries.push(summary);
        }
        outcome.statuses = statuses;
        outcome.summary.lists = summaries;
        outcome.summary.list_problems = outcome.lists.problems().len() as u64;
        outcome.summary.removed = outcome.lists.removed().len() as u64;
        outcome.summary.elapsed = start.elapsed();
        Ok(outcome)
    }

    /// The figures of the run.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The first problems found in the records, in file order (all are counted in
    /// [`Summary::problems`]; how many are kept is set by
    /// [`Matcher::max_problems`](crate::Matcher::max_problems)).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Unreadable rows of the list and Removed files.
    pub fn list_problems(&self) -> &[dropkit_files::Error] {
        self.lists.problems()
    }

    /// The work item Ids listed more than once in one list (each answered once).
    pub fn repeated_ids(&self) -> &[RepeatedId] {
        self.lists.repeated_ids()
    }

    /// The warnings of the run, one line each, for a person: the work item Ids listed more
    /// than once (the first [`DEFAULT_MAX_PROBLEMS`] in full, then how many more). Not
    /// errors: every work item is still answered exactly once.
    pub fn warnings(&self) -> Vec<String> {
        let repeated = self.repeated_ids();
        let mut out: Vec<String> = repeated
            .iter()
            .take(DEFAULT_MAX_PROBLEMS)
            .map(ToString::to_string)
            .collect();
        if repeated.len() > DEFAULT_MAX_PROBLEMS {
            out.push(format!(
                "... and {} more work item Ids listed more than once",
                repeated.len() - DEFAULT_MAX_PROBLEMS
            ));
        }
        out
    }

    /// The Removed file's rows: not answered, and whether each was in this download.
    pub fn removed(&self) -> &[RemovedItem] {
        self.lists.removed()
    }

    /// The lists matched against.
    pub fn lists(&self) -> &Lists {
        &self.lists
    }

    /// Every work item of `list` with its status, in file order (empty for a list not in the
    /// download).
    pub fn statuses(&self, list: ListType) -> impl Iterator<Item = (WorkItemId, Status)> + '_ {
        let found = self.lists.lists.iter().position(|d| d.list == list);
        found.into_iter().flat_map(move |l| {
            let data = &self.lists.lists[l];
            self.statuses[l]
                .iter()
                .enumerate()
                .map(move |(e, &s)| (data.id(e as u32), s))
        })
    }

    /// The status of work item `id` of `list` (a linear search: for checks and tests).
    pub fn status_of(&self, list: ListType, id: &str) -> Option<Status> {
        self.statuses(list)
            .find(|(i, _)| i.as_str() == id)
            .map(|(_, s)| s)
    }
}
