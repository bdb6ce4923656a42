//! What the cycle asks of every provider: delete one consumer's data.

use std::fmt;
use std::str::FromStr;

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

/// One consumer's deletion, as handed to every configured provider.
///
/// Each provider turns it into its own calls: MaestroQA sends the emails five at a time, ID5
/// sends one request per email.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletionRequest {
    /// The consumer's email addresses, as the broker holds them.
    pub emails: Vec<String>,
    /// A label for the provider's audit log (a request id or alias), where the provider keeps one.
    pub audit_label: Option<String>,
    /// The law the request is made under.
    pub jurisdiction: Jurisdiction,
}

impl DeletionRequest {
    /// A CCPA request for these emails, without an audit label.
    pub fn new<I, S>(emails: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DeletionRequest {
            emails: emails.into_iter().map(Into::into).collect(),
            audit_label: None,
            jurisdiction: Jurisdiction::default(),
        }
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
}
