//! What every provider client's calls share: which call an error happened in
//! ([`Operation`]), the errors any call can end in ([`CallError`]), and the glue from a
//! client's own status and token-check calls to [`DeletionProvider`](crate::DeletionProvider)'s.

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;

use crate::TokenCheck;
use crate::connection::TransportFailure;
use crate::error::ProviderError;
use crate::receipt::StatusSummary;

/// Which call an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// The deletion request (MaestroQA's `DELETE`, ID5's `POST .../privacy/requests/deletion`).
    Delete,
    /// The status request of a job (`GET {endpoint}/{id}`, `GET .../privacy/requests/{id}`).
    Status,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Delete => "deletion request",
            Operation::Status => "status request",
        })
    }
}

/// The errors every call of a provider client can end in, as the client's own error type
/// names them; [`Connection::send_for`](crate::Connection::send_for) and
/// [`Connection::decode`](crate::Connection::decode) build them.
pub trait CallError: Sized {
    /// The request did not complete on its last attempt (its URL, which may hold the token,
    /// is already left out of `failure`).
    fn transport(operation: Operation, failure: TransportFailure) -> Self;

    /// A 2xx answer that is not the documented JSON: the parser's message, and the body with
    /// the token masked, cut to [`BODY_LIMIT`](crate::BODY_LIMIT) characters.
    fn decode(operation: Operation, reason: String, body: String) -> Self;
}

/// [`DeletionProvider::status`](crate::DeletionProvider::status) from a client's own status
/// call: its answer made into a [`StatusSummary`] by `summary`, its error into a
/// [`ProviderError`].
pub fn status_summary<'a, T, E>(
    status: impl Future<Output = Result<T, E>> + Send + 'a,
    summary: impl FnOnce(&T) -> StatusSummary + Send + 'a,
) -> BoxFuture<'a, Result<StatusSummary, ProviderError>>
where
    E: Into<ProviderError>,
{
    Box::pin(async move { status.await.map(|s| summary(&s)).map_err(Into::into) })
}

/// [`DeletionProvider::check_token`](crate::DeletionProvider::check_token) from a client's
/// own token check: `Ok(())` is [`TokenCheck::Accepted`], an error becomes a
/// [`ProviderError`].
pub fn token_checked<'a, E>(
    check: impl Future<Output = Result<(), E>> + Send + 'a,
) -> BoxFuture<'a, Result<TokenCheck, ProviderError>>
where
    E: Into<ProviderError>,
{
    Box::pin(async move {
        check
            .await
            .map(|()| TokenCheck::Accepted)
            .map_err(Into::into)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, JobState};

    #[test]
    fn operations_read_as_calls() {
        assert_eq!(Operation::Delete.to_string(), "deletion request");
        assert_eq!(Operation::Status.to_string(), "status request");
    }

    #[tokio::test]
    async fn glue_maps_answers_and_errors() {
        let refused = || ProviderError::not_sent("p", ErrorKind::Authentication, "no");
        let done = StatusSummary::without_raw(JobState::Done);
        let ok = status_summary(std::future::ready(Ok::<_, ProviderError>(1)), |_| {
            StatusSummary::without_raw(JobState::Done)
        });
        assert_eq!(ok.await.unwrap(), done);
        let err = status_summary(std::future::ready(Err::<u8, _>(refused())), |_| {
            StatusSummary::without_raw(JobState::Done)
        });
        assert_eq!(err.await.unwrap_err().kind(), ErrorKind::Authentication);
        let accepted = token_checked(std::future::ready(Ok::<(), ProviderError>(())));
        assert_eq!(accepted.await.unwrap(), TokenCheck::Accepted);
        let rejected = token_checked(std::future::ready(Err(refused())));
        assert_eq!(
            rejected.await.unwrap_err().kind(),
            ErrorKind::Authentication
        );
    }
}
