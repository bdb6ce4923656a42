//! Why a round stopped.

use std::path::{Path, PathBuf};

/// Why a round stopped. Every step saves its progress before it returns, so after any of
/// these the same round can be run again and resumes where it stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CycleError {
    /// Reading or writing a file of the state directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `state.json` could not be read or written.
    #[error("{path}: invalid round state: {message}")]
    State {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// DROP's API refused a request or could not be reached.
    #[error(transparent)]
    Drop(#[from] drop_client::Error),
    /// The downloaded ZIP or a status file could not be read.
    #[error(transparent)]
    Files(#[from] drop_files::Error),
    /// Matching the records against the lists failed.
    #[error(transparent)]
    Match(#[from] drop_match::Error),
    /// The status files written would not be accepted by DROP, or leave work items
    /// unanswered; nothing was uploaded.
    #[error("the status files are not valid; nothing was uploaded:\n  {}", problems.join("\n  "))]
    Invalid {
        /// One line per problem, naming file and line.
        problems: Vec<String>,
    },
    /// DROP rejected a status file.
    #[error("DROP rejected {file}: {message}")]
    UploadRejected {
        /// The status file.
        file: String,
        /// DROP's reason.
        message: String,
    },
    /// A service provider failed for some consumers; the others were forwarded and
    /// recorded, and a new run retries only the failed ones.
    #[error("{provider}: {failed} deletion request(s) failed, first: {first}")]
    Forward {
        /// The provider's name.
        provider: String,
        /// How many consumers could not be forwarded.
        failed: usize,
        /// The first error, for the message.
        first: String,
    },
    /// The round was asked to stop after a step (`stop_after`); run it again to go on.
    #[error("stopped after {0} as asked; run again to resume")]
    Stopped(crate::Step),
    /// Something the round did not expect (a bug in dropkit or a server outside the spec).
    #[error("{0}")]
    Unexpected(String),
}

impl CycleError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        CycleError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
