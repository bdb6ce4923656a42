//! Building a [`Client`] from the shared [`ProviderOptions`], plus MaestroQA's own settings
//! (rate limits, poll backoff).

use std::time::Duration;

use dropkit_provider::poll::Backoff;
use dropkit_provider::{Connection, FromEnv, OptionsError, ProviderOptions, ProviderSpec};

use crate::client::Client;
use crate::error::Error;
use crate::limiter::{Limiter, RateLimits};

/// The environment variable holding the API token.
pub const TOKEN_ENV: &str = "MAESTROQA_API_TOKEN";

/// The environment variable holding the data-deletion endpoint URL.
pub const ENDPOINT_ENV: &str = "MAESTROQA_BASE_URL";

/// What the shared parts need to know of MaestroQA: no default endpoint (MaestroQA publishes
/// none).
pub(crate) const SPEC: ProviderSpec = ProviderSpec::new(
    crate::PROVIDER_NAME,
    TOKEN_ENV,
    ENDPOINT_ENV,
    concat!("dropkit-maestroqa/", env!("CARGO_PKG_VERSION")),
);

/// Builds a [`Client`]; [`build`](Self::build) checks the settings.
///
/// `Debug` prints the token as `***`.
#[derive(Debug)]
pub struct ClientBuilder {
    options: ProviderOptions,
    limits: RateLimits,
    poll: Backoff,
    /// An error found while reading the environment, returned by `build`.
    deferred: Option<OptionsError>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    dropkit_provider::shared_setters!();

    /// A builder with no endpoint and no token, [`ProviderOptions`]' defaults (30 s request
    /// and 10 s connect timeouts, 429, 5xx and transport failures retried until one total
    /// deadline per request), MaestroQA's rate limits, and polls from 5 s doubling to 10
    /// minutes.
    pub fn new() -> Self {
        ClientBuilder::from_options(ProviderOptions::new())
    }

    /// A builder from shared options (their base URL is the full data-deletion endpoint).
    pub fn from_options(options: ProviderOptions) -> Self {
        ClientBuilder {
            options,
            limits: RateLimits::MAESTROQA,
            poll: Backoff::new(Duration::from_secs(5), Duration::from_secs(600)),
            deferred: None,
        }
    }

    /// A builder with the token from `MAESTROQA_API_TOKEN` and the endpoint from
    /// `MAESTROQA_BASE_URL`, where set and not blank. A refused value (an endpoint that is not
    /// `https://`) is reported by [`build`](Self::build); see [`Client::from_env`] to tell an
    /// unconfigured provider apart.
    pub fn from_env() -> Self {
        let (options, deferred) =
            ProviderOptions::from_vars_or_defaults(TOKEN_ENV, ENDPOINT_ENV, |var| {
                std::env::var(var)
            });
        ClientBuilder {
            deferred,
            ..ClientBuilder::from_options(options)
        }
    }

    /// The full data-deletion endpoint URL; status requests go to it with `/{id}` appended.
    /// It must be `https://` (plain `http://` only to a loopback address).
    #[must_use]
    pub fn endpoint(self, url: impl Into<String>) -> Self {
        self.options(|o| o.with_base_url(url))
    }

    /// Client-side rate limits (MaestroQA's by default).
    #[must_use]
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
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
    /// [`Error::Config`]: no token or one that cannot be sent, no endpoint, an endpoint that
    /// is not `https://` (except loopback), an HTTP client that cannot be built. Each names
    /// its variable.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(err) = self.deferred {
            return Err(err.into());
        }
        let connection = Connection::open(self.options, &SPEC)?;
        let limiter = Limiter::new(self.limits, connection.clock().clone());
        Ok(Client {
            connection,
            limiter,
            limits: self.limits,
            poll: self.poll,
        })
    }
}

impl Client {
    /// The client configured by `MAESTROQA_API_TOKEN` and `MAESTROQA_BASE_URL`, or `None` when
    /// the token is unset or blank (MaestroQA is not used).
    ///
    /// # Errors
    /// [`Error::Config`] for a token that is set with an endpoint unset or refused.
    pub fn from_env() -> Result<Option<Client>, Error> {
        Client::from_env_with(|options| options)
    }

    /// [`from_env`](Self::from_env), the options read passed through `adjust` first (a retry
    /// deadline from the command line, say).
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_env_with(
        adjust: impl FnOnce(ProviderOptions) -> ProviderOptions,
    ) -> Result<Option<Client>, Error> {
        match ProviderOptions::from_env(TOKEN_ENV, ENDPOINT_ENV)? {
            Some(options) => ClientBuilder::from_options(adjust(options))
                .build()
                .map(Some),
            None => Ok(None),
        }
    }
}

impl FromEnv for Client {
    const NAME: &'static str = crate::PROVIDER_NAME;
    type Error = Error;

    fn from_env_with(
        adjust: &dyn Fn(ProviderOptions) -> ProviderOptions,
    ) -> Result<Option<Self>, Error> {
        Client::from_env_with(adjust)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(result: Result<Client, Error>) -> OptionsError {
        match result {
            Err(Error::Config(err)) => err,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn endpoint_must_be_https_except_loopback() {
        let b = || Client::builder().token("t".into());
        let err = config(b().endpoint("http://maestroqa.example/delete").build());
        assert!(matches!(err, OptionsError::InsecureBaseUrl(_)));
        assert!(err.to_string().starts_with("MAESTROQA_BASE_URL: "), "{err}");
        assert!(matches!(
            config(b().endpoint("not a url").build()),
            OptionsError::InsecureBaseUrl(_)
        ));
        assert!(
            b().endpoint("https://app.maestroqa.com/api/v1/delete")
                .build()
                .is_ok()
        );
        assert!(b().endpoint("http://127.0.0.1:1/d").build().is_ok());
    }

    #[test]
    fn build_needs_endpoint_and_token() {
        let err = config(Client::builder().token("t".into()).build());
        assert!(matches!(err, OptionsError::MissingBaseUrl { ref var } if var == ENDPOINT_ENV));
        let err = config(Client::builder().endpoint("http://127.0.0.1:1/d").build());
        assert!(matches!(err, OptionsError::MissingToken { ref var } if var == TOKEN_ENV));
        let err = config(
            Client::builder()
                .endpoint("http://127.0.0.1:1/d")
                .token("bad\ntoken".into())
                .build(),
        );
        assert!(matches!(err, OptionsError::InvalidToken { .. }));
    }

    #[test]
    fn built_from_shared_options() {
        let options = ProviderOptions::new()
            .with_base_url("https://maestroqa.example/api/v1/data-deletion")
            .with_token("t0k".into())
            .with_max_wait(Duration::from_secs(60));
        let client = ClientBuilder::from_options(options).build().unwrap();
        assert_eq!(client.connection.retry().max_wait, Duration::from_secs(60));
        assert_eq!(
            client.endpoint().as_str(),
            "https://maestroqa.example/api/v1/data-deletion"
        );
        assert!(!format!("{client:?}").contains("t0k"));
    }
}
