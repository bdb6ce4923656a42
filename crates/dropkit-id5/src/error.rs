//! ID5's error schema and the client's errors.

use std::fmt;
use std::time::Duration;

use dropkit_provider::{
    BODY_LIMIT, CallError, ErrorKind, JobId, Operation, OptionsError, ProviderError,
    TransportFailure, redact, truncate,
};
use serde::Deserialize;

use crate::request::RequestError;
use crate::status::JobStatus;

/// An error answer in ID5's schema, `{"error": {"code", "type", "message"}}`, with the token
/// masked wherever ID5 echoed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The call.
    pub operation: Operation,
    /// The HTTP status code.
    pub status: u16,
    /// `code` (`api_token_invalid`, `user_objects_invalid`, ...).
    pub code: String,
    /// `type` (`authentication_error`, `validation_error`, ...).
    pub kind: String,
    /// `message`, from inside `error` or beside it (one documented example puts it there).
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ID5 answered HTTP {} to the {}: {} ({}): {}",
            self.status, self.operation, self.code, self.kind, self.message
        )
    }
}

/// An ID5 client error. Nothing in it holds the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or refused (no token, an API root that is not `https://`); the
    /// message names its variable (`ID5_TOKEN`, `ID5_BASE_URL`).
    #[error("ID5 settings: {0}")]
    Config(#[from] OptionsError),
    /// The builder was given no partner number.
    #[error("no ID5 partner number: set ID5_PARTNER_ID")]
    MissingPartner,
    /// The partner number is not a number.
    #[error("ID5 partner number {value:?} is not a number")]
    InvalidPartner {
        /// The value given.
        value: String,
    },
    /// The request was refused before sending.
    #[error("ID5 deletion request not sent: {0}")]
    Invalid(#[from] RequestError),
    /// `authentication_error`: a missing, wrong or unauthorized token, or a wrong partner number.
    #[error("{0}")]
    Authentication(ApiError),
    /// `validation_error` or `invalid_request_error`: the request itself is refused.
    #[error("{0}")]
    Validation(ApiError),
    /// `rate_limit_error` for one identifier: its one request of the day was made already. Done
    /// for today; other identifiers can still be sent.
    #[error("{error} (the {identifier} already had its request today{})", if *after_lost_answer { "; an earlier attempt whose answer was lost probably reached ID5, its job id is unknown" } else { "" })]
    IdentifierDailyLimit {
        /// Which identifier: `email`, `id5id`, `maid`, `partnerUid`.
        identifier: String,
        /// ID5's answer.
        error: ApiError,
        /// Whether an earlier attempt of the same request failed after it may have reached
        /// ID5 (a 5xx, a lost answer): that attempt was then probably received, and this
        /// refusal is its echo.
        after_lost_answer: bool,
    },
    /// `rate_limit_error` for the partner: the 3,000 requests of the day are spent. Stop
    /// sending until tomorrow.
    #[error("{0} (partner daily limit: stop sending until tomorrow)")]
    PartnerDailyLimit(ApiError),
    /// 404: the job is not known.
    #[error("{0}")]
    NotFound(ApiError),
    /// `api_error` or a 5xx: ID5 failed.
    #[error("{0}")]
    Internal(ApiError),
    /// An error answer outside ID5's schema.
    #[error("ID5 answered HTTP {status} to the {operation}: {body}")]
    Unexpected {
        /// The call.
        operation: Operation,
        /// The HTTP status code.
        status: u16,
        /// The body, token masked, cut to 1,000 characters.
        body: String,
    },
    /// The request did not complete (connection, timeout, TLS) on its last attempt. The URL,
    /// which holds the token, is left out.
    #[error("ID5 {operation} did not complete ({attempts} attempts): {source}")]
    Transport {
        /// The call.
        operation: Operation,
        /// Attempts made.
        attempts: usize,
        /// The HTTP client's error, without its URL.
        #[source]
        source: reqwest::Error,
    },
    /// A 200 answer that is not the documented JSON.
    #[error("ID5's answer to the {operation} is not the documented JSON ({reason}): {body}")]
    Decode {
        /// The call.
        operation: Operation,
        /// The parser's message.
        reason: String,
        /// The body, token masked, cut to 1,000 characters.
        body: String,
    },
    /// [`Client::wait_until_done`](crate::Client::wait_until_done) ran out of time.
    #[error("ID5 job {job_id} is still {last} after waiting {waited:?}")]
    DeadlinePassed {
        /// The job.
        job_id: JobId,
        /// Its last `jobStatus`.
        last: JobStatus,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// Not sent because an earlier request failed in a way every later one would (a rejected
    /// token, the partner's daily limit).
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
            Error::Authentication(_) => ErrorKind::Authentication,
            Error::Invalid(_) | Error::Validation(_) => ErrorKind::Rejected,
            Error::IdentifierDailyLimit { .. } => ErrorKind::IdentifierLimit,
            Error::PartnerDailyLimit(_) => ErrorKind::QuotaExhausted,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Internal(_) | Error::Transport { .. } => ErrorKind::Transient,
            Error::Unexpected { status, .. } => ErrorKind::for_status(*status),
            Error::NotSent { kind, .. } => *kind,
            Error::Config(_) | Error::MissingPartner | Error::InvalidPartner { .. } => {
                ErrorKind::Configuration
            }
            Error::Decode { .. } | Error::DeadlinePassed { .. } => ErrorKind::Other,
        }
    }

    /// ID5's answer, for the variants made from one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Authentication(e)
            | Error::Validation(e)
            | Error::PartnerDailyLimit(e)
            | Error::NotFound(e)
            | Error::Internal(e)
            | Error::IdentifierDailyLimit { error: e, .. } => Some(e),
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

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorObject,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorObject {
    #[serde(default)]
    code: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Turns a non-200 answer into an error, by `type` first, then by HTTP status.
///
/// A rate-limit message "Limit of 1 request daily allowed per email has been reached" names the
/// identifier; "... per partner ..." is the partner's limit. A rate-limit message naming neither
/// is taken as the partner's limit: stopping is the safe reading.
pub(crate) fn classify(operation: Operation, status: u16, body: &str, token: &str) -> Error {
    let Ok(parsed) = serde_json::from_str::<ErrorBody>(body) else {
        return Error::Unexpected {
            operation,
            status,
            body: truncate(&redact(body, token), BODY_LIMIT),
        };
    };
    let message = parsed.error.message.or(parsed.message).unwrap_or_default();
    let code = parsed.error.code.unwrap_or_default();
    let kind = parsed.error.kind.unwrap_or_default();
    // classify on ID5's own words; keep them with the token masked
    let rate_limited_by = (kind == "rate_limit_error" || code == "api_rate_limit_error")
        .then(|| rate_limited_identifier(&message));
    let api = ApiError {
        operation,
        status,
        code: redact(&code, token),
        kind: redact(&kind, token),
        message: truncate(&redact(&message, token), BODY_LIMIT),
    };
    match (rate_limited_by, kind.as_str()) {
        (Some(Some(identifier)), _) => Error::IdentifierDailyLimit {
            identifier,
            error: api,
            after_lost_answer: false,
        },
        (Some(None), _) => Error::PartnerDailyLimit(api),
        (None, "authentication_error") => Error::Authentication(api),
        _ if status == 404 => Error::NotFound(api),
        (None, "api_error") => Error::Internal(api),
        _ if status >= 500 => Error::Internal(api),
        (None, "validation_error" | "invalid_request_error") => Error::Validation(api),
        _ if status == 401 || status == 403 => Error::Authentication(api),
        _ => Error::Validation(api),
    }
}

fn rate_limited_identifier(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("allowed per ")?;
    let identifier: String = message[at + "allowed per ".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!identifier.is_empty() && !identifier.eq_ignore_ascii_case("partner")).then_some(identifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, kind: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": code, "type": kind, "message": message}}).to_string()
    }

    #[test]
    fn message_beside_error_is_read() {
        let text = r#"{"error": {"code": "api_token_invalid", "type": "authentication_error"},
                       "message": "No API token provided"}"#;
        let err = classify(Operation::Delete, 401, text, "tok-123456");
        match err {
            Error::Authentication(api) => {
                assert_eq!(api.code, "api_token_invalid");
                assert_eq!(api.message, "No API token provided");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits_split_identifier_from_partner() {
        for identifier in ["email", "id5id", "maid", "partnerUid"] {
            let message =
                format!("Limit of 1 request daily allowed per {identifier} has been reached");
            let err = classify(
                Operation::Delete,
                403,
                &body("api_rate_limit_error", "rate_limit_error", &message),
                "tok-123456",
            );
            assert!(
                matches!(&err, Error::IdentifierDailyLimit { identifier: i, .. } if i == identifier),
                "{err:?}"
            );
            assert_eq!(err.kind(), ErrorKind::IdentifierLimit);
        }
        let err = classify(
            Operation::Delete,
            403,
            &body(
                "api_rate_limit_error",
                "rate_limit_error",
                "Limit of 3,000 requests daily allowed per partner has been reached",
            ),
            "tok-123456",
        );
        assert!(matches!(err, Error::PartnerDailyLimit(_)), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
        assert!(err.kind().stops_sending());
    }

    #[test]
    fn body_outside_schema_is_unexpected_and_masked() {
        let err = classify(
            Operation::Status,
            502,
            "bad gateway for token=s3cr3t",
            "s3cr3t",
        );
        match &err {
            Error::Unexpected {
                status: 502, body, ..
            } => {
                assert_eq!(body, "bad gateway for token=***");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.kind(), ErrorKind::Transient);
    }
}
