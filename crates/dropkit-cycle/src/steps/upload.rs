//! Step 5: upload each status file once, recording DROP's answer before the next.

use dropkit_client::{Error as ClientError, UploadFile, UploadResponse};
use dropkit_files::ListFileName;

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::{RoundState, UploadOutcome, UploadRecord};

/// Whether DROP has answered every status file and the answers are in the ledger.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.validated && state.outstanding_uploads().next().is_none() && state.answered
}

/// Uploads every status file the state has no answer for, one file per request.
///
/// Before each request the file is marked in flight and the state saved; its answer is saved
/// before the next file goes. A round stopped mid-request therefore knows which single file
/// may have reached DROP, uploads it again, and reads DROP's answer for a file it already has
/// (a duplicate name; or, after the file that completed the batch, "no active download" or
/// "no records outstanding") as "already received": no file is uploaded twice under two
/// names, and none is lost. An attempt stopped before any request (the file could not be
/// read) takes its mark back, so that only a file that may have arrived is ever read as
/// received; the file is read once, so the client's retries never meet a read error.
pub(crate) async fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    loop {
        // A file claiming a record the connector could not delete waits for the next run.
        let next = state
            .outstanding_uploads()
            .find(|name| !state.is_held(name))
            .cloned();
        let Some(name) = next else { break };
        let was_in_flight = state.upload_in_flight.as_ref() == Some(&name);
        let last_outstanding = state.outstanding_uploads().count() == 1;
        state.upload_in_flight = Some(name.clone());
        ctx.dir.save(state)?;

        // Read here, whole (a status file is small), so that the client's retries send these
        // bytes and never read the file again: an attempt stopped by this read is the only
        // one that surely never reached DROP, and it takes back its in-flight mark (unless an
        // earlier run's attempt may have arrived), so that a later "no active download" is
        // never read as DROP having this file. Any error once a request went out keeps it.
        let path = ctx.dir.responses_dir().join(name.to_string());
        let file = std::fs::read(&path)
            .map_err(|e| CycleError::io(&path, e))
            .and_then(|bytes| Ok(UploadFile::from_bytes(name.to_string(), bytes)?));
        let file = match file {
            Ok(file) => file,
            Err(e) => {
                if !was_in_flight {
                    state.upload_in_flight = None;
                    ctx.dir.save(state)?;
                }
                return Err(e);
            }
        };
        let answer = ctx.client.upload(std::slice::from_ref(&file)).await;
        let record = read_answer(&name, answer, was_in_flight, last_outstanding)?;
        tracing::info!(file = %name, outcome = %record.outcome, "status file uploaded");
        state.uploads.insert(name, record);
        state.upload_in_flight = None;
        ctx.dir.save(state)?;
    }
    // The status answered and when, for every work item: idempotent, so a crash before the
    // state is saved records nothing twice.
    let zip = state
        .download
        .as_ref()
        .ok_or_else(|| CycleError::Unexpected("the upload step ran before a download".into()))?;
    let files: Vec<_> = state
        .status_files()
        .iter()
        .filter(|name| state.uploads.contains_key(*name))
        .map(|name| ctx.dir.responses_dir().join(name.to_string()))
        .collect();
    ctx.dir
        .ledger()?
        .record_answers(zip, &files, time::OffsetDateTime::now_utc())?;
    let all_answered = state.outstanding_uploads().next().is_none();
    state.answered = all_answered;
    ctx.dir.save(state)
}

/// What DROP's answer to the upload of `name` means for the round.
fn read_answer(
    name: &ListFileName,
    answer: Result<UploadResponse, ClientError>,
    was_in_flight: bool,
    last_outstanding: bool,
) -> Result<UploadRecord, CycleError> {
    let file = name.to_string();
    let rejected = |message: String| CycleError::UploadRejected {
        file: file.clone(),
        message,
    };
    match answer {
        Ok(response) => {
            if let Some(r) = response.rejected().iter().find(|r| r.file_name == file)
                && !(was_in_flight && r.is_duplicate_name())
            {
                return Err(rejected(r.message.clone()));
            }
            let outcome = if response
                .already_received()
                .iter()
                .any(|r| r.file_name == file)
                || response.rejected().iter().any(|r| r.file_name == file)
            {
                UploadOutcome::AlreadyReceived
            } else {
                UploadOutcome::Accepted
            };
            Ok(UploadRecord::now(
                outcome,
                response.message.clone().unwrap_or_default(),
            ))
        }
        Err(ClientError::Rejected { response, .. }) => {
            match response.rejected().iter().find(|r| r.file_name == file) {
                // Resuming after a request whose answer was lost: DROP has the file.
                Some(r) if was_in_flight && r.is_duplicate_name() => Ok(UploadRecord::now(
                    UploadOutcome::AlreadyReceived,
                    r.message.clone(),
                )),
                Some(r) => Err(rejected(r.message.clone())),
                None => Err(rejected(response.message.clone().unwrap_or_default())),
            }
        }
        // DROP has nothing outstanding any more: an earlier attempt of this, the last file,
        // reached DROP and completed the batch. The client says so when its own retry meets
        // this answer; a resumed round knows it from the in-flight mark.
        Err(ClientError::UploadOutcomeUnknown { message, .. }) if last_outstanding => {
            Ok(UploadRecord::now(UploadOutcome::AlreadyReceived, message))
        }
        Err(ClientError::NoActiveDownload { message, .. }) if was_in_flight && last_outstanding => {
            Ok(UploadRecord::now(UploadOutcome::AlreadyReceived, message))
        }
        Err(e) => Err(e.into()),
    }
}
