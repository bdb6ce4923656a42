//! Following MaestroQA's deep-deletion jobs to the end with `dropkit_provider::confirm_jobs`:
//! `pending` is polled with backoff on the test clock (never real sleeping) until `completed`
//! or `error`/`errored`; a job still pending at the deadline is stalled; an unknown job fails.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ENDPOINT_PATH, TOKEN, client};
use dropkit_provider::poll::Backoff;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{JobId, JobOutcome, JobState, StatusSummary, confirm_jobs};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

/// The deep deletion runs as a daily batch: poll hourly, then every six hours.
fn backoff() -> Backoff {
    Backoff::new(hours(1), hours(6))
}

/// Answers `status` for job `id` `times` times (every time when `None`).
async fn answer(server: &MockServer, id: &str, status: &str, times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path(format!("{ENDPOINT_PATH}/{id}")))
        .and(header("apitoken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "status": status })));
    match times {
        Some(n) => mock.up_to_n_times(n).expect(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

#[tokio::test]
async fn pending_then_completed_and_pending_then_error() {
    let server = MockServer::start().await;
    answer(&server, "101", "pending", Some(2)).await;
    answer(&server, "101", "completed", Some(1)).await;
    answer(&server, "102", "pending", Some(1)).await;
    answer(&server, "102", "error", Some(1)).await;
    answer(&server, "103", "errored", Some(1)).await;

    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock);
    let jobs = [JobId::from("101"), JobId::from("102"), JobId::from("103")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), hours(48), &*clock).await;

    assert_eq!(outcomes[0].0.as_str(), "101");
    assert_eq!(
        outcomes[0].1,
        JobOutcome::Completed {
            status: StatusSummary::new(JobState::Done, "completed")
        }
    );
    for (job, outcome) in &outcomes[1..] {
        match outcome {
            JobOutcome::Failed { reason, status } => {
                assert_eq!(reason, &format!("maestroqa reports job {job} as errored"));
                assert_eq!(status.as_ref().map(|s| s.state), Some(JobState::Failed));
            }
            other => panic!("{job}: {other}"),
        }
    }
    // rounds at 0 h (3 jobs), 1 h (101, 102) and 3 h (101); the rate limiter's own waits
    // (2 s between requests) go through the same test clock
    let long: Vec<_> = clock
        .sleeps()
        .into_iter()
        .filter(|d| *d >= hours(1))
        .collect();
    assert_eq!(long, [hours(1), hours(2)]);
}

#[tokio::test]
async fn a_job_still_pending_at_the_deadline_is_stalled() {
    let server = MockServer::start().await;
    answer(&server, "201", "pending", None).await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock);
    let jobs = [JobId::from("201")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), hours(4), &*clock).await;
    assert_eq!(
        outcomes[0].1,
        JobOutcome::Pending {
            status: Some(StatusSummary::new(JobState::Pending, "pending")),
            error: None
        }
    );
    assert_eq!(outcomes[0].1.to_string(), "pending (pending)");
    // polls at 0, 1 h, 3 h and 4 h (the deadline), never past it
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert!(clock.sleeps().iter().all(|d| *d <= hours(2)));
}

#[tokio::test]
async fn an_unknown_job_fails_whether_as_404_or_as_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ENDPOINT_PATH}/301")))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such job"))
        .expect(1)
        .mount(&server)
        .await;
    answer(&server, "302", "not found", Some(1)).await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock);
    let jobs = [JobId::from("301"), JobId::from("302")];
    let outcomes = confirm_jobs(&client, &jobs, backoff(), hours(48), &*clock).await;
    match &outcomes[0].1 {
        JobOutcome::Failed {
            reason,
            status: None,
        } => assert!(reason.contains("no such job"), "{reason}"),
        other => panic!("{other}"),
    }
    match &outcomes[1].1 {
        JobOutcome::Failed { reason, .. } => {
            assert_eq!(reason, "maestroqa reports job 302 as not found");
        }
        other => panic!("{other}"),
    }
    assert!(clock.sleeps().iter().all(|d| *d < hours(1)));
}
