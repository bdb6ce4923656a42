//! Step 5: upload each status file once, recording DROP's answer before the next.

use drop_client::{Client, Error as ClientError, UploadFile};

use crate::CycleError;
use crate::state::{RoundState, StateDir, UploadRecord, now};

/// Outcome recorded when DROP accepted the file.
pub(crate) const ACCEPTED: &str = "accepted";
/// Outcome recorded when DROP refused the file as a duplicate name: an earlier attempt,
/// whose answer was lost, had been received.
pub(crate) const ALREADY_RECEIVED: &str = "already-received";

/// Uploads every status file the state has no answer for, one file per request.
///
/// Before each request the file is marked in flight and the state saved; its answer is saved
/// before the next file goes. A round stopped mid-request therefore knows which single file
/// may have reached DROP, uploads it again, and reads DROP's duplicate-name rejection as
/// "already received": no file is uploaded twice under two names, and none is lost.
pub(crate) async fn run(
    client: &Client,
    dir: &StateDir,
    state: &mut RoundState,
) -> Result<(), CycleError> {
    let responses = state
        .matched
        .as_ref()
        .map(|m| m.status_files.clone())
        .unwrap_or_default();
    for name in responses.clone() {
        if state.uploads.contains_key(&name) {
            continue;
        }
        let was_in_flight = state.upload_in_flight.as_deref() == Some(name.as_str());
        let last_outstanding = responses
            .iter()
            .filter(|n| !state.uploads.contains_key(*n))
            .count()
            == 1;
        state.upload_in_flight = Some(name.clone());
        dir.save(state)?;

        let file = UploadFile::from_path(dir.responses_dir().join(&name))?;
        let record = match client.upload(std::slice::from_ref(&file)).await {
            Ok(response) => {
                if let Some(rejected) = response.rejected().iter().find(|r| r.file_name == name)
                    && !(was_in_flight && rejected.is_duplicate_name())
                {
                    return Err(CycleError::UploadRejected {
                        file: name,
                        message: rejected.message.clone(),
                    });
                }
                let outcome = if response
                    .already_received()
                    .iter()
                    .any(|r| r.file_name == name)
                {
                    ALREADY_RECEIVED
                } else {
                    ACCEPTED
                };
                record(outcome, response.message.clone())
            }
            Err(ClientError::Rejected { response, .. }) => {
                let rejected = response.rejected().iter().find(|r| r.file_name == name);
                match rejected {
                    // Resuming after a request whose answer was lost: DROP has the file.
                    Some(r) if was_in_flight && r.is_duplicate_name() => {
                        record(ALREADY_RECEIVED, r.message.clone())
                    }
                    Some(r) => {
                        return Err(CycleError::UploadRejected {
                            file: name,
                            message: r.message.clone(),
                        });
                    }
                    None => {
                        return Err(CycleError::UploadRejected {
                            file: name,
                            message: response.message.clone(),
                        });
                    }
                }
            }
            // DROP has no active download any more: an earlier attempt of this, the last
            // file, reached DROP and completed the batch. The client says so when its own
            // retry meets this answer; a resumed round knows it from the in-flight mark.
            Err(ClientError::UploadOutcomeUnknown { message, .. }) if last_outstanding => {
                record(ALREADY_RECEIVED, message)
            }
            Err(ClientError::NoActiveDownload { message, .. })
                if was_in_flight && last_outstanding =>
            {
                record(ALREADY_RECEIVED, message)
            }
            Err(e) => return Err(e.into()),
        };
        tracing::info!(file = %name, outcome = %record.outcome, "status file uploaded");
        state.uploads.insert(name.clone(), record);
        state.upload_in_flight = None;
        dir.save(state)?;
    }
    Ok(())
}

fn record(outcome: &str, message: impl Into<String>) -> UploadRecord {
    UploadRecord {
        outcome: outcome.to_owned(),
        message: message.into(),
        at: now(),
    }
}
