use std::collections::VecDeque;
use std::sync::Mutex;

use futures::future::BoxFuture;

use super::*;
use crate::DeletionRequest;
use crate::receipt::DeletionOutcome;
use crate::testing::{ManualClock, RecordingProvider};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn backoff() -> Backoff {
    Backoff::new(secs(10), secs(40))
}

async fn jobs_of(provider: &RecordingProvider, emails: &[&str]) -> Vec<JobId> {
    let outcome = provider
        .request_deletion(&DeletionRequest::new(emails.iter().copied()))
        .await;
    outcome.receipts.into_iter().map(|r| r.job_id).collect()
}

#[tokio::test]
async fn pending_jobs_are_polled_with_backoff_until_done() {
    let provider = RecordingProvider::new("p").pending_for(3);
    let jobs = jobs_of(&provider, &["a@x.com", "b@x.com"]).await;
    let clock = ManualClock::new();
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), secs(3600), &clock).await;
    assert_eq!(outcomes.len(), 2);
    for (job, outcome) in &outcomes {
        assert!(
            matches!(outcome, JobOutcome::Completed { .. }),
            "{job}: {outcome}"
        );
        assert_eq!(outcome.to_string(), "completed (done)");
    }
    assert_eq!(outcomes[0].0, jobs[0]);
    // rounds at 0, 10, 30 and 70 s: one request per job per round
    assert_eq!(clock.sleeps(), [secs(10), secs(20), secs(40)]);
    assert!(provider.polls().values().all(|&n| n == 4));
}

#[tokio::test]
async fn a_job_still_pending_at_the_deadline_is_stalled() {
    let provider = RecordingProvider::new("p").pending_for(usize::MAX);
    let jobs = jobs_of(&provider, &["a@x.com"]).await;
    let clock = ManualClock::new();
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), secs(45), &clock).await;
    let outcome = &outcomes[0].1;
    assert!(outcome.is_pending());
    assert_eq!(
        outcome,
        &JobOutcome::Pending {
            status: Some(StatusSummary::new(JobState::Pending, "pending")),
            error: None
        }
    );
    // polls at 0, 10, 30 and 45 (the deadline itself), never past it
    assert_eq!(clock.sleeps(), [secs(10), secs(20), secs(15)]);
    assert_eq!(clock.now(), secs(45));
    assert_eq!(provider.polls()[&jobs[0]], 4);
}

#[tokio::test]
async fn failed_and_unknown_jobs_fail_without_more_polls() {
    let provider = RecordingProvider::new("p").reporting(JobState::Failed);
    let mut jobs = jobs_of(&provider, &["a@x.com"]).await;
    jobs.push(JobId::from("no-such-job"));
    let clock = ManualClock::new();
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), secs(3600), &clock).await;
    match &outcomes[0].1 {
        JobOutcome::Failed { reason, status } => {
            assert_eq!(reason, "p reports job p-000001 as failed");
            assert_eq!(status.as_ref().map(|s| s.state), Some(JobState::Failed));
        }
        other => panic!("{other}"),
    }
    match &outcomes[1].1 {
        JobOutcome::Failed {
            reason,
            status: None,
        } => assert!(reason.contains("no-such-job")),
        other => panic!("{other}"),
    }
    assert!(clock.sleeps().is_empty());
}

/// Answers status requests from a script, one answer per request, whatever the job.
#[derive(Debug)]
struct Scripted {
    answers: Mutex<VecDeque<Result<JobState, ErrorKind>>>,
    requests: Mutex<usize>,
}

impl Scripted {
    fn new(answers: impl IntoIterator<Item = Result<JobState, ErrorKind>>) -> Self {
        Scripted {
            answers: Mutex::new(answers.into_iter().collect()),
            requests: Mutex::new(0),
        }
    }

    fn requests(&self) -> usize {
        *self.requests.lock().unwrap()
    }
}

impl DeletionProvider for Scripted {
    fn name(&self) -> &str {
        "s"
    }

    fn request_deletion<'a>(&'a self, _: &'a DeletionRequest) -> BoxFuture<'a, DeletionOutcome> {
        Box::pin(std::future::ready(DeletionOutcome::new("s")))
    }

    fn status<'a>(&'a self, _: &'a JobId) -> BoxFuture<'a, Result<StatusSummary, ProviderError>> {
        *self.requests.lock().unwrap() += 1;
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Ok(JobState::Pending));
        let answer = answer
            .map(|state| StatusSummary::new(state, state.as_str()))
            .map_err(|kind| ProviderError::not_sent("s", kind, kind.as_str()));
        Box::pin(std::future::ready(answer))
    }
}

#[tokio::test]
async fn a_transient_error_is_polled_again_and_kept_if_it_lasts() {
    let provider = Scripted::new([
        Ok(JobState::Pending),
        Err(ErrorKind::Transient),
        Ok(JobState::Done),
    ]);
    let clock = ManualClock::new();
    let jobs = [JobId::from("j")];
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), secs(3600), &clock).await;
    assert!(matches!(outcomes[0].1, JobOutcome::Completed { .. }));

    let provider = Scripted::new([Ok(JobState::Unknown), Err(ErrorKind::Transient)]);
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), secs(10), &clock).await;
    assert_eq!(
        outcomes[0].1,
        JobOutcome::Pending {
            // the last status read is kept beside the error
            status: Some(StatusSummary::new(JobState::Unknown, "unknown")),
            error: Some("s: not sent: transient".to_owned())
        }
    );
}

#[tokio::test]
async fn a_refused_token_stops_every_status_request_of_the_provider() {
    let provider = Scripted::new([Ok(JobState::Pending), Err(ErrorKind::Authentication)]);
    let clock = ManualClock::new();
    let jobs = [JobId::from("1"), JobId::from("2"), JobId::from("3")];
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), secs(3600), &clock).await;
    assert_eq!(provider.requests(), 2);
    assert!(clock.sleeps().is_empty());
    for (job, outcome) in &outcomes {
        match outcome {
            JobOutcome::Pending { error: Some(e), .. } => {
                assert_eq!(e, "s: not sent: authentication", "{job}");
            }
            other => panic!("{job}: {other}"),
        }
    }
    assert_eq!(
        outcomes[0].1.status().map(|s| s.state),
        Some(JobState::Pending)
    );
    assert_eq!(outcomes[2].1.status(), None);
}

#[tokio::test]
async fn the_first_round_asks_about_every_job_even_past_the_deadline() {
    let provider = RecordingProvider::new("p").pending_for(usize::MAX);
    let jobs = jobs_of(&provider, &["a@x.com", "b@x.com", "c@x.com"]).await;
    let clock = ManualClock::new();
    let outcomes = confirm_jobs(&provider, &jobs, backoff(), Duration::ZERO, &clock).await;
    assert!(outcomes.iter().all(|(_, o)| o.is_pending()));
    assert!(provider.polls().values().all(|&n| n == 1));
    assert!(clock.sleeps().is_empty());
    assert!(
        confirm_jobs(&provider, &[], backoff(), secs(1), &clock)
            .await
            .is_empty()
    );
}
