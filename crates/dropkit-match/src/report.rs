//! The match report: one row per matched work item and distinct consumer key, read straight
//! from the work items' states, as Rust values ([`MatchOutcome::matches`]) or as CSV
//! ([`MatchOutcome::write_matches`]).

use std::io::Write;

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::ListType;

use crate::MatchOutcome;
use crate::item_state::ItemState;

/// The header of the match report, byte for byte.
pub const MATCHES_HEADER: &str = "Id,ListType,Key,Status";

/// One row of the match report: a consumer whose data the broker must delete (or opt out, or
/// keep as exempt) because of a work item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    /// The work item.
    pub id: WorkItemId,
    /// Its list.
    pub list_type: ListType,
    /// The broker's consumer key.
    pub key: &'a str,
    /// The work item's status (the same on every row of the work item).
    pub status: Status,
}

impl MatchOutcome {
    /// The match report: one row per matched work item and distinct consumer key, list by list
    /// in file order, a work item's keys in the order the records came. The broker deletes (or
    /// opts out) these consumers' data.
    pub fn matches(&self) -> impl Iterator<Item = Match<'_>> + '_ {
        self.lists
            .lists
            .iter()
            .enumerate()
            .flat_map(move |(l, data)| {
                self.states[l]
                    .iter()
                    .enumerate()
                    .filter(|(_, state)| !matches!(ItemState::of(**state), ItemState::Unmatched))
                    .flat_map(move |(e, &state)| {
                        let id = data.id(e as u32);
                        let status = self.statuses[l][e];
                        self.keys_of(state).map(move |key| Match {
                            id: id.clone(),
                            list_type: data.list,
                            key,
                            status,
                        })
                    })
            })
    }

    /// The distinct consumer keys of a work item's state, in the order the records came.
    pub(crate) fn keys_of(&self, state: u32) -> impl Iterator<Item = &str> + '_ {
        let (one, several): (Option<u32>, &[u32]) = match ItemState::of(state) {
            ItemState::Unmatched => (None, &[]),
            ItemState::One(k) => (Some(k), &[]),
            ItemState::Several(m) => (None, &self.multi[m]),
        };
        one.into_iter()
            .chain(several.iter().copied())
            .map(|k| self.keys.get(k))
    }

    /// Writes the match report as CSV (`Id,ListType,Key,Status`, LF line ends, keys quoted
    /// when they need it); returns the number of rows.
    pub fn write_matches(&self, out: impl Write) -> Result<u64, std::io::Error> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        out.write_all(MATCHES_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        let mut rows = 0;
        for m in self.matches() {
            // Ids never need quoting (dropkit-files refuses commas, quotes and line breaks in
            // them), list types neither; keys are the broker's and may.
            out.write_all(m.id.as_str().as_bytes())?;
            out.write_all(b",")?;
            out.write_all(m.list_type.as_str().as_bytes())?;
            out.write_all(b",")?;
            write_field(&mut out, m.key)?;
            out.write_all(&[b',', b'0' + m.status.code(), b'\n'])?;
            rows += 1;
        }
        out.flush()?;
        Ok(rows)
    }
}

/// Writes a CSV field, quoted (RFC 4180) if it holds a comma, quote or line break, or starts
/// or ends with a space (which some readers trim).
fn write_field(out: &mut impl Write, field: &str) -> std::io::Result<()> {
    let b = field.as_bytes();
    let needs = memchr::memchr3(b',', b'"', b'\n', b).is_some()
        || memchr::memchr(b'\r', b).is_some()
        || b.first().is_some_and(|c| *c == b' ')
        || b.last().is_some_and(|c| *c == b' ');
    if !needs {
        return out.write_all(b);
    }
    out.write_all(b"\"")?;
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}
