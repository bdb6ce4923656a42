//! A client for MaestroQA's data-deletion API: a data broker that deletes a consumer after a
//! California DROP request tells MaestroQA to delete the consumer's data too.
//!
//! MaestroQA deletes in two stages: a `DELETE` request removes the emails' data from its
//! operational database at once (`confirmation`) and starts an asynchronous deep-deletion job
//! (`id`) that a daily batch completes; `GET {endpoint}/{id}` tells where the job stands
//! ([`Status`]).
//!
//! - [`Client::request_deletion`] sends up to 5 emails; [`Client::request_deletions`] batches
//!   any number into requests of 5.
//! - Every request waits for a client-side rate limiter (governor) keeping MaestroQA's per-token
//!   limits of 1 request per second and 30 per minute ([`RateLimits`]); a 429 that still comes,
//!   a 5xx or a transport failure is retried (after `Retry-After`, else a backoff) until one
//!   total deadline per request, `dropkit-http`'s [`RetryPolicy`](dropkit_provider::RetryPolicy)
//!   shared with the DROP client.
//! - The client is built from the shared
//!   [`ProviderOptions`](dropkit_provider::ProviderOptions) ([`ClientBuilder::from_options`]);
//!   [`Client::from_env`] reads `MAESTROQA_API_TOKEN` and `MAESTROQA_BASE_URL` and is `None`
//!   when the token is unset. The endpoint must be `https://` (plain `http://` only to a
//!   loopback address); anything else is refused before any request, naming the variable.
//! - [`Client::check_token`] checks the token with a status request that changes nothing
//!   (`dropkit doctor`).
//! - A 401 is [`Error::TokenRejected`], whose message says tokens expire every 90 days.
//! - The token is a [`secrecy::SecretString`], sent only in the `apitoken` header (marked
//!   sensitive); `Debug` output prints `***`, and server bodies kept in errors are masked.
//! - All waiting (rate limit, retries, polls) goes through an injectable
//!   [`Clock`](dropkit_provider::clock::Clock), so tests never wait real seconds.
//! - [`Client`] implements [`dropkit_provider::DeletionProvider`], so the DROP cycle can fan a
//!   deletion out to it with other providers. MaestroQA deletes by email only: a shared
//!   [`dropkit_provider::DeletionRequest`]'s MAIDs and partner user ids are ignored.
//! - [`dropkit_provider::confirm_jobs`] follows the deep-deletion jobs to the end: `pending` is
//!   polled again, `completed` is done, `errored` (the seed also writes `error`) and
//!   `not found` failed ([`Status::summary`]).
//! - [`audit_label`] writes the DROP download and work items into the `auditLabel` MaestroQA
//!   keeps in its exportable audit log; MaestroQA documents no length limit, the label is kept
//!   within [`AUDIT_LABEL_MAX_CHARS`] all the same.
//!
//! MaestroQA publishes no endpoint URL in its deletion guide: the client takes the full
//! endpoint from configuration (`MAESTROQA_BASE_URL`) and has no default.
//!
//! The client's own `request_deletion` and `status` take this crate's types; the trait's
//! methods of the same names are reached through `dyn DeletionProvider` (or
//! `DeletionProvider::request_deletion(&client, &request)`), as the DROP cycle does.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use dropkit_maestroqa::{Client, Status};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), dropkit_maestroqa::Error> {
//! let client = Client::builder()
//!     .endpoint("https://maestroqa.example/api/v1/data-deletion")
//!     .token(std::env::var("MAESTROQA_API_TOKEN").unwrap_or_default().into())
//!     .timeout(Duration::from_secs(20))
//!     .build()?;
//!
//! // 12 emails: three requests (5, 5, 2), two seconds apart.
//! let emails: Vec<String> = (1..=12).map(|i| format!("user{i}@example.com")).collect();
//! for batch in client.request_deletions(&emails, Some("DROP 20261120")).await {
//!     match batch.result {
//!         Ok(receipt) => println!("job {} for {:?}", receipt.id, batch.emails),
//!         Err(err) => eprintln!("{:?}: {err}", batch.emails),
//!     }
//! }
//!
//! // One email, then wait up to two days for the daily deep deletion.
//! let receipt = client
//!     .request_deletion(&["anna@example.com".to_owned()], None)
//!     .await?;
//! assert!(receipt.confirmation, "operational deletion not confirmed");
//! let status = client
//!     .wait_until_done(&receipt.id, Duration::from_secs(48 * 3600))
//!     .await?;
//! assert_eq!(status, Status::Completed);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod builder;
mod client;
mod error;
mod limiter;
mod provider;
mod status;

pub use builder::{ClientBuilder, ENDPOINT_ENV, TOKEN_ENV};
pub use client::{BatchOutcome, Client, MAX_EMAILS_PER_REQUEST};
pub use dropkit_provider::Operation;
pub use dropkit_provider::{AUDIT_LABEL_MAX_CHARS, audit_label};
pub use error::Error;
pub use limiter::RateLimits;
pub use status::{DeletionReceipt, Status};

/// The provider's name in receipts, errors and output.
pub const PROVIDER_NAME: &str = "maestroqa";
