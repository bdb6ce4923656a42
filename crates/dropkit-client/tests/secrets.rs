//! The API key never appears in Debug output, errors or logs.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use dropkit_client::{Client, ClientBuilder, UploadFile};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn debug_of_builder_and_client_shows_no_key() {
    let builder = ClientBuilder::new()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9");
    let text = format!("{builder:?} {builder:#?}");
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("***"), "{text}");
    let client = builder.build().unwrap();
    let text = format!("{client:?} {client:#?}");
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("***"), "{text}");
}

#[test]
fn a_key_that_cannot_be_a_header_is_refused_without_echoing_it() {
    let bad_key = format!("{KEY}\n");
    let err = Client::builder().api_key(bad_key).build().unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "{text}");
}

/// Collects everything the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn errors_and_logs_never_show_the_key_even_when_the_server_echoes_it() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(format!("API key {KEY} is invalid.")),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(message(&format!("bad {KEY}"))))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let err = client.download().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("API key *** is invalid."), "{text}");

    let files = [UploadFile::from_bytes("20260312_4821_Email.csv", "Id,Status\n").unwrap()];
    let err = client.upload(&files).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "{text}");

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/data/download"),
        "requests are logged: {logs}"
    );
    assert!(logs.contains("status=401"), "{logs}");
    assert!(
        logs.contains("20260312_4821_Email.csv"),
        "file names are logged: {logs}"
    );
    assert!(!logs.contains(KEY), "{logs}");
}
