//! `dropkit match`: match broker records against a downloaded ZIP and write status files.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use drop_files::DownloadArchive;
use drop_match::{DefaultRules, Lists, Mapping, Matcher};

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

/// Runs `dropkit match`: prints problems to standard error and the summary to standard output.
/// Broken record rows are reported and do not change the exit code; anything that stops the
/// run (unreadable ZIP or records, a mapped column missing, strict mode) exits 1.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let mapping = Mapping::parse_specs(args.map.iter().map(String::as_str))?;
    let mut archive = DownloadArchive::open(&args.download)
        .with_context(|| format!("cannot open the download {}", args.download.display()))?;
    let lists = Lists::from_archive(&mut archive)
        .with_context(|| format!("cannot read the download {}", args.download.display()))?;
    let loaded = start.elapsed();
    // Status files are never overwritten: say so now rather than after matching.
    for list in lists.list_types() {
        if let Some(name) = lists.file_name(list) {
            let path = args.out.join(name.to_string());
            if path.exists() {
                anyhow::bail!(
                    "{} exists already: remove it or choose another --out",
                    path.display()
                );
            }
        }
    }
    let matcher = Matcher::new(lists).strict(args.strict);
    let is_parquet = args
        .records
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let outcome = if is_parquet {
        matcher.run_parquet(&args.records, &mapping, &DefaultRules)?
    } else {
        matcher.run_path(&args.records, &mapping, &DefaultRules)?
    };
    let matched = start.elapsed();
    let max_rows = args
        .max_rows
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    // The status files and the match report do not depend on each other: write both at once.
    let (written, match_rows) = rayon::join(
        || outcome.write_status_files(&args.out, max_rows),
        || {
            std::fs::create_dir_all(&args.out)
                .map_err(anyhow::Error::from)
                .and_then(|()| Ok(outcome.write_matches_csv(args.out.join("matches.csv"))?))
        },
    );
    let written = written
        .with_context(|| format!("cannot write the status files into {}", args.out.display()))?;
    let match_rows = match_rows?;

    let mut err = std::io::stderr().lock();
    for problem in outcome.list_problems().iter().take(PRINTED_PROBLEMS) {
        writeln!(err, "{problem}")?;
    }
    for problem in outcome.problems().iter().take(PRINTED_PROBLEMS) {
        writeln!(err, "{problem}")?;
    }
    let summary = outcome.summary();
    let printed = outcome.problems().len().min(PRINTED_PROBLEMS) as u64;
    if summary.problems > printed {
        writeln!(err, "... and {} more problems", summary.problems - printed)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{summary}")?;
    for path in &written {
        writeln!(out, "wrote {}", path.display())?;
    }
    writeln!(
        out,
        "wrote {} ({match_rows} rows)",
        args.out.join("matches.csv").display()
    )?;
    writeln!(
        out,
        "total: {:.2} s (download read in {:.2} s, records matched in {:.2} s, files written in {:.2} s)",
        start.elapsed().as_secs_f64(),
        loaded.as_secs_f64(),
        (matched - loaded).as_secs_f64(),
        (start.elapsed() - matched).as_secs_f64()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
