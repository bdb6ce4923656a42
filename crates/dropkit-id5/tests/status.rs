//! Status requests, their documented errors, and waiting for a job.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TOKEN, client, client_with, error_answer, status_path};
use dropkit_id5::{Error, JobStatus, ProcessingResult};
use dropkit_provider::clock::Clock as _;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{ErrorKind, JobId, JobState, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const JOB: &str = "a8b6ccc4ee35ddaf5a5bb0f5c696dbd3";

fn report(status: &str, result: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": JOB, "jobStatus": status, "processingResult": result, "emailSentUnixTimestamp": null
    }))
}

#[tokio::test]
async fn seed_status_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(status_path(JOB)))
        .and(query_param("token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": JOB, "jobStatus": "SENT", "processingResult": "DELETE_DELETED",
            "emailSentUnixTimestamp": 1661933465437u64
        })))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let report = client(&server.uri(), &clock)
        .status(&JobId::from(JOB))
        .await
        .unwrap();
    assert_eq!(report.id.as_str(), JOB);
    assert_eq!(report.job_status, JobStatus::Sent);
    assert_eq!(
        report.processing_result,
        Some(ProcessingResult::DeleteDeleted)
    );
    assert_eq!(report.email_sent_unix_timestamp, Some(1_661_933_465_437));
    assert_eq!(report.summary().state, JobState::Done);
}

#[tokio::test]
async fn every_documented_job_status_and_result() {
    for (status, result) in [
        ("CREATED", "NONE"),
        ("STARTED", "NONE"),
        ("FAILED", "NONE"),
        ("DONE", "DELETE_NO_DATA"),
        ("SENT", "DELETE_DELETED"),
        ("SEND_FAILED", "DELETE_DELETED"),
        ("CANCELLED", "NONE"),
        ("ARCHIVED", "DELETE_SOMEDAY"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(report(status, result))
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        let got = client(&server.uri(), &clock)
            .status(&JobId::from(JOB))
            .await
            .unwrap();
        assert_eq!(got.job_status.as_str(), status);
        assert_eq!(got.processing_result.unwrap().as_str(), result);
    }
}

type IsVariant = fn(&Error) -> bool;

/// Every row of the seed's status error table.
#[tokio::test]
async fn every_documented_status_error() {
    let rows: [(u16, &str, &str, String, IsVariant, ErrorKind); 6] = [
        (
            401,
            "api_token_invalid",
            "authentication_error",
            "No API token provided".into(),
            |e| matches!(e, Error::Authentication(_)),
            ErrorKind::Authentication,
        ),
        (
            400,
            "partner_id_invalid",
            "authentication_error",
            "Invalid partner id 173 provided".into(),
            |e| matches!(e, Error::Authentication(_)),
            ErrorKind::Authentication,
        ),
        (
            403,
            "api_token_not_authorized",
            "authentication_error",
            format!("Api token {TOKEN} does not have access to this resource"),
            |e| matches!(e, Error::Authentication(_)),
            ErrorKind::Authentication,
        ),
        (
            400,
            "user_object_invalid",
            "validation_error",
            "provided job id is not a valid UUID".into(),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            404,
            "user_objects_invalid",
            "invalid_request_error",
            "provided job UUID not found".into(),
            |e| matches!(e, Error::NotFound(_)),
            ErrorKind::NotFound,
        ),
        (
            500,
            "internal_id5_error",
            "api_error",
            "Internal error id: 42".into(),
            |e| matches!(e, Error::Internal(_)),
            ErrorKind::Transient,
        ),
    ];
    for (status, code, kind, message, is_variant, common_kind) in rows {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(error_answer(status, code, kind, &message))
            .expect(1)
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        // a 5xx would be retried until the deadline (see tests/retry.rs)
        let err = client_with(&server.uri(), &clock, RetryPolicy::none())
            .status(&JobId::from("nope"))
            .await
            .unwrap_err();
        assert!(is_variant(&err), "{status} {code}: {err:?}");
        assert_eq!(err.kind(), common_kind);
        assert!(!format!("{err} {err:?}").contains(TOKEN));
    }
}

#[tokio::test]
async fn wait_until_done_polls_with_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(report("CREATED", "NONE"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(report("STARTED", "NONE"))
        .up_to_n_times(2)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(report("DONE", "DELETE_DELETED"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let report = client(&server.uri(), &clock)
        .wait_until_done(&JobId::from(JOB), Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(report.job_status, JobStatus::Done);
    // default poll backoff: 2 s doubling
    assert_eq!(clock.sleeps(), [2, 4, 8].map(Duration::from_secs));
}

#[tokio::test]
async fn wait_until_done_stops_at_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(report("STARTED", "NONE"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server.uri(), &clock)
        .wait_until_done(&JobId::from(JOB), Duration::from_secs(20))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::DeadlinePassed { last: JobStatus::Started, waited, .. } if *waited == Duration::from_secs(20)),
        "{err:?}"
    );
    assert_eq!(clock.now(), Duration::from_secs(20));
}

#[tokio::test]
async fn wait_until_done_returns_a_poll_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(error_answer(
            404,
            "user_objects_invalid",
            "invalid_request_error",
            "provided job UUID not found",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server.uri(), &clock)
        .wait_until_done(&JobId::from(JOB), Duration::from_secs(20))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}
