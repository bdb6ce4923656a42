//! Tamper-evident records of California DROP rounds, verifiable offline.
//!
//! (crate docs written below)

mod chain;
mod digest;
mod entry;
mod error;
mod record;
mod verify;

pub use chain::{AUDIT_FILE, AuditChain, ChainHead, ParseHeadError};
pub use digest::{Digest, ParseDigestError};
pub use entry::{Approver, Entry, Label, REDACTED, Request};
pub use error::{AuditError, Break};
pub use record::Record;
pub use verify::{VerifyReport, read_records, verify, verify_head};
