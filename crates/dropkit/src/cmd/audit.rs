//! `dropkit audit verify`: check a state directory's audit chain, offline.

use std::path::PathBuf;
use std::process::ExitCode;

use dropkit_audit::{AUDIT_FILE, AuditError, ChainHead};

/// Arguments of `dropkit audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The `dropkit audit` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Check that the audit chain (`STATE_DIR/audit.jsonl`) is intact: exit 0 if it is
    /// (a torn last line left by a crash is reported, not called tampering), 1 naming the
    /// first broken line.
    Verify(VerifyArgs),
}

/// Arguments of `dropkit audit verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The state directory whose audit chain to check.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// A head recorded earlier (`SEQ:HASH`, as this command prints it, or an attestation's
    /// `audit_head`): line SEQ must still be that line. Catches a change to the chain's
    /// last lines, which a chain alone cannot show.
    #[arg(long, value_name = "SEQ:HASH")]
    pub(crate) head: Option<ChainHead>,
}

/// Runs `dropkit audit`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Verify(args) => verify(args),
    }
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let path = args.state_dir.join(AUDIT_FILE);
    let result = match &args.head {
        Some(head) => dropkit_audit::verify_head(&path, head),
        None => dropkit_audit::verify(&path),
    };
    let report = match result {
        Ok(report) => report,
        Err(AuditError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "dropkit: {}: no audit chain (nothing recorded in this state directory yet?)",
                path.display()
            );
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("dropkit: {e}");
            if e.broken_line().is_some() {
                eprintln!(
                    "dropkit: the audit chain is broken: keep the file as it is for the audit"
                );
            }
            return Ok(ExitCode::from(1));
        }
    };
    say!(
        "{}: intact, {} line{}",
        path.display(),
        report.lines,
        if report.lines == 1 { "" } else { "s" }
    )?;
    say!("head: {}", report.head)?;
    if let Some(head) = &args.head {
        say!("recorded head {head} is in the chain")?;
    }
    if report.torn_last_line {
        say!(
            "the last line is torn (a write cut short by a crash, not tampering); the next \
             dropkit run that records removes it and says so in the chain"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
