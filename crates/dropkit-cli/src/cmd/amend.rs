//! `dropkit amend`: amend status files already uploaded for the current download.

use std::process::ExitCode;

/// Arguments of `dropkit amend`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `Id,Status` files to upload as amendments.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<std::path::PathBuf>,
}

/// Runs `dropkit amend`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit amend` is not implemented yet")
}
