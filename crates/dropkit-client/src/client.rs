//! The client: one method per DROP operation, each retried and logged.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dropkit_files::wire::{API_KEY_HEADER, FILES_FIELD, MessageResponse, UploadResponse};
use dropkit_http::{Clock, RetryPolicy, retry_after};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::{ClientBuilder, endpoint_url};
use crate::download::{
    DownloadOutcome, SavedZip, WaitOutcome, ZipDownload, zip_name_from_disposition,
};
use crate::error::{Endpoint, Error};
use crate::retry;
use crate::upload::{UploadFile, check_status_file_names};

/// Wait after a 202 that has no `Retry-After` (DROP's documented example value).
pub(crate) const DEFAULT_PREPARING_WAIT: Duration = Duration::from_secs(60);
/// Error bodies are read up to this many bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Upload responses are read up to this many bytes (one entry per file sent).
const MAX_UPLOAD_RESPONSE: usize = 16 * 1024 * 1024;
/// Messages kept in errors are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 1000;

/// An async client for DROP's data broker API. Cheap to clone; `Debug` never shows the key.
///
/// Every request is logged at `info` with `tracing` (endpoint, status, duration, file names,
/// attempt), which is the audit trail DROP asks integrators to keep; the key never is.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    /// The `X-API-KEY` value, marked sensitive.
    pub(crate) key: HeaderValue,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("api_key", &"***")
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// A builder with production defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client from `DROP_API_KEY` and the optional `DROP_BASE_URL` (the API root).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env().build()
    }

    /// The API root the endpoints are appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// `GET /data/download` once (429, 5xx and connection failures are retried by the
    /// policy): the ZIP with its body still to read, a package in preparation, or no data.
    pub async fn download(&self) -> Result<DownloadOutcome<ZipDownload>, Error> {
        let endpoint = Endpoint::Download;
        let (result, _) = retry::run(&self.inner.retry, &*self.inner.clock, endpoint, || {
            self.download_attempt()
        })
        .await;
        result
    }

    /// [`download`](Self::download), then streams a ready ZIP to `dir` (see
    /// [`ZipDownload::save_in`]: a cut body leaves no file under the ZIP's name).
    pub async fn download_to(
        &self,
        dir: impl AsRef<Path>,
    ) -> Result<DownloadOutcome<SavedZip>, Error> {
        Ok(match self.download().await? {
            DownloadOutcome::Ready(zip) => {
                let started = Instant::now();
                let saved = zip.save_in(dir.as_ref()).await?;
                tracing::info!(
                    endpoint = %Endpoint::Download,
                    file = %saved.file_name,
                    bytes = saved.size,
                    path = %saved.path.display(),
                    duration_ms = started.elapsed().as_millis() as u64,
                    "DROP ZIP saved"
                );
                DownloadOutcome::Ready(saved)
            }
            DownloadOutcome::Preparing {
                retry_after,
                message,
            } => DownloadOutcome::Preparing {
                retry_after,
                message,
            },
            DownloadOutcome::NoData { message } => DownloadOutcome::NoData { message },
        })
    }

    /// Calls [`download_to`](Self::download_to) until the ZIP is saved or DROP has nothing
    /// new, waiting each `Retry-After` while the package is prepared. Gives up with
    /// [`Error::StillPreparing`] rather than start a wait that would end after `max_wait`.
    ///
    /// Time is read on the client's [`Clock`], so a test clock that returns at once still
    /// reaches the limit.
    pub async fn wait_for_download(
        &self,
        dir: impl AsRef<Path>,
        max_wait: Duration,
    ) -> Result<WaitOutcome, Error> {
        let started = self.inner.clock.now();
        loop {
            match self.download_to(dir.as_ref()).await? {
                DownloadOutcome::Ready(saved) => return Ok(WaitOutcome::Saved(saved)),
                DownloadOutcome::NoData { message } => return Ok(WaitOutcome::NoData { message }),
                DownloadOutcome::Preparing { retry_after, .. } => {
                    let waited = self.inner.clock.now().saturating_sub(started);
                    // Saturating: `Retry-After` is the server's number, however large.
                    if waited.saturating_add(retry_after) > max_wait {
                        return Err(Error::StillPreparing {
                            waited,
                            retry_after,
                        });
                    }
                    tracing::info!(
                        endpoint = %Endpoint::Download,
                        retry_after_s = retry_after.as_secs(),
                        "DROP is preparing the package, waiting"
                    );
                    self.inner.clock.sleep(retry_after).await;
                }
            }
        }
    }

    /// `POST /data/upload`: new status files for the current download.
    ///
    /// Every file must be named as a DROP status file (`<date>_<broker>_<ListType>[_suffix].csv`,
    /// not `Removed`); otherwise nothing is sent and the result is
    /// [`Error::NotAStatusFile`].
    ///
    /// `Ok` means DROP accepted at least one file (202) — check
    /// [`UploadResponse::all_accepted`]: rejected files are listed, not hidden. A 400 (no
    /// file accepted) is [`Error::Rejected`], naming each file and DROP's reason.
    ///
    /// If an attempt fails in a way that may have reached DROP (timeout, cut connection,
    /// 5xx) and the retry is then refused because a file of the same name was already
    /// uploaded, that file is reported in [`UploadResponse::already_received`], not as a
    /// failure: DROP has no idempotency key, and the duplicate is the earlier attempt. If
    /// the retry is instead refused because DROP expects no upload any more (409 "no active
    /// download", or 403 "no records outstanding": the earlier attempt may have completed
    /// the batch), the result is [`Error::UploadOutcomeUnknown`].
    pub async fn upload(&self, files: &[UploadFile]) -> Result<UploadResponse, Error> {
        self.send_files(Endpoint::Upload, files).await
    }

    /// `POST /data/amend`: corrections to status files already uploaded. Same form, name
    /// check, results and retry rules as [`upload`](Self::upload).
    pub async fn amend(&self, files: &[UploadFile]) -> Result<UploadResponse, Error> {
        self.send_files(Endpoint::Amend, files).await
    }

    async fn send_files(
        &self,
        endpoint: Endpoint,
        files: &[UploadFile],
    ) -> Result<UploadResponse, Error> {
        check_status_file_names(files)?;
        let (result, maybe_received) =
            retry::run(&self.inner.retry, &*self.inner.clock, endpoint, || {
                self.files_attempt(endpoint, files)
            })
            .await;
        if !maybe_received {
            return result;
        }
        match result {
            Ok(mut response) => {
                response.reclassify_duplicates();
                Ok(response)
            }
            Err(Error::Rejected {
                endpoint,
                mut response,
            }) => {
                response.reclassify_duplicates();
                if response.rejected.is_empty() {
                    tracing::info!(
                        endpoint = %endpoint,
                        files = ?names(&response.already_received),
                        "DROP already had these files from an earlier attempt"
                    );
                    Ok(*response)
                } else {
                    Err(Error::Rejected { endpoint, response })
                }
            }
            // The earlier attempt may have delivered the last outstanding statuses. A 403
            // naming lists on a retry is read the same way: DROP's operations table gives
            // "No selected lists" and "no records outstanding" one row, and the account's
            // list choice does not change between two attempts of one request.
            Err(Error::NoActiveDownload {
                endpoint: Endpoint::Upload,
                status,
                message,
            }) => Err(outcome_unknown(files, status, message)),
            Err(Error::NoListsSelected {
                endpoint: Endpoint::Upload,
                message,
            }) => Err(outcome_unknown(files, 403, message)),
            Err(e) => Err(e),
        }
    }

    fn request(&self, endpoint: Endpoint) -> reqwest::RequestBuilder {
        let method = match endpoint {
            Endpoint::Download => reqwest::Method::GET,
            _ => reqwest::Method::POST,
        };
        self.request_with(method, endpoint)
    }

    /// A request to `endpoint` with `method`, carrying the key.
    pub(crate) fn request_with(
        &self,
        method: reqwest::Method,
        endpoint: Endpoint,
    ) -> reqwest::RequestBuilder {
        let url = endpoint_url(&self.inner.base, endpoint.path());
        self.inner
            .http
            .request(method, url)
            .header(API_KEY_HEADER, self.inner.key.clone())
    }

    async fn download_attempt(&self) -> Result<DownloadOutcome<ZipDownload>, Error> {
        let endpoint = Endpoint::Download;
        let started = Instant::now();
        let sent = self
            .request(endpoint)
            .header(header::ACCEPT, "application/zip, application/json")
            .send()
            .await;
        let response = self.check_sent(endpoint, sent, started, &[])?;
        let status = response.status();
        let content_type = content_type(response.headers());
        match status {
            StatusCode::OK if is_zip(&content_type) => {
                let disposition = response
                    .headers()
                    .get(header::CONTENT_DISPOSITION)
                    .and_then(|v| v.to_str().ok());
                let file_name = zip_name_from_disposition(disposition)?;
                tracing::info!(endpoint = %endpoint, file = %file_name, "DROP ZIP ready");
                Ok(DownloadOutcome::Ready(ZipDownload::new(
                    file_name, response,
                )))
            }
            StatusCode::OK if content_type.contains("json") => {
                let message = self.message(response, endpoint).await;
                Ok(DownloadOutcome::NoData { message })
            }
            StatusCode::ACCEPTED => {
                let retry_after = retry_after(response.headers())
                    .unwrap_or(DEFAULT_PREPARING_WAIT)
                    .max(Duration::from_secs(1));
                let message = self.message(response, endpoint).await;
                Ok(DownloadOutcome::Preparing {
                    retry_after,
                    message,
                })
            }
            _ => Err(self.error(endpoint, response).await),
        }
    }

    async fn files_attempt(
        &self,
        endpoint: Endpoint,
        files: &[UploadFile],
    ) -> Result<UploadResponse, Error> {
        let mut form = reqwest::multipart::Form::new();
        for file in files {
            form = form.part(FILES_FIELD, file.part().await?);
        }
        let file_names: Vec<&str> = files.iter().map(UploadFile::name).collect();
        let started = Instant::now();
        let sent = self
            .request(endpoint)
            .header(header::ACCEPT, "application/json")
            .multipart(form)
            .send()
            .await;
        let response = self.check_sent(endpoint, sent, started, &file_names)?;
        let status = response.status();
        if status != StatusCode::ACCEPTED && status != StatusCode::BAD_REQUEST {
            return Err(self.error(endpoint, response).await);
        }
        let body = read_limited(response, MAX_UPLOAD_RESPONSE, endpoint).await?;
        let parsed = serde_json::from_slice::<UploadResponse>(&body);
        match (status, parsed) {
            (StatusCode::ACCEPTED, Ok(response)) => {
                tracing::info!(
                    endpoint = %endpoint,
                    accepted = ?response.accepted.iter().map(|a| a.file_name.as_str()).collect::<Vec<_>>(),
                    rejected = ?names(&response.rejected),
                    "DROP upload result"
                );
                Ok(response)
            }
            (StatusCode::ACCEPTED, Err(source)) => Err(Error::InvalidResponse {
                endpoint,
                status: status.as_u16(),
                source,
            }),
            (_, Ok(response)) => {
                tracing::info!(
                    endpoint = %endpoint,
                    rejected = ?names(&response.rejected),
                    "DROP rejected the upload"
                );
                Err(Error::Rejected {
                    endpoint,
                    response: Box::new(response),
                })
            }
            (_, Err(_)) => Err(Error::BadRequest {
                endpoint,
                message: self.redact(message_of(&body)),
            }),
        }
    }

    /// Logs the attempt and turns a transport failure into a typed error.
    pub(crate) fn check_sent(
        &self,
        endpoint: Endpoint,
        sent: Result<reqwest::Response, reqwest::Error>,
        started: Instant,
        files: &[&str],
    ) -> Result<reqwest::Response, Error> {
        let duration_ms = started.elapsed().as_millis() as u64;
        match sent {
            Ok(response) => {
                tracing::info!(
                    endpoint = %endpoint,
                    status = response.status().as_u16(),
                    duration_ms,
                    files = ?files,
                    "DROP request"
                );
                Ok(response)
            }
            Err(source) => {
                tracing::warn!(
                    endpoint = %endpoint,
                    duration_ms,
                    files = ?files,
                    error = %source,
                    "DROP request failed"
                );
                Err(if source.is_timeout() {
                    Error::Timeout { endpoint, source }
                } else {
                    Error::Transport { endpoint, source }
                })
            }
        }
    }

    /// The error for a status that is not a success of this endpoint.
    pub(crate) async fn error(&self, endpoint: Endpoint, response: reqwest::Response) -> Error {
        let status = response.status();
        let content_type = content_type(response.headers());
        let retry_after = retry_after(response.headers());
        let message = self.message(response, endpoint).await;
        status_error(
            endpoint,
            status.as_u16(),
            content_type,
            retry_after,
            message,
        )
    }

    /// DROP's `message` from a JSON body, or the body text (a 401 may be `text/plain`).
    async fn message(&self, response: reqwest::Response, endpoint: Endpoint) -> String {
        match read_limited(response, MAX_ERROR_BODY, endpoint).await {
            Ok(body) => self.redact(message_of(&body)),
            Err(e) => format!("(body unreadable: {e})"),
        }
    }

    /// Replaces the API key with `***`, should a server ever echo it.
    fn redact(&self, text: String) -> String {
        match self.inner.key.to_str() {
            Ok(key) if !key.is_empty() && text.contains(key) => text.replace(key, "***"),
            _ => text,
        }
    }
}

/// A retried upload that DROP now refuses as unexpected: see [`Error::UploadOutcomeUnknown`].
fn outcome_unknown(files: &[UploadFile], status: u16, message: String) -> Error {
    tracing::warn!(
        endpoint = %Endpoint::Upload,
        status,
        files = ?files.iter().map(UploadFile::name).collect::<Vec<_>>(),
        "DROP expects no upload after an attempt whose answer was lost: the files were likely received"
    );
    Error::UploadOutcomeUnknown {
        endpoint: Endpoint::Upload,
        files: files.iter().map(|f| f.name().to_owned()).collect(),
        status,
        message,
    }
}

fn names(files: &[dropkit_files::wire::RejectedFile]) -> Vec<&str> {
    files.iter().map(|f| f.file_name.as_str()).collect()
}

/// The error for a status that is not a success of `endpoint`.
fn status_error(
    endpoint: Endpoint,
    status: u16,
    content_type: String,
    retry_after: Option<Duration>,
    message: String,
) -> Error {
    let lower = message.to_ascii_lowercase();
    match status {
        400 => Error::BadRequest { endpoint, message },
        401 => Error::Unauthorized { endpoint, message },
        // "No upload expected as no records outstanding" (DROP's operations table).
        403 if endpoint == Endpoint::Upload
            && (lower.contains("outstanding") || lower.contains("no upload expected")) =>
        {
            Error::NoActiveDownload {
                endpoint,
                status,
                message,
            }
        }
        403 if lower.contains("list") => Error::NoListsSelected { endpoint, message },
        403 => Error::NotEligible { endpoint, message },
        404 => Error::NotFound { endpoint, message },
        409 => match endpoint {
            Endpoint::Upload => Error::NoActiveDownload {
                endpoint,
                status,
                message,
            },
            Endpoint::Amend => Error::AmendNotAllowed { endpoint, message },
            _ => Error::DownloadAlreadySent { message },
        },
        429 => Error::RateLimited {
            endpoint,
            retry_after,
            message,
        },
        500..=599 => Error::Server {
            endpoint,
            status,
            retry_after,
            message,
        },
        other => Error::UnexpectedResponse {
            endpoint,
            status: other,
            content_type,
            message,
        },
    }
}

fn message_of(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<MessageResponse>(body) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    };
    if text.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    endpoint: Endpoint,
) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= limit {
                    return Ok(body);
                }
            }
            Ok(None) => return Ok(body),
            Err(source) => {
                return Err(if source.is_timeout() {
                    Error::Timeout { endpoint, source }
                } else {
                    Error::Transport { endpoint, source }
                });
            }
        }
    }
}

pub(crate) fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

pub(crate) fn is_zip(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    matches!(
        essence,
        "application/zip" | "application/x-zip-compressed" | "application/octet-stream"
    )
}
