//! The deletion request: identifiers of one consumer, checked before anything is sent.

use dropkit_provider::Jurisdiction;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// A consumer's email, in one of the two forms ID5 accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Email {
    /// The address in plain text.
    Plain(String),
    /// The lowercase hex SHA-256 of the address.
    Sha256(String),
}

impl Email {
    /// The address in plain text (trimmed), as the API allows. This is what the client sends
    /// by default.
    pub fn plain(address: &str) -> Self {
        Email::Plain(address.trim().to_owned())
    }

    /// The SHA-256 of the address, computed here.
    ///
    /// ID5's hashing guideline is linked from its API page but not part of this project's copy
    /// of it; until it is known, the hash is taken, as an assumption, of the address trimmed of
    /// surrounding whitespace and lowercased, and written as 64 lowercase hex digits. Prefer
    /// [`Email::plain`] when sending the address is acceptable.
    pub fn hashed(address: &str) -> Self {
        let normalized = address.trim().to_lowercase();
        Email::Sha256(hex::encode(Sha256::digest(normalized.as_bytes())))
    }

    /// A SHA-256 computed elsewhere, as 64 hex digits (sent lowercase).
    pub fn sha256_hex(digest: &str) -> Self {
        Email::Sha256(digest.trim().to_ascii_lowercase())
    }

    /// The value sent in the `email` field.
    pub fn as_str(&self) -> &str {
        match self {
            Email::Plain(value) | Email::Sha256(value) => value,
        }
    }
}

/// Which form of the email the client sends when it builds requests itself (through
/// [`DeletionProvider`](dropkit_provider::DeletionProvider)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EmailForm {
    /// Plain text (the default, allowed by the API).
    #[default]
    Plain,
    /// SHA-256, see [`Email::hashed`].
    Sha256,
}

impl EmailForm {
    /// The email in this form.
    pub fn email(self, address: &str) -> Email {
        match self {
            EmailForm::Plain => Email::plain(address),
            EmailForm::Sha256 => Email::hashed(address),
        }
    }
}

/// A request the builder refused; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// None of `email`, `id5id`, `maid`, `partnerUid` was given.
    #[error("an ID5 deletion request needs one of email, id5id, maid or partnerUid")]
    NoIdentifier,
    /// The email is empty or not an address.
    #[error("email {value:?} is not an email address")]
    InvalidEmail {
        /// The value given.
        value: String,
    },
    /// The email hash is not 64 hex digits.
    #[error("email hash {value:?} is not a SHA-256 in hex (64 hex digits)")]
    InvalidEmailHash {
        /// The value given.
        value: String,
    },
    /// The ID5 ID does not start with `ID5*` (encrypted) or `ID5-` (decrypted).
    #[error("id5id {value:?} is neither encrypted (ID5*...) nor decrypted (ID5-...)")]
    InvalidId5Id {
        /// The value given.
        value: String,
    },
    /// The MAID is not a GAID/IDFA in UUID text form.
    #[error(
        "maid {value:?} is not a GAID or IDFA in UUID text form (like 580d2b4c-29a5-7a7b-85dc-44132c023ac8)"
    )]
    InvalidMaid {
        /// The value given.
        value: String,
    },
    /// The partner user id is empty.
    #[error("partnerUid is empty")]
    EmptyPartnerUid,
    /// The reply-to address is not an email address.
    #[error("replyToEmail {value:?} is not an email address")]
    InvalidReplyToEmail {
        /// The value given.
        value: String,
    },
}

/// One consumer's deletion for ID5, checked: at least one identifier, each well formed.
///
/// Serializes to the API's JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletionRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id5id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maid: Option<String>,
    #[serde(rename = "partnerUid", skip_serializing_if = "Option::is_none")]
    partner_uid: Option<String>,
    #[serde(serialize_with = "jurisdiction")]
    jurisdiction: Jurisdiction,
    #[serde(rename = "replyToEmail", skip_serializing_if = "Option::is_none")]
    reply_to_email: Option<String>,
}

fn jurisdiction<S: serde::Serializer>(j: &Jurisdiction, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(j.as_str())
}

impl DeletionRequest {
    /// A builder for a request under `jurisdiction`.
    pub fn builder(jurisdiction: Jurisdiction) -> DeletionRequestBuilder {
        DeletionRequestBuilder {
            email: None,
            id5id: None,
            maid: None,
            partner_uid: None,
            jurisdiction,
            reply_to_email: None,
        }
    }

    /// The `email` value sent, if any.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The `id5id` sent, if any.
    pub fn id5id(&self) -> Option<&str> {
        self.id5id.as_deref()
    }

    /// The `maid` sent, if any.
    pub fn maid(&self) -> Option<&str> {
        self.maid.as_deref()
    }

    /// The `partnerUid` sent, if any.
    pub fn partner_uid(&self) -> Option<&str> {
        self.partner_uid.as_deref()
    }

    /// The jurisdiction.
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction
    }

    /// The `replyToEmail`, if any.
    pub fn reply_to_email(&self) -> Option<&str> {
        self.reply_to_email.as_deref()
    }
}

/// Builds a [`DeletionRequest`]; [`build`](Self::build) checks it.
#[derive(Debug, Clone)]
pub struct DeletionRequestBuilder {
    email: Option<Email>,
    id5id: Option<String>,
    maid: Option<String>,
    partner_uid: Option<String>,
    jurisdiction: Jurisdiction,
    reply_to_email: Option<String>,
}

impl DeletionRequestBuilder {
    /// The consumer's email, plain or hashed.
    #[must_use]
    pub fn email(mut self, email: Email) -> Self {
        self.email = Some(email);
        self
    }

    /// The consumer's ID5 ID (`ID5*...` encrypted or `ID5-...` decrypted).
    #[must_use]
    pub fn id5id(mut self, id5id: impl Into<String>) -> Self {
        self.id5id = Some(id5id.into());
        self
    }

    /// The consumer's mobile advertising id (GAID or IDFA), in UUID text form.
    #[must_use]
    pub fn maid(mut self, maid: impl Into<String>) -> Self {
        self.maid = Some(maid.into());
        self
    }

    /// The partner's own user id (the one sent under key `5` of the `pd` string).
    #[must_use]
    pub fn partner_uid(mut self, uid: impl Into<String>) -> Self {
        self.partner_uid = Some(uid.into());
        self
    }

    /// An address ID5 writes to when the request is processed.
    #[must_use]
    pub fn reply_to_email(mut self, address: impl Into<String>) -> Self {
        self.reply_to_email = Some(address.into());
        self
    }

    /// Checks the request: at least one identifier, each well formed. Values are trimmed of
    /// surrounding whitespace; a MAID is sent as given (its case kept).
    ///
    /// # Errors
    /// The first problem found, as a [`RequestError`].
    pub fn build(self) -> Result<DeletionRequest, RequestError> {
        let email = self.email.map(check_email).transpose()?;
        let id5id = self.id5id.map(check_id5id).transpose()?;
        let maid = self.maid.map(check_maid).transpose()?;
        let partner_uid = self
            .partner_uid
            .map(|uid| {
                let uid = uid.trim();
                if uid.is_empty() {
                    Err(RequestError::EmptyPartnerUid)
                } else {
                    Ok(uid.to_owned())
                }
            })
            .transpose()?;
        let reply_to_email = self
            .reply_to_email
            .map(|address| {
                let trimmed = address.trim();
                if is_address(trimmed) {
                    Ok(trimmed.to_owned())
                } else {
                    Err(RequestError::InvalidReplyToEmail { value: address })
                }
            })
            .transpose()?;
        if email.is_none() && id5id.is_none() && maid.is_none() && partner_uid.is_none() {
            return Err(RequestError::NoIdentifier);
        }
        Ok(DeletionRequest {
            email,
            id5id,
            maid,
            partner_uid,
            jurisdiction: self.jurisdiction,
            reply_to_email,
        })
    }
}

/// Loose on purpose: a non-empty local part, an `@`, a non-empty domain, no whitespace.
fn is_address(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn check_email(email: Email) -> Result<String, RequestError> {
    match email {
        Email::Plain(value) => {
            if is_address(value.trim()) {
                Ok(value.trim().to_owned())
            } else {
                Err(RequestError::InvalidEmail { value })
            }
        }
        Email::Sha256(value) => {
            if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(value.to_ascii_lowercase())
            } else {
                Err(RequestError::InvalidEmailHash { value })
            }
        }
    }
}

fn check_id5id(value: String) -> Result<String, RequestError> {
    let trimmed = value.trim();
    let well_formed = (trimmed.starts_with("ID5*") || trimmed.starts_with("ID5-"))
        && trimmed.len() > 4
        && !trimmed.chars().any(char::is_whitespace);
    if well_formed {
        Ok(trimmed.to_owned())
    } else {
        Err(RequestError::InvalidId5Id { value })
    }
}

fn check_maid(value: String) -> Result<String, RequestError> {
    let trimmed = value.trim();
    // 36 characters is the hyphenated form only (simple is 32, braced 38, URN 45)
    if trimmed.len() == 36 && uuid::Uuid::try_parse(trimmed).is_ok() {
        Ok(trimmed.to_owned())
    } else {
        Err(RequestError::InvalidMaid { value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAID: &str = "580d2b4c-29a5-7a7b-85dc-44132c023ac8";

    #[test]
    fn seed_example_body() {
        let request = DeletionRequest::builder(Jurisdiction::Gdpr)
            .email(Email::sha256_hex(
                "cd372fb85148700fa88095e3492d3f9f5beb43e555e5ff26d95f5a6adc36f8e6",
            ))
            .id5id("ID5*j0EDhnOeLA7GJ9KXt05cszkCOLRHRyqVRKNx4Wo9iEtZYPIcnd32YHQ9MjAOLR0UWWEhBhCvzGoO5pggW2pX3w")
            .maid(MAID)
            .partner_uid("a-123456789")
            .reply_to_email("joe.consumer@gmail.com")
            .build()
            .unwrap();
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "email": "cd372fb85148700fa88095e3492d3f9f5beb43e555e5ff26d95f5a6adc36f8e6",
                "id5id": "ID5*j0EDhnOeLA7GJ9KXt05cszkCOLRHRyqVRKNx4Wo9iEtZYPIcnd32YHQ9MjAOLR0UWWEhBhCvzGoO5pggW2pX3w",
                "maid": MAID,
                "partnerUid": "a-123456789",
                "jurisdiction": "GDPR",
                "replyToEmail": "joe.consumer@gmail.com"
            })
        );
    }

    #[test]
    fn only_given_fields_are_sent() {
        let request = DeletionRequest::builder(Jurisdiction::Ccpa)
            .email(Email::plain(" Anna@Example.com "))
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"email":"Anna@Example.com","jurisdiction":"CCPA"}"#
        );
    }

    #[test]
    fn refuses_a_request_without_identifier() {
        let err = DeletionRequest::builder(Jurisdiction::Ccpa)
            .reply_to_email("me@example.com")
            .build()
            .unwrap_err();
        assert_eq!(err, RequestError::NoIdentifier);
    }

    #[test]
    fn refuses_malformed_identifiers() {
        let b = || DeletionRequest::builder(Jurisdiction::Ccpa);
        for maid in [
            "580d2b4c29a57a7b85dc44132c023ac8",
            "{580d2b4c-29a5-7a7b-85dc-44132c023ac8}",
            "580d2b4c-29a5-7a7b-85dc-44132c023ac",
            "g80d2b4c-29a5-7a7b-85dc-44132c023ac8",
            "",
        ] {
            assert_eq!(
                b().maid(maid).build().unwrap_err(),
                RequestError::InvalidMaid { value: maid.into() },
                "{maid}"
            );
        }
        assert!(b().maid(MAID.to_uppercase()).build().is_ok());
        assert!(matches!(
            b().id5id("XYZ-123").build(),
            Err(RequestError::InvalidId5Id { .. })
        ));
        assert!(b().id5id("ID5-abc").build().is_ok());
        assert!(matches!(
            b().email(Email::plain("no-at-sign")).build(),
            Err(RequestError::InvalidEmail { .. })
        ));
        assert!(matches!(
            b().email(Email::sha256_hex("abc")).build(),
            Err(RequestError::InvalidEmailHash { .. })
        ));
        assert_eq!(
            b().partner_uid("  ").build().unwrap_err(),
            RequestError::EmptyPartnerUid
        );
        assert!(matches!(
            b().partner_uid("u1").reply_to_email("nobody").build(),
            Err(RequestError::InvalidReplyToEmail { .. })
        ));
    }

    #[test]
    fn hashed_email_is_sha256_of_trimmed_lowercase() {
        // printf 'anna@example.com' | sha256sum
        let expected = "f7d54c22dda5b1780276601cd005909b70543fc4a6ba72d735b4cb9bbb611f01";
        assert_eq!(Email::hashed(" Anna@Example.COM ").as_str(), expected);
        assert_eq!(expected.len(), 64);
        assert_eq!(
            EmailForm::Sha256.email("anna@example.com").as_str(),
            expected
        );
        assert_eq!(EmailForm::Plain.email(" a@b.c ").as_str(), "a@b.c");
    }
}
