//! The one error type of this crate.

use std::path::PathBuf;

use drop_hash::ParseHashError;

/// Everything that can go wrong reading or writing DROP files.
///
/// Errors about a row name the file, the line (the header is line 1) and the offending value,
/// so that a person can go straight to the bad row.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CSV file name does not follow `<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv`.
    #[error(
        "{name:?} is not a DROP CSV name (<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv): {reason}"
    )]
    FileName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A ZIP file name does not follow `<YYYYMMDD>_<DataBrokerId>_DROP.zip`.
    #[error("{name:?} is not a DROP download name (<YYYYMMDD>_<DataBrokerId>_DROP.zip): {reason}")]
    ZipName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A response-file suffix is not 1 to 10 ASCII letters or digits.
    #[error("suffix {suffix:?} must be 1 to 10 ASCII letters or digits")]
    Suffix {
        /// The suffix as given.
        suffix: String,
    },
    /// A data type is not one of DROP's list types nor `Removed`.
    #[error("{value:?} is not a DROP data type (NDZ, Email, Phone, MAID, NameVIN, CTVID, Removed)")]
    DataType {
        /// The value as given.
        value: String,
    },
    /// A work item Id is empty or holds a comma, double quote or line break.
    #[error("{value:?} is not a work item Id (non-empty, no comma, quote or line break)")]
    WorkItemId {
        /// The value as given.
        value: String,
    },
    /// A status code is not 2, 3, 4 or 5.
    #[error("status {value:?} is not one of 2, 3, 4, 5")]
    Status {
        /// The value as given.
        value: String,
    },
    /// A CSV file does not start with the expected header.
    #[error("{file}:1: header {found:?} is not {expected}")]
    Header {
        /// The file name.
        file: String,
        /// The header line found (lossily decoded), empty for an empty file.
        found: String,
        /// The header required.
        expected: &'static str,
    },
    /// A row is not UTF-8.
    #[error("{file}:{line}: the row is not UTF-8")]
    Encoding {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
    },
    /// A row has the wrong number of fields.
    #[error("{file}:{line}: expected {expected} fields, found {found}: {row:?}")]
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
    #[error("{file}:{line}: the Id is empty")]
    EmptyId {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
    },
    /// A row's Id holds a character that cannot be written back unquoted (comma, quote, line
    /// break).
    #[error("{file}:{line}: Id {value:?} holds a comma, quote or line break")]
    RowId {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The Id as found.
        value: String,
    },
    /// A row's Hash is not a DROP hash.
    #[error("{file}:{line}: Id {id}: hash {value:?}: {source}")]
    Hash {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The row's Id.
        id: String,
        /// The hash as found.
        value: String,
        /// Why it is not a hash.
        source: ParseHashError,
    },
    /// A Removed row's ListType is not a DROP list type.
    #[error(
        "{file}:{line}: Id {id}: list type {value:?} is not one of NDZ, Email, Phone, MAID, NameVIN, CTVID"
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
    #[error("{file}:{line}: Id {id}: status {value} is not one of 2, 3, 4, 5")]
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
    #[error("{file}:{line}: the line is longer than {limit} bytes")]
    LineTooLong {
        /// The file name.
        file: String,
        /// The line number (header is line 1).
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// A row's quoting is broken.
    #[error("{file}:{line}: {reason}: {row:?}")]
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
    #[error("{}: {source}", path.display())]
    Io {
        /// The path of the file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The ZIP archive is corrupt or unsupported.
    #[error("{archive}: not a readable ZIP archive: {source}")]
    Zip {
        /// The archive name.
        archive: String,
        /// The ZIP reader's error.
        source: zip::result::ZipError,
    },
    /// An archive entry is unsafe or is not a DROP list file.
    #[error("{archive}: entry {entry:?} rejected: {reason}")]
    Entry {
        /// The archive name.
        archive: String,
        /// The entry's name (lossily decoded).
        entry: String,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// The archive exceeds a configured limit.
    #[error("{archive}: {what} {actual} exceeds the limit of {limit}")]
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
    #[error("{}: a status file with this name exists already; use a new suffix", path.display())]
    Exists {
        /// The path of the existing file.
        path: PathBuf,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
