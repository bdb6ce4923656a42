//! `dropkit amend`: amend status files already uploaded for the current download.

use std::process::ExitCode;

use drop_client::Endpoint;

/// Arguments of `dropkit amend`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `Id,Status` files to upload as amendments.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<std::path::PathBuf>,
}

/// Runs `dropkit amend`: the same form and reporting as `dropkit upload`, sent to
/// `/data/amend`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::upload::send(Endpoint::Amend, &args.files)
}
