//! The client: one method per DROP operation, each retried and logged.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::{ClientBuilder, endpoint_url};
use crate::download::{
    DownloadOutcome, SavedZip, WaitOutcome, ZipDownload, zip_name_from_disposition,
};
use crate::error::{Endpoint, Error};
use crate::retry::{RetryPolicy, Sleeper};
use crate::upload::{UploadFile, UploadResponse};

/// Wait after a 202 that has no `Retry-After` (DROP's documented example value).
const DEFAULT_PREPARING_WAIT: Duration = Duration::from_secs(60);
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
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    /// The `X-API-KEY` value, marked sensitive.
    pub(crate) key: HeaderValue,
    pub(crate) retry: RetryPolicy,
    pub(crate) sleeper: Arc<dyn Sleeper>,
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
        let (result, _) = self
            .inner
            .retry
            .run(&self.inner.sleeper, endpoint, || self.download_attempt())
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
    /// Time waited is the larger of the wall-clock time and the sum of the waits asked of the
    /// sleeper, so a test sleeper that returns at once still reaches the limit.
    pub async fn wait_for_download(
        &self,
        dir: impl AsRef<Path>,
        max_wait: Duration,
    ) -> Result<WaitOutcome, Error> {
        let started = Instant::now();
        let mut slept = Duration::ZERO;
        loop {
            match self.download_to(dir.as_ref()).await? {
                DownloadOutcome::Ready(saved) => return Ok(WaitOutcome::Saved(saved)),
                DownloadOutcome::NoData { message } => return Ok(WaitOutcome::NoData { message }),
                DownloadOutcome::Preparing { retry_after, .. } => {
                    let waited = started.elapsed().max(slept);
                    if waited + retry_after > max_wait {
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
                    self.inner.sleeper.sleep(retry_after).await;
                    slept += retry_after;
                }
            }
        }
    }

    /// `POST /data/upload`: new status files for the current download.
    ///
    /// `Ok` means DROP accepted at least one file (202) — check
    /// [`UploadResponse::all_accepted`]: rejected files are listed, not hidden. A 400 (no
    /// file accepted) is [`Error::Rejected`], naming each file and DROP's reason.
    ///
    /// If an attempt fails in a way that may have reached DROP (timeout, cut connection,
    /// 5xx) and the retry is then refused because a file of the same name was already
    /// uploaded, that file is reported in [`UploadResponse::already_received`], not as a
    /// failure: DROP has no idempotency key, and the duplicate is the earlier attempt. If
    /// the retry is instead refused because no download is active any more (the earlier
    /// attempt may have completed the batch), the result is
    /// [`Error::UploadOutcomeUnknown`].
    pub async fn upload(&self, files: &[UploadFile]) -> Result<UploadResponse, Error> {
        self.send_files(Endpoint::Upload, files).await
    }

    /// `POST /data/amend`: corrections to status files already uploaded. Same form, results
    /// and retry rules as [`upload`](Self::upload).
    pub async fn amend(&self, files: &[UploadFile]) -> Result<UploadResponse, Error> {
        self.send_files(Endpoint::Amend, files).await
    }

    async fn send_files(
        &self,
        endpoint: Endpoint,
        files: &[UploadFile],
    ) -> Result<UploadResponse, Error> {
        let (result, maybe_received) = self
            .inner
            .retry
            .run(&self.inner.sleeper, endpoint, || {
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
            Err(Error::NoActiveDownload { endpoint, message }) => {
                Err(Error::UploadOutcomeUnknown {
                    endpoint,
                    files: files.iter().map(|f| f.name().to_owned()).collect(),
                    message,
                })
            }
            Err(e) => Err(e),
        }
    }

    fn request(&self, endpoint: Endpoint) -> reqwest::RequestBuilder {
        let url = endpoint_url(&self.inner.base, endpoint.path());
        let builder = match endpoint {
            Endpoint::Download => self.inner.http.get(url),
            Endpoint::Upload | Endpoint::Amend => self.inner.http.post(url),
        };
        builder.header("X-API-KEY", self.inner.key.clone())
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
            form = form.part("files", file.part().await?);
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
    fn check_sent(
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
    async fn error(&self, endpoint: Endpoint, response: reqwest::Response) -> Error {
        let status = response.status();
        let content_type = content_type(response.headers());
        let retry_after = retry_after(response.headers());
        let message = self.message(response, endpoint).await;
        match status.as_u16() {
            400 => Error::BadRequest { endpoint, message },
            401 => Error::Unauthorized { endpoint, message },
            403 if message.to_ascii_lowercase().contains("list") => {
                Error::NoListsSelected { endpoint, message }
            }
            403 => Error::NotEligible { endpoint, message },
            404 => Error::NotFound { endpoint, message },
            409 => match endpoint {
                Endpoint::Download => Error::BatchIncomplete { endpoint, message },
                Endpoint::Upload => Error::NoActiveDownload { endpoint, message },
                Endpoint::Amend => Error::AmendNotAllowed { endpoint, message },
            },
            429 => Error::RateLimited {
                endpoint,
                retry_after,
                message,
            },
            500..=599 => Error::Server {
                endpoint,
                status: status.as_u16(),
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

fn names(files: &[crate::upload::RejectedFile]) -> Vec<&str> {
    files.iter().map(|f| f.file_name.as_str()).collect()
}

fn message_of(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct MessageResponse {
        message: String,
    }
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

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn is_zip(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    matches!(
        essence,
        "application/zip" | "application/x-zip-compressed" | "application/octet-stream"
    )
}

/// `Retry-After` as integer seconds (DROP's form); an HTTP date or garbage counts as absent.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
