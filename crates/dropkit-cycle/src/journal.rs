//! The forwarding journal: an append-only record of every deletion sent to a provider.
//!
//! `state.json` is rewritten whole at each save, which suits a few steps but not one entry
//! per consumer: a round may forward tens of thousands. Each line of `forward-journal.jsonl`
//! is one event, appended and synced before the round goes on, so the cost of recording stays
//! constant whatever the round's size. A crash can only tear the last line, which is then
//! ignored (its event had not been acted upon as recorded).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::jsonl::JsonlFile;
use crate::state::{ForwardRecord, now};

/// File name of the journal inside the state directory.
pub const JOURNAL_FILE: &str = "forward-journal.jsonl";

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
enum Event {
    /// Sent, outcome unknown: written before the request leaves.
    Sending(Sending),
    /// The provider accepted these emails as these jobs.
    Accepted(Accepted),
    /// The request timed out or its answer was lost: it may have reached the provider. The
    /// consumer stays in flight, so a resend is logged as a possible duplicate.
    OutcomeUnknown(OutcomeUnknown),
    /// The request ended with an answer (with all, part or none of the emails accepted).
    Finished(Finished),
}

/// A request for these emails is about to be sent; until an answer is recorded its outcome
/// is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Sending {
    /// The provider's name.
    pub(crate) provider: String,
    /// The broker's consumer key.
    pub(crate) key: String,
    /// The emails in the request.
    pub(crate) emails: Vec<String>,
    /// Set when an earlier request for this consumer may have reached the provider.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) possible_duplicate: bool,
}

/// What a provider accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Accepted {
    /// The provider's name.
    pub(crate) provider: String,
    /// The broker's consumer key.
    pub(crate) key: String,
    /// The emails accepted.
    pub(crate) emails: Vec<String>,
    /// The provider's job ids.
    pub(crate) job_ids: Vec<String>,
    /// The job status the provider reported.
    pub(crate) status: String,
    /// When (RFC 3339, UTC).
    pub(crate) at: String,
}

/// A request whose outcome is unknown (timeout, lost answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutcomeUnknown {
    /// The provider's name.
    pub(crate) provider: String,
    /// The broker's consumer key.
    pub(crate) key: String,
    /// What happened.
    pub(crate) error: String,
}

/// A request that ended with an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finished {
    /// The provider's name.
    pub(crate) provider: String,
    /// The broker's consumer key.
    pub(crate) key: String,
}

/// What the journal says so far, and the open file to append to.
#[derive(Debug)]
pub(crate) struct Journal {
    file: JsonlFile,
    /// Per provider, per consumer key: what the provider accepted.
    accepted: BTreeMap<String, BTreeMap<String, ForwardRecord>>,
    /// (provider, key) sent without an answer recorded.
    in_flight: BTreeSet<(String, String)>,
}

impl Journal {
    /// Opens (creating) the journal in `dir` and replays it.
    pub(crate) fn open(dir: &Path) -> Result<Journal, CycleError> {
        let path = dir.join(JOURNAL_FILE);
        let mut accepted = BTreeMap::new();
        let mut in_flight = BTreeSet::new();
        let file = JsonlFile::open(&path, |event| apply(&mut accepted, &mut in_flight, event))?;
        Ok(Journal {
            file,
            accepted,
            in_flight,
        })
    }

    /// How many (provider, consumer) requests were sent without an answer recorded, reading
    /// the journal in `dir` without changing it.
    pub(crate) fn in_flight_in(dir: &Path) -> Result<usize, CycleError> {
        let mut accepted = BTreeMap::new();
        let mut in_flight = BTreeSet::new();
        JsonlFile::replay(&dir.join(JOURNAL_FILE), |event| {
            apply(&mut accepted, &mut in_flight, event);
        })?;
        Ok(in_flight.len())
    }

    /// What `provider` accepted, per consumer key.
    pub(crate) fn accepted(&self) -> &BTreeMap<String, BTreeMap<String, ForwardRecord>> {
        &self.accepted
    }

    /// The emails of consumer `key` that `provider` has accepted.
    pub(crate) fn accepted_emails(&self, provider: &str, key: &str) -> &[String] {
        self.accepted
            .get(provider)
            .and_then(|m| m.get(key))
            .map_or(&[], |r| r.emails.as_slice())
    }

    /// Whether a request for `key` was sent to `provider` without its answer recorded.
    pub(crate) fn is_in_flight(&self, provider: &str, key: &str) -> bool {
        self.in_flight
            .contains(&(provider.to_owned(), key.to_owned()))
    }

    /// Records, durably, that a request is about to be sent ("sent, outcome unknown" until
    /// an answer is recorded). Returns whether it may duplicate an earlier request whose
    /// outcome is unknown (it is then logged and marked as such).
    pub(crate) fn sending(
        &mut self,
        provider: &str,
        key: &str,
        emails: &[String],
    ) -> Result<bool, CycleError> {
        let possible_duplicate = self.is_in_flight(provider, key);
        if possible_duplicate {
            tracing::warn!(
                %provider,
                %key,
                "resending a deletion whose outcome is unknown: it may be a duplicate"
            );
        }
        self.record(Event::Sending(Sending {
            provider: provider.to_owned(),
            key: key.to_owned(),
            emails: emails.to_vec(),
            possible_duplicate,
        }))?;
        Ok(possible_duplicate)
    }

    /// Records, durably, what the provider accepted (if anything) and that the request ended
    /// with an answer.
    pub(crate) fn finished(
        &mut self,
        provider: &str,
        key: &str,
        accepted: Option<(Vec<String>, Vec<String>, String)>,
    ) -> Result<(), CycleError> {
        if let Some(accepted) = accepted {
            self.record_accepted(provider, key, accepted)?;
        }
        self.record(Event::Finished(Finished {
            provider: provider.to_owned(),
            key: key.to_owned(),
        }))
    }

    /// Records, durably, what the provider accepted: `(emails, job ids, job status)`.
    pub(crate) fn record_accepted(
        &mut self,
        provider: &str,
        key: &str,
        (emails, job_ids, status): (Vec<String>, Vec<String>, String),
    ) -> Result<(), CycleError> {
        self.record(Event::Accepted(Accepted {
            provider: provider.to_owned(),
            key: key.to_owned(),
            emails,
            job_ids,
            status,
            at: now(),
        }))
    }

    /// Records, durably, that a request ended without an answer (timeout, lost answer): the
    /// consumer stays in flight.
    pub(crate) fn outcome_unknown(
        &mut self,
        provider: &str,
        key: &str,
        error: &str,
    ) -> Result<(), CycleError> {
        self.record(Event::OutcomeUnknown(OutcomeUnknown {
            provider: provider.to_owned(),
            key: key.to_owned(),
            error: error.to_owned(),
        }))
    }

    /// Appends `event` durably, then applies it to the in-memory view (as a replay would).
    fn record(&mut self, event: Event) -> Result<(), CycleError> {
        self.append(&event)?;
        apply(&mut self.accepted, &mut self.in_flight, event);
        Ok(())
    }

    fn append(&mut self, event: &Event) -> Result<(), CycleError> {
        self.file.append(event)
    }
}

/// The one place an event changes the view: used by replay and by recording alike.
fn apply(
    accepted: &mut BTreeMap<String, BTreeMap<String, ForwardRecord>>,
    in_flight: &mut BTreeSet<(String, String)>,
    event: Event,
) {
    match event {
        Event::Sending(Sending { provider, key, .. }) => {
            in_flight.insert((provider, key));
        }
        Event::Accepted(a) => {
            let record = accepted
                .entry(a.provider)
                .or_default()
                .entry(a.key)
                .or_default();
            record.emails.extend(a.emails);
            record.job_ids.extend(a.job_ids);
            record.status = a.status;
            record.at = a.at;
        }
        // Still in flight: whether the provider has it is not known.
        Event::OutcomeUnknown(_) => {}
        Event::Finished(Finished { provider, key }) => {
            in_flight.remove(&(provider, key));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    #[test]
    fn replays_receipts_and_in_flight_requests_and_ignores_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut j = Journal::open(dir.path()).unwrap();
            j.sending("m", "k1", &["a@x".into()]).unwrap();
            j.finished(
                "m",
                "k1",
                Some((vec!["a@x".into()], vec!["job1".into()], "done".into())),
            )
            .unwrap();
            j.sending("m", "k2", &["b@x".into()]).unwrap();
        }
        // A crash while appending the answer for k2.
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"event":"accepted","provider":"m","ke"#)
            .unwrap();
        drop(f);

        let mut j = Journal::open(dir.path()).unwrap();
        assert_eq!(j.accepted_emails("m", "k1"), ["a@x".to_string()]);
        assert_eq!(j.accepted()["m"]["k1"].job_ids, ["job1".to_string()]);
        assert!(!j.is_in_flight("m", "k1"));
        assert!(j.is_in_flight("m", "k2"));
        assert!(j.accepted_emails("m", "k2").is_empty());
        j.finished("m", "k2", None).unwrap();

        let j = Journal::open(dir.path()).unwrap();
        assert!(!j.is_in_flight("m", "k2"));
    }

    #[test]
    fn a_request_without_an_answer_stays_in_flight_and_its_resend_is_marked() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut j = Journal::open(dir.path()).unwrap();
            assert!(!j.sending("m", "k", &["a@x".into()]).unwrap());
            j.outcome_unknown("m", "k", "timed out").unwrap();
        }
        let mut j = Journal::open(dir.path()).unwrap();
        assert!(j.is_in_flight("m", "k"));
        assert!(j.sending("m", "k", &["a@x".into()]).unwrap());
        j.finished(
            "m",
            "k",
            Some((vec!["a@x".into()], vec!["job".into()], "queued".into())),
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[1].contains(r#""event":"outcome-unknown""#), "{text}");
        assert!(lines[2].contains(r#""possible_duplicate":true"#), "{text}");
        assert!(!lines[0].contains("possible_duplicate"), "{text}");
        let j = Journal::open(dir.path()).unwrap();
        assert!(!j.is_in_flight("m", "k"));
    }

    #[test]
    fn a_whole_last_line_without_its_line_end_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(JOURNAL_FILE),
            r#"{"event":"sending","provider":"m","key":"k","emails":["a@x"]}"#,
        )
        .unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        assert!(j.is_in_flight("m", "k"));
        j.finished("m", "k", None).unwrap();
        let j = Journal::open(dir.path()).unwrap();
        assert!(!j.is_in_flight("m", "k"));
    }

    #[test]
    fn a_damaged_line_before_the_last_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(JOURNAL_FILE),
            "not json\n{\"event\":\"finished\",\"provider\":\"m\",\"key\":\"k\"}\n",
        )
        .unwrap();
        assert!(matches!(
            Journal::open(dir.path()),
            Err(CycleError::State { .. })
        ));
    }
}
