//! `check_token`: a status request for a job that cannot exist, never a deletion (which would
//! spend the identifier's and the partner's daily quota).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{TOKEN, client, error_answer, status_path};
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{DeletionProvider, ErrorKind, TokenCheck};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server answering the check's status request with `answer`, and refusing (and counting)
/// any deletion.
async fn server(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(status_path("00000000000000000000000000000000")))
        .and(query_param("token", TOKEN))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_unknown_job_means_the_token_was_accepted() {
    for answer in [
        error_answer(
            404,
            "user_objects_invalid",
            "invalid_request_error",
            "provided job UUID not found",
        ),
        error_answer(
            400,
            "user_object_invalid",
            "validation_error",
            "provided job id is not a valid UUID",
        ),
    ] {
        let server = server(answer).await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server.uri(), &clock);
        let check = DeletionProvider::check_token(&client).await.unwrap();
        assert_eq!(check, TokenCheck::Accepted);
    }
}

#[tokio::test]
async fn a_refused_token_or_partner_is_an_authentication_error() {
    for (status, code, message) in [
        (401, "api_token_invalid", "No API token provided".to_owned()),
        (
            403,
            "api_token_not_authorized",
            format!("Api token {TOKEN} does not have access to this resource"),
        ),
        (
            400,
            "partner_id_invalid",
            "Invalid partner id 173 provided".to_owned(),
        ),
    ] {
        let server = server(error_answer(status, code, "authentication_error", &message)).await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server.uri(), &clock);
        let err = DeletionProvider::check_token(&client).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{code}: {err:?}");
        assert_eq!(err.provider(), "id5");
        assert!(!format!("{err} {err:?}").contains(TOKEN), "{err}");
    }
}
