//! Why a round stopped short.

use std::path::{Path, PathBuf};

use dropkit_hash::ListType;

/// Why a round stopped short of its end. Every step saves its progress before it returns,
/// so after any of these the same round can be run again and resumes where it stopped.
///
/// A stop the operator asked for (`stop_after`) is not an error: it is
/// [`Outcome::StoppedAfter`](crate::Outcome::StoppedAfter).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CycleError {
    /// Reading or writing a file of the state directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (its text is part of this error's message).
        source: std::io::Error,
    },
    /// Another run holds the state directory.
    #[error(
        "{} is in use by another dropkit run{}; nothing was sent",
        dir.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Locked {
        /// The state directory.
        dir: PathBuf,
        /// The holder's process id, when it could be read.
        pid: Option<u32>,
    },
    /// `state.json` (or another record of the directory) could not be read or written.
    #[error("{}: invalid round state: {message}", path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// DROP already sent this batch (it answers 409 to a new download until the batch is
    /// answered), but no ZIP of it was saved here: the answer carrying it was lost.
    #[error(
        "DROP says its current batch was already downloaded ({message}), but no ZIP of it is \
         saved in {}. Download the batch from the DROP portal by hand and run \
         `dropkit cycle --zip FILE` to continue the round with it",
        dir.display()
    )]
    DownloadLost {
        /// The state directory.
        dir: PathBuf,
        /// DROP's message.
        message: String,
    },
    /// A ZIP given to adopt (`--zip`) is not usable, or differs from the one the round has.
    #[error("{}: {reason}", path.display())]
    Adopt {
        /// The ZIP given.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// A row (or the header) of the exemption file (`--exempt FILE`) is unusable:
    /// `exempt.csv:3: Key is empty`.
    #[error("{}:{line}: {reason}", path.display())]
    Exemptions {
        /// The exemption file.
        path: PathBuf,
        /// The line at fault (the header is line 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The records file or its mapping cannot serve this round (checked before anything is
    /// downloaded or written).
    #[error("{}: {reason}", path.display())]
    Records {
        /// The records file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Lists of the download that no mapped field can match; refused before any status file
    /// is written unless the operator answers them Not found on purpose.
    #[error("{}", unmatched_message(lists))]
    UnmatchedLists {
        /// The lists, in DROP's order.
        lists: Vec<ListType>,
    },
    /// DROP's API refused a request or could not be reached.
    #[error(transparent)]
    Drop(#[from] dropkit_client::Error),
    /// The downloaded ZIP or a status file could not be read.
    #[error(transparent)]
    Files(#[from] dropkit_files::Error),
    /// Matching the records against the lists failed.
    #[error(transparent)]
    Match(#[from] dropkit_match::Error),
    /// The ledger could not be read or written (each write is one transaction: it is as
    /// before or after the step, and the step is run again).
    #[error(transparent)]
    Ledger(Box<dropkit_ledger::LedgerError>),
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
    /// The broker's connector could not delete some records: they are not claimed (their
    /// lists' status files were not uploaded), and the next run retries only them.
    #[error(
        "{connector}: {} record(s) could not be deleted; their lists' status files were held back \
         ({}): {}",
        failed.len(),
        held.join(", "),
        failed.iter().take(10).map(|(k, r)| format!("{k}: {r}")).collect::<Vec<_>>().join("; ")
    )]
    Connector {
        /// The connector's name.
        connector: String,
        /// Each key not deleted, with the reason.
        failed: Vec<(String, String)>,
        /// The lists held back.
        held: Vec<String>,
    },
    /// The audit chain could not be written or the attestation made.
    #[error(transparent)]
    Audit(Box<dropkit_audit::AuditError>),
    /// `approve` found no round awaiting approval.
    #[error("{}: nothing to approve: {reason}", dir.display())]
    NothingToApprove {
        /// The state directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// The round was matched with an exemption file and is resumed without one: refused
    /// before any step, since the delete step would hand the exempt records on rows others
    /// answered 3 or 4 to the connector.
    #[error(
        "this round was matched with an exemption file: give it again (--exempt FILE, or \
         `exempt` in the settings file) to go on, or its exempt records would be deleted"
    )]
    ExemptionsMissing {
        /// How many keys the exemption file held (0 when the state, written by an earlier
        /// release, did not say).
        keys: u64,
    },
    /// Something the round did not expect (a bug in dropkit or a server outside the spec).
    #[error("{0}")]
    Unexpected(String),
}

/// How one service provider failed during the forward step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProviderFailure {
    /// The provider's name.
    pub provider: String,
    /// How many consumers could not be forwarded.
    pub failed: usize,
    /// The first error, for the message.
    pub first: String,
}

fn unmatched_message(lists: &[ListType]) -> String {
    lists
        .iter()
        .map(|l| {
            format!(
                "{l}: no mapped field can match this list; map {}=COLUMN or pass \
                 --unmatched-list {l}=not-found",
                hint(*l)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The mapping a list needs, as an operator would write it.
fn hint(list: ListType) -> String {
    dropkit_match::required_fields(list)
        .iter()
        .map(|f| f.as_str().to_owned())
        .collect::<Vec<_>>()
        .join("=COLUMN,")
}

impl From<dropkit_ledger::LedgerError> for CycleError {
    fn from(e: dropkit_ledger::LedgerError) -> Self {
        CycleError::Ledger(Box::new(e))
    }
}

impl From<dropkit_audit::AuditError> for CycleError {
    fn from(e: dropkit_audit::AuditError) -> Self {
        CycleError::Audit(Box::new(e))
    }
}

impl CycleError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        CycleError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
