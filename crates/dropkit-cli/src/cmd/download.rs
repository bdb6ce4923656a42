//! `dropkit download`: download the current DROP ZIP, waiting while it is prepared.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use drop_client::{Client, WaitOutcome};

/// Arguments of `dropkit download`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory to save the ZIP in, under its server-given name (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: std::path::PathBuf,
    /// Give up when DROP is still preparing the package after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub(crate) max_wait: u64,
}

/// Runs `dropkit download`: reads `DROP_API_KEY` and `DROP_BASE_URL`, waits through 202 and
/// 429, saves the ZIP (renamed into place only when complete) and prints its path.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let client = Client::from_env().context("cannot set up the DROP client")?;
    let outcome = runtime()?
        .block_on(client.wait_for_download(&args.out, Duration::from_secs(args.max_wait)))?;
    match outcome {
        WaitOutcome::Saved(zip) => {
            println!("saved {} ({} bytes)", zip.path.display(), zip.size);
        }
        WaitOutcome::NoData { message } => println!("no new data: {message}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A single-threaded runtime: one request at a time needs no more.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
