//! `dropkit screen`: screen a records file against every active work item in the ledger,
//! without talking to DROP.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use dropkit_ledger::{LEDGER_FILE, Ledger};
use dropkit_match::Mapping;

/// How many problems are printed in full (all are counted in the summary).
const PRINTED_PROBLEMS: usize = 20;

/// Arguments of `dropkit screen`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The state directory whose ledger (`ledger.sqlite`) holds the work items.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// The records to screen: a CSV with a header row, or a Parquet file (starting with
    /// `PAR1` or named `*.parquet`; column names stand for the header).
    #[arg(long, value_name = "FILE")]
    pub(crate) records: PathBuf,
    /// Column mapping FIELD=COLUMN[,FIELD=COLUMN...], as for `dropkit match` (`key` is
    /// required).
    #[arg(long, value_name = "FIELD=COLUMN,...", required = true)]
    pub(crate) map: Vec<String>,
    /// The report to write: a CSV `Key,ListType,Id`, one row per record key and work item it
    /// matches.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Also write the records without the matching ones here, in the records' format with
    /// the same header, ready to load.
    #[arg(long, value_name = "FILE")]
    pub(crate) clean: Option<PathBuf>,
}

/// Runs `dropkit screen`: exit 0 whether or not anything matched (the count is printed);
/// exit 1 on a missing state directory or ledger, a mapping error or an unreadable records
/// file, with nothing written.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mapping = Mapping::parse_specs(args.map.iter().map(String::as_str))?;
    let ledger = open_ledger(&args.state_dir)?;
    // An unreadable records file is reported before any output directory is created.
    std::fs::File::open(&args.records)
        .with_context(|| format!("cannot open {}", args.records.display()))?;
    let mut created = Vec::new();
    for output in std::iter::once(&args.out).chain(&args.clean) {
        created.extend(create_parent(output)?);
    }
    let summary = match ledger.screen(&args.records, &mapping, &args.out, args.clean.as_deref()) {
        Ok(summary) => summary,
        Err(e) => {
            remove_created(&created);
            return Err(e.into());
        }
    };

    let mut err = std::io::stderr().lock();
    for problem in summary.first_problems.iter().take(PRINTED_PROBLEMS) {
        writeln!(err, "{problem}")?;
    }
    let printed = summary.first_problems.len().min(PRINTED_PROBLEMS) as u64;
    if summary.problems > printed {
        writeln!(err, "... and {} more problems", summary.problems - printed)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "screened {} records ({} bad rows) against {} active work items: {} matches",
        summary.records_read, summary.bad_rows, summary.active_work_items, summary.matches
    )?;
    writeln!(
        out,
        "wrote {} ({} rows)",
        args.out.display(),
        summary.matches
    )?;
    if let (Some(clean), Some(rows)) = (&args.clean, summary.clean_rows) {
        writeln!(out, "wrote {} ({rows} records)", clean.display())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the ledger of an existing state directory; a missing directory or ledger is a clear
/// error, and nothing is created.
pub(crate) fn open_ledger(state_dir: &Path) -> anyhow::Result<Ledger> {
    if !state_dir.is_dir() {
        anyhow::bail!(
            "{}: no such state directory (give the one `dropkit cycle` uses with --state-dir)",
            state_dir.display()
        );
    }
    Ok(Ledger::open_existing(state_dir.join(LEDGER_FILE))?)
}

/// Creates the directory an output file goes in, and the missing ones above it; returns
/// those created, outermost first.
pub(crate) fn create_parent(file: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(missing)
}

/// Removes the directories [`create_parent`] created, if still empty: a failed run leaves
/// nothing behind.
pub(crate) fn remove_created(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}
