//! The ID5 client: builder, deletion, status and waiting.

use std::fmt;
use std::time::Duration;

use drop_provider::clock::{SharedClock, SystemClock};
use drop_provider::poll::{Backoff, WaitError, wait_until};
use drop_provider::{JobId, MASK, redact, truncate};
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::error::{BODY_LIMIT, Error, Operation, classify};
use crate::request::{DeletionRequest, EmailForm};
use crate::status::{DeletionReceipt, StatusReport};

/// ID5's API root.
pub const DEFAULT_BASE_URL: &str = "https://api.id5-sync.com";
/// The environment variable holding the partner number.
pub const PARTNER_ENV: &str = "ID5_PARTNER_ID";
/// The environment variable holding the token.
pub const TOKEN_ENV: &str = "ID5_TOKEN";
/// The environment variable overriding the API root.
pub const BASE_URL_ENV: &str = "ID5_BASE_URL";

/// The `Content-Type` ID5 requires on a deletion request.
const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// Builds a [`Client`]; [`build`](Self::build) checks the settings.
pub struct ClientBuilder {
    base_url: String,
    partner: Option<String>,
    token: Option<SecretString>,
    timeout: Duration,
    connect_timeout: Duration,
    clock: Option<SharedClock>,
    poll: Backoff,
    email_form: EmailForm,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("partner", &self.partner)
            .field("token", &self.token.as_ref().map(|_| MASK))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("poll", &self.poll)
            .field("email_form", &self.email_form)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder for [`DEFAULT_BASE_URL`] with no partner and no token, 30 s request and 10 s
    /// connect timeouts, polls from 2 s doubling to 5 minutes, plain-text emails.
    pub fn new() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            partner: None,
            token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            clock: None,
            poll: Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
            email_form: EmailForm::Plain,
        }
    }

    /// A builder with the partner from `ID5_PARTNER_ID`, the token from `ID5_TOKEN` and the API
    /// root from `ID5_BASE_URL`, where set and not empty.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut builder = ClientBuilder::new();
        if let Some(partner) = var(PARTNER_ENV) {
            builder.partner = Some(partner);
        }
        if let Some(token) = var(TOKEN_ENV) {
            builder = builder.token(SecretString::from(token));
        }
        if let Some(base) = var(BASE_URL_ENV) {
            builder = builder.base_url(base);
        }
        builder
    }

    /// The API root (tests, proxies); paths `/partners/v1/...` are appended to it.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The partner number ID5 assigned (173 is ID5's public test partner).
    #[must_use]
    pub fn partner_id(mut self, partner: u64) -> Self {
        self.partner = Some(partner.to_string());
        self
    }

    /// The token, sent in the `token` query parameter.
    #[must_use]
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// The limit for a whole request.
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

    /// The clock [`Client::wait_until_done`] waits on (the system clock by default).
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Delays between polls in [`Client::wait_until_done`].
    #[must_use]
    pub fn poll_backoff(mut self, backoff: Backoff) -> Self {
        self.poll = backoff;
        self
    }

    /// How emails are sent when the client builds requests itself (as a
    /// [`DeletionProvider`](drop_provider::DeletionProvider)): plain text by default.
    #[must_use]
    pub fn email_form(mut self, form: EmailForm) -> Self {
        self.email_form = form;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::MissingPartner`], [`Error::InvalidPartner`], [`Error::MissingToken`],
    /// [`Error::InvalidBaseUrl`], [`Error::HttpClient`].
    pub fn build(self) -> Result<Client, Error> {
        let partner = self.partner.ok_or(Error::MissingPartner)?;
        let partner = partner
            .trim()
            .parse::<u64>()
            .map_err(|_| Error::InvalidPartner { value: partner })?;
        let token = self.token.ok_or(Error::MissingToken)?;
        if token.expose_secret().trim().is_empty() {
            return Err(Error::MissingToken);
        }
        let invalid = |reason: String| Error::InvalidBaseUrl {
            value: self.base_url.clone(),
            reason,
        };
        let base_url = Url::parse(self.base_url.trim()).map_err(|e| invalid(e.to_string()))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(invalid("the scheme is not http or https".to_owned()));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("dropkit-id5/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::HttpClient(e.without_url()))?;
        Ok(Client {
            http,
            base_url,
            partner,
            token,
            clock: self.clock.unwrap_or_else(SystemClock::shared),
            poll: self.poll,
            email_form: self.email_form,
        })
    }
}

/// An ID5 privacy-request client.
///
/// The token travels in the query string, so no URL with it is ever logged or kept: errors
/// drop the URL and mask the token in anything ID5 echoes.
pub struct Client {
    http: reqwest::Client,
    base_url: Url,
    partner: u64,
    token: SecretString,
    clock: SharedClock,
    poll: Backoff,
    pub(crate) email_form: EmailForm,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("partner", &self.partner)
            .field("token", &MASK)
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

    /// `{base}/partners/v1/{partner}/privacy/requests/{last}`, without the token.
    fn url(&self, last: &str) -> Url {
        let mut url = self.base_url.clone();
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
            .append_pair("token", self.token.expose_secret());
        url
    }

    /// Sends a deletion request: `POST .../privacy/requests/deletion?token=...`.
    ///
    /// The request was checked when built. ID5 allows one request per identifier per day and
    /// 3,000 per partner per day, so a deletion request is never retried.
    ///
    /// # Errors
    /// The API errors of [`Error`], mapped from ID5's error schema, and transport errors.
    pub async fn request_deletion(
        &self,
        request: &DeletionRequest,
    ) -> Result<DeletionReceipt, Error> {
        let url = self.url("deletion");
        tracing::debug!(path = url.path(), "id5: deletion request");
        let body = serde_json::to_vec(request).map_err(|e| Error::Decode {
            operation: Operation::Delete,
            reason: e.to_string(),
            body: String::new(),
        })?;
        let request = self
            .http
            .post(self.with_token(&url))
            .header(CONTENT_TYPE, JSON_UTF8)
            .body(body);
        let text = self.send(Operation::Delete, request).await?;
        self.decode(Operation::Delete, &text)
    }

    /// A job's status: `GET .../privacy/requests/{id}?token=...`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown job, [`Error::Validation`] for an id that is not a
    /// UUID, the other API errors of [`Error`], and transport errors.
    pub async fn status(&self, job_id: &JobId) -> Result<StatusReport, Error> {
        let url = self.url(job_id.as_str());
        tracing::debug!(path = url.path(), "id5: status request");
        let request = self.http.get(self.with_token(&url));
        let text = self.send(Operation::Status, request).await?;
        self.decode(Operation::Status, &text)
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
            &*self.clock,
            &self.poll,
            deadline,
            || self.status(job_id),
            |report: &StatusReport| report.job_status.is_final(),
        )
        .await
        .map_err(|err| match err {
            WaitError::Probe(err) => err,
            WaitError::DeadlinePassed { last, waited } => Error::DeadlinePassed {
                job_id: job_id.clone(),
                last: last.job_status,
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
            body: truncate(&redact(text, self.token.expose_secret()), BODY_LIMIT),
        })
    }

    async fn send(
        &self,
        operation: Operation,
        request: reqwest::RequestBuilder,
    ) -> Result<String, Error> {
        // without_url: the URL holds the token
        let transport = |e: reqwest::Error| Error::Transport {
            operation,
            source: e.without_url(),
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(transport)?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            let err = classify(operation, status, &text, self.token.expose_secret());
            tracing::warn!(error = %err, "id5: request refused");
            Err(err)
        }
    }
}

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
        let client = self::client("http://proxy.local/id5/");
        assert_eq!(
            client.url("a/b").as_str(),
            "http://proxy.local/id5/partners/v1/173/privacy/requests/a%2Fb"
        );
    }

    #[test]
    fn build_checks_settings() {
        let b = || Client::builder().base_url("http://127.0.0.1:1");
        assert!(matches!(
            b().token("t".into()).build(),
            Err(Error::MissingPartner)
        ));
        assert!(matches!(
            b().partner_id(1).build(),
            Err(Error::MissingToken)
        ));
        let mut builder = b().token("t".into());
        builder.partner = Some("17x".into());
        assert!(matches!(
            builder.build(),
            Err(Error::InvalidPartner { value }) if value == "17x"
        ));
        assert!(matches!(
            Client::builder()
                .base_url("ftp://x")
                .partner_id(1)
                .token("t".into())
                .build(),
            Err(Error::InvalidBaseUrl { .. })
        ));
    }
}
