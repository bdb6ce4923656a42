//! California DROP file formats: the download ZIP, its list CSVs, file names, status files and
//! a validator for response files.
//!
//! DROP (California's Delete Request and Opt-out Platform) hands each data broker a ZIP of
//! consumer deletion lists (`ID,Hash` CSVs, one per list type, plus a `Removed` file) and takes
//! back one `Id,Status` CSV per list. This crate reads the first and writes and checks the
//! second, streaming (a list of millions of rows is never loaded whole), with errors that name
//! the file, line and value at fault, and without ever extracting the ZIP to disk.
//!
//! # Example: read a download, write its status files, validate them
//!
//! ```
//! use std::io::{Cursor, Write};
//!
//! use dropkit_files::{DownloadArchive, ListType, Status, StatusFile, Validator};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A download as DROP sends it (built in memory here with the `zip` crate).
//! let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
//! let options = zip::write::SimpleFileOptions::default();
//! zip.start_file("20260312_4821_Email.csv", options)?;
//! zip.write_all(b"ID,Hash\r\nA7kP2xQ9Lm4R,KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\r\n\
//!                 B7kP2xQ9Lm4R,PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=\r\n")?;
//! zip.start_file("20260312_4821_NDZ.csv", options)?; // a selected list with nothing new
//! zip.write_all(b"ID,Hash\r\n")?;
//! let bytes = zip.finish()?.into_inner();
//!
//! // Open it (checks every entry: names, sizes, no path tricks) and answer every list.
//! let mut download = DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes))?;
//! let out = tempfile::tempdir()?;
//! let mut written = Vec::new();
//! for entry in download.entries().to_vec() {
//!     let Some(list) = entry.name().list_type() else { continue }; // skip Removed
//!     let Some(rows) = download.open_list(list)? else { continue };
//!     // Name the status file after the list, with a suffix if that name is taken already.
//!     let name = entry.name().next_unused(&written);
//!     let mut status_file = StatusFile::create(out.path(), &name)?;
//!     for row in rows {
//!         let row = row?; // a bad row is an error naming file, line and value
//!         // ... match row.hash against the broker's records here ...
//!         let status = if list == ListType::Email { Status::Deleted } else { Status::NotFound };
//!         status_file.write(&row.id, status)?;
//!     }
//!     status_file.finish()?; // appears under its name only now, complete
//!     written.push(name);
//! }
//! let email = std::fs::read_to_string(out.path().join("20260312_4821_Email.csv"))?;
//! assert_eq!(email, "Id,Status\nA7kP2xQ9Lm4R,3\nB7kP2xQ9Lm4R,3\n");
//!
//! // Check the files as DROP would before uploading them.
//! let mut validator = Validator::from_archive(&mut download)?;
//! for name in &written {
//!     validator.check_path(out.path().join(name.to_string()));
//! }
//! let report = validator.report();
//! assert!(report.is_valid() && report.is_complete());
//! # Ok(())
//! # }
//! ```
//!
//! # What is where
//!
//! | DROP thing | type |
//! | --- | --- |
//! | `<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv` | [`ListFileName`], [`DataType`] |
//! | `<YYYYMMDD>_<DataBrokerId>_DROP.zip` | [`ZipFileName`] |
//! | the download ZIP | [`DownloadArchive`], [`ArchiveLimits`]; an entry inflated on another thread: [`RawEntry`], [`Inflater`] |
//! | `ID,Hash` and `ID,Hash,ListType` files | [`ListReader`], [`RemovedReader`] |
//! | `WorkItemId`, `StatusCode` | [`WorkItemId`], [`Status`] |
//! | `Id,Status` files | [`StatusFile`], [`StatusWriter`], [`StatusRows`], [`StatusReader`] |
//! | a status file's name (the only file that may be uploaded) | [`ListFileName::parse_status_file`] |
//! | DROP's checks of an upload | [`Validator`], [`Report`] |
//! | endpoints, `UploadResponse`, `MessageResponse` (HTTP bodies) | [`wire`] |
//!
//! # Choices where the spec is silent or contradicts itself
//!
//! - Download headers are matched case-insensitively, with a UTF-8 BOM and CRLF tolerated;
//!   response headers must be exactly `Id,Status` (no BOM).
//! - Work item Ids are kept byte for byte; an Id that is not 12 Base62 characters (DROP's own
//!   example answers `680`) is logged with `tracing::warn!`, not rejected.
//! - A selected list missing from the ZIP is tolerated (reported as absent), as is a
//!   header-only list.
//! - Blank lines are skipped (and counted: the validator warns about them).
//! - Answering an Id of the Removed file is a warning, not an error; such Ids are not required
//!   for completeness even when they are also in a list.
//! - Suffixes are compared case-insensitively when looking for a free response name.
//! - A download row that is not UTF-8 or holds a NUL byte is one [`Error::Encoding`], whichever
//!   field is at fault, so every reader of the download (validator, matcher, `inspect`) gives
//!   the same verdict. If its Id can be read, it is still a work item to answer
//!   ([`Error::row_id`]).
//! - A work item Id listed more than once is one work item: the validator counts it once and
//!   gives one warning per Id with the number of times it is listed, keeping nothing per row.
//! - Two archive entries with the same name refuse the archive ([`Error::DuplicateEntry`]):
//!   a ZIP reader would otherwise show only one of them.
//!
//! # Messages
//!
//! Values from files (Ids, statuses, file names) are shown with control characters escaped
//! ([`display::Escaped`]): a NUL prints as `\0`. Errors never repeat their source's text: an
//! [`Error::Io`] displays its path and gives the operating system's reason as its
//! [`source`](std::error::Error::source); print errors with `{:#}` through `anyhow`, or with
//! [`display::Chain`].

#![forbid(unsafe_code)]

mod archive;
pub mod display;
mod error;
pub mod layout;
mod list_csv;
mod names;
mod open;
mod raw_entry;
mod record_start;
mod rows;
mod status;
mod status_file;
mod validate;
pub mod wire;
mod work_item;

pub use archive::{ArchiveEntry, ArchiveLimits, DownloadArchive, EntryReader};
pub use dropkit_hash::{DropHash, ListType};
pub use error::{Error, RowEncoding};
pub use list_csv::{ListReader, ListRow, RemovedReader, RemovedRow};
pub use names::{DataType, ListFileName, MAX_SUFFIX_LEN, ZipFileName};
pub use open::open_file;
pub use raw_entry::{EntryCheck, Inflater, RawEntry};
pub use record_start::record_start;
pub use status::Status;
pub use status_file::{
    NotCanonicalId, STATUS_HEADER, StatusFile, StatusReader, StatusRow, StatusRows, StatusWriter,
};
pub use validate::{
    DEFAULT_MAX_PROBLEMS_PER_FILE, FileSummary, ListCompleteness, Problem, ProblemKind, Report,
    Severity, Validator,
};
pub use work_item::{WORK_ITEM_ID_LEN, WorkItemId};
