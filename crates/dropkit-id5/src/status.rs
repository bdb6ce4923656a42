//! A deletion job's status: `jobStatus`, `processingResult`, `emailSentUnixTimestamp`.

use std::fmt;
use std::time::{Duration, SystemTime};

use dropkit_provider::{JobId, JobState, StatusSummary};
use serde::Deserialize;

/// `jobStatus`. A value this version does not know is kept in [`JobStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobStatus {
    /// `CREATED`.
    Created,
    /// `STARTED`.
    Started,
    /// `FAILED`.
    Failed,
    /// `DONE`: processed.
    Done,
    /// `SENT`: processed and the reply email sent.
    Sent,
    /// `SEND_FAILED`: processed, but the reply email could not be sent.
    SendFailed,
    /// `CANCELLED`.
    Cancelled,
    /// Any other value, as sent.
    Other(String),
}

const JOB_STATUSES: [JobStatus; 7] = [
    JobStatus::Created,
    JobStatus::Started,
    JobStatus::Failed,
    JobStatus::Done,
    JobStatus::Sent,
    JobStatus::SendFailed,
    JobStatus::Cancelled,
];

impl JobStatus {
    /// ID5's spelling, or the unknown value as sent.
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Created => "CREATED",
            JobStatus::Started => "STARTED",
            JobStatus::Failed => "FAILED",
            JobStatus::Done => "DONE",
            JobStatus::Sent => "SENT",
            JobStatus::SendFailed => "SEND_FAILED",
            JobStatus::Cancelled => "CANCELLED",
            JobStatus::Other(value) => value,
        }
    }

    /// Whether polling again can change the answer: only `CREATED` and `STARTED` are in
    /// progress. Unknown values count as final, so the caller sees them at once.
    pub fn is_final(&self) -> bool {
        !matches!(self, JobStatus::Created | JobStatus::Started)
    }

    /// The common state: `CREATED`, `STARTED` pending; `DONE`, `SENT`, `SEND_FAILED` done
    /// (`SEND_FAILED` concerns only the reply email, after processing); `FAILED`, `CANCELLED`
    /// failed; others unknown.
    pub fn state(&self) -> JobState {
        match self {
            JobStatus::Created | JobStatus::Started => JobState::Pending,
            JobStatus::Done | JobStatus::Sent | JobStatus::SendFailed => JobState::Done,
            JobStatus::Failed | JobStatus::Cancelled => JobState::Failed,
            JobStatus::Other(_) => JobState::Unknown,
        }
    }
}

impl From<&str> for JobStatus {
    /// Reads ID5's value, ignoring case and surrounding whitespace.
    fn from(value: &str) -> Self {
        let trimmed = value.trim();
        JOB_STATUSES
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(trimmed))
            .unwrap_or_else(|| JobStatus::Other(value.to_owned()))
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| JobStatus::from(s.as_str()))
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `processingResult`. A value this version does not know is kept in
/// [`ProcessingResult::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessingResult {
    /// `DELETE_DELETED`: ID5 held data and deleted it.
    DeleteDeleted,
    /// `DELETE_NO_DATA`: ID5 held no data.
    DeleteNoData,
    /// `NONE`: no result (yet).
    NoResult,
    /// Any other value, as sent.
    Other(String),
}

impl ProcessingResult {
    /// ID5's spelling, or the unknown value as sent.
    pub fn as_str(&self) -> &str {
        match self {
            ProcessingResult::DeleteDeleted => "DELETE_DELETED",
            ProcessingResult::DeleteNoData => "DELETE_NO_DATA",
            ProcessingResult::NoResult => "NONE",
            ProcessingResult::Other(value) => value,
        }
    }
}

impl From<&str> for ProcessingResult {
    /// Reads ID5's value, ignoring case and surrounding whitespace.
    fn from(value: &str) -> Self {
        let trimmed = value.trim();
        [
            ProcessingResult::DeleteDeleted,
            ProcessingResult::DeleteNoData,
            ProcessingResult::NoResult,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(trimmed))
        .unwrap_or_else(|| ProcessingResult::Other(value.to_owned()))
    }
}

impl<'de> Deserialize<'de> for ProcessingResult {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| ProcessingResult::from(s.as_str()))
    }
}

impl fmt::Display for ProcessingResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ID5's answer to a status request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct StatusReport {
    /// `id`: the job.
    #[serde(deserialize_with = "job_id")]
    pub id: JobId,
    /// `jobStatus`.
    #[serde(rename = "jobStatus")]
    pub job_status: JobStatus,
    /// `processingResult`, when sent.
    #[serde(rename = "processingResult", default)]
    pub processing_result: Option<ProcessingResult>,
    /// `emailSentUnixTimestamp`: when the reply email was sent, in milliseconds since the Unix
    /// epoch (the seed's example, `1661933465437`, is in milliseconds); `None` until then.
    #[serde(rename = "emailSentUnixTimestamp", default)]
    pub email_sent_unix_timestamp: Option<u64>,
}

impl StatusReport {
    /// [`email_sent_unix_timestamp`](Self::email_sent_unix_timestamp) as a time.
    pub fn email_sent_at(&self) -> Option<SystemTime> {
        self.email_sent_unix_timestamp
            .and_then(|ms| SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
    }

    /// The status in common terms; the raw value is `jobStatus`, followed by
    /// `/processingResult` when there is one (`SENT/DELETE_DELETED`).
    pub fn summary(&self) -> StatusSummary {
        let raw = match &self.processing_result {
            Some(result) => format!("{}/{}", self.job_status, result),
            None => self.job_status.to_string(),
        };
        StatusSummary::new(self.job_status.state(), raw)
    }
}

/// ID5's answer to a deletion request: `{"id": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeletionReceipt {
    /// The job to poll with [`Client::status`](crate::Client::status).
    #[serde(deserialize_with = "job_id")]
    pub id: JobId,
}

/// A job id sent as a string (as documented) or a number.
fn job_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<JobId, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => JobId::new(text),
        Id::Number(number) => JobId::new(number.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_status_example() {
        let report: StatusReport = serde_json::from_str(
            r#"{"id": "a8b6ccc4ee35ddaf5a5bb0f5c696dbd3", "jobStatus": "SENT",
                "processingResult": "DELETE_DELETED", "emailSentUnixTimestamp": 1661933465437}"#,
        )
        .unwrap();
        assert_eq!(report.id.as_str(), "a8b6ccc4ee35ddaf5a5bb0f5c696dbd3");
        assert_eq!(report.job_status, JobStatus::Sent);
        assert_eq!(
            report.processing_result,
            Some(ProcessingResult::DeleteDeleted)
        );
        let sent = report.email_sent_at().unwrap();
        assert_eq!(
            sent.duration_since(SystemTime::UNIX_EPOCH).unwrap(),
            Duration::from_millis(1_661_933_465_437)
        );
        let summary = report.summary();
        assert_eq!(summary.state, JobState::Done);
        assert_eq!(summary.raw.as_deref(), Some("SENT/DELETE_DELETED"));
    }

    #[test]
    fn null_timestamp_and_unknown_values_are_kept() {
        let report: StatusReport = serde_json::from_str(
            r#"{"id": "1", "jobStatus": "PAUSED", "processingResult": "DELETE_LATER",
                "emailSentUnixTimestamp": null}"#,
        )
        .unwrap();
        assert_eq!(report.job_status, JobStatus::Other("PAUSED".into()));
        assert_eq!(
            report.processing_result,
            Some(ProcessingResult::Other("DELETE_LATER".into()))
        );
        assert_eq!(report.email_sent_at(), None);
        assert_eq!(report.summary().state, JobState::Unknown);
    }

    #[test]
    fn every_job_status_maps() {
        let expected = [
            ("CREATED", JobState::Pending, false),
            ("STARTED", JobState::Pending, false),
            ("FAILED", JobState::Failed, true),
            ("DONE", JobState::Done, true),
            ("SENT", JobState::Done, true),
            ("SEND_FAILED", JobState::Done, true),
            ("CANCELLED", JobState::Failed, true),
        ];
        for (raw, state, is_final) in expected {
            let status = JobStatus::from(raw);
            assert_eq!(status.as_str(), raw);
            assert_eq!(status.state(), state, "{raw}");
            assert_eq!(status.is_final(), is_final, "{raw}");
        }
        for raw in ["DELETE_DELETED", "DELETE_NO_DATA", "NONE"] {
            assert_eq!(ProcessingResult::from(raw).as_str(), raw);
        }
    }
}
