//! The MaestroQA client: deletion, batching, status and waiting.

use std::fmt;
use std::time::Duration;

use dropkit_provider::poll::{Backoff, wait_until};
use dropkit_provider::{Answer, Connection, ErrorKind, JobId, MASK, Operation};
use reqwest::header::HeaderValue;
use secrecy::ExposeSecret as _;
use serde::Serialize;
use url::Url;

use crate::builder::ClientBuilder;
use crate::error::Error;
use crate::limiter::{Limiter, RateLimits};
use crate::status::{DeletionBody, DeletionReceipt, Status, StatusBody};

/// The most emails one deletion request may carry.
pub const MAX_EMAILS_PER_REQUEST: usize = 5;

/// A MaestroQA data-deletion client. Cheap to share behind an `Arc`; every request of every
/// task goes through one rate limiter.
pub struct Client {
    pub(crate) connection: Connection,
    pub(crate) limiter: Limiter,
    pub(crate) limits: RateLimits,
    pub(crate) poll: Backoff,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint().as_str())
            .field("token", &MASK)
            .field("limits", &self.limits)
            .field("retry", self.connection.retry())
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// The JSON body of a deletion request.
#[derive(Debug, Serialize)]
struct DeleteBody<'a> {
    emails: Vec<&'a str>,
    #[serde(rename = "auditLabel", skip_serializing_if = "Option::is_none")]
    audit_label: Option<&'a str>,
}

/// The result of one batch of [`Client::request_deletions`].
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchOutcome {
    /// The emails of the batch, as given.
    pub emails: Vec<String>,
    /// MaestroQA's receipt, or why there is none.
    pub result: Result<DeletionReceipt, Error>,
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The endpoint URL (it holds no secret).
    pub fn endpoint(&self) -> &Url {
        self.connection.base_url()
    }

    /// Deletes the data of up to 5 emails in one `DELETE` request, waiting for the rate limit
    /// and retrying a 429, a 5xx or a transport failure until the total deadline (deleting
    /// the same emails twice is harmless: a lost deletion is the failure to avoid).
    ///
    /// Emails are sent trimmed of surrounding whitespace, otherwise as given. A receipt whose
    /// `confirmation` is `false` is returned as is: check it.
    ///
    /// # Errors
    /// [`Error::BatchSize`] and [`Error::EmptyEmail`] before any request; the HTTP errors of
    /// [`Error`] after.
    pub async fn request_deletion(
        &self,
        emails: &[String],
        audit_label: Option<&str>,
    ) -> Result<DeletionReceipt, Error> {
        if emails.is_empty() || emails.len() > MAX_EMAILS_PER_REQUEST {
            return Err(Error::BatchSize {
                count: emails.len(),
            });
        }
        if let Some(position) = emails.iter().position(|e| e.trim().is_empty()) {
            return Err(Error::EmptyEmail {
                position: position + 1,
            });
        }
        let body = DeleteBody {
            emails: emails.iter().map(|e| e.trim()).collect(),
            audit_label,
        };
        tracing::debug!(emails = emails.len(), endpoint = %self.endpoint(), "maestroqa: deletion request");
        let text = self
            .send(Operation::Delete, || {
                self.connection
                    .http()
                    .delete(self.endpoint().clone())
                    .json(&body)
            })
            .await?;
        let parsed: DeletionBody = self
            .connection
            .decode::<_, Error>(Operation::Delete, &text)?;
        Ok(DeletionReceipt::from(parsed))
    }

    /// Deletes the data of any number of emails, in requests of 5 (in order), each through the
    /// rate limiter: 500 emails take 100 requests, 2 s apart with MaestroQA's limits.
    ///
    /// Returns one outcome per batch. Empty emails get an [`Error::EmptyEmail`] outcome of
    /// their own, first, and are not sent. A failure does not stop the other batches, except a
    /// rejected token (every later request would fail the same way): the batches after it are
    /// [`Error::NotSent`].
    pub async fn request_deletions(
        &self,
        emails: &[String],
        audit_label: Option<&str>,
    ) -> Vec<BatchOutcome> {
        let mut outcomes = Vec::new();
        let mut valid = Vec::with_capacity(emails.len());
        for (index, email) in emails.iter().enumerate() {
            if email.trim().is_empty() {
                outcomes.push(BatchOutcome {
                    emails: vec![email.clone()],
                    result: Err(Error::EmptyEmail {
                        position: index + 1,
                    }),
                });
            } else {
                valid.push(email.clone());
            }
        }
        let mut stopped: Option<(ErrorKind, String)> = None;
        for batch in valid.chunks(MAX_EMAILS_PER_REQUEST) {
            let result = match &stopped {
                Some((kind, reason)) => Err(Error::NotSent {
                    kind: *kind,
                    reason: reason.clone(),
                }),
                None => self.request_deletion(batch, audit_label).await,
            };
            if let Err(err) = &result
                && stopped.is_none()
                && err.kind().stops_sending()
            {
                stopped = Some((err.kind(), err.to_string()));
            }
            outcomes.push(BatchOutcome {
                emails: batch.to_vec(),
                result,
            });
        }
        outcomes
    }

    /// The status of a deep-deletion job: `GET {endpoint}/{id}`.
    ///
    /// # Errors
    /// The HTTP errors of [`Error`]; an HTTP 404 is [`Error::NotFound`] (a `"not found"` status
    /// in a 200 answer is [`Status::NotFound`]).
    pub async fn status(&self, job_id: &JobId) -> Result<Status, Error> {
        tracing::debug!(%job_id, "maestroqa: status request");
        let text = self
            .send(Operation::Status, || self.get_status(job_id))
            .await?;
        let parsed: StatusBody = self
            .connection
            .decode::<_, Error>(Operation::Status, &text)?;
        Ok(parsed.status)
    }

    /// Checks the token with a status request for a job that cannot exist: a read that
    /// changes nothing (it counts against the rate limit like any request). MaestroQA's answer
    /// (`not found`, in a 200 or a 404) means the token was accepted; a 401 or 403 is an
    /// [`Error::TokenRejected`] or [`Error::Refused`] of kind
    /// [`Authentication`](ErrorKind::Authentication).
    ///
    /// # Errors
    /// The token refused, or the check could not tell (unreachable, a 5xx after retries).
    pub async fn check_token(&self) -> Result<(), Error> {
        match self.status(&JobId::from(TOKEN_CHECK_JOB)).await {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    fn get_status(&self, job_id: &JobId) -> reqwest::RequestBuilder {
        let mut url = self.endpoint().clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(job_id.as_str());
        }
        self.connection.http().get(url)
    }

    /// Polls [`status`](Self::status) with the poll backoff until the job is no longer
    /// `pending`, for at most `deadline` (measured from the call, on the client's clock). The
    /// deep deletion runs as a daily batch, so give it hours, not seconds.
    ///
    /// # Errors
    /// [`Error::DeadlinePassed`] with the last status, or the first error of a poll.
    pub async fn wait_until_done(
        &self,
        job_id: &JobId,
        deadline: Duration,
    ) -> Result<Status, Error> {
        wait_until(
            &**self.connection.clock(),
            &self.poll,
            deadline,
            || self.status(job_id),
            Status::is_final,
        )
        .await
        .map_err(|err| {
            err.into_error(|last, waited| Error::DeadlinePassed {
                job_id: job_id.clone(),
                last,
                waited,
            })
        })
    }

    /// Sends a request built by `make` through the rate limiter, retrying as the retry policy
    /// says; returns the 2xx body.
    async fn send(
        &self,
        operation: Operation,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<String, Error> {
        let mut token =
            HeaderValue::from_str(self.connection.token().expose_secret()).map_err(|_| {
                Error::Config(dropkit_provider::OptionsError::InvalidToken {
                    var: crate::TOKEN_ENV.to_owned(),
                })
            })?;
        token.set_sensitive(true);
        let answer = self
            .connection
            .send_for::<Error, _, _>(operation, || {
                let request = make().header("apitoken", token.clone());
                async move {
                    self.limiter.until_ready().await;
                    request
                }
            })
            .await?;
        if answer.is_success() {
            Ok(answer.body)
        } else {
            Err(self.refusal(operation, answer))
        }
    }

    /// The error for a non-2xx answer.
    fn refusal(&self, operation: Operation, answer: Answer) -> Error {
        let body = self.connection.keep(&answer.body);
        match answer.status {
            401 => Error::TokenRejected { operation, body },
            404 => Error::NotFound { operation, body },
            429 => Error::RateLimited {
                operation,
                attempts: answer.attempts,
            },
            status @ 500..=599 => Error::Server {
                operation,
                status,
                body,
            },
            status => Error::Refused {
                operation,
                status,
                body,
            },
        }
    }
}

/// The job id [`Client::check_token`] asks about: not one MaestroQA hands out.
const TOKEN_CHECK_JOB: &str = "dropkit-token-check-0";
