//! DROP webhook verification (spec §9).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use dropkit_client::webhooks::{EventType, WebhookError, WebhookVerifier};
use http::HeaderMap;
use time::macros::datetime;

const SECRET: &str = "portal-signing-secret";
const TIMESTAMP: &str = "2026-07-02T18:30:00.0000000Z";
const BODY: &[u8] = br#"{"message": "download ready"}"#;

fn headers(event_type: &str, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "X-Webhook-Event-Id",
        "00000000-0000-0000-0000-000000000000".parse().unwrap(),
    );
    h.insert("X-Webhook-Event-Type", event_type.parse().unwrap());
    h.insert(
        "X-Webhook-Delivery-Id",
        "11111111-1111-1111-1111-111111111111".parse().unwrap(),
    );
    h.insert("X-Webhook-Timestamp", TIMESTAMP.parse().unwrap());
    h.insert("X-Webhook-Version", "1.0".parse().unwrap());
    h.insert("X-Webhook-Signature", signature.parse().unwrap());
    h
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SECRET)
}

fn signed(event_type: &str) -> HeaderMap {
    headers(event_type, &verifier().sign(TIMESTAMP, BODY).unwrap())
}

const NOW: time::OffsetDateTime = datetime!(2026-07-02 18:32 UTC);

#[test]
fn signature_is_hmac_sha256_hex_over_timestamp_dot_body() {
    assert_eq!(
        verifier().sign(TIMESTAMP, BODY).unwrap(),
        format!("sha256={}", known_hmac())
    );
}

/// Computed independently, with Python:
/// `hmac.new(b"portal-signing-secret", b'2026-07-02T18:30:00.0000000Z.{"message": "download ready"}', sha256).hexdigest()`
fn known_hmac() -> String {
    "ae7f3ea9a88b785801159d12f7d9618d60e967b848aad0f14e49749067be84b0".to_owned()
}

#[test]
fn a_valid_delivery_gives_the_typed_event() {
    let event = verifier()
        .verify_at(&signed("upload.processed"), BODY, NOW)
        .unwrap();
    assert_eq!(event.event_id, "00000000-0000-0000-0000-000000000000");
    assert_eq!(event.delivery_id, "11111111-1111-1111-1111-111111111111");
    assert_eq!(event.event_type, EventType::UploadProcessed);
    assert_eq!(event.version, "1.0");
    assert_eq!(event.message, "download ready");
    assert_eq!(event.timestamp, datetime!(2026-07-02 18:30 UTC));
}

#[test]
fn every_documented_type_and_unknown_ones_are_kept() {
    for (text, ty) in [
        ("download.ready", EventType::DownloadReady),
        ("upload.received", EventType::UploadReceived),
        ("upload.processed", EventType::UploadProcessed),
        ("amendment.received", EventType::AmendmentReceived),
        ("amendment.processed", EventType::AmendmentProcessed),
        ("key.rotated", EventType::Other("key.rotated".into())),
    ] {
        let event = verifier().verify_at(&signed(text), BODY, NOW).unwrap();
        assert_eq!(event.event_type, ty);
        assert_eq!(event.event_type.to_string(), text);
    }
}

#[test]
fn uppercase_hex_is_accepted() {
    let sig = format!("sha256={}", known_hmac().to_uppercase());
    assert!(
        verifier()
            .verify_at(&headers("download.ready", &sig), BODY, NOW)
            .is_ok()
    );
}

#[test]
fn a_wrong_secret_a_changed_body_or_a_changed_timestamp_fail() {
    let other = WebhookVerifier::new("another-secret");
    assert!(matches!(
        other.verify_at(&signed("download.ready"), BODY, NOW),
        Err(WebhookError::BadSignature)
    ));
    assert!(matches!(
        verifier().verify_at(
            &signed("download.ready"),
            br#"{"message": "download readY"}"#,
            NOW
        ),
        Err(WebhookError::BadSignature)
    ));
    let mut h = signed("download.ready");
    h.insert(
        "X-Webhook-Timestamp",
        "2026-07-02T18:31:00.0000000Z".parse().unwrap(),
    );
    assert!(matches!(
        verifier().verify_at(&h, BODY, NOW),
        Err(WebhookError::BadSignature)
    ));
}

#[test]
fn malformed_signatures_fail() {
    let hex = known_hmac();
    for sig in [
        hex.clone(),
        format!("sha1={hex}"),
        format!("sha256={}", &hex[..62]),
        format!("sha256={}zz", &hex[..62]),
        "sha256=".to_owned(),
    ] {
        assert!(
            matches!(
                verifier().verify_at(&headers("download.ready", &sig), BODY, NOW),
                Err(WebhookError::BadSignature)
            ),
            "{sig}"
        );
    }
}

#[test]
fn old_and_far_future_deliveries_are_refused() {
    let h = signed("download.ready");
    match verifier().verify_at(&h, BODY, datetime!(2026-07-02 18:35:01 UTC)) {
        Err(WebhookError::TooOld { age, max_age }) => {
            assert_eq!(age, Duration::from_secs(301));
            assert_eq!(max_age, Duration::from_secs(300));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        verifier()
            .verify_at(&h, BODY, datetime!(2026-07-02 18:35 UTC))
            .is_ok()
    );
    assert!(matches!(
        verifier().verify_at(&h, BODY, datetime!(2026-07-02 18:20 UTC)),
        Err(WebhookError::FromTheFuture { .. })
    ));
    let strict = verifier().with_max_age(Duration::from_secs(60));
    assert!(matches!(
        strict.verify_at(&h, BODY, NOW),
        Err(WebhookError::TooOld { .. })
    ));
}

#[test]
fn missing_headers_are_named() {
    for name in [
        "X-Webhook-Timestamp",
        "X-Webhook-Signature",
        "X-Webhook-Event-Id",
        "X-Webhook-Event-Type",
        "X-Webhook-Delivery-Id",
        "X-Webhook-Version",
    ] {
        let mut h = signed("download.ready");
        h.remove(name);
        match verifier().verify_at(&h, BODY, NOW) {
            Err(WebhookError::MissingHeader(missing)) => assert_eq!(missing, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn a_signed_body_that_is_not_json_is_refused() {
    let body = b"download ready";
    let h = headers("download.ready", &verifier().sign(TIMESTAMP, body).unwrap());
    assert!(matches!(
        verifier().verify_at(&h, body, NOW),
        Err(WebhookError::InvalidBody(_))
    ));
}

#[test]
fn debug_hides_the_secret() {
    let text = format!("{:?}", verifier());
    assert!(!text.contains(SECRET) && text.contains("***"), "{text}");
}
