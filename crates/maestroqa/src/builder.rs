//! Building a [`Client`]: endpoint, token, timeouts, rate limits, clock and backoffs.

use std::fmt;
use std::time::Duration;

use drop_provider::MASK;
use drop_provider::clock::{SharedClock, SystemClock};
use drop_provider::poll::Backoff;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::limiter::{Limiter, RateLimits};

/// The environment variable holding the API token.
pub const TOKEN_ENV: &str = "MAESTROQA_API_TOKEN";

/// The environment variable holding the data-deletion endpoint URL.
pub const ENDPOINT_ENV: &str = "MAESTROQA_BASE_URL";

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
}
