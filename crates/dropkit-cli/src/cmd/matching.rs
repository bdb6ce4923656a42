//! `dropkit match`: match broker records against a downloaded ZIP and write status files.

use std::process::ExitCode;

/// Arguments of `dropkit match`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The downloaded DROP ZIP.
    #[arg(long, value_name = "ZIP")]
    pub(crate) download: std::path::PathBuf,
    /// The broker's records, a CSV with a header row.
    #[arg(long, value_name = "FILE")]
    pub(crate) records: std::path::PathBuf,
    /// Column mapping FIELD=COLUMN[,FIELD=COLUMN...]; FIELD is key, email, phone, first_name,
    /// last_name, dob, zip, maid, ctvid or vin (`key` is required).
    #[arg(long, value_name = "FIELD=COLUMN,...", required = true)]
    pub(crate) map: Vec<String>,
    /// Directory for the status files and matches.csv (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: std::path::PathBuf,
}

/// Runs `dropkit match`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit match` is not implemented yet")
}
