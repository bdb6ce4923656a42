//! Nothing ID5 logs, at any level and from any crate, carries the token. A file of its own:
//! tracing caches per-callsite interest process-wide, so tests running on other threads
//! without a subscriber could hide events from this one.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{TOKEN, client, error_answer};
use dropkit_id5::{DeletionRequest, Email, Jurisdiction};
use dropkit_provider::JobId;
use dropkit_provider::testing::ManualClock;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request() -> DeletionRequest {
    DeletionRequest::builder(Jurisdiction::Ccpa)
        .email(Email::plain("a@example.com"))
        .build()
        .unwrap()
}

/// Collects everything logged, at every level, from every crate (reqwest and hyper included).
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn logs_at_every_level_carry_no_token() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
        .respond_with(
            ResponseTemplate::new(200).set_body_string(
                r#"{"id": "j1", "jobStatus": "DONE", "processingResult": "NONE"}"#,
            ),
        )
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let _ = client.request_deletion(&request()).await;
    let _ = client.status(&JobId::from("j1")).await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("id5: deletion request"),
        "nothing captured: {logs}"
    );
    assert!(logs.contains("id5: request refused"), "{logs}");
    assert!(!logs.contains(TOKEN), "token leaked into the logs: {logs}");
}
