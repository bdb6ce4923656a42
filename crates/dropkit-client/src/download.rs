//! What `GET /data/download` answers, and saving the ZIP so a cut never looks whole.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use dropkit_files::ZipFileName;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use tokio::io::AsyncWriteExt as _;

use crate::error::{Endpoint, Error};

/// The three answers of `GET /data/download` that are not errors.
#[derive(Debug)]
#[must_use]
pub enum DownloadOutcome<T> {
    /// 200 with `application/zip`: the package, as a [`ZipDownload`] to read or a
    /// [`SavedZip`] already on disk.
    Ready(T),
    /// 202: DROP is preparing the package; ask again after `retry_after`.
    Preparing {
        /// DROP's `Retry-After` (60 s, its documented example, when absent; at least 1 s).
        retry_after: Duration,
        /// DROP's message.
        message: String,
    },
    /// 200 with `application/json`: nothing new since the last completed download.
    NoData {
        /// DROP's message.
        message: String,
    },
}

/// What [`Client::wait_for_download`](crate::Client::wait_for_download) ends with.
#[derive(Debug)]
#[must_use]
pub enum WaitOutcome {
    /// The ZIP is on disk.
    Saved(SavedZip),
    /// Nothing new since the last completed download.
    NoData {
        /// DROP's message.
        message: String,
    },
}

/// A ZIP written completely to disk under its DROP name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SavedZip {
    /// The name DROP gave it, for example `20260312_4821_DROP.zip`.
    pub file_name: ZipFileName,
    /// Where it was saved.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// A ZIP being received: its name is known, its body not yet read.
#[derive(Debug)]
pub struct ZipDownload {
    file_name: ZipFileName,
    response: reqwest::Response,
}

impl ZipDownload {
    pub(crate) fn new(file_name: ZipFileName, response: reqwest::Response) -> Self {
        ZipDownload {
            file_name,
            response,
        }
    }

    /// The name from `Content-Disposition`, for example `20260312_4821_DROP.zip`.
    pub fn file_name(&self) -> &ZipFileName {
        &self.file_name
    }

    /// The body size announced by DROP, when it announced one.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// Reads the whole ZIP into memory.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        self.response.bytes().await.map_err(body_error)
    }

    /// The body as a stream of chunks, for callers that write it themselves.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> + Send + 'static {
        self.response.bytes_stream().map_err(body_error)
    }

    /// Streams the body into a temporary file in `dir` (created if missing), syncs it, and
    /// renames it to its DROP name only once every byte has arrived; the directory is synced
    /// after the rename (unix), so a crash leaves either no ZIP or the whole ZIP. If the body
    /// is cut, the temporary file is removed and no file with the ZIP's name appears. The
    /// file is created readable by its owner only (`0600` on unix): it holds personal data.
    ///
    /// An existing file of the same name is replaced, atomically: DROP names a ZIP by date,
    /// and a batch must be complete before the next download, so a same-named file belongs to
    /// a finished batch, while the new one may be impossible to download again.
    pub async fn save_in(self, dir: &Path) -> Result<SavedZip, Error> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
        let name = self.file_name.to_string();
        let target = dir.join(&name);
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(io(dir))?;
        let std_file = temp.as_file().try_clone().map_err(io(temp.path()))?;
        let mut file = tokio::fs::File::from_std(std_file);
        let expected = self.content_length();
        let file_name = self.file_name.clone();
        let mut stream = std::pin::pin!(self.into_stream());
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io(temp.path()))?;
        }
        if let Some(expected) = expected
            && size != expected
        {
            return Err(Error::IncompleteBody {
                endpoint: Endpoint::Download,
                expected,
                received: size,
            });
        }
        file.flush().await.map_err(io(temp.path()))?;
        file.sync_all().await.map_err(io(temp.path()))?;
        drop(file);
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            tracing::warn!(path = %target.display(), "replacing an existing ZIP of the same name");
        }
        temp.persist(&target).map_err(|e| Error::Io {
            path: target.clone(),
            source: e.error,
        })?;
        sync_dir(dir).await.map_err(io(dir))?;
        Ok(SavedZip {
            file_name,
            path: target,
            size,
        })
    }
}

/// Makes a rename in `dir` durable (unix; elsewhere the rename is all there is).
async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        tokio::fs::File::open(dir).await?.sync_all().await?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn body_error(source: reqwest::Error) -> Error {
    if source.is_timeout() {
        Error::Timeout {
            endpoint: Endpoint::Download,
            source,
        }
    } else {
        Error::Transport {
            endpoint: Endpoint::Download,
            source,
        }
    }
}

/// The ZIP name from a `Content-Disposition` header, checked as a DROP ZIP name.
///
/// Takes `filename*` (RFC 6266, percent-encoded) over `filename`; a name with a path
/// separator or `..` is refused before anything else, so it can never leave the output
/// directory.
pub(crate) fn zip_name_from_disposition(header: Option<&str>) -> Result<ZipFileName, Error> {
    let invalid = |reason: String| Error::InvalidZipName {
        endpoint: Endpoint::Download,
        reason,
    };
    let header = header.ok_or_else(|| invalid("no Content-Disposition header".to_owned()))?;
    let mut plain = None;
    let mut extended = None;
    for param in split_params(header) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        if key.eq_ignore_ascii_case("filename*") {
            // charset'language'percent-encoded
            if let Some(encoded) = value.splitn(3, '\'').nth(2) {
                extended = percent_decode(encoded);
            }
        } else if key.eq_ignore_ascii_case("filename") {
            plain = Some(unquote(value));
        }
    }
    let name = extended
        .or(plain)
        .ok_or_else(|| invalid(format!("no file name in Content-Disposition {header:?}")))?;
    if name.contains(['/', '\\', '\0']) || name.contains("..") {
        return Err(invalid(format!("file name {name:?} contains a path")));
    }
    name.parse::<ZipFileName>()
        .map_err(|e| invalid(e.to_string()))
}

/// Splits on `;` outside quoted strings.
fn split_params(header: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&header[start..]);
    parts
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(h: &str) -> Result<String, Error> {
        zip_name_from_disposition(Some(h)).map(|n| n.to_string())
    }

    #[test]
    fn reads_the_official_header_and_variants() {
        let official = r#"attachment; filename="20260312_4821_DROP.zip""#;
        assert_eq!(name(official).unwrap(), "20260312_4821_DROP.zip");
        assert_eq!(
            name("attachment;filename=20260312_4821_DROP.zip").unwrap(),
            "20260312_4821_DROP.zip"
        );
        assert_eq!(
            name("attachment; filename=\"x.zip\"; filename*=UTF-8''20260312_4821_DROP.zip")
                .unwrap(),
            "20260312_4821_DROP.zip"
        );
    }

    #[test]
    fn refuses_paths_and_non_drop_names() {
        for bad in [
            r#"attachment; filename="../20260312_4821_DROP.zip""#,
            r#"attachment; filename="a/20260312_4821_DROP.zip""#,
            r#"attachment; filename="a\\20260312_4821_DROP.zip""#,
            "attachment; filename*=UTF-8''..%2F20260312_4821_DROP.zip",
            r#"attachment; filename="download.zip""#,
            "attachment",
        ] {
            assert!(
                matches!(name(bad), Err(Error::InvalidZipName { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            zip_name_from_disposition(None),
            Err(Error::InvalidZipName { .. })
        ));
    }
}
