//! Step 4: check the status files as DROP would, and require every work item answered.

use dropkit_files::{DownloadArchive, Validator};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::RoundState;

/// Whether the status files have passed validation.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.validated
}

/// Validates the written status files against the ZIP, completeness included. Nothing is
/// uploaded unless this passes: a file DROP would reject is better caught before sending.
pub(crate) fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let dir = ctx.dir;
    let zip = state
        .download
        .as_ref()
        .ok_or_else(|| CycleError::Unexpected("validation ran before a download".into()))?;
    let mut archive = DownloadArchive::open(dir.root().join(zip.to_string()))?;
    let mut validator = Validator::from_archive(&mut archive)?;
    for name in state.status_files() {
        validator.check_path(dir.responses_dir().join(name.to_string()));
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
