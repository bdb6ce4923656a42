//! The shared shape of service-provider deletion clients: a data broker that deletes a
//! consumer's data after a DROP request must tell its service providers (MaestroQA, ID5, ...) to
//! delete it too.
//!
//! Every provider client implements [`DeletionProvider`]: it takes one consumer's
//! [`DeletionRequest`] (emails, MAIDs, partner user ids: every [`Identifier`] the broker holds),
//! sends what it [accepts](DeletionProvider::accepts) the provider's way (MaestroQA: emails
//! only, five per call; ID5: every kind, one identifier per call) and returns a
//! [`DeletionOutcome`]: a [`Receipt`] with a [`JobId`] for every accepted job, naming the
//! identifiers it covers, and a [`Failure`] for every identifier that was not accepted; a
//! failure for one identifier does not stop the others. [`DeletionProvider::status`] turns a
//! job id into a common [`StatusSummary`]. [`fan_out`] sends one request to every configured
//! provider at once.
//!
//! Then, to the end:
//! - [`confirm_jobs`] follows a provider's jobs with backoff until each is
//!   [completed, failed or still pending](JobOutcome) at a deadline (stalled: poll it again
//!   on a later run);
//! - [`OptOutPolicy`] says, per provider, whether opted-out consumers (DROP status 4) are sent
//!   as deletions (neither MaestroQA nor ID5 has an opt-out call) or skipped;
//! - [`audit_label`] makes the label a deletion carries into a provider's audit log (the DROP
//!   download and work items), within [`AUDIT_LABEL_MAX_CHARS`].
//!
//! [`DeletionProvider::check_token`] checks a provider's token without side effects, where
//! the provider's API allows it ([`check_tokens`] asks every provider at once).
//!
//! The trait returns boxed futures so providers of different types fit one list
//! (`Vec<Arc<dyn DeletionProvider>>`).
//!
//! Provider crates are built alike from shared parts:
//! - [`ProviderOptions`]: base URL, token, timeouts, clock, retry policy, user agent, with
//!   `with_*` setters and [`ProviderOptions::from_env`] (`None` when the token is unset);
//! - [`Connection`]: the checked settings (`https://` base URLs only, except loopback; no
//!   redirects) and [`Connection::send`], which retries 429, 5xx and transport failures until
//!   the one total deadline of `dropkit-http`'s [`RetryPolicy`];
//! - [`ProvidersFromEnv`]: every provider configured in the environment, one line per
//!   provider crate, every misconfigured provider reported;
//! - [`clock`] (the one clock of `dropkit-http`, shared with the DROP client), [`poll`] (waiting
//!   for a job with backoff) and [`testing`] (stand-ins for tests and demos).
//!
//! # Example
//!
//! Fan one consumer's deletion out to two providers and poll the jobs. The
//! [`RecordingProvider`](testing::RecordingProvider)s stand in for `dropkit_maestroqa::Client` and
//! `dropkit_id5::Client`, which fit the same list.
//!
//! ```
//! use std::sync::Arc;
//! use dropkit_provider::testing::RecordingProvider;
//! use dropkit_provider::{fan_out, DeletionProvider, DeletionRequest, JobState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let providers: Vec<Arc<dyn DeletionProvider>> = vec![
//!     Arc::new(RecordingProvider::new("maestroqa")),
//!     Arc::new(RecordingProvider::new("id5").failing_on("old@example.com")),
//! ];
//! let request = DeletionRequest::new(["anna@example.com", "old@example.com"])
//!     .with_audit_label("DROP 20261120 A7kP2xQ9Lm4R");
//!
//! let outcomes = fan_out(&providers, &request).await;
//! assert_eq!(outcomes.len(), 2);
//! for outcome in &outcomes {
//!     for receipt in &outcome.receipts {
//!         println!("{}\t{}\t{}", receipt.provider, receipt.job_id, receipt.status);
//!     }
//!     for failure in &outcome.failures {
//!         eprintln!("{:?}: {} ({})", failure.emails, failure.error, failure.error.kind());
//!     }
//! }
//! assert!(outcomes[0].is_complete());
//! assert_eq!(outcomes[1].failures.len(), 1);
//!
//! let job = &outcomes[0].receipts[0];
//! let status = providers[0].status(&job.job_id).await.unwrap();
//! assert_eq!(status.state, JobState::Done);
//! # }
//! ```

#![forbid(unsafe_code)]

mod audit;
mod call;
pub mod clock;
mod confirm;
mod connection;
mod env;
mod error;
mod identifier;
mod options;
mod policy;
pub mod poll;
mod receipt;
mod redact;
mod request;
mod setters;
pub mod testing;

use std::sync::Arc;

pub use dropkit_http::{InsecureUrl, RetryPolicy};
pub use futures::future::BoxFuture;
pub use secrecy::SecretString;

pub use audit::{AUDIT_LABEL_MAX_CHARS, audit_label};
pub use call::{CallError, Operation, status_summary, token_checked};
pub use confirm::{JobOutcome, confirm_jobs};
pub use connection::{Answer, BODY_LIMIT, Connection, ProviderSpec, TransportFailure};
pub use env::{FromEnv, MisconfiguredProvider, ProvidersEnvError, ProvidersFromEnv};
pub use error::{ErrorKind, NotSent, ProviderError};
pub use identifier::{Identifier, IdentifierKind, UnknownIdentifierKind};
pub use options::{OptionsError, ProviderOptions, var_value};
pub use policy::{OptOutPolicy, UnknownOptOutPolicy};
pub use receipt::{DeletionOutcome, Failure, JobId, JobState, Receipt, StatusSummary};
pub use redact::{MASK, redact, truncate};
pub use request::{DeletionRequest, Jurisdiction, UnknownJurisdiction};

/// A service provider that deletes a consumer's data on request.
///
/// Implementations keep their own typed errors and wrap them in [`ProviderError`] here. They
/// never put a secret (token) in anything they return.
pub trait DeletionProvider: std::fmt::Debug + Send + Sync {
    /// A short lower-case name (`maestroqa`, `id5`), used in receipts, errors and output.
    fn name(&self) -> &str;

    /// Whether the provider's API takes identifiers of `kind`. Identifiers of other kinds in a
    /// [`DeletionRequest`] are ignored: neither sent nor reported as failures, so a caller
    /// tracking what each provider acknowledged counts only the kinds it accepts.
    ///
    /// The default accepts emails only (what every provider took before other identifiers
    /// existed); ID5 accepts every kind.
    fn accepts(&self, kind: IdentifierKind) -> bool {
        kind == IdentifierKind::Email
    }

    /// Sends the deletion of everything in `request` the provider can take (it ignores
    /// identifiers it does not [accept](Self::accepts) and fields it has no use for), going on
    /// after a failure unless the failure [stops sending](ErrorKind::stops_sending).
    fn request_deletion<'a>(
        &'a self,
        request: &'a DeletionRequest,
    ) -> BoxFuture<'a, DeletionOutcome>;

    /// The current status of a job this provider accepted.
    fn status<'a>(
        &'a self,
        job_id: &'a JobId,
    ) -> BoxFuture<'a, Result<StatusSummary, ProviderError>>;

    /// Checks the provider's token with a request that changes nothing (for `dropkit doctor`,
    /// after a key rotation): `Ok(TokenCheck::Accepted)` when the provider took it, an
    /// [`ErrorKind::Authentication`] error when it refused it, another error when the check
    /// could not tell (the provider unreachable, say).
    ///
    /// The default says [`TokenCheck::Unchecked`]: a provider whose API has no call without
    /// side effects must not spend a deletion (or a daily quota) on a check.
    fn check_token(&self) -> BoxFuture<'_, Result<TokenCheck, ProviderError>> {
        Box::pin(std::future::ready(Ok(TokenCheck::Unchecked {
            reason: "this provider has no request without side effects to check a token with"
                .to_owned(),
        })))
    }
}

/// What [`DeletionProvider::check_token`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenCheck {
    /// The provider accepted the token.
    Accepted,
    /// The token was not checked; says why.
    Unchecked {
        /// Why not.
        reason: String,
    },
}

/// A pointer to a provider is the provider: every method forwards to the one it points to.
macro_rules! forward_provider {
    ($($pointer:ident),+) => {$(
        impl<P: DeletionProvider + ?Sized> DeletionProvider for $pointer<P> {
            fn check_token(&self) -> BoxFuture<'_, Result<TokenCheck, ProviderError>> {
                (**self).check_token()
            }

            fn name(&self) -> &str {
                (**self).name()
            }

            fn accepts(&self, kind: IdentifierKind) -> bool {
                (**self).accepts(kind)
            }

            fn request_deletion<'a>(
                &'a self,
                request: &'a DeletionRequest,
            ) -> BoxFuture<'a, DeletionOutcome> {
                (**self).request_deletion(request)
            }

            fn status<'a>(
                &'a self,
                job_id: &'a JobId,
            ) -> BoxFuture<'a, Result<StatusSummary, ProviderError>> {
                (**self).status(job_id)
            }
        }
    )+};
}

forward_provider!(Arc, Box);

/// Sends `request` to every provider concurrently (each keeps its own rate limits) and returns
/// every provider's outcome, failures included, in the order of `providers`: one provider's
/// failure never hides another's (see [`failures`]).
pub async fn fan_out<P>(providers: &[P], request: &DeletionRequest) -> Vec<DeletionOutcome>
where
    P: DeletionProvider,
{
    futures::future::join_all(providers.iter().map(|p| p.request_deletion(request))).await
}

/// Every failure of every outcome, with its provider's name, in order: what to print after a
/// [`fan_out`].
pub fn failures(outcomes: &[DeletionOutcome]) -> impl Iterator<Item = (&str, &Failure)> {
    outcomes
        .iter()
        .flat_map(|o| o.failures.iter().map(move |f| (o.provider.as_str(), f)))
}

/// Checks every provider's token concurrently ([`DeletionProvider::check_token`]); one result
/// per provider, with its name, in the order of `providers`.
pub async fn check_tokens<P>(providers: &[P]) -> Vec<(String, Result<TokenCheck, ProviderError>)>
where
    P: DeletionProvider,
{
    futures::future::join_all(
        providers
            .iter()
            .map(|p| async move { (p.name().to_owned(), p.check_token().await) }),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use testing::RecordingProvider;

    #[tokio::test]
    async fn fan_out_reaches_every_provider_in_order() {
        let a = Arc::new(RecordingProvider::new("a"));
        let b = Arc::new(RecordingProvider::new("b"));
        let providers: Vec<Box<dyn DeletionProvider>> =
            vec![Box::new(a.clone()), Box::new(b.clone())];
        let request = DeletionRequest::new(["x@example.com"]);
        let outcomes = fan_out(&providers, &request).await;
        let names: Vec<_> = outcomes.iter().map(|o| o.provider.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(a.requests(), std::slice::from_ref(&request));
        assert_eq!(b.requests(), [request]);
        assert_eq!(outcomes[1].receipts[0].job_id.as_str(), "b-000001");
    }

    #[tokio::test]
    async fn every_failing_provider_is_reported() {
        let providers: Vec<Arc<dyn DeletionProvider>> = vec![
            Arc::new(RecordingProvider::new("a").failing_on("x@example.com")),
            Arc::new(RecordingProvider::new("b")),
            Arc::new(RecordingProvider::new("c").failing_on("x@example.com")),
        ];
        let request = DeletionRequest::new(["x@example.com", "y@example.com"]);
        let outcomes = fan_out(&providers, &request).await;
        let failed: Vec<_> = failures(&outcomes)
            .map(|(name, f)| (name, f.emails.join(",")))
            .collect();
        assert_eq!(
            failed,
            [
                ("a", "x@example.com".to_owned()),
                ("c", "x@example.com".to_owned())
            ]
        );
    }

    #[tokio::test]
    async fn token_checks_default_to_unchecked_and_reach_every_provider() {
        #[derive(Debug)]
        struct Plain;
        impl DeletionProvider for Plain {
            fn name(&self) -> &str {
                "plain"
            }
            fn request_deletion<'a>(
                &'a self,
                _: &'a DeletionRequest,
            ) -> BoxFuture<'a, DeletionOutcome> {
                Box::pin(std::future::ready(DeletionOutcome::new("plain")))
            }
            fn status<'a>(
                &'a self,
                job_id: &'a JobId,
            ) -> BoxFuture<'a, Result<StatusSummary, ProviderError>> {
                let err = ProviderError::not_sent("plain", ErrorKind::NotFound, job_id.as_str());
                Box::pin(std::future::ready(Err(err)))
            }
        }
        let providers: Vec<Arc<dyn DeletionProvider>> = vec![
            Arc::new(Plain),
            Arc::new(RecordingProvider::new("ok")),
            Arc::new(RecordingProvider::new("old").rejecting_token()),
        ];
        let checks = check_tokens(&providers).await;
        assert!(matches!(&checks[0], (n, Ok(TokenCheck::Unchecked { .. })) if n == "plain"));
        assert!(matches!(&checks[1], (n, Ok(TokenCheck::Accepted)) if n == "ok"));
        assert!(
            matches!(&checks[2], (n, Err(e)) if n == "old" && e.kind() == ErrorKind::Authentication)
        );
    }
}
