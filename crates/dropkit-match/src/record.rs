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
}

impl Fields for Split<'_> {
    fn count(&self) -> usize {
        self.ends.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        &self.line[start..self.ends[i]]
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
            collect(&Split { line, ends });
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
        let Ok(text) = std::str::from_utf8(v) else {
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
