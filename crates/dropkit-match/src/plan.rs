//! What to do with each record, worked out once from the mapping and the lists present.

use std::sync::Arc;

use dropkit_hash::{Field, ListType};

use crate::lists::Lists;
use crate::mapping::{Col, Resolved, field_index, list_index, required_fields};
use crate::problem::Position;

/// A list matched from raw fields.
#[derive(Debug)]
pub(crate) struct Derived {
    pub(crate) list: u8,
    /// For Email, Phone, MAID, CTVID one field; for NDZ and NameVIN the fields in DROP's order.
    pub(crate) fields: Vec<(Field, Vec<Col>)>,
}

/// What to do with each record, worked out once from the mapping and the lists present.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) file: Arc<str>,
    pub(crate) width: usize,
    pub(crate) key: Col,
    pub(crate) derived: Vec<Derived>,
    pub(crate) hashed: Vec<(u8, Vec<Col>)>,
    pub(crate) max_problems: usize,
    /// The raw identifier columns in mapping order, whose standardized values are handed back
    /// for matched records; empty when they are not collected.
    pub(crate) retained: Vec<(Field, Col)>,
    /// Lists present with work items but no way to match them from this mapping.
    pub(crate) unmatchable: Vec<ListType>,
    /// What problems' positions count: CSV lines (the default) or record batch rows.
    pub(crate) position: Position,
}

impl Plan {
    pub(crate) fn new(
        file: Arc<str>,
        resolved: Resolved,
        lists: &Lists,
        max_problems: usize,
        collect_fields: bool,
    ) -> Self {
        let Resolved {
            key,
            fields,
            hashed: hashed_cols,
            in_order,
            width,
        } = resolved;
        let mut derived = Vec::new();
        let mut hashed = Vec::new();
        let mut unmatchable = Vec::new();
        for (i, data) in lists.lists.iter().enumerate() {
            let list = i as u8;
            let pre = &hashed_cols[list_index(data.list)];
            if !pre.is_empty() {
                hashed.push((list, pre.clone()));
            }
            let needed = required_fields(data.list);
            let usable = needed.iter().all(|&f| !fields[field_index(f)].is_empty());
            if usable {
                derived.push(Derived {
                    list,
                    fields: needed
                        .iter()
                        .map(|&f| (f, fields[field_index(f)].clone()))
                        .collect(),
                });
            }
            if !usable && pre.is_empty() && data.len() > 0 {
                unmatchable.push(data.list);
            }
        }
        Plan {
            file,
            width,
            key,
            derived,
            hashed,
            max_problems,
            retained: if collect_fields { in_order } else { Vec::new() },
            unmatchable,
            position: Position::Line,
        }
    }
}

impl Plan {
    /// The raw fields whose values are kept for matched records, in mapping order, each once.
    pub(crate) fn field_order(&self) -> Vec<Field> {
        let mut order: Vec<Field> = Vec::new();
        for (field, _) in &self.retained {
            if !order.contains(field) {
                order.push(*field);
            }
        }
        order
    }
}
