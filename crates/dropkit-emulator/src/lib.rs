//! A local, in-process California DROP server for tests, demos and the `dropkit emulator`
//! command.
//!
//! DROP (the Delete Request and Opt-out Platform) has no public test server: its sandbox needs
//! an approved broker account. This crate plays DROP's part on 127.0.0.1 as its documentation
//! describes it (spec §1-§3, §6, §10): an account with selected lists and synthetic work items
//! whose hashes are real DROP hashes of made-up consumers, the download cycle (202 while a
//! package is prepared, the ZIP, 409 until every work item has a status, then `NoData` or the
//! next package with only new items and a `Removed` file after cancellations), uploads and
//! amends with every file-level rejection of the spec, record-level checks, the `X-API-KEY`
//! check, and injectable faults (429 bursts, 500, 503, slow answers, lost responses). It
//! records everything it receives so tests can assert on it: in process through
//! [`Emulator::received`] and [`Emulator::record`], and out of process (`dropkit emulator`)
//! through `GET /_emulator/record` ([`RECORD_PATH`]), which serves the same [`Record`] as
//! JSON to a request carrying the account's key.
//!
//! The wire types (endpoints, `UploadResponse`, message bodies) are `dropkit_files::wire`'s,
//! the same definitions the client reads.
//!
//! # Example
//!
//! Start an emulator, download its ZIP with plain `reqwest`, answer every work item, upload,
//! and check what the emulator recorded:
//!
//! ```
//! use std::io::Read;
//!
//! use dropkit_emulator::{Config, Emulator, Preparation, synthetic};
//! use dropkit_files::Status;
//! use dropkit_hash::ListType;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = Config::new()
//!         .with_lists([ListType::Email, ListType::Ndz])
//!         .with_consumers(synthetic::consumers(7, 3))
//!         .with_preparation(Preparation::Polls(1))
//!         .with_retry_after(0)
//!         .with_date(time::macros::date!(2026 - 03 - 12));
//!     let emulator = Emulator::start(config).await?;
//!     let http = reqwest::Client::new();
//!     let url = format!("{}/data/download", emulator.base_url());
//!
//!     // 202 while the package is prepared, then the ZIP.
//!     let zip = loop {
//!         let r = http.get(&url).header("X-API-KEY", emulator.api_key()).send().await?;
//!         if r.status() == 202 {
//!             continue; // a real client sleeps for Retry-After
//!         }
//!         assert_eq!(r.status(), 200);
//!         assert_eq!(r.headers()["content-type"], "application/zip");
//!         assert_eq!(
//!             r.headers()["content-disposition"],
//!             "attachment; filename=\"20260312_4821_DROP.zip\""
//!         );
//!         break r.bytes().await?;
//!     };
//!
//!     // Answer every row of the Email list "not found" (5); upload it under its own name.
//!     let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))?;
//!     let mut list = String::new();
//!     archive.by_name("20260312_4821_Email.csv")?.read_to_string(&mut list)?;
//!     let mut answer = String::from("Id,Status\n");
//!     for row in list.lines().skip(1) {
//!         let id = row.split(',').next().unwrap_or_default();
//!         answer.push_str(&format!("{id},5\n"));
//!     }
//!     let part = reqwest::multipart::Part::text(answer)
//!         .file_name("20260312_4821_Email.csv")
//!         .mime_str("text/csv")?;
//!     let r = http
//!         .post(format!("{}/data/upload", emulator.base_url()))
//!         .header("X-API-KEY", emulator.api_key())
//!         .multipart(reqwest::multipart::Form::new().part("files", part))
//!         .send()
//!         .await?;
//!     assert_eq!(r.status(), 202);
//!
//!     // The emulator recorded three statuses; the NDZ list is still outstanding, so the
//!     // next download is refused with 409.
//!     let statuses = emulator.statuses();
//!     assert_eq!(statuses.len(), 3);
//!     assert!(statuses.values().all(|s| *s == Status::NotFound));
//!     assert_eq!(emulator.outstanding()[&ListType::Ndz], 3);
//!     let r = http.get(&url).header("X-API-KEY", emulator.api_key()).send().await?;
//!     assert_eq!(r.status(), 409);
//!     assert_eq!(emulator.received().len(), 4);
//!     emulator.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! # Choices where DROP's documentation is silent
//!
//! - A first download of an account without work items answers `NoData`, like any download
//!   with nothing new.
//! - `HEAD /data/download` checks the key and answers 200 without touching the cycle (the
//!   getting-started guide probes with `curl -I`).
//! - Cancelled work items need no status, even in the active download; delivered ones are
//!   listed once, in the next package's `Removed` file. A package with only a `Removed` file
//!   is complete when delivered.
//! - Upload and amend share one set of used names per download; suffixes compare
//!   case-insensitively. A file named after the `Removed` file, another download or another
//!   broker is rejected with [`messages::NAME_MISMATCH`] (DROP publishes no text for it).
//! - Amend is allowed once a package was delivered, until the next one is being prepared, and
//!   only changes Ids that already have a status. Record-level problems never reject a file:
//!   as DROP does by email, they are kept aside ([`Emulator::record_errors`]) and the row is
//!   ignored.
//! - Each later package is dated one day after the previous one, so ZIP and list names never
//!   repeat across rounds.

#![forbid(unsafe_code)]

mod account;
mod admin;
mod config;
mod faults;
pub mod messages;
mod package;
mod record;
mod routes;
mod server;
pub mod synthetic;
mod upload;

pub use account::{Download, WorkItem};
pub use admin::{DeliveredZip, FileRecord, RECORD_PATH, Record, RecordProblem};
pub use config::{Config, Preparation, UnauthorizedBody};
pub use faults::{Fault, FaultKind};
pub use record::{KeyCheck, ReceivedFile, ReceivedRequest};
pub use server::Emulator;
pub use synthetic::SyntheticConsumer;
pub use upload::{RecordError, RecordErrorKind, Rejection};

/// DROP's wire types, the one definition shared with the client (`dropkit_files::wire`).
pub use dropkit_files::wire::{AcceptedFile, Endpoint, RejectedFile, UploadResponse};

/// Everything that can go wrong setting up or driving the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The port could not be bound on 127.0.0.1.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0: any).
        port: u16,
        /// The socket error.
        source: std::io::Error,
    },
    /// A consumer has a field DROP would not hash (an email of only spaces, a 9-character
    /// VIN, ...).
    #[error("consumer {index} cannot be hashed for the {list} list: {source}")]
    Consumer {
        /// The consumer's position in the list given.
        index: usize,
        /// The list being built.
        list: dropkit_hash::ListType,
        /// Why the field cannot be standardized.
        source: dropkit_hash::StandardizeError,
    },
    /// The data broker id is not digits.
    #[error("data broker id {value:?} must be one or more digits")]
    BrokerId {
        /// The id as given.
        value: String,
    },
    /// A work item Id that the account does not have.
    #[error("no work item has the Id {id}")]
    UnknownWorkItem {
        /// The Id as given.
        id: dropkit_files::WorkItemId,
    },
    /// A package date that cannot be written as `YYYYMMDD`.
    #[error("package date {date} cannot be written as YYYYMMDD")]
    Date {
        /// The date.
        date: time::Date,
    },
    /// Building the ZIP failed.
    #[error("building the download ZIP failed: {0}")]
    Zip(#[source] zip::result::ZipError),
}
