//! Files sent to `POST /data/upload` and `/data/amend`, and DROP's `UploadResponse`.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use dropkit_files::ListFileName;
use dropkit_files::wire::CSV_CONTENT_TYPE;

use crate::error::Error;

/// One status file to upload: a name and its bytes, in memory or read from a path.
///
/// The client sends it as one `text/csv` part of the multipart form field `files`. Names that
/// could not be sent safely are refused here: empty, with a path separator, a quote or a
/// control character; [`Client::upload`](crate::Client::upload) and
/// [`amend`](crate::Client::amend) then send only DROP status-file names. Whether the name
/// matches the download is DROP's call (its rejection comes back in
/// [`UploadResponse::rejected`](crate::UploadResponse::rejected)).
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
        part.mime_str(CSV_CONTENT_TYPE)
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

/// Refuses, before anything is sent, a file whose name is not a DROP status-file name:
/// `<date>_<broker>_<ListType>[_suffix].csv`, not `Removed` (DROP expects no answer to it).
pub(crate) fn check_status_file_names(files: &[UploadFile]) -> Result<(), Error> {
    for file in files {
        let name: ListFileName = file.name().parse().map_err(|e| match e {
            dropkit_files::Error::FileName { reason, .. } => Error::NotAStatusFile {
                name: file.name().to_owned(),
                reason: reason.to_owned(),
            },
            other => Error::NotAStatusFile {
                name: file.name().to_owned(),
                reason: other.to_string(),
            },
        })?;
        if name.list_type().is_none() {
            return Err(Error::NotAStatusFile {
                name: file.name().to_owned(),
                reason: "Removed identifiers are not answered".to_owned(),
            });
        }
    }
    Ok(())
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
    fn only_status_file_names_may_be_sent() {
        let file = |name: &str| UploadFile::from_bytes(name, "Id,Status\n").unwrap();
        for ok in ["20260312_4821_Email.csv", "20260312_4821_NDZ_part01.csv"] {
            assert!(check_status_file_names(&[file(ok)]).is_ok(), "{ok}");
        }
        for bad in [
            "matches.csv",
            "notes.txt",
            "20260312_4821_Removed.csv",
            "20260312_4821_DROP.zip",
            "20260312_4821_Email_part-1.csv",
        ] {
            let err =
                check_status_file_names(&[file("20260312_4821_Email.csv"), file(bad)]).unwrap_err();
            assert!(
                matches!(&err, Error::NotAStatusFile { name, .. } if name == bad),
                "{bad}: {err:?}"
            );
        }
    }
}
