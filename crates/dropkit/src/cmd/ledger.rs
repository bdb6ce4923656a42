//! `dropkit ledger stats | export`: the ledger's figures, and its work items as Parquet.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::screen::{create_parent, open_ledger, remove_created};

/// Arguments of `dropkit ledger`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The `dropkit ledger` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Per list type: work items received, active, cancelled, answered by status, late
    /// matches.
    Stats(StatsArgs),
    /// Write the ledger's work items to a Parquet file, for a warehouse or a Spark job.
    Export(ExportArgs),
}

/// Arguments of `dropkit ledger stats`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatsArgs {
    /// The state directory whose ledger (`ledger.sqlite`) to read.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// Print the figures as JSON (snake_case field names) instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `dropkit ledger export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The state directory whose ledger (`ledger.sqlite`) to read.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// The Parquet file to write (replaced whole if it exists).
    #[arg(long, value_name = "FILE.parquet")]
    pub(crate) out: PathBuf,
}

/// Runs `dropkit ledger`: exit 1 on a missing state directory or ledger, or a ledger that
/// cannot be read, with nothing written.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Stats(args) => stats(args),
        Command::Export(args) => export(args),
    }
}

fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let ledger = open_ledger(&args.state_dir)?;
    let stats = ledger.stats()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &stats)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{}: schema version {}, {} downloads",
        ledger.path().display(),
        stats.schema_version,
        stats.downloads
    )?;
    writeln!(
        out,
        "{:<8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8}",
        "list",
        "received",
        "active",
        "cancelled",
        "2 exempt",
        "3 deleted",
        "4 opted",
        "5 absent",
        "unanswered",
        "matches",
        "late"
    )?;
    for l in stats.lists.iter().chain(std::iter::once(&stats.total)) {
        let a = &l.answered;
        writeln!(
            out,
            "{:<8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8}",
            l.list_type.unwrap_or("total"),
            l.received,
            l.active,
            l.cancelled,
            a.exempted,
            a.deleted,
            a.opted_out,
            a.not_found,
            l.unanswered,
            l.new_matches,
            l.late_matches
        )?;
    }
    for (reason, n) in &stats.exemptions {
        let reason = if reason.is_empty() {
            "(no reason given)"
        } else {
            reason
        };
        writeln!(out, "exempt ({reason}): {n}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let ledger = open_ledger(&args.state_dir)?;
    let created = create_parent(&args.out)?;
    let rows = match ledger.export_parquet(&args.out) {
        Ok(rows) => rows,
        Err(e) => {
            remove_created(&created);
            return Err(e.into());
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "wrote {} ({rows} work items)", args.out.display())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
