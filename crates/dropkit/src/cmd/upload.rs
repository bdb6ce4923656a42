//! `dropkit upload`: upload status files for the current download.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use dropkit_client::{Endpoint, Error, UploadFile, UploadResponse};

use super::download::DEFAULT_MAX_WAIT_SECS;

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
}

/// Runs `dropkit upload`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    send(Endpoint::Upload, &args.files, args.max_wait)
}

/// Uploads or amends `paths` and reports every file: exit 0 only when every file was accepted
/// (or had already been received by an earlier attempt), 1 when any was rejected, when a
/// file is not a status file (nothing is sent), or when the outcome is unknown.
pub(crate) fn send(
    endpoint: Endpoint,
    paths: &[PathBuf],
    max_wait_secs: u64,
) -> anyhow::Result<ExitCode> {
    let files = paths
        .iter()
        .map(UploadFile::from_path)
        .collect::<Result<Vec<_>, _>>()?;
    for path in paths {
        // Fail before sending anything when a file is missing.
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    let client = super::download::client(max_wait_secs)?;
    let runtime = super::download::runtime()?;
    let result = runtime.block_on(async {
        match endpoint {
            Endpoint::Amend => client.amend(&files).await,
            _ => client.upload(&files).await,
        }
    });
    match result {
        Ok(response) => report(&response),
        Err(Error::Rejected { response, .. }) => {
            report(&response)?;
            eprintln!(
                "dropkit: DROP accepted no file: {}",
                response.message_text()
            );
            Ok(ExitCode::from(1))
        }
        Err(err @ Error::UploadOutcomeUnknown { .. }) => {
            // Likely received (the batch completed), but unconfirmed: not a success.
            eprintln!("dropkit: {err}");
            Ok(ExitCode::from(1))
        }
        Err(err) => Err(err.into()),
    }
}

fn report(response: &UploadResponse) -> anyhow::Result<ExitCode> {
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
    Ok(if response.all_accepted() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
