//! The rows of a part: its hits read back, ordered by work item (a work item's in the order
//! the records came), each key of a work item kept once, and their keys as text.

use std::io;
use std::ops::Range;

use super::corrupt;

/// One row of a settled part: the work item, and the key's place in the part's bytes.
pub(crate) type Row = (u32, usize, usize);

/// The rows of a part's bytes sorted by work item (a work item's in file order), each key of
/// a work item kept once (its first row). Every work item must be one of `entries` (the
/// part's), or the bytes are not what was stored.
pub(crate) fn settled_rows(bytes: &[u8], entries: Range<u32>) -> io::Result<Vec<Row>> {
    settle_rows(bytes, entries).map(|(rows, _)| rows)
}

/// [`settled_rows`], and whether they are the rows as stored (already settled: in order,
/// no key repeated).
pub(super) fn settle_rows(bytes: &[u8], entries: Range<u32>) -> io::Result<(Vec<Row>, bool)> {
    let mut rows: Vec<Row> = Vec::new();
    let mut in_order = true;
    let mut last = entries.start;
    let mut at = 0;
    while at < bytes.len() {
        let entry = bytes
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .filter(|e| entries.contains(e))
            .ok_or_else(corrupt)?;
        at += 4;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = *bytes.get(at).ok_or_else(corrupt)?;
            at += 1;
            len |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
            if shift > 28 {
                return Err(corrupt());
            }
        }
        if bytes.len() - at < len {
            return Err(corrupt());
        }
        in_order &= entry >= last;
        last = entry;
        rows.push((entry, at, len));
        at += len;
    }
    let stored = rows.len();
    if !in_order {
        rows = by_entry(&rows, &entries);
    }
    let key = |&(_, start, len): &Row| &bytes[start..start + len];
    let mut kept: Vec<Row> = Vec::with_capacity(rows.len());
    let mut group = 0;
    for row in rows {
        if kept.get(group).is_none_or(|first| first.0 != row.0) {
            group = kept.len();
        }
        if !kept[group..].iter().any(|k| key(k) == key(&row)) {
            kept.push(row);
        }
    }
    let as_stored = in_order && kept.len() == stored;
    Ok((kept, as_stored))
}

/// `rows` (of work items in `entries`) ordered by work item, in their order within a work
/// item: a counting sort, linear in the rows and the part's work items.
fn by_entry(rows: &[Row], entries: &Range<u32>) -> Vec<Row> {
    let slot = |row: &Row| (row.0 - entries.start) as usize;
    // next[i + 1]: rows of the part's work item i, then where its next row goes.
    let mut next = vec![0usize; (entries.end - entries.start) as usize + 1];
    for row in rows {
        next[slot(row) + 1] += 1;
    }
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    let mut sorted = vec![(0, 0, 0); rows.len()];
    for row in rows {
        let to = &mut next[slot(row)];
        sorted[*to] = *row;
        *to += 1;
    }
    sorted
}

/// The key of a settled row as text (keys were text when stored).
pub(crate) fn key_of<'a>(bytes: &'a [u8], row: &Row) -> io::Result<&'a str> {
    std::str::from_utf8(&bytes[row.1..row.1 + row.2]).map_err(|_| corrupt())
}

/// The keys of `rows` one after the other, as text: checked as UTF-8 once for all (keys were
/// text when stored; a part read back from the temporary file could differ). Take each with
/// [`next_key`].
pub(crate) fn keys_text(bytes: &[u8], rows: &[Row]) -> io::Result<String> {
    let mut text = Vec::with_capacity(rows.iter().map(|r| r.2).sum());
    for &(_, start, len) in rows {
        text.extend_from_slice(&bytes[start..start + len]);
    }
    String::from_utf8(text).map_err(|_| corrupt())
}

/// The key of `row` in the [`keys_text`] of its rows, `at` bytes in (the keys before it),
/// which moves past it. An error if it does not start and end on a character (its bytes
/// were not text on their own).
#[inline]
pub(crate) fn next_key<'a>(text: &'a str, at: &mut usize, row: &Row) -> io::Result<&'a str> {
    let key = text.get(*at..*at + row.2).ok_or_else(corrupt)?;
    *at += row.2;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::encode;
    use super::*;

    proptest! {
        #[test]
        fn by_entry_is_a_stable_sort(
            entries in prop::collection::vec(0u32..50, 0..400),
        ) {
            let rows: Vec<Row> = entries.iter().enumerate().map(|(i, &e)| (100 + e, i, 1)).collect();
            let mut sorted = rows.clone();
            sorted.sort_by_key(|r| r.0);
            prop_assert_eq!(by_entry(&rows, &(100..150)), sorted);
        }
    }

    #[test]
    fn keys_that_are_not_text_on_their_own_are_refused() {
        // Two halves of "é" as two keys: text together, not each.
        let mut bytes = Vec::new();
        encode(&mut bytes, 1, &[0xc3]);
        encode(&mut bytes, 2, &[0xa9]);
        let rows = settled_rows(&bytes, 0..4).unwrap();
        let text = keys_text(&bytes, &rows).unwrap();
        let mut at = 0;
        assert!(next_key(&text, &mut at, &rows[0]).is_err());
        assert!(key_of(&bytes, &rows[0]).is_err());
        // Not text at all.
        let mut bytes = Vec::new();
        encode(&mut bytes, 1, &[0xff]);
        let rows = settled_rows(&bytes, 0..4).unwrap();
        assert!(keys_text(&bytes, &rows).is_err());
        // A work item outside the part.
        assert!(settled_rows(&bytes, 2..4).is_err());
    }
}
