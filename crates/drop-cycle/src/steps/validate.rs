//! Step 4: check the status files as DROP would, and require every work item answered.

use drop_files::{DownloadArchive, Validator};

use crate::CycleError;
use crate::state::{RoundState, StateDir};

/// Validates the written status files against the ZIP, completeness included. Nothing is
/// uploaded unless this passes: a file DROP would reject is better caught before sending.
pub(crate) fn run(dir: &StateDir, state: &mut RoundState, zip: &str) -> Result<(), CycleError> {
    if state.validated {
        return Ok(());
    }
    let responses = state
        .matched
        .as_ref()
        .map(|m| m.status_files.clone())
        .unwrap_or_default();
    let mut archive = DownloadArchive::open(dir.root().join(zip))?;
    let mut validator = Validator::from_archive(&mut archive)?;
    for name in &responses {
        validator.check_path(dir.responses_dir().join(name));
    }
    let report = validator.report();
    if !report.is_valid() || !report.is_complete() {
        let problems: Vec<String> = report.errors().map(ToString::to_string).collect();
        let outstanding: Vec<String> = report
            .lists
            .iter()
            .filter(|l| l.outstanding > 0)
            .map(|l| format!("{}: {} outstanding", l.name, l.outstanding))
            .collect();
        return Err(CycleError::Invalid {
            problems: problems.into_iter().chain(outstanding).collect(),
        });
    }
    for warning in report.warnings() {
        tracing::warn!(%warning, "status file warning");
    }
    state.validated = true;
    dir.save(state)
}
