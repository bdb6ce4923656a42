//! MaestroQA through the shared `DeletionProvider` trait.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{client, emails};
use drop_provider::testing::ManualClock;
use drop_provider::{DeletionProvider, DeletionRequest, ErrorKind, JobId, JobState, fan_out};
use maestroqa::Error;
use serde_json::json;
use wiremock::matchers::{body_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn fan_out_batches_and_reports_unconfirmed_batches_as_failures() {
    let server = MockServer::start().await;
    let all = emails(7);
    Mock::given(method("DELETE"))
        .and(body_json(
            json!({"emails": &all[..5], "auditLabel": "A7kP"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"confirmation": true, "id": "j1", "status": "pending"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(body_json(
            json!({"emails": &all[5..], "auditLabel": "A7kP"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"confirmation": false, "id": "j2"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "completed"})))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let providers: Vec<Arc<dyn DeletionProvider>> = vec![Arc::new(client(&server, &clock))];
    let request = DeletionRequest::new(all.clone()).with_audit_label("A7kP");
    let outcomes = fan_out(&providers, &request).await;
    let outcome = &outcomes[0];
    assert_eq!(outcome.provider, "maestroqa");
    assert_eq!(outcome.receipts.len(), 1);
    assert_eq!(outcome.receipts[0].job_id.as_str(), "j1");
    assert_eq!(outcome.receipts[0].emails, all[..5]);
    assert_eq!(outcome.receipts[0].status.to_string(), "pending");
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].emails, all[5..]);
    let failure = &outcome.failures[0].error;
    assert_eq!(failure.provider(), "maestroqa");
    assert!(matches!(
        failure.inner().downcast_ref::<Error>(),
        Some(Error::NotConfirmed { job_id }) if job_id.as_str() == "j2"
    ));
    assert_eq!(failure.kind(), ErrorKind::Other);

    let status = providers[0].status(&JobId::from("j1")).await.unwrap();
    assert_eq!(status.state, JobState::Done);
    assert_eq!(status.raw.as_deref(), Some("completed"));
}
