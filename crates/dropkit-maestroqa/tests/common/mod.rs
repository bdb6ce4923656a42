//! Shared set-up: a client against a wiremock server, on a manual clock.
#![allow(dead_code)]

use std::sync::Arc;

use dropkit_maestroqa::Client;
use dropkit_provider::RetryPolicy;
use dropkit_provider::testing::ManualClock;
use wiremock::MockServer;

pub(crate) const TOKEN: &str = "mqa-s3cr3t-t0k3n";
pub(crate) const ENDPOINT_PATH: &str = "/api/v1/data-deletion";

pub(crate) fn client(server: &MockServer, clock: &Arc<ManualClock>) -> Client {
    client_with(server, clock, RetryPolicy::default())
}

pub(crate) fn client_with(
    server: &MockServer,
    clock: &Arc<ManualClock>,
    retry: RetryPolicy,
) -> Client {
    Client::builder()
        .endpoint(format!("{}{ENDPOINT_PATH}", server.uri()))
        .token(TOKEN.into())
        .clock(clock.clone())
        .retry_policy(retry)
        .build()
        .unwrap()
}

pub(crate) fn emails(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("user{i}@example.com")).collect()
}
