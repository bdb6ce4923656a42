//! MaestroQA through the shared `DeletionProvider` trait.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{client, emails};
use dropkit_maestroqa::Error;
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{
    DeletionProvider, DeletionRequest, ErrorKind, Identifier, IdentifierKind, JobId, JobState,
    fan_out,
};
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

#[tokio::test]
async fn only_emails_are_sent_with_the_drop_audit_label() {
    let server = MockServer::start().await;
    let label =
        dropkit_maestroqa::audit_label("20261120_download.zip", &["A7kP2xQ9Lm4R", "B8mQ3yR0Nn5S"]);
    assert_eq!(
        label,
        "DROP 20261120_download.zip A7kP2xQ9Lm4R,B8mQ3yR0Nn5S"
    );
    Mock::given(method("DELETE"))
        .and(body_json(json!({
            "emails": ["anna@example.com"],
            "auditLabel": "DROP 20261120_download.zip A7kP2xQ9Lm4R,B8mQ3yR0Nn5S"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"confirmation": true, "id": "j1", "status": "pending"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server, &clock);
    assert!(client.accepts(IdentifierKind::Email));
    assert!(!client.accepts(IdentifierKind::Maid));
    assert!(!client.accepts(IdentifierKind::PartnerUserId));

    let request = DeletionRequest::new(["anna@example.com"])
        .with_maids(["580d2b4c-29a5-7a7b-85dc-44132c023ac8"])
        .with_partner_user_id("u-1")
        .with_audit_label(label);
    let outcome = DeletionProvider::request_deletion(&client, &request).await;
    assert!(outcome.is_complete());
    assert_eq!(
        outcome.receipts[0].identifiers,
        [Identifier::email("anna@example.com")]
    );

    // a consumer with no email: nothing to send, nothing failed
    let request = DeletionRequest::new(Vec::<String>::new()).with_maids(["m"]);
    let outcome = DeletionProvider::request_deletion(&client, &request).await;
    assert!(outcome.receipts.is_empty() && outcome.failures.is_empty());
}
