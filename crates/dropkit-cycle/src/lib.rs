//! The whole California DROP round, resumable at every step.
//!
//! Every 45 days a data broker must download DROP's consumer deletion lists, match them
//! against its records, delete or opt out the consumers found, answer every work item with a
//! status, upload the status files, and pass the deletions on to its service providers. A
//! [`Round`] does all of it over a state directory, saving each step's result atomically
//! before the next starts: stopped anywhere (a crash, a network failure, `stop_after`), it is
//! run again and resumes where it stopped, without uploading a file twice. Deletions sent to
//! service providers are journaled before and after each request: only a request whose
//! outcome is unknown (an answer lost in a crash or a timeout; no provider offers an
//! idempotency key) is sent again, and it is journaled and logged as a possible duplicate.
//!
//! ```text
//! download (waits through 202) → record in the ledger (and apply Removed) → match → re-screen
//! earlier requests → [review] → validate → delete (connector) → upload (and record DROP's
//! answers) → forward → confirm provider jobs → report
//! ```
//!
//! # Rounds over time: the ledger
//!
//! A DROP download carries only what is new. The state directory's ledger
//! (`ledger.sqlite`, [`dropkit_ledger`]) keeps every work item of every round, its answer, the
//! Removed entries that cancelled it, every match and every forward. Each round records its
//! download, then re-screens the records against every earlier work item still active: a
//! record matching one is a late match (collected after the request was answered, or again
//! after a deletion), listed in `late-matches.csv` and forwarded to the service providers,
//! but not answered to DROP again. Each (work item, record key) pair is forwarded once in
//! its life. A state directory left by a release without a ledger has its archived rounds
//! imported on first use.
//!
//! # The round as a state machine
//!
//! - [`Step`] names the steps; each has a module with `is_done(&RoundState)` and
//!   `run(&Ctx, &mut RoundState)`, and [`Round::run`] is a loop running each step that
//!   [`Step::is_done`] says is not done. Adding a step is one variant and one module.
//! - [`state::RoundState`] is the typed record of what is done (`state.json`, versioned by
//!   [`state::STATE_VERSION`]; a state left by an earlier release resumes).
//! - A run locks its state directory ([`StateLock`], an OS advisory lock released if the
//!   process dies): a second run on it is refused with [`CycleError::Locked`] before it sends
//!   anything.
//! - A stop the operator asks for is an [`Outcome`], not an error; a failure is a
//!   [`CycleError`] after which the same round resumes.
//!
//! # Faults the round survives
//!
//! - **Lost download**: DROP sent the ZIP but it never arrived whole. The client streams it to
//!   a synced temporary file in the state directory and renames it only when complete; when
//!   DROP then answers 409 with no ZIP saved, [`CycleError::DownloadLost`] says how to go on:
//!   download the batch from the portal and pass it with [`Round::with_zip`].
//! - **Lost upload answer**: the file in flight is uploaded again and DROP's duplicate answer
//!   read as "already received".
//! - **Provider timeouts**: journaled as "outcome unknown"; the resend is marked as a
//!   possible duplicate.
//! - **Review**: [`Round::with_review`] stops the round before anything leaves and writes
//!   `review.md`; it goes on only after [`approve`].
//! - **Exemptions**: [`Round::with_exemptions`] answers 2 for work items whose only matches
//!   are exempt consumers.
//! - **A mapping that cannot answer a list**: refused before anything is written, unless the
//!   operator chose [`Round::with_unmatched_list`].
//!
//! # Example
//!
//! The round below runs against the in-process DROP emulator (the `demo` feature): it
//! generates synthetic lists and a records file sharing a known set of consumers, runs the
//! round, and checks that DROP received the right status for every work item.
//!
//! ```
//! # #[cfg(feature = "demo")]
//! # {
//! use std::sync::Arc;
//! use dropkit_cycle::demo::{Demo, DemoOptions};
//! use dropkit_provider::testing::RecordingProvider;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let state = tempfile::tempdir().unwrap();
//! let demo = Demo::start(state.path().join("round"), DemoOptions::default()).await.unwrap();
//! let provider = Arc::new(RecordingProvider::new("maestroqa"));
//! let (report, check) = demo.run(vec![provider.clone()]).await.unwrap();
//! assert!(report.finished);
//! assert!(check.passed(), "{check:?}");
//! println!("{report}");
//! # });
//! # }
//! ```
//!
//! Against DROP itself, build a [`dropkit_client::Client`] from `DROP_API_KEY`, give the
//! records file and its column mapping, and add the providers:
//!
//! ```no_run
//! use std::sync::Arc;
//! use dropkit_cycle::Round;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = dropkit_client::Client::from_env()?;
//! let mapping = dropkit_match::Mapping::parse_specs(["key=customer_id,email=email,phone=phone"])?;
//! let round = Round::new(client, "dropkit-state", "customers.csv", mapping);
//! let report = round.run().await?;
//! println!("{report}");
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod approve;
mod audit;
mod carried;
mod ctx;
#[cfg(feature = "demo")]
pub mod demo;
pub mod doctor;
mod error;
pub mod exempt;
pub mod health;
mod journal;
mod jsonl;
mod lock;
pub mod preflight;
mod report;
mod round;
pub mod state;
pub mod status;
mod step;
mod steps;

pub use approve::approve;
pub use carried::{PENDING_FORWARDS_FILE, PROVIDER_JOBS_FILE};
pub use error::{CycleError, ProviderFailure};
pub use exempt::Exemptions;
pub use lock::StateLock;
pub use report::{CycleReport, ForwardSummary, Outcome};
pub use round::{DEFAULT_CONFIRM_WAIT, DEFAULT_MAX_ROWS_PER_FILE, Round};
pub use step::{ParseStepError, Step};
pub use steps::delete::DELETE_JOURNAL_FILE;
pub use steps::forward::ForwardConsumer;
pub use steps::review::REVIEW_FILE;
