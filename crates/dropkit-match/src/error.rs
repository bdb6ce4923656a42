//! The one error type of this crate: everything that stops a run.

use std::path::PathBuf;

use crate::Problem;

/// Why a match run (or writing its results) stopped.
///
/// Broken record rows do not stop a run: they are [`Problem`]s, counted and kept in the
/// [`MatchOutcome`](crate::MatchOutcome). Only in strict mode does the first one become
/// [`Error::Strict`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the download or writing a status file failed (the error names file and line).
    #[error(transparent)]
    Files(#[from] dropkit_files::Error),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file (for the records: the name given to the matcher).
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The column mapping is not usable: unknown field, no `key`, a column missing from the
    /// header, ...
    #[error("column mapping: {0}")]
    Mapping(String),
    /// The records file has no header row.
    #[error("{file}: no header row (the records CSV must start with its column names)")]
    NoHeader {
        /// The records file name.
        file: String,
    },
    /// Strict mode: the first problem found in the records or the lists.
    #[error("strict mode: {0}")]
    Strict(String),
    /// The same list type was given twice.
    #[error("the {list} list was given twice ({first} and {second})")]
    DuplicateList {
        /// The list type.
        list: dropkit_hash::ListType,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A list has more work items than this crate indexes (about 2 billion).
    #[error("{file}: more than {} work items", crate::list_table::MAX_WORK_ITEMS)]
    TooManyWorkItems {
        /// The list file.
        file: String,
    },
    /// More than 2^31 distinct consumer keys matched. No longer returned: the matches are
    /// kept per hit, by work item range, without a count of keys (the variant stays for
    /// callers that match on it).
    #[error("more than 2^31 distinct consumer keys matched")]
    TooManyKeys,
    /// `max_rows` of 0 for status files.
    #[error("the maximum number of rows per status file must be at least 1")]
    MaxRows,
    /// A file to write exists already (status files are never overwritten).
    #[error("{} exists already: remove it or choose another output directory", path.display())]
    OutputExists {
        /// The file.
        path: PathBuf,
    },
    /// The records file is Parquet and this build lacks the `parquet` feature.
    #[error("{}: a Parquet file, and this build reads CSV records only (the `parquet` feature is off)", path.display())]
    ParquetNotEnabled {
        /// The records file.
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

    pub(crate) fn strict(problem: &Problem) -> Self {
        Error::Strict(problem.to_string())
    }
}
