//! The client end to end against the in-process DROP emulator (`dropkit-emulator`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use dropkit_client::{
    Client, DownloadOutcome, Error, RetryPolicy, TestClock, UploadFile, WaitOutcome,
};
use dropkit_emulator::{
    Config, Emulator, Endpoint, Fault, Preparation, UnauthorizedBody, messages, synthetic,
};
use dropkit_files::{DownloadArchive, ListType, Status, StatusFile};

fn config() -> Config {
    Config::new()
        .with_lists([ListType::Email, ListType::Ndz])
        .with_consumers(synthetic::consumers(11, 4))
        .with_preparation(Preparation::Polls(2))
        .with_retry_after(3)
        .with_date(time::macros::date!(2026 - 03 - 12))
}

fn client_with_key(emulator: &Emulator, key: &str) -> (Client, TestClock) {
    let sleeper = TestClock::new();
    let client = Client::builder()
        .base_url(emulator.base_url())
        .api_key(key)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(3)
                .with_delays(Duration::from_millis(1), Duration::from_millis(4)),
        )
        .clock(sleeper.clone())
        .build()
        .unwrap();
    (client, sleeper)
}

fn client(emulator: &Emulator) -> (Client, TestClock) {
    client_with_key(emulator, emulator.api_key())
}

/// Answers every work item of every list in `zip` with `status`; returns the files written.
fn answer_all(zip: &Path, out: &Path, status: Status) -> Vec<PathBuf> {
    let mut archive = DownloadArchive::open(zip).unwrap();
    let mut written = Vec::new();
    for entry in archive.entries().to_vec() {
        let Some(list) = entry.name().list_type() else {
            continue;
        };
        let Some(rows) = archive.open_list(list).unwrap() else {
            continue;
        };
        let mut file = StatusFile::create(out, entry.name()).unwrap();
        for row in rows {
            file.write(&row.unwrap().id, status).unwrap();
        }
        if file.rows() > 0 {
            written.push(file.finish().unwrap());
        }
    }
    written
}

fn upload_files(paths: &[PathBuf]) -> Vec<UploadFile> {
    paths
        .iter()
        .map(|p| UploadFile::from_path(p).unwrap())
        .collect()
}

async fn download(client: &Client, dir: &Path) -> PathBuf {
    match client
        .wait_for_download(dir, Duration::from_secs(60))
        .await
        .unwrap()
    {
        WaitOutcome::Saved(zip) => zip.path,
        WaitOutcome::NoData { message } => panic!("no data: {message}"),
    }
}

#[tokio::test]
async fn a_whole_round_download_answer_upload_then_no_data() {
    let emulator = Emulator::start(config()).await.unwrap();
    let (client, sleeper) = client(&emulator);
    let dir = tempfile::tempdir().unwrap();

    let zip = download(&client, dir.path()).await;
    assert_eq!(zip, dir.path().join("20260312_4821_DROP.zip"));
    // Two 202s with Retry-After: 3, honoured through the sleeper.
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(3); 2]);

    // Before every status is in, DROP refuses another download.
    match client.download().await.unwrap_err() {
        Error::DownloadAlreadySent { message } => assert_eq!(message, messages::BATCH_INCOMPLETE),
        other => panic!("{other:?}"),
    }

    let written = answer_all(&zip, dir.path(), Status::NotFound);
    assert_eq!(written.len(), 2);
    let response = client.upload(&upload_files(&written)).await.unwrap();
    assert!(response.all_accepted(), "{response:?}");
    assert_eq!(response.accepted().len(), 2);

    let items = emulator.work_items();
    assert_eq!(emulator.statuses().len(), items.len());
    assert!(emulator.statuses().values().all(|s| *s == Status::NotFound));
    assert!(emulator.outstanding().values().all(|n| *n == 0));

    // Correct one answer by amending, then nothing new is left to download.
    let amended = dir.path().join("amend");
    std::fs::create_dir(&amended).unwrap();
    let first = &items[0];
    let email = dropkit_files::ZipFileName::new("20260312", "4821")
        .unwrap()
        .list_file(dropkit_files::DataType::List(first.list))
        .with_suffix("fix1")
        .unwrap();
    let mut file = StatusFile::create(&amended, &email).unwrap();
    file.write(&first.id, Status::Deleted).unwrap();
    let path = file.finish().unwrap();
    let response = client.amend(&upload_files(&[path])).await.unwrap();
    assert!(response.all_accepted(), "{response:?}");
    assert_eq!(emulator.statuses()[&first.id], Status::Deleted);

    match client
        .wait_for_download(dir.path(), Duration::from_secs(60))
        .await
        .unwrap()
    {
        WaitOutcome::NoData { message } => assert_eq!(message, messages::NO_DATA),
        WaitOutcome::Saved(zip) => panic!("unexpected {zip:?}"),
    }
    // Every file the emulator received was sent as text/csv in the files field.
    let sent: Vec<_> = emulator
        .received()
        .into_iter()
        .flat_map(|r| r.files)
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|f| f.content_type.as_deref() == Some("text/csv"))
    );
}

#[tokio::test]
async fn a_lost_upload_response_is_retried_and_the_duplicate_reported_as_received() {
    let emulator = Emulator::start(config().with_preparation(Preparation::Polls(0)))
        .await
        .unwrap();
    let (client, sleeper) = client(&emulator);
    let dir = tempfile::tempdir().unwrap();
    let zip = download(&client, dir.path()).await;
    let written = answer_all(&zip, dir.path(), Status::Exempted);
    let (email, ndz): (Vec<_>, Vec<_>) = written
        .iter()
        .cloned()
        .partition(|p| p.ends_with("20260312_4821_Email.csv"));

    // The Email answers leave the NDZ list outstanding: the batch stays active.
    emulator.inject(Fault::drop_response(1).on(Endpoint::Upload));
    let response = client.upload(&upload_files(&email)).await.unwrap();
    assert!(response.all_accepted(), "{response:?}");
    assert!(response.accepted().is_empty());
    assert_eq!(
        response.already_received()[0].file_name,
        "20260312_4821_Email.csv"
    );
    assert_eq!(sleeper.sleeps().len(), 1);
    let uploads: Vec<_> = emulator
        .received()
        .into_iter()
        .filter(|r| r.endpoint == Some(Endpoint::Upload))
        .collect();
    assert_eq!(uploads.len(), 2);
    assert!(uploads[0].dropped && uploads[0].files[0].accepted());

    // The NDZ answers complete the batch; when that answer is lost, the retry meets "no
    // active download", which the client cannot tell from a refusal: outcome unknown.
    emulator.inject(Fault::drop_response(1).on(Endpoint::Upload));
    match client.upload(&upload_files(&ndz)).await.unwrap_err() {
        Error::UploadOutcomeUnknown { files, .. } => {
            assert_eq!(files, ["20260312_4821_NDZ.csv"])
        }
        other => panic!("{other:?}"),
    }
    // The first attempts did reach DROP: every status is recorded.
    assert_eq!(emulator.statuses().len(), emulator.work_items().len());
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_through() {
    let emulator = Emulator::start(config().with_preparation(Preparation::Polls(0)))
        .await
        .unwrap();
    let (client, sleeper) = client(&emulator);
    emulator.inject(
        Fault::too_many_requests(1)
            .with_retry_after(None)
            .on(Endpoint::Download),
    );
    emulator.inject(Fault::server_error(1).on(Endpoint::Download));
    emulator.inject(Fault::unavailable(1).on(Endpoint::Download));
    let dir = tempfile::tempdir().unwrap();
    let DownloadOutcome::Ready(saved) = client.download_to(dir.path()).await.unwrap() else {
        panic!("expected the ZIP");
    };
    assert_eq!(saved.file_name.to_string(), "20260312_4821_DROP.zip");
    let slept = sleeper.sleeps();
    assert_eq!(slept.len(), 3);
    assert_eq!(
        slept[0],
        Duration::from_secs(30),
        "429 without Retry-After waits 30 s"
    );
    assert!(emulator.pending_faults().is_empty());
}

#[tokio::test]
async fn file_rejections_come_back_typed() {
    let emulator = Emulator::start(config().with_preparation(Preparation::Polls(0)))
        .await
        .unwrap();
    let (client, _) = client(&emulator);
    let dir = tempfile::tempdir().unwrap();
    let _zip = download(&client, dir.path()).await;

    let bad_header = UploadFile::from_bytes("20260312_4821_Email.csv", "ID,Status\n").unwrap();
    match client.upload(&[bad_header]).await.unwrap_err() {
        Error::Rejected { response, .. } => {
            assert_eq!(response.rejected().len(), 1);
            assert!(
                response.rejected()[0]
                    .message
                    .starts_with(messages::INVALID_HEADER)
            );
        }
        other => panic!("{other:?}"),
    }

    // A mixed request: the good file is accepted, the bad one is listed as rejected.
    let ids = emulator.work_items_in(ListType::Email);
    let good = format!("Id,Status\n{},5\n", ids[0].id);
    let files = [
        UploadFile::from_bytes("20260312_4821_Email_part1.csv", good).unwrap(),
        UploadFile::from_bytes("20260312_4821_Email_part2.csv", "ID,Status\n").unwrap(),
    ];
    let response = client.upload(&files).await.unwrap();
    assert!(!response.all_accepted());
    assert_eq!(
        response.accepted()[0].file_name,
        "20260312_4821_Email_part1.csv"
    );
    assert_eq!(
        response.rejected()[0].file_name,
        "20260312_4821_Email_part2.csv"
    );

    // The same name again, on a first attempt, is a plain rejection.
    let again = UploadFile::from_bytes(
        "20260312_4821_Email_part1.csv",
        format!("Id,Status\n{},5\n", ids[0].id),
    )
    .unwrap();
    match client.upload(&[again]).await.unwrap_err() {
        Error::Rejected { response, .. } => {
            assert!(response.rejected()[0].is_duplicate_name());
            assert!(response.already_received().is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn account_state_errors_are_typed_and_not_retried() {
    let emulator = Emulator::start(
        config()
            .with_preparation(Preparation::Polls(0))
            .with_unauthorized_body(UnauthorizedBody::PlainText),
    )
    .await
    .unwrap();
    let file = || vec![UploadFile::from_bytes("20260312_4821_Email.csv", "Id,Status\n").unwrap()];

    let (wrong, sleeper) = client_with_key(&emulator, "not-the-key");
    match wrong.download().await.unwrap_err() {
        Error::Unauthorized { message, .. } => assert_eq!(message, messages::UNAUTHORIZED),
        other => panic!("{other:?}"),
    }

    let (client, _) = client(&emulator);
    assert!(matches!(
        client.upload(&file()).await.unwrap_err(),
        Error::NoActiveDownload { .. }
    ));
    assert!(matches!(
        client.amend(&file()).await.unwrap_err(),
        Error::AmendNotAllowed { .. }
    ));
    emulator.set_eligible(false);
    assert!(matches!(
        client.download().await.unwrap_err(),
        Error::NotEligible { .. }
    ));
    assert!(sleeper.sleeps().is_empty());
}

#[tokio::test]
async fn the_sandbox_prefix_reaches_the_same_operations() {
    let emulator = Emulator::start(config().with_preparation(Preparation::Polls(0)))
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(format!("{}/sandbox", emulator.base_url()))
        .api_key(emulator.api_key())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        client.download_to(dir.path()).await.unwrap(),
        DownloadOutcome::Ready(_)
    ));
    assert_eq!(emulator.received()[0].path, "/sandbox/data/download");
}
