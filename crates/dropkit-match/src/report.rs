//! The match report: one row per matched work item and distinct consumer key, read straight
//! from the matches' store, part by part, as Rust values ([`MatchOutcome::matches`]) or as CSV
//! ([`MatchOutcome::write_matches`]).

use std::io::Write;

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::ListType;

use crate::MatchOutcome;

use crate::match_store::{key_of, keys_text, next_key, settled_rows};
use crate::writing::in_order;

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

/// Parts of the match report rendered at once, per thread (a part is a few thousand work
/// items, some 100 KB of text when all of them matched).
const RENDER_PARTS_PER_THREAD: usize = 1;

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
                let (parts, _) = self.store.parts(l);
                (0..parts).flat_map(move |p| {
                    let bytes = self.store.part(l, p);
                    // The store's own bytes: they read back as written.
                    let rows = settled_rows(bytes, self.store.entries(l, p)).unwrap_or_default();
                    rows.into_iter().filter_map(move |row| {
                        Some(Match {
                            id: data.id(row.0),
                            list_type: data.list,
                            key: key_of(bytes, &row).ok()?,
                            status: self.statuses[l][row.0 as usize],
                        })
                    })
                })
            })
    }

    /// Writes the match report as CSV (`Id,ListType,Key,Status`, LF line ends, keys quoted
    /// when they need it); returns the number of rows. The parts of each list are rendered on
    /// every core, and written in order.
    pub fn write_matches(&self, out: impl Write) -> Result<u64, std::io::Error> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        out.write_all(MATCHES_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        let mut rows = 0;
        let at_once = rayon::current_num_threads().max(1) * RENDER_PARTS_PER_THREAD;
        for l in 0..self.lists.lists.len() {
            let (parts, _) = self.store.parts(l);
            let all: Vec<usize> = (0..parts).collect();
            in_order(
                &all,
                at_once,
                |&p| self.render_part(l, p),
                |(text, n)| {
                    rows += n;
                    out.write_all(&text)
                },
            )?;
        }
        out.flush()?;
        Ok(rows)
    }

    /// The match report's rows of part `part` of list `l`, as CSV, with their number.
    fn render_part(&self, l: usize, part: usize) -> std::io::Result<(Vec<u8>, u64)> {
        let data = &self.lists.lists[l];
        let statuses = &self.statuses[l];
        let bytes = self.store.read_part(l, part)?;
        // Settled when the outcome was made: in order, so not sorted again (unless spilled).
        let rows = settled_rows(&bytes, self.store.entries(l, part))?;
        let text = keys_text(&bytes, &rows)?;
        let mut at = 0;
        let list = data.list.as_str().as_bytes();
        let mut out = Vec::with_capacity(bytes.len() * 2);
        for row in &rows {
            // Ids never need quoting (dropkit-files refuses commas, quotes and line breaks in
            // them), list types neither; keys are the broker's and may.
            out.extend_from_slice(data.id_bytes(row.0));
            out.push(b',');
            out.extend_from_slice(list);
            out.push(b',');
            write_field(&mut out, next_key(&text, &mut at, row)?)?;
            let status = statuses[row.0 as usize];
            out.extend_from_slice(&[b',', b'0' + status.code(), b'\n']);
        }
        Ok((out, rows.len() as u64))
    }
}

/// Writes a CSV field, quoted (RFC 4180) if it holds a comma, quote or line break, or starts
/// or ends with a space (which some readers trim).
fn write_field(out: &mut impl Write, field: &str) -> std::io::Result<()> {
    let b = field.as_bytes();
    // One pass over the (short) key, without a call per character class.
    let needs = b
        .iter()
        .fold(false, |n, &c| n | matches!(c, b',' | b'"' | b'\n' | b'\r'))
        || b.first().is_some_and(|c| *c == b' ')
        || b.last().is_some_and(|c| *c == b' ');
    if !needs {
        return out.write_all(b);
    }
    out.write_all(b"\"")?;
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Quoted exactly when a comma, quote, CR or LF is in it or a space starts or ends it.
        #[test]
        fn fields_are_quoted_when_they_need_it(field in "[a ,\"\r\nx]{0,12}|\\PC{0,20}") {
            let mut out = Vec::new();
            write_field(&mut out, &field).unwrap();
            let needs = field.contains([',', '"', '\n', '\r'])
                || field.starts_with(' ')
                || field.ends_with(' ');
            let expected = if needs {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                field.clone()
            };
            prop_assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }
}
