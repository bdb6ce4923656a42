//! `dropkit validate`: check response files against a downloaded ZIP, as DROP would.

use std::process::ExitCode;

/// Arguments of `dropkit validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The downloaded DROP ZIP the responses answer.
    #[arg(long, value_name = "ZIP")]
    pub(crate) download: std::path::PathBuf,
    /// Also require every work item of every non-empty list to be answered exactly once.
    #[arg(long)]
    pub(crate) complete: bool,
    /// The response files (`Id,Status` CSVs).
    #[arg(value_name = "RESPONSE.csv", required = true)]
    pub(crate) responses: Vec<std::path::PathBuf>,
}

/// Runs `dropkit validate`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit validate` is not implemented yet")
}
