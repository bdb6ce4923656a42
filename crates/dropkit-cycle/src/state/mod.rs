//! What a round has done so far, as saved in `state.json` after every step.
//!
//! The state is typed with DROP's own vocabulary (a [`ZipFileName`], [`ListFileName`]s,
//! [`ListType`]s, an [`UploadOutcome`]) and saved as the text DROP uses for each, so the file
//! stays readable by people and other tools. It carries a format [`version`](RoundState::version):
//! a state written by an older dropkit is read and carried forward, one written by a newer
//! dropkit is refused rather than misread.

use std::collections::BTreeMap;

use dropkit_files::{ListFileName, ZipFileName};
use dropkit_hash::ListType;
use serde::{Deserialize, Serialize};

mod dir;
mod text;

pub use dir::{
    FORWARD_FILE, LATE_MATCHES_FILE, LEDGER_FILE, LOCK_FILE, MATCHES_FILE, RESPONSES_DIR,
    ROUNDS_DIR, STATE_FILE, StateDir,
};
pub(crate) use dir::{make_private, now, read_json, sync_dir, write_atomically, write_json};

pub use crate::journal::JOURNAL_FILE;

/// The format version of `state.json` this release writes.
///
/// - `0` (no `version` field): written by dropkit 0.1.0; read as is (same field names).
/// - `1`: adds `version`, `forwarded` and the match step's `unmatched_lists` and `warnings`.
/// - `2`: adds the ledger's steps: `recorded`, `screened`, `answered`; and `review`.
pub const STATE_VERSION: u32 = 2;

/// The progress of one DROP round, as saved in `state.json`.
///
/// Each field is set once its step has finished and been saved; a resumed round skips every
/// step whose result is already here (see [`Step::is_done`](crate::Step::is_done)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RoundState {
    /// The format version this state was written in (see [`STATE_VERSION`]).
    #[serde(default)]
    pub version: u32,
    /// The downloaded (or adopted) ZIP inside the state directory, once saved.
    #[serde(default, with = "text::option")]
    pub download: Option<ZipFileName>,
    /// Set once the download and its Removed list are in the ledger.
    #[serde(default)]
    pub recorded: bool,
    /// What matching found and wrote, once it has finished.
    #[serde(default)]
    pub matched: Option<MatchSummary>,
    /// What re-screening the records against earlier, still active work items found, once
    /// it has finished.
    #[serde(default)]
    pub screened: Option<ScreenSummary>,
    /// The review the operator asked for (`--review`), and its approval once given: a round
    /// under review never goes past the review step unapproved.
    #[serde(default)]
    pub review: Option<Review>,
    /// What the delete step did (set once it has run; it is done when nothing failed).
    #[serde(default)]
    pub deletion: Option<DeletionSummary>,
    /// Set once the status files have passed validation.
    #[serde(default)]
    pub validated: bool,
    /// Per status file: DROP's answer, once recorded.
    #[serde(default, with = "text::keys")]
    pub uploads: BTreeMap<ListFileName, UploadRecord>,
    /// The status file being uploaded when the round stopped, if any: its upload may or may
    /// not have reached DROP.
    #[serde(default, with = "text::option")]
    pub upload_in_flight: Option<ListFileName>,
    /// Set once DROP's answers (the uploaded status files) are in the ledger.
    #[serde(default)]
    pub answered: bool,
    /// Set once every configured service provider has acknowledged every consumer.
    #[serde(default)]
    pub forwarded: bool,
    /// Providers that failed some forwards this round (carried over to later runs).
    #[serde(default)]
    pub forward_failures: Vec<crate::ProviderFailure>,
    /// Consumers to forward this round that no service provider was configured to take
    /// (`forward.json` lists them): the broker's to pass on, as the report says. A broker may
    /// have no provider dropkit talks to, so this is not a failure; nor is it carried over.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forward_unsent: u64,
    /// What following the providers' jobs found, once done.
    #[serde(default)]
    pub confirmed: Option<ConfirmSummary>,
    /// Set when the round is complete and reported.
    #[serde(default)]
    pub finished: bool,
    /// Set once the round's attestation is written.
    #[serde(default)]
    pub attested: bool,
}

impl RoundState {
    /// The status files the match step wrote, in upload order (none before matching).
    pub fn status_files(&self) -> &[ListFileName] {
        self.matched.as_ref().map_or(&[], |m| &m.status_files)
    }

    /// The status files DROP has not answered yet.
    pub fn outstanding_uploads(&self) -> impl Iterator<Item = &ListFileName> + '_ {
        self.status_files()
            .iter()
            .filter(|name| !self.uploads.contains_key(*name))
    }
}

/// What the match step found and wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MatchSummary {
    /// Records read from the broker's file.
    pub records_read: u64,
    /// Records (or fields) that could not be used, each reported with its line.
    pub bad_rows: u64,
    /// Work items of the Removed file, dropped from matching.
    pub removed: u64,
    /// Per list: how its work items were answered.
    #[serde(with = "text::keys")]
    pub lists: BTreeMap<ListType, ListSummary>,
    /// The status files written, in upload order (names inside `responses/`).
    #[serde(with = "text::list")]
    pub status_files: Vec<ListFileName>,
    /// Consumers whose data was deleted, to forward to the service providers.
    pub consumers_to_forward: u64,
    /// Lists no mapped field can match, answered 5 Not found because the operator said so
    /// (`--unmatched-list LIST=not-found`).
    #[serde(default, with = "text::list")]
    pub unmatched_lists: Vec<ListType>,
    /// Warnings about the download (a work item listed twice, ...), one line each.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Per exemption reason (`--exempt FILE`; empty when none was given): the (work item,
    /// record key) pairs answered 2 Exempted for it. The pairs themselves are in the ledger.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exemptions: BTreeMap<String, u64>,
    /// How many keys the exemption file the round was matched with held (0: none given).
    /// The round goes on only with an exemption file again: the rows of an exempt record
    /// whose work item others answered 3 or 4 carry that status, and only the exemptions
    /// keep them from the connector.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub exempt_keys: u64,
}

/// What re-screening found: late matches, records that match a work item of an earlier
/// download still active (collected after the request was answered, or collected again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScreenSummary {
    /// Active work items of earlier downloads screened.
    pub active_work_items: u64,
    /// Per list: (work item, record key) pairs found.
    #[serde(with = "text::keys")]
    pub late_matches: BTreeMap<ListType, u64>,
    /// Consumers to delete (and forward) because of a late match.
    pub consumers: u64,
}

/// What the delete step did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeletionSummary {
    /// The connector's name (`postgres`, `sqlite`, `command`); `None` when none is
    /// configured and the matched records are the broker's to delete.
    pub connector: Option<String>,
    /// Record keys the connector confirmed deleted or opted out.
    pub done: u64,
    /// Record keys it could not delete, with the reason: not claimed to DROP, retried by the
    /// next run.
    pub failed: BTreeMap<String, String>,
    /// Lists whose status files are held back from the upload until their keys are deleted.
    #[serde(default, with = "text::list")]
    pub held_lists: Vec<ListType>,
}

impl RoundState {
    /// Whether the status file `name` is held back because a key it claims is not deleted.
    pub fn is_held(&self, name: &ListFileName) -> bool {
        let held = self.deletion.as_ref().map_or(&[][..], |d| &d.held_lists);
        name.list_type().is_some_and(|l| held.contains(&l))
    }
}

/// What following the providers' deletion jobs found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConfirmSummary {
    /// Jobs the providers completed.
    pub completed: u64,
    /// Jobs that failed, with the provider's reason.
    pub failed: Vec<JobNote>,
    /// Jobs still pending at the step's deadline (stalled): polled again by later runs.
    pub pending: Vec<JobNote>,
}

/// One provider job the report names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobNote {
    /// The provider's name.
    pub provider: String,
    /// The job id.
    pub job: String,
    /// What the provider last said.
    pub detail: String,
}

/// A review of the round before anything leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Review {
    /// When the review was asked for (RFC 3339, UTC).
    pub requested_at: String,
    /// Who approved the round and when, once someone has.
    pub approval: Option<Approval>,
}

/// Who approved a reviewed round, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Approval {
    /// The approver's name (`--by`, or the login name).
    pub by: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// How one list's work items were answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSummary {
    /// Work items in the list.
    pub work_items: u64,
    /// Answered 2, Exempted.
    pub exempted: u64,
    /// Answered 3, Deleted.
    pub deleted: u64,
    /// Answered 4, Opted out.
    pub opted_out: u64,
    /// Answered 5, Not found.
    pub not_found: u64,
}

/// How DROP took one uploaded status file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UploadOutcome {
    /// DROP accepted the file.
    Accepted,
    /// A retried upload met DROP's answer for a file it already has (a duplicate name, or no
    /// download outstanding after the file that completed the batch): the first attempt, whose
    /// answer was lost, had arrived.
    AlreadyReceived,
}

impl UploadOutcome {
    /// `accepted` or `already-received`, as saved.
    pub const fn as_str(self) -> &'static str {
        match self {
            UploadOutcome::Accepted => "accepted",
            UploadOutcome::AlreadyReceived => "already-received",
        }
    }
}

impl std::fmt::Display for UploadOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What DROP answered for one uploaded status file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// How DROP took the file.
    pub outcome: UploadOutcome,
    /// The server's message.
    pub message: String,
    /// When the answer was recorded (RFC 3339, UTC).
    pub at: String,
}

impl UploadRecord {
    /// A record of `outcome` with DROP's `message`, stamped now.
    pub fn now(outcome: UploadOutcome, message: impl Into<String>) -> Self {
        UploadRecord {
            outcome,
            message: message.into(),
            at: now(),
        }
    }
}

/// The deletions a service provider accepted for one consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardRecord {
    /// The emails the provider accepted (a retry sends only the others).
    pub emails: Vec<String>,
    /// The provider's job ids (MaestroQA splits emails into requests of five).
    pub job_ids: Vec<String>,
    /// The status the provider reported when the job was created.
    pub status: String,
    /// When the receipt was recorded (RFC 3339, UTC).
    pub at: String,
}

#[cfg(test)]
mod tests;

/// For `skip_serializing_if`: a count of zero is left out of `state.json`.
fn is_zero(n: &u64) -> bool {
    *n == 0
}
