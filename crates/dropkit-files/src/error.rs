//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

use dropkit_hash::ParseHashError;

use crate::display::{Escaped, IdPrefix, Quoted};

/// Everything that can go wrong reading or writing DROP files.
///
/// Errors about a row name the file, the line (the header is line 1) and the offending value,
/// so that a person can go straight to the bad row. Values from the files are shown with
/// control characters escaped ([`display::Escaped`](crate::display::Escaped)).
///
/// Each message is printed once: a variant that wraps another error ([`Io`](Self::Io)) shows
/// its own context in `Display` and leaves the wrapped error's text to
/// [`source`](std::error::Error::source). Print with `{:#}` through `anyhow`, or with
/// [`display::Chain`](crate::display::Chain), to see both.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CSV file name does not follow `<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv`.
    #[error(
        "{} is not a DROP CSV name (<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv): {reason}",
        Quoted(.name)
    )]
    FileName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A ZIP file name does not follow `<YYYYMMDD>_<DataBrokerId>_DROP.zip`.
    #[error(
        "{} is not a DROP download name (<YYYYMMDD>_<DataBrokerId>_DROP.zip): {reason}",
        Quoted(.name)
    )]
    ZipName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A response-file suffix is not 1 to 10 ASCII letters or digits.
    #[error("suffix {} must be 1 to 10 ASCII letters or digits", Quoted(.suffix))]
    Suffix {
        /// The suffix as given.
        suffix: String,
    },
    /// A data type is not one of DROP's list types nor `Removed`.
    #[error(
        "{} is not a DROP data type (NDZ, Email, Phone, MAID, NameVIN, CTVID, Removed)",
        Quoted(.value)
    )]
    DataType {
        /// The value as given.
        value: String,
    },
    /// A work item Id is empty or holds a comma, double quote, line break or NUL.
    #[error("{} is not a work item Id (non-empty, no comma, quote, line break or NUL)", Quoted(.value))]
    WorkItemId {
        /// The value as given.
        value: String,
    },
    /// A status code is not 2, 3, 4 or 5.
    #[error("status {} is not one of 2, 3, 4, 5", Quoted(.value))]
    Status {
        /// The value as given.
        value: String,
    },
    /// A CSV file does not start with the expected header.
    #[error("{}:1: header {} is not {expected}", Escaped(.file), Quoted(.found))]
    Header {
        /// The file name.
        file: String,
        /// The header line found (lossily decoded), empty for an empty file.
        found: String,
        /// The header required.
        expected: &'static str,
    },
    /// A row cannot be read as text: it is not UTF-8, or (in a downloaded list or Removed
    /// file) it holds a NUL byte. The whole row is refused, whichever field is at fault, so
    /// that every reader of the download gives the same verdict.
    #[error("{}:{line}: {}the row {problem}", Escaped(.file), IdPrefix(.id.as_deref()))]
    Encoding {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The row's Id, when its first field is readable (UTF-8, no NUL, not empty).
        id: Option<String>,
        /// What is wrong.
        problem: RowEncoding,
    },
    /// A row has the wrong number of fields.
    #[error(
        "{}:{line}: expected {expected} fields, found {found}: {}",
        Escaped(.file),
        Quoted(.row)
    )]
    FieldCount {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// Fields required.
        expected: usize,
        /// Fields found.
        found: usize,
        /// The row as found (lossily decoded, shortened).
        row: String,
    },
    /// A row's Id is empty.
    #[error("{}:{line}: the Id is empty", Escaped(.file))]
    EmptyId {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
    },
    /// A row's Id holds a character that cannot be written back unquoted (comma, quote, line
    /// break) or a NUL.
    #[error(
        "{}:{line}: Id {} holds a comma, quote, line break or NUL",
        Escaped(.file),
        Quoted(.value)
    )]
    RowId {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The Id as found.
        value: String,
    },
    /// A row's Hash is not a DROP hash.
    #[error(
        "{}:{line}: Id {}: hash {}: {reason}",
        Escaped(.file),
        Escaped(.id),
        Quoted(.value)
    )]
    Hash {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The row's Id.
        id: String,
        /// The hash as found.
        value: String,
        /// Why it is not a hash (part of the message, not a separate source).
        reason: ParseHashError,
    },
    /// A Removed row's ListType is not a DROP list type.
    #[error(
        "{}:{line}: Id {}: list type {} is not one of NDZ, Email, Phone, MAID, NameVIN, CTVID",
        Escaped(.file),
        Escaped(.id),
        Quoted(.value)
    )]
    ListType {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The row's Id.
        id: String,
        /// The list type as found.
        value: String,
    },
    /// A status row's Status is not 2, 3, 4 or 5.
    #[error(
        "{}:{line}: Id {}: status {} is not one of 2, 3, 4, 5",
        Escaped(.file),
        Escaped(.id),
        Escaped(.value)
    )]
    RowStatus {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The row's Id.
        id: String,
        /// The status as found.
        value: String,
    },
    /// A line is longer than any DROP line can be.
    #[error("{}:{line}: the line is longer than {limit} bytes", Escaped(.file))]
    LineTooLong {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// A row's quoting is broken.
    #[error("{}:{line}: {reason}: {}", Escaped(.file), Quoted(.row))]
    Quoting {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// What is wrong.
        reason: &'static str,
        /// The row as found (lossily decoded, shortened).
        row: String,
    },
    /// Reading or writing a file failed (for a file inside an archive: also a corrupt entry or
    /// one that inflates past its declared size).
    ///
    /// `Display` is the path alone; the operating system's reason is the
    /// [`source`](std::error::Error::source).
    #[error("{}", Escaped(&.path.to_string_lossy()))]
    Io {
        /// The path of the file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A directory was given where a file is expected.
    #[error("{} is a directory, expected a file", Escaped(&.path.to_string_lossy()))]
    IsDirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The ZIP archive is corrupt or unsupported.
    #[error("{}: not a readable ZIP archive: {reason}", Escaped(.archive))]
    Zip {
        /// The archive name.
        archive: String,
        /// The ZIP reader's error (part of the message, not a separate source).
        reason: zip::result::ZipError,
    },
    /// An archive entry is unsafe or is not a DROP list file.
    #[error("{}: entry {} rejected: {reason}", Escaped(.archive), Quoted(.entry))]
    Entry {
        /// The archive name.
        archive: String,
        /// The entry's name (lossily decoded).
        entry: String,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// Two entries of the archive have the same name. Refused as a whole: reading only one of
    /// them ("last one wins", as ZIP tools do) would silently drop the other's rows.
    #[error(
        "{}: two entries are named {}; refusing the archive rather than reading only one of them",
        Escaped(.archive),
        Quoted(.entry)
    )]
    DuplicateEntry {
        /// The archive name.
        archive: String,
        /// The repeated name (lossily decoded; empty if it could not be read back).
        entry: String,
    },
    /// The archive exceeds a configured limit.
    #[error("{}: {what} {actual} exceeds the limit of {limit}", Escaped(.archive))]
    Limit {
        /// The archive name.
        archive: String,
        /// Which limit ("entry count", "uncompressed size of ...").
        what: String,
        /// The value found (for sizes: at least this much).
        actual: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A status file to be created exists already.
    #[error(
        "{}: a status file with this name exists already; use a new suffix",
        Escaped(&.path.to_string_lossy())
    )]
    Exists {
        /// The path of the existing file.
        path: PathBuf,
    },
}

/// Why a row cannot be read as text ([`Error::Encoding`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RowEncoding {
    /// The row is not valid UTF-8.
    NotUtf8,
    /// The row holds a NUL byte (valid UTF-8, but never in a DROP file: a sign of a binary
    /// or corrupt file, and invisible when printed).
    Nul,
}

impl fmt::Display for RowEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RowEncoding::NotUtf8 => "is not UTF-8",
            RowEncoding::Nul => "holds a NUL byte",
        })
    }
}

impl Error {
    /// The Id of the row at fault, when the row is bad but its Id could be read: a bad hash,
    /// list type or status, or a row not readable as text whose first field is. A list row
    /// with such an Id is still a work item DROP expects an answer for (the validator counts
    /// it, and a matcher can answer it as not found).
    pub fn row_id(&self) -> Option<&str> {
        match self {
            Error::Hash { id, .. } | Error::ListType { id, .. } | Error::RowStatus { id, .. } => {
                Some(id)
            }
            Error::Encoding { id, .. } => id.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
