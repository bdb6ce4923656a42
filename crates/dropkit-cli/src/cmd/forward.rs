//! `dropkit forward`: send deletion requests for emails read from standard input to a service provider.

use std::process::ExitCode;

/// Arguments of `dropkit forward`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service provider.
    #[arg(long, value_enum)]
    pub(crate) provider: super::Provider,
    /// ID5 jurisdiction.
    #[arg(long, default_value = "CCPA")]
    pub(crate) jurisdiction: String,
    /// MaestroQA audit label.
    #[arg(long, value_name = "L")]
    pub(crate) audit_label: Option<String>,
}

/// Runs `dropkit forward`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit forward` is not implemented yet")
}
