//! The MaestroQA client: builder, deletion, status and waiting.

use std::fmt;
use std::time::Duration;

use drop_provider::clock::{SharedClock, SystemClock};
use drop_provider::poll::{Backoff, WaitError, wait_until};
use drop_provider::{ErrorKind, JobId, MASK, redact, truncate};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use url::Url;

use crate::error::{Error, Operation};
use crate::limiter::{Limiter, RateLimits};
use crate::status::{DeletionBody, DeletionReceipt, Status, StatusBody};

/// The most emails one deletion request may carry.
pub const MAX_EMAILS_PER_REQUEST: usize = 5;

/// The environment variable holding the API token.
pub const TOKEN_ENV: &str = "MAESTROQA_API_TOKEN";

/// The environment variable holding the data-deletion endpoint URL.
pub const ENDPOINT_ENV: &str = "MAESTROQA_BASE_URL";

/// The longest `Retry-After` honoured; a longer one ends the retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);

/// How much of a server's body an error keeps.
const BODY_LIMIT: usize = 1000;

/// Builds a [`Client`]; [`build`](Self::build) checks the settings.
pub struct ClientBuilder {
    endpoint: Option<String>,
    token: Option<SecretString>,
    timeout: Duration,
    connect_timeout: Duration,
    limits: RateLimits,
    clock: Option<SharedClock>,
    retry: Backoff,
    poll: Backoff,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| MASK))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("limits", &self.limits)
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder with no endpoint and no token, 30 s request and 10 s connect timeouts,
    /// MaestroQA's rate limits, up to 5 retries of a 429 (waiting `Retry-After`, else 2 s
    /// doubling to 60 s), and polls from 5 s doubling to 10 minutes.
    pub fn new() -> Self {
        ClientBuilder {
            endpoint: None,
            token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            limits: RateLimits::MAESTROQA,
            clock: None,
            retry: Backoff::new(Duration::from_secs(2), Duration::from_secs(60)).with_max_times(5),
            poll: Backoff::new(Duration::from_secs(5), Duration::from_secs(600)),
        }
    }

    /// A builder with the token from `MAESTROQA_API_TOKEN` and the endpoint from
    /// `MAESTROQA_BASE_URL`, where set and not empty.
    pub fn from_env() -> Self {
        let mut builder = ClientBuilder::new();
        if let Some(token) = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()) {
            builder = builder.token(SecretString::from(token));
        }
        if let Some(endpoint) = std::env::var(ENDPOINT_ENV).ok().filter(|e| !e.is_empty()) {
            builder = builder.endpoint(endpoint);
        }
        builder
    }

    /// The full data-deletion endpoint URL; status requests go to it with `/{id}` appended.
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The API token, sent in the `apitoken` header.
    #[must_use]
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// The limit for a whole request, connection to last byte.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for opening a connection.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Client-side rate limits (MaestroQA's by default).
    #[must_use]
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The clock that waits for the rate limit, retries and polls (the system clock by
    /// default; a [`ManualClock`](drop_provider::testing::ManualClock) in tests).
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Delays between retries of a 429 or a failed connection when the server sends no
    /// `Retry-After`; its `max_times` is the number of retries.
    #[must_use]
    pub fn retry_backoff(mut self, backoff: Backoff) -> Self {
        self.retry = backoff;
        self
    }

    /// Delays between polls in [`Client::wait_until_done`].
    #[must_use]
    pub fn poll_backoff(mut self, backoff: Backoff) -> Self {
        self.poll = backoff;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::MissingEndpoint`], [`Error::InvalidEndpoint`], [`Error::MissingToken`] (also for
    /// a token that cannot be an HTTP header value), [`Error::HttpClient`].
    pub fn build(self) -> Result<Client, Error> {
        let raw = self.endpoint.ok_or(Error::MissingEndpoint)?;
        let endpoint = parse_endpoint(&raw)?;
        let token = self.token.ok_or(Error::MissingToken)?;
        let token_text = token.expose_secret();
        if token_text.trim().is_empty() || HeaderValue::from_str(token_text).is_err() {
            return Err(Error::MissingToken);
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("dropkit-maestroqa/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::HttpClient(e.without_url()))?;
        let clock = self.clock.unwrap_or_else(SystemClock::shared);
        Ok(Client {
            http,
            endpoint,
            token,
            limiter: Limiter::new(self.limits, clock.clone()),
            limits: self.limits,
            clock,
            retry: self.retry,
            poll: self.poll,
        })
    }
}

fn parse_endpoint(raw: &str) -> Result<Url, Error> {
    let invalid = |reason: &str| Error::InvalidEndpoint {
        value: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme is not http or https"));
    }
    if url.cannot_be_a_base() {
        return Err(invalid("it cannot take a path"));
    }
    Ok(url)
}

/// A MaestroQA data-deletion client. Cheap to share behind an `Arc`; every request of every
/// task goes through one rate limiter.
pub struct Client {
    http: reqwest::Client,
    endpoint: Url,
    token: SecretString,
    limiter: Limiter,
    limits: RateLimits,
    clock: SharedClock,
    retry: Backoff,
    poll: Backoff,
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
    fn endpoint_must_be_http() {
        assert!(matches!(
            parse_endpoint("ftp://x.example/delete"),
            Err(Error::InvalidEndpoint { .. })
        ));
        assert!(matches!(
            parse_endpoint("not a url"),
            Err(Error::InvalidEndpoint { .. })
        ));
        assert!(parse_endpoint("https://app.maestroqa.com/api/v1/delete").is_ok());
    }

    #[test]
    fn build_needs_endpoint_and_token() {
        assert!(matches!(
            Client::builder().token("t".into()).build(),
            Err(Error::MissingEndpoint)
        ));
        assert!(matches!(
            Client::builder().endpoint("http://127.0.0.1:1/d").build(),
            Err(Error::MissingToken)
        ));
        assert!(matches!(
            Client::builder()
                .endpoint("http://127.0.0.1:1/d")
                .token("bad\ntoken".into())
                .build(),
            Err(Error::MissingToken)
        ));
    }

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
