//! Step 9: follow the providers' deletion jobs to their end.
//!
//! Every job a provider created, this round or an earlier one, is kept in the ledger (table
//! `provider_job`, recorded when the provider answered the forward) until it completes or
//! fails. The step polls every pending job of the configured providers with backoff until it
//! ends or the step's deadline passes. Provider work never holds up the next DROP round: the
//! step is done after one pass, the jobs still pending stay pending in the ledger and are
//! polled again by every later run (a run finding nothing new at DROP included), and the
//! report lists stalled and failed jobs with their ids.

use dropkit_files::ZipFileName;
use dropkit_ledger::JobState;
use dropkit_provider::{JobId, JobOutcome, confirm_jobs};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::journal::Journal;
use crate::state::{ConfirmSummary, JobNote, RoundState};

/// Whether this round's jobs have been followed.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.confirmed.is_some()
}

/// Polls this round's jobs and the pending ones of earlier rounds.
pub(crate) async fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let summary = poll_pending(ctx, state.download.as_ref()).await?;
    state.confirmed = Some(summary);
    ctx.dir.save(state)
}

/// Polls every pending job in the ledger of the configured providers, and records where each
/// stands. Jobs the round's journal names but the ledger does not (a round an earlier release
/// began) are recorded first.
pub(crate) async fn poll_pending(
    ctx: &Ctx<'_>,
    round: Option<&ZipFileName>,
) -> Result<ConfirmSummary, CycleError> {
    let dir = ctx.dir;
    let mut ledger = dir.ledger()?;
    let now = time::OffsetDateTime::now_utc;
    if round.is_some() {
        let journal = Journal::open(dir.root())?;
        for (provider, records) in journal.accepted() {
            let jobs: Vec<String> = records
                .values()
                .flat_map(|r| r.job_ids.iter().cloned())
                .collect();
            ledger.record_jobs(provider, &jobs, round, now())?;
        }
    }
    let pending = ledger.provider_jobs(Some(JobState::Pending))?;
    let mut summary = ConfirmSummary::default();
    for provider in ctx.providers {
        let name = provider.name();
        let ids: Vec<JobId> = pending
            .iter()
            .filter(|j| j.provider == name)
            .map(|j| JobId::new(j.job.clone()))
            .collect();
        if ids.is_empty() {
            continue;
        }
        let clock = dropkit_http::SystemClock::new();
        let outcomes = confirm_jobs(
            provider.as_ref(),
            &ids,
            ctx.confirm.0,
            ctx.confirm.1,
            &clock,
        )
        .await;
        for (job, outcome) in outcomes {
            let note = JobNote {
                provider: name.to_owned(),
                job: job.as_str().to_owned(),
                detail: outcome.to_string(),
            };
            let state = match outcome {
                JobOutcome::Completed { .. } => {
                    summary.completed += 1;
                    JobState::Completed
                }
                JobOutcome::Failed { .. } => {
                    tracing::error!(provider = %name, job = %job, outcome = %note.detail, "provider job failed");
                    summary.failed.push(note.clone());
                    JobState::Failed
                }
                _ => {
                    summary.pending.push(note.clone());
                    JobState::Pending
                }
            };
            ledger.update_job(name, &note.job, state, &note.detail, now())?;
        }
    }
    // Jobs of providers no longer configured stay for a later run that has them.
    for job in &pending {
        if !ctx.providers.iter().any(|p| p.name() == job.provider) {
            summary.pending.push(JobNote {
                provider: job.provider.clone(),
                job: job.job.clone(),
                detail: "not polled: the provider is not configured".into(),
            });
        }
    }
    Ok(summary)
}
