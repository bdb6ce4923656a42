//! `dropkit amend`: amend status files already uploaded for the current download.

use std::process::ExitCode;

use dropkit_client::Endpoint;

/// Arguments of `dropkit amend`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `Id,Status` files to upload as amendments, named as DROP status files
    /// (`<date>_<broker>_<ListType>[_suffix].csv`); any other file is refused before sending.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<std::path::PathBuf>,
    /// Total time one request may spend retrying 429, 5xx and network failures, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = super::download::DEFAULT_MAX_WAIT_SECS)]
    pub(crate) max_wait: u64,
    /// State directory whose audit chain (`audit.jsonl`) records the amendment (created when
    /// missing).
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: std::path::PathBuf,
}

/// Runs `dropkit amend`: the same form and reporting as `dropkit upload`, sent to
/// `/data/amend`, recorded in the audit chain as `amend`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::upload::send(Endpoint::Amend, &args.files, args.max_wait, &args.state_dir)
}
