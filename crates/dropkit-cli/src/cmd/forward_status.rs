//! `dropkit forward-status`: print the status of service-provider deletion jobs.

use std::process::ExitCode;

/// Arguments of `dropkit forward-status`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service provider.
    #[arg(long, value_enum)]
    pub(crate) provider: super::Provider,
    /// Job ids returned by `dropkit forward`.
    #[arg(value_name = "JOB_ID", required = true)]
    pub(crate) job_ids: Vec<String>,
}

/// Runs `dropkit forward-status`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit forward-status` is not implemented yet")
}
