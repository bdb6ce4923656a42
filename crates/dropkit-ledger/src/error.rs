//! The one error type of this crate.

use std::path::PathBuf;

/// Why a ledger operation failed. Every variant names the file at fault; a failed write
/// leaves the ledger as it was before the call (its transaction is rolled back).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The ledger database could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The ledger was written by a newer dropkit (its schema version is higher than this
    /// release knows): it is not read, rather than misread.
    #[error(
        "{}: ledger schema version {found}, this dropkit knows versions up to {known}: use a newer dropkit",
        path.display()
    )]
    NewerSchema {
        /// The ledger file.
        path: PathBuf,
        /// The version found in the file (`PRAGMA user_version`).
        found: i64,
        /// The newest version this release writes ([`SCHEMA_VERSION`](crate::SCHEMA_VERSION)).
        known: i64,
    },
    /// The file is not a dropkit ledger (an SQLite file without the ledger's tables, or not
    /// SQLite at all).
    #[error("{}: not a dropkit ledger ({reason})", path.display())]
    NotALedger {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// There is no ledger at this path (nothing has been recorded in this state directory
    /// yet).
    #[error("{}: no ledger here yet (a round or an import creates it)", path.display())]
    NoLedger {
        /// The path looked at.
        path: PathBuf,
    },
    /// The download named is not in the ledger: record it first.
    #[error("{}: download {download} is not recorded in the ledger", path.display())]
    NotRecorded {
        /// The ledger file.
        path: PathBuf,
        /// The download's name.
        download: String,
    },
    /// Reading or writing a file other than the ledger failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A DROP file (the download ZIP, a list, a status file) could not be read; the error
    /// names file and line.
    #[error(transparent)]
    Files(#[from] dropkit_files::Error),
    /// Matching records (screening) failed: unreadable records file, a mapped column missing,
    /// a mapping error, ...
    #[error(transparent)]
    Match(#[from] dropkit_match::Error),
    /// A file does not belong where it was given: a status file named for another download, a
    /// download ZIP whose name is not a DROP download name, ...
    #[error("{}: {reason}", path.display())]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What does not fit.
        reason: String,
    },
    /// A file of an archived round (`state.json`, `matches.csv`) could not be understood.
    #[error("{}:{line}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line at fault (1 for a whole-file problem).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing a Parquet file failed.
    #[error("{}: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The parquet crate's error.
        source: parquet::errors::ParquetError,
    },
    /// Building or filtering an Arrow batch failed.
    #[error("{}: {source}", path.display())]
    Arrow {
        /// The file being read or written.
        path: PathBuf,
        /// Arrow's error.
        source: arrow_schema::ArrowError,
    },
    /// An output file is the input file (`screen --clean` over the records themselves).
    #[error("{}: is also the records file; choose another output", path.display())]
    SameFile {
        /// The file.
        path: PathBuf,
    },
}

/// Adds the file to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// Names `path` in the error.
    fn at(self, path: &std::path::Path) -> Result<T, LedgerError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &std::path::Path) -> Result<T, LedgerError> {
        self.map_err(|source| LedgerError::Sqlite {
            path: path.to_owned(),
            source,
        })
    }
}

impl LedgerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LedgerError::Io {
            path: path.into(),
            source,
        }
    }
}
