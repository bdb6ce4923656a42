//! What a run of a round did, for people (`Display`) and for tools (`serde` JSON).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::Step;
use crate::state::{ForwardRecord, ListSummary, RoundState, StateDir};

/// How a run of a round ended (when it did not fail).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Outcome {
    /// Every step is done.
    #[default]
    Finished,
    /// The run stopped after this step, as asked (`stop_after`); running again goes on.
    StoppedAfter {
        /// The last step done.
        step: Step,
    },
    /// The round waits for `dropkit approve` (it was run with `--review`); nothing has left.
    AwaitingApproval {
        /// The review to read, `review.md` in the state directory.
        review: PathBuf,
    },
    /// DROP had nothing new; nothing was saved, and the next run asks again.
    NoData {
        /// DROP's message.
        message: String,
    },
}

/// The summary of a run, printed by `dropkit cycle` and, with `--json`, as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CycleReport {
    /// The state directory of the round.
    pub state_dir: PathBuf,
    /// How the run ended.
    pub outcome: Outcome,
    /// The downloaded ZIP's name, if there was one.
    pub download: Option<String>,
    /// Records read from the broker's file.
    pub records_read: u64,
    /// Records or fields that could not be used (reported with their lines while matching).
    pub bad_rows: u64,
    /// Work items of the Removed file, dropped from matching.
    pub removed: u64,
    /// Per list (DROP's name): how its work items were answered.
    pub lists: BTreeMap<String, ListSummary>,
    /// Per list: work items of this round's download that matched (answered 2, 3 or 4).
    pub new_matches: BTreeMap<String, u64>,
    /// Per list: (work item, record key) pairs matching a work item of an earlier download
    /// still active (late matches: deleted and forwarded, not answered to DROP again).
    pub late_matches: BTreeMap<String, u64>,
    /// Lists answered 5 Not found because no mapped field can match them, as the operator
    /// chose (`--unmatched-list`).
    pub unmatched_lists: Vec<String>,
    /// Warnings about the download (a work item listed twice, ...).
    pub warnings: Vec<String>,
    /// Per status file: `accepted` or `already-received`.
    pub uploads: BTreeMap<String, String>,
    /// Per provider: consumers forwarded and jobs created.
    pub forwarded: BTreeMap<String, ForwardSummary>,
    /// Providers that failed forwards (carried over and retried by later runs): the run
    /// exits 1 to say so, though the round goes on.
    pub forward_failures: Vec<crate::ProviderFailure>,
    /// What following the providers' jobs found: completed, failed and stalled jobs.
    pub provider_jobs: Option<crate::state::ConfirmSummary>,
    /// Whether every step is done.
    pub finished: bool,
    /// What is left for the operator to do, one sentence each.
    pub to_do: Vec<String>,
    /// Time this run took, in milliseconds (a resumed round counts only its last run).
    pub elapsed_ms: u64,
}

/// What one service provider received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForwardSummary {
    /// Consumers whose deletion the provider accepted.
    pub consumers: u64,
    /// Deletion jobs created.
    pub jobs: u64,
}

impl CycleReport {
    pub(crate) fn no_data(dir: &StateDir, message: String, elapsed: Duration) -> Self {
        CycleReport {
            state_dir: dir.root().to_owned(),
            outcome: Outcome::NoData { message },
            finished: true,
            elapsed_ms: millis(elapsed),
            ..CycleReport::default()
        }
    }

    pub(crate) fn from_state(
        dir: &StateDir,
        state: &RoundState,
        outcome: Outcome,
        forwarded: &BTreeMap<String, BTreeMap<String, ForwardRecord>>,
        elapsed: Duration,
    ) -> Self {
        let matched = state.matched.clone().unwrap_or_default();
        let mut report = CycleReport {
            state_dir: dir.root().to_owned(),
            outcome,
            download: state.download.as_ref().map(ToString::to_string),
            records_read: matched.records_read,
            bad_rows: matched.bad_rows,
            removed: matched.removed,
            lists: matched
                .lists
                .iter()
                .map(|(list, s)| (list.to_string(), s.clone()))
                .collect(),
            new_matches: matched
                .lists
                .iter()
                .map(|(list, s)| (list.to_string(), s.exempted + s.deleted + s.opted_out))
                .collect(),
            late_matches: state
                .screened
                .iter()
                .flat_map(|s| &s.late_matches)
                .map(|(list, n)| (list.to_string(), *n))
                .collect(),
            unmatched_lists: matched
                .unmatched_lists
                .iter()
                .map(ToString::to_string)
                .collect(),
            warnings: matched.warnings.clone(),
            uploads: state
                .uploads
                .iter()
                .map(|(file, record)| (file.to_string(), record.outcome.to_string()))
                .collect(),
            forwarded: forwarded
                .iter()
                .map(|(provider, consumers)| {
                    let summary = ForwardSummary {
                        consumers: consumers.len() as u64,
                        jobs: consumers.values().map(|r| r.job_ids.len() as u64).sum(),
                    };
                    (provider.clone(), summary)
                })
                .collect(),
            forward_failures: state.forward_failures.clone(),
            provider_jobs: state.confirmed.clone(),
            finished: state.finished,
            to_do: Vec::new(),
            elapsed_ms: millis(elapsed),
        };
        report.to_do = to_do(dir, state, &report);
        report
    }
}

/// What the operator still has to do after this run.
fn to_do(dir: &StateDir, state: &RoundState, report: &CycleReport) -> Vec<String> {
    let mut lines = Vec::new();
    let matched: u64 = report.lists.values().map(|l| l.deleted + l.opted_out).sum();
    // A connector that ran deleted them (the keys it could not are the run's error).
    let broker_deletes = state
        .deletion
        .as_ref()
        .is_none_or(|d| d.connector.is_none());
    // The rows of an exempt record carry its work item's status too (3 or 4 when others
    // decided it): the instruction says to keep them.
    let but_exempt = match state.matched.as_ref().is_some_and(|m| m.exempt_keys > 0) {
        true => ", except the keys of your exemption file (--exempt), whose records stay",
        false => "",
    };
    if state.matched.is_some() && matched > 0 && broker_deletes {
        lines.push(format!(
            "delete (status 3) or opt out (status 4) the consumers whose keys are in {} from \
             your own systems{but_exempt}: DROP is told they were",
            dir.matches_path().display()
        ));
    }
    if report.late_matches.values().any(|n| *n > 0) && broker_deletes {
        lines.push(format!(
            "delete (status 3) or opt out (status 4) the consumers whose keys are in {}{but_exempt}: \
             they match earlier requests still active",
            dir.late_matches_path().display()
        ));
    }
    if state.forward_unsent > 0 {
        lines.push(format!(
            "pass the deletions of the {} consumers in {} on to your service providers: none \
             is configured (MAESTROQA_API_TOKEN, ID5_TOKEN)",
            state.forward_unsent,
            dir.forward_path().display()
        ));
    }
    if let Outcome::AwaitingApproval { review } = &report.outcome {
        lines.push(format!(
            "review {} and the status files in {}, then approve with `dropkit approve --state-dir {}`",
            review.display(),
            dir.responses_dir().display(),
            dir.root().display()
        ));
    }
    if let Outcome::StoppedAfter { step } = &report.outcome
        && *step != Step::Report
    {
        if state.matched.is_some() && state.outstanding_uploads().next().is_some() {
            lines.push(format!(
                "the status files to review are in {}; run `dropkit cycle` again to upload them",
                dir.responses_dir().display()
            ));
        } else {
            lines.push("run `dropkit cycle` again to go on with the round".to_owned());
        }
    }
    lines
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Display for CycleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "state directory: {}", self.state_dir.display())?;
        if let Outcome::NoData { message } = &self.outcome {
            return write!(f, "nothing new from DROP: {message}");
        }
        if let Some(zip) = &self.download {
            writeln!(f, "download: {zip}")?;
        }
        writeln!(
            f,
            "records read: {}, bad rows: {}, removed work items: {}",
            self.records_read, self.bad_rows, self.removed
        )?;
        for (list, s) in &self.lists {
            writeln!(
                f,
                "  {list}: {} work items: {} deleted, {} exempted, {} opted out, {} not found",
                s.work_items, s.deleted, s.exempted, s.opted_out, s.not_found
            )?;
        }
        for (list, n) in &self.late_matches {
            writeln!(
                f,
                "  {list}: {n} late matches (earlier requests, still active): deleted and forwarded, not answered again"
            )?;
        }
        for list in &self.unmatched_lists {
            writeln!(
                f,
                "  {list}: no mapped field can match it; answered not found, as asked"
            )?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for (file, outcome) in &self.uploads {
            writeln!(f, "uploaded {file}: {outcome}")?;
        }
        for (provider, s) in &self.forwarded {
            writeln!(
                f,
                "forwarded to {provider}: {} consumers, {} jobs",
                s.consumers, s.jobs
            )?;
        }
        for failure in &self.forward_failures {
            writeln!(
                f,
                "forwarding FAILED to {}: {} request(s), first: {} (retried by the next run)",
                failure.provider, failure.failed, failure.first
            )?;
        }
        if let Some(jobs) = &self.provider_jobs {
            writeln!(f, "provider jobs completed: {}", jobs.completed)?;
            for job in &jobs.failed {
                writeln!(
                    f,
                    "provider job FAILED: {} {}: {}",
                    job.provider, job.job, job.detail
                )?;
            }
            for job in &jobs.pending {
                writeln!(
                    f,
                    "provider job still pending (polled again next run): {} {}: {}",
                    job.provider, job.job, job.detail
                )?;
            }
        }
        for line in &self.to_do {
            writeln!(f, "to do: {line}")?;
        }
        let end = match &self.outcome {
            Outcome::StoppedAfter { step } => format!("stopped after {step} as asked"),
            Outcome::AwaitingApproval { review } => format!(
                "stopped for review: read {}, then run `dropkit approve` and `dropkit cycle`",
                review.display()
            ),
            _ if self.finished => "round complete".to_owned(),
            _ => "round not finished".to_owned(),
        };
        write!(f, "{end} in {:.1} s", self.elapsed_ms as f64 / 1000.0)
    }
}
