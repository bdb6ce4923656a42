//! Deletion requests: the seed's request and answer, batching, and every documented HTTP code.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ENDPOINT_PATH, TOKEN, client, client_with, emails};
use dropkit_maestroqa::{Error, Status};
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{ErrorKind, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn seed_answer(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"confirmation": true, "id": id, "status": "pending"}))
}

#[tokio::test]
async fn seed_request_and_answer() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(ENDPOINT_PATH))
        .and(header("apitoken", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"emails": ["exampleuser@example.com"], "auditLabel": "User 3"}),
        ))
        .respond_with(seed_answer("123"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let receipt = client(&server, &clock)
        .request_deletion(&["exampleuser@example.com".to_owned()], Some("User 3"))
        .await
        .unwrap();
    assert!(receipt.confirmation);
    assert_eq!(receipt.id.as_str(), "123");
    assert_eq!(receipt.status, Some(Status::Pending));
}

#[tokio::test]
async fn no_audit_label_sends_emails_only_trimmed() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(body_json(
            json!({"emails": ["a@example.com", "b@example.com"]}),
        ))
        .respond_with(seed_answer("9"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let receipt = client(&server, &clock)
        .request_deletion(
            &[" a@example.com ".to_owned(), "b@example.com".to_owned()],
            None,
        )
        .await
        .unwrap();
    assert_eq!(receipt.id.as_str(), "9");
}

#[tokio::test]
async fn twelve_emails_go_in_batches_of_five_two_seconds_apart() {
    let server = MockServer::start().await;
    let all = emails(12);
    for (i, batch) in all.chunks(5).enumerate() {
        Mock::given(method("DELETE"))
            .and(body_json(json!({"emails": batch, "auditLabel": "case-1"})))
            .respond_with(seed_answer(&format!("job-{i}")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = Arc::new(ManualClock::new());
    let outcomes = client(&server, &clock)
        .request_deletions(&all, Some("case-1"))
        .await;
    let sizes: Vec<_> = outcomes.iter().map(|o| o.emails.len()).collect();
    assert_eq!(sizes, [5, 5, 2]);
    let ids: Vec<_> = outcomes
        .iter()
        .map(|o| o.result.as_ref().unwrap().id.to_string())
        .collect();
    assert_eq!(ids, ["job-0", "job-1", "job-2"]);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(2), Duration::from_secs(2)]
    );
}

#[tokio::test]
async fn empty_emails_are_refused_without_a_request_and_the_rest_go_out() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(body_json(
            json!({"emails": ["a@example.com", "b@example.com"]}),
        ))
        .respond_with(seed_answer("1"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock);
    let input = vec![
        "a@example.com".to_owned(),
        "  ".to_owned(),
        "b@example.com".to_owned(),
    ];
    let outcomes = client.request_deletions(&input, None).await;
    assert_eq!(outcomes.len(), 2);
    assert!(matches!(
        outcomes[0].result,
        Err(Error::EmptyEmail { position: 2 })
    ));
    assert!(outcomes[1].result.is_ok());

    for bad in [vec![], emails(6)] {
        let err = client.request_deletion(&bad, None).await.unwrap_err();
        assert!(matches!(err, Error::BatchSize { count } if count == bad.len()));
        assert_eq!(err.kind(), ErrorKind::Rejected);
    }
}

#[tokio::test]
async fn unauthorized_says_tokens_rotate_and_stops_the_later_batches() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(401).set_body_string("invalid token"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let outcomes = client(&server, &clock)
        .request_deletions(&emails(12), None)
        .await;
    assert_eq!(outcomes.len(), 3);
    let first = outcomes[0].result.as_ref().unwrap_err();
    assert!(matches!(first, Error::TokenRejected { .. }));
    assert_eq!(first.kind(), ErrorKind::Authentication);
    let message = first.to_string();
    assert!(message.contains("90 days"), "{message}");
    assert!(message.contains("MAESTROQA_API_TOKEN"), "{message}");
    for later in &outcomes[1..] {
        let err = later.result.as_ref().unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotSent {
                    kind: ErrorKind::Authentication,
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[tokio::test]
async fn documented_error_codes_map_to_variants_and_keep_the_body() {
    type IsVariant = fn(&Error) -> bool;
    let cases: [(u16, IsVariant, ErrorKind); 4] = [
        (
            400,
            |e| matches!(e, Error::Refused { status: 400, .. }),
            ErrorKind::Rejected,
        ),
        (
            403,
            |e| matches!(e, Error::Refused { status: 403, .. }),
            ErrorKind::Authentication,
        ),
        (
            404,
            |e| matches!(e, Error::NotFound { .. }),
            ErrorKind::NotFound,
        ),
        (
            500,
            |e| matches!(e, Error::Server { status: 500, .. }),
            ErrorKind::Transient,
        ),
    ];
    for (code, is_variant, kind) in cases {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(code).set_body_string(format!("reason {code}")))
            .expect(1)
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        // a 5xx would be retried until the deadline (see tests/rate_limit.rs)
        let err = client_with(&server, &clock, RetryPolicy::none())
            .request_deletion(&emails(1), None)
            .await
            .unwrap_err();
        assert!(is_variant(&err), "{code}: {err:?}");
        assert_eq!(err.kind(), kind, "{code}");
        assert!(err.to_string().contains(&format!("reason {code}")), "{err}");
    }
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok</html>"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server, &clock)
        .request_deletion(&emails(1), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref body, .. } if body == "<html>ok</html>"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_slow_server_hits_the_request_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(seed_answer("1").set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = dropkit_maestroqa::Client::builder()
        .endpoint(format!("{}{ENDPOINT_PATH}", server.uri()))
        .token(TOKEN.into())
        .timeout(Duration::from_millis(100))
        .retry_policy(dropkit_provider::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.request_deletion(&emails(1), None).await.unwrap_err();
    match err {
        Error::Transport {
            ref source,
            attempts,
            ..
        } => {
            assert!(source.is_timeout(), "{source:?}");
            assert_eq!(attempts, 1);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}
