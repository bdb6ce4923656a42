//! The report's figures: plain data, serialized with the snake_case field names
//! `docs/cli.md` documents for `dropkit report --json`.

use serde::Serialize;

/// The annual report of one state directory: what DROP sent in a calendar year and how every
/// work item was handled.
///
/// A year is the downloads **received** in that calendar year (UTC): every figure below is
/// about those downloads' work items, and about what the rounds that received them found and
/// forwarded, whenever the answer was given or the work item cancelled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AnnualReport {
    /// The calendar year.
    pub year: i32,
    /// When the report was made (RFC 3339, UTC).
    pub generated_at: String,
    /// Per list type that received work items in the year, in DROP's list order.
    pub lists: Vec<ListFigures>,
    /// All lists together (`list_type` is `"total"`).
    pub total: ListFigures,
    /// Each round (download) of the year, oldest first.
    pub rounds: Vec<RoundFigures>,
    /// Days from download to upload over the year's rounds.
    pub days_to_answer: DaysToAnswer,
    /// Per service provider: the pairs forwarded by the year's rounds and the jobs' outcomes.
    pub providers: Vec<ProviderFigures>,
    /// The providers' deletion jobs created by the year's rounds.
    pub provider_jobs: JobFigures,
    /// Per reason given for an exemption: the work items answered 2 Exempted because of it
    /// (empty when the ledger keeps no reasons, before its schema 3).
    pub exemptions: Vec<ExemptionFigures>,
    /// What was checked against the uploaded status files (all of it agreed, or there would
    /// be no report).
    pub checked: Checked,
}

/// The figures of one list type (or of all, in [`AnnualReport::total`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListFigures {
    /// DROP's name of the list (`Email`, `Phone`, `MAID`, …), or `total`.
    pub list_type: String,
    /// Work items received (delivered by a download of the year).
    pub received: u64,
    /// Work items answered, whatever the status.
    pub answered: u64,
    /// Answered 2, Exempted.
    pub exempted: u64,
    /// Answered 3, Deleted.
    pub deleted: u64,
    /// Answered 4, Opted out.
    pub opted_out: u64,
    /// Answered 5, Not found.
    pub not_found: u64,
    /// Not answered (yet).
    pub unanswered: u64,
    /// Cancelled by an entry of a Removed list (of any download, up to the report).
    pub cancelled: u64,
    /// Late matches found by the year's rounds: (work item, record key) pairs matched against
    /// a work item of an earlier download, counted under that work item's list.
    pub late_matches: u64,
}

impl ListFigures {
    /// Adds `other`'s counts to these.
    pub(crate) fn add(&mut self, other: &ListFigures) {
        self.received += other.received;
        self.answered += other.answered;
        self.exempted += other.exempted;
        self.deleted += other.deleted;
        self.opted_out += other.opted_out;
        self.not_found += other.not_found;
        self.unanswered += other.unanswered;
        self.cancelled += other.cancelled;
        self.late_matches += other.late_matches;
    }

    /// Sets the count of a status code (2 to 5); other codes are ignored.
    pub(crate) fn add_status(&mut self, code: i64, n: u64) {
        match code {
            2 => self.exempted += n,
            3 => self.deleted += n,
            4 => self.opted_out += n,
            5 => self.not_found += n,
            _ => return,
        }
        self.answered += n;
    }
}

/// One round: a download of the year and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RoundFigures {
    /// The download's name (`20261120_4821_DROP.zip`).
    pub download: String,
    /// When it was received (RFC 3339, UTC).
    pub received_at: String,
    /// When the last of its status files was uploaded (RFC 3339, UTC); `null` before any.
    pub answered_at: Option<String>,
    /// Calendar days (UTC) from the download to the last upload; `null` before any upload.
    pub days_to_answer: Option<i64>,
    /// Its work items, by status (`list_type` is the download's name).
    pub counts: ListFigures,
    /// Entries of its Removed list.
    pub removed: u64,
    /// Status files uploaded.
    pub status_files: u64,
    /// Provider jobs the round saw completed.
    pub jobs_completed: u64,
    /// Provider jobs the round saw fail.
    pub jobs_failed: u64,
    /// Provider jobs still pending when the round ended.
    pub jobs_pending: u64,
}

/// The median and maximum of the days from download to upload.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DaysToAnswer {
    /// Rounds with an upload (the others are left out).
    pub rounds: u64,
    /// The median, in days; `null` without a round.
    pub median: Option<f64>,
    /// The maximum, in days; `null` without a round.
    pub maximum: Option<i64>,
}

impl DaysToAnswer {
    /// The median and maximum of `days`.
    pub(crate) fn of(days: &[i64]) -> DaysToAnswer {
        let mut sorted = days.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
            _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
        };
        DaysToAnswer {
            rounds: n as u64,
            median,
            maximum: sorted.last().copied(),
        }
    }
}

/// What one service provider was sent by the year's rounds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProviderFigures {
    /// The provider (`maestroqa`, `id5`, …).
    pub provider: String,
    /// (work item, record key) pairs forwarded, each once in its life (the ledger's
    /// `forward` table).
    pub forwarded: u64,
    /// Distinct consumers (record keys) among them.
    pub consumers: u64,
    /// Its deletion jobs created by the year's rounds (with the ledger's job table; `0`
    /// otherwise, when only failed and pending jobs are known per provider).
    pub jobs: u64,
    /// Of them, confirmed completed by the provider (with the ledger's job table).
    pub jobs_completed: u64,
    /// Its jobs that failed.
    pub jobs_failed: u64,
    /// Its jobs still pending (with the ledger's job table: now; otherwise when the year's
    /// last round ended).
    pub jobs_pending: u64,
}

/// The exemptions applied for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExemptionFigures {
    /// The reason, as the operator's exemption file gave it.
    pub reason: String,
    /// Work items with an exempt record for this reason.
    pub work_items: u64,
    /// (work item, record key) pairs exempt for this reason.
    pub records: u64,
}

/// The providers' deletion jobs of the year's rounds and how they ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JobFigures {
    /// Where the figures come from: `ledger` (its `provider_job` table: each job by provider
    /// and round, as it stands now) or `rounds` (a ledger without that table: each round's
    /// `state.json`, what its confirm step saw).
    pub source: &'static str,
    /// Jobs the providers confirmed completed.
    pub completed: u64,
    /// Jobs that failed.
    pub failed: u64,
    /// Jobs still pending (polled again by later runs).
    pub pending: u64,
}

/// What the cross-check covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Checked {
    /// Rounds whose uploaded status files were read.
    pub rounds: u64,
    /// Status files read.
    pub status_files: u64,
    /// Work items they answer.
    pub work_items: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_maximum() {
        assert_eq!(DaysToAnswer::of(&[]).median, None);
        assert_eq!(DaysToAnswer::of(&[]).maximum, None);
        let d = DaysToAnswer::of(&[4, 1, 9]);
        assert_eq!((d.rounds, d.median, d.maximum), (3, Some(4.0), Some(9)));
        let d = DaysToAnswer::of(&[3, 1, 2, 10]);
        assert_eq!((d.median, d.maximum), (Some(2.5), Some(10)));
    }
}
