//! Step 1: download the ZIP into the state directory, waiting through 202 and 429.

use std::time::Duration;

use drop_client::{Client, WaitOutcome};
use drop_files::{DownloadArchive, ZipFileName};

use crate::CycleError;
use crate::state::{RoundState, StateDir};

/// Downloads the ZIP unless the state already holds one; returns DROP's message when it has
/// nothing new (nothing is saved then, so the next run asks again).
///
/// The client streams the body to a temporary file and renames it only when complete, so a
/// crash mid-body leaves no ZIP that looks whole. DROP answers a second download of the same
/// batch with 409 until it is complete, so the state is saved the moment the ZIP is on disk;
/// and a ZIP found in the directory without the state saying so (a crash between the rename
/// and the save) is adopted rather than asked for again. Finished rounds are archived under
/// `rounds/`, so a ZIP at the top of the directory always belongs to the current round.
pub(crate) async fn run(
    client: &Client,
    dir: &StateDir,
    state: &mut RoundState,
    max_wait: Duration,
) -> Result<Option<String>, CycleError> {
    if state.download.is_some() {
        return Ok(None);
    }
    if let Some(zip) = saved_zip(dir)? {
        tracing::warn!(file = %zip, "adopting a downloaded ZIP the state did not record");
        state.download = Some(zip);
        dir.save(state)?;
        return Ok(None);
    }
    match client.wait_for_download(dir.root(), max_wait).await? {
        WaitOutcome::Saved(zip) => {
            tracing::info!(file = %zip.file_name, bytes = zip.size, "download saved");
            state.download = Some(zip.file_name.to_string());
            dir.save(state)?;
            Ok(None)
        }
        WaitOutcome::NoData { message } => {
            tracing::info!(%message, "DROP has nothing new");
            Ok(Some(message))
        }
    }
}

/// The name of a complete DROP ZIP at the top of the state directory, if any (the latest by
/// name when there are several).
fn saved_zip(dir: &StateDir) -> Result<Option<String>, CycleError> {
    let root = dir.root();
    let mut found: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|e| CycleError::io(root, e))? {
        let entry = entry.map_err(|e| CycleError::io(root, e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.parse::<ZipFileName>().is_ok()
            && entry.file_type().is_ok_and(|t| t.is_file())
            && DownloadArchive::open(entry.path()).is_ok()
        {
            found.push(name);
        }
    }
    found.sort();
    Ok(found.pop())
}
