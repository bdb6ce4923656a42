//! `dropkit emulator`: run a local DROP emulator for tests and demos.

use std::process::ExitCode;

/// Arguments of `dropkit emulator`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
}

/// Runs `dropkit emulator`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`dropkit emulator` is not implemented yet")
}
