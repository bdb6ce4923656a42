//! The settings every provider client is built from: base URL, token, timeouts, clock, retry
//! policy and user agent, read from the environment or set one by one.

use std::env::VarError;
use std::fmt;
use std::time::Duration;

use dropkit_http::{InsecureUrl, RetryPolicy, SharedClock, require_https};
use secrecy::{ExposeSecret as _, SecretString};

use crate::redact::MASK;

/// Why a provider's settings were refused. Every variant names the environment variable the
/// setting comes from, so the operator knows what to fix; none holds the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A variable is set to something that is not Unicode.
    #[error("{var} is not valid Unicode")]
    NotUnicode {
        /// The variable.
        var: String,
    },
    /// No token was given (or only whitespace).
    #[error("no token: set {var}")]
    MissingToken {
        /// The token's variable.
        var: String,
    },
    /// The token holds a control character (a line break pasted with it, say): it cannot be
    /// sent as given.
    #[error("{var}: the token holds a control character (a stray line break?)")]
    InvalidToken {
        /// The token's variable.
        var: String,
    },
    /// No base URL was given and the provider has no default.
    #[error("no base URL: set {var} (this provider publishes no default)")]
    MissingBaseUrl {
        /// The base URL's variable.
        var: String,
    },
    /// The base URL does not parse, or is not `https://` (plain `http://` is allowed to a
    /// loopback address only).
    #[error(transparent)]
    InsecureBaseUrl(#[from] InsecureUrl),
    /// The base URL parses but cannot take a path (`mailto:...`, say).
    #[error("{var}: {value:?} cannot take a path")]
    UnusableBaseUrl {
        /// The base URL's variable.
        var: String,
        /// The value given.
        value: String,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// The settings of one provider client, shared by every provider crate (their `ClientBuilder`s
/// are made from one, see `dropkit_maestroqa::ClientBuilder::from_options`).
///
/// Defaults: no base URL, no token, 30 s request and 10 s connect timeouts, the system clock,
/// [`RetryPolicy::default`] (429, 5xx and transport failures retried until one total deadline
/// of six hours per request), the provider's own user agent.
///
/// `Debug` prints the token as `***`.
///
/// ```
/// use std::time::Duration;
/// use dropkit_provider::ProviderOptions;
///
/// let options = ProviderOptions::new()
///     .with_base_url("https://api.id5-sync.com")
///     .with_token("s3cr3t".into())
///     .with_max_wait(Duration::from_secs(3600));
/// assert_eq!(options.retry().max_wait, Duration::from_secs(3600));
/// assert!(!format!("{options:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct ProviderOptions {
    base_url: Option<String>,
    token: Option<SecretString>,
    timeout: Duration,
    connect_timeout: Duration,
    clock: Option<SharedClock>,
    retry: RetryPolicy,
    user_agent: Option<String>,
}

impl fmt::Debug for ProviderOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderOptions")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| MASK))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("clock", &self.clock)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions::new()
    }
}

impl ProviderOptions {
    /// The default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default connect timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// The defaults (see the type's documentation).
    pub fn new() -> Self {
        ProviderOptions {
            base_url: None,
            token: None,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            clock: None,
            retry: RetryPolicy::default(),
            user_agent: None,
        }
    }

    /// The token from `token_var` and the base URL from `base_url_var`; `None` when the token
    /// is unset, empty or only whitespace (the provider is not configured).
    ///
    /// An unset or blank `base_url_var` leaves the base URL to the provider's default. A base
    /// URL that is not `https://` (plain `http://` is allowed to a loopback address: an
    /// emulator, a test server) is refused here, before any request, naming the variable.
    ///
    /// # Errors
    /// [`OptionsError::NotUnicode`], [`OptionsError::InvalidToken`],
    /// [`OptionsError::InsecureBaseUrl`], [`OptionsError::UnusableBaseUrl`].
    pub fn from_env(token_var: &str, base_url_var: &str) -> Result<Option<Self>, OptionsError> {
        Self::from_vars(token_var, base_url_var, |var| std::env::var(var))
    }

    /// [`from_env`](Self::from_env) over another source of variables (a configuration file,
    /// a test's map): `lookup` answers like [`std::env::var`].
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(
        token_var: &str,
        base_url_var: &str,
        lookup: impl Fn(&str) -> Result<String, VarError>,
    ) -> Result<Option<Self>, OptionsError> {
        let Some(token) = var_value(&lookup, token_var)? else {
            return Ok(None);
        };
        let mut options = ProviderOptions::new().with_token(SecretString::from(token));
        check_token(options.token.as_ref(), token_var)?;
        if let Some(base_url) = var_value(&lookup, base_url_var)? {
            check_base_url(base_url_var, &base_url)?;
            options = options.with_base_url(base_url);
        }
        Ok(Some(options))
    }

    /// [`from_vars`](Self::from_vars) for a builder's `from_env`, which cannot fail: the
    /// options read, or the defaults ([`new`](Self::new)) when the token is unset or a value
    /// is refused; the refusal comes back beside them, for the builder's `build` to report.
    pub fn from_vars_or_defaults(
        token_var: &str,
        base_url_var: &str,
        lookup: impl Fn(&str) -> Result<String, VarError>,
    ) -> (Self, Option<OptionsError>) {
        match Self::from_vars(token_var, base_url_var, lookup) {
            Ok(options) => (options.unwrap_or_default(), None),
            Err(err) => (ProviderOptions::new(), Some(err)),
        }
    }

    /// The provider's base URL (for MaestroQA, its full data-deletion endpoint).
    #[must_use]
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The token.
    #[must_use]
    pub fn with_token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// The limit for a whole request, connection to last byte (one attempt).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for opening a connection.
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The clock every wait goes through (rate limits, retries, polls): the system clock by
    /// default, a [`TestClock`](dropkit_http::TestClock) in tests.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How failed requests are retried.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The total deadline of one request, retries included (the retry policy's `max_wait`).
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.retry = self.retry.with_max_wait(max_wait);
        self
    }

    /// The `User-Agent` header (the provider crate's own by default).
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The base URL, as given.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// The token.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The clock, when one was set (the system clock is used otherwise).
    pub fn clock(&self) -> Option<&SharedClock> {
        self.clock.as_ref()
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The user agent, when one was set.
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }
}

/// A variable's value from `lookup` (answering like [`std::env::var`]); `None` when unset,
/// empty or only whitespace.
///
/// # Errors
/// [`OptionsError::NotUnicode`].
pub fn var_value(
    lookup: &impl Fn(&str) -> Result<String, VarError>,
    var: &str,
) -> Result<Option<String>, OptionsError> {
    match lookup(var) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(OptionsError::NotUnicode {
            var: var.to_owned(),
        }),
    }
}

/// A token that is present, not blank, and free of control characters.
pub(crate) fn check_token<'a>(
    token: Option<&'a SecretString>,
    var: &str,
) -> Result<&'a SecretString, OptionsError> {
    let missing = || OptionsError::MissingToken {
        var: var.to_owned(),
    };
    let token = token.ok_or_else(missing)?;
    let text = token.expose_secret();
    if text.trim().is_empty() {
        return Err(missing());
    }
    if text.chars().any(char::is_control) {
        return Err(OptionsError::InvalidToken {
            var: var.to_owned(),
        });
    }
    Ok(token)
}

/// A base URL that is `https://` (or `http://` to loopback) and can take a path.
pub(crate) fn check_base_url(var: &str, value: &str) -> Result<url::Url, OptionsError> {
    let url = require_https(var, value)?;
    if url.cannot_be_a_base() {
        return Err(OptionsError::UnusableBaseUrl {
            var: var.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Result<String, VarError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |var| {
            pairs
                .iter()
                .find(|(k, _)| k == var)
                .map(|(_, v)| v.clone())
                .ok_or(VarError::NotPresent)
        }
    }

    #[test]
    fn from_vars_is_none_without_a_token() {
        for env in [
            vec![],
            vec![("T", "")],
            vec![("T", "  "), ("B", "https://x")],
        ] {
            assert!(
                ProviderOptions::from_vars("T", "B", vars(&env))
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[test]
    fn from_vars_reads_token_and_base_url() {
        let options = ProviderOptions::from_vars(
            "T",
            "B",
            vars(&[("T", "tok"), ("B", "https://api.example/v1")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(options.token().map(|t| t.expose_secret()), Some("tok"));
        assert_eq!(options.base_url(), Some("https://api.example/v1"));
        let options = ProviderOptions::from_vars("T", "B", vars(&[("T", "tok"), ("B", " ")]))
            .unwrap()
            .unwrap();
        assert_eq!(options.base_url(), None);
    }

    #[test]
    fn from_vars_refuses_plain_http_naming_the_variable() {
        let err = ProviderOptions::from_vars(
            "MAESTROQA_API_TOKEN",
            "MAESTROQA_BASE_URL",
            vars(&[
                ("MAESTROQA_API_TOKEN", "tok"),
                ("MAESTROQA_BASE_URL", "http://maestroqa.example/delete"),
            ]),
        )
        .unwrap_err();
        assert!(matches!(err, OptionsError::InsecureBaseUrl(_)), "{err:?}");
        assert!(err.to_string().starts_with("MAESTROQA_BASE_URL: "), "{err}");
        let err = ProviderOptions::from_vars("T", "B", |_| {
            Err(VarError::NotUnicode(std::ffi::OsString::from("x")))
        })
        .unwrap_err();
        assert!(matches!(err, OptionsError::NotUnicode { var } if var == "T"));
    }

    #[test]
    fn from_vars_or_defaults_hands_back_the_refusal() {
        let (options, deferred) = ProviderOptions::from_vars_or_defaults(
            "T",
            "B",
            vars(&[("T", "tok"), ("B", "https://api.example/v1")]),
        );
        assert_eq!(options.token().map(|t| t.expose_secret()), Some("tok"));
        assert!(deferred.is_none());
        let (options, deferred) = ProviderOptions::from_vars_or_defaults("T", "B", vars(&[]));
        assert!(options.token().is_none() && deferred.is_none());
        let (options, deferred) = ProviderOptions::from_vars_or_defaults(
            "T",
            "B",
            vars(&[("T", "tok"), ("B", "http://b.example")]),
        );
        assert!(options.token().is_none() && options.base_url().is_none());
        assert!(matches!(deferred, Some(OptionsError::InsecureBaseUrl(_))));
    }

    #[test]
    fn tokens_must_be_present_and_printable() {
        assert!(matches!(
            check_token(None, "T"),
            Err(OptionsError::MissingToken { var }) if var == "T"
        ));
        let blank = SecretString::from(" \t");
        assert!(matches!(
            check_token(Some(&blank), "T"),
            Err(OptionsError::MissingToken { .. })
        ));
        let broken = SecretString::from("abc\n");
        let err = check_token(Some(&broken), "T").unwrap_err();
        assert!(matches!(err, OptionsError::InvalidToken { .. }));
        assert!(!err.to_string().contains("abc"));
        let good = SecretString::from("abc");
        assert!(check_token(Some(&good), "T").is_ok());
    }

    #[test]
    fn base_urls_must_be_https_except_loopback() {
        assert!(check_base_url("B", "https://api.id5-sync.com").is_ok());
        assert!(check_base_url("B", "http://127.0.0.1:9/x").is_ok());
        assert!(check_base_url("B", "http://[::1]:9/x").is_ok());
        assert!(check_base_url("B", "http://localhost:9/x").is_ok());
        let err = check_base_url("MAESTROQA_BASE_URL", "http://maestroqa.example/d").unwrap_err();
        assert!(err.to_string().starts_with("MAESTROQA_BASE_URL: "), "{err}");
        assert!(check_base_url("B", "not a url").is_err());
    }

    #[test]
    fn setters_set_and_debug_masks() {
        let options = ProviderOptions::new()
            .with_base_url("https://x.example")
            .with_token("t0ps3cr3t".into())
            .with_timeout(Duration::from_secs(5))
            .with_connect_timeout(Duration::from_secs(2))
            .with_retry(RetryPolicy::none())
            .with_max_wait(Duration::from_secs(9))
            .with_user_agent("ua/1");
        assert_eq!(options.base_url(), Some("https://x.example"));
        assert_eq!(options.timeout(), Duration::from_secs(5));
        assert_eq!(options.connect_timeout(), Duration::from_secs(2));
        assert_eq!(options.retry().max_wait, Duration::from_secs(9));
        assert_eq!(options.user_agent(), Some("ua/1"));
        assert!(options.clock().is_none());
        let debug = format!("{options:?}");
        assert!(!debug.contains("t0ps3cr3t"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
    }
}
