//! Following a provider's deletion jobs to the end: poll each job until the provider says it is
//! done or failed, or until a deadline leaves it pending (stalled).

use std::fmt;
use std::time::Duration;

use crate::DeletionProvider;
use crate::clock::Clock;
use crate::error::{ErrorKind, ProviderError};
use crate::poll::Backoff;
use crate::receipt::{JobId, JobState, StatusSummary};

/// Where a job stands after [`confirm_jobs`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobOutcome {
    /// The provider says the deletion is done ([`JobState::Done`]: MaestroQA `completed`; ID5
    /// `DONE`, `SENT` or `SEND_FAILED`).
    Completed {
        /// The provider's last status.
        status: StatusSummary,
    },
    /// The job will not complete: the provider says it failed or was cancelled
    /// ([`JobState::Failed`]: MaestroQA `errored`/`error` or `not found`; ID5 `FAILED` or
    /// `CANCELLED`), or refuses to know it (an HTTP 404, an id it calls malformed). A person
    /// must look; polling again will not change it.
    Failed {
        /// Why, for the report.
        reason: String,
        /// The provider's last status, when the failure came from one.
        status: Option<StatusSummary>,
    },
    /// Still not final when the deadline came (stalled), or its status could not be read:
    /// keep the job and poll it again on a later run.
    ///
    /// A status value this version does not know ([`JobState::Unknown`]) is polled like a
    /// pending one and ends here if it does not change: it is neither claimed done nor given
    /// up on.
    Pending {
        /// The provider's last status, when one was read.
        status: Option<StatusSummary>,
        /// Why the job could not be followed further, when that is so: the error of its last
        /// status request (a network failure that outlasted the retries), or the one that
        /// stopped every status request to the provider (a refused token). The job itself
        /// may be fine.
        error: Option<String>,
    },
}

impl JobOutcome {
    /// Lower-case name: `completed`, `failed`, `pending`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            JobOutcome::Completed { .. } => "completed",
            JobOutcome::Failed { .. } => "failed",
            JobOutcome::Pending { .. } => "pending",
        }
    }

    /// Whether polling again can change the outcome (only [`JobOutcome::Pending`]).
    pub const fn is_pending(&self) -> bool {
        matches!(self, JobOutcome::Pending { .. })
    }

    /// The provider's last status, when one was read.
    pub fn status(&self) -> Option<&StatusSummary> {
        match self {
            JobOutcome::Completed { status } => Some(status),
            JobOutcome::Failed { status, .. } | JobOutcome::Pending { status, .. } => {
                status.as_ref()
            }
        }
    }

    /// A pending outcome keeping the last status read, with the error of the last request.
    fn unread(self, error: &ProviderError) -> Self {
        JobOutcome::Pending {
            status: self.status().cloned(),
            error: Some(error.to_string()),
        }
    }
}

impl fmt::Display for JobOutcome {
    /// `completed (SENT/DELETE_DELETED)`, `failed: ...`, `pending (STARTED)`,
    /// `pending: last status request failed: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        match self {
            JobOutcome::Failed { reason, .. } => write!(f, ": {reason}"),
            JobOutcome::Completed { status } => write!(f, " ({status})"),
            JobOutcome::Pending { status, error } => {
                if let Some(status) = status {
                    write!(f, " ({status})")?;
                }
                match error {
                    Some(error) => write!(f, ": last status request failed: {error}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// What one status request says about a job.
enum Look {
    /// Final.
    Settled(JobOutcome),
    /// Ask again later.
    Again(JobOutcome),
    /// No request to this provider can succeed now (token refused, quota spent, settings
    /// unusable): stop polling every job of the provider.
    Stop(JobOutcome),
}

fn look(
    provider: &str,
    job: &JobId,
    previous: JobOutcome,
    answer: Result<StatusSummary, ProviderError>,
) -> Look {
    match answer {
        Ok(status) => match status.state {
            JobState::Done => Look::Settled(JobOutcome::Completed { status }),
            JobState::Failed => Look::Settled(JobOutcome::Failed {
                reason: format!("{provider} reports job {job} as {status}"),
                status: Some(status),
            }),
            JobState::Pending | JobState::Unknown => Look::Again(JobOutcome::Pending {
                status: Some(status),
                error: None,
            }),
        },
        Err(error) => match error.kind() {
            ErrorKind::NotFound | ErrorKind::Rejected => Look::Settled(JobOutcome::Failed {
                reason: error.to_string(),
                status: None,
            }),
            kind if kind.stops_sending() => Look::Stop(previous.unread(&error)),
            _ => Look::Again(previous.unread(&error)),
        },
    }
}

/// Polls every job of `provider` until it is final, for at most `deadline` on `clock`: one
/// outcome per job, in the order of `jobs`.
///
/// Jobs are polled in rounds: each round asks for the status of every job not final yet, one
/// after the other (the provider's client keeps its own rate limits and retries), then sleeps
/// the next delay of `backoff` (the last one repeated once they run out). The first round asks
/// about every job even if it outlasts the deadline, so each job is looked at on every run,
/// however many there are; a later round starts only before the deadline (the last one at the
/// deadline itself, a delay that would overshoot it is shortened) and is finished once
/// started.
///
/// How an answer is read (through [`JobState`]):
/// - done: [`JobOutcome::Completed`];
/// - failed, or an error of kind [`NotFound`](ErrorKind::NotFound) or
///   [`Rejected`](ErrorKind::Rejected) (the provider does not know the job, or calls its id
///   malformed): [`JobOutcome::Failed`], not polled again;
/// - pending, or a status value this version does not know: polled again;
/// - an error that [stops sending](ErrorKind::stops_sending) (token refused, quota spent):
///   no further request to this provider; every job not final yet ends
///   [`JobOutcome::Pending`] with that error;
/// - any other error (a network failure or 5xx that outlasted the client's retries, an answer
///   that could not be read): polled again; [`JobOutcome::Pending`] with the error if it lasts
///   to the deadline.
///
/// Nothing here fails as a whole: a caller keeps the pending jobs (stalled) and polls them
/// again on its next run, and reports the failed ones with their ids.
///
/// ```
/// use std::time::Duration;
/// use dropkit_provider::testing::{ManualClock, RecordingProvider};
/// use dropkit_provider::{DeletionProvider, DeletionRequest, JobOutcome, confirm_jobs};
/// use dropkit_provider::poll::Backoff;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let provider = RecordingProvider::new("demo").pending_for(2);
/// let outcome = provider
///     .request_deletion(&DeletionRequest::new(["anna@example.com"]))
///     .await;
/// let jobs: Vec<_> = outcome.receipts.iter().map(|r| r.job_id.clone()).collect();
///
/// let clock = ManualClock::new();
/// let backoff = Backoff::new(Duration::from_secs(60), Duration::from_secs(3600));
/// let outcomes = confirm_jobs(&provider, &jobs, backoff, Duration::from_secs(86_400), &clock).await;
/// assert!(matches!(outcomes[0].1, JobOutcome::Completed { .. }));
/// assert_eq!(clock.sleeps(), [Duration::from_secs(60), Duration::from_secs(120)]);
/// # }
/// ```
pub async fn confirm_jobs(
    provider: &dyn DeletionProvider,
    jobs: &[JobId],
    backoff: Backoff,
    deadline: Duration,
    clock: &dyn Clock,
) -> Vec<(JobId, JobOutcome)> {
    let name = provider.name();
    let end = clock.now().saturating_add(deadline);
    let mut outcomes: Vec<JobOutcome> = vec![
        JobOutcome::Pending {
            status: None,
            error: None,
        };
        jobs.len()
    ];
    let mut open: Vec<usize> = (0..jobs.len()).collect();
    let mut delays = backoff.delays();
    let mut delay = backoff.first;
    let mut stopped: Option<String> = None;
    while !open.is_empty() {
        let mut again = Vec::new();
        for index in open {
            if stopped.is_some() {
                // a request that cannot succeed is not sent; the job keeps what it had
                again.push(index);
                continue;
            }
            let job = &jobs[index];
            let answer = provider.status(job).await;
            let previous = std::mem::replace(
                &mut outcomes[index],
                JobOutcome::Pending {
                    status: None,
                    error: None,
                },
            );
            outcomes[index] = match look(name, job, previous, answer) {
                Look::Settled(outcome) => {
                    tracing::debug!(provider = %name, %job, %outcome, "job settled");
                    outcome
                }
                Look::Again(outcome) => {
                    again.push(index);
                    outcome
                }
                Look::Stop(outcome) => {
                    tracing::warn!(provider = %name, %job, %outcome, "status requests stopped");
                    if let JobOutcome::Pending { error, .. } = &outcome {
                        stopped.clone_from(error);
                    }
                    again.push(index);
                    outcome
                }
            };
        }
        if let Some(reason) = stopped {
            for &index in &again {
                if let JobOutcome::Pending { error, .. } = &mut outcomes[index] {
                    *error = Some(reason.clone());
                }
            }
            break;
        }
        open = again;
        let now = clock.now();
        if open.is_empty() || now >= end {
            break;
        }
        if let Some(next) = delays.next() {
            delay = next;
        }
        clock.sleep(delay.min(end - now)).await;
    }
    jobs.iter().cloned().zip(outcomes).collect()
}

#[cfg(test)]
#[path = "confirm_tests.rs"]
mod tests;
