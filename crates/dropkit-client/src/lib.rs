//! An async client for California DROP's data broker API: download the consumer deletion
//! lists, upload and amend the `Id,Status` response files, and verify DROP's webhooks.
//!
//! A whole round: download the ZIP (waiting while DROP prepares it), answer every work item
//! of every list, upload the status files and check that DROP accepted each one.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use dropkit_client::{Client, UploadFile, WaitOutcome};
//! use dropkit_files::{DownloadArchive, Status, StatusFile};
//!
//! # async fn round() -> Result<(), Box<dyn std::error::Error>> {
//! // DROP_API_KEY, and DROP_BASE_URL for the sandbox or an emulator.
//! let client = Client::from_env()?;
//!
//! // 1. Download: waits through 202 (Retry-After) and 429, saves under DROP's name.
//! let zip = match client.wait_for_download("drop-data", Duration::from_secs(3600)).await? {
//!     WaitOutcome::Saved(zip) => zip,
//!     WaitOutcome::NoData { message } => {
//!         println!("nothing new: {message}");
//!         return Ok(());
//!     }
//! };
//!
//! // 2. Answer every work item of every list, in status files named after the lists.
//! let mut archive = DownloadArchive::open(&zip.path)?;
//! let mut files = Vec::new();
//! for entry in archive.entries().to_vec() {
//!     let Some(list) = entry.name().list_type() else { continue }; // Removed needs no answer
//!     let Some(rows) = archive.open_list(list)? else { continue };
//!     let mut status_file = StatusFile::create("drop-data", entry.name())?;
//!     for row in rows {
//!         let row = row?;
//!         // ... look `row.hash` up in the broker's records and delete what matches ...
//!         status_file.write(&row.id, Status::NotFound)?;
//!     }
//!     if status_file.rows() > 0 {
//!         files.push(UploadFile::from_path(status_file.finish()?)?);
//!     }
//! }
//!
//! // 3. Upload. A rejected file is listed in the response, never hidden.
//! let response = client.upload(&files).await?; // status-file names only
//! for rejected in response.rejected() {
//!     eprintln!("{} rejected: {}", rejected.file_name, rejected.message);
//! }
//! if !response.all_accepted() {
//!     return Err("DROP rejected some status files".into());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # What the client takes care of
//! - **Environments**: production, the sandbox (a `/sandbox` path prefix) or any API root,
//!   such as the `dropkit-emulator` crate's in-process server ([`Environment`]).
//! - **The key** lives in a [`secrecy::SecretString`], is sent as a sensitive `X-API-KEY`
//!   header, and never appears in `Debug` output, logs or errors.
//! - **TLS only**: the API root must be `https://`; plain http is accepted only to a loopback
//!   address (an emulator, a test), anything else is refused before any request, naming
//!   `DROP_BASE_URL` ([`Error::InsecureBaseUrl`]).
//! - **Retries** ([`RetryPolicy`], shared with the provider clients through `dropkit-http`):
//!   429 waits for `Retry-After` (30 s when absent); 5xx, timeouts and connection failures
//!   back off exponentially with jitter; 400, 401, 403, 404 and 409 are never retried. One
//!   total deadline bounds each request ([`ClientBuilder::max_wait`], six hours by default),
//!   not a count of retries. All waiting goes through a [`Clock`], so tests never wait.
//! - **Nothing but status files leaves**: upload and amend refuse, before any request, a
//!   file not named `<date>_<broker>_<ListType>[_suffix].csv` ([`Error::NotAStatusFile`]).
//! - **Uploads are not idempotent**: a retried upload that meets DROP's duplicate-name
//!   rejection after an attempt that may have been received reports the file as
//!   [already received](UploadResponse::already_received), not as a failure; a retry that
//!   meets "no active download" (409) or "no records outstanding" (403) is
//!   [`Error::UploadOutcomeUnknown`].
//! - **Downloads** are streamed to a temporary file in the target directory, synced, and
//!   renamed only when complete (created `0600` on unix). A 409 on download is
//!   [`Error::DownloadAlreadySent`]: a batch DROP will not send again through the API.
//! - **Connectivity**: [`Client::check_connection`] proves the key with a `HEAD` that
//!   delivers no batch, as DROP's getting-started guide does.
//! - **Audit trail**: every request is logged with `tracing` (endpoint, status, duration,
//!   file names).
//! - **Webhooks**: [`webhooks::WebhookVerifier`] checks DROP's HMAC-SHA256 signature and age.

#![forbid(unsafe_code)]

mod client;
mod config;
mod connection;
mod download;
mod error;
mod retry;
mod upload;
pub mod webhooks;

pub use client::Client;
pub use config::{API_KEY_VAR, BASE_URL_VAR, ClientBuilder, Environment};
pub use connection::ConnectionCheck;
pub use download::{DownloadOutcome, SavedZip, WaitOutcome, ZipDownload};
pub use dropkit_files::ZipFileName;
pub use dropkit_files::wire::{AcceptedFile, RejectedFile, UploadResponse};
pub use dropkit_http::{Clock, InsecureUrl, RetryPolicy, SharedClock, SystemClock, TestClock};
pub use error::{Endpoint, Error};
pub use secrecy::SecretString;
pub use upload::UploadFile;
