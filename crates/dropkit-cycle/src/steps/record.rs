//! Step 2: record the download in the ledger and apply its Removed list.
//!
//! A DROP download carries only what is new since the last one; the ledger keeps every work
//! item of every download, so later rounds can screen newly collected records against the
//! requests still active. On its first use in a state directory left by a release without a
//! ledger, the archived rounds under `rounds/` are imported first, so no earlier request is
//! forgotten.

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::{ROUNDS_DIR, RoundState};

/// Whether the download is in the ledger.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.recorded
}

/// Records the round's download (every work item, and the cancellations of its Removed
/// list) in one transaction. Recording is idempotent, so a crash before the state is saved
/// only makes the next run find the download already there.
pub(crate) fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let zip = state
        .download
        .as_ref()
        .ok_or_else(|| CycleError::Unexpected("the record step ran before a download".into()))?;
    let mut ledger = ctx.dir.ledger()?;
    // Rounds archived before the ledger existed are imported until the first round records
    // its download here (an import stopped half-way is completed by the next run).
    if !ledger.has_round_downloads()? {
        let imported = ledger.import_rounds(&ctx.dir.root().join(ROUNDS_DIR))?;
        if imported.rounds > 0 {
            tracing::info!(
                rounds = imported.rounds,
                work_items = imported.work_items,
                "earlier rounds imported into the ledger"
            );
        }
    }
    let recorded = ledger.record_download(
        &ctx.dir.root().join(zip.to_string()),
        time::OffsetDateTime::now_utc(),
    )?;
    tracing::info!(
        download = %zip,
        work_items = recorded.work_items(),
        "download recorded in the ledger"
    );
    state.recorded = true;
    ctx.dir.save(state)
}
