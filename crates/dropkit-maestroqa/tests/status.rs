//! Status requests and waiting for a job.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ENDPOINT_PATH, TOKEN, client};
use dropkit_maestroqa::{Error, Status};
use dropkit_provider::clock::Clock as _;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{JobId, JobState};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn status_answer(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "status": status }))
}

#[tokio::test]
async fn every_documented_status_and_an_unknown_one() {
    let cases = [
        ("pending", Status::Pending, JobState::Pending),
        ("completed", Status::Completed, JobState::Done),
        ("not found", Status::NotFound, JobState::Failed),
        ("errored", Status::Errored, JobState::Failed),
        (
            "archived",
            Status::Other("archived".into()),
            JobState::Unknown,
        ),
    ];
    for (raw, status, state) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("{ENDPOINT_PATH}/123")))
            .and(header("apitoken", TOKEN))
            .respond_with(status_answer(raw))
            .expect(1)
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        let got = client(&server, &clock)
            .status(&JobId::from("123"))
            .await
            .unwrap();
        assert_eq!(got, status);
        assert_eq!(got.summary().state, state);
        assert_eq!(got.summary().raw.as_deref(), Some(raw));
    }
}

#[tokio::test]
async fn http_404_on_status_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server, &clock)
        .status(&JobId::from("1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn endpoint_with_trailing_slash_and_odd_ids_make_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/deletion/a%2Fb"))
        .respond_with(status_answer("pending"))
        .expect(1)
        .mount(&server)
        .await;
    let client = dropkit_maestroqa::Client::builder()
        .endpoint(format!("{}/deletion/", server.uri()))
        .token(TOKEN.into())
        .build()
        .unwrap();
    assert_eq!(
        client.status(&JobId::from("a/b")).await.unwrap(),
        Status::Pending
    );
}

#[tokio::test]
async fn wait_until_done_polls_with_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(status_answer("pending"))
        .up_to_n_times(3)
        .with_priority(1)
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(status_answer("completed"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let status = client(&server, &clock)
        .wait_until_done(&JobId::from("7"), Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(status, Status::Completed);
    // default poll backoff: 5 s doubling
    assert_eq!(clock.sleeps(), [5, 10, 20].map(Duration::from_secs));
}

#[tokio::test]
async fn wait_until_done_gives_up_at_the_deadline_with_the_last_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(status_answer("pending"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server, &clock)
        .wait_until_done(&JobId::from("7"), Duration::from_secs(30))
        .await
        .unwrap_err();
    match err {
        Error::DeadlinePassed {
            job_id,
            last,
            waited,
        } => {
            assert_eq!(job_id.as_str(), "7");
            assert_eq!(last, Status::Pending);
            assert_eq!(waited, Duration::from_secs(30));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.now(), Duration::from_secs(30));
}

#[tokio::test]
async fn wait_until_done_returns_errored_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(status_answer("errored"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let status = client(&server, &clock)
        .wait_until_done(&JobId::from("7"), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(status, Status::Errored);
    assert!(clock.sleeps().is_empty());
}
