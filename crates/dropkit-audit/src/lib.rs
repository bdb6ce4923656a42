//! Tamper-evident records of California DROP rounds, verifiable offline.
//!
//! A data broker answers to CalPrivacy for every DROP request it handles. This crate keeps
//! the records an auditor can check without trusting the broker's software:
//!
//! - **The audit chain**, `<state-dir>/audit.jsonl`: one JSON object per line for every
//!   request to DROP or a provider and every change to a state directory, each line
//!   carrying the SHA-256 of the line before (`prev`). Editing, removing or reordering a
//!   line breaks the chain, and [`verify`] names the first broken line. [`AuditChain`]
//!   appends; [`Entry`] is what one line says, typed so that no consumer identifier or
//!   secret gets in ([`Label`]).
//! - **Attestations**, `attestation.json` (and a readable `attestation.md`) in a round's
//!   directory: the ZIP's and every uploaded status file's SHA-256 with DROP's answer, the
//!   counts, connector results, provider jobs, approvals, and the audit chain's head.
//!   [`Attestation::sign`] signs it with Ed25519 (detached, `attestation.json.sig`);
//!   [`verify_attestation`] checks the signature, every digest against the files and the
//!   head against the chain.
//!
//! Everything here can also be checked by hand with `sha256sum`, `jq` and `openssl`: see
//! `docs/audit.md`.
//!
//! # The chain's format
//!
//! Each line is compact JSON with the fields of [`Record`], in its order, ending in `\n`.
//! Line N has `seq` N; line 1's `prev` is 64 zeros, line N's `prev` is the SHA-256 of line
//! N-1's bytes including its newline (`sed -n "$((N-1))p" audit.jsonl | sha256sum`). The
//! chain's **head** ([`ChainHead`]) is the last line's `seq` and hash; a line carries no hash
//! of its own. A chain cannot by itself show that its last lines were changed or removed:
//! the head recorded in each attestation anchors it ([`verify_head`]).
//!
//! Appends are one `write` to a file opened for appending, under an OS lock on the file,
//! synced before [`AuditChain::append`] returns: a crash can only tear the last line, which
//! [`verify`] reports as [`VerifyReport::torn_last_line`], not as tampering, and the next
//! [`AuditChain::open`] cuts off and records.
//!
//! # Example
//!
//! ```
//! use dropkit_audit::{
//!     Attestation, AuditChain, Entry, Label, Request, SigningKey, Upload, verify,
//!     verify_attestation, FileDigest, RESPONSES_DIR,
//! };
//!
//! let dir = tempfile::tempdir()?;
//! let round = dir.path();
//!
//! // The round appends as it goes.
//! let mut chain = AuditChain::open(round)?;
//! chain.append(Entry::new("cycle", "ok").step("download")
//!     .request(Request::new("GET", "/data/download").name("20261120_4821_DROP.zip")))?;
//! let file = Label::new("20261120_4821_Email.csv")?;
//! let head = chain.append(Entry::new("cycle", "accepted").step("upload")
//!     .request(Request::new("POST", "/data/upload").name(file))
//!     .count("rows", 2))?;
//!
//! // Anyone can check the chain.
//! let report = verify(chain.path())?;
//! assert_eq!((report.lines, report.head), (2, head));
//!
//! // The round's files, and its attestation, signed.
//! std::fs::write(round.join("20261120_4821_DROP.zip"), b"the ZIP")?;
//! std::fs::create_dir_all(round.join(RESPONSES_DIR))?;
//! let status = round.join(RESPONSES_DIR).join("20261120_4821_Email.csv");
//! std::fs::write(&status, b"Id,Status\n1,2\n2,3\n")?;
//! let mut attestation = Attestation::new(head, time::OffsetDateTime::now_utc());
//! attestation.download = Some(FileDigest::of_file(&round.join("20261120_4821_DROP.zip"))?);
//! attestation.uploads.push(Upload::of_file(&status, "accepted")?);
//! attestation.counts.entry("Email".into()).or_default().insert("deleted".into(), 1);
//! let key = SigningKey::from_bytes(&[7; 32]); // in real use: dropkit_audit::read_signing_key
//! let files = attestation.sign(&key)?.write(round)?;
//!
//! // An auditor checks it: signature, digests, chain head.
//! let check = verify_attestation(&files.json, None, None)?;
//! assert!(check.is_valid(), "{:?}", check.problems());
//!
//! // A changed status file fails the check.
//! std::fs::write(&status, b"Id,Status\n1,3\n2,3\n")?;
//! let check = verify_attestation(&files.json, None, None)?;
//! assert!(!check.is_valid());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod attestation;
mod chain;
mod check;
mod digest;
mod entry;
mod error;
mod files;
mod markdown;
mod record;
mod sign;
mod verify;

pub use attestation::{
    ATTESTATION_FILE, ATTESTATION_FORMAT, ATTESTATION_MARKDOWN, Approval, Attestation,
    AttestationFiles, ConnectorResult, FileDigest, ProviderJob, RESPONSES_DIR, ROUNDS_DIR,
    SIGNATURE_FILE, Upload,
};
pub use chain::{AUDIT_FILE, AuditChain, ChainHead, ParseHeadError};
pub use check::{
    AttestationCheck, ChainCheck, FileCheck, FileOutcome, SignatureCheck, verify_attestation,
};
pub use digest::{Digest, ParseDigestError};
pub use entry::{Approver, Entry, Label, REDACTED, Request};
pub use error::{AuditError, Break};
pub use record::Record;
pub use sign::{
    ALGORITHM, KeyFiles, SignatureFile, SignedAttestation, SigningKey, VerifyingKey,
    generate_key_pair, read_signing_key, read_verifying_key,
};
pub use verify::{VerifyReport, read_records, verify, verify_head};
