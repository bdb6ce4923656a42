//! `dropkit approve`: approve a round stopped for review (`dropkit cycle --review`).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `dropkit approve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// State directory of the round under review.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// Who approves (default: the login name).
    #[arg(long, value_name = "NAME")]
    pub(crate) by: Option<String>,
}

/// Runs `dropkit approve`: exit 0 once recorded, 1 when nothing awaits approval.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let by = args.by.unwrap_or_else(login_name);
    match dropkit_cycle::approve(&args.state_dir, &by) {
        Ok(approval) => {
            say!(
                "approved by {} at {}; run `dropkit cycle` to go on",
                approval.by,
                approval.at
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("dropkit: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The login name: `USER`, then `LOGNAME`, then `USERNAME` (Windows); `unknown` otherwise.
fn login_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}
