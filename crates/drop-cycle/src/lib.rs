//! The whole California DROP round, resumable at every step.
//!
//! Every 45 days a data broker must download DROP's consumer deletion lists, match them
//! against its records, delete or opt out the consumers found, answer every work item with a
//! status, upload the status files, and pass the deletions on to its service providers. A
//! [`Round`] does all of it over a state directory, saving each step's result atomically
//! before the next starts: stopped anywhere (a crash, a network failure, `stop_after`), it is
//! run again and resumes where it stopped, without uploading a file twice. Deletions sent to
//! service providers are journaled before and after each request: only a request whose
//! answer was lost in a crash (no provider offers an idempotency key) is sent again, and it
//! is logged as a possible duplicate.
//!
//! ```text
//! download (waits through 202) → match → status files → validate → upload → forward → report
//! ```
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
//! use drop_cycle::demo::{Demo, DemoOptions};
//! use drop_provider::testing::RecordingProvider;
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
//! Against DROP itself, build a [`drop_client::Client`] from `DROP_API_KEY`, give the
//! records file and its column mapping, and add the providers:
//!
//! ```no_run
//! use std::sync::Arc;
//! use drop_cycle::Round;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = drop_client::Client::from_env()?;
//! let mapping = drop_match::Mapping::parse_specs(["key=customer_id,email=email,phone=phone"])?;
//! let round = Round::new(client, "dropkit-state", "customers.csv", mapping);
//! let report = round.run().await?;
//! println!("{report}");
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "demo")]
pub mod demo;
mod error;
mod journal;
mod report;
mod round;
pub mod state;
mod step;
mod steps;

pub use error::CycleError;
pub use report::{CycleReport, ForwardSummary};
pub use round::{DEFAULT_MAX_ROWS_PER_FILE, Round};
pub use step::{ParseStepError, Step};
pub use steps::forward::ForwardConsumer;
