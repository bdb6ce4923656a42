//! `check_token`: a status request for a job that cannot exist, never a deletion.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{ENDPOINT_PATH, TOKEN, client};
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{DeletionProvider, ErrorKind, ProviderError, TokenCheck};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CHECK_PATH: &str = "/api/v1/data-deletion/dropkit-token-check-0";

/// A server answering the check's status request with `answer`, and refusing (and counting)
/// any deletion.
async fn server(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CHECK_PATH))
        .and(header("apitoken", TOKEN))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_not_found_answer_means_the_token_was_accepted() {
    assert!(CHECK_PATH.starts_with(ENDPOINT_PATH));
    for answer in [
        ResponseTemplate::new(200).set_body_json(json!({"status": "not found"})),
        ResponseTemplate::new(404).set_body_string("no such job"),
    ] {
        let server = server(answer).await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server, &clock);
        let check = DeletionProvider::check_token(&client).await.unwrap();
        assert_eq!(check, TokenCheck::Accepted);
    }
}

#[tokio::test]
async fn a_401_or_403_is_an_authentication_error() {
    for status in [401, 403] {
        let server = server(ResponseTemplate::new(status).set_body_string("bad token")).await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server, &clock);
        let err = client.check_token().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        // as the trait reports it
        let err = ProviderError::from(err);
        assert_eq!(err.kind(), ErrorKind::Authentication);
        assert_eq!(err.provider(), "maestroqa");
    }
}
