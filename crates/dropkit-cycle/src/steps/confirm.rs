//! Step 9: follow the providers' deletion jobs to their end.
//!
//! Every job a provider created this round, and every job still pending from earlier rounds
//! (kept in `provider-jobs.json`, which stays at the top of the state directory across
//! rounds), is polled with backoff until it completes, fails, or the step's deadline passes.
//! Provider work never holds up the next DROP round: the step is done after one pass, the
//! jobs still pending are kept and polled again by every later run, and the report lists
//! stalled and failed jobs with their ids.

use std::collections::BTreeMap;

use dropkit_provider::{JobId, JobOutcome, confirm_jobs};
use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::journal::Journal;
use crate::state::{ConfirmSummary, JobNote, RoundState, read_json, write_json};

/// File name of the provider jobs still pending, kept across rounds.
pub const PROVIDER_JOBS_FILE: &str = "provider-jobs.json";

/// Per provider: the job ids still pending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct PendingJobs {
    pending: BTreeMap<String, Vec<String>>,
}

/// Whether this round's jobs have been followed.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.confirmed.is_some()
}

/// Polls this round's jobs and the pending ones of earlier rounds.
pub(crate) async fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let dir = ctx.dir;
    let path = dir.root().join(PROVIDER_JOBS_FILE);
    let mut carried: PendingJobs = read_json(&path)?;
    let journal = Journal::open(dir.root())?;
    let mut summary = ConfirmSummary::default();
    for provider in ctx.providers {
        let name = provider.name();
        let mut jobs: Vec<String> = carried.pending.remove(name).unwrap_or_default();
        for record in journal
            .accepted()
            .get(name)
            .into_iter()
            .flat_map(|m| m.values())
        {
            jobs.extend(record.job_ids.iter().cloned());
        }
        jobs.sort();
        jobs.dedup();
        if jobs.is_empty() {
            continue;
        }
        let ids: Vec<JobId> = jobs.iter().map(|j| JobId::new(j.clone())).collect();
        let clock = dropkit_http::SystemClock::new();
        let outcomes = confirm_jobs(
            provider.as_ref(),
            &ids,
            ctx.confirm.0,
            ctx.confirm.1,
            &clock,
        )
        .await;
        let mut still = Vec::new();
        for (job, outcome) in outcomes {
            let note = JobNote {
                provider: name.to_owned(),
                job: job.as_str().to_owned(),
                detail: outcome.to_string(),
            };
            match outcome {
                JobOutcome::Completed { .. } => summary.completed += 1,
                JobOutcome::Failed { .. } => {
                    tracing::error!(provider = %name, job = %job, outcome = %outcome_text(&note), "provider job failed");
                    summary.failed.push(note);
                }
                _ => {
                    still.push(job.as_str().to_owned());
                    summary.pending.push(note);
                }
            }
        }
        if !still.is_empty() {
            carried.pending.insert(name.to_owned(), still);
        }
    }
    // Jobs of providers no longer configured stay for a later run that has them.
    for (name, jobs) in &carried.pending {
        if !ctx.providers.iter().any(|p| p.name() == name) {
            for job in jobs {
                summary.pending.push(JobNote {
                    provider: name.clone(),
                    job: job.clone(),
                    detail: "not polled: the provider is not configured".into(),
                });
            }
        }
    }
    write_json(&path, &carried)?;
    state.confirmed = Some(summary);
    dir.save(state)
}

fn outcome_text(note: &JobNote) -> &str {
    &note.detail
}
