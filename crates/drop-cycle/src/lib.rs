//! The whole California DROP round, resumable at every step (work in progress).

pub mod state;

use std::path::{Path, PathBuf};

/// Why a round stopped.
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
}

impl CycleError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        CycleError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
