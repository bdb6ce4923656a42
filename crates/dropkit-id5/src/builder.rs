//! Building a [`Client`] from the shared [`ProviderOptions`], plus ID5's own settings
//! (partner number, poll backoff, email form).

use std::time::Duration;

use dropkit_provider::poll::Backoff;
use dropkit_provider::{
    Connection, FromEnv, OptionsError, ProviderOptions, ProviderSpec, var_value,
};

use crate::client::Client;
use crate::error::Error;
use crate::request::EmailForm;

/// ID5's API root.
pub const DEFAULT_BASE_URL: &str = "https://api.id5-sync.com";
/// The environment variable holding the partner number.
pub const PARTNER_ENV: &str = "ID5_PARTNER_ID";
/// The environment variable holding the token.
pub const TOKEN_ENV: &str = "ID5_TOKEN";
/// The environment variable overriding the API root.
pub const BASE_URL_ENV: &str = "ID5_BASE_URL";

/// What the shared parts need to know of ID5.
pub(crate) const SPEC: ProviderSpec = ProviderSpec::new(
    crate::PROVIDER_NAME,
    TOKEN_ENV,
    BASE_URL_ENV,
    concat!("dropkit-id5/", env!("CARGO_PKG_VERSION")),
)
.with_default_base_url(DEFAULT_BASE_URL);

/// Builds a [`Client`]; [`build`](Self::build) checks the settings.
///
/// `Debug` prints the token as `***`.
#[derive(Debug)]
pub struct ClientBuilder {
    options: ProviderOptions,
    pub(crate) partner: Option<String>,
    poll: Backoff,
    email_form: EmailForm,
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

    /// A builder for [`DEFAULT_BASE_URL`] with no partner and no token, [`ProviderOptions`]'
    /// defaults (30 s request and 10 s connect timeouts, 429, 5xx and transport failures
    /// retried until one total deadline per request), polls from 2 s doubling to 5 minutes,
    /// plain-text emails.
    pub fn new() -> Self {
        ClientBuilder::from_options(ProviderOptions::new())
    }

    /// A builder from shared options (their base URL is the API root, [`DEFAULT_BASE_URL`]
    /// when they have none).
    pub fn from_options(options: ProviderOptions) -> Self {
        ClientBuilder {
            options,
            partner: None,
            poll: Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
            email_form: EmailForm::Plain,
            deferred: None,
        }
    }

    /// A builder with the partner from `ID5_PARTNER_ID`, the token from `ID5_TOKEN` and the API
    /// root from `ID5_BASE_URL`, where set and not blank. A refused value (an API root that is
    /// not `https://`) is reported by [`build`](Self::build); see [`Client::from_env`] to tell
    /// an unconfigured provider apart.
    pub fn from_env() -> Self {
        let lookup = |var: &str| std::env::var(var);
        let (options, deferred) =
            ProviderOptions::from_vars_or_defaults(TOKEN_ENV, BASE_URL_ENV, lookup);
        let mut builder = ClientBuilder {
            deferred,
            ..ClientBuilder::from_options(options)
        };
        match var_value(&lookup, PARTNER_ENV) {
            Ok(partner) => builder.partner = partner,
            Err(err) => {
                builder.deferred.get_or_insert(err);
            }
        }
        builder
    }

    /// The API root (tests, proxies); paths `/partners/v1/...` are appended to it. It must be
    /// `https://` (plain `http://` only to a loopback address).
    #[must_use]
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.options(|o| o.with_base_url(url))
    }

    /// The partner number ID5 assigned (173 is ID5's public test partner).
    #[must_use]
    pub fn partner_id(mut self, partner: u64) -> Self {
        self.partner = Some(partner.to_string());
        self
    }

    /// Delays between polls in [`Client::wait_until_done`].
    #[must_use]
    pub fn poll_backoff(mut self, backoff: Backoff) -> Self {
        self.poll = backoff;
        self
    }

    /// How emails are sent when the client builds requests itself (as a
    /// [`DeletionProvider`](dropkit_provider::DeletionProvider)): plain text by default.
    #[must_use]
    pub fn email_form(mut self, form: EmailForm) -> Self {
        self.email_form = form;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::MissingPartner`], [`Error::InvalidPartner`], and [`Error::Config`] (no token,
    /// an API root that is not `https://` except loopback, an HTTP client that cannot be
    /// built), each naming its variable.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(err) = self.deferred {
            return Err(err.into());
        }
        let partner = self.partner.ok_or(Error::MissingPartner)?;
        let partner = partner
            .trim()
            .parse::<u64>()
            .map_err(|_| Error::InvalidPartner { value: partner })?;
        Ok(Client {
            connection: Connection::open(self.options, &SPEC)?,
            partner,
            poll: self.poll,
            email_form: self.email_form,
        })
    }
}

impl Client {
    /// The client configured by `ID5_TOKEN`, `ID5_PARTNER_ID` and `ID5_BASE_URL` (optional),
    /// or `None` when the token is unset or blank (ID5 is not used).
    ///
    /// # Errors
    /// [`Error::MissingPartner`] or [`Error::InvalidPartner`] for a token set without a usable
    /// partner number; [`Error::Config`] for a refused API root.
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
        if ProviderOptions::from_env(TOKEN_ENV, BASE_URL_ENV)?.is_none() {
            return Ok(None);
        }
        let mut builder = ClientBuilder::from_env();
        builder.options = adjust(builder.options);
        builder.build().map(Some)
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

    #[test]
    fn build_checks_settings() {
        let b = || Client::builder().base_url("http://127.0.0.1:1");
        assert!(matches!(
            b().token("t".into()).build(),
            Err(Error::MissingPartner)
        ));
        assert!(matches!(
            b().partner_id(1).build(),
            Err(Error::Config(OptionsError::MissingToken { var })) if var == TOKEN_ENV
        ));
        let mut builder = b().token("t".into());
        builder.partner = Some("17x".into());
        assert!(matches!(
            builder.build(),
            Err(Error::InvalidPartner { value }) if value == "17x"
        ));
    }

    #[test]
    fn base_url_must_be_https_except_loopback() {
        let b = |url: &str| {
            Client::builder()
                .base_url(url)
                .partner_id(1)
                .token("t".into())
                .build()
        };
        for bad in ["ftp://x", "http://api.id5-sync.com", "http://10.0.0.1:80"] {
            match b(bad) {
                Err(Error::Config(err @ OptionsError::InsecureBaseUrl(_))) => {
                    assert!(err.to_string().starts_with("ID5_BASE_URL: "), "{err}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        for good in [
            "https://api.id5-sync.com",
            "http://127.0.0.1:9",
            "http://localhost",
        ] {
            assert!(b(good).is_ok(), "{good}");
        }
        let client = Client::builder()
            .partner_id(1)
            .token("t".into())
            .build()
            .unwrap();
        assert_eq!(client.base_url().as_str(), "https://api.id5-sync.com/");
    }
}
