//! The client-side rate limiter against a server that enforces MaestroQA's limits on the same
//! manual clock, and the retry of a 429 that comes anyway.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{client, emails};
use dropkit_maestroqa::Error;
use dropkit_provider::RetryPolicy;
use dropkit_provider::clock::Clock as _;
use dropkit_provider::testing::ManualClock;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers 429 to a request that breaks 1 per second or 30 per minute (sliding windows on the
/// manual clock), 200 otherwise.
struct EnforcingServer {
    clock: Arc<ManualClock>,
    accepted: Mutex<Vec<Duration>>,
    refused: Mutex<usize>,
}

impl Respond for EnforcingServer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let now = self.clock.now();
        let mut accepted = self.accepted.lock().unwrap();
        let within = |window: Duration| {
            accepted
                .iter()
                .filter(|t| now.saturating_sub(window) < **t || now < window)
                .count()
        };
        if within(Duration::from_secs(60)) >= 30 || within(Duration::from_secs(1)) >= 1 {
            *self.refused.lock().unwrap() += 1;
            return ResponseTemplate::new(429);
        }
        accepted.push(now);
        ResponseTemplate::new(200)
            .set_body_json(json!({"confirmation": true, "id": accepted.len().to_string()}))
    }
}

#[tokio::test]
async fn five_hundred_emails_never_draw_a_429() {
    let server = MockServer::start().await;
    let clock = Arc::new(ManualClock::new());
    let enforcing = EnforcingServer {
        clock: clock.clone(),
        accepted: Mutex::new(Vec::new()),
        refused: Mutex::new(0),
    };
    Mock::given(method("DELETE"))
        .respond_with(enforcing)
        .expect(100)
        .mount(&server)
        .await;
    let outcomes = client(&server, &clock)
        .request_deletions(&emails(500), None)
        .await;
    assert_eq!(outcomes.len(), 100);
    for outcome in &outcomes {
        assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    }
    // 99 waits of 2 s, all on the manual clock: the test itself takes no real time
    assert_eq!(clock.now(), Duration::from_secs(198));
}

#[tokio::test]
async fn without_the_limiter_the_enforcing_server_would_refuse() {
    // guards the test above: the server really refuses requests that come too fast
    let server = MockServer::start().await;
    let clock = Arc::new(ManualClock::new());
    let enforcing = EnforcingServer {
        clock: clock.clone(),
        accepted: Mutex::new(Vec::new()),
        refused: Mutex::new(0),
    };
    Mock::given(method("DELETE"))
        .respond_with(enforcing)
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    for step in [0, 0, 1, 1, 1] {
        clock.advance(Duration::from_secs(step));
        codes.push(
            http.delete(server.uri())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(codes, [200, 429, 200, 200, 200]);
    // 30 in a minute (at 0, 1, ..., 29 s), then the 31st is refused until 0 s leaves the window
    for _ in 0..26 {
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            http.delete(server.uri()).send().await.unwrap().status(),
            200
        );
    }
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        http.delete(server.uri()).send().await.unwrap().status(),
        429
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        http.delete(server.uri()).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"confirmation": true, "id": "5"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let receipt = client(&server, &clock)
        .request_deletion(&emails(1), None)
        .await
        .unwrap();
    assert_eq!(receipt.id.as_str(), "5");
    assert_eq!(clock.sleeps(), [Duration::from_secs(7)]);
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_until_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(429))
        .expect(4)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = dropkit_maestroqa::Client::builder()
        .endpoint(format!("{}{}", server.uri(), common::ENDPOINT_PATH))
        .token(common::TOKEN.into())
        .clock(clock.clone())
        .retry_policy(RetryPolicy::default().with_default_retry_after(Duration::from_secs(30)))
        .max_wait(Duration::from_secs(100))
        .build()
        .unwrap();
    let err = client.request_deletion(&emails(1), None).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("until the retry deadline"),
        "{err}"
    );
    // attempts at 0, 30, 60 and 90 s; a fourth wait would pass the 100 s deadline. The
    // limiter's 2 s spacing is already met by then.
    assert_eq!(clock.sleeps(), [30, 30, 30].map(Duration::from_secs));
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(3)
        .with_priority(1)
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"confirmation": true, "id": "9"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = dropkit_maestroqa::Client::builder()
        .endpoint(format!("{}{}", server.uri(), common::ENDPOINT_PATH))
        .token(common::TOKEN.into())
        .clock(clock.clone())
        .retry_policy(RetryPolicy::default().with_jitter(false))
        .build()
        .unwrap();
    let receipt = client.request_deletion(&emails(1), None).await.unwrap();
    assert_eq!(receipt.id.as_str(), "9");
    // backoff 1, 2, 4 s; the limiter's 2 s spacing is met after the second wait
    assert_eq!(clock.sleeps(), [1, 1, 2, 4].map(Duration::from_secs));
}
