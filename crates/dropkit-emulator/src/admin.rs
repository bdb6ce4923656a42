//! The read-only record of what the server received, for tests that run the emulator out of
//! process (`dropkit emulator`) and assert on the server's side: `GET /_emulator/record`.

use std::collections::BTreeMap;

use dropkit_files::wire::{API_KEY_HEADER, Endpoint};
use serde::{Deserialize, Serialize};

use crate::record::ReceivedRequest;
use crate::upload::RecordError;

/// The path of the record, outside DROP's API (never faulted, never logged as a request).
pub const RECORD_PATH: &str = "/_emulator/record";

/// What the emulator received and did, as [`Emulator::record`](crate::Emulator::record)
/// returns it and `GET /_emulator/record` sends it (JSON, with the `X-API-KEY` of the
/// account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// Requests to DROP's endpoints (and unknown paths) received so far.
    pub requests: usize,
    /// The packages delivered, in order: a package is delivered once, even when its answer
    /// was lost on the way (DROP then answers 409).
    pub downloads: Vec<DeliveredZip>,
    /// Every file of every upload and amend request, in arrival order.
    pub files: Vec<FileRecord>,
    /// The status of every work item answered so far, by Id (`2` to `5`).
    pub statuses: BTreeMap<String, u8>,
    /// Row-level problems found in accepted files; an upload answering an Id a second time
    /// shows up here as `already_answered`.
    pub record_errors: Vec<RecordProblem>,
}

/// One package delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveredZip {
    /// 1 for the first download, then 2, ...
    pub number: u32,
    /// The ZIP's name, for example `20260312_4821_DROP.zip`.
    pub zip: String,
    /// Work items in its lists (not counting the Removed file).
    pub work_items: usize,
    /// Whether every work item has a status.
    pub complete: bool,
}

/// One file of an upload or amend request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileRecord {
    /// `upload` or `amend`.
    pub endpoint: String,
    /// The file name as sent.
    pub name: String,
    /// Whether DROP accepted it.
    pub accepted: bool,
    /// DROP's reason when it was rejected; `None` when accepted or never judged (the request
    /// was refused as a whole, see `status`).
    pub rejection: Option<String>,
    /// The status the request was answered with.
    pub status: u16,
    /// Whether the answer was lost (the connection closed instead): the file was processed
    /// all the same.
    pub answer_lost: bool,
}

/// A row-level problem in an accepted file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordProblem {
    /// The file.
    pub file: String,
    /// The line (the header is line 1).
    pub line: u64,
    /// The row's Id, when it has one.
    pub id: Option<String>,
    /// `malformed`, `unknown_id`, `duplicate_in_file`, `already_answered` or `not_answered`.
    pub kind: String,
    /// The problem in words.
    pub message: String,
}

impl RecordProblem {
    pub(crate) fn from_error(e: &RecordError) -> Self {
        use crate::upload::RecordErrorKind as K;
        let kind = match e.kind {
            K::Malformed(_) => "malformed",
            K::UnknownId => "unknown_id",
            K::DuplicateInFile => "duplicate_in_file",
            K::AlreadyAnswered => "already_answered",
            K::NotAnswered => "not_answered",
        };
        RecordProblem {
            file: e.file.clone(),
            line: e.line,
            id: e.id.clone(),
            kind: kind.to_owned(),
            message: e.to_string(),
        }
    }
}

/// The files of the logged requests, in order.
pub(crate) fn files(log: &[ReceivedRequest]) -> Vec<FileRecord> {
    log.iter()
        .filter_map(|r| {
            let endpoint = match r.endpoint? {
                Endpoint::Upload => "upload",
                Endpoint::Amend => "amend",
                _ => return None,
            };
            Some(r.files.iter().map(move |f| FileRecord {
                endpoint: endpoint.to_owned(),
                name: f.name.clone(),
                accepted: f.accepted(),
                rejection: f.rejection.map(|why| why.message().to_owned()),
                status: r.status,
                answer_lost: r.dropped,
            }))
        })
        .flatten()
        .collect()
}

/// Whether a request to the record carries the account's key.
pub(crate) fn authorized(headers: &axum::http::HeaderMap, key: &str) -> bool {
    headers
        .get(API_KEY_HEADER)
        .is_some_and(|v| v.as_bytes() == key.as_bytes())
}
