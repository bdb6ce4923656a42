//! placeholder
#![forbid(unsafe_code)]

mod active;
mod answers;
mod clean;
mod error;
mod export;
mod import;
mod ledger;
mod matches;
mod record;
mod schema;
mod screen;
mod stats;
mod text;

pub use error::LedgerError;
pub use import::ImportSummary;
pub use ledger::{LEDGER_FILE, Ledger};
pub use matches::{LedgerMatch, MatchKind};
pub use record::{DownloadSummary, ListRecorded, RemovedApplied};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use screen::{SCREEN_HEADER, ScreenSummary};
pub use stats::{Answered, LedgerStats, ListStats};
