//! The shared shape of service-provider deletion clients: a data broker that deletes a
//! consumer's data after a DROP request must tell its service providers (MaestroQA, ID5, ...) to
//! delete it too.
//!
//! Every provider client implements [`DeletionProvider`]: it takes one consumer's
//! [`DeletionRequest`], sends it the provider's way (MaestroQA five emails per call, ID5 one
//! email per call) and returns a [`DeletionOutcome`]: a [`Receipt`] with a [`JobId`] for every
//! accepted job and a [`Failure`] for every email that was not accepted; a failure for one email
//! does not stop the others. [`DeletionProvider::status`] turns a job id into a common
//! [`StatusSummary`]. [`fan_out`] sends one request to every configured provider at once.
//!
//! The trait returns boxed futures so providers of different types fit one list
//! (`Vec<Arc<dyn DeletionProvider>>`). The [`clock`] and [`poll`] modules give providers an
//! injectable time source and a backoff loop, and [`testing`] has stand-ins for tests and demos.
//!
//! # Example
//!
//! Fan one consumer's deletion out to two providers and poll the jobs. The
//! [`RecordingProvider`](testing::RecordingProvider)s stand in for `maestroqa::Client` and
//! `id5::Client`, which fit the same list.
//!
//! ```
//! use std::sync::Arc;
//! use drop_provider::testing::RecordingProvider;
//! use drop_provider::{fan_out, DeletionProvider, DeletionRequest, JobState};
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

pub mod clock;
mod error;
pub mod poll;
mod receipt;
mod redact;
mod request;
pub mod testing;

use std::sync::Arc;

pub use futures::future::BoxFuture;

pub use error::{ErrorKind, NotSent, ProviderError};
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

    /// Sends the deletion of everything in `request` the provider can take (it ignores fields it
    /// has no use for), going on after a failure unless the failure
    /// [stops sending](ErrorKind::stops_sending).
    fn request_deletion<'a>(
        &'a self,
        request: &'a DeletionRequest,
    ) -> BoxFuture<'a, DeletionOutcome>;

    /// The current status of a job this provider accepted.
    fn status<'a>(
        &'a self,
        job_id: &'a JobId,
    ) -> BoxFuture<'a, Result<StatusSummary, ProviderError>>;
}

impl<P: DeletionProvider + ?Sized> DeletionProvider for Arc<P> {
    fn name(&self) -> &str {
        (**self).name()
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

impl<P: DeletionProvider + ?Sized> DeletionProvider for Box<P> {
    fn name(&self) -> &str {
        (**self).name()
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

/// Sends `request` to every provider concurrently (each keeps its own rate limits) and returns
/// their outcomes in the order of `providers`.
pub async fn fan_out<P>(providers: &[P], request: &DeletionRequest) -> Vec<DeletionOutcome>
where
    P: DeletionProvider,
{
    futures::future::join_all(providers.iter().map(|p| p.request_deletion(request))).await
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
}
