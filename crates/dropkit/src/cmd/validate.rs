//! `dropkit validate`: check response files against a downloaded ZIP, as DROP would.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use dropkit_files::{DownloadArchive, Report, Severity, Validator};

/// Arguments of `dropkit validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The downloaded DROP ZIP the responses answer.
    #[arg(long, value_name = "ZIP")]
    pub(crate) download: std::path::PathBuf,
    /// Also require every work item of every non-empty list to be answered exactly once.
    #[arg(long)]
    pub(crate) complete: bool,
    /// The response files (`Id,Status` CSVs).
    #[arg(value_name = "RESPONSE.csv", required = true)]
    pub(crate) responses: Vec<std::path::PathBuf>,
}

/// Runs `dropkit validate`: prints every problem (`file:line: Id X: message`, warnings prefixed
/// `warning: `), with `--complete` the outstanding count per list, then a summary line.
/// Exits 0 when valid (and complete, if asked), 1 otherwise. Reads only; writes nothing.
///
/// Malformed rows of the download itself (not UTF-8, a NUL byte, a bad hash) are errors here
/// as in `dropkit inspect`, named `ZIP/list file:line`; an Id listed more than once is one
/// warning with its count.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // dropkit-files errors name the path or archive themselves: the context only says what failed.
    let mut archive = DownloadArchive::open(&args.download).context("cannot open the download")?;
    let mut validator =
        Validator::from_archive(&mut archive).context("cannot read the download")?;
    for path in &args.responses {
        validator.check_path(path);
    }
    let report = validator.report();
    let mut out = std::io::stdout().lock();
    let ok = print(&report, args.complete, &mut out)?;
    out.flush()?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the report; returns whether the command succeeds.
fn print(report: &Report, complete: bool, out: &mut impl Write) -> std::io::Result<bool> {
    for problem in &report.problems {
        match problem.severity {
            Severity::Error => writeln!(out, "{problem}")?,
            Severity::Warning => writeln!(out, "warning: {problem}")?,
        }
    }
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    let mut outstanding_lists = 0;
    if complete {
        for list in &report.lists {
            let label = list
                .name
                .list_type()
                .map_or_else(|| list.name.to_string(), |t| t.to_string());
            writeln!(out, "{label}: {} outstanding", list.outstanding)?;
            if list.outstanding > 0 {
                outstanding_lists += 1;
            }
        }
    }
    let rows: u64 = report.files.iter().map(|f| f.rows).sum();
    let files = report.files.len();
    let valid = errors == 0;
    let done = valid && outstanding_lists == 0;
    let verdict = match (valid, complete, done) {
        (false, _, _) => "invalid",
        (true, true, false) => "valid but incomplete",
        (true, true, true) => "valid and complete",
        (true, false, _) => "valid",
    };
    writeln!(
        out,
        "{verdict}: {files} file(s), {rows} row(s), {errors} error(s), {warnings} warning(s)"
    )?;
    Ok(valid && (!complete || outstanding_lists == 0))
}
