//! The consumers a run matched, each with the work items it matched and the standardized
//! values of its mapped fields: what the broker acts on, and what it forwards to providers.

use std::collections::BTreeMap;

use drop_files::{Status, WorkItemId};
use drop_hash::{Field, ListType};

use crate::MatchOutcome;

/// One consumer key that matched at least one work item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatchedRecord {
    /// The broker's consumer key.
    pub key: String,
    /// Every work item this key matched, list by list in file order.
    pub matches: Vec<MatchedItem>,
    /// The standardized values of every mapped raw field (not the `*_hash` columns) on the
    /// rows of this key that matched a work item, each `(field, value)` once, grouped by field
    /// in mapping order. Empty when the run did not keep them
    /// ([`Matcher::record_fields`](crate::Matcher::record_fields)). Values that do not
    /// standardize are left out; rows of the key that matched nothing are not read.
    pub fields: Vec<(Field, String)>,
}

/// A work item a consumer matched, with the status it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatchedItem {
    /// The list.
    pub list_type: ListType,
    /// The work item.
    pub id: WorkItemId,
    /// Its status (the same for every consumer of the work item).
    pub status: Status,
}

impl MatchedRecord {
    /// The standardized values of `field`, in the order found.
    pub fn values(&self, field: Field) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }

    /// Whether one of the key's work items was answered `status`.
    pub fn has_status(&self, status: Status) -> bool {
        self.matches.iter().any(|m| m.status == status)
    }
}

impl MatchOutcome {
    /// One [`MatchedRecord`] per distinct consumer key that matched at least one work item,
    /// sorted by key: the match report grouped by consumer, with the key's field values when
    /// the run kept them ([`Matcher::record_fields`](crate::Matcher::record_fields)).
    pub fn matched_records(&self) -> Vec<MatchedRecord> {
        let mut by_key: BTreeMap<&str, Vec<MatchedItem>> = BTreeMap::new();
        for m in self.matches() {
            by_key.entry(m.key).or_default().push(MatchedItem {
                list_type: m.list_type,
                id: m.id,
                status: m.status,
            });
        }
        let rank = |field: &Field| self.field_order.iter().position(|f| f == field);
        by_key
            .into_iter()
            .map(|(key, matches)| {
                let mut fields = self.fields.get(key).cloned().unwrap_or_default();
                // Rows are folded in file order; group the values by field, in mapping order.
                fields.sort_by_key(|(field, _)| rank(field));
                MatchedRecord {
                    key: key.to_owned(),
                    matches,
                    fields,
                }
            })
            .collect()
    }
}
