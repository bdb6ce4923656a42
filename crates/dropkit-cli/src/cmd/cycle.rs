//! `dropkit cycle`: run a whole DROP round: download, match, write, validate, upload, forward, report.

use std::process::ExitCode;

/// Arguments of `dropkit cycle`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// State directory (created if missing); a stopped round resumes from it.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: std::path::PathBuf,
    /// Print a machine-readable JSON summary on standard output.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Runs `dropkit cycle`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit cycle` is not implemented yet")
}
