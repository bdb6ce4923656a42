//! The crate's one error type.
//!
//! No message repeats a value it refused (a refused label may be an identifier) or any key
//! material: they name the file, the line and the rule instead.

use std::path::{Path, PathBuf};

use crate::Digest;

/// What went wrong reading, writing or checking audit records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The audit chain is broken: `line` (1-based) is the first line that is not what the
    /// chain recorded.
    #[error("{}: line {line} {problem}", path.display())]
    Broken {
        /// The audit chain file.
        path: PathBuf,
        /// The first broken line, counted from 1.
        line: u64,
        /// What is wrong with it.
        problem: Break,
    },
    /// The last complete line of the audit chain cannot be read, so nothing can be appended
    /// after it.
    #[error(
        "{}: its last line is not an audit entry ({message}); run `dropkit audit verify`, \
         keep the file and move it aside to start a new chain",
        path.display()
    )]
    LastLineUnreadable {
        /// The audit chain file.
        path: PathBuf,
        /// Why the line could not be read (never the line's text).
        message: String,
    },
    /// A value was refused as audit text (a [`Label`](crate::Label) or
    /// [`Approver`](crate::Approver)); the value itself is not repeated.
    #[error("a value of {chars} characters was refused as audit text: {rule}")]
    Refused {
        /// Its length in characters.
        chars: usize,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A file is not an attestation (or not one this release reads).
    #[error("{}: not an attestation: {message}", path.display())]
    Attestation {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A signature file (`attestation.json.sig`) cannot be read.
    #[error("{}: not a signature file: {message}", path.display())]
    Signature {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A key file cannot be read or written (its content is never shown).
    #[error("{}: {message}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl AuditError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> AuditError {
        AuditError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// The first broken line (1-based) when the chain is broken, `None` for other errors.
    pub fn broken_line(&self) -> Option<u64> {
        match self {
            AuditError::Broken { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// How a line of the audit chain is broken; the message reads after "line N".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Break {
    /// The line is not an audit entry: not JSON, a required field missing, or a torn line in
    /// the middle of the chain.
    #[error("is not an audit entry: {message}")]
    NotAnEntry {
        /// Why (never the line's text).
        message: String,
    },
    /// The line's `seq` is not its line number: lines were removed, inserted or reordered
    /// here.
    #[error("has seq {found} where {expected} belongs: lines were removed, inserted or reordered")]
    Sequence {
        /// The line number, which is the `seq` it must carry.
        expected: u64,
        /// The `seq` it carries.
        found: u64,
    },
    /// The line changed after it was chained: the next line's `prev` is not its SHA-256.
    #[error(
        "was changed after it was written: line {next_line}'s prev is not its SHA-256 \
         (or that prev was changed)"
    )]
    Changed {
        /// The line whose `prev` no longer matches.
        next_line: u64,
    },
    /// The first line's `prev` is not 64 zeros.
    #[error("is the first line but its prev is not 64 zeros: the chain's start was replaced")]
    FirstPrev,
    /// The line is not the head recorded elsewhere (an attestation, `--head`): it was
    /// changed.
    #[error("is not the recorded head {expected}: it was changed")]
    NotHead {
        /// The recorded SHA-256 of the line.
        expected: Digest,
    },
    /// A head was recorded at this line but the chain ends before it: lines were removed
    /// from its end.
    #[error("is missing: the chain ends at line {last}, but a head was recorded at this line")]
    Missing {
        /// The chain's last line.
        last: u64,
    },
}
