//! The audit entries of the commands that talk to DROP or a provider outside a round
//! (`download`, `upload`, `amend`, `forward`, `forward-status`, `doctor`): one entry each in
//! the state directory's audit chain, `<state-dir>/audit.jsonl`, the chain `dropkit cycle`
//! appends to (format in `docs/audit.md`).
//!
//! The chain is opened **before** the first request, creating the state directory (`0700`)
//! when it is missing: a command whose entry could not be written sends nothing. The cli
//! contract creates an output directory given with `--state-dir` when it does not exist; the
//! default directory is created too, as the safest reading: an entry must not be lost
//! because nobody made the directory first.
//!
//! An entry holds names of things (files, providers, job states), SHA-256s of files, counts,
//! the outcome and an error's kind: never an error's message (a server may quote a value in
//! it), a secret or a consumer's identifier. Appends are safe while a `dropkit cycle` runs on
//! the same directory: [`AuditChain`] takes an OS lock on `audit.jsonl` for each append.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use dropkit_audit::{AuditChain, Entry, Label};

/// The outcome of a command that did what it was asked.
pub(crate) const OK: &str = "ok";
/// The outcome of a command that failed; [`Entry::error`] says how.
pub(crate) const ERROR: &str = "error";

/// Opens the audit chain of `state_dir`, creating the directory (`0700`, with its missing
/// parents) when it does not exist.
///
/// # Errors
/// The directory cannot be created, or the chain cannot be opened or ends in a line that is
/// not an entry (`dropkit audit verify` says more): the command must then send nothing.
pub(crate) fn open_chain(state_dir: &Path) -> anyhow::Result<AuditChain> {
    if !state_dir.is_dir() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(state_dir).with_context(|| {
            format!("cannot create the state directory {}", state_dir.display())
        })?;
    }
    AuditChain::open(state_dir).context("cannot open the audit chain; nothing was sent")
}

/// Appends `entry` to `chain` and answers `code`; an entry that cannot be written makes the
/// command fail (exit 1), whatever it did: the record of it is missing.
///
/// # Errors
/// The entry could not be appended.
pub(crate) fn finish(
    chain: &mut AuditChain,
    entry: Entry,
    code: ExitCode,
) -> anyhow::Result<ExitCode> {
    chain
        .append(entry)
        .context("the command ran, but its audit entry could not be written")?;
    Ok(code)
}

/// `text` as audit text when it passes [`Label::new`]'s checks, `redacted` otherwise: for
/// names (files, providers, states) whose form the program does not control.
pub(crate) fn label(text: &str) -> Label {
    Label::or_redacted(text)
}

/// The kind of a DROP client error, as an entry's `error`: a fixed word per kind, never the
/// error's text.
pub(crate) fn drop_error_kind(err: &dropkit_client::Error) -> &'static str {
    use dropkit_client::Error as E;
    match err {
        E::MissingApiKey
        | E::InvalidApiKey
        | E::InsecureBaseUrl(_)
        | E::InvalidBaseUrl { .. }
        | E::Build(_) => "configuration",
        E::Rejected { .. } => "rejected",
        E::BadRequest { .. } => "bad-request",
        E::Unauthorized { .. } => "unauthorized",
        E::NotEligible { .. } => "not-eligible",
        E::NoListsSelected { .. } => "no-lists-selected",
        E::NotFound { .. } => "not-found",
        E::DownloadAlreadySent { .. } => "already-sent",
        E::NoActiveDownload { .. } => "no-active-download",
        E::UploadOutcomeUnknown { .. } => "outcome-unknown",
        E::AmendNotAllowed { .. } => "amend-not-allowed",
        E::RateLimited { .. } => "rate-limited",
        E::Server { .. } => "server-error",
        E::UnexpectedResponse { .. } | E::InvalidResponse { .. } | E::InvalidZipName { .. } => {
            "unexpected-response"
        }
        E::NotAStatusFile { .. } | E::InvalidUploadName { .. } => "not-a-status-file",
        E::Timeout { .. } => "timeout",
        E::Transport { .. } => "network",
        E::IncompleteBody { .. } => "incomplete-body",
        E::StillPreparing { .. } => "still-preparing",
        E::Io { .. } => "io",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_missing_state_directory_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("a/b");
        let mut chain = open_chain(&state).unwrap();
        finish(&mut chain, Entry::new("download", OK), ExitCode::SUCCESS).unwrap();
        assert_eq!(dropkit_audit::verify(chain.path()).unwrap().lines, 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&state).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn a_state_directory_that_is_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(open_chain(&file).is_err());
    }

    #[test]
    fn error_kinds_are_words_not_messages() {
        let err = dropkit_client::Error::Unauthorized {
            endpoint: dropkit_client::Endpoint::Upload,
            message: "jane@example.com".into(),
        };
        assert_eq!(drop_error_kind(&err), "unauthorized");
        assert_eq!(label("jane@example.com").as_str(), dropkit_audit::REDACTED);
    }
}
