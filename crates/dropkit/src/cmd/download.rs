//! `dropkit download`: download the current DROP ZIP, waiting while it is prepared.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use dropkit_audit::{Digest, Entry, Request};
use dropkit_client::{ClientBuilder, Error, WaitOutcome};
use dropkit_cycle::health::{AccessKind, Health};

use crate::audit_entry::{self, ERROR, OK, label};

/// The default retry deadline of one request: long enough for an unattended run to ride out
/// an outage of a few hours (the same as `dropkit cycle`).
pub(crate) const DEFAULT_MAX_WAIT_SECS: u64 = 6 * 3600;

/// Arguments of `dropkit download`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory to save the ZIP in, under its server-given name (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: std::path::PathBuf,
    /// Give up when DROP is still preparing the package after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 6 * 3600)]
    pub(crate) download_wait: u64,
    /// Total time one request may spend retrying 429, 5xx and network failures, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MAX_WAIT_SECS)]
    pub(crate) max_wait: u64,
    /// State directory whose audit chain (`audit.jsonl`) records the download (created when
    /// missing).
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: std::path::PathBuf,
}

/// The request every download entry records.
fn request() -> Request {
    Request::new("GET", "/data/download")
}

/// Runs `dropkit download`: reads `DROP_API_KEY` and `DROP_BASE_URL`, waits through 202 and
/// 429, saves the ZIP (streamed to a temporary file in `--out`, synced, renamed into place
/// only when complete) and prints its path.
///
/// One entry in `--state-dir`'s audit chain: `ok` with the ZIP's name, size and SHA-256,
/// `no-data`, or `error` with the error's kind.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let client = client(args.max_wait)?;
    let mut chain = audit_entry::open_chain(&args.state_dir)?;
    let result = runtime()?
        .block_on(client.wait_for_download(&args.out, Duration::from_secs(args.download_wait)));
    let entry = Entry::new("download", OK);
    match result {
        Ok(WaitOutcome::Saved(zip)) => {
            let name = label(&zip.file_name.to_string());
            let entry = match Digest::of_file(&zip.path) {
                Ok(sha256) => entry.file(name.clone(), sha256),
                // Saved, but unreadable at once: the entry goes without the digest rather
                // than missing.
                Err(e) => {
                    eprintln!("dropkit: warning: the audit entry has no SHA-256 of the ZIP: {e}");
                    entry
                }
            };
            let entry = entry.request(request().name(name)).count("bytes", zip.size);
            record_access(&args.state_dir, AccessKind::Download);
            // The entry first: a closed standard output must not cost it.
            let code = audit_entry::finish(&mut chain, entry, ExitCode::SUCCESS)?;
            say!("saved {} ({} bytes)", zip.path.display(), zip.size)?;
            Ok(code)
        }
        Ok(WaitOutcome::NoData { message }) => {
            let entry = Entry::new("download", "no-data").request(request());
            record_access(&args.state_dir, AccessKind::NoData);
            let code = audit_entry::finish(&mut chain, entry, ExitCode::SUCCESS)?;
            say!("no new data: {message}")?;
            Ok(code)
        }
        Err(err) => {
            let entry = Entry::new("download", ERROR)
                .request(request())
                .error(audit_entry::drop_error_kind(&err));
            let code = if matches!(err, Error::DownloadAlreadySent { .. }) {
                eprintln!("dropkit: {err}");
                eprintln!(
                    "dropkit: if the ZIP was lost, download the batch from the DROP portal and run `dropkit cycle --zip FILE` (or answer it by hand)"
                );
                ExitCode::from(1)
            } else {
                eprintln!("dropkit: {}", crate::message(&err.into()));
                ExitCode::from(1)
            };
            audit_entry::finish(&mut chain, entry, code)
        }
    }
}

/// A client from `DROP_API_KEY` and `DROP_BASE_URL` whose requests retry for at most
/// `max_wait_secs` seconds each.
pub(crate) fn client(max_wait_secs: u64) -> anyhow::Result<dropkit_client::Client> {
    ClientBuilder::from_env()
        .max_wait(Duration::from_secs(max_wait_secs))
        .build()
        .context("cannot set up the DROP client")
}

/// A single-threaded runtime: one request at a time needs no more.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Tells `dropkit status` that DROP was reached: a standalone download counts toward the
/// 45-day duty as a round's does. Best effort: the ZIP is saved and the audit entry is the
/// record; a health file that cannot be written is a warning, not a failed download.
fn record_access(state_dir: &std::path::Path, kind: AccessKind) {
    if let Err(e) = Health::record_access_in(state_dir, kind) {
        eprintln!(
            "dropkit: warning: could not record the access in {}: {e}",
            state_dir.display()
        );
    }
}
