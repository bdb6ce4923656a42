//! A provider client's checked settings and its one way of sending a request: through the
//! shared retry policy, on the shared clock, with the token kept out of logs and errors.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use dropkit_http::{RetryPolicy, SharedClock, SystemClock, Verdict, retry_after};
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::call::{CallError, Operation};
use crate::options::{OptionsError, ProviderOptions, check_base_url, check_token};
use crate::redact::{MASK, redact, truncate};

/// How much of a server's body an error keeps.
pub const BODY_LIMIT: usize = 1000;

/// What a provider crate tells [`Connection::open`] about itself: its name, the variables its
/// settings come from (errors name them), its default base URL and user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSpec {
    name: &'static str,
    token_var: &'static str,
    base_url_var: &'static str,
    default_base_url: Option<&'static str>,
    user_agent: &'static str,
}

impl ProviderSpec {
    /// A provider called `name` (lower case, as in output) with no default base URL.
    pub const fn new(
        name: &'static str,
        token_var: &'static str,
        base_url_var: &'static str,
        user_agent: &'static str,
    ) -> Self {
        ProviderSpec {
            name,
            token_var,
            base_url_var,
            default_base_url: None,
            user_agent,
        }
    }

    /// The same, with a base URL used when none is given.
    #[must_use]
    pub const fn with_default_base_url(mut self, url: &'static str) -> Self {
        self.default_base_url = Some(url);
        self
    }

    /// The provider's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The token's variable.
    pub const fn token_var(&self) -> &'static str {
        self.token_var
    }

    /// The base URL's variable.
    pub const fn base_url_var(&self) -> &'static str {
        self.base_url_var
    }

    /// The settings from the environment (see [`ProviderOptions::from_env`]).
    ///
    /// # Errors
    /// As [`ProviderOptions::from_env`].
    pub fn options_from_env(&self) -> Result<Option<ProviderOptions>, OptionsError> {
        ProviderOptions::from_env(self.token_var, self.base_url_var)
    }
}

/// A provider client's checked settings: an HTTP client (timeouts, user agent, no redirects),
/// an `https://` base URL (or `http://` to loopback), a token, the clock and the retry policy.
///
/// Redirects are not followed: a redirect could carry the token (ID5's rides in the query
/// string, MaestroQA's in a header) to another host, so a 3xx is returned like any other
/// refused answer. `Debug` prints the token as `***`.
pub struct Connection {
    spec: ProviderSpec,
    http: reqwest::Client,
    base_url: Url,
    token: SecretString,
    clock: SharedClock,
    retry: RetryPolicy,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("provider", &self.spec.name)
            .field("base_url", &self.base_url.as_str())
            .field("token", &MASK)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A completed HTTP exchange that is not worth retrying (any 2xx, 4xx but 429, 3xx), or the
/// last 429 or 5xx when the retries ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The body as sent (the token not masked yet: see [`Connection::keep`]).
    pub body: String,
    /// How many attempts were made, this one included.
    pub attempts: usize,
    /// Whether an earlier attempt failed after the request may have reached the provider (a
    /// 5xx, or the connection lost after sending): the provider may have acted on it.
    pub earlier_attempt_unknown: bool,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request that did not complete on its last attempt (connection, timeout, TLS).
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
#[non_exhaustive]
pub struct TransportFailure {
    /// The HTTP client's error, without its URL (which may hold the token).
    #[source]
    pub source: reqwest::Error,
    /// How many attempts were made.
    pub attempts: usize,
}

/// One attempt's result when it is worth retrying.
enum Retryable {
    Transport(reqwest::Error),
    Status(Answer, Option<Duration>),
}

impl Connection {
    /// Checks `options` for the provider `spec` and builds the HTTP client.
    ///
    /// # Errors
    /// [`OptionsError::MissingToken`], [`OptionsError::InvalidToken`],
    /// [`OptionsError::MissingBaseUrl`], [`OptionsError::InsecureBaseUrl`],
    /// [`OptionsError::UnusableBaseUrl`], [`OptionsError::HttpClient`]; each names the variable
    /// of the setting.
    pub fn open(options: ProviderOptions, spec: &ProviderSpec) -> Result<Self, OptionsError> {
        let token = check_token(options.token(), spec.token_var)?.clone();
        let raw = options
            .base_url()
            .or(spec.default_base_url)
            .ok_or_else(|| OptionsError::MissingBaseUrl {
                var: spec.base_url_var.to_owned(),
            })?;
        let base_url = check_base_url(spec.base_url_var, raw)?;
        let http = reqwest::Client::builder()
            .timeout(options.timeout())
            .connect_timeout(options.connect_timeout())
            .user_agent(options.user_agent().unwrap_or(spec.user_agent))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OptionsError::HttpClient(e.without_url()))?;
        Ok(Connection {
            spec: *spec,
            http,
            base_url,
            token,
            clock: options.clock().cloned().unwrap_or_else(SystemClock::shared),
            retry: *options.retry(),
        })
    }

    /// The provider's name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The base URL (it holds no secret).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The token, to put in a request.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// `text` with the token masked (for anything the provider may have echoed it in).
    pub fn mask(&self, text: &str) -> String {
        redact(text, self.token.expose_secret())
    }

    /// A server's body fit for an error: token masked, cut to [`BODY_LIMIT`] characters.
    pub fn keep(&self, body: &str) -> String {
        truncate(&self.mask(body), BODY_LIMIT)
    }

    /// Parses a 2xx `text` as JSON; text that is not the documented JSON is the client's
    /// [`CallError::decode`] for `operation`, the body kept as [`keep`](Self::keep) keeps it.
    ///
    /// # Errors
    /// `E::decode`, with the parser's message.
    pub fn decode<T, E>(&self, operation: Operation, text: &str) -> Result<T, E>
    where
        T: serde::de::DeserializeOwned,
        E: CallError,
    {
        serde_json::from_str(text).map_err(|e| E::decode(operation, e.to_string(), self.keep(text)))
    }

    /// [`send`](Self::send) for a call of a client whose error is `E`: a request that did not
    /// complete is its [`CallError::transport`] for `operation`.
    ///
    /// # Errors
    /// `E::transport` when the last attempt did not complete.
    pub async fn send_for<E, F, Fut>(&self, operation: Operation, make: F) -> Result<Answer, E>
    where
        E: CallError,
        F: FnMut() -> Fut,
        Fut: Future<Output = reqwest::RequestBuilder>,
    {
        self.send(make)
            .await
            .map_err(|failure| E::transport(operation, failure))
    }

    /// Sends the request `make` builds, again after each 429, 5xx or transport failure, as the
    /// retry policy says (until its one total deadline, `Retry-After` honoured); returns the
    /// first answer not worth retrying, or the last one.
    ///
    /// `make` is called before every attempt; it may wait first (a client-side rate limit).
    /// Retries are logged at `warn` level with the provider's name, never with a URL.
    ///
    /// # Errors
    /// [`TransportFailure`] when the last attempt did not complete.
    pub async fn send<F, Fut>(&self, mut make: F) -> Result<Answer, TransportFailure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = reqwest::RequestBuilder>,
    {
        // atomics, not cells: the future must stay Send
        let attempts = AtomicUsize::new(0);
        let unknown = AtomicBool::new(false);
        let result = self
            .retry
            .run(
                &*self.clock,
                || {
                    let request = make();
                    let attempts = attempts.fetch_add(1, Relaxed) + 1;
                    let earlier_attempt_unknown = unknown.load(Relaxed);
                    async move {
                        let response = request
                            .await
                            .send()
                            .await
                            .map_err(|e| Retryable::Transport(e.without_url()))?;
                        let status = response.status().as_u16();
                        let wait = retry_after(response.headers());
                        let body = response
                            .text()
                            .await
                            .map_err(|e| Retryable::Transport(e.without_url()))?;
                        let answer = Answer {
                            status,
                            body,
                            attempts,
                            earlier_attempt_unknown,
                        };
                        if status == 429 || (500..=599).contains(&status) {
                            Err(Retryable::Status(answer, wait))
                        } else {
                            Ok(answer)
                        }
                    }
                },
                |failure| match failure {
                    Retryable::Transport(e) if e.is_builder() => Verdict::Fail,
                    Retryable::Transport(_) => Verdict::Transient { retry_after: None },
                    Retryable::Status(answer, wait) if answer.status == 429 => {
                        Verdict::RateLimited { retry_after: *wait }
                    }
                    Retryable::Status(_, wait) => Verdict::Transient { retry_after: *wait },
                },
                |failure, wait| {
                    match failure {
                        Retryable::Transport(e) => {
                            if !e.is_connect() {
                                unknown.store(true, Relaxed);
                            }
                            tracing::warn!(provider = self.spec.name, ?wait, error = %e, "request did not complete, retrying");
                        }
                        Retryable::Status(answer, _) => {
                            if answer.status != 429 {
                                unknown.store(true, Relaxed);
                            }
                            tracing::warn!(provider = self.spec.name, ?wait, status = answer.status, "retrying");
                        }
                    };
                },
            )
            .await;
        match result {
            Ok(answer) | Err(Retryable::Status(answer, _)) => Ok(answer),
            Err(Retryable::Transport(source)) => Err(TransportFailure {
                source,
                attempts: attempts.load(Relaxed),
            }),
        }
    }
}
