//! What a round did, for people (`Display`) and for tools (`serde` JSON).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::state::{ForwardRecord, ListSummary, RoundState, StateDir};

/// The summary of a round, printed by `dropkit cycle` and, with `--json`, as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CycleReport {
    /// The state directory of the round.
    pub state_dir: PathBuf,
    /// The downloaded ZIP's name, if there was one.
    pub download: Option<String>,
    /// DROP's message when it had nothing new.
    pub no_data: Option<String>,
    /// Records read from the broker's file.
    pub records_read: u64,
    /// Records or fields that could not be used (reported with their lines while matching).
    pub bad_rows: u64,
    /// Work items of the Removed file, dropped from matching.
    pub removed: u64,
    /// Per list: how its work items were answered.
    pub lists: BTreeMap<String, ListSummary>,
    /// Per status file: `accepted` or `already-received`.
    pub uploads: BTreeMap<String, String>,
    /// Per provider: consumers forwarded and jobs created.
    pub forwarded: BTreeMap<String, ForwardSummary>,
    /// Whether every step is done.
    pub finished: bool,
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
            no_data: Some(message),
            finished: true,
            elapsed_ms: millis(elapsed),
            ..CycleReport::default()
        }
    }

    pub(crate) fn from_state(
        dir: &StateDir,
        state: &RoundState,
        forwarded: &BTreeMap<String, BTreeMap<String, ForwardRecord>>,
        elapsed: Duration,
    ) -> Self {
        let matched = state.matched.clone().unwrap_or_default();
        CycleReport {
            state_dir: dir.root().to_owned(),
            download: state.download.clone(),
            no_data: None,
            records_read: matched.records_read,
            bad_rows: matched.bad_rows,
            removed: matched.removed,
            lists: matched.lists,
            uploads: state
                .uploads
                .iter()
                .map(|(file, record)| (file.clone(), record.outcome.clone()))
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
            finished: state.finished,
            elapsed_ms: millis(elapsed),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Display for CycleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "state directory: {}", self.state_dir.display())?;
        if let Some(message) = &self.no_data {
            return writeln!(f, "nothing new from DROP: {message}");
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
        write!(
            f,
            "{} in {:.1} s",
            if self.finished {
                "round complete"
            } else {
                "round not finished"
            },
            self.elapsed_ms as f64 / 1000.0
        )
    }
}
