//! The common error wrapper: which provider failed, what kind of failure, and the provider's own
//! error as the source.

use std::error::Error as StdError;
use std::fmt;

/// What kind of failure a provider reported, which says what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The provider refused the credentials (wrong, expired or rotated token): fix the
    /// configuration; nothing will go through until then.
    Authentication,
    /// The provider refused the request itself (a bad identifier, a missing field), or the client
    /// refused it before sending: resending it unchanged fails again.
    Rejected,
    /// This identifier already had its request for the day: done for today, other identifiers
    /// can still be sent.
    IdentifierLimit,
    /// The account's quota is spent (a daily partner limit): stop sending to this provider.
    QuotaExhausted,
    /// The provider does not know the job or the resource.
    NotFound,
    /// A network failure, timeout, server error or a rate limit that outlasted the retries:
    /// the same request may succeed later.
    Transient,
    /// The client's own settings are missing or unusable (no token, a base URL that is not
    /// `https://`): fix the configuration; nothing was sent.
    Configuration,
    /// Anything else: an answer that could not be understood, a wait that passed its deadline.
    Other,
}

impl ErrorKind {
    /// Lower-case name with hyphens: `authentication`, `quota-exhausted`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Authentication => "authentication",
            ErrorKind::Rejected => "rejected",
            ErrorKind::IdentifierLimit => "identifier-limit",
            ErrorKind::QuotaExhausted => "quota-exhausted",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Transient => "transient",
            ErrorKind::Configuration => "configuration",
            ErrorKind::Other => "other",
        }
    }

    /// The kind of an HTTP error status that a provider's own error schema does not explain:
    /// 401 and 403 [`Authentication`](Self::Authentication), 404
    /// [`NotFound`](Self::NotFound), 408, 429 and 5xx [`Transient`](Self::Transient), any
    /// other 4xx [`Rejected`](Self::Rejected), anything else [`Other`](Self::Other).
    ///
    /// ```
    /// use dropkit_provider::ErrorKind;
    /// assert_eq!(ErrorKind::for_status(401), ErrorKind::Authentication);
    /// assert_eq!(ErrorKind::for_status(503), ErrorKind::Transient);
    /// assert_eq!(ErrorKind::for_status(400), ErrorKind::Rejected);
    /// ```
    pub const fn for_status(status: u16) -> Self {
        match status {
            401 | 403 => ErrorKind::Authentication,
            404 => ErrorKind::NotFound,
            408 | 429 | 500..=599 => ErrorKind::Transient,
            400..=499 => ErrorKind::Rejected,
            _ => ErrorKind::Other,
        }
    }

    /// Whether requests after this failure are bound to fail too, so a provider should stop
    /// sending the rest of a request ([`Authentication`](Self::Authentication),
    /// [`QuotaExhausted`](Self::QuotaExhausted) and [`Configuration`](Self::Configuration)).
    pub const fn stops_sending(self) -> bool {
        matches!(
            self,
            ErrorKind::Authentication | ErrorKind::QuotaExhausted | ErrorKind::Configuration
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider's error in common terms; the provider's own typed error is the
/// [`source`](std::error::Error::source) (downcast it for the details).
///
/// It never holds a secret: providers redact their tokens before building one.
#[derive(Debug, thiserror::Error)]
#[error("{provider}: {source}")]
pub struct ProviderError {
    provider: String,
    kind: ErrorKind,
    #[source]
    source: Box<dyn StdError + Send + Sync + 'static>,
}

/// The source of an error made by [`ProviderError::not_sent`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("not sent: {reason}")]
#[non_exhaustive]
pub struct NotSent {
    /// Why the request was not sent.
    pub reason: String,
}

impl ProviderError {
    /// Wraps a provider's error.
    pub fn new(
        provider: impl Into<String>,
        kind: ErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        ProviderError {
            provider: provider.into(),
            kind,
            source: source.into(),
        }
    }

    /// An error for a request that was never sent (refused by the client, or skipped after an
    /// earlier failure that [stops sending](ErrorKind::stops_sending)).
    pub fn not_sent(
        provider: impl Into<String>,
        kind: ErrorKind,
        reason: impl Into<String>,
    ) -> Self {
        ProviderError::new(
            provider,
            kind,
            NotSent {
                reason: reason.into(),
            },
        )
    }

    /// The provider's name.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The provider's own error, to downcast (`err.inner().downcast_ref::<dropkit_maestroqa::Error>()`).
    pub fn inner(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_provider_and_source() {
        let err =
            ProviderError::not_sent("id5", ErrorKind::QuotaExhausted, "partner limit reached");
        assert_eq!(err.to_string(), "id5: not sent: partner limit reached");
        assert_eq!(err.provider(), "id5");
        assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
        assert!(err.inner().downcast_ref::<NotSent>().is_some());
        assert!(err.kind().stops_sending());
        assert!(!ErrorKind::IdentifierLimit.stops_sending());
    }
}
