//! The one error type of the client, with a variant per case DROP documents.

use std::path::PathBuf;
use std::time::Duration;

pub use dropkit_files::wire::Endpoint;
use dropkit_files::wire::UploadResponse;

/// Everything that can go wrong talking to DROP.
///
/// HTTP variants carry the endpoint and DROP's own `message` (from the JSON body, or the raw
/// text when the body is not JSON, as DROP's 401 sometimes is). The API key is never part of
/// any variant: if a server were to echo it, it is replaced by `***` before it gets here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No API key: `DROP_API_KEY` is unset or empty, or the builder got none.
    #[error("no DROP API key: set DROP_API_KEY or pass one to the builder")]
    MissingApiKey,
    /// The API key cannot be sent as an HTTP header (control characters or non-ASCII).
    #[error("the DROP API key contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    /// The base URL is not `https://` (plain http is allowed to a loopback address only, for
    /// an emulator or a test): refused before any request, naming `DROP_BASE_URL`.
    #[error(transparent)]
    InsecureBaseUrl(#[from] dropkit_http::InsecureUrl),
    /// The base URL cannot be used as DROP's API root.
    #[error("invalid DROP base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The HTTP client could not be built (for example the TLS backend failed to load).
    #[error("cannot build the HTTP client")]
    Build(#[source] reqwest::Error),

    /// 400 from upload or amend: no file was accepted. The response lists every rejected
    /// file with DROP's reason.
    #[error("{endpoint}: DROP rejected the upload: {}", rejected_summary(response))]
    Rejected {
        /// Upload or amend.
        endpoint: Endpoint,
        /// DROP's response, `rejected` naming each file and why.
        response: Box<UploadResponse>,
    },
    /// 400 whose body is not an upload response: the request itself was malformed.
    #[error("{endpoint}: bad request (400): {message}")]
    BadRequest {
        /// The operation.
        endpoint: Endpoint,
        /// DROP's message.
        message: String,
    },
    /// 401: the API key is missing or invalid. Fix or regenerate it; never retried.
    #[error("{endpoint}: DROP refused the API key (401): {message}")]
    Unauthorized {
        /// The operation.
        endpoint: Endpoint,
        /// DROP's message (its body may be `text/plain`).
        message: String,
    },
    /// 403: the account is not eligible (registration, payment or access issue).
    #[error("{endpoint}: the account is not eligible (403): {message}")]
    NotEligible {
        /// The operation.
        endpoint: Endpoint,
        /// DROP's message.
        message: String,
    },
    /// 403: no consumer deletion list is selected for the account.
    ///
    /// DROP gives its 403 cases the same status; they are told apart by the message
    /// mentioning lists (`No identifier list preferences are enabled…`).
    #[error("{endpoint}: no deletion list is selected (403): {message}")]
    NoListsSelected {
        /// The operation.
        endpoint: Endpoint,
        /// DROP's message.
        message: String,
    },
    /// 404: the endpoint was not found; the base URL is probably wrong.
    #[error("{endpoint}: not found (404), check the base URL: {message}")]
    NotFound {
        /// The operation.
        endpoint: Endpoint,
        /// DROP's message.
        message: String,
    },
    /// 409 on download: DROP already sent a batch that is not complete yet ("Complete the
    /// current batch or contact DROP support if a re-download is needed").
    ///
    /// Either status files are still outstanding for a ZIP that was saved, or the ZIP was
    /// sent but never saved (the process died, or the answer was lost, while it was on its
    /// way): DROP will not send it again through the API. The way out then is to download the
    /// batch from the DROP portal by hand and hand that ZIP to the round.
    #[error(
        "{}: DROP already sent a batch that is not complete (409): {message}. If that ZIP was never saved, download the batch from the DROP portal by hand",
        Endpoint::Download
    )]
    DownloadAlreadySent {
        /// DROP's message.
        message: String,
    },
    /// Upload refused because DROP expects no upload: 409 "No active download is waiting for
    /// responses", or 403 "No upload expected as no records outstanding" (DROP's operations
    /// table). Download a new ZIP first.
    #[error("{endpoint}: no active download is waiting for responses ({status}): {message}")]
    NoActiveDownload {
        /// Always [`Endpoint::Upload`].
        endpoint: Endpoint,
        /// 409, or 403 for "no records outstanding".
        status: u16,
        /// DROP's message.
        message: String,
    },
    /// "No active download" (409) or "no records outstanding" (403) on a **retry** of an
    /// upload whose earlier attempt may have reached DROP (its response was lost, timed out
    /// or was a 5xx).
    ///
    /// The likeliest story is that the earlier attempt delivered the last outstanding
    /// statuses and so completed the batch: the files were already received. DROP offers no
    /// way to confirm it (its upload confirmation, by email or the `upload.received` webhook,
    /// does), so it is neither a plain success nor a plain refusal and has a variant of its
    /// own.
    #[error(
        "{endpoint}: outcome unknown: an earlier attempt's answer was lost and DROP now expects no upload ({status}), as after a completed batch; check DROP's upload confirmation ({message})"
    )]
    UploadOutcomeUnknown {
        /// Always [`Endpoint::Upload`].
        endpoint: Endpoint,
        /// The files of the request.
        files: Vec<String>,
        /// DROP's status: 409, or 403.
        status: u16,
        /// DROP's message.
        message: String,
    },
    /// 409 on amend: the amendment cannot be processed in the current state.
    #[error("{endpoint}: the amendment cannot be processed now (409): {message}")]
    AmendNotAllowed {
        /// Always [`Endpoint::Amend`].
        endpoint: Endpoint,
        /// DROP's message.
        message: String,
    },
    /// 429 still answered when the retry deadline was reached.
    #[error("{endpoint}: too many requests (429), retries exhausted: {message}")]
    RateLimited {
        /// The operation.
        endpoint: Endpoint,
        /// The last `Retry-After`, when DROP sent one.
        retry_after: Option<Duration>,
        /// DROP's message.
        message: String,
    },
    /// 5xx still answered when the retry deadline was reached.
    #[error("{endpoint}: DROP server error ({status}), retries exhausted: {message}")]
    Server {
        /// The operation.
        endpoint: Endpoint,
        /// The HTTP status, 500 to 599.
        status: u16,
        /// The `Retry-After` DROP sent with it (a 503 may carry one).
        retry_after: Option<Duration>,
        /// DROP's message.
        message: String,
    },
    /// A status or content type the spec does not document for this operation.
    #[error("{endpoint}: unexpected response {status} ({content_type}): {message}")]
    UnexpectedResponse {
        /// The operation.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// The Content-Type header, empty when absent.
        content_type: String,
        /// The start of the body.
        message: String,
    },
    /// A JSON body that does not have the documented shape.
    #[error("{endpoint}: cannot read DROP's {status} response")]
    InvalidResponse {
        /// The operation.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The ZIP's file name (from `Content-Disposition`) is missing or not a DROP ZIP name.
    #[error("{endpoint}: DROP sent no usable ZIP file name ({reason})")]
    InvalidZipName {
        /// Always [`Endpoint::Download`].
        endpoint: Endpoint,
        /// What was wrong, with the offending value.
        reason: String,
    },
    /// A file given to upload or amend is not named as a DROP status file
    /// (`<date>_<broker>_<ListType>[_suffix].csv`, not `Removed`): refused before any
    /// request, so no other file (such as `matches.csv`, which holds the broker's own
    /// customer keys) can ever leave.
    #[error("refusing to send {name:?}: not a DROP status file name ({reason})")]
    NotAStatusFile {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file given to upload or amend has a name that cannot be sent.
    #[error("cannot upload {name:?}: {reason}")]
    InvalidUploadName {
        /// The name as given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The request timed out (connect or read), when the retry deadline was reached.
    #[error("{endpoint}: timed out")]
    Timeout {
        /// The operation.
        endpoint: Endpoint,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
    /// The connection failed or was cut, when the retry deadline was reached.
    #[error("{endpoint}: connection failed")]
    Transport {
        /// The operation.
        endpoint: Endpoint,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
    /// The body ended before the length DROP announced.
    #[error("{endpoint}: the body was cut after {received} of {expected} bytes")]
    IncompleteBody {
        /// The operation.
        endpoint: Endpoint,
        /// The announced `Content-Length`.
        expected: u64,
        /// The bytes received.
        received: u64,
    },
    /// [`Client::wait_for_download`](crate::Client::wait_for_download) ran out of time while
    /// DROP was still preparing the package.
    #[error("the download package was still being prepared after {waited:?}")]
    StillPreparing {
        /// How long the client waited.
        waited: Duration,
        /// DROP's last `Retry-After`.
        retry_after: Duration,
    },
    /// Reading a file to upload, or writing the downloaded ZIP, failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the retry policy may try the request again after this error.
    ///
    /// Only 429, 500, 503 (and other 5xx), timeouts and transport errors are; 400, 401, 403,
    /// 404 and 409 never are (DROP's retry table).
    pub fn is_retryable(&self) -> bool {
        self.verdict() != dropkit_http::Verdict::Fail
    }

    /// Whether the request may have reached DROP and been acted on although no answer came
    /// back: the state in which a retried upload can meet its own first copy.
    pub(crate) fn may_have_been_received(&self) -> bool {
        matches!(
            self,
            Error::Server { .. } | Error::Timeout { .. } | Error::Transport { .. }
        )
    }

    /// The operation the error happened on, when it happened talking to DROP.
    pub fn endpoint(&self) -> Option<Endpoint> {
        match self {
            Error::Rejected { endpoint, .. }
            | Error::BadRequest { endpoint, .. }
            | Error::Unauthorized { endpoint, .. }
            | Error::NotEligible { endpoint, .. }
            | Error::NoListsSelected { endpoint, .. }
            | Error::NotFound { endpoint, .. }
            | Error::NoActiveDownload { endpoint, .. }
            | Error::AmendNotAllowed { endpoint, .. }
            | Error::UploadOutcomeUnknown { endpoint, .. }
            | Error::RateLimited { endpoint, .. }
            | Error::Server { endpoint, .. }
            | Error::UnexpectedResponse { endpoint, .. }
            | Error::InvalidResponse { endpoint, .. }
            | Error::InvalidZipName { endpoint, .. }
            | Error::Timeout { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::IncompleteBody { endpoint, .. } => Some(*endpoint),
            Error::DownloadAlreadySent { .. } => Some(Endpoint::Download),
            _ => None,
        }
    }

    /// The HTTP status DROP answered with, when the error is an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Rejected { .. } | Error::BadRequest { .. } => Some(400),
            Error::Unauthorized { .. } => Some(401),
            Error::NotEligible { .. } | Error::NoListsSelected { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::DownloadAlreadySent { .. } | Error::AmendNotAllowed { .. } => Some(409),
            Error::NoActiveDownload { status, .. } | Error::UploadOutcomeUnknown { status, .. } => {
                Some(*status)
            }
            Error::RateLimited { .. } => Some(429),
            Error::Server { status, .. }
            | Error::UnexpectedResponse { status, .. }
            | Error::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn rejected_summary(response: &UploadResponse) -> String {
    if response.rejected.is_empty() {
        return response.message_text().to_owned();
    }
    let files: Vec<String> = response
        .rejected
        .iter()
        .map(|r| format!("{}: {}", r.file_name, r.message))
        .collect();
    files.join("; ")
}
