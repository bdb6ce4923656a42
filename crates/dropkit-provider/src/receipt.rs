//! What a provider hands back: job ids, their status, and the identifiers that could not be
//! sent.

use std::fmt;

use crate::error::ProviderError;
use crate::identifier::{Identifier, IdentifierKind};

/// A provider's id for an asynchronous deletion job, as the provider spelled it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

impl JobId {
    /// Wraps a provider's job id.
    pub fn new(id: impl Into<String>) -> Self {
        JobId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for JobId {
    fn from(id: String) -> Self {
        JobId(id)
    }
}

impl From<&str> for JobId {
    fn from(id: &str) -> Self {
        JobId(id.to_owned())
    }
}

/// Where a deletion job stands, in terms common to every provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Accepted, not finished yet: ask again later.
    Pending,
    /// The provider says the deletion is done.
    Done,
    /// The provider says the job failed, was cancelled or is not known: a person must look.
    Failed,
    /// The provider answered with a value this version does not know (kept in
    /// [`StatusSummary::raw`]).
    Unknown,
}

impl JobState {
    /// Lower-case name: `pending`, `done`, `failed`, `unknown`.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Unknown => "unknown",
        }
    }

    /// Whether polling again can change the answer (only [`JobState::Pending`]).
    pub const fn is_pending(self) -> bool {
        matches!(self, JobState::Pending)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job's status: the common [`JobState`] and the provider's own value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusSummary {
    /// The common state.
    pub state: JobState,
    /// The provider's own status text (`completed`, `SENT/DELETE_DELETED`, ...), when it sent one.
    pub raw: Option<String>,
}

impl StatusSummary {
    /// A summary of a provider's status value.
    pub fn new(state: JobState, raw: impl Into<String>) -> Self {
        StatusSummary {
            state,
            raw: Some(raw.into()),
        }
    }

    /// A summary for a job the provider sent no status for (a fresh job id only).
    pub fn without_raw(state: JobState) -> Self {
        StatusSummary { state, raw: None }
    }
}

impl fmt::Display for StatusSummary {
    /// The provider's value when there is one, else the common state.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.raw {
            Some(raw) => f.write_str(raw),
            None => f.write_str(self.state.as_str()),
        }
    }
}

/// One job a provider accepted: which identifiers it covers and how it stood when accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// The provider's name (see [`DeletionProvider::name`](crate::DeletionProvider::name)).
    pub provider: String,
    /// The job to poll.
    pub job_id: JobId,
    /// The emails this job covers: the email values of
    /// [`identifiers`](Self::identifiers), kept for callers that deal in emails only.
    pub emails: Vec<String>,
    /// Every identifier this job covers, with its kind (one MAID for an ID5 job, up to five
    /// emails for a MaestroQA job).
    pub identifiers: Vec<Identifier>,
    /// The status at acceptance.
    pub status: StatusSummary,
}

impl Receipt {
    /// A receipt for a job covering these emails.
    pub fn new(
        provider: impl Into<String>,
        job_id: JobId,
        emails: Vec<String>,
        status: StatusSummary,
    ) -> Self {
        let identifiers = emails.iter().cloned().map(Identifier::email).collect();
        Receipt {
            provider: provider.into(),
            job_id,
            emails,
            identifiers,
            status,
        }
    }

    /// A receipt for a job covering these identifiers, of any kinds.
    pub fn for_identifiers(
        provider: impl Into<String>,
        job_id: JobId,
        identifiers: Vec<Identifier>,
        status: StatusSummary,
    ) -> Self {
        Receipt {
            provider: provider.into(),
            job_id,
            emails: emails_of(&identifiers),
            identifiers,
            status,
        }
    }
}

/// Identifiers whose deletion a provider did not accept, and why.
#[derive(Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The emails concerned: the email values of [`identifiers`](Self::identifiers).
    pub emails: Vec<String>,
    /// Every identifier concerned, with its kind.
    pub identifiers: Vec<Identifier>,
    /// Why.
    pub error: ProviderError,
}

impl Failure {
    /// A failure for these emails.
    pub fn new(emails: Vec<String>, error: ProviderError) -> Self {
        let identifiers = emails.iter().cloned().map(Identifier::email).collect();
        Failure {
            emails,
            identifiers,
            error,
        }
    }

    /// A failure for these identifiers, of any kinds.
    pub fn for_identifiers(identifiers: Vec<Identifier>, error: ProviderError) -> Self {
        Failure {
            emails: emails_of(&identifiers),
            identifiers,
            error,
        }
    }
}

fn emails_of(identifiers: &[Identifier]) -> Vec<String> {
    identifiers
        .iter()
        .filter(|i| i.kind == IdentifierKind::Email)
        .map(|i| i.value.clone())
        .collect()
}

/// Everything one provider did with one [`DeletionRequest`](crate::DeletionRequest): the jobs it
/// accepted and the identifiers it did not. A failure for some identifiers does not stop the
/// others. Identifiers of a kind the provider does not
/// [accept](crate::DeletionProvider::accepts) appear in neither.
#[derive(Debug)]
#[non_exhaustive]
pub struct DeletionOutcome {
    /// The provider's name.
    pub provider: String,
    /// Accepted jobs, in sending order.
    pub receipts: Vec<Receipt>,
    /// Identifiers not accepted, in sending order.
    pub failures: Vec<Failure>,
}

impl DeletionOutcome {
    /// An empty outcome for a provider.
    pub fn new(provider: impl Into<String>) -> Self {
        DeletionOutcome {
            provider: provider.into(),
            receipts: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// Whether every identifier sent was accepted.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// Every identifier an accepted job covers, in sending order.
    pub fn accepted(&self) -> impl Iterator<Item = &Identifier> {
        self.receipts.iter().flat_map(|r| r.identifiers.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn summary_displays_raw_value_else_state() {
        assert_eq!(
            StatusSummary::new(JobState::Done, "completed").to_string(),
            "completed"
        );
        assert_eq!(
            StatusSummary::without_raw(JobState::Pending).to_string(),
            "pending"
        );
    }

    #[test]
    fn outcome_is_complete_only_without_failures() {
        let mut outcome = DeletionOutcome::new("p");
        outcome.receipts.push(Receipt::new(
            "p",
            JobId::from("1"),
            vec!["a@x.com".into()],
            StatusSummary::without_raw(JobState::Pending),
        ));
        assert!(outcome.is_complete());
        outcome.failures.push(Failure::new(
            vec!["b@x.com".into()],
            ProviderError::not_sent("p", ErrorKind::Rejected, "bad"),
        ));
        assert!(!outcome.is_complete());
    }

    #[test]
    fn only_pending_is_pending() {
        assert!(JobState::Pending.is_pending());
        for state in [JobState::Done, JobState::Failed, JobState::Unknown] {
            assert!(!state.is_pending(), "{state}");
        }
    }

    #[test]
    fn receipts_and_failures_name_their_identifiers() {
        let by_email = Receipt::new(
            "p",
            JobId::from("1"),
            vec!["a@x.com".into()],
            StatusSummary::without_raw(JobState::Pending),
        );
        assert_eq!(by_email.identifiers, [Identifier::email("a@x.com")]);
        let by_maid = Receipt::for_identifiers(
            "p",
            JobId::from("2"),
            vec![Identifier::maid("m-1")],
            StatusSummary::without_raw(JobState::Pending),
        );
        assert!(by_maid.emails.is_empty());
        let mut outcome = DeletionOutcome::new("p");
        outcome.receipts.extend([by_email, by_maid]);
        let accepted: Vec<_> = outcome.accepted().map(ToString::to_string).collect();
        assert_eq!(accepted, ["email a@x.com", "maid m-1"]);

        let failure = Failure::for_identifiers(
            vec![
                Identifier::partner_user_id("u"),
                Identifier::email("b@x.com"),
            ],
            ProviderError::not_sent("p", ErrorKind::Rejected, "bad"),
        );
        assert_eq!(failure.emails, ["b@x.com"]);
        assert_eq!(failure.identifiers.len(), 2);
    }
}
