//! Following ID5 jobs to the end with `dropkit_provider::confirm_jobs`: `CREATED`/`STARTED` are
//! polled with backoff on the test clock until `DONE`/`SENT` (completed) or `FAILED`/`CANCELLED`
//! (failed); a job still running at the deadline is stalled; an unknown job fails.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{client, error_answer, status_path};
use dropkit_provider::poll::Backoff;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{JobId, JobOutcome, JobState, confirm_jobs};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn backoff() -> Backoff {
    Backoff::new(secs(60), secs(600))
}

/// Answers `jobStatus` for job `id` `times` times (every time when `None`).
async fn answer(server: &MockServer, id: &str, job_status: &str, times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path(status_path(id)))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": id, "jobStatus": job_status, "processingResult": "NONE",
            "emailSentUnixTimestamp": null
        })));
    match times {
        Some(n) => mock.up_to_n_times(n).expect(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

#[tokio::test]
async fn started_then_sent_completes_and_created_then_failed_fails() {
    let server = MockServer::start().await;
    answer(&server, "job-ok", "CREATED", Some(1)).await;
    answer(&server, "job-ok", "STARTED", Some(1)).await;
    Mock::given(method("GET"))
        .and(path(status_path("job-ok")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "job-ok", "jobStatus": "SENT", "processingResult": "DELETE_DELETED",
            "emailSentUnixTimestamp": 1661933465437u64
        })))
        .expect(1)
        .mount(&server)
        .await;
    answer(&server, "job-bad", "CREATED", Some(1)).await;
    answer(&server, "job-bad", "FAILED", None).await;

    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let jobs = [JobId::from("job-ok"), JobId::from("job-bad")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), secs(86_400), &*clock).await;

    match &outcomes[0].1 {
        JobOutcome::Completed { status } => {
            assert_eq!(status.state, JobState::Done);
            assert_eq!(status.raw.as_deref(), Some("SENT/DELETE_DELETED"));
        }
        other => panic!("{other}"),
    }
    match &outcomes[1].1 {
        JobOutcome::Failed { reason, .. } => {
            assert_eq!(reason, "id5 reports job job-bad as FAILED/NONE");
        }
        other => panic!("{other}"),
    }
    // round 1 at 0 s (both), round 2 at 60 s (both), round 3 at 180 s (job-ok only)
    assert_eq!(clock.sleeps(), [secs(60), secs(120)]);
}

#[tokio::test]
async fn a_job_still_started_at_the_deadline_is_stalled() {
    let server = MockServer::start().await;
    answer(&server, "job-slow", "STARTED", None).await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let jobs = [JobId::from("job-slow")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), secs(300), &*clock).await;
    let outcome = &outcomes[0].1;
    assert!(outcome.is_pending(), "{outcome}");
    assert_eq!(outcome.to_string(), "pending (STARTED/NONE)");
    // polls at 0, 60, 180 and 300 s (the deadline)
    assert_eq!(clock.sleeps(), [secs(60), secs(120), secs(120)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn an_unknown_job_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(status_path("00000000-0000-0000-0000-000000000001")))
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
    let client = client(&server.uri(), &clock);
    let jobs = [JobId::from("00000000-0000-0000-0000-000000000001")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), secs(3600), &*clock).await;
    match &outcomes[0].1 {
        JobOutcome::Failed {
            reason,
            status: None,
        } => {
            assert!(reason.contains("provided job UUID not found"), "{reason}");
        }
        other => panic!("{other}"),
    }
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_refused_token_stops_polling_and_keeps_the_jobs_pending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(error_answer(
            401,
            "api_token_invalid",
            "authentication_error",
            "No API token provided",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let jobs = [JobId::from("a"), JobId::from("b")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), secs(3600), &*clock).await;
    for (job, outcome) in &outcomes {
        match outcome {
            JobOutcome::Pending {
                status: None,
                error: Some(error),
            } => {
                assert!(error.contains("No API token provided"), "{job}: {error}");
            }
            other => panic!("{job}: {other}"),
        }
    }
}
