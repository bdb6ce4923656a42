//! One record's fields, from a CSV parser or from a plain line cut at its commas; and the
//! standardized values of a record that matched, read again from its block.

use dropkit_hash::{Field, standardize};
use memchr::memchr;

use crate::blocks::Block;
use crate::plan::Plan;

/// The fields of one record.
pub(crate) trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> &[u8];

    /// Field `i` as text; `None` when it is not UTF-8.
    fn field_str(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.field(i)).ok()
    }

    /// Where field `i` starts in the text [`Fields::field_str`] reads it from, when that
    /// text outlives the record (a plain block checked as UTF-8 once): the field is then a
    /// span of it and need not be copied. `None` (the default) when it is not.
    fn text_start(&self, _i: usize) -> Option<usize> {
        None
    }
}

// `field(i)` is only called with `i < count()`: a record whose field count differs from the
// header's is skipped before any field is read, and every column of the plan was found in
// the header. An index out of range is a bug of this crate, and panics rather than reading
// as an empty value.
impl Fields for csv::ByteRecord {
    fn count(&self) -> usize {
        self.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        &self[i]
    }
}

/// A line of a plain block, cut at its commas: field `i` ends at `ends[i]`.
pub(crate) struct Split<'a> {
    pub(crate) line: &'a [u8],
    pub(crate) ends: &'a [usize],
    /// The whole block as text, when it is UTF-8 (checked once per block): the line's
    /// fields are then text without checking each again.
    pub(crate) text: Option<&'a str>,
    /// Where the line starts in `text`.
    pub(crate) at: usize,
}

impl Split<'_> {
    /// Where field `i` starts in the line (just past the comma before it).
    #[inline(always)]
    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[i - 1] + 1 }
    }
}

impl Fields for Split<'_> {
    #[inline]
    fn count(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        let start = self.start(i);
        &self.line[start..self.ends[i]]
    }

    // Called for the key and each mapped value of every record: a call was about a third
    // of its cost (callgrind).
    #[inline(always)]
    fn field_str(&self, i: usize) -> Option<&str> {
        let start = self.start(i);
        // Fields are cut at ASCII commas, so they start and end on character boundaries of
        // UTF-8 text; `get` checks that much without reading the field again.
        match self
            .text
            .and_then(|t| t.get(self.at + start..self.at + self.ends[i]))
        {
            Some(text) => Some(text),
            None => std::str::from_utf8(self.field(i)).ok(),
        }
    }

    #[inline]
    fn text_start(&self, i: usize) -> Option<usize> {
        self.text?;
        Some(self.at + self.start(i))
    }
}

pub(crate) fn is_blank(v: &[u8]) -> bool {
    v.iter().all(u8::is_ascii_whitespace)
}

/// The standardized values of the record starting at byte `at` of `block`, in mapping order,
/// each `(field, value)` pair once. Values that are blank or do not standardize are left out
/// (the latter are reported as problems when the field is used for matching).
pub(crate) fn matched_fields(
    block: &Block,
    at: usize,
    plan: &Plan,
    buf: &mut String,
    ends: &mut Vec<usize>,
) -> Vec<(Field, String)> {
    let mut fields: Vec<(Field, String)> = Vec::new();
    let Some(data) = block.data.get(at..) else {
        return fields;
    };
    let mut collect = |rec: &dyn Fields| fields = retained_fields(rec, plan, buf);
    if block.plain {
        let mut line = &data[..memchr(b'\n', data).unwrap_or(data.len())];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        ends.clear();
        ends.extend(memchr::memchr_iter(b',', line));
        ends.push(line.len());
        if ends.len() == plan.width {
            collect(&Split {
                line,
                ends,
                text: None,
                at: 0,
            });
        }
    } else {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        // The record was read from these very bytes before, so it reads the same again.
        match rdr.read_byte_record(&mut rec) {
            Ok(true) if rec.len() == plan.width => collect(&rec),
            other => debug_assert!(false, "a matched record reads differently: {other:?}"),
        }
    }
    fields
}

/// The standardized values of `rec`'s retained fields, in mapping order, each `(field, value)`
/// pair once; blank values and values that do not standardize are left out.
pub(crate) fn retained_fields(
    rec: &dyn Fields,
    plan: &Plan,
    buf: &mut String,
) -> Vec<(Field, String)> {
    let mut fields: Vec<(Field, String)> = Vec::new();
    for (field, col) in &plan.retained {
        let v = rec.field(col.index);
        if is_blank(v) {
            continue;
        }
        let Some(text) = rec.field_str(col.index) else {
            continue;
        };
        buf.clear();
        if standardize::field_into(*field, text, buf).is_ok()
            && !fields.iter().any(|(f, s)| f == field && s == buf)
        {
            fields.push((*field, buf.clone()));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A plain line's fields read as text from the block's text are the fields checked
        /// one by one.
        #[test]
        fn fields_from_the_checked_block_are_the_fields_checked_alone(
            parts in prop::collection::vec(prop::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(0xC3), Just(0xA9), Just(0xFF)], 0..8), 1..6),
        ) {
            let line: Vec<u8> = parts.concat();
            let mut ends: Vec<usize> = memchr::memchr_iter(b',', &line).collect();
            ends.push(line.len());
            let text = std::str::from_utf8(&line).ok();
            // The line inside a longer text, as in its block.
            let block = text.map(|t| format!("x,\u{e9}\n{t}\n"));
            let split = Split { line: &line, ends: &ends, text: block.as_deref(), at: 5 };
            let alone = Split { line: &line, ends: &ends, text: None, at: 0 };
            for i in 0..split.count() {
                prop_assert_eq!(split.field_str(i), std::str::from_utf8(split.field(i)).ok());
                prop_assert_eq!(alone.field_str(i), split.field_str(i));
            }
        }
    }
}
