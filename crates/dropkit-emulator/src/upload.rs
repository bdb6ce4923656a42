//! Upload and amend: DROP's file-level validation (accept or reject each file) and the
//! record-level checks that real DROP runs after answering and reports by email.

use std::collections::HashSet;
use std::fmt;

use bytes::Bytes;
use dropkit_files::wire::{AcceptedFile, Endpoint, RejectedFile, UploadResponse};
use dropkit_files::{ListFileName, StatusReader};

use crate::account::Account;
use crate::messages;

/// Why a file was rejected before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// The request held no file (or a part without a name or content).
    NoCsv,
    /// The file is not a CSV (name not ending in `.csv`, or a ZIP).
    NotCsv,
    /// The name is not one of the current download's list files, with an optional suffix.
    NameMismatch,
    /// A file of this name was already uploaded for the current download.
    DuplicateName,
    /// The content is not UTF-8 or not CSV.
    Unreadable,
    /// The first line is not exactly `Id,Status`.
    InvalidHeader,
}

impl Rejection {
    /// The message sent in `rejected[].message`.
    pub const fn message(self) -> &'static str {
        match self {
            Rejection::NoCsv => messages::NO_CSV,
            Rejection::NotCsv => messages::ONLY_CSV,
            Rejection::NameMismatch => messages::NAME_MISMATCH,
            Rejection::DuplicateName => messages::DUPLICATE_NAME,
            Rejection::Unreadable => messages::UNREADABLE,
            Rejection::InvalidHeader => messages::INVALID_HEADER,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A row-level problem in an accepted file. Real DROP reports these by email after the
/// upload; the emulator keeps them for tests ([`Emulator::record_errors`](crate::Emulator::record_errors)).
/// The row is ignored: no status is recorded from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// The file name as uploaded.
    pub file: String,
    /// The line (the header is line 1).
    pub line: u64,
    /// The row's Id, when it has one.
    pub id: Option<String>,
    /// What is wrong.
    pub kind: RecordErrorKind,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The row cannot be read: wrong field count, empty Id, status not 2 to 5 (the reader's
    /// message).
    Malformed(String),
    /// The Id is not a work item of the list the file answers, in the current download.
    UnknownId,
    /// The Id appears earlier in the same file.
    DuplicateInFile,
    /// An upload answers an Id that already has a status (change it with amend).
    AlreadyAnswered,
    /// An amend changes an Id that has no status yet (answer it with upload first).
    NotAnswered,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(id) = &self.id {
            write!(f, "Id {id}: ")?;
        }
        match &self.kind {
            RecordErrorKind::Malformed(m) => f.write_str(m),
            RecordErrorKind::UnknownId => {
                f.write_str("not a work item of this list in the current download")
            }
            RecordErrorKind::DuplicateInFile => f.write_str("appears more than once in the file"),
            RecordErrorKind::AlreadyAnswered => {
                f.write_str("already has a status; use /data/amend to change it")
            }
            RecordErrorKind::NotAnswered => f.write_str("has no status to amend; use /data/upload"),
        }
    }
}

/// One part of the `files` field as received.
#[derive(Debug, Clone)]
pub(crate) struct IncomingFile {
    pub(crate) name: String,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: Bytes,
}

/// The result of one upload or amend request.
pub(crate) struct Processed {
    pub(crate) response: UploadResponse,
    /// Per file, in request order: `None` if accepted.
    pub(crate) outcomes: Vec<Option<Rejection>>,
    pub(crate) record_errors: Vec<RecordError>,
}

/// Applies DROP's checks to each file in order and records the statuses of accepted ones. The
/// caller has checked that the endpoint is allowed in the account's state.
///
/// File checks, in order: a part with no name and no content is "no CSV"; a name not ending in
/// `.csv` (any case), a `application/zip` part or ZIP bytes are "only CSV"; the name must be a
/// list file of the current download (with an optional suffix; not the Removed file); the name
/// must not have been used for this download by an upload or an amend (suffixes compared
/// case-insensitively); the content must be UTF-8; the header must be exactly `Id,Status`.
pub(crate) fn process(
    account: &mut Account,
    endpoint: Endpoint,
    files: &[IncomingFile],
) -> Processed {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut outcomes = Vec::new();
    let mut record_errors = Vec::new();
    if files.is_empty() {
        rejected.push(RejectedFile::new("", messages::NO_CSV));
    }
    for file in files {
        match check(account, file) {
            Ok((name, reader)) => {
                account.used_names.push(name.clone());
                apply(account, endpoint, &name, file, reader, &mut record_errors);
                accepted.push(AcceptedFile::new(
                    file.name.clone(),
                    file.bytes.len() as u64,
                ));
                outcomes.push(None);
            }
            Err(why) => {
                rejected.push(RejectedFile::new(file.name.clone(), why.message()));
                outcomes.push(Some(why));
            }
        }
    }
    account.check_complete();
    let message = match (accepted.is_empty(), rejected.is_empty()) {
        (true, _) => messages::UPLOAD_INVALID,
        (false, true) => messages::UPLOAD_ACCEPTED,
        (false, false) => messages::UPLOAD_MIXED,
    };
    Processed {
        response: UploadResponse::new(message, accepted, rejected),
        outcomes,
        record_errors,
    }
}

fn check<'a>(
    account: &Account,
    file: &'a IncomingFile,
) -> Result<(ListFileName, StatusReader<&'a [u8]>), Rejection> {
    if file.name.is_empty() && file.bytes.is_empty() {
        return Err(Rejection::NoCsv);
    }
    let is_zip_type = file
        .content_type
        .as_deref()
        .is_some_and(|t| t.contains("zip"));
    let ends_csv = file.name.len() >= 4
        && file.name.is_char_boundary(file.name.len() - 4)
        && file.name[file.name.len() - 4..].eq_ignore_ascii_case(".csv");
    if !ends_csv || is_zip_type || file.bytes.starts_with(b"PK\x03\x04") {
        return Err(Rejection::NotCsv);
    }
    let name: ListFileName = file.name.parse().map_err(|_| Rejection::NameMismatch)?;
    if account.list_of(&name).is_none() {
        return Err(Rejection::NameMismatch);
    }
    if account
        .used_names
        .iter()
        .any(|used| used.same_upload(&name))
    {
        return Err(Rejection::DuplicateName);
    }
    let text = std::str::from_utf8(&file.bytes).map_err(|_| Rejection::Unreadable)?;
    let reader = StatusReader::new(file.name.clone(), text.as_bytes()).map_err(|e| match e {
        dropkit_files::Error::Header { .. } => Rejection::InvalidHeader,
        _ => Rejection::Unreadable,
    })?;
    Ok((name, reader))
}

fn apply(
    account: &mut Account,
    endpoint: Endpoint,
    name: &ListFileName,
    file: &IncomingFile,
    reader: StatusReader<&[u8]>,
    errors: &mut Vec<RecordError>,
) {
    let Some(list) = account.list_of(name) else {
        return;
    };
    let Some(download) = account.latest().map(|d| d.number) else {
        return;
    };
    let mut seen = HashSet::new();
    for row in reader {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                errors.push(RecordError {
                    file: file.name.clone(),
                    line: line_of(&e),
                    id: id_of(&e),
                    kind: RecordErrorKind::Malformed(e.to_string()),
                });
                continue;
            }
        };
        let error = |kind| RecordError {
            file: file.name.clone(),
            line: row.line,
            id: Some(row.id.to_string()),
            kind,
        };
        let known = account
            .item(row.id.as_str())
            .is_some_and(|item| item.list == list && item.download == Some(download));
        if !known {
            errors.push(error(RecordErrorKind::UnknownId));
            continue;
        }
        if !seen.insert(row.id.clone()) {
            errors.push(error(RecordErrorKind::DuplicateInFile));
            continue;
        }
        let answered = account.statuses.contains_key(&row.id);
        match (endpoint, answered) {
            (Endpoint::Amend, false) => errors.push(error(RecordErrorKind::NotAnswered)),
            (Endpoint::Amend, true) | (Endpoint::Upload, false) => {
                account.statuses.insert(row.id, row.status);
            }
            _ => errors.push(error(RecordErrorKind::AlreadyAnswered)),
        }
    }
}

fn line_of(e: &dropkit_files::Error) -> u64 {
    use dropkit_files::Error as E;
    match e {
        E::FieldCount { line, .. }
        | E::EmptyId { line, .. }
        | E::RowId { line, .. }
        | E::RowStatus { line, .. }
        | E::Encoding { line, .. } => *line,
        _ => 0,
    }
}

fn id_of(e: &dropkit_files::Error) -> Option<String> {
    match e {
        dropkit_files::Error::RowStatus { id, .. } => Some(id.clone()),
        _ => None,
    }
}
