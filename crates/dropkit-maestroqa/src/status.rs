//! MaestroQA's job statuses and the deletion receipt.

use std::fmt;

use dropkit_provider::{JobId, JobState, StatusSummary};
use serde::Deserialize;

/// The status of a deep-deletion job: `pending`, `completed`, `not found` or `errored`.
///
/// The seed names the failure twice, `errored` in its list of values and `error` in its
/// note on the two deletion stages: both read as [`Status::Errored`]. A value this version
/// does not know is kept in [`Status::Other`], not refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// `pending`: the daily batch has not run for this job yet.
    Pending,
    /// `completed`: the deep deletion is done.
    Completed,
    /// `not found`: MaestroQA does not know the job.
    NotFound,
    /// `errored` (or `error`): the job failed.
    Errored,
    /// Any other value, as sent.
    Other(String),
}

impl Status {
    /// MaestroQA's spelling (`not found` with a space), or the unknown value as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Pending => "pending",
            Status::Completed => "completed",
            Status::NotFound => "not found",
            Status::Errored => "errored",
            Status::Other(value) => value,
        }
    }

    /// Whether polling again can change the answer: only [`Status::Pending`] can. Unknown values
    /// count as final, so the caller sees them at once instead of waiting out a deadline.
    pub fn is_final(&self) -> bool {
        !matches!(self, Status::Pending)
    }

    /// The status in common terms.
    ///
    /// `not found` maps to [`JobState::Failed`]: a job MaestroQA cannot find cannot be shown
    /// to be deleted, so a person must look (the seed does not say more).
    pub fn summary(&self) -> StatusSummary {
        let state = match self {
            Status::Pending => JobState::Pending,
            Status::Completed => JobState::Done,
            Status::NotFound | Status::Errored => JobState::Failed,
            Status::Other(_) => JobState::Unknown,
        };
        StatusSummary::new(state, self.as_str())
    }
}

impl From<&str> for Status {
    /// Reads MaestroQA's value, ignoring case and surrounding whitespace; `error` is read as
    /// `errored`.
    fn from(value: &str) -> Self {
        let trimmed = value.trim();
        if trimmed.eq_ignore_ascii_case("error") {
            return Status::Errored;
        }
        [
            Status::Pending,
            Status::Completed,
            Status::NotFound,
            Status::Errored,
        ]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(trimmed))
        .unwrap_or_else(|| Status::Other(value.to_owned()))
    }
}

impl From<String> for Status {
    fn from(value: String) -> Self {
        Status::from(value.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Status::from)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// MaestroQA's answer to a deletion request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletionReceipt {
    /// `confirmation`: the fast deletion from MaestroQA's operational database is done. A
    /// missing value reads as `false` (not confirmed).
    pub confirmation: bool,
    /// `id`: the asynchronous deep-deletion job, to poll with
    /// [`Client::status`](crate::Client::status).
    pub id: JobId,
    /// `status` of the deep-deletion job, when the answer has one (`pending` in the seed).
    pub status: Option<Status>,
}

/// The JSON of a deletion answer: `{"confirmation": true, "id": "123", "status": "pending"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeletionBody {
    #[serde(default)]
    confirmation: bool,
    id: IdValue,
    #[serde(default)]
    status: Option<Status>,
}

/// The seed shows the id as a string; a number is accepted too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdValue {
    Text(String),
    Number(serde_json::Number),
}

impl From<DeletionBody> for DeletionReceipt {
    fn from(body: DeletionBody) -> Self {
        let id = match body.id {
            IdValue::Text(text) => text,
            IdValue::Number(number) => number.to_string(),
        };
        DeletionReceipt {
            confirmation: body.confirmation,
            id: JobId::new(id),
            status: body.status,
        }
    }
}

/// The JSON of a status answer: `{"status": "pending"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusBody {
    pub(crate) status: Status,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_unknown_kept() {
        assert_eq!(Status::from("pending"), Status::Pending);
        assert_eq!(Status::from("Not Found"), Status::NotFound);
        assert_eq!(Status::from("completed").summary().state, JobState::Done);
        assert_eq!(Status::from("errored").summary().state, JobState::Failed);
        assert_eq!(Status::from(" Error "), Status::Errored);
        let other = Status::from("archived");
        assert_eq!(other, Status::Other("archived".into()));
        assert_eq!(other.summary().state, JobState::Unknown);
        assert_eq!(other.summary().raw.as_deref(), Some("archived"));
        assert!(!Status::Pending.is_final());
        assert!(other.is_final());
    }

    #[test]
    fn receipt_from_seed_example_and_numeric_id() {
        let body: DeletionBody =
            serde_json::from_str(r#"{"confirmation": true, "id": "123", "status": "pending"}"#)
                .unwrap();
        let receipt = DeletionReceipt::from(body);
        assert!(receipt.confirmation);
        assert_eq!(receipt.id.as_str(), "123");
        assert_eq!(receipt.status, Some(Status::Pending));

        let body: DeletionBody = serde_json::from_str(r#"{"id": 456}"#).unwrap();
        let receipt = DeletionReceipt::from(body);
        assert!(!receipt.confirmation);
        assert_eq!(receipt.id.as_str(), "456");
        assert_eq!(receipt.status, None);
    }
}
