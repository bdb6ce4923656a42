//! DROP's webhooks: checking a delivery's signature and age, and reading its event.
//!
//! DROP signs `<X-Webhook-Timestamp>.<raw body>` with HMAC-SHA256 under the signing secret
//! shown in the portal and sends `X-Webhook-Signature: sha256=<hex>`. The spec leaves open
//! whether the hex is lowercase (both cases are accepted) and how the secret is encoded (its
//! UTF-8 bytes are used, as for most webhook senders).
//!
//! ```
//! use dropkit_client::webhooks::{EventType, WebhookVerifier};
//! use http::HeaderMap;
//!
//! let verifier = WebhookVerifier::new("whsec-from-the-portal");
//! let timestamp = "2026-07-02T18:30:00.0000000Z";
//! let body = br#"{"message": "download ready"}"#;
//! let mut headers = HeaderMap::new();
//! headers.insert("X-Webhook-Event-Id", "00000000-0000-0000-0000-000000000000".parse()?);
//! headers.insert("X-Webhook-Event-Type", "download.ready".parse()?);
//! headers.insert("X-Webhook-Delivery-Id", "11111111-1111-1111-1111-111111111111".parse()?);
//! headers.insert("X-Webhook-Timestamp", timestamp.parse()?);
//! headers.insert("X-Webhook-Version", "1.0".parse()?);
//! headers.insert("X-Webhook-Signature", verifier.sign(timestamp, body)?.parse()?);
//!
//! let now = time::macros::datetime!(2026-07-02 18:31 UTC);
//! let event = verifier.verify_at(&headers, body, now)?;
//! assert_eq!(event.event_type, EventType::DownloadReady);
//! assert_eq!(event.message, "download ready");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit as _, Mac as _};
use http::HeaderMap;
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `X-Webhook-Event-Id`: the logical event (deduplicate on it).
pub const EVENT_ID_HEADER: &str = "X-Webhook-Event-Id";
/// `X-Webhook-Event-Type`.
pub const EVENT_TYPE_HEADER: &str = "X-Webhook-Event-Type";
/// `X-Webhook-Delivery-Id`: one delivery attempt.
pub const DELIVERY_ID_HEADER: &str = "X-Webhook-Delivery-Id";
/// `X-Webhook-Timestamp`, for example `2026-07-02T18:30:00.0000000Z`.
pub const TIMESTAMP_HEADER: &str = "X-Webhook-Timestamp";
/// `X-Webhook-Version`, for example `1.0`.
pub const VERSION_HEADER: &str = "X-Webhook-Version";
/// `X-Webhook-Signature`: `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Webhook-Signature";

/// Why a webhook delivery was refused. Answer it with a 4xx; DROP may retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent or not text.
    #[error("webhook header {0} is missing or not text")]
    MissingHeader(&'static str),
    /// The timestamp is not an RFC 3339 UTC time.
    #[error("webhook timestamp {value:?} is not an RFC 3339 time")]
    InvalidTimestamp {
        /// The header value.
        value: String,
    },
    /// The delivery is older than the verifier's maximum age (a replay, or a long delay).
    #[error("webhook timestamp is {age:?} old, more than the {max_age:?} allowed")]
    TooOld {
        /// Its age.
        age: Duration,
        /// The limit.
        max_age: Duration,
    },
    /// The timestamp is further in the future than clock skew explains.
    #[error("webhook timestamp is {ahead:?} in the future")]
    FromTheFuture {
        /// How far ahead.
        ahead: Duration,
    },
    /// The signature header does not match the body and timestamp under the secret.
    #[error("webhook signature does not match")]
    BadSignature,
    /// The body is not a JSON object.
    #[error("webhook body is not a JSON object")]
    InvalidBody(#[source] serde_json::Error),
}

/// Checks DROP's webhook deliveries; `Debug` never shows the secret.
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: SecretString,
    max_age: Duration,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &"***")
            .field("max_age", &self.max_age)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for the signing secret from the portal; deliveries older than 5 minutes
    /// (DROP's example) are refused.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        WebhookVerifier {
            secret: secret.into(),
            max_age: Duration::from_secs(5 * 60),
        }
    }

    /// Sets the maximum age, which also bounds how far ahead a timestamp may be (skew).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Verifies a delivery against the current time and returns its event.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        self.verify_at(headers, body, OffsetDateTime::now_utc())
    }

    /// Verifies a delivery as of `now`: signature first, then age, then the body.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<WebhookEvent, WebhookError> {
        let timestamp_text = header(headers, TIMESTAMP_HEADER)?;
        let signature = header(headers, SIGNATURE_HEADER)?;
        let timestamp = self.verify_signature(timestamp_text, signature, body, now)?;
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            message: String,
        }
        let parsed: Body = serde_json::from_slice(body).map_err(WebhookError::InvalidBody)?;
        Ok(WebhookEvent {
            event_id: header(headers, EVENT_ID_HEADER)?.to_owned(),
            event_type: EventType::parse(header(headers, EVENT_TYPE_HEADER)?),
            delivery_id: header(headers, DELIVERY_ID_HEADER)?.to_owned(),
            timestamp,
            version: header(headers, VERSION_HEADER)?.to_owned(),
            message: parsed.message,
        })
    }

    /// Checks `signature` (`sha256=<hex>`, either case) over `timestamp.body` in constant
    /// time, then the timestamp's age as of `now`. Returns the parsed timestamp.
    pub fn verify_signature(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, WebhookError> {
        let hex_digest = signature
            .trim()
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("sha256="))
            .and_then(|_| signature.trim().get(7..))
            .ok_or(WebhookError::BadSignature)?;
        let tag = hex::decode(hex_digest).map_err(|_| WebhookError::BadSignature)?;
        self.mac(timestamp, body)?
            .verify_slice(&tag)
            .map_err(|_| WebhookError::BadSignature)?;
        let at = OffsetDateTime::parse(timestamp.trim(), &Rfc3339).map_err(|_| {
            WebhookError::InvalidTimestamp {
                value: timestamp.to_owned(),
            }
        })?;
        let age = now - at;
        if age.is_negative() {
            let ahead = age.unsigned_abs();
            if ahead > self.max_age {
                return Err(WebhookError::FromTheFuture { ahead });
            }
        } else if age.unsigned_abs() > self.max_age {
            return Err(WebhookError::TooOld {
                age: age.unsigned_abs(),
                max_age: self.max_age,
            });
        }
        Ok(at)
    }

    /// The `X-Webhook-Signature` value DROP would send: `sha256=` and lowercase hex. For
    /// emulators and tests.
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> Result<String, WebhookError> {
        let tag = self.mac(timestamp, body)?.finalize().into_bytes();
        Ok(format!("sha256={}", hex::encode(tag)))
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> Result<Hmac<Sha256>, WebhookError> {
        // HMAC takes keys of any length: the error cannot happen, but stays typed.
        let mut mac = <Hmac<Sha256>>::new_from_slice(self.secret.expose_secret().as_bytes())
            .map_err(|_| WebhookError::BadSignature)?;
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        Ok(mac)
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or(WebhookError::MissingHeader(name))
}

/// A verified webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// `X-Webhook-Event-Id`: the same for every delivery of one event; deduplicate on it.
    pub event_id: String,
    /// `X-Webhook-Event-Type`.
    pub event_type: EventType,
    /// `X-Webhook-Delivery-Id`: unique per delivery attempt.
    pub delivery_id: String,
    /// `X-Webhook-Timestamp`.
    pub timestamp: OffsetDateTime,
    /// `X-Webhook-Version`, for example `1.0`.
    pub version: String,
    /// The body's `message`, empty when absent.
    pub message: String,
}

/// The event types DROP documents; others are kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// `download.ready`: the download package is ready.
    DownloadReady,
    /// `upload.received`: an upload was received.
    UploadReceived,
    /// `upload.processed`: upload processing completed.
    UploadProcessed,
    /// `amendment.received`: an amendment was received.
    AmendmentReceived,
    /// `amendment.processed`: amendment processing completed.
    AmendmentProcessed,
    /// A type this version does not know, as sent.
    Other(String),
}

impl EventType {
    /// Reads a header value; unknown types become [`EventType::Other`].
    pub fn parse(value: &str) -> Self {
        match value {
            "download.ready" => EventType::DownloadReady,
            "upload.received" => EventType::UploadReceived,
            "upload.processed" => EventType::UploadProcessed,
            "amendment.received" => EventType::AmendmentReceived,
            "amendment.processed" => EventType::AmendmentProcessed,
            other => EventType::Other(other.to_owned()),
        }
    }

    /// DROP's spelling, for example `download.ready`.
    pub fn as_str(&self) -> &str {
        match self {
            EventType::DownloadReady => "download.ready",
            EventType::UploadReceived => "upload.received",
            EventType::UploadProcessed => "upload.processed",
            EventType::AmendmentReceived => "amendment.received",
            EventType::AmendmentProcessed => "amendment.processed",
            EventType::Other(other) => other,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
