//! ID5 as a [`DeletionProvider`].

use drop_provider::{
    BoxFuture, DeletionOutcome, DeletionProvider, DeletionRequest, ErrorKind, Failure, JobId,
    JobState, ProviderError, Receipt, StatusSummary, TokenCheck,
};

use crate::error::Error;
use crate::{Client, PROVIDER_NAME};

impl Client {
    async fn outcome(&self, request: &DeletionRequest) -> DeletionOutcome {
        let mut outcome = DeletionOutcome::new(PROVIDER_NAME);
        let mut stopped: Option<(ErrorKind, String)> = None;
        for email in &request.emails {
            let result = match &stopped {
                Some((kind, reason)) => Err(Error::NotSent {
                    kind: *kind,
                    reason: reason.clone(),
                }),
                None => match crate::DeletionRequest::builder(request.jurisdiction)
                    .email(self.email_form.email(email))
                    .build()
                {
                    Ok(id5_request) => self.request_deletion(&id5_request).await,
                    Err(invalid) => Err(Error::Invalid(invalid)),
                },
            };
            match result {
                Ok(receipt) => outcome.receipts.push(Receipt::new(
                    PROVIDER_NAME,
                    receipt.id,
                    vec![email.clone()],
                    StatusSummary::without_raw(JobState::Pending),
                )),
                Err(err) => {
                    if stopped.is_none() && err.kind().stops_sending() {
                        stopped = Some((err.kind(), err.to_string()));
                    }
                    outcome
                        .failures
                        .push(Failure::new(vec![email.clone()], err.into()));
                }
            }
        }
        outcome
    }
}

/// Sends one ID5 request per email (in the client's [`EmailForm`](crate::EmailForm)), under
/// the request's jurisdiction; the audit label is not part of ID5's API. After a rejected token
/// or the partner's daily limit, the remaining emails are not sent ([`Error::NotSent`]); an
/// identifier's daily limit affects that email only.
impl DeletionProvider for Client {
    fn name(&self) -> &str {
        PROVIDER_NAME
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
        Box::pin(async move {
            Client::status(self, job_id)
                .await
                .map(|report| report.summary())
                .map_err(ProviderError::from)
        })
    }

    /// [`Client::check_token`]: a status request for a job that cannot exist.
    fn check_token(&self) -> BoxFuture<'_, Result<TokenCheck, ProviderError>> {
        Box::pin(async move {
            Client::check_token(self)
                .await
                .map(|()| TokenCheck::Accepted)
                .map_err(ProviderError::from)
        })
    }
}
