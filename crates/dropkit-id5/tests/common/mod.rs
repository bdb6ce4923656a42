//! Shared set-up: a client against a wiremock server, on a manual clock.
#![allow(dead_code)]

use std::sync::Arc;

use dropkit_id5::Client;
use dropkit_provider::RetryPolicy;
use dropkit_provider::testing::ManualClock;
use serde_json::json;
use wiremock::ResponseTemplate;

pub(crate) const TOKEN: &str = "id5-t0k3n-9f8e7d";
pub(crate) const PARTNER: u64 = 173;
pub(crate) const DELETION_PATH: &str = "/partners/v1/173/privacy/requests/deletion";

pub(crate) fn client(uri: &str, clock: &Arc<ManualClock>) -> Client {
    client_with(uri, clock, RetryPolicy::default())
}

pub(crate) fn client_with(uri: &str, clock: &Arc<ManualClock>, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(uri)
        .partner_id(PARTNER)
        .token(TOKEN.into())
        .clock(clock.clone())
        .retry_policy(retry)
        .build()
        .unwrap()
}

pub(crate) fn status_path(id: &str) -> String {
    format!("/partners/v1/173/privacy/requests/{id}")
}

pub(crate) fn error_answer(status: u16, code: &str, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "type": kind, "message": message}}))
}
