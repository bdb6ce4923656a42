//! The MaestroQA client: deletion, batching, status and waiting.

use std::fmt;
use std::time::Duration;

use drop_provider::clock::SharedClock;
use drop_provider::poll::{Backoff, WaitError, wait_until};
use drop_provider::{ErrorKind, JobId, MASK, redact, truncate};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use url::Url;

use crate::builder::ClientBuilder;
use crate::error::{Error, Operation};
use crate::limiter::{Limiter, RateLimits};
use crate::status::{DeletionBody, DeletionReceipt, Status, StatusBody};

/// The most emails one deletion request may carry.
pub const MAX_EMAILS_PER_REQUEST: usize = 5;

/// The longest `Retry-After` honoured; a longer one ends the retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);

/// How much of a server's body an error keeps.
const BODY_LIMIT: usize = 1000;

/// A MaestroQA data-deletion client. Cheap to share behind an `Arc`; every request of every
/// task goes through one rate limiter.
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoint: Url,
    pub(crate) token: SecretString,
    pub(crate) limiter: Limiter,
    pub(crate) limits: RateLimits,
    pub(crate) clock: SharedClock,
    pub(crate) retry: Backoff,
    pub(crate) poll: Backoff,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.as_str())
            .field("token", &MASK)
            .field("limits", &self.limits)
            .field("retry", &self.retry)
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

/// One attempt's failure, before retries are decided.
enum Attempt {
    TooManyRequests { retry_after: Option<Duration> },
    Connect(reqwest::Error),
    Failed(Error),
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
        &self.endpoint
    }

    /// Deletes the data of up to 5 emails in one `DELETE` request, waiting for the rate limit
    /// and retrying a 429.
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
        tracing::debug!(emails = emails.len(), endpoint = %self.endpoint, "maestroqa: deletion request");
        let text = self
            .send(Operation::Delete, || {
                self.http.delete(self.endpoint.clone()).json(&body)
            })
            .await?;
        let parsed: DeletionBody = self.decode(Operation::Delete, &text)?;
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
        let mut url = self.endpoint.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(job_id.as_str());
        }
        tracing::debug!(%job_id, "maestroqa: status request");
        let text = self
            .send(Operation::Status, || self.http.get(url.clone()))
            .await?;
        let parsed: StatusBody = self.decode(Operation::Status, &text)?;
        Ok(parsed.status)
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
            &*self.clock,
            &self.poll,
            deadline,
            || self.status(job_id),
            Status::is_final,
        )
        .await
        .map_err(|err| match err {
            WaitError::Probe(err) => err,
            WaitError::DeadlinePassed { last, waited } => Error::DeadlinePassed {
                job_id: job_id.clone(),
                last,
                waited,
            },
        })
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        operation: Operation,
        text: &str,
    ) -> Result<T, Error> {
        serde_json::from_str(text).map_err(|e| Error::Decode {
            operation,
            reason: e.to_string(),
            body: self.keep(text),
        })
    }

    /// A server body fit for an error: token masked, cut to size.
    fn keep(&self, body: &str) -> String {
        truncate(&redact(body, self.token.expose_secret()), BODY_LIMIT)
    }

    /// Sends a request built by `make` through the rate limiter, retrying a 429 (after
    /// `Retry-After`, else the retry backoff) and a failed connection; returns the 2xx body.
    async fn send(
        &self,
        operation: Operation,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<String, Error> {
        let mut attempts = 0usize;
        let mut delays = self.retry.delays();
        let result = loop {
            attempts += 1;
            self.limiter.until_ready().await;
            let failure = match self.attempt(operation, make()).await {
                Ok(body) => break Ok(body),
                Err(failure) => failure,
            };
            let wait = match (&failure, delays.next()) {
                (Attempt::Failed(_), _) | (_, None) => None,
                (
                    Attempt::TooManyRequests {
                        retry_after: Some(wait),
                    },
                    Some(_),
                ) => (*wait <= MAX_RETRY_AFTER).then_some(*wait),
                (_, Some(delay)) => Some(delay),
            };
            let Some(wait) = wait else {
                break Err(failure);
            };
            match &failure {
                Attempt::TooManyRequests { .. } => {
                    tracing::warn!(?wait, "maestroqa: 429 Too Many Requests, retrying");
                }
                Attempt::Connect(err) => {
                    tracing::warn!(?wait, %err, "maestroqa: connection failed, retrying");
                }
                Attempt::Failed(_) => {}
            }
            self.clock.sleep(wait).await;
        };
        result.map_err(|failure| match failure {
            Attempt::TooManyRequests { .. } => Error::RateLimited {
                operation,
                attempts,
            },
            Attempt::Connect(source) => Error::Transport { operation, source },
            Attempt::Failed(err) => err,
        })
    }

    async fn attempt(
        &self,
        operation: Operation,
        request: reqwest::RequestBuilder,
    ) -> Result<String, Attempt> {
        let transport = |err: reqwest::Error| {
            let err = err.without_url();
            if err.is_connect() {
                Attempt::Connect(err)
            } else {
                Attempt::Failed(Error::Transport {
                    operation,
                    source: err,
                })
            }
        };
        let mut token = HeaderValue::from_str(self.token.expose_secret())
            .map_err(|_| Attempt::Failed(Error::MissingToken))?;
        token.set_sensitive(true);
        let response = request
            .header("apitoken", token)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = response.text().await.map_err(transport)?;
        match status {
            200..=299 => Ok(body),
            401 => Err(Attempt::Failed(Error::TokenRejected {
                operation,
                body: self.keep(&body),
            })),
            404 => Err(Attempt::Failed(Error::NotFound {
                operation,
                body: self.keep(&body),
            })),
            429 => Err(Attempt::TooManyRequests { retry_after }),
            500..=599 => Err(Attempt::Failed(Error::Server {
                operation,
                status,
                body: self.keep(&body),
            })),
            _ => Err(Attempt::Failed(Error::Refused {
                operation,
                status,
                body: self.keep(&body),
            })),
        }
    }
}

/// `Retry-After` in seconds; an HTTP date or anything else is ignored (the backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
