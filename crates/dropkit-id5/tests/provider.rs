//! ID5 through the shared `DeletionProvider` trait: one request per identifier (email, MAID,
//! partner user id), identifier limits skip one identifier, the partner limit stops the rest.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{DELETION_PATH, TOKEN, client, error_answer};
use dropkit_id5::{Client, EmailForm, Error};
use dropkit_provider::testing::ManualClock;
use dropkit_provider::{
    DeletionProvider, DeletionRequest, ErrorKind, Identifier, IdentifierKind, JobId, JobState,
    Jurisdiction,
};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn accept(email: &str, id: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path(DELETION_PATH))
        .and(body_json(json!({"email": email, "jurisdiction": "CCPA"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": id })))
}

#[tokio::test]
async fn one_request_per_email_and_an_identifier_limit_skips_only_that_email() {
    let server = MockServer::start().await;
    accept("a@example.com", "job-a")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(
            json!({"email": "b@example.com", "jurisdiction": "CCPA"}),
        ))
        .respond_with(error_answer(
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per email has been reached",
        ))
        .expect(1)
        .mount(&server)
        .await;
    accept("c@example.com", "job-c")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "job-a", "jobStatus": "DONE", "processingResult": "DELETE_NO_DATA"}),
        ))
        .mount(&server)
        .await;

    let clock = Arc::new(ManualClock::new());
    let provider: Arc<dyn DeletionProvider> = Arc::new(client(&server.uri(), &clock));
    let request = DeletionRequest::new(["a@example.com", "b@example.com", "c@example.com"]);
    let outcome = provider.request_deletion(&request).await;
    assert_eq!(outcome.provider, "id5");
    let ids: Vec<_> = outcome.receipts.iter().map(|r| r.job_id.as_str()).collect();
    assert_eq!(ids, ["job-a", "job-c"]);
    assert_eq!(outcome.receipts[1].emails, ["c@example.com"]);
    assert_eq!(outcome.receipts[0].status.to_string(), "pending");
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].emails, ["b@example.com"]);
    assert_eq!(outcome.failures[0].error.kind(), ErrorKind::IdentifierLimit);

    let status = provider.status(&JobId::from("job-a")).await.unwrap();
    assert_eq!(status.state, JobState::Done);
    assert_eq!(status.raw.as_deref(), Some("DONE/DELETE_NO_DATA"));
}

#[tokio::test]
async fn the_partner_limit_stops_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error_answer(
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 3,000 requests daily allowed per partner has been reached",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let request = DeletionRequest::new(["a@example.com", "b@example.com", "c@example.com"]);
    let outcome = DeletionProvider::request_deletion(&client, &request).await;
    assert!(outcome.receipts.is_empty());
    assert_eq!(outcome.failures.len(), 3);
    for failure in &outcome.failures {
        assert_eq!(failure.error.kind(), ErrorKind::QuotaExhausted);
    }
    assert!(matches!(
        outcome.failures[2].error.inner().downcast_ref::<Error>(),
        Some(Error::NotSent { .. })
    ));
}

#[tokio::test]
async fn malformed_email_is_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "x"})))
        .expect(0)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let outcome =
        DeletionProvider::request_deletion(&client, &DeletionRequest::new(["not-an-email"])).await;
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].error.kind(), ErrorKind::Rejected);
}

#[tokio::test]
async fn jurisdiction_and_hashed_form_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(json!({
            // printf 'anna@example.com' | sha256sum
            "email": "f7d54c22dda5b1780276601cd005909b70543fc4a6ba72d735b4cb9bbb611f01",
            "jurisdiction": "GDPR"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "h1"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .partner_id(173)
        .token(TOKEN.into())
        .email_form(EmailForm::Sha256)
        .build()
        .unwrap();
    let request = DeletionRequest::new([" Anna@Example.com"]).with_jurisdiction(Jurisdiction::Gdpr);
    let outcome = DeletionProvider::request_deletion(&client, &request).await;
    assert!(outcome.is_complete(), "{:?}", outcome.failures);
    assert_eq!(outcome.receipts[0].job_id.as_str(), "h1");
}

#[tokio::test]
async fn every_identifier_is_sent_on_its_own_and_named_in_its_receipt() {
    let server = MockServer::start().await;
    for (body, id) in [
        (
            json!({"email": "anna@example.com", "jurisdiction": "CCPA"}),
            "job-email",
        ),
        // DROP's standardized form (32 hex digits) goes out in UUID text form
        (
            json!({"maid": "580d2b4c-29a5-7a7b-85dc-44132c023ac8", "jurisdiction": "CCPA"}),
            "job-maid",
        ),
        (
            json!({"partnerUid": "a-123456789", "jurisdiction": "CCPA"}),
            "job-uid",
        ),
    ] {
        Mock::given(method("POST"))
            .and(path(DELETION_PATH))
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": id })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = Arc::new(ManualClock::new());
    let provider: Arc<dyn DeletionProvider> = Arc::new(client(&server.uri(), &clock));
    for kind in IdentifierKind::ALL {
        assert!(provider.accepts(kind), "{kind}");
    }
    let request = DeletionRequest::new(["anna@example.com"])
        .with_maids(["580d2b4c29a57a7b85dc44132c023ac8", "not-a-maid"])
        .with_partner_user_id("a-123456789")
        .with_audit_label("DROP d.zip A7kP2xQ9Lm4R");
    let outcome = provider.request_deletion(&request).await;

    let jobs: Vec<_> = outcome
        .receipts
        .iter()
        .map(|r| (r.job_id.as_str(), r.identifiers.clone()))
        .collect();
    assert_eq!(
        jobs,
        [
            ("job-email", vec![Identifier::email("anna@example.com")]),
            (
                "job-maid",
                vec![Identifier::maid("580d2b4c29a57a7b85dc44132c023ac8")]
            ),
            ("job-uid", vec![Identifier::partner_user_id("a-123456789")]),
        ]
    );
    assert_eq!(outcome.receipts[0].emails, ["anna@example.com"]);
    assert!(outcome.receipts[1].emails.is_empty());
    // the malformed MAID is refused here, never sent
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(
        outcome.failures[0].identifiers,
        [Identifier::maid("not-a-maid")]
    );
    assert_eq!(outcome.failures[0].error.kind(), ErrorKind::Rejected);
    assert!(matches!(
        outcome.failures[0].error.inner().downcast_ref::<Error>(),
        Some(Error::Invalid(
            dropkit_id5::RequestError::InvalidMaid { .. }
        ))
    ));
}

#[tokio::test]
async fn an_identifier_limit_on_a_maid_skips_only_that_maid() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(
            json!({"maid": "580d2b4c-29a5-7a7b-85dc-44132c023ac8", "jurisdiction": "CCPA"}),
        ))
        .respond_with(error_answer(
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per maid has been reached",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(
            json!({"partnerUid": "u-1", "jurisdiction": "CCPA"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "job-uid"})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let client = client(&server.uri(), &clock);
    let request = DeletionRequest::new(Vec::<String>::new())
        .with_maids(["580d2b4c-29a5-7a7b-85dc-44132c023ac8"])
        .with_partner_user_id("u-1");
    let outcome = DeletionProvider::request_deletion(&client, &request).await;
    assert_eq!(outcome.receipts.len(), 1);
    assert_eq!(
        outcome.receipts[0].identifiers,
        [Identifier::partner_user_id("u-1")]
    );
    assert_eq!(outcome.failures[0].error.kind(), ErrorKind::IdentifierLimit);
    assert_eq!(
        outcome.failures[0].identifiers[0].kind,
        IdentifierKind::Maid
    );
}
