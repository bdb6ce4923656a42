//! What can stop a report: no ledger, a file that cannot be read, a bad year, or a ledger that
//! disagrees with the status files uploaded.

use std::fmt;
use std::path::PathBuf;

/// Why a report could not be made.
///
/// Every variant names the file (and where it applies the download and list) a person needs
/// to look at. None carries a consumer's identifier: the report never reads one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The state directory does not exist (or is not a directory).
    #[error("{}: no such state directory", path.display())]
    NoStateDir {
        /// The directory given.
        path: PathBuf,
    },
    /// The state directory holds no ledger: no round has recorded a download there yet.
    #[error("{}: no ledger (no round has recorded a download in this state directory yet)", path.display())]
    NoLedger {
        /// Where the ledger was looked for.
        path: PathBuf,
    },
    /// The file is not a dropkit ledger, or one written by a newer dropkit.
    #[error("{}: {reason}", path.display())]
    NotALedger {
        /// The ledger file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A query of the ledger failed.
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A file of the state directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A round's `state.json` could not be read.
    #[error("{}: {message}", path.display())]
    State {
        /// The `state.json` file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An uploaded status file could not be read (its name, line and Id in the message).
    #[error("{}: {source}", path.display())]
    StatusFile {
        /// The status file.
        path: PathBuf,
        /// The reader's error, naming file, line and Id (boxed: it is large).
        #[source]
        source: Box<dropkit_files::Error>,
    },
    /// A value the ledger holds is not what a dropkit ledger writes.
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The ledger file.
        path: PathBuf,
        /// The value and what is wrong with it.
        message: String,
    },
    /// The year is outside what a report covers (1970 to 9999).
    #[error("year {year} is out of range (1970 to 9999)")]
    Year {
        /// The year given.
        year: i32,
    },
    /// The ledger's counts disagree with the status files actually uploaded: the report is
    /// not made, since one of them is wrong (a status file edited after its upload, a round
    /// whose answers were never recorded, a round directory missing).
    #[error("{}", DisagreementList(.disagreements))]
    Disagreement {
        /// Every difference found, by download and list.
        disagreements: Vec<Disagreement>,
    },
    /// Writing the report failed.
    #[error("writing the report: {source}")]
    Write {
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// One difference between the ledger and the uploaded status files.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Disagreement {
    /// The download (`20261120_4821_DROP.zip`) whose round disagrees.
    pub download: String,
    /// The list (`Email`, …), when the difference is in one list's counts.
    pub list: Option<String>,
    /// What differs, with both numbers (`status 3 (Deleted): ledger 12, uploaded status
    /// files 11`).
    pub detail: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.list {
            Some(list) => write!(f, "{}: {list}: {}", self.download, self.detail),
            None => write!(f, "{}: {}", self.download, self.detail),
        }
    }
}

struct DisagreementList<'a>(&'a [Disagreement]);

impl fmt::Display for DisagreementList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the ledger disagrees with the status files uploaded ({} difference(s)); no report made",
            self.0.len()
        )?;
        for d in self.0 {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl ReportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Adds the ledger's path to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// The error as [`ReportError::Sqlite`] naming `path`.
    fn at(self, path: &std::path::Path) -> Result<T, ReportError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &std::path::Path) -> Result<T, ReportError> {
        self.map_err(|source| ReportError::Sqlite {
            path: path.to_owned(),
            source,
        })
    }
}
