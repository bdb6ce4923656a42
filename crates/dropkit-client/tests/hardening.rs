//! The unattended-run hardening of issue 11, against wiremock: the seed's success body, a
//! 403 "no records outstanding" after a lost answer, status-file names only, a 409 on
//! download, private ZIP files, the connectivity check and the retry deadline.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use dropkit_client::{Client, ConnectionCheck, Error, TestClock, UploadFile};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EMAIL: &str = "20260312_4821_Email.csv";
const OUTSTANDING: &str = "No upload expected as no records outstanding. Use GET /data/download to request or download a new ZIP file.";

fn email() -> Vec<UploadFile> {
    vec![UploadFile::from_bytes(EMAIL, "Id,Status\nA7kP2xQ9Lm4R,2\n").unwrap()]
}

#[tokio::test]
async fn the_seed_success_example_without_message_is_a_success() {
    let server = MockServer::start().await;
    let body = json!({
        "mode": "new",
        "acceptedCount": 1,
        "rejectedCount": 0,
        "accepted": [{ "fileName": EMAIL, "fileSizeBytes": 30 }],
        "rejected": []
    });
    Mock::given(method("POST"))
        .and(path("/data/upload"))
        .respond_with(ResponseTemplate::new(202).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let response = client.upload(&email()).await.unwrap();
    assert!(response.all_accepted());
    assert_eq!(response.message, None);
    assert_eq!(response.mode.as_deref(), Some("new"));
    assert_eq!(response.accepted()[0].file_name, EMAIL);
}

#[tokio::test]
async fn no_records_outstanding_after_a_lost_answer_is_outcome_unknown() {
    let server = MockServer::start().await;
    hang_up_once(&server).await;
    Mock::given(method("POST"))
        .and(path("/data/upload"))
        .respond_with(ResponseTemplate::new(403).set_body_json(message(OUTSTANDING)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.upload(&email()).await.unwrap_err();
    match &err {
        Error::UploadOutcomeUnknown {
            files,
            status,
            message,
            ..
        } => {
            assert_eq!(files, &[EMAIL]);
            assert_eq!(*status, 403);
            assert_eq!(message, OUTSTANDING);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn no_records_outstanding_on_a_first_attempt_is_no_active_download() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/data/upload"))
        .respond_with(ResponseTemplate::new(403).set_body_json(message(OUTSTANDING)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, sleeper) = client(&server);
    match client.upload(&email()).await.unwrap_err() {
        Error::NoActiveDownload {
            status, message, ..
        } => {
            assert_eq!(status, 403);
            assert_eq!(message, OUTSTANDING);
        }
        other => panic!("{other:?}"),
    }
    assert!(sleeper.sleeps().is_empty(), "never retried");
}

#[tokio::test]
async fn only_status_files_leave_upload_and_amend_send_nothing_else() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    for bad in [
        "matches.csv",
        "20260312_4821_Removed.csv",
        "20260312_4821_DROP.zip",
        "report.txt",
    ] {
        let files = [
            UploadFile::from_bytes(EMAIL, "Id,Status\n").unwrap(),
            UploadFile::from_bytes(bad, "Id,Status\n").unwrap(),
        ];
        for err in [
            client.upload(&files).await.unwrap_err(),
            client.amend(&files).await.unwrap_err(),
        ] {
            match &err {
                Error::NotAStatusFile { name, .. } => assert_eq!(name, bad),
                other => panic!("{bad}: {other:?}"),
            }
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}

#[tokio::test]
async fn a_409_on_download_is_a_batch_already_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .respond_with(ResponseTemplate::new(409).set_body_json(message(BATCH_INCOMPLETE)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, sleeper) = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let err = client
        .wait_for_download(dir.path(), Duration::from_secs(3600))
        .await
        .unwrap_err();
    match &err {
        Error::DownloadAlreadySent { message } => assert_eq!(message, BATCH_INCOMPLETE),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(409));
    assert!(err.to_string().contains("DROP portal"), "{err}");
    assert!(sleeper.sleeps().is_empty(), "never retried");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[tokio::test]
async fn the_saved_zip_is_private_and_alone() {
    use std::os::unix::fs::PermissionsExt as _;

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "Content-Disposition",
                    r#"attachment; filename="20260312_4821_DROP.zip""#,
                )
                .set_body_raw(zip_bytes(), "application/zip"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let dropkit_client::WaitOutcome::Saved(saved) = client
        .wait_for_download(dir.path(), Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("expected a ZIP");
    };
    let mode = std::fs::metadata(&saved.path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["20260312_4821_DROP.zip"]);
}

#[tokio::test]
async fn the_connectivity_check_is_a_head_that_delivers_nothing() {
    let cases: [(ResponseTemplate, ConnectionCheck); 4] = [
        (
            ResponseTemplate::new(200).insert_header("Content-Type", "application/zip"),
            ConnectionCheck::BatchReady,
        ),
        (
            ResponseTemplate::new(200).insert_header("Content-Type", "application/json"),
            ConnectionCheck::Connected,
        ),
        (
            ResponseTemplate::new(202).insert_header("Retry-After", "7"),
            ConnectionCheck::Preparing {
                retry_after: Duration::from_secs(7),
            },
        ),
        (
            ResponseTemplate::new(409),
            ConnectionCheck::BatchOutstanding,
        ),
    ];
    for (response, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .and(path("/data/download"))
            .and(wiremock::matchers::header("X-API-KEY", KEY))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount(&server)
            .await;
        let (client, _) = client(&server);
        assert_eq!(client.check_connection().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn the_connectivity_check_reports_a_refused_key() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.check_connection().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn failures_are_retried_until_the_builders_deadline_not_five_times() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(message(UNAVAILABLE)))
        .mount(&server)
        .await;
    let clock = TestClock::new();
    let client = Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .max_wait(Duration::from_secs(300))
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = client.download().await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err:?}");
    let requests = server.received_requests().await.unwrap().len();
    assert!(requests > 6, "{requests} attempts");
    assert_eq!(requests, clock.sleeps().len() + 1);
    assert!(
        clock.slept() <= Duration::from_secs(300),
        "{:?}",
        clock.slept()
    );
    assert!(
        clock.slept() >= Duration::from_secs(240),
        "{:?}",
        clock.slept()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_ends_the_retries_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "600")
                .set_body_json(message(TOO_MANY)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = TestClock::new();
    let client = Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .max_wait(Duration::from_secs(300))
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = client.download().await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(600)),
        "{err:?}"
    );
    assert!(clock.sleeps().is_empty());
}

#[test]
fn plain_http_to_another_host_is_refused_naming_the_variable() {
    let err = Client::builder()
        .api_key(KEY)
        .base_url("http://api.drop.privacy.ca.gov")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InsecureBaseUrl(_)), "{err:?}");
    assert!(err.to_string().starts_with("DROP_BASE_URL: "), "{err}");
}
