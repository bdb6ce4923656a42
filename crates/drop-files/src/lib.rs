//! California DROP file formats: the download ZIP, its list CSVs, file names, status files and
//! a validator for response files.
//!
//! Work in progress: see the modules.

#![forbid(unsafe_code)]

mod archive;
mod error;
mod list_csv;
mod names;
mod rows;
mod status;
mod status_file;
mod work_item;

pub use archive::{ArchiveEntry, ArchiveLimits, DownloadArchive, EntryReader};
pub use drop_hash::{DropHash, ListType};
pub use error::Error;
pub use list_csv::{ListReader, ListRow, RemovedReader, RemovedRow};
pub use names::{DataType, ListFileName, MAX_SUFFIX_LEN, ZipFileName};
pub use status::Status;
pub use status_file::{STATUS_HEADER, StatusFile, StatusReader, StatusRow, StatusWriter};
pub use work_item::{WORK_ITEM_ID_LEN, WorkItemId};
