//! `GET /data/download` against wiremock: every status and body of spec §2.2, retries,
//! streaming to disk and waiting through 202.
#![allow(clippy::unwrap_used)]

mod common;

/// A status, DROP's message, and whether an error is the expected variant.
type Case = (u16, &'static str, fn(&Error) -> bool);

use std::time::Duration;

use common::*;
use dropkit_client::{DownloadOutcome, Error, WaitOutcome};
use wiremock::matchers::{header, headers, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DISPOSITION: &str = r#"attachment; filename="20260312_4821_DROP.zip""#;

fn zip_response() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Disposition", DISPOSITION)
        .set_body_raw(zip_bytes(), "application/zip")
}

fn json(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(message(text))
}

async fn mount(server: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn ready_zip_has_its_name_and_body_and_the_request_its_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .and(header("X-API-KEY", KEY))
        .and(headers(
            "Accept",
            vec!["application/zip", "application/json"],
        ))
        .respond_with(zip_response())
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let DownloadOutcome::Ready(zip) = client.download().await.unwrap() else {
        panic!("expected a ZIP");
    };
    assert_eq!(zip.file_name().to_string(), "20260312_4821_DROP.zip");
    assert_eq!(zip.bytes().await.unwrap().as_ref(), zip_bytes().as_slice());
}

#[tokio::test]
async fn json_200_is_no_data_with_the_message() {
    let server = MockServer::start().await;
    mount(&server, json(200, NO_DATA), 1).await;
    let (client, _) = client(&server);
    match client.download().await.unwrap() {
        DownloadOutcome::NoData { message } => assert_eq!(message, NO_DATA),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn accepted_is_preparing_with_retry_after() {
    let server = MockServer::start().await;
    mount(
        &server,
        json(202, PREPARING).insert_header("Retry-After", "60"),
        1,
    )
    .await;
    let (client, sleeper) = client(&server);
    match client.download().await.unwrap() {
        DownloadOutcome::Preparing {
            retry_after,
            message,
        } => {
            assert_eq!(retry_after, Duration::from_secs(60));
            assert_eq!(message, PREPARING);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        sleeper.sleeps().is_empty(),
        "download() itself does not wait on 202"
    );
}

#[tokio::test]
async fn accepted_without_retry_after_waits_sixty_seconds() {
    let server = MockServer::start().await;
    mount(&server, json(202, PREPARING), 1).await;
    let (client, _) = client(&server);
    match client.download().await.unwrap() {
        DownloadOutcome::Preparing { retry_after, .. } => {
            assert_eq!(retry_after, Duration::from_secs(60))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unauthorized_json_and_text_plain_carry_the_message() {
    for response in [
        json(401, BAD_KEY),
        ResponseTemplate::new(401).set_body_string(BAD_KEY),
    ] {
        let server = MockServer::start().await;
        mount(&server, response, 1).await;
        let (client, sleeper) = client(&server);
        match client.download().await.unwrap_err() {
            Error::Unauthorized { message, .. } => assert_eq!(message, BAD_KEY),
            other => panic!("{other:?}"),
        }
        assert!(sleeper.sleeps().is_empty());
    }
}

#[tokio::test]
async fn each_refusal_maps_to_its_variant_and_is_never_retried() {
    let cases: [Case; 4] = [
        (403, NOT_ELIGIBLE, |e| {
            matches!(e, Error::NotEligible { .. })
        }),
        (403, NO_LISTS, |e| {
            matches!(e, Error::NoListsSelected { .. })
        }),
        (404, NOT_FOUND, |e| matches!(e, Error::NotFound { .. })),
        (409, BATCH_INCOMPLETE, |e| {
            matches!(e, Error::DownloadAlreadySent { .. })
        }),
    ];
    for (status, text, is_expected) in cases {
        let server = MockServer::start().await;
        mount(&server, json(status, text), 1).await;
        let (client, sleeper) = client(&server);
        let err = client.download().await.unwrap_err();
        assert!(is_expected(&err), "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        assert!(err.to_string().contains(text), "{err}");
        assert!(!err.is_retryable());
        assert!(sleeper.sleeps().is_empty());
        server.verify().await;
    }
}

#[tokio::test]
async fn rate_limit_waits_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(429, TOO_MANY).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, json(200, NO_DATA), 1).await;
    let (client, sleeper) = client(&server);
    assert!(matches!(
        client.download().await.unwrap(),
        DownloadOutcome::NoData { .. }
    ));
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn rate_limit_without_retry_after_waits_thirty_seconds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(429, TOO_MANY))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount(&server, json(200, NO_DATA), 1).await;
    let (client, sleeper) = client(&server);
    let _ = client.download().await.unwrap();
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(30); 2]);
}

#[tokio::test]
async fn server_errors_back_off_then_succeed() {
    for status in [500, 503] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(json(status, UNAVAILABLE))
            .up_to_n_times(2)
            .expect(2)
            .mount(&server)
            .await;
        mount(&server, json(200, NO_DATA), 1).await;
        let (client, sleeper) = client(&server);
        let _ = client.download().await.unwrap();
        let slept = sleeper.sleeps();
        assert_eq!(slept.len(), 2, "{status}");
        // Exponential with jitter: within [min, 2 * max] of the tiny test policy.
        assert!(
            slept.iter().all(|d| *d <= Duration::from_millis(8)),
            "{slept:?}"
        );
    }
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_returned() {
    let server = MockServer::start().await;
    // The first attempt and 3 retries.
    mount(&server, json(500, UNAVAILABLE), 4).await;
    let (client, sleeper) = client(&server);
    match client.download().await.unwrap_err() {
        Error::Server {
            status, message, ..
        } => {
            assert_eq!(status, 500);
            assert_eq!(message, UNAVAILABLE);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sleeper.sleeps().len(), 3);
}

#[tokio::test]
async fn rate_limit_exhaustion_reports_the_last_retry_after() {
    let server = MockServer::start().await;
    mount(
        &server,
        json(429, TOO_MANY).insert_header("Retry-After", "2"),
        4,
    )
    .await;
    let (client, sleeper) = client(&server);
    match client.download().await.unwrap_err() {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(2)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(2); 3]);
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported_as_transport() {
    // Nothing listens on this port once the listener is dropped.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (client, sleeper) = client_for(&base);
    let err = client.download().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(sleeper.sleeps().len(), 3);
}

#[tokio::test]
async fn sandbox_prefix_is_kept_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sandbox/data/download"))
        .respond_with(json(200, NO_DATA))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client_for(&format!("{}/sandbox/", server.uri()));
    let _ = client.download().await.unwrap();
}

#[tokio::test]
async fn a_zip_without_a_drop_name_is_refused() {
    for disposition in [None, Some(r#"attachment; filename="../../etc/passwd""#)] {
        let server = MockServer::start().await;
        let mut response = ResponseTemplate::new(200).set_body_raw(zip_bytes(), "application/zip");
        if let Some(d) = disposition {
            response = response.insert_header("Content-Disposition", d);
        }
        mount(&server, response, 1).await;
        let (client, _) = client(&server);
        let dir = tempfile::tempdir().unwrap();
        let err = client.download_to(dir.path()).await.unwrap_err();
        assert!(matches!(err, Error::InvalidZipName { .. }), "{err:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

#[tokio::test]
async fn unexpected_content_type_is_an_error() {
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_raw("<html>", "text/html"),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let err = client.download().await.unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedResponse { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn download_to_saves_under_the_server_name_and_creates_the_dir() {
    let server = MockServer::start().await;
    mount(&server, zip_response(), 1).await;
    let (client, _) = client(&server);
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("new/out");
    let DownloadOutcome::Ready(saved) = client.download_to(&dir).await.unwrap() else {
        panic!("expected a ZIP");
    };
    assert_eq!(saved.path, dir.join("20260312_4821_DROP.zip"));
    assert_eq!(saved.size, zip_bytes().len() as u64);
    assert_eq!(std::fs::read(&saved.path).unwrap(), zip_bytes());
    // Nothing else (no temporary file) is left.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[tokio::test]
async fn a_cut_body_leaves_no_file() {
    let body = zip_bytes();
    let mut raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Disposition: {DISPOSITION}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body[..body.len() / 2]);
    let base = serve_raw_once(raw).await;
    let (client, _) = client_for(&base);
    let dir = tempfile::tempdir().unwrap();
    let err = client.download_to(dir.path()).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. } | Error::IncompleteBody { .. }),
        "{err:?}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn wait_for_download_polls_through_preparing_honouring_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(202, PREPARING).insert_header("Retry-After", "5"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(429, TOO_MANY))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, zip_response(), 1).await;
    let (client, sleeper) = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let WaitOutcome::Saved(saved) = client
        .wait_for_download(dir.path(), Duration::from_secs(600))
        .await
        .unwrap()
    else {
        panic!("expected a saved ZIP");
    };
    assert_eq!(saved.file_name.to_string(), "20260312_4821_DROP.zip");
    let s = Duration::from_secs;
    assert_eq!(sleeper.sleeps(), vec![s(5), s(5), s(30)]);
}

#[tokio::test]
async fn wait_for_download_returns_no_data() {
    let server = MockServer::start().await;
    mount(&server, json(200, NO_DATA), 1).await;
    let (client, _) = client(&server);
    let dir = tempfile::tempdir().unwrap();
    match client
        .wait_for_download(dir.path(), Duration::from_secs(60))
        .await
        .unwrap()
    {
        WaitOutcome::NoData { message } => assert_eq!(message, NO_DATA),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn wait_for_download_gives_up_at_the_deadline() {
    let server = MockServer::start().await;
    // Waits of 60 s fit 3 times in 200 s: 4 polls, then a 4th wait would pass the limit.
    mount(
        &server,
        json(202, PREPARING).insert_header("Retry-After", "60"),
        4,
    )
    .await;
    let (client, sleeper) = client(&server);
    let dir = tempfile::tempdir().unwrap();
    match client
        .wait_for_download(dir.path(), Duration::from_secs(200))
        .await
        .unwrap_err()
    {
        Error::StillPreparing { retry_after, .. } => {
            assert_eq!(retry_after, Duration::from_secs(60))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(60); 3]);
}

#[tokio::test]
async fn a_stalled_server_is_a_timeout_after_the_retries() {
    let server = MockServer::start().await;
    mount(
        &server,
        json(200, NO_DATA).set_delay(Duration::from_secs(60)),
        2,
    )
    .await;
    let sleeper = dropkit_client::TestClock::new();
    let client = dropkit_client::Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .read_timeout(Duration::from_millis(100))
        .retry_policy(fast_policy(1))
        .clock(sleeper.clone())
        .build()
        .unwrap();
    let err = client.download().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(sleeper.sleeps().len(), 1);
}

#[tokio::test]
async fn a_retry_after_past_any_deadline_gives_up_without_waiting_for_it() {
    let server = MockServer::start().await;
    // A minute's wait first, then the largest number of seconds a `u64` holds: added to the
    // minute waited, it must not overflow.
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .respond_with(json(202, PREPARING).insert_header("Retry-After", "60"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        json(202, PREPARING).insert_header("Retry-After", u64::MAX.to_string()),
        1,
    )
    .await;
    let (client, sleeper) = client(&server);
    let dir = tempfile::tempdir().unwrap();
    match client
        .wait_for_download(dir.path(), Duration::from_secs(200))
        .await
        .unwrap_err()
    {
        Error::StillPreparing { retry_after, .. } => {
            assert_eq!(retry_after, Duration::from_secs(u64::MAX))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(60)]);
}
