//! The ledger's figures, per list type: `dropkit ledger stats`.

use dropkit_hash::ListType;
use serde::Serialize;

use crate::error::SqlContext as _;
use crate::{Ledger, LedgerError, SCHEMA_VERSION};

/// The ledger's figures. Serializes with snake_case field names (`dropkit ledger stats
/// --json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LedgerStats {
    /// The schema version of the ledger file.
    pub schema_version: i64,
    /// Downloads recorded (by rounds and imports).
    pub downloads: u64,
    /// Per list type with at least one work item, in [`ListType`] order.
    pub lists: Vec<ListStats>,
    /// All lists together (`list_type` is absent).
    pub total: ListStats,
    /// Exemptions applied (work item and record key pairs answered 2), per reason as the
    /// operator gave it (the empty reason for none).
    pub exemptions: std::collections::BTreeMap<String, u64>,
}

/// The figures of one list type (or of all, in [`LedgerStats::total`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListStats {
    /// The list type; `None` for the total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_type: Option<&'static str>,
    /// Work items received.
    pub received: u64,
    /// Work items still active: screened in every later round.
    pub active: u64,
    /// Work items cancelled by a Removed entry: never screened again.
    pub cancelled: u64,
    /// Work items answered, by status.
    pub answered: Answered,
    /// Work items not answered (yet).
    pub unanswered: u64,
    /// New matches recorded: (work item, record key) pairs found in the work item's own round.
    pub new_matches: u64,
    /// Late matches recorded: pairs found in a later round.
    pub late_matches: u64,
}

/// Work items answered, by DROP status code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Answered {
    /// Status 2, Exempted.
    pub exempted: u64,
    /// Status 3, Deleted.
    pub deleted: u64,
    /// Status 4, Opted out.
    pub opted_out: u64,
    /// Status 5, Not found.
    pub not_found: u64,
}

impl ListStats {
    fn add(&mut self, o: &ListStats) {
        self.received += o.received;
        self.active += o.active;
        self.cancelled += o.cancelled;
        self.answered.exempted += o.answered.exempted;
        self.answered.deleted += o.answered.deleted;
        self.answered.opted_out += o.answered.opted_out;
        self.answered.not_found += o.answered.not_found;
        self.unanswered += o.unanswered;
        self.new_matches += o.new_matches;
        self.late_matches += o.late_matches;
    }
}

impl Ledger {
    /// The ledger's figures: per list type, work items received, active, cancelled, answered
    /// by status, and the matches recorded (new and late). One pass over the work items.
    pub fn stats(&self) -> Result<LedgerStats, LedgerError> {
        let path = &self.path;
        let mut lists: Vec<ListStats> = ListType::ALL
            .iter()
            .map(|l| ListStats {
                list_type: Some(l.as_str()),
                ..ListStats::default()
            })
            .collect();
        let index = |name: &str| ListType::ALL.iter().position(|l| l.as_str() == name);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT list_type, count(*), count(*) FILTER (WHERE cancelled_by IS NOT NULL),
                        count(*) FILTER (WHERE status = 2), count(*) FILTER (WHERE status = 3),
                        count(*) FILTER (WHERE status = 4), count(*) FILTER (WHERE status = 5)
                 FROM work_item GROUP BY list_type",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let name: String = r.get(0).at(path)?;
            let Some(i) = index(&name) else { continue };
            let s = &mut lists[i];
            s.received = r.get(1).at(path)?;
            s.cancelled = r.get(2).at(path)?;
            s.active = s.received - s.cancelled;
            s.answered = Answered {
                exempted: r.get(3).at(path)?,
                deleted: r.get(4).at(path)?,
                opted_out: r.get(5).at(path)?,
                not_found: r.get(6).at(path)?,
            };
            let a = &s.answered;
            s.unanswered = s.received - (a.exempted + a.deleted + a.opted_out + a.not_found);
        }
        drop(rows);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT w.list_type, count(*) FILTER (WHERE m.kind = 'new'),
                        count(*) FILTER (WHERE m.kind = 'late')
                 FROM record_match m JOIN work_item w ON w.id = m.work_item
                 GROUP BY w.list_type",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let name: String = r.get(0).at(path)?;
            let Some(i) = index(&name) else { continue };
            lists[i].new_matches = r.get(1).at(path)?;
            lists[i].late_matches = r.get(2).at(path)?;
        }
        drop(rows);
        let downloads: u64 = self
            .conn
            .query_row("SELECT count(*) FROM download", [], |r| r.get(0))
            .at(path)?;
        lists.retain(|l| l.received > 0);
        let mut total = ListStats::default();
        for l in &lists {
            total.add(l);
        }
        Ok(LedgerStats {
            schema_version: SCHEMA_VERSION,
            downloads,
            lists,
            total,
            exemptions: self.exemption_counts(None)?,
        })
    }
}
