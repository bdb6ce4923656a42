//! A client for ID5's privacy-request (DSAR) data-deletion API: a data broker that deletes a
//! consumer after a California DROP request tells ID5 to delete the consumer's data too.
//!
//! - [`DeletionRequest::builder`] takes a [`Jurisdiction`] and at least one identifier:
//!   an [`Email`] (plain text, or its SHA-256), an ID5 ID (`ID5*`/`ID5-`), a MAID (GAID or
//!   IDFA in UUID form) or the partner's user id; `build()` refuses a request with no
//!   identifier or a malformed one before anything is sent.
//! - [`Client::request_deletion`] posts it and returns the job id; [`Client::status`] returns
//!   its [`JobStatus`] and [`ProcessingResult`] (unknown values kept);
//!   [`Client::wait_until_done`] polls with backoff up to a deadline.
//! - ID5's error schema maps to [`Error`] variants that keep `code`, `type` and `message`;
//!   the two rate limits differ: [`Error::IdentifierDailyLimit`] (this identifier is done for
//!   today) and [`Error::PartnerDailyLimit`] (the partner's 3,000 a day are spent: stop).
//! - The token rides in the query string, so the client never logs a URL, strips URLs from
//!   transport errors, masks the token wherever ID5 echoes it (its 403 message does), and
//!   prints `***` in `Debug`.
//! - [`Client`] implements [`dropkit_provider::DeletionProvider`]: it accepts every identifier
//!   kind of a shared [`dropkit_provider::DeletionRequest`] (emails, MAIDs, partner user ids as
//!   `partnerUid`) and sends one request per identifier, each receipt naming its identifier;
//!   a MAID is sent in the UUID text form ID5 asks for (DROP's 32-hex-digit form is rewritten
//!   with hyphens). [`dropkit_provider::confirm_jobs`] follows the jobs to the end: `CREATED` and
//!   `STARTED` are pending; `DONE`, `SENT` and `SEND_FAILED` completed; `FAILED` and
//!   `CANCELLED` failed ([`JobStatus::state`]).
//! - The client is built from the shared
//!   [`ProviderOptions`](dropkit_provider::ProviderOptions) ([`ClientBuilder::from_options`]);
//!   [`Client::from_env`] reads `ID5_TOKEN`, `ID5_PARTNER_ID` and `ID5_BASE_URL` and is `None`
//!   when the token is unset. The API root must be `https://` (plain `http://` only to a
//!   loopback address); anything else is refused before any request, naming the variable.
//! - A 429, a 5xx or a transport failure is retried (after `Retry-After`, else a backoff)
//!   until one total deadline per request: `dropkit-http`'s
//!   [`RetryPolicy`](dropkit_provider::RetryPolicy), shared with the DROP client.
//! - [`Client::check_token`] checks the token with a status request for a job that cannot
//!   exist: it changes nothing and spends no deletion quota (`dropkit doctor`).
//!
//! The client's own `request_deletion` and `status` take this crate's types; the trait's
//! methods of the same names are reached through `dyn DeletionProvider` (or
//! `DeletionProvider::request_deletion(&client, &request)`), as the DROP cycle does.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use dropkit_id5::{Client, DeletionRequest, Email, Error, Jurisdiction, JobStatus};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! let client = Client::builder()
//!     .partner_id(173) // ID5's public test partner
//!     .token(std::env::var("ID5_TOKEN").unwrap_or_default().into())
//!     .build()?;
//!
//! let request = DeletionRequest::builder(Jurisdiction::Ccpa)
//!     .email(Email::plain("joe.consumer@example.com"))
//!     .maid("580d2b4c-29a5-7a7b-85dc-44132c023ac8")
//!     .build()?; // refuses a request without identifier or with a bad MAID
//!
//! match client.request_deletion(&request).await {
//!     Ok(receipt) => {
//!         let report = client
//!             .wait_until_done(&receipt.id, Duration::from_secs(3600))
//!             .await?;
//!         assert!(matches!(report.job_status, JobStatus::Done | JobStatus::Sent));
//!         println!("{}: {}", receipt.id, report.summary());
//!     }
//!     Err(Error::IdentifierDailyLimit { identifier, .. }) => {
//!         println!("this {identifier} already had its request today");
//!     }
//!     Err(err @ Error::PartnerDailyLimit(_)) => return Err(err), // stop for today
//!     Err(err) => return Err(err),
//! }
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod builder;
mod client;
mod error;
mod provider;
mod request;
mod status;

pub use builder::{BASE_URL_ENV, ClientBuilder, DEFAULT_BASE_URL, PARTNER_ENV, TOKEN_ENV};
pub use client::Client;
pub use dropkit_provider::Jurisdiction;
pub use dropkit_provider::Operation;
pub use error::{ApiError, Error};
pub use request::{DeletionRequest, DeletionRequestBuilder, Email, EmailForm, RequestError};
pub use status::{DeletionReceipt, JobStatus, ProcessingResult, StatusReport};

/// The provider's name in receipts, errors and output.
pub const PROVIDER_NAME: &str = "id5";
