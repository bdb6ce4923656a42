//! `dropkit report`: the annual report of a state directory, from its ledger, checked against
//! the status files uploaded (`dropkit_report`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::screen::{create_parent, remove_created};

/// Arguments of `dropkit report`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("format").args(["json", "csv", "html"]).multiple(false))]
pub(crate) struct Args {
    /// The state directory whose ledger and rounds to read.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// The calendar year: the downloads received in it (UTC).
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub(crate) year: i32,
    /// Print the report as JSON (field names in docs/cli.md).
    #[arg(long)]
    pub(crate) json: bool,
    /// Print the report as CSV: `year,section,subject,measure,value`, one row per figure.
    #[arg(long)]
    pub(crate) csv: bool,
    /// Write the report as one self-contained HTML page with charts to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
}

/// Runs `dropkit report`: exit 0 with the report; 1 when there is no state directory or
/// ledger, a file cannot be read, or the ledger disagrees with the uploaded status files
/// (nothing is written then).
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report = dropkit_report::annual_report(&args.state_dir, args.year)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else if args.csv {
        out.write_all(report.to_csv()?.as_bytes())?;
    } else if let Some(path) = &args.html {
        let created = create_parent(path)?;
        if let Err(e) = std::fs::write(path, report.to_html()) {
            remove_created(&created);
            return Err(e).with_context(|| format!("writing {}", path.display()));
        }
        writeln!(out, "wrote {}", path.display())?;
    } else {
        out.write_all(report.to_text().as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
