//! Matching a data broker's own records against the California DROP consumer deletion lists:
//! streaming, on every core, in bounded memory.
//!
//! DROP hands a broker a ZIP of lists (`ID,Hash`: a work item Id and the SHA-256 of a
//! standardized email, phone, MAID, CTVID, or of the NDZ and NameVIN composites). The broker
//! must standardize and hash its own records by the same rules, find every work item that
//! matches, act on it, and answer every work item with a status (spec §6). This crate does the
//! join and the answering:
//!
//! - [`Lists`] loads the lists once into a compact table keyed on the raw 32-byte digest
//!   (about 50 to 56 bytes per work item) and drops the work items of the Removed file.
//! - [`Matcher`] streams the records CSV through all cores, standardizing and hashing each
//!   mapped value once per list type present ([`Mapping`] says which column holds what;
//!   pre-hashed columns are accepted too).
//! - [`Rules`] turns matches into statuses: no match `5` Not found, one consumer `3` Deleted
//!   (or `2` Exempted if the exemption rule says so), several consumers `4` Opted out.
//! - [`MatchOutcome`] writes the status files (named after the lists, split above a row count)
//!   and the match report (`matches.csv`, and [`MatchOutcome::matches`] in Rust), and keeps
//!   the [`Problem`]s found in broken rows, with their line and column.
//!
//! # Example: a download and a records file in, status files and a match report out
//!
//! ```
//! use std::io::{Cursor, Write};
//!
//! use drop_files::{DownloadArchive, Status};
//! use drop_hash::{DropHash, ListType};
//! use drop_match::{DefaultRules, Lists, Mapping, Matcher};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The download, as DROP sends it (built in memory here).
//! let anna = DropHash::of_standardized("anna.smith@domain.com");
//! let shared = DropHash::of_standardized("family@domain.com");
//! let nobody = DropHash::of_standardized("nobody@domain.com");
//! let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
//! zip.start_file("20260312_4821_Email.csv", zip::write::SimpleFileOptions::default())?;
//! write!(zip, "ID,Hash\r\nA7kP2xQ9Lm4R,{anna}\r\nB7kP2xQ9Lm4R,{shared}\r\nC7kP2xQ9Lm4R,{nobody}\r\n")?;
//! let zip = zip.finish()?.into_inner();
//! let mut download = DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(zip))?;
//!
//! // The broker's records: two consumers share an address, one row is broken.
//! let records = "\
//! customer,email,backup_email,birthday
//! c-1, Anna.Smith@Domain.COM ,,1985-07-04
//! c-2,family@domain.com,,
//! c-3,someone@else.com,FAMILY@domain.com,
//! c-4,   ,,
//! c-5,x@y.z
//! ";
//! let mapping: Mapping = "key=customer,email=email,email=backup_email".parse()?;
//!
//! let outcome = Matcher::new(Lists::from_archive(&mut download)?)
//!     .records_name("customers.csv")
//!     .run(records.as_bytes(), &mapping, &DefaultRules)?;
//!
//! assert_eq!(outcome.status_of(ListType::Email, "A7kP2xQ9Lm4R"), Some(Status::Deleted));
//! assert_eq!(outcome.status_of(ListType::Email, "B7kP2xQ9Lm4R"), Some(Status::OptedOut));
//! assert_eq!(outcome.status_of(ListType::Email, "C7kP2xQ9Lm4R"), Some(Status::NotFound));
//! let keys: Vec<&str> = outcome.matches().map(|m| m.key).collect();
//! assert_eq!(keys, ["c-1", "c-2", "c-3"]);
//!
//! // The short row is reported with its line, never silently dropped.
//! assert_eq!(outcome.summary().records_read, 5);
//! assert_eq!(outcome.summary().bad_rows, 1);
//! assert_eq!(
//!     outcome.problems()[0].to_string(),
//!     "customers.csv:6: the row has 2 fields, the header 4; row skipped"
//! );
//!
//! // Status files for the upload, and the report for the broker's own deletions.
//! let out = tempfile::tempdir()?;
//! let written = outcome.write_status_files(out.path(), 100_000)?;
//! assert_eq!(written, [out.path().join("20260312_4821_Email.csv")]);
//! assert_eq!(
//!     std::fs::read_to_string(&written[0])?,
//!     "Id,Status\nA7kP2xQ9Lm4R,3\nB7kP2xQ9Lm4R,4\nC7kP2xQ9Lm4R,5\n"
//! );
//! outcome.write_matches_csv(out.path().join("matches.csv"))?;
//! assert_eq!(
//!     std::fs::read_to_string(out.path().join("matches.csv"))?,
//!     "Id,ListType,Key,Status\nA7kP2xQ9Lm4R,Email,c-1,3\nB7kP2xQ9Lm4R,Email,c-2,4\nB7kP2xQ9Lm4R,Email,c-3,4\n"
//! );
//! # Ok(())
//! # }
//! ```
//!
//! # Choices where the spec is silent
//!
//! - A blank value (empty or only ASCII whitespace) is an absent identifier, not a problem; a
//!   value that does not standardize (an unparsable date, a 16-character VIN) is a problem,
//!   and the row's other values are still matched.
//! - A row whose field count differs from the header's is skipped whole and reported: its
//!   columns may be shifted, and matching shifted values could delete the wrong consumer.
//!   So is a row without a consumer key: a match must name whom to delete.
//! - Dates of birth are read as `YYYY-MM-DD` or `YYYYMMDD` ([`drop_hash::Dob`]); convert
//!   other formats before matching.
//! - "More than one consumer" means more than one distinct key; the same key on several rows
//!   is one consumer.
//! - Removed work items are matched to the lists by Id (DROP keeps Ids unique across lists).
//! - A list row whose Id is readable but whose hash is not is answered `5` Not found (no
//!   record can match it) and reported in [`MatchOutcome::list_problems`].
//! - Pre-hashed columns take DROP's 44-character Base64 or 64 hex digits, either case.
//!
//!
//! # Parquet input
//!
//! With the `parquet` feature, [`Matcher::run_parquet`] reads the records from a Parquet file
//! instead: batches of rows are decoded with the `parquet` crate and matched exactly as CSV
//! rows would be, column names standing for the header (memory stays bounded by one batch).
//! Problems name rows as lines: line `N` is row `N - 1` of the file. Nulls are empty values.

#![forbid(unsafe_code)]

mod blocks;
mod chunks;
mod dir;
mod error;
mod item_state;
mod list_table;
mod lists;
mod mapping;
mod matched;
mod matcher;
mod outcome;
#[cfg(feature = "parquet")]
mod parquet;
mod probe;
mod problem;
mod report;
mod rules;
mod summary;
mod writing;

pub use dir::{DirOptions, DirReport, match_into_dir};
pub use error::Error;
pub use lists::{Lists, ListsBuilder, RemovedItem, RepeatedId};
pub use mapping::{Mapping, Target, required_fields};
pub use matched::{MatchedItem, MatchedRecord};
pub use matcher::{DEFAULT_MAX_PROBLEMS, Matcher};
pub use outcome::MatchOutcome;
pub use problem::{Problem, ProblemKind};
pub use report::{MATCHES_HEADER, Match};
pub use rules::{DefaultRules, Rules};
pub use summary::{ListSummary, Summary};
pub use writing::MATCHES_FILE;
