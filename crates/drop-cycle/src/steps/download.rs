//! Step 1: download the ZIP into the state directory, waiting through 202 and 429.

use std::time::Duration;

use drop_client::{Client, WaitOutcome};

use crate::CycleError;
use crate::state::{RoundState, StateDir};

/// Downloads the ZIP unless the state already holds one (or DROP's "nothing new" answer).
///
/// The client streams the body to a temporary file and renames it only when complete, so a
/// crash here leaves no ZIP that looks whole, and a resumed round downloads again. DROP
/// answers a second download of the same batch with 409 until it is complete, so the state
/// is saved the moment the ZIP is on disk.
pub(crate) async fn run(
    client: &Client,
    dir: &StateDir,
    state: &mut RoundState,
    max_wait: Duration,
) -> Result<(), CycleError> {
    if state.download.is_some() || state.no_data.is_some() {
        return Ok(());
    }
    match client.wait_for_download(dir.root(), max_wait).await? {
        WaitOutcome::Saved(zip) => {
            tracing::info!(file = %zip.file_name, bytes = zip.size, "download saved");
            state.download = Some(zip.file_name.to_string());
        }
        WaitOutcome::NoData { message } => {
            tracing::info!(%message, "DROP has nothing new");
            state.no_data = Some(message);
        }
    }
    dir.save(state)
}
