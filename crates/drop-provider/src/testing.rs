//! Stand-ins for tests and demos: a manual clock and a provider that records requests.
//!
//! Not for production: [`RecordingProvider`] deletes nothing anywhere. The DROP cycle's demo
//! mode (no API keys) uses it in place of real providers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

pub use drop_http::TestClock;
use futures::future::BoxFuture;

use crate::error::{ErrorKind, ProviderError};
use crate::receipt::{DeletionOutcome, Failure, JobId, JobState, Receipt, StatusSummary};
use crate::request::DeletionRequest;
use crate::{DeletionProvider, TokenCheck};

/// A clock for tests: `drop-http`'s [`TestClock`]. It starts at zero and only moves when
/// something sleeps on it (a sleep returns at once after moving the clock forward, and is
/// recorded) or the test [advances](TestClock::advance) it.
///
/// Share it with `Arc` (or a clone: clones share the time) between the client under test and
/// the test.
pub type ManualClock = TestClock;

/// A [`DeletionProvider`] for tests and demos: it records every request, accepts each email as a
/// job of its own with a synthetic id (`{name}-000001`, `{name}-000002`, ...), and reports every
/// job it made in one configured state ([`JobState::Done`] unless told otherwise).
///
/// Emails registered with [`failing_on`](Self::failing_on) are refused with
/// [`ErrorKind::Rejected`], so callers can exercise their failure paths.
#[derive(Debug)]
pub struct RecordingProvider {
    name: String,
    state_of_jobs: JobState,
    failing: BTreeSet<String>,
    token_rejected: bool,
    record: Mutex<Record>,
}

#[derive(Debug, Default)]
struct Record {
    requests: Vec<DeletionRequest>,
    jobs: BTreeMap<JobId, String>,
}

impl RecordingProvider {
    /// A provider called `name` that accepts everything and reports jobs as done.
    pub fn new(name: impl Into<String>) -> Self {
        RecordingProvider {
            name: name.into(),
            state_of_jobs: JobState::Done,
            failing: BTreeSet::new(),
            token_rejected: false,
            record: Mutex::new(Record::default()),
        }
    }

    /// The same provider, refusing this email.
    #[must_use]
    pub fn failing_on(mut self, email: impl Into<String>) -> Self {
        self.failing.insert(email.into());
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

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<DeletionRequest> {
        self.lock().requests.clone()
    }

    /// Every job made so far with the email it covers, by job id.
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
        for email in &request.emails {
            if self.failing.contains(email) {
                outcome.failures.push(Failure::new(
                    vec![email.clone()],
                    ProviderError::not_sent(
                        &self.name,
                        ErrorKind::Rejected,
                        "the recording provider was told to refuse this email",
                    ),
                ));
                continue;
            }
            let job_id = JobId::new(format!("{}-{:06}", self.name, record.jobs.len() + 1));
            record.jobs.insert(job_id.clone(), email.clone());
            outcome.receipts.push(Receipt::new(
                &self.name,
                job_id,
                vec![email.clone()],
                StatusSummary::new(JobState::Pending, JobState::Pending.as_str()),
            ));
        }
        outcome
    }

    fn job_status(&self, job_id: &JobId) -> Result<StatusSummary, ProviderError> {
        if self.lock().jobs.contains_key(job_id) {
            Ok(StatusSummary::new(
                self.state_of_jobs,
                self.state_of_jobs.as_str(),
            ))
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
}
