//! The identifiers of a consumer a provider can delete by: email, MAID, partner user id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of a consumer identifier.
///
/// Providers differ in what they take ([`DeletionProvider::accepts`](crate::DeletionProvider::accepts)):
/// MaestroQA deletes by email only; ID5 by email, MAID and partner user id.
///
/// Serialized and parsed in kebab-case: `email`, `maid`, `partner-user-id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum IdentifierKind {
    /// An email address, as the broker holds it.
    Email,
    /// A mobile advertising id (GAID or IDFA).
    Maid,
    /// The broker's own user id for the consumer, as it shares it with a provider (ID5's
    /// `partnerUid`, the id sent under key `5` of its `pd` string).
    PartnerUserId,
}

impl IdentifierKind {
    /// Every kind, in declaration order (the order [`DeletionRequest::identifiers`] lists them).
    ///
    /// [`DeletionRequest::identifiers`]: crate::DeletionRequest::identifiers
    pub const ALL: [IdentifierKind; 3] = [
        IdentifierKind::Email,
        IdentifierKind::Maid,
        IdentifierKind::PartnerUserId,
    ];

    /// Kebab-case name: `email`, `maid`, `partner-user-id`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Email => "email",
            IdentifierKind::Maid => "maid",
            IdentifierKind::PartnerUserId => "partner-user-id",
        }
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier kind that is not `email`, `maid` or `partner-user-id`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown identifier kind {value:?}: expected email, maid or partner-user-id")]
#[non_exhaustive]
pub struct UnknownIdentifierKind {
    /// The value that was given.
    pub value: String,
}

impl FromStr for IdentifierKind {
    type Err = UnknownIdentifierKind;

    /// Parses the kebab-case name, ignoring case and surrounding whitespace; `_` is taken for
    /// `-` (`partner_user_id`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('_', "-");
        IdentifierKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| UnknownIdentifierKind {
                value: s.to_owned(),
            })
    }
}

/// One identifier of a consumer: its kind and its value, as the broker holds it.
///
/// Displayed as `{kind} {value}` (`maid 580d2b4c-29a5-7a7b-85dc-44132c023ac8`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Identifier {
    /// What the value is.
    pub kind: IdentifierKind,
    /// The value.
    pub value: String,
}

impl Identifier {
    /// An identifier of `kind`.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
        }
    }

    /// An email address.
    pub fn email(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::Email, value)
    }

    /// A mobile advertising id.
    pub fn maid(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::Maid, value)
    }

    /// A partner user id.
    pub fn partner_user_id(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::PartnerUserId, value)
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_serialize_in_kebab_case() {
        for kind in IdentifierKind::ALL {
            assert_eq!(kind.as_str().parse::<IdentifierKind>().unwrap(), kind);
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert_eq!(
            " Partner_User_Id ".parse::<IdentifierKind>().unwrap(),
            IdentifierKind::PartnerUserId
        );
        let err = "phone".parse::<IdentifierKind>().unwrap_err();
        assert_eq!(err.value, "phone");
    }

    #[test]
    fn identifier_displays_kind_and_value_and_round_trips() {
        let id = Identifier::maid("580d2b4c-29a5-7a7b-85dc-44132c023ac8");
        assert_eq!(id.to_string(), "maid 580d2b4c-29a5-7a7b-85dc-44132c023ac8");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"maid","value":"580d2b4c-29a5-7a7b-85dc-44132c023ac8"}"#
        );
        assert_eq!(serde_json::from_str::<Identifier>(&json).unwrap(), id);
    }
}
