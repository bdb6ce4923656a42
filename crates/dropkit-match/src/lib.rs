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
//!   (about 54 bytes per work item) and drops the work items of the Removed file.
//! - [`Matcher`] streams the records CSV through all cores, standardizing and hashing each
//!   mapped value once per list type present ([`Mapping`] says which column holds what;
//!   pre-hashed columns are accepted too).
//! - [`Rules`] turns matches into statuses: no match `5` Not found, one consumer `3` Deleted
//!   (or `2` Exempted if the exemption rule says so), several consumers `4` Opted out.
//! - [`MatchOutcome`] writes the status files (named after the lists, split above a row count)
//!   and the match report (`matches.csv`, and [`MatchOutcome::matches`] in Rust), and keeps
//!   the [`Problem`]s found in broken rows, with their line and column.
//! - [`match_into_dir`] does all of it from files: a download ZIP and a records file (CSV, or
//!   Parquet with the `parquet` feature) in, the status files and `matches.csv` written into a
//!   directory, and a [`DirReport`] back whose [`MatchedRecord`]s carry the standardized values
//!   of each matched consumer's mapped fields, read in the same pass (the records file is read
//!   once). `dropkit match` and the round of `dropkit-cycle` both go through it.
//!
//! Inside, one module per concept: `lists` and `list_table` (the download in memory;
//! `id_keys`: repeated work item Ids found by sorting; `digest_index`: the table of digests),
//! `blocks`, `plan`, `record` and `probe` (the records read in blocks, parsed and probed),
//! `flow` (the blocks through the workers, each reading and processing its next one),
//! `item_state` (the blocks' results folded in file order), `match_store` (the hits by work
//! item range, in memory or in an unnamed temporary file), `settle` (the work items decided,
//! range by range on every core), `outcome` (the statuses), `report` (the match report),
//! `matched` (the report by consumer), `writing` (the files, rendered on every core and
//! written in order), `summary` (the figures) and `dir` (all of it from and to files).
//!
//! # Example: from files to a directory, in one call
//!
//! ```
//! use std::io::Write;
//!
//! use dropkit_files::Status;
//! use dropkit_hash::{DropHash, Field};
//! use dropkit_match::{DefaultRules, DirOptions, Mapping, match_into_dir};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let download = dir.path().join("20260312_4821_DROP.zip");
//! let mut zip = zip::ZipWriter::new(std::fs::File::create(&download)?);
//! zip.start_file("20260312_4821_Email.csv", zip::write::SimpleFileOptions::default())?;
//! let anna = DropHash::of_standardized("anna.smith@domain.com");
//! write!(zip, "ID,Hash\r\nA7kP2xQ9Lm4R,{anna}\r\nA7kP2xQ9Lm4R,{anna}\r\n")?;
//! zip.finish()?;
//! let records = dir.path().join("customers.csv");
//! std::fs::write(&records, "customer,email,phone\nc-1, Anna.Smith@Domain.COM ,(415) 555-9317\n")?;
//! let mapping: Mapping = "key=customer,email=email,phone=phone".parse()?;
//!
//! let out = dir.path().join("round");
//! let report = match_into_dir(&download, &records, &mapping, &DefaultRules, &out, &DirOptions::default())?;
//!
//! assert_eq!(report.status_files, [out.join("20260312_4821_Email.csv")]);
//! assert_eq!(std::fs::read_to_string(&report.status_files[0])?, "Id,Status\nA7kP2xQ9Lm4R,3\n");
//! assert_eq!(report.matches_file, out.join("matches.csv"));
//! // The consumer to delete, with its standardized identifiers (to forward to providers).
//! let c1 = &report.matched[0];
//! assert_eq!(c1.key, "c-1");
//! assert!(c1.has_status(Status::Deleted));
//! assert_eq!(c1.values(Field::Email).collect::<Vec<_>>(), ["anna.smith@domain.com"]);
//! assert_eq!(c1.values(Field::Phone).collect::<Vec<_>>(), ["4155559317"]);
//! // The Id DROP listed twice is answered once, and said so.
//! assert_eq!(
//!     report.warnings,
//!     ["20260312_4821_Email.csv: Id A7kP2xQ9Lm4R listed 2 times; answered once"]
//! );
//! # Ok(())
//! # }
//! ```
//!
//! # Example: the steps one by one, in memory
//!
//! ```
//! use std::io::{Cursor, Write};
//!
//! use dropkit_files::{DownloadArchive, Status};
//! use dropkit_hash::{DropHash, ListType};
//! use dropkit_match::{DefaultRules, Lists, Mapping, Matcher};
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
//! - Dates of birth are read as `YYYY-MM-DD` or `YYYYMMDD` ([`dropkit_hash::Dob`]); convert
//!   other formats before matching.
//! - "More than one consumer" means more than one distinct key; the same key on several rows
//!   is one consumer.
//! - Removed work items are matched to the lists by Id (DROP keeps Ids unique across lists).
//! - A list row whose Id is readable but whose hash is not is answered `5` Not found (no
//!   record can match it) and reported in [`MatchOutcome::list_problems`].
//! - Pre-hashed columns take DROP's 44-character Base64 or 64 hex digits, either case.
//! - A work item Id listed more than once in one list is one work item: answered once (one
//!   status row), matched by every hash it was listed with, and reported
//!   ([`MatchOutcome::repeated_ids`], [`MatchOutcome::warnings`]). Memory and output follow
//!   the distinct work items, never the rows.
//! - Which list rows are unreadable (not UTF-8, a NUL, a bad hash, ...) is dropkit-files'
//!   verdict ([`dropkit_files::ListReader`]): `match`, `validate` and `inspect` agree.
//! - A consumer key longer than 16 MiB is a problem and its row is skipped.
//! - A records file is Parquet when it starts with `PAR1` or is named `*.parquet`
//!   ([`match_into_dir`]); anything else is read as CSV.
//!
//! # Arrow and Parquet input
//!
//! With the `arrow` feature, `Matcher::run_batches` (and `match_batches_into_dir`) take the
//! records as Arrow record batches, from a dataframe, a database or Python, and match them
//! straight from the arrays: no CSV text in between. The schema's column names stand for the
//! header; string and binary columns are read in place, other types as arrow prints them
//! (dates `YYYY-MM-DD`, numbers in decimal); nulls are empty values. The statuses, match report,
//! matched records and problems are those of the same records in a CSV, except that problems
//! name rows ([`Position::Row`], the first row being row 1) instead of lines. Each batch is cut
//! into units of 8,192 rows probed on every core while the next batches are read.
//!
//! With the `parquet` feature (which turns on `arrow`), `Matcher::run_parquet` and
//! [`match_into_dir`] read a Parquet records file: its row groups are decoded with the `parquet`
//! crate into record batches that go the Arrow way above (memory stays bounded by a few
//! batches).

#![forbid(unsafe_code)]

#[cfg(feature = "arrow")]
mod arrow;
mod blocks;
mod chunks;
mod digest_index;
mod dir;
mod error;
mod flow;
mod id_keys;
mod index_build;
mod item_state;
mod list_table;
mod lists;
mod mapping;
mod match_store;
mod matched;
mod matcher;
mod outcome;
#[cfg(feature = "parquet")]
mod parquet;
mod plan;
mod probe;
mod problem;
mod record;
mod report;
mod rules;
mod settle;
mod summary;
mod writing;

#[cfg(feature = "arrow")]
pub use dir::match_batches_into_dir;
pub use dir::{DirOptions, DirReport, match_into_dir};
pub use error::Error;
pub use lists::{Lists, ListsBuilder, RemovedItem, RepeatedId};
pub use mapping::{Mapping, Target, required_fields};
pub use matched::{MatchedItem, MatchedRecord};
pub use matcher::{DEFAULT_MAX_PROBLEMS, Matcher};
pub use outcome::MatchOutcome;
pub use problem::{Position, Problem, ProblemKind};
pub use report::{MATCHES_HEADER, Match};
pub use rules::{DefaultRules, Rules};
pub use summary::{ListSummary, Summary};
pub use writing::MATCHES_FILE;
