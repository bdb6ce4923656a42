//! Everything that can go wrong talking to MaestroQA.

use std::time::Duration;

use dropkit_provider::{
    CallError, ErrorKind, JobId, Operation, OptionsError, ProviderError, TransportFailure,
};

use crate::status::Status;

/// A MaestroQA client error. Server bodies are kept as text (the seed gives no error schema),
/// cut to 1,000 characters, with the API token masked wherever it was echoed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or refused (no token, no endpoint, an endpoint that is not
    /// `https://`); the message names its variable (`MAESTROQA_API_TOKEN`,
    /// `MAESTROQA_BASE_URL`). MaestroQA publishes no endpoint URL: use the data-deletion
    /// endpoint URL MaestroQA gave you.
    #[error("MaestroQA settings: {0}")]
    Config(#[from] OptionsError),
    /// A deletion request takes 1 to 5 emails.
    #[error("a MaestroQA deletion request takes 1 to 5 emails, not {count}")]
    BatchSize {
        /// How many were given.
        count: usize,
    },
    /// An email is empty (or only whitespace).
    #[error("email {position} of the batch is empty")]
    EmptyEmail {
        /// 1-based position in the emails given.
        position: usize,
    },
    /// 401: the API token is wrong or has expired.
    #[error(
        "MaestroQA refused the API token (HTTP 401) on the {operation}: tokens expire every 90 days unless rotation is switched off; make a new one in MaestroQA > Settings > Settings > API Keys and set MAESTROQA_API_TOKEN (server said: {body})"
    )]
    TokenRejected {
        /// The call refused.
        operation: Operation,
        /// The server's body.
        body: String,
    },
    /// 404.
    #[error("MaestroQA answered 404 Not Found to the {operation}: {body}")]
    NotFound {
        /// The call.
        operation: Operation,
        /// The server's body.
        body: String,
    },
    /// Another 4xx (400 bad request, 403 forbidden, ...).
    #[error("MaestroQA refused the {operation} with HTTP {status}: {body}")]
    Refused {
        /// The call.
        operation: Operation,
        /// The HTTP status code.
        status: u16,
        /// The server's body.
        body: String,
    },
    /// 429 came back on every attempt until the retry deadline, despite the client-side
    /// rate limit.
    #[error(
        "MaestroQA answered 429 Too Many Requests to the {operation} {attempts} times in a row, until the retry deadline"
    )]
    RateLimited {
        /// The call.
        operation: Operation,
        /// Attempts made.
        attempts: usize,
    },
    /// 5xx.
    #[error("MaestroQA failed the {operation} with HTTP {status}: {body}")]
    Server {
        /// The call.
        operation: Operation,
        /// The HTTP status code.
        status: u16,
        /// The server's body.
        body: String,
    },
    /// The request did not complete (connection, timeout, TLS), on its last attempt. The URL
    /// is left out.
    #[error("MaestroQA {operation} did not complete ({attempts} attempts): {source}")]
    Transport {
        /// The call.
        operation: Operation,
        /// Attempts made.
        attempts: usize,
        /// The HTTP client's error, without its URL.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx answer that is not the documented JSON.
    #[error("MaestroQA's answer to the {operation} is not the documented JSON ({reason}): {body}")]
    Decode {
        /// The call.
        operation: Operation,
        /// The parser's message.
        reason: String,
        /// The server's body.
        body: String,
    },
    /// The deletion was accepted but `confirmation` was not `true`: the operational-database
    /// deletion is not confirmed.
    #[error("MaestroQA did not confirm the operational deletion (job {job_id})")]
    NotConfirmed {
        /// The deep-deletion job it made anyway.
        job_id: JobId,
    },
    /// [`Client::wait_until_done`](crate::Client::wait_until_done) ran out of time.
    #[error("MaestroQA job {job_id} is still {last} after waiting {waited:?}")]
    DeadlinePassed {
        /// The job.
        job_id: JobId,
        /// Its last status.
        last: Status,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// Not sent because an earlier request of the same run failed in a way every later request
    /// would (a rejected token).
    #[error("not sent: an earlier request failed ({reason})")]
    NotSent {
        /// The kind of the earlier failure.
        kind: ErrorKind,
        /// The earlier failure.
        reason: String,
    },
}

impl Error {
    /// The kind of failure in common terms.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::TokenRejected { .. } => ErrorKind::Authentication,
            Error::NotFound { .. } | Error::Refused { .. } | Error::Server { .. } => self
                .status()
                .map_or(ErrorKind::Other, ErrorKind::for_status),
            Error::BatchSize { .. } | Error::EmptyEmail { .. } => ErrorKind::Rejected,
            Error::RateLimited { .. } | Error::Transport { .. } => ErrorKind::Transient,
            Error::Config(_) => ErrorKind::Configuration,
            Error::NotSent { kind, .. } => *kind,
            Error::Decode { .. } | Error::NotConfirmed { .. } | Error::DeadlinePassed { .. } => {
                ErrorKind::Other
            }
        }
    }

    /// The HTTP status MaestroQA answered with, for the variants made from an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::TokenRejected { .. } => Some(401),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Refused { status, .. } | Error::Server { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl CallError for Error {
    fn transport(operation: Operation, failure: TransportFailure) -> Self {
        Error::Transport {
            operation,
            attempts: failure.attempts,
            source: failure.source,
        }
    }

    fn decode(operation: Operation, reason: String, body: String) -> Self {
        Error::Decode {
            operation,
            reason,
            body,
        }
    }
}

impl From<Error> for ProviderError {
    fn from(err: Error) -> Self {
        ProviderError::new(crate::PROVIDER_NAME, err.kind(), err)
    }
}
