//! Building a [`Client`]: environment, API key, timeouts, user agent, retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use dropkit_http::{Clock, RetryPolicy, SystemClock, require_https};

use crate::client::{Client, Inner};
use crate::error::Error;

/// Environment variable holding the API key.
pub const API_KEY_VAR: &str = "DROP_API_KEY";
/// Environment variable holding the API root (optional; production when unset).
pub const BASE_URL_VAR: &str = "DROP_BASE_URL";

/// Which DROP the client talks to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.drop.privacy.ca.gov`.
    #[default]
    Production,
    /// `https://api.drop.privacy.ca.gov/sandbox`: the same host, a path prefix.
    Sandbox,
    /// Any API root, for example an emulator at `http://127.0.0.1:8080`. The client appends
    /// `/data/download`, `/data/upload` and `/data/amend` to it. It must be `https://`,
    /// except on a loopback address (127.0.0.0/8, `::1`, `localhost`).
    Custom(String),
}

impl Environment {
    /// The production API root.
    pub const PRODUCTION_URL: &'static str = "https://api.drop.privacy.ca.gov";
    /// The sandbox API root.
    pub const SANDBOX_URL: &'static str = "https://api.drop.privacy.ca.gov/sandbox";

    /// The API root as text.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Production => Self::PRODUCTION_URL,
            Environment::Sandbox => Self::SANDBOX_URL,
            Environment::Custom(url) => url,
        }
    }
}

/// Builds a [`Client`]; `Debug` never shows the API key.
///
/// ```
/// use std::time::Duration;
/// use dropkit_client::{Client, Environment, RetryPolicy};
///
/// let client = Client::builder()
///     .environment(Environment::Sandbox)
///     .api_key("sandbox-key")
///     .read_timeout(Duration::from_secs(120))
///     .retry_policy(RetryPolicy::default().with_jitter(true))
///     .max_wait(Duration::from_secs(2 * 3600))
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://api.drop.privacy.ca.gov/sandbox");
/// assert!(!format!("{client:?}").contains("sandbox-key"));
/// # Ok::<(), dropkit_client::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    environment: Environment,
    api_key: Option<SecretString>,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Option<Duration>,
    user_agent: String,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            environment: Environment::Production,
            api_key: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            timeout: None,
            user_agent: concat!("dropkit-dropkit-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock::new()),
        }
    }
}

impl ClientBuilder {
    /// Production, no key, 10 s connect and 60 s read timeouts, no total timeout (a ZIP may
    /// be large), the default [`RetryPolicy`] (six hours per request), the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder holding `DROP_API_KEY` and, when set and not empty, `DROP_BASE_URL` (the API
    /// root). Missing or invalid values are reported by [`build`](Self::build).
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        if let Ok(key) = std::env::var(API_KEY_VAR) {
            builder.api_key = Some(SecretString::from(key));
        }
        if let Ok(url) = std::env::var(BASE_URL_VAR)
            && !url.trim().is_empty()
        {
            builder.environment = Environment::Custom(url.trim().to_owned());
        }
        builder
    }

    /// Sets the environment (production, sandbox or a custom API root).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Sets a custom API root, for example `http://127.0.0.1:8080`.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.environment(Environment::Custom(url.into()))
    }

    /// Sets the API key (sent as `X-API-KEY`, marked sensitive).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the longest wait for any single read, which bounds a stalled body without
    /// bounding a large, steadily flowing download.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets a limit on each whole request, body included (none by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the retry policy (its [`max_wait`](RetryPolicy::max_wait) included).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the one total deadline of each request: 429, 5xx and transport failures are
    /// retried until it passes (six hours by default; zero disables retrying).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.retry = self.retry.with_max_wait(max_wait);
        self
    }

    /// Sets the clock the client reads and waits on, between attempts and while a package is
    /// prepared (tests pass a [`TestClock`](crate::TestClock) and never wait).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = self.api_key.ok_or(Error::MissingApiKey)?;
        if key.expose_secret().trim().is_empty() {
            return Err(Error::MissingApiKey);
        }
        let mut key_header = reqwest::header::HeaderValue::from_str(key.expose_secret())
            .map_err(|_| Error::InvalidApiKey)?;
        key_header.set_sensitive(true);
        let base = parse_base_url(self.environment.base_url())?;
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(self.user_agent.clone())
            // A redirect could carry the key to another host; DROP documents none.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(timeout) = self.timeout {
            http = http.timeout(timeout);
        }
        let http = http.build().map_err(Error::Build)?;
        Ok(Client::from_inner(Inner {
            http,
            base,
            key: key_header,
            retry: self.retry,
            clock: self.clock,
        }))
    }
}

/// Parses an API root: https (http only to a loopback address), no credentials, query or
/// fragment; a trailing `/` is dropped.
fn parse_base_url(text: &str) -> Result<Url, Error> {
    let mut url = require_https(BASE_URL_VAR, text)?;
    if !url.username().is_empty() || url.password().is_some() {
        // It would be printed in logs and errors; and never repeat it here.
        return Err(Error::InvalidBaseUrl {
            url: format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
            reason: "credentials in the URL are not allowed".to_owned(),
        });
    }
    let invalid = |reason: &str| Error::InvalidBaseUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the API root cannot have a query or fragment"));
    }
    if url.cannot_be_a_base() {
        return Err(invalid("not a base URL"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// The URL of an endpoint below the API root, keeping the root's path (the sandbox prefix).
pub(crate) fn endpoint_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_keep_the_sandbox_prefix() {
        let sandbox = parse_base_url(Environment::SANDBOX_URL).unwrap();
        assert_eq!(
            endpoint_url(&sandbox, "/data/download").as_str(),
            "https://api.drop.privacy.ca.gov/sandbox/data/download"
        );
        let prod = parse_base_url(Environment::PRODUCTION_URL).unwrap();
        assert_eq!(
            endpoint_url(&prod, "/data/upload").as_str(),
            "https://api.drop.privacy.ca.gov/data/upload"
        );
        let local = parse_base_url("http://127.0.0.1:9/x/").unwrap();
        assert_eq!(
            endpoint_url(&local, "/data/amend").as_str(),
            "http://127.0.0.1:9/x/data/amend"
        );
    }

    #[test]
    fn bad_base_urls_are_refused() {
        for bad in ["https://user:pw@x", "https://x/?a=1"] {
            assert!(
                matches!(parse_base_url(bad), Err(Error::InvalidBaseUrl { .. })),
                "{bad}"
            );
        }
        let err = parse_base_url("https://user:pw@x").unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[test]
    fn only_https_or_loopback_http_is_accepted() {
        for bad in [
            "http://api.drop.privacy.ca.gov",
            "http://10.1.2.3:8080",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            let err = parse_base_url(bad).unwrap_err();
            assert!(matches!(err, Error::InsecureBaseUrl(_)), "{bad}: {err:?}");
            assert!(err.to_string().contains("DROP_BASE_URL"), "{err}");
        }
        for ok in [
            "http://127.0.0.1:9",
            "http://localhost:8080",
            "http://[::1]:1",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok}");
        }
        let err = ClientBuilder::new()
            .api_key("k")
            .base_url("http://drop.example.com")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InsecureBaseUrl(_)));
    }

    #[test]
    fn missing_or_blank_key_is_an_error() {
        assert!(matches!(
            ClientBuilder::new().build(),
            Err(Error::MissingApiKey)
        ));
        assert!(matches!(
            ClientBuilder::new().api_key("  ").build(),
            Err(Error::MissingApiKey)
        ));
        assert!(matches!(
            ClientBuilder::new().api_key("a\nb").build(),
            Err(Error::InvalidApiKey)
        ));
    }
}
