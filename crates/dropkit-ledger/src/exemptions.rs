//! Exemptions: the (work item, record key) pairs a round answered 2 Exempted, and why.

use std::collections::BTreeMap;

use dropkit_files::{WorkItemId, ZipFileName};
use rusqlite::params;

use crate::error::SqlContext as _;
use crate::ledger::{fault_point, recorded_download};
use crate::{Ledger, LedgerError};

/// One exemption a round applied: the broker kept `key`'s data, which matched `work_item`,
/// for `reason`, and answered the work item 2 Exempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    /// The work item answered 2.
    pub work_item: WorkItemId,
    /// The broker's consumer key whose data is exempt.
    pub key: String,
    /// Why, as the operator gave it (`--exempt FILE`'s `Reason` column; empty when none).
    pub reason: String,
}

impl Ledger {
    /// Records the exemptions round `round` (a recorded download) applied, in one
    /// transaction. A (work item, key) pair is recorded once, with the round and reason of
    /// its first recording: recording the same exemptions again (a resumed round) changes
    /// nothing. Returns the pairs newly recorded. Every work item must be in the ledger.
    pub fn record_exemptions(
        &mut self,
        round: &ZipFileName,
        exemptions: &[Exemption],
    ) -> Result<u64, LedgerError> {
        let round = recorded_download(&self.conn, &self.path, round)?;
        let (tx, path) = self.begin()?;
        let mut added = 0;
        {
            let mut add = tx
                .prepare(
                    "INSERT INTO exemption (work_item, key, reason, round) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT DO NOTHING",
                )
                .at(path)?;
            for e in exemptions {
                added += add
                    .execute(params![e.work_item.as_str(), e.key, e.reason, round])
                    .at(path)? as u64;
            }
        }
        fault_point("record_exemptions");
        tx.commit().at(path)?;
        Ok(added)
    }

    /// Exemptions per reason (the empty reason for those given none): of round `round` (the
    /// latest download recorded under that name), or of every round with `None`.
    pub fn exemption_counts(
        &self,
        round: Option<&ZipFileName>,
    ) -> Result<BTreeMap<String, u64>, LedgerError> {
        let round = match round {
            Some(name) => Some(recorded_download(&self.conn, &self.path, name)?),
            None => None,
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT reason, count(*) FROM exemption WHERE ?1 IS NULL OR round = ?1
                 GROUP BY reason",
            )
            .at(&self.path)?;
        let rows = stmt
            .query_map([round], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
            })
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }
}
