//! `dropkit download`: download the current DROP ZIP, waiting while it is prepared.

use std::process::ExitCode;

/// Arguments of `dropkit download`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory to save the ZIP in, under its server-given name (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: std::path::PathBuf,
}

/// Runs `dropkit download`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit download` is not implemented yet")
}
