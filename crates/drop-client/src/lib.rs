//! An async client for California DROP's data broker API: download the consumer deletion
//! lists, upload and amend the `Id,Status` response files, and verify DROP's webhooks.
//!
//! A whole round: download the ZIP (waiting while DROP prepares it), answer every work item
//! of every list, upload the status files and check that DROP accepted each one.
//!
//! ```no_run
//! use std::time::Duration;
//! use drop_client::{Client, UploadFile, WaitOutcome};
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
//!     _ => return Ok(()),
//! };
//! println!("saved {} ({} bytes)", zip.path.display(), zip.size);
//!
//! // 2. Write one status file per list (here: every work item "5", not found).
//! let name = "20260312_4821_Email.csv"; // a list file of the ZIP
//! let statuses = "Id,Status\nA7kP2xQ9Lm4R,5\n";
//! std::fs::write(format!("drop-data/{name}"), statuses)?;
//!
//! // 3. Upload, and refuse to call it done while any file is rejected.
//! let response = client
//!     .upload(&[UploadFile::from_path(format!("drop-data/{name}"))?])
//!     .await?;
//! for rejected in response.rejected() {
//!     eprintln!("{} rejected: {}", rejected.file_name, rejected.message);
//! }
//! assert!(response.all_accepted());
//! # Ok(())
//! # }
//! ```
//!
//! # What the client takes care of
//! - **Environments**: production, the sandbox (a `/sandbox` path prefix) or any API root,
//!   such as the `drop-emulator` crate's in-process server ([`Environment`]).
//! - **The key** lives in a [`secrecy::SecretString`], is sent as a sensitive `X-API-KEY`
//!   header, and never appears in `Debug` output, logs or errors.
//! - **Retries** ([`RetryPolicy`]): 429 waits for `Retry-After` (30 s when absent); 5xx,
//!   timeouts and connection failures back off exponentially with jitter; 400, 401, 403, 404
//!   and 409 are never retried. All waiting goes through a [`Sleeper`], so tests never wait.
//! - **Uploads are not idempotent**: a retried upload that meets DROP's duplicate-name
//!   rejection after an attempt that may have been received reports the file as
//!   [already received](UploadResponse::already_received), not as a failure.
//! - **Downloads** are streamed to a temporary file and renamed only when complete.
//! - **Audit trail**: every request is logged with `tracing` (endpoint, status, duration,
//!   file names).
//! - **Webhooks**: [`webhooks::WebhookVerifier`] checks DROP's HMAC-SHA256 signature and age.

#![forbid(unsafe_code)]

mod client;
mod config;
mod download;
mod error;
mod retry;
mod upload;
pub mod webhooks;

pub use client::Client;
pub use config::{API_KEY_VAR, BASE_URL_VAR, ClientBuilder, Environment};
pub use download::{DownloadOutcome, SavedZip, WaitOutcome, ZipDownload};
pub use drop_files::ZipFileName;
pub use error::{Endpoint, Error};
pub use retry::{RecordingSleeper, RetryPolicy, Sleeper, TokioSleeper};
pub use secrecy::SecretString;
pub use upload::{AcceptedFile, RejectedFile, UploadFile, UploadResponse};
