//! DROP's wire types: the one definition of what travels over HTTP, shared by the client
//! (`dropkit-client`) and the test server (`dropkit-emulator`).
//!
//! What is here (spec `drop.md` §2): the three endpoints and their paths, the `files` form
//! field, the `MessageResponse` body of errors and of the download's JSON answers, and the
//! `UploadResponse` body that answers `POST /data/upload` and `POST /data/amend` (202 and
//! 400), with its `AcceptedFileResult` and `RejectedFileResult` items and the documented
//! per-file rejection texts.
//!
//! Where the sources disagree, the types take the reading that loses nothing:
//! - The OpenAPI marks `message` required, but the getting-started guide's own 202 success
//!   example has no `message` and a `mode` (`"new"`) field the OpenAPI does not list. Both
//!   are optional here, so that example deserializes as the success it is.
//! - Fields DROP may add later are ignored when reading.
//! - DROP's texts differ between sources by a trailing period: never compare them exactly
//!   (see [`RejectedFile::is_duplicate_name`]); switch on the HTTP status and on
//!   `accepted[]` / `rejected[]` membership.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Path of `GET /data/download` below the API root.
pub const DOWNLOAD_PATH: &str = "/data/download";
/// Path of `POST /data/upload` below the API root.
pub const UPLOAD_PATH: &str = "/data/upload";
/// Path of `POST /data/amend` below the API root.
pub const AMEND_PATH: &str = "/data/amend";
/// The multipart form field that carries each status file, repeated once per file.
pub const FILES_FIELD: &str = "files";
/// The content type of each uploaded part.
pub const CSV_CONTENT_TYPE: &str = "text/csv";
/// The header carrying the API key on every request.
pub const API_KEY_HEADER: &str = "X-API-KEY";

/// One of DROP's three operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /data/download`.
    Download,
    /// `POST /data/upload`.
    Upload,
    /// `POST /data/amend`.
    Amend,
}

impl Endpoint {
    /// The path below the API root, for example [`DOWNLOAD_PATH`].
    pub const fn path(self) -> &'static str {
        match self {
            Endpoint::Download => DOWNLOAD_PATH,
            Endpoint::Upload => UPLOAD_PATH,
            Endpoint::Amend => AMEND_PATH,
        }
    }

    /// The HTTP method, `GET` or `POST`.
    pub const fn method(self) -> &'static str {
        match self {
            Endpoint::Download => "GET",
            Endpoint::Upload | Endpoint::Amend => "POST",
        }
    }

    /// The endpoint a method and path name (`HEAD /data/download`, the connectivity check of
    /// DROP's getting-started guide, is the download endpoint); `None` for anything else.
    pub fn from_request(method: &str, path: &str) -> Option<Endpoint> {
        match (method, path) {
            ("GET" | "HEAD", DOWNLOAD_PATH) => Some(Endpoint::Download),
            ("POST", UPLOAD_PATH) => Some(Endpoint::Upload),
            ("POST", AMEND_PATH) => Some(Endpoint::Amend),
            _ => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path())
    }
}

/// The body of every error answer and of the download's JSON answers (`MessageResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageResponse {
    /// DROP's text, for example `Too many requests. Wait and try again.`
    pub message: String,
}

impl MessageResponse {
    /// A body holding `message`.
    pub fn new(message: impl Into<String>) -> Self {
        MessageResponse {
            message: message.into(),
        }
    }
}

/// DROP's answer to an upload or an amendment (`UploadResponse`), sent with a 202 (at least
/// one file accepted) or a 400 (none accepted).
///
/// A 202 does not mean every file was accepted: files in [`rejected`](Self::rejected) were
/// not, even then. Check [`all_accepted`](Self::all_accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadResponse {
    /// DROP's summary, for example `Upload received. Accepted files were queued for
    /// validation.` Absent in the getting-started guide's success example, so optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `"new"` in the getting-started guide's success example (the OpenAPI does not list it;
    /// presumably `new` for an upload and something else for an amendment). Kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Number of files accepted for validation, as DROP counted them.
    pub accepted_count: u64,
    /// Number of files rejected before validation, as DROP counted them (files a client moved
    /// to [`already_received`](Self::already_received) included).
    pub rejected_count: u64,
    /// Files accepted and queued for row-level validation.
    pub accepted: Vec<AcceptedFile>,
    /// Files DROP did not accept, with its reason.
    pub rejected: Vec<RejectedFile>,
    /// Files rejected as duplicate names by a **retry** whose earlier attempt may have reached
    /// DROP: DROP already holds a file of that name for the current download, most likely
    /// from that earlier attempt. Filled by a client
    /// ([`reclassify_duplicates`](Self::reclassify_duplicates)), never sent by DROP, never
    /// serialized.
    #[serde(skip)]
    pub already_received: Vec<RejectedFile>,
}

impl UploadResponse {
    /// A response listing `accepted` and `rejected`, with the counts taken from the lists and
    /// no `mode` (as a server builds it).
    pub fn new(
        message: impl Into<String>,
        accepted: Vec<AcceptedFile>,
        rejected: Vec<RejectedFile>,
    ) -> Self {
        UploadResponse {
            message: Some(message.into()),
            mode: None,
            accepted_count: accepted.len() as u64,
            rejected_count: rejected.len() as u64,
            accepted,
            rejected,
            already_received: Vec::new(),
        }
    }

    /// The same response with `mode` set.
    #[must_use]
    pub fn with_mode(mut self, mode: impl Into<String>) -> Self {
        self.mode = Some(mode.into());
        self
    }

    /// True when no file was rejected (files [already received](Self::already_received) by
    /// an earlier attempt count as accepted).
    pub fn all_accepted(&self) -> bool {
        self.rejected.is_empty()
    }

    /// Files accepted for validation by this request.
    pub fn accepted(&self) -> &[AcceptedFile] {
        &self.accepted
    }

    /// Files DROP refused, with its reasons.
    pub fn rejected(&self) -> &[RejectedFile] {
        &self.rejected
    }

    /// Files an earlier attempt of the same request had already delivered.
    pub fn already_received(&self) -> &[RejectedFile] {
        &self.already_received
    }

    /// DROP's summary, or `""` when it sent none.
    pub fn message_text(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }

    /// Moves duplicate-name rejections to [`already_received`](Self::already_received). A
    /// client calls it only on a retry whose earlier attempt may have been received: on a
    /// first attempt a duplicate name is a real rejection.
    pub fn reclassify_duplicates(&mut self) {
        let (dups, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.rejected)
            .into_iter()
            .partition(RejectedFile::is_duplicate_name);
        self.rejected = rest;
        self.already_received.extend(dups);
    }
}

/// A file DROP accepted (`AcceptedFileResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AcceptedFile {
    /// The file name, for example `20260312_4821_Email.csv`.
    pub file_name: String,
    /// Its size in bytes as DROP received it.
    pub file_size_bytes: u64,
}

impl AcceptedFile {
    /// An accepted file and its size.
    pub fn new(file_name: impl Into<String>, file_size_bytes: u64) -> Self {
        AcceptedFile {
            file_name: file_name.into(),
            file_size_bytes,
        }
    }
}

/// A file DROP rejected before validation (`RejectedFileResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RejectedFile {
    /// The file name as sent (empty when the request held no file).
    pub file_name: String,
    /// DROP's reason, for example `Invalid CSV header. Expected: Id,Status.`
    pub message: String,
}

impl RejectedFile {
    /// A rejection and its reason.
    pub fn new(file_name: impl Into<String>, message: impl Into<String>) -> Self {
        RejectedFile {
            file_name: file_name.into(),
            message: message.into(),
        }
    }

    /// Whether DROP rejected the file because a file of that name was already uploaded for
    /// the current download.
    ///
    /// DROP has no machine-readable code for it, and its published texts differ in their
    /// trailing period, so this looks for the words `already uploaded`, ignoring case.
    pub fn is_duplicate_name(&self) -> bool {
        self.message
            .to_ascii_lowercase()
            .contains("already uploaded")
    }
}

/// The per-file rejection texts DROP documents (spec §2.3), without the trailing period some
/// sources add. For servers to send; clients must not compare against them exactly.
pub mod rejection {
    /// The request held no file.
    pub const NO_CSV: &str = "No CSV file was provided";
    /// Not a CSV file.
    pub const ONLY_CSV: &str = "Only CSV files are accepted";
    /// The header is not `Id,Status`.
    pub const INVALID_HEADER: &str = "Invalid CSV header. Expected: Id,Status";
    /// The name was already used for the current download.
    pub const DUPLICATE_NAME: &str = "A file with this name was already uploaded for the current download. Use a unique suffix and try again";
    /// Not UTF-8 CSV.
    pub const UNREADABLE: &str = "File could not be read as UTF-8 CSV";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The getting-started guide's success example, verbatim except for its typographic quote
    /// before the last `fileSizeBytes` (not JSON).
    const SEED_SUCCESS: &str = r#"{
      "mode": "new",
      "acceptedCount": 3,
      "rejectedCount": 0,
      "accepted": [
        { "fileName": "20260312_4821_Email_retry01.csv", "fileSizeBytes": 2849112 },
        { "fileName": "20260312_4821_Phone.csv", "fileSizeBytes": 1934008 },
        { "fileName": "20260312_4821_NDZ.csv", "fileSizeBytes": 65433649 }
      ],
      "rejected": []
    }"#;

    const OPENAPI_MIXED: &str = r#"{
      "message": "Upload received. Accepted files were queued for validation. Rejected files were not accepted.",
      "acceptedCount": 1,
      "rejectedCount": 1,
      "accepted": [ { "fileName": "20260312_4821_Email.csv", "fileSizeBytes": 2849112 } ],
      "rejected": [ { "fileName": "notes.txt", "message": "Only CSV files are accepted." } ]
    }"#;

    #[test]
    fn seed_success_without_message_is_a_success() {
        let r: UploadResponse = serde_json::from_str(SEED_SUCCESS).expect("seed example");
        assert_eq!(r.message, None);
        assert_eq!(r.message_text(), "");
        assert_eq!(r.mode.as_deref(), Some("new"));
        assert_eq!(r.accepted_count, 3);
        assert_eq!(r.accepted().len(), 3);
        assert_eq!(r.accepted()[2].file_size_bytes, 65_433_649);
        assert!(r.all_accepted());
    }

    #[test]
    fn openapi_mixed_example_reads_and_round_trips() {
        let r: UploadResponse = serde_json::from_str(OPENAPI_MIXED).expect("openapi example");
        assert!(!r.all_accepted());
        assert_eq!(r.mode, None);
        assert_eq!(
            r.rejected()[0],
            RejectedFile::new("notes.txt", "Only CSV files are accepted.")
        );
        let json = serde_json::to_value(&r).expect("serialize");
        assert!(json.get("mode").is_none(), "no mode written when absent");
        assert!(
            json.get("alreadyReceived").is_none(),
            "client field never written"
        );
        assert_eq!(json["acceptedCount"], 1);
        assert_eq!(json["rejected"][0]["fileName"], "notes.txt");
        let back: UploadResponse = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, r);
    }

    #[test]
    fn a_body_missing_a_required_list_is_refused() {
        let no_rejected = r#"{"acceptedCount":0,"rejectedCount":0,"accepted":[]}"#;
        assert!(serde_json::from_str::<UploadResponse>(no_rejected).is_err());
    }

    #[test]
    fn new_counts_the_lists() {
        let r = UploadResponse::new(
            "m",
            vec![AcceptedFile::new("a.csv", 3)],
            vec![RejectedFile::new("", rejection::NO_CSV)],
        )
        .with_mode("new");
        assert_eq!((r.accepted_count, r.rejected_count), (1, 1));
        let json = serde_json::to_string(&r).expect("serialize");
        assert!(json.contains(r#""mode":"new""#), "{json}");
    }

    #[test]
    fn duplicate_name_is_recognised_with_or_without_period() {
        let msg = rejection::DUPLICATE_NAME;
        assert!(RejectedFile::new("a.csv", msg).is_duplicate_name());
        assert!(RejectedFile::new("a.csv", format!("{msg}.")).is_duplicate_name());
        assert!(!RejectedFile::new("a.csv", rejection::ONLY_CSV).is_duplicate_name());
    }

    #[test]
    fn reclassify_moves_only_duplicates() {
        let mut r = UploadResponse::new(
            "m",
            vec![],
            vec![
                RejectedFile::new("a.csv", rejection::DUPLICATE_NAME),
                RejectedFile::new("b.csv", rejection::INVALID_HEADER),
            ],
        );
        r.reclassify_duplicates();
        assert_eq!(r.already_received()[0].file_name, "a.csv");
        assert_eq!(r.rejected().len(), 1);
        assert_eq!(r.rejected()[0].file_name, "b.csv");
    }

    #[test]
    fn endpoints_and_paths() {
        assert_eq!(Endpoint::Download.to_string(), "GET /data/download");
        assert_eq!(Endpoint::Amend.path(), AMEND_PATH);
        assert_eq!(
            Endpoint::from_request("HEAD", "/data/download"),
            Some(Endpoint::Download)
        );
        assert_eq!(
            Endpoint::from_request("POST", UPLOAD_PATH),
            Some(Endpoint::Upload)
        );
        assert_eq!(Endpoint::from_request("GET", UPLOAD_PATH), None);
        let m: MessageResponse =
            serde_json::from_str(r#"{"message":"x","extra":1}"#).expect("message body");
        assert_eq!(m, MessageResponse::new("x"));
    }
}
