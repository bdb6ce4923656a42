//! What the cycle asks of every provider: delete one consumer's data.

use std::fmt;
use std::str::FromStr;

use crate::identifier::{Identifier, IdentifierKind};

/// The privacy law a deletion request is made under.
///
/// DROP requests are made under California law, so [`Jurisdiction::Ccpa`] is the default.
/// Providers that do not ask for a jurisdiction (MaestroQA) ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Jurisdiction {
    /// California Consumer Privacy Act (the law behind DROP).
    #[default]
    Ccpa,
    /// EU General Data Protection Regulation.
    Gdpr,
}

impl Jurisdiction {
    /// Every jurisdiction, in declaration order.
    pub const ALL: [Jurisdiction; 2] = [Jurisdiction::Ccpa, Jurisdiction::Gdpr];

    /// The upper-case spelling providers use: `CCPA`, `GDPR`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Ccpa => "CCPA",
            Jurisdiction::Gdpr => "GDPR",
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A jurisdiction that is not `CCPA` or `GDPR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown jurisdiction {value:?}: expected CCPA or GDPR")]
#[non_exhaustive]
pub struct UnknownJurisdiction {
    /// The value that was given.
    pub value: String,
}

impl FromStr for Jurisdiction {
    type Err = UnknownJurisdiction;

    /// Parses `CCPA` or `GDPR`, case-insensitively (as ID5 accepts them), ignoring surrounding
    /// whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        Jurisdiction::ALL
            .into_iter()
            .find(|j| j.as_str().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| UnknownJurisdiction {
                value: s.to_owned(),
            })
    }
}

/// One consumer's deletion, as handed to every configured provider: every identifier the
/// broker holds for the consumer (emails, MAIDs, partner user ids), an audit label and the law.
///
/// Each provider turns it into its own calls and takes only the identifiers its API has a
/// field for ([`DeletionProvider::accepts`](crate::DeletionProvider::accepts)): MaestroQA sends
/// the emails five at a time and ignores the rest; ID5 sends one request per identifier.
///
/// ```
/// use dropkit_provider::{DeletionRequest, Identifier};
///
/// let request = DeletionRequest::new(["anna@example.com"])
///     .with_maids(["580d2b4c-29a5-7a7b-85dc-44132c023ac8", "  "]) // blanks are left out
///     .with_partner_user_id("u-1234")
///     .with_audit_label("DROP 20261120 A7kP2xQ9Lm4R");
/// assert_eq!(
///     request.identifiers(),
///     [
///         Identifier::email("anna@example.com"),
///         Identifier::maid("580d2b4c-29a5-7a7b-85dc-44132c023ac8"),
///         Identifier::partner_user_id("u-1234"),
///     ]
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletionRequest {
    /// The consumer's email addresses, as the broker holds them.
    pub emails: Vec<String>,
    /// The consumer's mobile advertising ids (GAID or IDFA), as the broker holds them.
    pub maids: Vec<String>,
    /// The broker's own user ids for the consumer, as shared with providers (ID5's
    /// `partnerUid`).
    pub partner_user_ids: Vec<String>,
    /// A label for the provider's audit log (a request id or alias), where the provider keeps one
    /// (see [`audit_label`](crate::audit_label)).
    pub audit_label: Option<String>,
    /// The law the request is made under.
    pub jurisdiction: Jurisdiction,
}

impl DeletionRequest {
    /// A CCPA request for these emails, without other identifiers or an audit label.
    pub fn new<I, S>(emails: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DeletionRequest {
            emails: emails.into_iter().map(Into::into).collect(),
            maids: Vec::new(),
            partner_user_ids: Vec::new(),
            audit_label: None,
            jurisdiction: Jurisdiction::default(),
        }
    }

    /// A CCPA request for these identifiers, of any kinds, without an audit label: what is
    /// left to send of a consumer, say. Values are kept as given (blank ones too, unlike
    /// [`with_maids`](Self::with_maids)), each in the list of its kind, in order.
    pub fn for_identifiers<I>(identifiers: I) -> Self
    where
        I: IntoIterator<Item = Identifier>,
    {
        let mut request = DeletionRequest::new(Vec::<String>::new());
        for identifier in identifiers {
            request.values_mut(identifier.kind).push(identifier.value);
        }
        request
    }

    /// Adds mobile advertising ids. Blank values (empty or whitespace) are left out: an empty
    /// cell of the broker's records identifies nobody.
    #[must_use]
    pub fn with_maids<I, S>(mut self, maids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.maids.extend(non_blank(maids));
        self
    }

    /// Adds partner user ids; blank values are left out (see [`with_maids`](Self::with_maids)).
    #[must_use]
    pub fn with_partner_user_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.partner_user_ids.extend(non_blank(ids));
        self
    }

    /// Adds one partner user id, unless it is blank.
    #[must_use]
    pub fn with_partner_user_id(self, id: impl Into<String>) -> Self {
        self.with_partner_user_ids([id])
    }

    /// Sets the audit label.
    #[must_use]
    pub fn with_audit_label(mut self, label: impl Into<String>) -> Self {
        self.audit_label = Some(label.into());
        self
    }

    /// Sets the jurisdiction.
    #[must_use]
    pub fn with_jurisdiction(mut self, jurisdiction: Jurisdiction) -> Self {
        self.jurisdiction = jurisdiction;
        self
    }

    /// The values of one kind of identifier.
    pub fn values(&self, kind: IdentifierKind) -> &[String] {
        match kind {
            IdentifierKind::Email => &self.emails,
            IdentifierKind::Maid => &self.maids,
            IdentifierKind::PartnerUserId => &self.partner_user_ids,
        }
    }

    fn values_mut(&mut self, kind: IdentifierKind) -> &mut Vec<String> {
        match kind {
            IdentifierKind::Email => &mut self.emails,
            IdentifierKind::Maid => &mut self.maids,
            IdentifierKind::PartnerUserId => &mut self.partner_user_ids,
        }
    }

    /// Every identifier of the request: emails, then MAIDs, then partner user ids, each in
    /// the order given.
    pub fn identifiers(&self) -> Vec<Identifier> {
        IdentifierKind::ALL
            .into_iter()
            .flat_map(|kind| {
                self.values(kind)
                    .iter()
                    .map(move |value| Identifier::new(kind, value.clone()))
            })
            .collect()
    }

    /// The same request (label and jurisdiction kept) with only the identifiers `keep`
    /// accepts: those a provider [`accepts`](crate::DeletionProvider::accepts) and has not
    /// acknowledged yet, say.
    #[must_use]
    pub fn only(&self, keep: impl Fn(&Identifier) -> bool) -> Self {
        let mut request =
            DeletionRequest::for_identifiers(self.identifiers().into_iter().filter(|i| keep(i)));
        request.audit_label.clone_from(&self.audit_label);
        request.jurisdiction = self.jurisdiction;
        request
    }

    /// Whether the request holds no identifier at all.
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty() && self.maids.is_empty() && self.partner_user_ids.is_empty()
    }
}

fn non_blank<I, S>(values: I) -> impl Iterator<Item = String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    values
        .into_iter()
        .map(Into::into)
        .filter(|v: &String| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jurisdiction_parses_case_insensitively() {
        assert_eq!("ccpa".parse::<Jurisdiction>().unwrap(), Jurisdiction::Ccpa);
        assert_eq!(
            " GdPr ".parse::<Jurisdiction>().unwrap(),
            Jurisdiction::Gdpr
        );
        let err = "LGPD".parse::<Jurisdiction>().unwrap_err();
        assert_eq!(err.value, "LGPD");
        assert!(err.to_string().contains("CCPA or GDPR"));
    }

    #[test]
    fn request_defaults_to_ccpa_without_label() {
        let request = DeletionRequest::new(["a@example.com"]);
        assert_eq!(request.emails, ["a@example.com"]);
        assert_eq!(request.jurisdiction, Jurisdiction::Ccpa);
        assert_eq!(request.audit_label, None);
        let request = request
            .with_audit_label("case 7")
            .with_jurisdiction(Jurisdiction::Gdpr);
        assert_eq!(request.audit_label.as_deref(), Some("case 7"));
        assert_eq!(request.jurisdiction.to_string(), "GDPR");
    }

    #[test]
    fn identifiers_of_every_kind_in_order_and_filtered() {
        let request = DeletionRequest::new(["a@example.com", "b@example.com"])
            .with_maids(["m-1", ""])
            .with_partner_user_ids(["u-1", " "])
            .with_audit_label("label")
            .with_jurisdiction(Jurisdiction::Gdpr);
        assert_eq!(request.maids, ["m-1"]);
        assert_eq!(request.partner_user_ids, ["u-1"]);
        assert_eq!(
            request.identifiers(),
            [
                Identifier::email("a@example.com"),
                Identifier::email("b@example.com"),
                Identifier::maid("m-1"),
                Identifier::partner_user_id("u-1"),
            ]
        );
        assert_eq!(request.values(IdentifierKind::Maid), ["m-1"]);

        let rest = request.only(|i| i.kind != IdentifierKind::Email);
        assert_eq!(rest.emails, Vec::<String>::new());
        assert_eq!(rest.maids, ["m-1"]);
        assert_eq!(rest.audit_label.as_deref(), Some("label"));
        assert_eq!(rest.jurisdiction, Jurisdiction::Gdpr);
        assert!(request.only(|_| false).is_empty());
        assert!(!rest.is_empty());

        let rebuilt = DeletionRequest::for_identifiers(request.identifiers());
        assert_eq!(rebuilt.identifiers(), request.identifiers());
        assert_eq!(rebuilt.audit_label, None);
    }
}
