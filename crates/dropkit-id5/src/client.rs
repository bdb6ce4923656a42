//! The ID5 client: builder, deletion, status and waiting.

use std::fmt;
use std::time::Duration;

use dropkit_provider::poll::{Backoff, wait_until};
use dropkit_provider::{Answer, Connection, JobId, MASK, Operation};
use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret as _;
use url::Url;

use crate::builder::ClientBuilder;
use crate::error::{Error, classify};
use crate::request::{DeletionRequest, EmailForm};
use crate::status::{DeletionReceipt, StatusReport};

/// The `Content-Type` ID5 requires on a deletion request.
const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// An ID5 privacy-request client.
///
/// The token travels in the query string, so no URL with it is ever logged or kept: errors
/// drop the URL and mask the token in anything ID5 echoes.
pub struct Client {
    pub(crate) connection: Connection,
    pub(crate) partner: u64,
    pub(crate) poll: Backoff,
    pub(crate) email_form: EmailForm,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url().as_str())
            .field("partner", &self.partner)
            .field("token", &MASK)
            .field("retry", self.connection.retry())
            .field("poll", &self.poll)
            .field("email_form", &self.email_form)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The partner number.
    pub fn partner_id(&self) -> u64 {
        self.partner
    }

    /// The API root (it holds no secret).
    pub fn base_url(&self) -> &Url {
        self.connection.base_url()
    }

    /// `{base}/partners/v1/{partner}/privacy/requests/{last}`, without the token.
    fn url(&self, last: &str) -> Url {
        let mut url = self.base_url().clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend([
                "partners",
                "v1",
                &self.partner.to_string(),
                "privacy",
                "requests",
                last,
            ]);
        }
        url
    }

    fn with_token(&self, url: &Url) -> Url {
        let mut url = url.clone();
        url.query_pairs_mut()
            .append_pair("token", self.connection.token().expose_secret());
        url
    }

    /// Sends a deletion request: `POST .../privacy/requests/deletion?token=...`.
    ///
    /// The request was checked when built. A 429, a 5xx or a transport failure is retried
    /// until the total deadline (a deletion sent twice is harmless; a lost one is the failure
    /// to avoid). ID5 allows one request per identifier per day, so when a retry is refused
    /// by that limit after an attempt whose answer was lost, the error says the lost attempt
    /// probably reached ID5 ([`Error::IdentifierDailyLimit`] with `after_lost_answer`).
    ///
    /// # Errors
    /// The API errors of [`Error`], mapped from ID5's error schema, and transport errors.
    pub async fn request_deletion(
        &self,
        request: &DeletionRequest,
    ) -> Result<DeletionReceipt, Error> {
        let url = self.with_token(&self.url("deletion"));
        tracing::debug!(path = url.path(), "id5: deletion request");
        let body = serde_json::to_vec(request).map_err(|e| Error::Decode {
            operation: Operation::Delete,
            reason: e.to_string(),
            body: String::new(),
        })?;
        let http = self.connection.http();
        let text = self
            .send(Operation::Delete, || {
                http.post(url.clone())
                    .header(CONTENT_TYPE, JSON_UTF8)
                    .body(body.clone())
            })
            .await?;
        self.connection.decode(Operation::Delete, &text)
    }

    /// A job's status: `GET .../privacy/requests/{id}?token=...`, retried like a deletion.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown job, [`Error::Validation`] for an id that is not a
    /// UUID, the other API errors of [`Error`], and transport errors.
    pub async fn status(&self, job_id: &JobId) -> Result<StatusReport, Error> {
        let url = self.with_token(&self.url(job_id.as_str()));
        tracing::debug!(path = url.path(), "id5: status request");
        let http = self.connection.http();
        let text = self
            .send(Operation::Status, || http.get(url.clone()))
            .await?;
        self.connection.decode(Operation::Status, &text)
    }

    /// Checks the token with a status request for a job that cannot exist (all zeros): a
    /// read that changes nothing and spends no deletion quota. ID5 answering that the job is
    /// unknown (404) or its id unusable (a validation error, given after the token was
    /// accepted) means the token was accepted; an `authentication_error` (401, 403, or 400 for
    /// a wrong partner number) is an [`Error::Authentication`].
    ///
    /// # Errors
    /// The token or partner refused, or the check could not tell (unreachable, a 5xx after
    /// retries).
    pub async fn check_token(&self) -> Result<(), Error> {
        match self.status(&JobId::from(TOKEN_CHECK_JOB)).await {
            Ok(_) | Err(Error::NotFound(_) | Error::Validation(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Polls [`status`](Self::status) with the poll backoff until the job is no longer
    /// `CREATED` or `STARTED`, for at most `deadline` (measured from the call, on the client's
    /// clock).
    ///
    /// # Errors
    /// [`Error::DeadlinePassed`] with the last `jobStatus`, or the first error of a poll.
    pub async fn wait_until_done(
        &self,
        job_id: &JobId,
        deadline: Duration,
    ) -> Result<StatusReport, Error> {
        wait_until(
            &**self.connection.clock(),
            &self.poll,
            deadline,
            || self.status(job_id),
            |report: &StatusReport| report.job_status.is_final(),
        )
        .await
        .map_err(|err| {
            err.into_error(|last: StatusReport, waited| Error::DeadlinePassed {
                job_id: job_id.clone(),
                last: last.job_status,
                waited,
            })
        })
    }

    /// Sends through the shared retry policy; the 2xx body, or ID5's error.
    async fn send(
        &self,
        operation: Operation,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<String, Error> {
        let answer = self
            .connection
            .send_for::<Error, _, _>(operation, || std::future::ready(make()))
            .await?;
        if answer.is_success() {
            return Ok(answer.body);
        }
        let err = self.refusal(operation, &answer);
        tracing::warn!(error = %err, "id5: request refused");
        Err(err)
    }

    fn refusal(&self, operation: Operation, answer: &Answer) -> Error {
        let token = self.connection.token().expose_secret();
        match classify(operation, answer.status, &answer.body, token) {
            Error::IdentifierDailyLimit {
                identifier, error, ..
            } => Error::IdentifierDailyLimit {
                identifier,
                error,
                after_lost_answer: answer.earlier_attempt_unknown,
            },
            err => err,
        }
    }
}

/// The job id [`Client::check_token`] asks about: a well-formed id ID5 never hands out.
const TOKEN_CHECK_JOB: &str = "00000000000000000000000000000000";

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::builder()
            .base_url(base)
            .partner_id(173)
            .token("abc123".into())
            .build()
            .unwrap()
    }

    #[test]
    fn urls_follow_the_seed() {
        let client = client("https://api.id5-sync.com");
        let url = client.with_token(&client.url("deletion"));
        assert_eq!(
            url.as_str(),
            "https://api.id5-sync.com/partners/v1/173/privacy/requests/deletion?token=abc123"
        );
        let url = client.url("a8b6ccc4ee35ddaf5a5bb0f5c696dbd3");
        assert_eq!(
            url.as_str(),
            "https://api.id5-sync.com/partners/v1/173/privacy/requests/a8b6ccc4ee35ddaf5a5bb0f5c696dbd3"
        );
        // a proxy prefix is kept, an odd job id stays one segment
        let client = self::client("https://proxy.local/id5/");
        assert_eq!(
            client.url("a/b").as_str(),
            "https://proxy.local/id5/partners/v1/173/privacy/requests/a%2Fb"
        );
    }
}
