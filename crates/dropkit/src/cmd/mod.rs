//! One module per subcommand: `Args` (clap) and `run(args) -> anyhow::Result<ExitCode>`.

/// `println!` that returns an error instead of panicking when standard output is closed
/// (`dropkit status | head -0`): use as `say!("...", ...)?;`. A command then ends with its
/// error line and exit 1, its work (and audit entry) already done, never with a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cmd::say_line(format_args!($($arg)*))
    };
}

pub(crate) mod amend;
pub(crate) mod approve;
pub(crate) mod attest;
pub(crate) mod audit;
pub(crate) mod cycle;
pub(crate) mod doctor;
pub(crate) mod download;
pub(crate) mod emulator;
pub(crate) mod forward;
pub(crate) mod forward_status;
pub(crate) mod hash;
pub(crate) mod inspect;
pub(crate) mod ledger;
pub(crate) mod matching;
pub(crate) mod providers;
pub(crate) mod report;
pub(crate) mod screen;
pub(crate) mod sql;
pub(crate) mod status;
pub(crate) mod upload;
pub(crate) mod validate;

/// A service provider that deletions are forwarded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Provider {
    /// MaestroQA (`MAESTROQA_API_TOKEN`, `MAESTROQA_BASE_URL`).
    Maestroqa,
    /// ID5 (`ID5_PARTNER_ID`, `ID5_TOKEN`, `ID5_BASE_URL`).
    Id5,
}

/// One line on standard output, for `say!`.
pub(crate) fn say_line(line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    writeln!(std::io::stdout(), "{line}").context("could not write to standard output")
}
