//! MaestroQA as a [`DeletionProvider`].

use dropkit_provider::{
    BoxFuture, DeletionOutcome, DeletionProvider, DeletionRequest, Failure, IdentifierKind, JobId,
    JobState, ProviderError, Receipt, StatusSummary, TokenCheck, status_summary, token_checked,
};

use crate::error::Error;
use crate::status::Status;
use crate::{Client, PROVIDER_NAME};

impl Client {
    async fn outcome(&self, request: &DeletionRequest) -> DeletionOutcome {
        let mut outcome = DeletionOutcome::new(PROVIDER_NAME);
        let batches = self
            .request_deletions(&request.emails, request.audit_label.as_deref())
            .await;
        for batch in batches {
            match batch.result {
                Ok(receipt) if receipt.confirmation => {
                    let status = receipt
                        .status
                        .as_ref()
                        .map(|s| s.summary())
                        .unwrap_or_else(|| StatusSummary::without_raw(JobState::Pending));
                    outcome.receipts.push(Receipt::new(
                        PROVIDER_NAME,
                        receipt.id,
                        batch.emails,
                        status,
                    ));
                }
                Ok(receipt) => outcome.failures.push(Failure::new(
                    batch.emails,
                    Error::NotConfirmed { job_id: receipt.id }.into(),
                )),
                Err(err) => outcome
                    .failures
                    .push(Failure::new(batch.emails, err.into())),
            }
        }
        outcome
    }
}

/// Sends the request's emails five at a time with its audit label (see
/// [`audit_label`](crate::audit_label)). MaestroQA deletes by email only: the request's MAIDs
/// and partner user ids are not part of its API and are ignored (not sent, not reported as
/// failures; [`accepts`](DeletionProvider::accepts) says so), and so is the jurisdiction. A
/// batch whose `confirmation` is not `true` is a failure ([`Error::NotConfirmed`], naming the
/// job).
impl DeletionProvider for Client {
    fn name(&self) -> &str {
        PROVIDER_NAME
    }

    /// Emails only.
    fn accepts(&self, kind: IdentifierKind) -> bool {
        kind == IdentifierKind::Email
    }

    fn request_deletion<'a>(
        &'a self,
        request: &'a DeletionRequest,
    ) -> BoxFuture<'a, DeletionOutcome> {
        Box::pin(self.outcome(request))
    }

    fn status<'a>(
        &'a self,
        job_id: &'a JobId,
    ) -> BoxFuture<'a, Result<StatusSummary, ProviderError>> {
        status_summary(Client::status(self, job_id), Status::summary)
    }

    /// [`Client::check_token`]: a status request for a job that cannot exist.
    fn check_token(&self) -> BoxFuture<'_, Result<TokenCheck, ProviderError>> {
        token_checked(Client::check_token(self))
    }
}
