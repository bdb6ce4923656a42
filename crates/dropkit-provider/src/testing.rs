//! Stand-ins for tests and demos: a manual clock and a provider that records requests.
//!
//! Not for production: [`RecordingProvider`] deletes nothing anywhere. The DROP cycle's demo
//! mode (no API keys) uses it in place of real providers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

pub use dropkit_http::TestClock;
use futures::future::BoxFuture;

use crate::error::{ErrorKind, ProviderError};
use crate::identifier::IdentifierKind;
use crate::receipt::{DeletionOutcome, Failure, JobId, JobState, Receipt, StatusSummary};
use crate::request::DeletionRequest;
use crate::{DeletionProvider, TokenCheck};

/// A clock for tests: `dropkit-http`'s [`TestClock`]. It starts at zero and only moves when
/// something sleeps on it (a sleep returns at once after moving the clock forward, and is
/// recorded) or the test [advances](TestClock::advance) it.
///
/// Share it with `Arc` (or a clone: clones share the time) between the client under test and
/// the test.
pub type ManualClock = TestClock;

/// A [`DeletionProvider`] for tests and demos: it records every request, accepts each
/// identifier (of every [kind](IdentifierKind): emails, MAIDs, partner user ids) as a job of
/// its own with a synthetic id (`{name}-000001`, `{name}-000002`, ...), and reports every job
/// it made in one configured state ([`JobState::Done`] unless told otherwise), after
/// [`pending_for`](Self::pending_for) pending answers.
///
/// Identifiers registered with [`failing_on`](Self::failing_on) are refused with
/// [`ErrorKind::Rejected`], so callers can exercise their failure paths.
#[derive(Debug)]
pub struct RecordingProvider {
    name: String,
    state_of_jobs: JobState,
    pending_polls: usize,
    failing: BTreeSet<String>,
    token_rejected: bool,
    record: Mutex<Record>,
}

#[derive(Debug, Default)]
struct Record {
    requests: Vec<DeletionRequest>,
    jobs: BTreeMap<JobId, String>,
    polls: BTreeMap<JobId, usize>,
}

impl RecordingProvider {
    /// A provider called `name` that accepts everything and reports jobs as done.
    pub fn new(name: impl Into<String>) -> Self {
        RecordingProvider {
            name: name.into(),
            state_of_jobs: JobState::Done,
            pending_polls: 0,
            failing: BTreeSet::new(),
            token_rejected: false,
            record: Mutex::new(Record::default()),
        }
    }

    /// The same provider, refusing this identifier (an email, a MAID, a partner user id).
    #[must_use]
    pub fn failing_on(mut self, identifier: impl Into<String>) -> Self {
        self.failing.insert(identifier.into());
        self
    }

    /// The same provider, answering [`check_token`](DeletionProvider::check_token) with an
    /// [`ErrorKind::Authentication`] error (a token that was rotated), to exercise a doctor's
    /// failure path. Deletions still go through: only the check is affected.
    #[must_use]
    pub fn rejecting_token(mut self) -> Self {
        self.token_rejected = true;
        self
    }

    /// The same provider, reporting its jobs in `state`.
    #[must_use]
    pub fn reporting(mut self, state: JobState) -> Self {
        self.state_of_jobs = state;
        self
    }

    /// The same provider, answering the first `polls` status requests of each job with
    /// [`JobState::Pending`] before the configured state (a job that takes time, for
    /// [`confirm_jobs`](crate::confirm_jobs)).
    #[must_use]
    pub fn pending_for(mut self, polls: usize) -> Self {
        self.pending_polls = polls;
        self
    }

    /// How many status requests each job has had, by job id.
    pub fn polls(&self) -> BTreeMap<JobId, usize> {
        self.lock().polls.clone()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<DeletionRequest> {
        self.lock().requests.clone()
    }

    /// Every job made so far with the identifier value it covers, by job id.
    pub fn jobs(&self) -> BTreeMap<JobId, String> {
        self.lock().jobs.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deletion(&self, request: &DeletionRequest) -> DeletionOutcome {
        let mut outcome = DeletionOutcome::new(&self.name);
        let mut record = self.lock();
        record.requests.push(request.clone());
        for identifier in request.identifiers() {
            if self.failing.contains(&identifier.value) {
                outcome.failures.push(Failure::for_identifiers(
                    vec![identifier],
                    ProviderError::not_sent(
                        &self.name,
                        ErrorKind::Rejected,
                        "the recording provider was told to refuse this identifier",
                    ),
                ));
                continue;
            }
            let job_id = JobId::new(format!("{}-{:06}", self.name, record.jobs.len() + 1));
            record.jobs.insert(job_id.clone(), identifier.value.clone());
            outcome.receipts.push(Receipt::for_identifiers(
                &self.name,
                job_id,
                vec![identifier],
                StatusSummary::new(JobState::Pending, JobState::Pending.as_str()),
            ));
        }
        outcome
    }

    fn job_status(&self, job_id: &JobId) -> Result<StatusSummary, ProviderError> {
        let mut record = self.lock();
        if record.jobs.contains_key(job_id) {
            let polls = record.polls.entry(job_id.clone()).or_default();
            *polls += 1;
            let state = if *polls <= self.pending_polls {
                JobState::Pending
            } else {
                self.state_of_jobs
            };
            Ok(StatusSummary::new(state, state.as_str()))
        } else {
            Err(ProviderError::not_sent(
                &self.name,
                ErrorKind::NotFound,
                format!("no job {job_id}"),
            ))
        }
    }
}

impl DeletionProvider for RecordingProvider {
    fn name(&self) -> &str {
        &self.name
    }

    /// Every kind.
    fn accepts(&self, _kind: IdentifierKind) -> bool {
        true
    }

    fn request_deletion<'a>(
        &'a self,
        request: &'a DeletionRequest,
    ) -> BoxFuture<'a, DeletionOutcome> {
        let outcome = self.deletion(request);
        Box::pin(std::future::ready(outcome))
    }

    fn status<'a>(
        &'a self,
        job_id: &'a JobId,
    ) -> BoxFuture<'a, Result<StatusSummary, ProviderError>> {
        let status = self.job_status(job_id);
        Box::pin(std::future::ready(status))
    }

    /// [`TokenCheck::Accepted`], or an authentication error when made
    /// [`rejecting_token`](Self::rejecting_token).
    fn check_token(&self) -> BoxFuture<'_, Result<TokenCheck, ProviderError>> {
        let result = if self.token_rejected {
            Err(ProviderError::not_sent(
                &self.name,
                ErrorKind::Authentication,
                "the recording provider was told to reject its token",
            ))
        } else {
            Ok(TokenCheck::Accepted)
        };
        Box::pin(std::future::ready(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_requests_and_makes_one_job_per_email() {
        let provider = RecordingProvider::new("demo").failing_on("bad@example.com");
        let request = DeletionRequest::new(["a@example.com", "bad@example.com", "b@example.com"]);
        let outcome = provider.request_deletion(&request).await;
        assert_eq!(provider.requests(), [request]);
        let ids: Vec<_> = outcome.receipts.iter().map(|r| r.job_id.as_str()).collect();
        assert_eq!(ids, ["demo-000001", "demo-000002"]);
        assert_eq!(outcome.failures.len(), 1);
        assert_eq!(outcome.failures[0].emails, ["bad@example.com"]);
        assert_eq!(outcome.failures[0].error.kind(), ErrorKind::Rejected);

        let status = provider.status(&JobId::from("demo-000002")).await.unwrap();
        assert_eq!(status.state, JobState::Done);
        let err = provider
            .status(&JobId::from("demo-000009"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);

        assert_eq!(provider.check_token().await.unwrap(), TokenCheck::Accepted);
        let rejecting = RecordingProvider::new("old").rejecting_token();
        let err = rejecting.check_token().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication);
    }

    #[tokio::test]
    async fn one_job_per_identifier_of_every_kind_and_pending_polls() {
        let provider = RecordingProvider::new("demo")
            .failing_on("m-bad")
            .pending_for(1);
        let request = DeletionRequest::new(["a@example.com"])
            .with_maids(["m-1", "m-bad"])
            .with_partner_user_id("u-1");
        let outcome = provider.request_deletion(&request).await;
        let accepted: Vec<_> = outcome.accepted().map(ToString::to_string).collect();
        assert_eq!(
            accepted,
            ["email a@example.com", "maid m-1", "partner-user-id u-1"]
        );
        assert_eq!(outcome.failures[0].identifiers[0].to_string(), "maid m-bad");
        assert!(provider.accepts(IdentifierKind::PartnerUserId));

        let job = &outcome.receipts[1].job_id;
        assert_eq!(provider.status(job).await.unwrap().state, JobState::Pending);
        assert_eq!(provider.status(job).await.unwrap().state, JobState::Done);
        assert_eq!(provider.polls()[job], 2);
    }
}
