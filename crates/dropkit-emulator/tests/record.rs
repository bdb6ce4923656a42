//! `Emulator::record` and `GET /_emulator/record`: what the server side saw, for tests that
//! run the emulator out of process.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use dropkit_emulator::{Endpoint, Fault, RECORD_PATH, Record};

async fn fetch_record(emu: &dropkit_emulator::Emulator, key: Option<&str>) -> reqwest::Response {
    let mut request = http().get(format!("{}{RECORD_PATH}", emu.base_url()));
    if let Some(key) = key {
        request = request.header("X-API-KEY", key);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_record_shows_deliveries_files_statuses_and_second_answers() {
    let emu = start(config(2)).await;
    let (_, entries) = download_zip(&emu).await;
    let email = ids(&entries["20260312_4821_Email.csv"]);

    // A lost answer: the file is processed, the client never hears it.
    emu.inject(Fault::drop_response(1).on(Endpoint::Upload));
    let lost = http()
        .post(format!("{}/data/upload", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .multipart(
            reqwest::multipart::Form::new().part(
                "files",
                reqwest::multipart::Part::text(answer(&email, 5))
                    .file_name("20260312_4821_Email.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            ),
        )
        .send()
        .await;
    assert!(lost.is_err(), "the answer was lost");
    // A resend under another name answers the same work items again.
    let again = upload(
        &emu,
        vec![csv("20260312_4821_Email_b.csv", &answer(&email, 5))],
    )
    .await;
    assert_eq!(again.status(), 202);

    let record = emu.record();
    assert_eq!(record.downloads.len(), 1);
    assert_eq!(record.downloads[0].zip, "20260312_4821_DROP.zip");
    assert!(!record.downloads[0].complete);
    assert_eq!(record.files.len(), 2);
    assert!(
        record
            .files
            .iter()
            .all(|f| f.accepted && f.endpoint == "upload")
    );
    assert!(record.files[0].answer_lost);
    assert!(!record.files[1].answer_lost);
    assert_eq!(record.statuses.len(), email.len());
    assert!(record.statuses.values().all(|s| *s == 5));
    let seconds: Vec<_> = record
        .record_errors
        .iter()
        .filter(|e| e.kind == "already_answered")
        .collect();
    assert_eq!(seconds.len(), email.len(), "each second answer is seen");

    // The same record over HTTP, with the key only; reading it is not a request to DROP.
    let requests = emu.received().len();
    assert_eq!(fetch_record(&emu, None).await.status(), 401);
    assert_eq!(fetch_record(&emu, Some("wrong")).await.status(), 401);
    let served: Record = fetch_record(&emu, Some(emu.api_key()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(served, emu.record());
    assert_eq!(emu.received().len(), requests);
}

#[tokio::test]
async fn the_record_is_never_faulted() {
    let emu = start(config(1)).await;
    emu.inject(Fault::server_error(1));
    let r = fetch_record(&emu, Some(emu.api_key())).await;
    assert_eq!(r.status(), 200);
    assert_eq!(emu.pending_faults().len(), 1);
    let record: Record = r.json().await.unwrap();
    assert_eq!(record.requests, 0);
    assert!(record.downloads.is_empty() && record.files.is_empty());
}
