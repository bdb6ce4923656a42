//! ID5 as a [`DeletionProvider`].

use dropkit_provider::{
    BoxFuture, DeletionOutcome, DeletionProvider, DeletionRequest, ErrorKind, Failure, Identifier,
    IdentifierKind, JobId, JobState, ProviderError, Receipt, StatusSummary, TokenCheck,
    status_summary, token_checked,
};

use crate::error::Error;
use crate::request::RequestError;
use crate::status::StatusReport;
use crate::{Client, PROVIDER_NAME};

impl Client {
    async fn outcome(&self, request: &DeletionRequest) -> DeletionOutcome {
        let mut outcome = DeletionOutcome::new(PROVIDER_NAME);
        let mut stopped: Option<(ErrorKind, String)> = None;
        for identifier in request.identifiers() {
            let result = match &stopped {
                Some((kind, reason)) => Err(Error::NotSent {
                    kind: *kind,
                    reason: reason.clone(),
                }),
                None => match self.id5_request(request, &identifier) {
                    Ok(id5_request) => self.request_deletion(&id5_request).await,
                    Err(invalid) => Err(Error::Invalid(invalid)),
                },
            };
            match result {
                Ok(receipt) => outcome.receipts.push(Receipt::for_identifiers(
                    PROVIDER_NAME,
                    receipt.id,
                    vec![identifier],
                    StatusSummary::without_raw(JobState::Pending),
                )),
                Err(err) => {
                    if stopped.is_none() && err.kind().stops_sending() {
                        stopped = Some((err.kind(), err.to_string()));
                    }
                    outcome
                        .failures
                        .push(Failure::for_identifiers(vec![identifier], err.into()));
                }
            }
        }
        outcome
    }

    /// The ID5 request for one identifier of `request`, checked.
    fn id5_request(
        &self,
        request: &DeletionRequest,
        identifier: &Identifier,
    ) -> Result<crate::DeletionRequest, RequestError> {
        let builder = crate::DeletionRequest::builder(request.jurisdiction);
        let value = identifier.value.as_str();
        match identifier.kind {
            IdentifierKind::Email => builder.email(self.email_form.email(value)),
            IdentifierKind::Maid => builder.maid(maid_text(value)),
            IdentifierKind::PartnerUserId => builder.partner_uid(value),
            // a kind this version does not know: the builder refuses a request without one
            _ => builder,
        }
        .build()
    }
}

/// A MAID in the UUID text form ID5 asks for (`580d2b4c-29a5-7a7b-85dc-44132c023ac8`).
///
/// A MAID already in that form is sent as given (trimmed, case kept). One in another form the
/// `uuid` crate reads (32 hex digits without hyphens, as DROP's MAID standardization leaves
/// it; braced; `urn:uuid:`) is rewritten in that form, lowercase. Anything else is passed on
/// unchanged for the request builder to refuse ([`RequestError::InvalidMaid`]).
fn maid_text(value: &str) -> String {
    let trimmed = value.trim();
    match uuid::Uuid::try_parse(trimmed) {
        Ok(uuid) if trimmed.len() != 36 => uuid.hyphenated().to_string(),
        _ => trimmed.to_owned(),
    }
}

/// Sends one ID5 request per identifier of the request (emails in the client's
/// [`EmailForm`](crate::EmailForm), MAIDs in UUID text form, partner user ids as `partnerUid`),
/// under the request's jurisdiction; the audit label is not part of ID5's API.
///
/// ID5's body could carry several identifiers at once, but its daily limit and its refusals
/// (`Provided maid ... is not a valid one`) concern one identifier: a request per identifier
/// keeps one identifier's refusal from sinking the others and lets each receipt name the one
/// identifier its job covers (at the cost of more of the partner's 3,000 daily requests).
///
/// An identifier malformed for ID5 (a MAID that is not a UUID) is a failure of kind
/// [`Rejected`](ErrorKind::Rejected), not sent. After a rejected token or the partner's daily
/// limit, the remaining identifiers are not sent ([`Error::NotSent`]); an identifier's daily
/// limit affects that identifier only.
impl DeletionProvider for Client {
    fn name(&self) -> &str {
        PROVIDER_NAME
    }

    /// Every kind: email, MAID and partner user id.
    fn accepts(&self, kind: IdentifierKind) -> bool {
        matches!(
            kind,
            IdentifierKind::Email | IdentifierKind::Maid | IdentifierKind::PartnerUserId
        )
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
        status_summary(Client::status(self, job_id), StatusReport::summary)
    }

    /// [`Client::check_token`]: a status request for a job that cannot exist.
    fn check_token(&self) -> BoxFuture<'_, Result<TokenCheck, ProviderError>> {
        token_checked(Client::check_token(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maids_are_sent_in_uuid_text_form() {
        let hyphenated = "580d2b4c-29a5-7a7b-85dc-44132c023ac8";
        assert_eq!(
            maid_text(" 580D2B4C-29A5-7A7B-85DC-44132C023AC8 "),
            hyphenated.to_uppercase()
        );
        assert_eq!(maid_text("580d2b4c29a57a7b85dc44132c023ac8"), hyphenated);
        assert_eq!(
            maid_text("{580D2B4C-29A5-7A7B-85DC-44132C023AC8}"),
            hyphenated
        );
        assert_eq!(maid_text("not-a-maid"), "not-a-maid");
    }
}
