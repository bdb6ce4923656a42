//! Retries: a 5xx or a lost answer is retried until the one total deadline of the retry
//! policy; a daily-limit refusal after a lost answer says the lost attempt probably arrived.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{DELETION_PATH, client_with, error_answer};
use dropkit_id5::{DeletionRequest, Email, Error, Jurisdiction};
use dropkit_provider::clock::Clock as _;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{ErrorKind, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request() -> DeletionRequest {
    DeletionRequest::builder(Jurisdiction::Ccpa)
        .email(Email::plain("joe@example.com"))
        .build()
        .unwrap()
}

fn no_jitter() -> RetryPolicy {
    RetryPolicy::default().with_jitter(false)
}

/// `first` answers the first `n` requests, then `then` answers the rest.
async fn server(first: ResponseTemplate, n: u64, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(DELETION_PATH))
        .respond_with(first)
        .up_to_n_times(n)
        .with_priority(1)
        .expect(n)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(DELETION_PATH))
        .respond_with(then)
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff() {
    let server = server(
        error_answer(
            500,
            "internal_id5_error",
            "api_error",
            "Internal error id: 1",
        ),
        2,
        ResponseTemplate::new(200).set_body_json(json!({"id": "job-1"})),
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let receipt = client_with(&server.uri(), &clock, no_jitter())
        .request_deletion(&request())
        .await
        .unwrap();
    assert_eq!(receipt.id.as_str(), "job-1");
    assert_eq!(clock.sleeps(), [1, 2].map(Duration::from_secs));
}

#[tokio::test]
async fn a_daily_limit_after_a_lost_answer_says_the_first_attempt_probably_arrived() {
    let server = server(
        ResponseTemplate::new(502),
        1,
        error_answer(
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per email has been reached",
        ),
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let err = client_with(&server.uri(), &clock, no_jitter())
        .request_deletion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::IdentifierDailyLimit {
                after_lost_answer: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::IdentifierLimit);
    assert!(err.to_string().contains("probably reached ID5"), "{err}");
}

#[tokio::test]
async fn a_first_daily_limit_is_not_retried_nor_blamed_on_a_lost_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error_answer(
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per email has been reached",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client_with(&server.uri(), &clock, no_jitter())
        .request_deletion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::IdentifierDailyLimit {
                after_lost_answer: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("probably"), "{err}");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn an_outage_is_retried_until_the_total_deadline_not_a_count() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let deadline = Duration::from_secs(20 * 60);
    let err = client_with(&server.uri(), &clock, no_jitter().with_max_wait(deadline))
        .request_deletion(&request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err:?}");
    // 1, 2, 4, ..., 32, then 60 s waits up to the deadline, the last one shortened to land on it
    assert_eq!(clock.now(), deadline);
    let requests = server.received_requests().await.unwrap().len();
    assert_eq!(requests, clock.sleeps().len() + 1);
    assert!(requests > 10, "{requests}");
}
