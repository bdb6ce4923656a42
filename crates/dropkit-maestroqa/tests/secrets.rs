//! The API token never shows in Debug output or errors, even when the server echoes it.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ENDPOINT_PATH, TOKEN, client, emails};
use dropkit_maestroqa::Client;
use dropkit_provider::clock::Clock as _;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{DeletionProvider, DeletionRequest, JobId, ProviderError};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn assert_clean(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked: {text}");
}

#[tokio::test]
async fn debug_of_builder_and_client_masks_the_token() {
    let server = MockServer::start().await;
    let builder = Client::builder()
        .endpoint(format!("{}{ENDPOINT_PATH}", server.uri()))
        .token(TOKEN.into());
    let text = format!("{builder:?}");
    assert_clean(&text);
    assert!(text.contains("***"), "{text}");
    let client = builder.build().unwrap();
    let text = format!("{client:?} {client:#?}");
    assert_clean(&text);
    assert!(text.contains("***"), "{text}");
}

#[tokio::test]
async fn echoed_token_is_masked_in_every_error() {
    for code in [400, 401, 403, 404, 500] {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(
                ResponseTemplate::new(code)
                    .set_body_string(format!("token {TOKEN} is not allowed here")),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("?{TOKEN}")))
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server, &clock);
        let err = client.request_deletion(&emails(1), None).await.unwrap_err();
        assert_clean(&format!("{err} {err:?}"));
        assert!(
            err.to_string().contains("token *** is not allowed"),
            "{err}"
        );
        let err = client.status(&JobId::from("1")).await.unwrap_err();
        assert_clean(&format!("{err} {err:?}"));
        let outcome = client.request_deletion_via_trait(&emails(1)).await;
        for failure in &outcome {
            assert_clean(&format!("{} {:?}", failure, failure));
        }
    }
}

#[tokio::test]
async fn transport_errors_carry_no_token() {
    // a port nobody listens on: connection refused, retried, then reported
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder()
        .endpoint(format!("http://127.0.0.1:{port}{ENDPOINT_PATH}"))
        .token(TOKEN.into())
        .clock(clock.clone())
        .retry_policy(dropkit_provider::RetryPolicy::default().with_jitter(false))
        .max_wait(Duration::from_secs(600))
        .build()
        .unwrap();
    let err = client.request_deletion(&emails(1), None).await.unwrap_err();
    assert!(
        matches!(err, dropkit_maestroqa::Error::Transport { .. }),
        "{err:?}"
    );
    assert_clean(&format!("{err} {err:?}"));
    // connection failures are retried with backoff until the deadline, not a fixed count
    assert!(clock.sleeps().len() > 5, "{:?}", clock.sleeps());
    assert_eq!(clock.now(), Duration::from_secs(600));
}

trait ViaTrait {
    async fn request_deletion_via_trait(&self, emails: &[String]) -> Vec<ProviderError>;
}

impl ViaTrait for Client {
    async fn request_deletion_via_trait(&self, emails: &[String]) -> Vec<ProviderError> {
        let request = DeletionRequest::new(emails.to_vec());
        let outcome = DeletionProvider::request_deletion(self, &request).await;
        outcome.failures.into_iter().map(|f| f.error).collect()
    }
}
