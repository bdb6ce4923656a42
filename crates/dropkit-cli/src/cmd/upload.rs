//! `dropkit upload`: upload status files for the current download.

use std::process::ExitCode;

/// Arguments of `dropkit upload`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `Id,Status` files to upload.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<std::path::PathBuf>,
}

/// Runs `dropkit upload`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit upload` is not implemented yet")
}
