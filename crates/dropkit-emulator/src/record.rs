//! What the emulator received, for tests to assert on.

use axum::http::{HeaderMap, Method};
use bytes::Bytes;

use dropkit_files::wire::Endpoint;

use crate::faults::FaultKind;
use crate::upload::Rejection;

/// How the request's `X-API-KEY` compared with the account's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// Not checked: the request was answered (by a fault or a 404) before authentication.
    NotChecked,
    /// No `X-API-KEY` header.
    Missing,
    /// A key that is not the account's.
    Invalid,
    /// The account's key.
    Valid,
}

/// One request, as received and answered.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// The endpoint, `None` for an unknown path or method.
    pub endpoint: Option<Endpoint>,
    /// The HTTP method.
    pub method: Method,
    /// The path (with `/sandbox` when the client used the sandbox prefix).
    pub path: String,
    /// The request headers, without `X-API-KEY` (see [`key`](Self::key)).
    pub headers: HeaderMap,
    /// The result of the key check.
    pub key: KeyCheck,
    /// The fault injected into this request, if any.
    pub fault: Option<FaultKind>,
    /// The status answered (or that would have been, when the response was dropped).
    pub status: u16,
    /// Whether the connection was closed instead of answering.
    pub dropped: bool,
    /// The parts of the `files` field of an upload or amend, in order.
    pub files: Vec<ReceivedFile>,
}

/// One file of an upload or amend request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFile {
    /// The part's file name (empty if it had none).
    pub name: String,
    /// The part's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub content: Bytes,
    /// Why it was rejected, `None` if accepted (or not judged: request refused as a whole).
    pub rejection: Option<Rejection>,
    /// Whether the file was judged at all (false when the request was refused with 401, 403
    /// or 409 before its files were looked at).
    pub judged: bool,
}

impl ReceivedFile {
    /// Whether the file was accepted.
    pub fn accepted(&self) -> bool {
        self.judged && self.rejection.is_none()
    }

    /// The content as text (lossy), for assertions.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.content).into_owned()
    }
}

/// The index of the current request in the log, passed to handlers as an extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot(pub(crate) usize);
