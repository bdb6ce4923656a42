//! `dropkit inspect`: list the files of a DROP ZIP, their row counts and any malformed rows.

use std::process::ExitCode;

/// Arguments of `dropkit inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The downloaded DROP ZIP.
    #[arg(value_name = "ZIP")]
    pub(crate) zip: std::path::PathBuf,
}

/// Runs `dropkit inspect`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit inspect` is not implemented yet")
}
