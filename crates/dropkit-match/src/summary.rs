//! The figures of a run, for the summary a person reads.

use std::fmt;
use std::time::Duration;

use dropkit_files::{ListFileName, Status};
use dropkit_hash::ListType;

/// Counts of one part of a list, added up; the sum gives its [`ListSummary`]'s counts.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StatusCounts {
    pub(crate) exempted: u64,
    pub(crate) deleted: u64,
    pub(crate) opted_out: u64,
    pub(crate) not_found: u64,
    pub(crate) match_rows: u64,
}

impl StatusCounts {
    /// Adds one answered work item.
    pub(crate) fn count(&mut self, status: Status) {
        let counter = match status {
            Status::Exempted => &mut self.exempted,
            Status::Deleted => &mut self.deleted,
            Status::OptedOut => &mut self.opted_out,
            Status::NotFound => &mut self.not_found,
        };
        *counter += 1;
    }

    /// Adds the counts of another part.
    pub(crate) fn add(&mut self, other: &StatusCounts) {
        self.exempted += other.exempted;
        self.deleted += other.deleted;
        self.opted_out += other.opted_out;
        self.not_found += other.not_found;
        self.match_rows += other.match_rows;
    }
}

/// Counts for one list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListSummary {
    /// The list type.
    pub list_type: ListType,
    /// The downloaded file's name.
    pub file: ListFileName,
    /// Work items answered (Removed ones excluded).
    pub work_items: u64,
    /// Work items dropped because the Removed file withdrew them.
    pub removed: u64,
    /// Work items answered 2 Exempted.
    pub exempted: u64,
    /// Work items answered 3 Deleted.
    pub deleted: u64,
    /// Work items answered 4 Opted out.
    pub opted_out: u64,
    /// Work items answered 5 Not found.
    pub not_found: u64,
    /// Rows of the match report for this list (work item and consumer pairs).
    pub match_rows: u64,
    /// Rows that listed a work item Id already listed above (answered once; see
    /// [`MatchOutcome::repeated_ids`](crate::MatchOutcome::repeated_ids)).
    pub repeated_rows: u64,
}

impl ListSummary {
    /// Work items matched to at least one consumer.
    pub fn matched(&self) -> u64 {
        self.exempted + self.deleted + self.opted_out
    }
}

/// The figures of a run, for the summary a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The records file name.
    pub records_file: String,
    /// Records read (rows after the header, broken ones included).
    pub records_read: u64,
    /// Rows with at least one problem.
    pub bad_rows: u64,
    /// Problems found (a row may have several).
    pub problems: u64,
    /// Unreadable rows of the list and Removed files.
    pub list_problems: u64,
    /// Per list, in the download's order.
    pub lists: Vec<ListSummary>,
    /// Rows of the Removed file.
    pub removed: u64,
    /// Lists with work items that the column mapping gives no way to match: every one of
    /// their work items is Not found. Usually a mapping mistake.
    pub unmatchable: Vec<ListType>,
    /// Time from the start of the run to the end of matching (loading the lists excluded).
    pub elapsed: Duration,
}

impl Summary {
    /// Match report rows over all lists.
    pub fn match_rows(&self) -> u64 {
        self.lists.iter().map(|l| l.match_rows).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(
            f,
            "records read: {} from {} ({} bad rows, {} problems)",
            self.records_read, self.records_file, self.bad_rows, self.problems
        )?;
        for l in &self.lists {
            writeln!(
                f,
                "{}: {} work items, {} matched ({} deleted, {} exempted, {} opted out), {} not found{}{}",
                l.list_type,
                l.work_items,
                l.matched(),
                l.deleted,
                l.exempted,
                l.opted_out,
                l.not_found,
                if l.removed > 0 {
                    format!(", {} removed", l.removed)
                } else {
                    String::new()
                },
                if l.repeated_rows > 0 {
                    format!(", {} repeated Id rows answered once", l.repeated_rows)
                } else {
                    String::new()
                }
            )?;
        }
        if self.removed > 0 {
            writeln!(f, "Removed file: {} rows", self.removed)?;
        }
        if self.list_problems > 0 {
            writeln!(f, "unreadable list rows: {}", self.list_problems)?;
        }
        for list in &self.unmatchable {
            writeln!(
                f,
                "warning: the mapping cannot match the {list} list (needs {}); all its work items are Not found",
                crate::mapping::required_fields(*list)
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        let rate = if secs > 0.0 {
            self.records_read as f64 / secs
        } else {
            0.0
        };
        write!(f, "elapsed: {secs:.2} s ({rate:.0} records/s)")
    }
}
