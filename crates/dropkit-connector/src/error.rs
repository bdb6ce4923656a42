//! The connectors' errors. An error from [`Connector::apply`](crate::Connector::apply) means
//! the whole batch's outcome is unknown: nothing of it may be claimed to DROP.
//!
//! No error ever holds a database password: URLs are kept with the password masked
//! (`postgres://app:***@db/crm`) and database messages are scrubbed of it, which is why the
//! database's own error is kept as text rather than as a source.

use std::fmt;
use std::time::Duration;

/// Which of the SQL connector's statements an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// The delete statement (`--delete-sql`).
    Delete,
    /// The opt-out statement (`--opt-out-sql`).
    OptOut,
}

impl fmt::Display for StatementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StatementKind::Delete => "delete statement",
            StatementKind::OptOut => "opt-out statement",
        })
    }
}

/// An error of a connector: it could not be set up, or a batch's outcome is unknown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// The database URL's scheme is neither `postgres://` (or `postgresql://`) nor `sqlite://`.
    #[error("database URL {url}: unsupported scheme {scheme:?}: expected postgres:// or sqlite://")]
    UnsupportedScheme {
        /// The URL, password masked.
        url: String,
        /// The scheme found (empty when the URL has none).
        scheme: String,
    },
    /// The database could not be reached or refused the connection (wrong URL, server down,
    /// authentication failed, SQLite file missing).
    #[error("database {url}: cannot connect: {message}")]
    Connect {
        /// The URL, password masked.
        url: String,
        /// What the driver said, password scrubbed.
        message: String,
    },
    /// A statement is empty, does not prepare (syntax, missing table or column, a type that
    /// does not take the text key), or does not have exactly one parameter `$1`.
    #[error("{kind} {sql:?}: {message}")]
    Statement {
        /// Which statement.
        kind: StatementKind,
        /// The statement as given.
        sql: String,
        /// What is wrong with it.
        message: String,
    },
    /// The batch's transaction failed as a whole (connection lost, begin, savepoint handling
    /// or commit refused): none of its keys may be claimed.
    #[error("database {url}: the batch's transaction failed: {message}")]
    Transaction {
        /// The URL, password masked.
        url: String,
        /// What the driver said, password scrubbed.
        message: String,
    },
    /// The command could not be started (`sh` missing, no permission).
    #[error("cannot start the delete command: {source}")]
    Spawn {
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Reading the command's answer or waiting for it failed.
    #[error("delete command: {during}: {source}")]
    CommandIo {
        /// What was being done.
        during: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The command exited with a non-zero status (or was killed by a signal): its answer is
    /// not trusted, whatever it printed.
    #[error("delete command exited with {status}{}", stderr_tail(stderr))]
    CommandFailed {
        /// The exit status, as the operating system describes it.
        status: String,
        /// The end of what the command wrote on standard error (at most 2 KiB).
        stderr: String,
    },
    /// The command did not finish within its timeout; it was killed.
    #[error("delete command did not finish within {}s; it was killed", after.as_secs_f64())]
    Timeout {
        /// The timeout.
        after: Duration,
    },
    /// The command exited 0 but its answer on standard output is missing or malformed.
    #[error("delete command's answer: {0}")]
    Answer(#[from] AnswerError),
}

fn stderr_tail(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("; its standard error ends: {trimmed}")
    }
}

/// What is wrong with the command connector's answer (`Key,Result` CSV on standard output).
/// Lines are counted from 1, the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Nothing on standard output.
    #[error("no answer on standard output: expected a CSV with header Key,Result")]
    Missing,
    /// The first line is not `Key,Result` (or `Key,Result,Reason`).
    #[error("line 1: header {found:?}: expected Key,Result or Key,Result,Reason")]
    Header {
        /// The header found, fields joined by commas.
        found: String,
    },
    /// A line is not valid CSV, or has a different number of fields than the header.
    #[error("line {line}: {message}")]
    Malformed {
        /// The line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A key that was not in the batch.
    #[error("line {line}: key {key:?} was not in the batch")]
    UnknownKey {
        /// The line.
        line: u64,
        /// The key.
        key: String,
    },
    /// A key answered twice.
    #[error("line {line}: key {key:?} is answered twice")]
    DuplicateKey {
        /// The line.
        line: u64,
        /// The key.
        key: String,
    },
    /// A Result other than `done` or `failed`.
    #[error("line {line}: key {key:?}: Result {found:?}: expected done or failed")]
    Result {
        /// The line.
        line: u64,
        /// The key.
        key: String,
        /// The Result found.
        found: String,
    },
    /// Keys of the batch that the answer does not mention.
    #[error("{} key(s) of the batch not answered: {}", keys.len(), key_list(keys))]
    MissingKeys {
        /// Every key not answered, in batch order.
        keys: Vec<String>,
    },
}

fn key_list(keys: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = keys
        .iter()
        .take(SHOWN)
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        s.push_str(&format!(" and {} more", keys.len() - SHOWN));
    }
    s
}
