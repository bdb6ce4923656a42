//! `dropkit match`: match broker records against a downloaded ZIP and write status files.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use dropkit_match::{DefaultRules, DirOptions, Mapping, match_into_dir};

/// How many problems are printed in full (all are counted in the summary).
const PRINTED_PROBLEMS: usize = 20;

/// Arguments of `dropkit match`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The downloaded DROP ZIP.
    #[arg(long, value_name = "ZIP")]
    pub(crate) download: std::path::PathBuf,
    /// The broker's records: a CSV with a header row, or a Parquet file (name ending in
    /// `.parquet`; column names stand for the header).
    #[arg(long, value_name = "FILE")]
    pub(crate) records: std::path::PathBuf,
    /// Column mapping FIELD=COLUMN[,FIELD=COLUMN...]; FIELD is key, email, phone, first_name,
    /// last_name, dob, zip, maid, ctvid or vin (`key` is required). A field may be given
    /// several times (several emails per consumer). Columns of DROP-style hashes the broker
    /// stores already map as email_hash, phone_hash, maid_hash, ctvid_hash, ndz_hash or
    /// namevin_hash.
    #[arg(long, value_name = "FIELD=COLUMN,...", required = true)]
    pub(crate) map: Vec<String>,
    /// Directory for the status files and matches.csv (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: std::path::PathBuf,
    /// Split a list's status file above this many rows (suffixes _part02, _part03, ...).
    #[arg(long, value_name = "ROWS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_rows: Option<u64>,
    /// Stop at the first broken record row instead of counting and reporting it.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// Runs `dropkit match`: prints problems and warnings to standard error and the summary to
/// standard output. Broken record rows are reported and do not change the exit code; anything
/// that stops the run (unreadable ZIP or records, a mapped column missing, strict mode, a
/// status file already in `--out`) exits 1.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let mapping = Mapping::parse_specs(args.map.iter().map(String::as_str))?;
    // No --max-rows: one file per list, however long.
    let max_rows = args
        .max_rows
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let options = DirOptions::default()
        .max_rows_per_file(max_rows)
        .strict(args.strict)
        .matched_records(false);
    let report = match_into_dir(
        &args.download,
        &args.records,
        &mapping,
        &DefaultRules,
        &args.out,
        &options,
    )?;

    let mut err = std::io::stderr().lock();
    for problem in report.list_problems.iter().take(PRINTED_PROBLEMS) {
        writeln!(err, "{problem}")?;
    }
    for problem in report.problems.iter().take(PRINTED_PROBLEMS) {
        writeln!(err, "{problem}")?;
    }
    let summary = &report.summary;
    let printed = report.problems.len().min(PRINTED_PROBLEMS) as u64;
    if summary.problems > printed {
        writeln!(err, "... and {} more problems", summary.problems - printed)?;
    }
    for warning in &report.warnings {
        writeln!(err, "warning: {warning}")?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{summary}")?;
    for path in &report.status_files {
        writeln!(out, "wrote {}", path.display())?;
    }
    writeln!(
        out,
        "wrote {} ({} rows)",
        report.matches_file.display(),
        summary.match_rows()
    )?;
    writeln!(
        out,
        "total: {:.2} s (records matched in {:.2} s)",
        start.elapsed().as_secs_f64(),
        summary.elapsed.as_secs_f64(),
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
