//! Checking an attestation against its signature, its round's files and the audit chain.

use std::path::{Path, PathBuf};

use crate::{
    AUDIT_FILE, Attestation, AuditError, Digest, SIGNATURE_FILE, SignatureFile, read_verifying_key,
    verify_head,
};

/// What [`verify_attestation`] found: each check's outcome, for a report that lists every
/// problem, not only the first. [`AttestationCheck::is_valid`] is the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "an attestation check that is not looked at checks nothing"]
pub struct AttestationCheck {
    /// The attestation read.
    pub attestation: Attestation,
    /// The signature's check.
    pub signature: SignatureCheck,
    /// Each file's check: the ZIP first, then the status files in the attestation's order.
    pub files: Vec<FileCheck>,
    /// The audit chain's check.
    pub chain: ChainCheck,
}

impl AttestationCheck {
    /// Whether everything checked out: the signature (when there is one or a key was given),
    /// every file's digest, and the head in an intact audit chain.
    pub fn is_valid(&self) -> bool {
        !matches!(self.signature, SignatureCheck::Invalid { .. })
            && self
                .files
                .iter()
                .all(|f| matches!(f.outcome, FileOutcome::Matches))
            && matches!(self.chain, ChainCheck::Found { .. })
    }

    /// Every problem found, one sentence each; empty when [`is_valid`](Self::is_valid).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let SignatureCheck::Invalid { reason } = &self.signature {
            problems.push(format!("signature: {reason}"));
        }
        for file in &self.files {
            let path = file.path.display();
            match &file.outcome {
                FileOutcome::Matches => {}
                FileOutcome::Differs { found } => problems.push(format!(
                    "{path}: SHA-256 is {found}, the attestation says {}: the file was changed",
                    file.expected
                )),
                FileOutcome::Missing => problems.push(format!("{path}: missing")),
                FileOutcome::NotAPlainName => problems.push(format!(
                    "the attestation names {:?}, which is not a plain file name",
                    file.name
                )),
            }
        }
        match &self.chain {
            ChainCheck::Found { .. } => {}
            ChainCheck::Missing { path } => {
                problems.push(format!("{}: no audit chain here", path.display()));
            }
            ChainCheck::Broken { message, .. } => problems.push(message.clone()),
        }
        problems
    }
}

/// The signature's check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureCheck {
    /// No signature file and no public key given: nothing to check.
    Unsigned,
    /// The signature matches the attestation's bytes.
    Valid {
        /// The key it was checked with, 32 bytes in standard Base64.
        public_key: String,
        /// Whether that key was the one given (`--public-key`); `false` when only the key
        /// named in the signature file was at hand, which shows the file is whole but not
        /// who signed it.
        trusted: bool,
    },
    /// The signature is missing (a public key was given), malformed, of another file, by
    /// another key, or does not match.
    Invalid {
        /// Why.
        reason: String,
    },
}

/// A file's check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileCheck {
    /// The name in the attestation.
    pub name: String,
    /// Where it was looked for.
    pub path: PathBuf,
    /// The SHA-256 the attestation records.
    pub expected: Digest,
    /// What was found.
    pub outcome: FileOutcome,
}

/// What was found for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileOutcome {
    /// Its SHA-256 is the one recorded.
    Matches,
    /// Its SHA-256 is another: the file was changed.
    Differs {
        /// The file's SHA-256 now.
        found: Digest,
    },
    /// No such file.
    Missing,
    /// The name is not a plain file name (a directory, `..`): not looked up.
    NotAPlainName,
}

/// The audit chain's check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainCheck {
    /// The chain is intact and its line `audit_head.seq` is the recorded head.
    Found {
        /// The chain file.
        path: PathBuf,
        /// Its complete lines.
        lines: u64,
    },
    /// No audit chain where it was looked for.
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The chain is broken, or the head is not in it.
    Broken {
        /// The first broken line, when the chain names one.
        line: Option<u64>,
        /// The error, naming the file, the line and why.
        message: String,
    },
}

/// Checks the attestation `file` (an `attestation.json`).
///
/// - Signature: with `public_key` (a PEM public key file), `<file>.sig` must exist and match
///   the file's bytes under that key. Without it, a signature file present is checked
///   against the key it names ([`SignatureCheck::Valid`] with `trusted: false`), and none
///   is [`SignatureCheck::Unsigned`].
/// - Files: the directory holding `file` is the round's directory (the attestation is
///   written there and archived with it); the ZIP is looked for at its top, the status
///   files under `responses/`, and each must have the SHA-256 recorded.
/// - Chain: `<state_dir>/audit.jsonl`, or without `state_dir` the first that exists of the
///   round's directory and, for an archived round (`STATE_DIR/rounds/<round>/`), the state
///   directory two levels up. It must verify whole and hold the recorded head.
///
/// Errors are for what cannot be read at all: the attestation, a key or signature file
/// that is not one. Everything else is reported in the [`AttestationCheck`].
pub fn verify_attestation(
    file: &Path,
    public_key: Option<&Path>,
    state_dir: Option<&Path>,
) -> Result<AttestationCheck, AuditError> {
    let bytes = std::fs::read(file).map_err(|e| AuditError::io(file, e))?;
    let attestation = Attestation::from_json(file, &bytes)?;
    let round_dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let signature = check_signature(file, &bytes, public_key)?;
    let files = check_files(&attestation, &round_dir)?;
    let chain = check_chain(&attestation, &round_dir, state_dir);
    Ok(AttestationCheck {
        attestation,
        signature,
        files,
        chain,
    })
}

fn check_signature(
    file: &Path,
    bytes: &[u8],
    public_key: Option<&Path>,
) -> Result<SignatureCheck, AuditError> {
    let trusted = public_key.map(read_verifying_key).transpose()?;
    let sig_path = signature_path(file);
    let text = match std::fs::read(&sig_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(match trusted {
                None => SignatureCheck::Unsigned,
                Some(_) => SignatureCheck::Invalid {
                    reason: format!(
                        "{}: missing, and a public key was given",
                        sig_path.display()
                    ),
                },
            });
        }
        Err(e) => return Err(AuditError::io(&sig_path, e)),
    };
    let signature: SignatureFile =
        serde_json::from_slice(&text).map_err(|e| AuditError::Signature {
            path: sig_path.clone(),
            message: e.to_string(),
        })?;
    Ok(match signature.check(bytes, trusted.as_ref()) {
        Ok(key) => SignatureCheck::Valid {
            public_key: signature.public_key.clone(),
            trusted: trusted.is_some_and(|t| t == key),
        },
        Err(reason) => SignatureCheck::Invalid {
            reason: format!("{}: {reason}", sig_path.display()),
        },
    })
}

/// `attestation.json.sig` next to `file` (whatever `file` is named, `<file>.sig`).
fn signature_path(file: &Path) -> PathBuf {
    let mut name = file
        .file_name()
        .map(ToOwned::to_owned)
        .unwrap_or_else(|| SIGNATURE_FILE.trim_end_matches(".sig").into());
    name.push(".sig");
    file.with_file_name(name)
}

fn check_files(attestation: &Attestation, round_dir: &Path) -> Result<Vec<FileCheck>, AuditError> {
    let responses = round_dir.join(crate::RESPONSES_DIR);
    let wanted = attestation
        .download
        .iter()
        .map(|d| (&d.name, d.sha256, round_dir))
        .chain(
            attestation
                .uploads
                .iter()
                .map(|u| (&u.name, u.sha256, responses.as_path())),
        );
    let mut checks = Vec::new();
    for (name, expected, dir) in wanted {
        let path = dir.join(name);
        let outcome = if !is_plain_name(name) {
            FileOutcome::NotAPlainName
        } else {
            match Digest::of_file(&path) {
                Ok(found) if found == expected => FileOutcome::Matches,
                Ok(found) => FileOutcome::Differs { found },
                Err(AuditError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    FileOutcome::Missing
                }
                Err(e) => return Err(e),
            }
        };
        checks.push(FileCheck {
            name: name.clone(),
            path,
            expected,
            outcome,
        });
    }
    Ok(checks)
}

/// A name that stays inside its directory: one path component, not `.` or `..`.
fn is_plain_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(std::path::Component::Normal(n)), None) if n == name
    ) && !name.contains(['/', '\\'])
}

fn check_chain(
    attestation: &Attestation,
    round_dir: &Path,
    state_dir: Option<&Path>,
) -> ChainCheck {
    let candidates = match state_dir {
        Some(dir) => vec![dir.join(AUDIT_FILE)],
        None => {
            let mut c = vec![round_dir.join(AUDIT_FILE)];
            let parent = round_dir.parent();
            if parent.and_then(Path::file_name) == Some(std::ffi::OsStr::new(crate::ROUNDS_DIR))
                && let Some(state) = parent.and_then(Path::parent)
            {
                c.push(state.join(AUDIT_FILE));
            }
            c
        }
    };
    let Some(path) = candidates.iter().find(|p| p.is_file()).cloned() else {
        return ChainCheck::Missing {
            path: candidates.into_iter().next().unwrap_or_default(),
        };
    };
    match verify_head(&path, &attestation.audit_head) {
        Ok(report) => ChainCheck::Found {
            path,
            lines: report.lines,
        },
        Err(e) => ChainCheck::Broken {
            line: e.broken_line(),
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_looked_up() {
        assert!(is_plain_name("20261120_4821_Email.csv"));
        for bad in ["", ".", "..", "../x.csv", "a/b.csv", "/etc/passwd", "a\\b"] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
