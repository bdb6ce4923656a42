//! The attestation of a round: what was downloaded, answered, deleted and forwarded, with
//! the digests that tie it to the files and the audit chain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::files::{remove_if_present, write_private};
use crate::record::format_time;
use crate::{AuditError, ChainHead, Digest};

/// File name of the attestation in a round's directory.
pub const ATTESTATION_FILE: &str = "attestation.json";
/// File name of its readable form, next to it.
pub const ATTESTATION_MARKDOWN: &str = "attestation.md";
/// File name of its detached signature, next to it.
pub const SIGNATURE_FILE: &str = "attestation.json.sig";
/// The format version this release writes (and the newest it reads).
pub const ATTESTATION_FORMAT: u32 = 1;
/// Subdirectory of a round's directory holding its status files (as `dropkit-cycle` lays it
/// out).
pub const RESPONSES_DIR: &str = "responses";
/// Subdirectory of a state directory holding the finished rounds, one directory each (as
/// `dropkit-cycle` lays it out).
pub const ROUNDS_DIR: &str = "rounds";

/// What a round did, for an auditor: written as `attestation.json` (and `attestation.md`)
/// in the round's directory when the round ends.
///
/// Plain data: the caller fills it from the round. It holds names of files, digests,
/// counts, provider job ids and approvers, never a consumer's identifier. Each file named is
/// checked by [`verify_attestation`](crate::verify_attestation) in the round's directory:
/// the ZIP at its top, the status files under `responses/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attestation {
    /// The format version, [`ATTESTATION_FORMAT`].
    pub format: u32,
    /// When it was made, RFC 3339 UTC.
    pub created_at: String,
    /// The ZIP downloaded from DROP: its name and SHA-256; `None` when DROP had no data.
    #[serde(default)]
    pub download: Option<FileDigest>,
    /// Each status file uploaded, its SHA-256 and DROP's answer.
    #[serde(default)]
    pub uploads: Vec<Upload>,
    /// Work items answered, by list type (`Email`, `Phone`, …), then by status (`deleted`,
    /// `not_found`, …).
    #[serde(default)]
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
    /// What each deletion connector did.
    #[serde(default)]
    pub connectors: Vec<ConnectorResult>,
    /// Each job sent to a service provider and its outcome.
    #[serde(default)]
    pub provider_jobs: Vec<ProviderJob>,
    /// Who approved the round, and when.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// The audit chain's head when the attestation was made.
    pub audit_head: ChainHead,
}

impl Attestation {
    /// An attestation made at `created_at`, anchored at `audit_head` (append the round's
    /// last audit entry first and pass the head it returns); the other fields start empty.
    pub fn new(audit_head: ChainHead, created_at: OffsetDateTime) -> Attestation {
        Attestation {
            format: ATTESTATION_FORMAT,
            created_at: format_time(created_at),
            download: None,
            uploads: Vec::new(),
            counts: BTreeMap::new(),
            connectors: Vec::new(),
            provider_jobs: Vec::new(),
            approvals: Vec::new(),
            audit_head,
        }
    }

    /// The bytes of `attestation.json`: pretty JSON and a final newline. These bytes, not
    /// a re-serialization, are what a signature covers.
    pub fn to_json(&self) -> Result<Vec<u8>, AuditError> {
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| AuditError::Attestation {
            path: PathBuf::from(ATTESTATION_FILE),
            message: e.to_string(),
        })?;
        json.push(b'\n');
        Ok(json)
    }

    /// Reads an attestation from the bytes of its file.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<Attestation, AuditError> {
        let attestation: Attestation =
            serde_json::from_slice(bytes).map_err(|e| AuditError::Attestation {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        if attestation.format > ATTESTATION_FORMAT {
            return Err(AuditError::Attestation {
                path: path.to_owned(),
                message: format!(
                    "format {} is newer than this release reads ({ATTESTATION_FORMAT})",
                    attestation.format
                ),
            });
        }
        Ok(attestation)
    }

    /// Writes `attestation.json` and `attestation.md` into `round_dir` (each atomically,
    /// `0600` on Unix), unsigned: a signature left by an earlier write is removed first,
    /// since it would not match.
    pub fn write(&self, round_dir: &Path) -> Result<AttestationFiles, AuditError> {
        let signature = round_dir.join(SIGNATURE_FILE);
        remove_if_present(&signature)?;
        write_files(self, &self.to_json()?, round_dir, None)
    }
}

/// Writes the attestation's JSON, its signature when there is one, then its Markdown.
pub(crate) fn write_files(
    attestation: &Attestation,
    json: &[u8],
    round_dir: &Path,
    signature: Option<&[u8]>,
) -> Result<AttestationFiles, AuditError> {
    let files = AttestationFiles {
        json: round_dir.join(ATTESTATION_FILE),
        markdown: round_dir.join(ATTESTATION_MARKDOWN),
        signature: signature.map(|_| round_dir.join(SIGNATURE_FILE)),
    };
    write_private(&files.json, json)?;
    if let (Some(path), Some(bytes)) = (&files.signature, signature) {
        write_private(path, bytes)?;
    }
    write_private(&files.markdown, attestation.to_markdown().as_bytes())?;
    Ok(files)
}

/// The files an attestation was written to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttestationFiles {
    /// `attestation.json`.
    pub json: PathBuf,
    /// `attestation.md`.
    pub markdown: PathBuf,
    /// `attestation.json.sig`, when signed.
    pub signature: Option<PathBuf>,
}

/// A file by name and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileDigest {
    /// The file's name (no directory).
    pub name: String,
    /// Its SHA-256.
    pub sha256: Digest,
}

impl FileDigest {
    /// A file by name and digest.
    pub fn new(name: impl Into<String>, sha256: Digest) -> FileDigest {
        FileDigest {
            name: name.into(),
            sha256,
        }
    }

    /// The file at `path`, named by its file name, with the digest of its bytes now.
    pub fn of_file(path: &Path) -> Result<FileDigest, AuditError> {
        Ok(FileDigest::new(file_name(path)?, Digest::of_file(path)?))
    }
}

/// A status file uploaded to DROP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Upload {
    /// Its DROP name (`20261120_4821_Email.csv`), under `responses/`.
    pub name: String,
    /// The SHA-256 of the bytes uploaded.
    pub sha256: Digest,
    /// DROP's answer (`accepted`, or the refusal it gave).
    pub drop_answer: String,
}

impl Upload {
    /// An uploaded file by name, digest and DROP's answer.
    pub fn new(name: impl Into<String>, sha256: Digest, drop_answer: impl Into<String>) -> Upload {
        Upload {
            name: name.into(),
            sha256,
            drop_answer: drop_answer.into(),
        }
    }

    /// The status file at `path` (named by its file name, digested now) and DROP's answer.
    pub fn of_file(path: &Path, drop_answer: impl Into<String>) -> Result<Upload, AuditError> {
        Ok(Upload::new(
            file_name(path)?,
            Digest::of_file(path)?,
            drop_answer,
        ))
    }
}

/// What a deletion connector did in the round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectorResult {
    /// The connector's name.
    pub name: String,
    /// How it ended (`ok`, `failed`, …).
    pub outcome: String,
    /// Its counts by name (`deleted`, `not_found`, `failed`, …).
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
}

impl ConnectorResult {
    /// A connector's outcome, with no counts yet.
    pub fn new(name: impl Into<String>, outcome: impl Into<String>) -> ConnectorResult {
        ConnectorResult {
            name: name.into(),
            outcome: outcome.into(),
            counts: BTreeMap::new(),
        }
    }
}

/// A job sent to a service provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProviderJob {
    /// The provider (`maestroqa`, `id5`, …).
    pub provider: String,
    /// The provider's id of the job.
    pub job: String,
    /// Its outcome (`completed`, `failed`, `pending`, …).
    pub outcome: String,
    /// How many deletion requests it carried.
    pub requests: u64,
}

impl ProviderJob {
    /// A provider job.
    pub fn new(
        provider: impl Into<String>,
        job: impl Into<String>,
        outcome: impl Into<String>,
        requests: u64,
    ) -> ProviderJob {
        ProviderJob {
            provider: provider.into(),
            job: job.into(),
            outcome: outcome.into(),
            requests,
        }
    }
}

/// An approval of the round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Approval {
    /// Who approved.
    pub by: String,
    /// When, RFC 3339.
    pub at: String,
}

impl Approval {
    /// An approval by `by` at `at` (RFC 3339, as the round recorded it).
    pub fn new(by: impl Into<String>, at: impl Into<String>) -> Approval {
        Approval {
            by: by.into(),
            at: at.into(),
        }
    }
}

fn file_name(path: &Path) -> Result<String, AuditError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            AuditError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name in UTF-8"),
            )
        })
}
