//! Step 7: mark the round finished. The report itself is built from the state by the loop.

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::RoundState;

/// Whether the round is finished.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.finished
}

/// Marks the round finished: the next run archives it and starts a new one.
///
/// A round whose connector failed for some records is not finished: the run ends with
/// [`CycleError::Connector`] (the other lists were uploaded and forwarded), and the next run
/// retries the failed records.
pub(crate) fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    if let Some(unclaimed) = crate::steps::delete::unclaimed(state) {
        return Err(unclaimed);
    }
    state.finished = true;
    ctx.dir.save(state)
}
