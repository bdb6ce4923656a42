//! `dropkit.match` on the Rust side: dropkit-match's `match_into_dir`, the function
//! `dropkit match` runs, so the files it writes are the command's.

use std::path::PathBuf;

use arrow_array::RecordBatchReader;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_pyarrow::PyArrowType;
use dropkit_match::{
    DefaultRules, DirOptions, DirReport, Error, Mapping, match_batches_into_dir, match_into_dir,
};
use pyo3::prelude::*;

use crate::errors::{message, raise};

/// What one match wrote and found (`dropkit.MatchReport` in Python).
#[pyclass(frozen, get_all, module = "dropkit._native")]
#[derive(Debug)]
pub(crate) struct MatchReport {
    /// The status files written, in upload order.
    status_files: Vec<PathBuf>,
    /// `out/matches.csv`.
    matches_file: PathBuf,
    /// Rows read from the records.
    records_read: u64,
    /// Record rows skipped as broken.
    bad_rows: u64,
    /// Problems found in the records (all counted; the first ones are in `problems`).
    problem_count: u64,
    /// The first problems, as `dropkit match` prints them.
    problems: Vec<String>,
    /// Unreadable list rows, as `dropkit match` prints them.
    list_problems: Vec<String>,
    /// Warnings (work item Ids listed more than once), without the `warning: ` prefix.
    warnings: Vec<String>,
    /// Rows of `matches.csv`.
    match_rows: u64,
    /// Per list: `(list type, work items, deleted, opted out, exempted, not found)`.
    lists: Vec<(String, u64, u64, u64, u64, u64)>,
    /// The summary `dropkit match` prints on standard output.
    summary: String,
}

#[pymethods]
impl MatchReport {
    fn __repr__(&self) -> String {
        format!(
            "MatchReport(records_read={}, match_rows={}, status_files={})",
            self.records_read,
            self.match_rows,
            self.status_files.len()
        )
    }
}

impl From<DirReport> for MatchReport {
    fn from(report: DirReport) -> Self {
        let summary = &report.summary;
        MatchReport {
            matches_file: report.matches_file.clone(),
            records_read: summary.records_read,
            bad_rows: summary.bad_rows,
            problem_count: summary.problems,
            problems: report.problems.iter().map(ToString::to_string).collect(),
            list_problems: report.list_problems.iter().map(|p| message(p)).collect(),
            warnings: report.warnings.clone(),
            match_rows: summary.match_rows(),
            lists: summary
                .lists
                .iter()
                .map(|l| {
                    (
                        l.list_type.as_str().to_owned(),
                        l.work_items,
                        l.deleted,
                        l.opted_out,
                        l.exempted,
                        l.not_found,
                    )
                })
                .collect(),
            summary: summary.to_string(),
            status_files: report.status_files,
        }
    }
}

/// A dropkit-match error as `MappingError`, `OutputExistsError`, `StrictError` or
/// `MatchError`, with the message `dropkit match` prints.
pub(crate) fn match_error(py: Python<'_>, err: &Error) -> PyErr {
    let class = match err {
        Error::Mapping(_) => "MappingError",
        Error::OutputExists { .. } => "OutputExistsError",
        Error::Strict(_) => "StrictError",
        _ => "MatchError",
    };
    raise(py, class, message(err), &[])
}

/// The mapping from `FIELD=COLUMN` specs, as `dropkit match --map` takes them.
pub(crate) fn mapping(py: Python<'_>, specs: &[String]) -> PyResult<Mapping> {
    Mapping::parse_specs(specs.iter().map(String::as_str)).map_err(|e| match_error(py, &e))
}

/// The options `dropkit match` runs with (no matched records kept: only the files).
fn options(
    strict: bool,
    max_rows_per_file: Option<usize>,
    records_name: Option<String>,
) -> DirOptions {
    let mut options = DirOptions::default()
        .max_rows_per_file(max_rows_per_file.unwrap_or(usize::MAX))
        .strict(strict)
        .matched_records(false);
    if let Some(name) = records_name {
        options = options.records_name(name);
    }
    options
}

/// Matches a records file (CSV or Parquet) against a download ZIP into `out`, exactly as
/// `dropkit match` does. The work runs without the GIL.
#[pyfunction]
#[pyo3(signature = (download, records, mapping_specs, out, *, strict = false, max_rows_per_file = None, records_name = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn match_files(
    py: Python<'_>,
    download: PathBuf,
    records: PathBuf,
    mapping_specs: Vec<String>,
    out: PathBuf,
    strict: bool,
    max_rows_per_file: Option<usize>,
    records_name: Option<String>,
) -> PyResult<MatchReport> {
    let mapping = mapping(py, &mapping_specs)?;
    let options = options(strict, max_rows_per_file, records_name);
    let report = py
        .detach(|| match_into_dir(&download, &records, &mapping, &DefaultRules, &out, &options))
        .map_err(|e| match_error(py, &e))?;
    Ok(report.into())
}

/// Matches records given as an Arrow stream (a pyarrow `RecordBatchReader` or `Table`,
/// anything with `__arrow_c_stream__`) against a download ZIP into `out`: the record batches
/// go to dropkit-match as they are, with no CSV text in between (problems name rows, not
/// lines). The work runs without the GIL.
#[pyfunction]
#[pyo3(signature = (download, records, mapping_specs, out, *, strict = false, max_rows_per_file = None, records_name = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn match_stream(
    py: Python<'_>,
    download: PathBuf,
    records: PyArrowType<RecordBatchStreamReader>,
    mapping_specs: Vec<String>,
    out: PathBuf,
    strict: bool,
    max_rows_per_file: Option<usize>,
    records_name: Option<String>,
) -> PyResult<MatchReport> {
    let mapping = mapping(py, &mapping_specs)?;
    let options = options(
        strict,
        max_rows_per_file,
        Some(records_name.unwrap_or_else(|| "records".to_owned())),
    );
    let reader = records.0;
    let schema = reader.schema();
    let report = py
        .detach(|| {
            match_batches_into_dir(
                &download,
                &schema,
                reader,
                &mapping,
                &DefaultRules,
                &out,
                &options,
            )
        })
        .map_err(|e| match_error(py, &e))?;
    Ok(report.into())
}
