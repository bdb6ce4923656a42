//! `dropkit upload`: upload status files for the current download.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use dropkit_audit::{Digest, Entry, Request};
use dropkit_client::{Endpoint, Error, UploadFile, UploadResponse};

use super::download::DEFAULT_MAX_WAIT_SECS;
use crate::audit_entry::{self, ERROR, label};

/// Arguments of `dropkit upload`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `Id,Status` files to upload, named as DROP status files
    /// (`<date>_<broker>_<ListType>[_suffix].csv`); any other file is refused before sending.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<std::path::PathBuf>,
    /// Total time one request may spend retrying 429, 5xx and network failures, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MAX_WAIT_SECS)]
    pub(crate) max_wait: u64,
    /// State directory whose audit chain (`audit.jsonl`) records the upload (created when
    /// missing).
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
}

/// Runs `dropkit upload`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    send(
        Endpoint::Upload,
        &args.files,
        args.max_wait,
        &args.state_dir,
    )
}

/// Uploads or amends `paths` and reports every file: exit 0 only when every file was accepted
/// (or had already been received by an earlier attempt), 1 when any was rejected, when a
/// file is not a status file (nothing is sent), or when the outcome is unknown.
///
/// Once the request is about to be sent, one entry in `state_dir`'s audit chain: the command
/// (`upload` or `amend`), `POST /data/upload` (or `/data/amend`), each file's name and
/// SHA-256, the counts of files sent, accepted, already received and rejected, and `ok` or
/// `error` with the error's kind (`rejected` when DROP refused any file).
pub(crate) fn send(
    endpoint: Endpoint,
    paths: &[PathBuf],
    max_wait_secs: u64,
    state_dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let files = paths
        .iter()
        .map(UploadFile::from_path)
        .collect::<Result<Vec<_>, _>>()?;
    let mut digests = Vec::with_capacity(paths.len());
    for (path, file) in paths.iter().zip(&files) {
        // Fail before sending anything when a file is missing.
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        let sha256 =
            Digest::of_file(path).with_context(|| format!("cannot read {}", path.display()))?;
        digests.push((label(file.name()), sha256));
    }
    let client = super::download::client(max_wait_secs)?;
    let runtime = super::download::runtime()?;
    let mut chain = audit_entry::open_chain(state_dir)?;
    let (command, route): (&'static str, &'static str) = match endpoint {
        Endpoint::Amend => ("amend", "/data/amend"),
        _ => ("upload", "/data/upload"),
    };
    let result = runtime.block_on(async {
        match endpoint {
            Endpoint::Amend => client.amend(&files).await,
            _ => client.upload(&files).await,
        }
    });
    // What DROP answered is printed, but a failed print (a closed standard output) must not
    // cost the audit entry of files DROP has already received: its error waits until after.
    let (code, answer, error, printed) = match result {
        Ok(response) => {
            let printed = report(&response);
            (exit_code(&response), Some(response), None, printed)
        }
        Err(Error::Rejected { response, .. }) => {
            let printed = report(&response);
            eprintln!(
                "dropkit: DROP accepted no file: {}",
                response.message_text()
            );
            (ExitCode::from(1), Some(*response), None, printed)
        }
        Err(err) => {
            // Outcome unknown (likely received, as the batch completed, but unconfirmed) or
            // not answered at all: not a success.
            let kind = audit_entry::drop_error_kind(&err);
            eprintln!("dropkit: {}", crate::message(&err.into()));
            (ExitCode::from(1), None, Some(kind), Ok(()))
        }
    };
    let error = error.or_else(|| {
        answer
            .as_ref()
            .filter(|response| !response.all_accepted())
            .map(|_| "rejected")
    });
    let mut entry = match error {
        None => Entry::new(command, audit_entry::OK),
        Some(kind) => Entry::new(command, ERROR).error(kind),
    }
    .request(Request::new("POST", route))
    .count("files", files.len() as u64);
    if let Some(response) = &answer {
        entry = entry
            .count("accepted", response.accepted().len() as u64)
            .count("already_received", response.already_received().len() as u64)
            .count("rejected", response.rejected().len() as u64);
    }
    for (name, sha256) in digests {
        entry = entry.file(name, sha256);
    }
    let code = audit_entry::finish(&mut chain, entry, code)?;
    printed.context("could not print DROP's answer (it is in the audit chain)")?;
    Ok(code)
}

fn report(response: &UploadResponse) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for file in response.accepted() {
        writeln!(
            out,
            "accepted {} ({} bytes)",
            file.file_name, file.file_size_bytes
        )?;
    }
    for file in response.already_received() {
        writeln!(
            out,
            "already received {} (an earlier attempt of this upload delivered it)",
            file.file_name
        )?;
    }
    for file in response.rejected() {
        eprintln!("rejected {}: {}", file.file_name, file.message);
    }
    Ok(())
}

/// 0 when DROP accepted every file (or had them already), 1 otherwise.
fn exit_code(response: &UploadResponse) -> ExitCode {
    if response.all_accepted() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
