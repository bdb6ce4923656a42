//! Broken record rows: counted, reported with their line and column, never silently dropped.

use std::fmt;
use std::sync::Arc;

use dropkit_hash::StandardizeError;

/// One thing wrong with one row of the records file.
///
/// A row with a problem is still used as far as it can be: a phone that does not standardize
/// does not stop the row's email from matching. Only a row whose field count differs from the
/// header, or whose key is empty or not UTF-8, is skipped whole (its columns cannot be
/// trusted, or a match could not be reported against a consumer).
///
/// Displays as `records.csv:7: column "dob" (dob): date of birth "1985-13-01" has no such month`,
/// or for records read from Arrow record batches (Parquet), which have rows and no lines,
/// `records.parquet: row 6: column ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The records file name.
    pub file: Arc<str>,
    /// The line the row starts on (the header is line 1); with [`Position::Row`], the row's
    /// number in the record batches (the first row of the first batch is row 1).
    pub line: u64,
    /// Whether [`line`](Self::line) counts lines of a CSV file or rows of record batches.
    pub position: Position,
    /// The column at fault and what it is mapped to, if the problem is in one column.
    pub column: Option<Arc<str>>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What a [`Problem`]'s position counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Position {
    /// Lines of a CSV file, the header being line 1 (a quoted field may span lines).
    #[default]
    Line,
    /// Rows of Arrow record batches (a Parquet file), counted from 1 across the batches.
    Row,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A mapped value is not UTF-8.
    NotUtf8,
    /// The row has another number of fields than the header; the row is skipped.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The consumer key is empty; the row is skipped.
    EmptyKey,
    /// The consumer key is longer than the matcher keeps; the row is skipped.
    KeyTooLong {
        /// The key's length in bytes.
        len: usize,
        /// The most bytes a key may have.
        max: usize,
    },
    /// A value does not standardize by DROP's rules (unparsable date, VIN of 16 characters,
    /// an email of only spaces, ...).
    Standardize(StandardizeError),
    /// A pre-hashed column holds something that is not a SHA-256 hash (44 characters of
    /// Base64 or 64 hex digits).
    NotAHash(String),
    /// The CSV reader failed inside a block of records; the rest of the block is skipped.
    Unreadable(String),
}

impl ProblemKind {
    /// Whether the whole row is skipped because of this problem.
    pub fn skips_row(&self) -> bool {
        matches!(
            self,
            ProblemKind::FieldCount { .. }
                | ProblemKind::EmptyKey
                | ProblemKind::KeyTooLong { .. }
                | ProblemKind::Unreadable(_)
        )
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::NotUtf8 => f.write_str("the value is not UTF-8"),
            ProblemKind::FieldCount { expected, found } => write!(
                f,
                "the row has {found} fields, the header {expected}; row skipped"
            ),
            ProblemKind::EmptyKey => f.write_str("the consumer key is empty; row skipped"),
            ProblemKind::KeyTooLong { len, max } => write!(
                f,
                "the consumer key has {len} bytes, more than {max}; row skipped"
            ),
            ProblemKind::Standardize(e) => write!(f, "{e}"),
            ProblemKind::NotAHash(reason) => write!(f, "not a SHA-256 hash: {reason}"),
            ProblemKind::Unreadable(e) => {
                write!(f, "unreadable CSV: {e}; rest of the block skipped")
            }
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::Line => write!(f, "{}:{}: ", self.file, self.line)?,
            Position::Row => write!(f, "{}: row {}: ", self.file, self.line)?,
        }
        if let Some(column) = &self.column {
            write!(f, "column {column}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}
