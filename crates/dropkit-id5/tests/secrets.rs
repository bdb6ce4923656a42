//! The token rides in the query string: it never shows in Debug output, errors or logs.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{TOKEN, client, client_with, error_answer};
use dropkit_id5::{Client, DeletionRequest as Id5Request, Email, Error, Jurisdiction};
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{DeletionProvider, DeletionRequest, JobId, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn assert_clean(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked: {text}");
}

fn request() -> Id5Request {
    Id5Request::builder(Jurisdiction::Ccpa)
        .email(Email::plain("a@example.com"))
        .build()
        .unwrap()
}

#[test]
fn debug_of_builder_and_client_masks_the_token() {
    let builder = Client::builder().partner_id(173).token(TOKEN.into());
    let text = format!("{builder:?}");
    assert_clean(&text);
    assert!(text.contains("***"));
    let client = builder.build().unwrap();
    let text = format!("{client:?} {client:#?}");
    assert_clean(&text);
    assert!(text.contains("***"));
}

#[tokio::test]
async fn token_echoed_by_id5_is_masked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error_answer(
            403,
            "api_token_not_authorized",
            "authentication_error",
            &format!("Api token {TOKEN} does not have access to this resource"),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("token={TOKEN}")))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let err = client.request_deletion(&request()).await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)));
    assert_clean(&format!("{err} {err:?}"));
    assert!(
        err.to_string()
            .contains("Api token *** does not have access"),
        "{err}"
    );

    let err = client.status(&JobId::from("1")).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_clean(&format!("{err} {err:?}"));

    let outcome =
        DeletionProvider::request_deletion(&client, &DeletionRequest::new(["a@example.com"])).await;
    for failure in &outcome.failures {
        assert_clean(&format!("{} {:?}", failure.error, failure.error));
    }
}

#[tokio::test]
async fn transport_errors_drop_the_url_with_the_token() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let clock = Arc::new(ManualClock::new());
    let retry = RetryPolicy::default().with_max_wait(std::time::Duration::from_secs(60));
    let client = client_with(&format!("http://127.0.0.1:{port}"), &clock, retry);
    let err = client.request_deletion(&request()).await.unwrap_err();
    let Error::Transport { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(source.url().is_none());
    let mut text = format!("{err} {err:?}");
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&err);
    while let Some(c) = cause {
        text.push_str(&format!(" {c} {c:?}"));
        cause = c.source();
    }
    assert_clean(&text);
    assert!(!text.contains("token="), "{text}");
}

#[tokio::test]
async fn a_slow_server_times_out_without_showing_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{}")
                .set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .partner_id(173)
        .token(TOKEN.into())
        .timeout(std::time::Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.request_deletion(&request()).await.unwrap_err();
    let Error::Transport { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(source.is_timeout());
    assert_clean(&format!("{err} {err:?}"));
}
