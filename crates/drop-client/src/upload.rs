//! Files sent to `POST /data/upload` and `/data/amend`, and DROP's `UploadResponse`.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One status file to upload: a name and its bytes, in memory or read from a path.
///
/// The client sends it as one `text/csv` part of the multipart form field `files`. The name
/// is sent as given: DROP decides whether it matches the download (its rejection comes back in
/// [`UploadResponse::rejected`]). Only names that could not be sent safely are refused: empty,
/// with a path separator, a quote or a control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    name: String,
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Memory(Bytes),
    Path(PathBuf),
}

impl UploadFile {
    /// A file held in memory, sent under `name` (for example `20260312_4821_Email.csv`).
    pub fn from_bytes(name: impl Into<String>, contents: impl Into<Bytes>) -> Result<Self, Error> {
        let name = name.into();
        check_name(&name)?;
        Ok(UploadFile {
            name,
            source: Source::Memory(contents.into()),
        })
    }

    /// A file on disk, sent under its own file name and streamed from disk on each attempt.
    pub fn from_path(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::InvalidUploadName {
                name: path.display().to_string(),
                reason: "the path has no UTF-8 file name",
            })?
            .to_owned();
        check_name(&name)?;
        Ok(UploadFile {
            name,
            source: Source::Path(path),
        })
    }

    /// The name DROP sees.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path the file is read from, for a file on disk.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::Path(p) => Some(p),
            Source::Memory(_) => None,
        }
    }

    /// Builds the multipart part; called once per attempt so retries resend the whole file.
    pub(crate) async fn part(&self) -> Result<reqwest::multipart::Part, Error> {
        let part = match &self.source {
            Source::Memory(bytes) => reqwest::multipart::Part::bytes(bytes.to_vec()),
            Source::Path(path) => {
                let io = |source| Error::Io {
                    path: path.clone(),
                    source,
                };
                let file = tokio::fs::File::open(path).await.map_err(io)?;
                let len = file.metadata().await.map_err(io)?.len();
                let stream = tokio_util::io::ReaderStream::new(file);
                reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::wrap_stream(stream),
                    len,
                )
            }
        };
        let part = part.file_name(self.name.clone());
        // "text/csv" is a valid MIME type, so this cannot fail; keep the error typed anyway.
        part.mime_str("text/csv")
            .map_err(|_| Error::InvalidUploadName {
                name: self.name.clone(),
                reason: "cannot set the text/csv content type",
            })
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        Some("the name is empty")
    } else if name.contains(['/', '\\']) {
        Some("the name contains a path separator")
    } else if name.contains('"') {
        Some("the name contains a quote")
    } else if name.chars().any(char::is_control) {
        Some("the name contains a control character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidUploadName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// DROP's answer to an upload or amendment (`UploadResponse` in the OpenAPI).
///
/// A 202 means at least one file was accepted; files in [`rejected`](Self::rejected) were
/// **not**, even then. Check [`all_accepted`](Self::all_accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadResponse {
    /// DROP's summary, for example `Upload received. Accepted files were queued for validation.`
    pub message: String,
    /// Number of files accepted for validation, as DROP counted them.
    pub accepted_count: u64,
    /// Number of files rejected before validation, as DROP counted them (files the client
    /// moved to [`already_received`](Self::already_received) included).
    pub rejected_count: u64,
    /// Files accepted and queued for row-level validation.
    pub accepted: Vec<AcceptedFile>,
    /// Files DROP did not accept, with its reason.
    pub rejected: Vec<RejectedFile>,
    /// Files rejected as duplicate names by a **retry** whose earlier attempt may have reached
    /// DROP: DROP already holds a file of that name for the current download, most likely
    /// from that earlier attempt. Filled by the client, never sent by DROP.
    #[serde(skip)]
    pub already_received: Vec<RejectedFile>,
}

impl UploadResponse {
    /// True when no file was rejected (files [already received](Self::already_received) by
    /// an earlier attempt count as accepted).
    pub fn all_accepted(&self) -> bool {
        self.rejected.is_empty()
    }

    /// Files DROP refused, with its reasons.
    pub fn rejected(&self) -> &[RejectedFile] {
        &self.rejected
    }

    /// Files accepted for validation by this request.
    pub fn accepted(&self) -> &[AcceptedFile] {
        &self.accepted
    }

    /// Files an earlier attempt of the same request had already delivered.
    pub fn already_received(&self) -> &[RejectedFile] {
        &self.already_received
    }

    /// Moves duplicate-name rejections to `already_received`: called only on a retry whose
    /// earlier attempt may have been received.
    pub(crate) fn reclassify_duplicates(&mut self) {
        let (dups, rest) = std::mem::take(&mut self.rejected)
            .into_iter()
            .partition(RejectedFile::is_duplicate_name);
        self.rejected = rest;
        self.already_received.extend::<Vec<_>>(dups);
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

/// A file DROP rejected before validation (`RejectedFileResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RejectedFile {
    /// The file name as sent.
    pub file_name: String,
    /// DROP's reason, for example `Invalid CSV header. Expected: Id,Status.`
    pub message: String,
}

impl RejectedFile {
    /// A rejection and its reason (mostly for tests and emulators).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_sent_are_refused() {
        for bad in ["", "a/b.csv", "a\\b.csv", "a\".csv", "a\r\nX: y"] {
            assert!(
                matches!(
                    UploadFile::from_bytes(bad, "x"),
                    Err(Error::InvalidUploadName { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(UploadFile::from_bytes("notes.txt", "x").is_ok());
        let f = UploadFile::from_path("/tmp/dir/20260312_4821_Email.csv").unwrap();
        assert_eq!(f.name(), "20260312_4821_Email.csv");
    }

    #[test]
    fn duplicate_name_is_recognised_with_or_without_period() {
        let msg = "A file with this name was already uploaded for the current download. Use a unique suffix and try again";
        assert!(RejectedFile::new("a.csv", msg).is_duplicate_name());
        assert!(RejectedFile::new("a.csv", format!("{msg}.")).is_duplicate_name());
        assert!(!RejectedFile::new("a.csv", "Only CSV files are accepted.").is_duplicate_name());
    }
}
