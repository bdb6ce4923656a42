//! Every provider configured in the environment, in one call: one line per provider crate,
//! and every misconfigured provider reported, not only the first.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::DeletionProvider;
use crate::options::ProviderOptions;

/// A provider client that can be made from environment variables.
pub trait FromEnv: DeletionProvider + Sized + 'static {
    /// The provider's name (`maestroqa`, `id5`), for errors.
    const NAME: &'static str;

    /// The client's error.
    type Error: StdError + Send + Sync + 'static;

    /// The client configured by its environment variables, its shared options passed through
    /// `adjust` first (a retry deadline from the command line, say); `None` when its token
    /// variable is unset or blank (the provider is not used).
    ///
    /// # Errors
    /// A setting that is present but unusable (a base URL that is not `https://`, a missing
    /// partner number, ...), naming its variable.
    fn from_env_with(
        adjust: &dyn Fn(ProviderOptions) -> ProviderOptions,
    ) -> Result<Option<Self>, Self::Error>;
}

/// One provider whose settings were refused.
#[derive(Debug)]
#[non_exhaustive]
pub struct MisconfiguredProvider {
    /// The provider's name.
    pub provider: &'static str,
    /// Why.
    pub error: Box<dyn StdError + Send + Sync + 'static>,
}

/// Every provider whose settings were refused by [`ProvidersFromEnv::finish`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct ProvidersEnvError {
    /// The providers, in the order they were added.
    pub failures: Vec<MisconfiguredProvider>,
}

impl fmt::Display for ProvidersEnvError {
    /// `maestroqa: ...`, one provider a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {}", failure.provider, failure.error)?;
        }
        Ok(())
    }
}

/// Collects the providers configured in the environment.
///
/// ```no_run
/// # fn doc() -> Result<(), dropkit_provider::ProvidersEnvError> {
/// # use dropkit_provider::ProvidersFromEnv;
/// // in the CLI: one line per provider crate
/// let providers = ProvidersFromEnv::new()
///     .adjusting(|options| options.with_max_wait(std::time::Duration::from_secs(3600)))
///     // .with::<dropkit_maestroqa::Client>()
///     // .with::<dropkit_id5::Client>()
///     .finish()?;
/// # Ok(()) }
/// ```
pub struct ProvidersFromEnv {
    providers: Vec<Arc<dyn DeletionProvider>>,
    failures: Vec<MisconfiguredProvider>,
    adjust: Box<dyn Fn(ProviderOptions) -> ProviderOptions>,
}

impl fmt::Debug for ProvidersFromEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvidersFromEnv")
            .field("providers", &self.providers)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl Default for ProvidersFromEnv {
    fn default() -> Self {
        ProvidersFromEnv::new()
    }
}

impl ProvidersFromEnv {
    /// No providers yet.
    pub fn new() -> Self {
        ProvidersFromEnv {
            providers: Vec::new(),
            failures: Vec::new(),
            adjust: Box::new(|options| options),
        }
    }

    /// Passes the shared options of every provider added after this through `adjust` (a
    /// retry deadline from the command line: `|o| o.with_max_wait(max_wait)`).
    #[must_use]
    pub fn adjusting(
        mut self,
        adjust: impl Fn(ProviderOptions) -> ProviderOptions + 'static,
    ) -> Self {
        self.adjust = Box::new(adjust);
        self
    }

    /// Adds provider `P` when its environment configures it; keeps its error otherwise.
    #[must_use]
    pub fn with<P: FromEnv>(self) -> Self {
        let result = P::from_env_with(&*self.adjust);
        self.with_result(P::NAME, result)
    }

    /// Adds the outcome of a constructor that is not a [`FromEnv`] (a stand-in, a provider
    /// with settings of its own).
    #[must_use]
    pub fn with_result<P, E>(mut self, provider: &'static str, result: Result<Option<P>, E>) -> Self
    where
        P: DeletionProvider + 'static,
        E: StdError + Send + Sync + 'static,
    {
        match result {
            Ok(Some(client)) => self.providers.push(Arc::new(client)),
            Ok(None) => {}
            Err(error) => self.failures.push(MisconfiguredProvider {
                provider,
                error: Box::new(error),
            }),
        }
        self
    }

    /// The configured providers, in the order they were added; none when no token is set.
    ///
    /// # Errors
    /// [`ProvidersEnvError`] naming every misconfigured provider, when there is one.
    pub fn finish(self) -> Result<Vec<Arc<dyn DeletionProvider>>, ProvidersEnvError> {
        if self.failures.is_empty() {
            Ok(self.providers)
        } else {
            Err(ProvidersEnvError {
                failures: self.failures,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::RecordingProvider;

    #[derive(Debug, thiserror::Error)]
    #[error("{0} is refused")]
    struct Refused(&'static str);

    #[test]
    fn collects_configured_and_reports_every_failure() {
        let none: Result<Option<RecordingProvider>, Refused> = Ok(None);
        let providers = ProvidersFromEnv::new()
            .with_result("a", Ok::<_, Refused>(Some(RecordingProvider::new("a"))))
            .with_result("b", none)
            .finish()
            .unwrap();
        let names: Vec<_> = providers.iter().map(|p| p.name().to_owned()).collect();
        assert_eq!(names, ["a"]);

        let err = ProvidersFromEnv::new()
            .with_result(
                "a",
                Err::<Option<RecordingProvider>, _>(Refused("A_BASE_URL")),
            )
            .with_result("b", Ok::<_, Refused>(Some(RecordingProvider::new("b"))))
            .with_result("c", Err::<Option<RecordingProvider>, _>(Refused("C_TOKEN")))
            .finish()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a: A_BASE_URL is refused\nc: C_TOKEN is refused"
        );
    }
}
