//! What the validator found: problems with file and line, and completeness per list.

use std::fmt;

use dropkit_hash::ListType;

use crate::display::Escaped;
use crate::{Error, ListFileName, RowEncoding};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// DROP accepts it, but it is worth a look.
    Warning,
    /// DROP would reject the file or the row.
    Error,
}

/// What is wrong. Each variant's `Display` is the message after the location.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The file name is not a DROP CSV name.
    FileName {
        /// Why.
        reason: String,
    },
    /// The file answers the Removed file, which takes no responses.
    AnswersRemoved,
    /// The name is of no list in the download.
    NotInDownload {
        /// The download's name.
        download: String,
    },
    /// The name's data type is spelled differently from the downloaded file's (a warning).
    NameSpelling {
        /// The downloaded file's name.
        download: String,
    },
    /// The same name (suffix compared case-insensitively) is given twice.
    DuplicateName,
    /// The header is not exactly `Id,Status` (or, for a download file, not its header).
    Header {
        /// The header found.
        found: String,
        /// The header required.
        expected: &'static str,
    },
    /// The file could not be read (I/O error).
    Unreadable {
        /// The error.
        message: String,
    },
    /// A row cannot be read as text: not UTF-8, or (in a download file) a NUL byte.
    Encoding {
        /// What is wrong.
        problem: RowEncoding,
    },
    /// A directory was given where a response file is expected.
    IsDirectory,
    /// A row's Id is empty.
    EmptyId,
    /// A row's Id holds a comma, quote, line break or NUL.
    InvalidId {
        /// The Id as found.
        value: String,
    },
    /// A row's status is not 2, 3, 4 or 5.
    Status {
        /// The value as found.
        value: String,
    },
    /// A row has the wrong number of fields or broken quoting, or is too long.
    Malformed {
        /// What is wrong.
        message: String,
    },
    /// The Id is in no list of the download.
    UnknownId,
    /// The Id belongs to another list of the download.
    WrongList {
        /// Its list.
        list: ListType,
    },
    /// The Id was answered before in this list's files.
    AnsweredTwice {
        /// The file that answered it first.
        first: String,
    },
    /// The Id is in the Removed file: DROP does not require an answer (a warning).
    RemovedIdAnswered,
    /// Blank lines (skipped; DROP does not say whether it accepts them).
    BlankLines {
        /// How many.
        count: u64,
    },
    /// An Id appears more than once in the download (DROP says Ids are unique): one warning
    /// per Id, at the line where it first repeats; it counts as one work item.
    DuplicateWorkItem {
        /// How many times it is listed in the download's lists.
        count: u64,
    },
    /// More problems in this file were found than are kept.
    MoreProblems {
        /// How many were left out.
        count: u64,
    },
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::FileName { reason } => write!(f, "not a DROP response name: {reason}"),
            ProblemKind::AnswersRemoved => {
                f.write_str("responses answer a list, not the Removed file")
            }
            ProblemKind::NotInDownload { download } => {
                write!(f, "not the name of a list in {download} (with an optional _suffix)")
            }
            ProblemKind::NameSpelling { download } => write!(
                f,
                "the data type is spelled differently from the downloaded {download}; DROP may refuse it"
            ),
            ProblemKind::DuplicateName => f.write_str(
                "the same name is given twice; DROP rejects a name already uploaded: use another suffix",
            ),
            ProblemKind::Header { found, expected } => {
                // Response headers must match byte for byte; download headers in any case.
                let exactly = if *expected == crate::STATUS_HEADER { "exactly " } else { "" };
                write!(f, "header {found:?} is not {exactly}{expected}")
            }
            ProblemKind::Unreadable { message } => write!(f, "cannot be read: {message}"),
            ProblemKind::Encoding { problem } => write!(f, "the row {problem}"),
            ProblemKind::IsDirectory => f.write_str("is a directory, expected a file"),
            ProblemKind::EmptyId => f.write_str("the Id is empty"),
            ProblemKind::InvalidId { value } => {
                write!(f, "Id {value:?} holds a comma, quote, line break or NUL")
            }
            ProblemKind::Status { value } => {
                write!(f, "status {} is not one of 2, 3, 4, 5", Escaped(value))
            }
            ProblemKind::Malformed { message } => f.write_str(message),
            ProblemKind::UnknownId => f.write_str("not a work item of the download"),
            ProblemKind::WrongList { list } => {
                write!(f, "a work item of the {list} list, not of this file's list")
            }
            ProblemKind::AnsweredTwice { first } => write!(f, "already answered in {first}"),
            ProblemKind::RemovedIdAnswered => f.write_str(
                "in the Removed file: DROP does not require an answer (allowed)",
            ),
            ProblemKind::BlankLines { count } => write!(f, "{count} blank line(s) skipped"),
            ProblemKind::DuplicateWorkItem { count } => write!(
                f,
                "listed {count} times in the download (Ids should be unique); counted as one work item"
            ),
            ProblemKind::MoreProblems { count } => {
                write!(f, "{count} more problem(s) in this file not shown")
            }
        }
    }
}

/// One problem, with where it is.
///
/// `Display` gives `file:line: Id X: message`, leaving out what is unknown, for example
/// `20261120_4821_Email.csv:3: Id A7kP2xQ9Lm4R: status 7 is not one of 2, 3, 4, 5`. Control
/// characters in the file name, Id and values are shown escaped (`2\0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file name.
    pub file: String,
    /// The line (the header is line 1), when the problem is a row's.
    pub line: Option<u64>,
    /// The row's Id, when it has one.
    pub id: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Escaped(&self.file))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.id {
            write!(f, ": Id {}", Escaped(id))?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl Problem {
    pub(crate) fn error(
        file: &str,
        line: Option<u64>,
        id: Option<String>,
        kind: ProblemKind,
    ) -> Self {
        Problem {
            severity: Severity::Error,
            file: file.to_owned(),
            line,
            id,
            kind,
        }
    }

    pub(crate) fn warning(
        file: &str,
        line: Option<u64>,
        id: Option<String>,
        kind: ProblemKind,
    ) -> Self {
        Problem {
            severity: Severity::Warning,
            file: file.to_owned(),
            line,
            id,
            kind,
        }
    }

    /// The problem a row-reading error stands for.
    pub(crate) fn of_row_error(file: &str, error: Error) -> Self {
        let (line, id, kind) = match error {
            Error::Encoding {
                line, id, problem, ..
            } => (Some(line), id, ProblemKind::Encoding { problem }),
            Error::IsDirectory { .. } => (None, None, ProblemKind::IsDirectory),
            // The file is named by the problem already: only the operating system's reason.
            Error::Io { source, .. } => (
                None,
                None,
                ProblemKind::Unreadable {
                    message: source.to_string(),
                },
            ),
            Error::EmptyId { line, .. } => (Some(line), None, ProblemKind::EmptyId),
            Error::RowId { line, value, .. } => {
                (Some(line), None, ProblemKind::InvalidId { value })
            }
            Error::RowStatus {
                line, id, value, ..
            } => (Some(line), Some(id), ProblemKind::Status { value }),
            Error::FieldCount {
                line,
                expected,
                found,
                row,
                ..
            } => (
                Some(line),
                None,
                ProblemKind::Malformed {
                    message: format!("expected {expected} fields, found {found}: {row:?}"),
                },
            ),
            Error::Quoting {
                line, reason, row, ..
            } => (
                Some(line),
                None,
                ProblemKind::Malformed {
                    message: format!("{reason}: {row:?}"),
                },
            ),
            Error::LineTooLong { line, limit, .. } => (
                Some(line),
                None,
                ProblemKind::Malformed {
                    message: format!("the line is longer than {limit} bytes"),
                },
            ),
            Error::Hash {
                line,
                id,
                value,
                reason,
                ..
            } => (
                Some(line),
                Some(id),
                ProblemKind::Malformed {
                    message: format!("hash {value:?}: {reason}"),
                },
            ),
            Error::ListType {
                line, id, value, ..
            } => (
                Some(line),
                Some(id),
                ProblemKind::Malformed {
                    message: format!("list type {value:?} is not a DROP list type"),
                },
            ),
            Error::Header {
                found, expected, ..
            } => (Some(1), None, ProblemKind::Header { found, expected }),
            other => (
                None,
                None,
                ProblemKind::Unreadable {
                    message: crate::display::Chain(&other).to_string(),
                },
            ),
        };
        Problem::error(file, line, id, kind)
    }
}

/// How far one downloaded list is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCompleteness {
    /// The downloaded list file.
    pub name: ListFileName,
    /// Its work items (Ids also in the Removed file not counted).
    pub work_items: u64,
    /// How many were answered by valid rows.
    pub answered: u64,
    /// How many are not answered yet.
    pub outstanding: u64,
}

/// One response file as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// The file name.
    pub file: String,
    /// Data rows read (valid or not).
    pub rows: u64,
    /// Whether DROP would take the file at all (its name and header are right).
    pub accepted: bool,
}

/// The validator's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every problem found, download first, then per response file in the order given.
    pub problems: Vec<Problem>,
    /// Completeness of every list of the download, in archive order.
    pub lists: Vec<ListCompleteness>,
    /// The response files checked, in the order given.
    pub files: Vec<FileSummary>,
}

impl Report {
    /// Problems DROP would reject.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// Problems DROP would accept.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    /// Whether every response file is valid: no error anywhere.
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Whether every work item of every list is answered (exactly once, as twice is an error).
    pub fn is_complete(&self) -> bool {
        self.lists.iter().all(|l| l.outstanding == 0)
    }
}
