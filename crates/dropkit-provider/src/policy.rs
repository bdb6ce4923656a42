//! What to do with an opted-out consumer (DROP status 4) at a provider that can only delete.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a provider is told about a consumer the broker opted out of sale or sharing (DROP
/// status 4, "Opted out") rather than deleted.
///
/// DROP's integration workflow says: "You must direct all service providers or contractors to
/// process deletions and opt outs based on the match outcomes above." Neither MaestroQA nor
/// ID5 offers an opt-out call: both APIs delete only. So an opted-out consumer is either sent
/// to them as a deletion (which does more than an opt-out: data that is gone is neither sold
/// nor shared) or not sent at all, chosen per provider.
///
/// The default is [`SendAsDeletion`](Self::SendAsDeletion), the reading that keeps the duty
/// above. [`Skip`](Self::Skip) leaves opted-out consumers at that provider untouched, for a
/// broker that has decided, on its own legal reading, that the provider need not act on an
/// opt-out (deleting there would lose data the broker still uses); deleted consumers (status
/// 3) are sent to every provider whatever this says.
///
/// Written in kebab-case in configuration files and on the command line:
///
/// ```
/// use dropkit_provider::OptOutPolicy;
///
/// assert_eq!("send-as-deletion".parse::<OptOutPolicy>().unwrap(), OptOutPolicy::SendAsDeletion);
/// assert_eq!("skip".parse::<OptOutPolicy>().unwrap(), OptOutPolicy::Skip);
/// assert_eq!(OptOutPolicy::default(), OptOutPolicy::SendAsDeletion);
/// assert!(OptOutPolicy::SendAsDeletion.sends());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OptOutPolicy {
    /// Send the opted-out consumer as a deletion request, like a deleted one (the default).
    #[default]
    SendAsDeletion,
    /// Do not send opted-out consumers to this provider.
    Skip,
}

impl OptOutPolicy {
    /// Every policy, in declaration order.
    pub const ALL: [OptOutPolicy; 2] = [OptOutPolicy::SendAsDeletion, OptOutPolicy::Skip];

    /// Kebab-case name: `send-as-deletion`, `skip`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OptOutPolicy::SendAsDeletion => "send-as-deletion",
            OptOutPolicy::Skip => "skip",
        }
    }

    /// Whether opted-out consumers are sent to the provider (as deletions).
    pub const fn sends(self) -> bool {
        matches!(self, OptOutPolicy::SendAsDeletion)
    }
}

impl fmt::Display for OptOutPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An opt-out policy that is not `send-as-deletion` or `skip`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown opt-out policy {value:?}: expected send-as-deletion or skip")]
#[non_exhaustive]
pub struct UnknownOptOutPolicy {
    /// The value that was given.
    pub value: String,
}

impl FromStr for OptOutPolicy {
    type Err = UnknownOptOutPolicy;

    /// Parses the kebab-case name, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        OptOutPolicy::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| UnknownOptOutPolicy {
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_serializes_in_kebab_case() {
        for policy in OptOutPolicy::ALL {
            assert_eq!(policy.as_str().parse::<OptOutPolicy>().unwrap(), policy);
            let json = serde_json::to_string(&policy).unwrap();
            assert_eq!(json, format!("\"{policy}\""));
            assert_eq!(serde_json::from_str::<OptOutPolicy>(&json).unwrap(), policy);
        }
        assert_eq!(
            " SKIP ".parse::<OptOutPolicy>().unwrap(),
            OptOutPolicy::Skip
        );
        let err = "opt-out".parse::<OptOutPolicy>().unwrap_err();
        assert_eq!(err.value, "opt-out");
        assert!(err.to_string().contains("send-as-deletion or skip"));
        assert!(serde_json::from_str::<OptOutPolicy>("\"delete\"").is_err());
        assert!(!OptOutPolicy::Skip.sends());
    }
}
