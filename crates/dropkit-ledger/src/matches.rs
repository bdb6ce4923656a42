//! Matches (a record key and a work item, found by a round) and forwards (each pair sent to a
//! service provider once in its life).

use std::collections::HashSet;

use dropkit_files::{Status, WorkItemId, ZipFileName};
use dropkit_hash::ListType;
use rusqlite::params;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::SqlContext as _;
use crate::ledger::{fault_point, instant, recorded_download};
use crate::{Ledger, LedgerError};

/// Whether a match was found against the round's own download or against an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Against a work item of the round's own download: answered to DROP with a status.
    New,
    /// Against a work item of an earlier download, still active: a record collected after the
    /// request was answered, or collected again after a deletion. Deleted and forwarded like
    /// a new match, never answered to DROP again.
    Late,
}

impl MatchKind {
    /// `new` or `late`, as the ledger stores it.
    pub const fn as_str(self) -> &'static str {
        match self {
            MatchKind::New => "new",
            MatchKind::Late => "late",
        }
    }
}

/// One match a round found: the broker's record `key` matched `work_item`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerMatch {
    /// The broker's consumer key.
    pub key: String,
    /// The work item matched.
    pub work_item: WorkItemId,
    /// Its list type, as the matcher reported it (the ledger keeps the work item's own).
    pub list_type: ListType,
    /// New or late.
    pub kind: MatchKind,
    /// The status the work item was answered with, for a new match; `None` for a late one.
    pub status: Option<Status>,
}

impl Ledger {
    /// Records the matches round `round` (a recorded download) found, in one transaction.
    ///
    /// A (work item, key) pair is recorded once: the round and kind of its first match are
    /// kept, and `last_round` follows the latest round that matched it again (a consumer
    /// collected again after a deletion). Recording the same matches again changes nothing.
    /// Every work item must be in the ledger.
    pub fn record_matches(
        &mut self,
        round: &ZipFileName,
        matches: &[LedgerMatch],
    ) -> Result<(), LedgerError> {
        let round = recorded_download(&self.conn, &self.path, round)?;
        let (tx, path) = self.begin()?;
        {
            let mut add = tx
                .prepare(
                    "INSERT INTO record_match (work_item, key, round, kind, status, last_round)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?3)
                     ON CONFLICT (work_item, key) DO UPDATE
                     SET last_round = max(last_round, excluded.last_round)",
                )
                .at(path)?;
            for m in matches {
                add.execute(params![
                    m.work_item.as_str(),
                    m.key,
                    round,
                    m.kind.as_str(),
                    m.status.map(Status::code)
                ])
                .at(path)?;
            }
        }
        fault_point("record_matches");
        tx.commit().at(path)
    }

    /// Every (work item, record key) pair forwarded to `provider` so far: a pair in it is
    /// never forwarded again.
    pub fn forwarded_pairs(
        &self,
        provider: &str,
    ) -> Result<HashSet<(WorkItemId, String)>, LedgerError> {
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare("SELECT work_item, key FROM forward WHERE provider = ?1")
            .at(path)?;
        let rows = stmt
            .query_map([provider], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .at(path)?;
        let mut out = HashSet::new();
        for row in rows {
            let (id, key) = row.at(path)?;
            let id = WorkItemId::new(&id).ok_or_else(|| LedgerError::Malformed {
                path: path.clone(),
                line: 1,
                reason: format!("table forward: work item Id {id:?} is not a DROP Id"),
            })?;
            out.insert((id, key));
        }
        Ok(out)
    }

    /// Records that `provider` accepted the deletions of these (work item, record key) pairs
    /// in round `round` (a recorded download), at `at`, in one transaction. A pair recorded
    /// already keeps its first round and time.
    pub fn record_forward(
        &mut self,
        provider: &str,
        pairs: &[(WorkItemId, String)],
        round: &ZipFileName,
        at: OffsetDateTime,
    ) -> Result<(), LedgerError> {
        let round = recorded_download(&self.conn, &self.path, round)?;
        let at = instant(at);
        let (tx, path) = self.begin()?;
        {
            let mut add = tx
                .prepare(
                    "INSERT INTO forward (provider, work_item, key, round, forwarded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )
                .at(path)?;
            for (id, key) in pairs {
                add.execute(params![provider, id.as_str(), key, round, at])
                    .at(path)?;
            }
        }
        fault_point("record_forward");
        tx.commit().at(path)
    }
}
