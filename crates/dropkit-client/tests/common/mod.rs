//! Helpers shared by the client's integration tests.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use dropkit_client::{Client, RetryPolicy, TestClock};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

/// The API key every test client sends; tests assert it never leaks.
pub const KEY: &str = "test-key-5f1c9a7e-DO-NOT-LEAK";

/// DROP's documented bodies (spec §2.2, §2.3), verbatim.
pub const NO_DATA: &str = "No new consumer request data or removed identifiers are available since your last completed download.";
pub const PREPARING: &str = "No download package is available yet. Your request was received, and the package is being created. Call GET /data/download again later.";
pub const BAD_KEY: &str =
    "API key is missing or invalid. Fix or regenerate the API key and try again.";
pub const NOT_ELIGIBLE: &str = "Your account is not eligible for this operation. Resolve any account, registration, payment, or access issue and try again.";
pub const NO_LISTS: &str =
    "No identifier list preferences are enabled. Select at least one list and try again.";
pub const NOT_FOUND: &str =
    "The requested endpoint was not found. Check the URL/path and try again.";
pub const BATCH_INCOMPLETE: &str =
    "Complete the current batch or contact DROP support if a re-download is needed.";
pub const NO_ACTIVE_DOWNLOAD: &str = "No active download is waiting for responses. Use GET /data/download to request or download a new ZIP file.";
pub const AMEND_STATE: &str = "The amend request cannot be processed in the current state.";
pub const TOO_MANY: &str = "Too many requests. Wait and try again.";
pub const UNAVAILABLE: &str = "The system is temporarily unavailable. Try again later.";
pub const DUPLICATE: &str = "A file with this name was already uploaded for the current download. Use a unique suffix and try again";

/// `{"message": text}`.
pub fn message(text: &str) -> serde_json::Value {
    serde_json::json!({ "message": text })
}

/// A retry policy whose backoff is a millisecond, with at most `retries` retries.
pub fn fast_policy(retries: usize) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(retries)
        .with_delays(Duration::from_millis(1), Duration::from_millis(4))
}

/// A client for `base`, retrying up to 3 times, with a sleeper that never waits.
pub fn client_for(base: &str) -> (Client, TestClock) {
    let sleeper = TestClock::new();
    let client = Client::builder()
        .base_url(base)
        .api_key(KEY)
        .retry_policy(fast_policy(3))
        .clock(sleeper.clone())
        .build()
        .unwrap();
    (client, sleeper)
}

/// A client for a wiremock server.
pub fn client(server: &MockServer) -> (Client, TestClock) {
    client_for(&server.uri())
}

/// A server on 127.0.0.1 that answers one connection with `raw` bytes, then closes it.
/// Returns its base URL.
pub async fn serve_raw_once(raw: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            head.extend_from_slice(&buf[..n]);
        }
        socket.write_all(&raw).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    format!("http://{addr}")
}

/// The bytes of a small ZIP-looking body (the client does not parse it).
pub fn zip_bytes() -> Vec<u8> {
    let mut body = b"PK\x03\x04".to_vec();
    body.extend((0..2000u32).map(|i| (i % 251) as u8));
    body
}

/// A transport failure: wiremock drops the connection without an answer.
#[derive(Debug)]
pub struct HungUp;

impl std::fmt::Display for HungUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped before the response")
    }
}

impl std::error::Error for HungUp {}

/// The first `POST` to `server` (and only the first, exactly once) reaches it and is hung up
/// on without an answer.
pub async fn hang_up_once(server: &MockServer) {
    Mock::given(method("POST"))
        .respond_with_err(|_: &wiremock::Request| HungUp)
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
}
