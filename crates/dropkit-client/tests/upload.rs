//! `POST /data/upload` and `/data/amend` against wiremock: the multipart form, every status
//! and body of spec §2.3, retries, and a retry meeting its own first copy.
#![allow(clippy::unwrap_used)]

mod common;

/// A status, DROP's message, and whether an error is the expected variant.
type Case = (u16, &'static str, fn(&Error) -> bool);

use std::time::Duration;

use common::*;
use dropkit_client::{Client, Endpoint, Error, UploadFile, UploadResponse};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EMAIL: &str = "20260312_4821_Email.csv";
const CSV: &str = "Id,Status\nA7kP2xQ9Lm4R,2\n";

fn accepted() -> serde_json::Value {
    json!({
        "message": "Upload received. Accepted files were queued for validation.",
        "acceptedCount": 1, "rejectedCount": 0,
        "accepted": [{"fileName": EMAIL, "fileSizeBytes": 2849112}],
        "rejected": []
    })
}

fn mixed() -> serde_json::Value {
    json!({
        "message": "Upload received. Accepted files were queued for validation. Rejected files were not accepted.",
        "acceptedCount": 1, "rejectedCount": 1,
        "accepted": [{"fileName": EMAIL, "fileSizeBytes": 2849112}],
        "rejected": [{"fileName": "notes.txt", "message": "Only CSV files are accepted."}]
    })
}

fn invalid(file: &str, reason: &str) -> serde_json::Value {
    json!({
        "message": "Upload request is invalid. Fix the rejected files and try again.",
        "acceptedCount": 0, "rejectedCount": 1,
        "accepted": [],
        "rejected": [{"fileName": file, "message": reason}]
    })
}

fn email() -> Vec<UploadFile> {
    vec![UploadFile::from_bytes(EMAIL, CSV).unwrap()]
}

/// A DROP stand-in answering `POST route` with `response`, expected `times` times, and a
/// client of it.
async fn serving(route: &str, response: ResponseTemplate, times: u64) -> (MockServer, Client) {
    let server = MockServer::start().await;
    mount(&server, route, response, times).await;
    let (client, _) = client(&server);
    (server, client)
}

async fn mount(server: &MockServer, route: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn sends_one_text_csv_part_per_file_in_the_files_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/data/upload"))
        .and(header("X-API-KEY", KEY))
        .and(header("Accept", "application/json"))
        .respond_with(ResponseTemplate::new(202).set_body_json(accepted()))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let phone = dir.path().join("20260312_4821_Phone_part01.csv");
    std::fs::write(&phone, "Id,Status\nB7kP2xQ9Lm4R,5\n").unwrap();
    let files = [
        UploadFile::from_bytes(EMAIL, CSV).unwrap(),
        UploadFile::from_path(&phone).unwrap(),
    ];
    let (client, _) = client(&server);
    let response = client.upload(&files).await.unwrap();
    assert!(response.all_accepted());
    assert_eq!(response.accepted()[0].file_size_bytes, 2849112);

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    let content_type = request.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8(request.body.clone()).unwrap();
    let parts: Vec<&str> = body
        .split("Content-Disposition: form-data;")
        .skip(1)
        .collect();
    assert_eq!(parts.len(), 2, "{body}");
    for (part, (name, csv)) in parts.iter().zip([
        (EMAIL, CSV),
        (
            "20260312_4821_Phone_part01.csv",
            "Id,Status\nB7kP2xQ9Lm4R,5\n",
        ),
    ]) {
        assert!(
            part.starts_with(&format!(r#" name="files"; filename="{name}""#)),
            "{part}"
        );
        assert!(part.contains("Content-Type: text/csv\r\n\r\n"), "{part}");
        assert!(part.contains(csv), "{part}");
    }
}

#[tokio::test]
async fn amend_posts_to_its_own_path() {
    let (_server, client) = serving(
        "/data/amend",
        ResponseTemplate::new(202).set_body_json(accepted()),
        1,
    )
    .await;
    assert!(client.amend(&email()).await.unwrap().all_accepted());
}

#[tokio::test]
async fn mixed_202_surfaces_the_rejected_file_and_why() {
    let (_server, client) = serving(
        "/data/upload",
        ResponseTemplate::new(202).set_body_json(mixed()),
        1,
    )
    .await;
    let response = client.upload(&email()).await.unwrap();
    assert!(!response.all_accepted());
    assert_eq!(response.rejected().len(), 1);
    assert_eq!(response.rejected()[0].file_name, "notes.txt");
    assert_eq!(
        response.rejected()[0].message,
        "Only CSV files are accepted."
    );
    assert_eq!(response.accepted()[0].file_name, EMAIL);
    assert!(response.already_received().is_empty());
}

#[tokio::test]
async fn invalid_header_400_is_a_rejection_naming_the_file() {
    let server = MockServer::start().await;
    let reason = "Invalid CSV header. Expected: Id,Status.";
    mount(
        &server,
        "/data/upload",
        ResponseTemplate::new(400).set_body_json(invalid(EMAIL, reason)),
        1,
    )
    .await;
    let (client, sleeper) = client(&server);
    let err = client.upload(&email()).await.unwrap_err();
    assert!(
        err.to_string().contains(EMAIL) && err.to_string().contains(reason),
        "{err}"
    );
    match err {
        Error::Rejected { endpoint, response } => {
            assert_eq!(endpoint, Endpoint::Upload);
            assert_eq!(response.rejected_count, 1);
            assert_eq!(response.rejected[0].message, reason);
        }
        other => panic!("{other:?}"),
    }
    assert!(sleeper.sleeps().is_empty());
}

#[tokio::test]
async fn duplicate_name_on_a_first_attempt_is_a_rejection() {
    let (_server, client) = serving(
        "/data/upload",
        ResponseTemplate::new(400).set_body_json(invalid(EMAIL, DUPLICATE)),
        1,
    )
    .await;
    match client.upload(&email()).await.unwrap_err() {
        Error::Rejected { response, .. } => {
            assert!(response.rejected[0].is_duplicate_name());
            assert!(response.already_received.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_400_without_an_upload_response_is_a_bad_request() {
    let (_server, client) = serving(
        "/data/upload",
        ResponseTemplate::new(400).set_body_json(message("No CSV file was provided")),
        1,
    )
    .await;
    match client.upload(&[]).await.unwrap_err() {
        Error::BadRequest { message, .. } => assert_eq!(message, "No CSV file was provided"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn conflicts_mean_different_things_on_upload_and_amend() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/data/upload",
        ResponseTemplate::new(409).set_body_json(message(NO_ACTIVE_DOWNLOAD)),
        1,
    )
    .await;
    mount(
        &server,
        "/data/amend",
        ResponseTemplate::new(409).set_body_json(message(AMEND_STATE)),
        1,
    )
    .await;
    let (client, _) = client(&server);
    match client.upload(&email()).await.unwrap_err() {
        Error::NoActiveDownload { message, .. } => assert_eq!(message, NO_ACTIVE_DOWNLOAD),
        other => panic!("{other:?}"),
    }
    match client.amend(&email()).await.unwrap_err() {
        Error::AmendNotAllowed { message, .. } => assert_eq!(message, AMEND_STATE),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn auth_account_and_path_errors_are_not_retried() {
    let cases: [Case; 4] = [
        (401, BAD_KEY, |e| matches!(e, Error::Unauthorized { .. })),
        (403, NOT_ELIGIBLE, |e| {
            matches!(e, Error::NotEligible { .. })
        }),
        (403, NO_LISTS, |e| {
            matches!(e, Error::NoListsSelected { .. })
        }),
        (404, NOT_FOUND, |e| matches!(e, Error::NotFound { .. })),
    ];
    for (status, text, is_expected) in cases {
        let server = MockServer::start().await;
        mount(
            &server,
            "/data/upload",
            ResponseTemplate::new(status).set_body_json(message(text)),
            1,
        )
        .await;
        let (client, sleeper) = client(&server);
        let err = client.upload(&email()).await.unwrap_err();
        assert!(is_expected(&err), "{err:?}");
        assert!(sleeper.sleeps().is_empty());
        server.verify().await;
    }
}

#[tokio::test]
async fn rate_limit_and_unavailable_are_retried_and_the_file_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "30")
                .set_body_json(message(TOO_MANY)),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "/data/upload",
        ResponseTemplate::new(202).set_body_json(accepted()),
        1,
    )
    .await;
    let (client, sleeper) = client(&server);
    let response = client.upload(&email()).await.unwrap();
    assert!(response.all_accepted());
    assert_eq!(sleeper.sleeps()[0], Duration::from_secs(30));
    assert_eq!(sleeper.sleeps().len(), 2);
    // Every attempt carried the whole file.
    for request in server.received_requests().await.unwrap() {
        assert!(String::from_utf8_lossy(&request.body).contains(CSV));
    }
}

#[tokio::test]
async fn a_retry_meeting_the_duplicate_name_after_a_server_error_is_already_received() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(message(UNAVAILABLE)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "/data/upload",
        ResponseTemplate::new(400).set_body_json(invalid(EMAIL, DUPLICATE)),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let response = client.upload(&email()).await.unwrap();
    assert!(response.all_accepted());
    assert_eq!(response.already_received().len(), 1);
    assert_eq!(response.already_received()[0].file_name, EMAIL);
}

#[tokio::test]
async fn a_lost_response_then_duplicate_name_reports_received_and_keeps_real_rejections() {
    let server = MockServer::start().await;
    // The first attempt reaches the server, which hangs up without answering.
    hang_up_once(&server).await;
    let body = json!({
        "message": "Upload received. Accepted files were queued for validation. Rejected files were not accepted.",
        "acceptedCount": 0, "rejectedCount": 2,
        "accepted": [],
        "rejected": [
            {"fileName": EMAIL, "message": format!("{DUPLICATE}.")},
            {"fileName": "20260312_4821_Phone.csv", "message": "File could not be read as UTF-8 CSV"}
        ]
    });
    mount(
        &server,
        "/data/upload",
        ResponseTemplate::new(400).set_body_json(body),
        1,
    )
    .await;
    let (client, sleeper) = client(&server);
    let files = [
        UploadFile::from_bytes(EMAIL, CSV).unwrap(),
        UploadFile::from_bytes("20260312_4821_Phone.csv", b"\xff\xfe".to_vec()).unwrap(),
    ];
    match client.upload(&files).await.unwrap_err() {
        Error::Rejected { response, .. } => {
            let response: UploadResponse = *response;
            assert_eq!(response.already_received()[0].file_name, EMAIL);
            assert_eq!(response.rejected().len(), 1);
            assert_eq!(response.rejected()[0].file_name, "20260312_4821_Phone.csv");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sleeper.sleeps().len(), 1);
}

#[tokio::test]
async fn a_202_without_the_documented_fields_is_an_invalid_response() {
    let (_server, client) = serving(
        "/data/upload",
        ResponseTemplate::new(202).set_body_json(json!({"mode": "new"})),
        1,
    )
    .await;
    let err = client.upload(&email()).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 202, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_file_is_an_io_error_naming_it() {
    let (_server, client) = serving(
        "/data/upload",
        ResponseTemplate::new(202).set_body_json(accepted()),
        0,
    )
    .await;
    let missing = UploadFile::from_path("/nonexistent/20260312_4821_Email.csv").unwrap();
    match client.upload(&[missing]).await.unwrap_err() {
        Error::Io { path, .. } => {
            assert_eq!(
                path,
                std::path::Path::new("/nonexistent/20260312_4821_Email.csv")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_active_download_after_a_lost_response_is_outcome_unknown() {
    let server = MockServer::start().await;
    hang_up_once(&server).await;
    mount(
        &server,
        "/data/upload",
        ResponseTemplate::new(409).set_body_json(message(NO_ACTIVE_DOWNLOAD)),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let err = client.upload(&email()).await.unwrap_err();
    match &err {
        Error::UploadOutcomeUnknown { files, message, .. } => {
            assert_eq!(files, &[EMAIL]);
            assert_eq!(message, NO_ACTIVE_DOWNLOAD);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(409));
}
