//! Deletion requests: the seed's request and answer, and every documented error.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{DELETION_PATH, TOKEN, client, error_answer};
use dropkit_id5::{DeletionRequest, Email, Error, Jurisdiction};
use dropkit_provider::ErrorKind;
use dropkit_provider::testing::ManualClock;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID5ID: &str =
    "ID5*j0EDhnOeLA7GJ9KXt05cszkCOLRHRyqVRKNx4Wo9iEtZYPIcnd32YHQ9MjAOLR0UWWEhBhCvzGoO5pggW2pX3w";

fn email_request() -> DeletionRequest {
    DeletionRequest::builder(Jurisdiction::Ccpa)
        .email(Email::plain("joe.consumer@example.com"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn seed_request_and_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(DELETION_PATH))
        .and(query_param("token", TOKEN))
        .and(header("content-type", "application/json; charset=UTF-8"))
        .and(body_json(json!({
            "email": "cd372fb85148700fa88095e3492d3f9f5beb43e555e5ff26d95f5a6adc36f8e6",
            "id5id": ID5ID,
            "maid": "580d2b4c-29a5-7a7b-85dc-44132c023ac8",
            "partnerUid": "a-123456789",
            "jurisdiction": "GDPR",
            "replyToEmail": "joe.consumer@gmail.com"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "a8b6ccc4ee35ddaf5a5bb0f5c696dbd3"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let request = DeletionRequest::builder(Jurisdiction::Gdpr)
        .email(Email::sha256_hex(
            "cd372fb85148700fa88095e3492d3f9f5beb43e555e5ff26d95f5a6adc36f8e6",
        ))
        .id5id(ID5ID)
        .maid("580d2b4c-29a5-7a7b-85dc-44132c023ac8")
        .partner_uid("a-123456789")
        .reply_to_email("joe.consumer@gmail.com")
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::new());
    let receipt = client(&server.uri(), &clock)
        .request_deletion(&request)
        .await
        .unwrap();
    assert_eq!(receipt.id.as_str(), "a8b6ccc4ee35ddaf5a5bb0f5c696dbd3");
}

type IsVariant = fn(&Error) -> bool;

/// Every row of the seed's deletion error table.
#[tokio::test]
async fn every_documented_deletion_error() {
    let rows: Vec<(u16, &str, &str, String, IsVariant, ErrorKind)> = vec![
        (
            401,
            "api_token_invalid",
            "authentication_error",
            "No API token provided".into(),
            |e| matches!(e, Error::Authentication(_)),
            ErrorKind::Authentication,
        ),
        (
            400,
            "partiner_id_invalid",
            "authentication_error",
            "Invalid partner id 173 provided".into(),
            |e| matches!(e, Error::Authentication(_)),
            ErrorKind::Authentication,
        ),
        (
            403,
            "api_token_not_authorized",
            "authentication_error",
            format!("Api token {TOKEN} does not have access to this resource"),
            |e| matches!(e, Error::Authentication(_)),
            ErrorKind::Authentication,
        ),
        (
            400,
            "request_format_invalid",
            "invalid_request_error",
            "{application/json; charset=UTF-8} POST required".into(),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            400,
            "request_format_invalid",
            "invalid_request_error",
            "Missing required JSON body".into(),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            400,
            "user_objects_invalid",
            "validation_error",
            "Missing required parameter 'jurisdiction'".into(),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            400,
            "user_objects_invalid",
            "validation_error",
            "Missing one of parameters: ['id5id', 'email', 'maid']".into(),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            400,
            "user_objects_invalid",
            "validation_error",
            format!("Provided ID5ID {ID5ID} cannot be decrypted"),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            400,
            "user_objects_invalid",
            "validation_error",
            format!("Provided ID5ID {ID5ID} is not a valid one"),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            400,
            "user_objects_invalid",
            "validation_error",
            "Provided maid x is not a valid one".into(),
            |e| matches!(e, Error::Validation(_)),
            ErrorKind::Rejected,
        ),
        (
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per email has been reached".into(),
            |e| matches!(e, Error::IdentifierDailyLimit { identifier, .. } if identifier == "email"),
            ErrorKind::IdentifierLimit,
        ),
        (
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per id5id has been reached".into(),
            |e| matches!(e, Error::IdentifierDailyLimit { identifier, .. } if identifier == "id5id"),
            ErrorKind::IdentifierLimit,
        ),
        (
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per maid has been reached".into(),
            |e| matches!(e, Error::IdentifierDailyLimit { identifier, .. } if identifier == "maid"),
            ErrorKind::IdentifierLimit,
        ),
        (
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per partnerUid has been reached".into(),
            |e| matches!(e, Error::IdentifierDailyLimit { identifier, .. } if identifier == "partnerUid"),
            ErrorKind::IdentifierLimit,
        ),
        (
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 3,000 requests daily allowed per partner has been reached".into(),
            |e| matches!(e, Error::PartnerDailyLimit(_)),
            ErrorKind::QuotaExhausted,
        ),
    ];
    for (status, code, kind, message, is_variant, common_kind) in rows {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(DELETION_PATH))
            .respond_with(error_answer(status, code, kind, &message))
            .expect(1)
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        let err = client(&server.uri(), &clock)
            .request_deletion(&email_request())
            .await
            .unwrap_err();
        assert!(is_variant(&err), "{status} {code}: {err:?}");
        assert_eq!(err.kind(), common_kind, "{message}");
        let api = err.api_error().unwrap();
        assert_eq!(
            (api.status, api.code.as_str(), api.kind.as_str()),
            (status, code, kind)
        );
        assert_eq!(api.message, message.replace(TOKEN, "***"));
        assert!(!format!("{err} {err:?}").contains(TOKEN));
    }
}

#[tokio::test]
async fn seed_example_with_message_beside_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            r#"{"error": {"code": "api_token_invalid", "type": "authentication_error"}, "message": "No API token provided"}"#,
        ))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server.uri(), &clock)
        .request_deletion(&email_request())
        .await
        .unwrap_err();
    let Error::Authentication(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.message, "No API token provided");
    assert_eq!(
        err.to_string(),
        "ID5 answered HTTP 401 to the deletion request: api_token_invalid (authentication_error): No API token provided"
    );
}

#[tokio::test]
async fn an_answer_outside_the_schema_is_kept_as_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server.uri(), &clock)
        .request_deletion(&email_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unexpected { status: 503, body, .. } if body == "upstream unavailable"),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn a_200_without_id_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"job": "x"})))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let err = client(&server.uri(), &clock)
        .request_deletion(&email_request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
