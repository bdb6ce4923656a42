//! The consumers a run matched, each with the work items it matched and the standardized
//! values of its mapped fields: what the broker acts on, and what it forwards to providers.

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::{Field, ListType};

use rayon::slice::ParallelSliceMut as _;

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
        self.group_by_key(|key| self.fields.get(key).cloned().unwrap_or_default())
    }

    /// [`matched_records`](Self::matched_records), moving the field values out rather than
    /// copying them.
    pub(crate) fn take_matched_records(&mut self) -> Vec<MatchedRecord> {
        let mut fields = std::mem::take(&mut self.fields);
        self.group_by_key(|key| fields.remove(key).unwrap_or_default())
    }

    fn group_by_key(
        &self,
        mut fields_of: impl FnMut(&str) -> Vec<(Field, String)>,
    ) -> Vec<MatchedRecord> {
        let mut rows: Vec<(&str, MatchedItem)> = self
            .matches()
            .map(|m| {
                let item = MatchedItem {
                    list_type: m.list_type,
                    id: m.id,
                    status: m.status,
                };
                (m.key, item)
            })
            .collect();
        // Stable: a key's work items stay in list and file order.
        rows.par_sort_by(|a, b| a.0.cmp(b.0));
        let rank = |field: &Field| self.field_order.iter().position(|f| f == field);
        let mut out: Vec<MatchedRecord> = Vec::new();
        for (key, item) in rows {
            match out.last_mut() {
                Some(last) if last.key == key => last.matches.push(item),
                _ => {
                    let mut fields = fields_of(key);
                    // Rows are folded in file order; group the values by field, in mapping
                    // order.
                    fields.sort_by_key(|(field, _)| rank(field));
                    out.push(MatchedRecord {
                        key: key.to_owned(),
                        matches: vec![item],
                        fields,
                    });
                }
            }
        }
        out
    }
}
