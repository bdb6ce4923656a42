//! A lasting ledger of every California DROP request a data broker has received, in one
//! SQLite file, and the screening of later records against it.
//!
//! A DROP download carries only what is new since the last one, but the duty does not end
//! with the answer: a broker must keep the identifiers it received, screen the data it
//! collects later against them, and delete again (at least every 45 days) anything it
//! re-collects about a consumer who asked to be deleted, until DROP withdraws the request (a
//! Removed entry). The [`Ledger`] is that memory:
//!
//! - [`Ledger::record_download`] keeps every work item of a download (list type, Id, hash as a
//!   32-byte BLOB, the download, when it was received) and applies its Removed list (each
//!   entry cancels a work item by Id, whichever download delivered it), in one transaction.
//! - [`Ledger::record_answers`], [`Ledger::record_matches`] and [`Ledger::record_forward`]
//!   keep what followed: the status answered and when, each (work item, record key) match of
//!   a round (new, or late: against an earlier work item), and each pair passed to a service
//!   provider, once in its life ([`Ledger::forwarded_pairs`]); [`Ledger::record_exemptions`]
//!   keeps the pairs answered 2 Exempted and why.
//! - [`Ledger::record_jobs`], [`Ledger::update_job`] and [`Ledger::set_pending_forwards`]
//!   keep the service providers' work under way across rounds: jobs to poll, forwards to
//!   retry.
//! - [`Ledger::active_lists`] hands every active (not cancelled) work item to dropkit-match's
//!   matcher, so a round screens its records against earlier requests too, and
//!   [`Ledger::screen`] screens any records file (CSV or Parquet) for an intake pipeline.
//! - [`Ledger::import_rounds`] brings in the rounds an earlier release archived, so no earlier
//!   request is forgotten; [`Ledger::stats`] and [`Ledger::export_parquet`] report.
//!
//! Every write is one transaction and idempotent: a crash at any point leaves the ledger as
//! it was before the write or after it, and a round resumed after a crash records nothing
//! twice. The schema is versioned ([`SCHEMA_VERSION`], SQLite's `user_version`), migrated
//! forward on open, and documented in `docs/ledger.md` with example `sqlite3` queries; a
//! ledger written by a newer dropkit is refused, not misread.
//!
//! # Example
//!
//! ```
//! use std::io::Write as _;
//!
//! use dropkit_files::ZipFileName;
//! use dropkit_hash::{DropHash, ListType};
//! use dropkit_ledger::{Ledger, LedgerMatch, MatchKind, LEDGER_FILE};
//! use time::macros::datetime;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let state = tempfile::tempdir()?;
//! // A download as DROP sends it: an Email list (a Removed file would sit beside it).
//! let write_zip = |date: &str, rows: &str| -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
//!     let path = state.path().join(format!("{date}_4821_DROP.zip"));
//!     let mut zip = zip::ZipWriter::new(std::fs::File::create(&path)?);
//!     zip.start_file(format!("{date}_4821_Email.csv"), zip::write::SimpleFileOptions::default())?;
//!     write!(zip, "ID,Hash\r\n{rows}")?;
//!     zip.finish()?;
//!     Ok(path)
//! };
//! let anna = DropHash::of_standardized("anna@domain.com");
//! let march = write_zip("20260301", &format!("A7kP2xQ9Lm4R,{anna}\r\n"))?;
//!
//! let mut ledger = Ledger::open(state.path().join(LEDGER_FILE))?;
//! let recorded = ledger.record_download(&march, datetime!(2026-03-01 10:00 UTC))?;
//! assert_eq!(recorded.work_items(), 1);
//! // Recording it again (a resumed round) changes nothing.
//! assert_eq!(ledger.record_download(&march, datetime!(2026-03-01 11:00 UTC))?, recorded);
//!
//! // Anna was not in the broker's records in March: answered 5, Not found.
//! let round: ZipFileName = "20260301_4821_DROP.zip".parse()?;
//! let answers = state.path().join("20260301_4821_Email.csv");
//! std::fs::write(&answers, "Id,Status\nA7kP2xQ9Lm4R,5\n")?;
//! assert_eq!(ledger.record_answers(&round, &[answers], datetime!(2026-03-01 12:00 UTC))?, 1);
//!
//! // April's intake holds her: screening finds the earlier, still active request.
//! let intake = state.path().join("intake.csv");
//! std::fs::write(&intake, "customer,email\nc-1, Anna@Domain.com\nc-2,bob@domain.com\n")?;
//! let found = state.path().join("found.csv");
//! let clean = state.path().join("clean.csv");
//! let mapping = "key=customer,email=email".parse()?;
//! let screened = ledger.screen(&intake, &mapping, &found, Some(&clean))?;
//! assert_eq!(screened.matches, 1);
//! assert_eq!(std::fs::read_to_string(&found)?, "Key,ListType,Id\nc-1,Email,A7kP2xQ9Lm4R\n");
//! assert_eq!(std::fs::read_to_string(&clean)?, "customer,email\nc-2,bob@domain.com\n");
//!
//! // A round does the same with the matcher's lists, and keeps the late match and its
//! // forwarding (each pair forwarded once in its life).
//! let april = write_zip("20260415", "")?;
//! ledger.record_download(&april, datetime!(2026-04-15 10:00 UTC))?;
//! let april: ZipFileName = "20260415_4821_DROP.zip".parse()?;
//! let earlier = ledger.active_lists(Some(&april))?;
//! assert_eq!(earlier.work_items(ListType::Email), 1);
//! let late = LedgerMatch {
//!     key: "c-1".into(),
//!     work_item: "A7kP2xQ9Lm4R".parse()?,
//!     list_type: ListType::Email,
//!     kind: MatchKind::Late,
//!     status: None,
//! };
//! ledger.record_matches(&april, &[late.clone()])?;
//! let pair = (late.work_item.clone(), late.key.clone());
//! assert!(!ledger.forwarded_pairs("id5")?.contains(&pair));
//! ledger.record_forward("id5", &[pair.clone()], &april, datetime!(2026-04-15 12:00 UTC))?;
//! assert!(ledger.forwarded_pairs("id5")?.contains(&pair));
//!
//! let stats = ledger.stats()?;
//! assert_eq!(stats.total.answered.not_found, 1);
//! assert_eq!(stats.total.late_matches, 1);
//! assert_eq!(stats.total.active, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Choices where the spec is silent
//!
//! - A Removed entry cancels by Id, whichever download delivered the work item (DROP keeps
//!   Ids unique across lists). One naming an Id the ledger does not hold is kept, and cancels
//!   that work item if it is ever recorded. An unreadable Removed row cancels nothing.
//! - An Id listed again (in the same download or a later one) is one work item, recorded by
//!   the first download; a different hash it comes with is kept too and screened.
//! - A list row whose Id is readable but whose hash is not is recorded without a hash: it is
//!   answered, and cannot be screened.
//! - `screen --clean` leaves out the rows the matcher skipped (wrong field count, no key):
//!   only screened rows are passed on.
//! - Instants are stored as RFC 3339 text in UTC, so `sqlite3` shows them as they are.
#![forbid(unsafe_code)]

mod active;
mod ahead;
mod answers;
mod clean;
mod error;
mod exemptions;
mod export;
mod import;
mod ledger;
mod matches;
mod provider_work;
mod record;
mod recorded;
mod schema;
mod screen;
mod stats;
mod text;

pub use error::LedgerError;
pub use exemptions::Exemption;
pub use import::ImportSummary;
pub use ledger::{LEDGER_FILE, Ledger};
pub use matches::{LedgerMatch, MatchKind};
pub use provider_work::{JobState, PendingForward, ProviderJobRecord};
pub use recorded::{DownloadSummary, ListRecorded, RemovedApplied};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use screen::{SCREEN_HEADER, ScreenSummary};
pub use stats::{Answered, LedgerStats, ListStats};
