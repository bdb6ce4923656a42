//! The hot path: parse a block of records, standardize and hash each mapped value once per
//! list type that applies, and probe the lists.

use dropkit_files::record_start;
use dropkit_hash::{DropHash, Field, Hasher, StandardizeError, composite, standardize};

use crate::blocks::Block;
use crate::digest_index::{Candidate, Group};
use crate::lists::Lists;
use crate::mapping::{Col, FIELD_COUNT, field_index};
use crate::plan::Plan;
use crate::record::{Fields, Split, is_blank, matched_fields};
use crate::{Problem, ProblemKind};

mod flush;
mod lines;

use flush::flush;

/// A record's identifier found in a list.
#[derive(Debug)]
pub(crate) struct Hit {
    /// Index into `Lists::lists`.
    pub(crate) list: u8,
    pub(crate) entry: u32,
    /// The consumer key: an index into `BlockResult::key_ends` (one key per matched row).
    pub(crate) key: u32,
}

/// What one block gave.
#[derive(Debug, Default)]
pub(crate) struct BlockResult {
    /// The newlines in the block (quoted ones too): where the next block's lines start. A
    /// block's problems say their line counted from the block's first (1), until the
    /// folding, which knows the lines before the block, makes it the file's
    /// ([`BlockResult::rebase`]); records not from a block (Arrow) say their own row, and 0.
    pub(crate) newlines: u64,
    pub(crate) records: u64,
    pub(crate) bad_rows: u64,
    pub(crate) problem_count: u64,
    /// The first problems, up to the plan's limit.
    pub(crate) problems: Vec<Problem>,
    pub(crate) hits: Vec<Hit>,
    /// The keys of the rows with a hit, one after the other, once per row.
    pub(crate) key_text: String,
    /// Where each key of `key_text` ends.
    pub(crate) key_ends: Vec<u32>,
    /// The rows with at least one hit, with their standardized field values (only when the
    /// plan collects them).
    pub(crate) matched_rows: Vec<MatchedRow>,
}

/// A record that matched at least one work item, with the standardized values of its mapped
/// identifier fields, in mapping order, each pair once.
#[derive(Debug)]
pub(crate) struct MatchedRow {
    /// The consumer key: an index into `BlockResult::key_ends`.
    pub(crate) key: u32,
    pub(crate) fields: Vec<(Field, String)>,
}

/// Per-worker buffers, reused from record to record.
struct Scratch {
    hasher: Hasher,
    /// Hashes of each field's values in the current record, by field index.
    field_hashes: [Vec<DropHash>; FIELD_COUNT],
    done: [bool; FIELD_COUNT],
    parts: Vec<DropHash>,
    /// Digests to probe: list, digest, index into `rows`.
    pending: Vec<(u8, [u8; 32], u32)>,
    /// Fields whose values are hashed at the flush, two at a time (SHA-NI lanes), standardized
    /// at once (or, for a plain email in a plain block, found where it lies: [`Deferred`]):
    /// those of the one-field lists (Email, Phone, MAID, CTVID), whose hashes no composite
    /// needs.
    deferred_fields: [bool; FIELD_COUNT],
    /// The standardized values waiting for their hash, one after the other.
    deferred_text: String,
    /// The values waiting for their hash, in `pending`'s order.
    deferred: Vec<Deferred>,
    groups: Vec<Group>,
    candidates: Vec<Candidate>,
    /// The digests with a candidate: indexes into `pending`.
    open: Vec<u32>,
    /// The open digests to search for in full: indexes into `open`.
    search: Vec<usize>,
    /// What each open digest found, by its index in `open`.
    found: Vec<Option<u32>>,
    /// The records queued.
    rows: Vec<Queued>,
    key_text: String,
    /// Standardized text of one value, for the matched rows' fields.
    standardized: String,
    ends: Vec<usize>,
}

/// A value waiting for its hash at the flush (two are hashed at a time, on SHA-NI lanes).
#[derive(Clone, Copy, Debug)]
struct Deferred {
    /// Its index in `pending`, whose digest it fills.
    pending: u32,
    /// Its span: of `Scratch::deferred_text` or of the block's text, as `from` says.
    start: u32,
    end: u32,
    from: DeferredFrom,
}

/// Where a [`Deferred`] value's text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DeferredFrom {
    /// `Scratch::deferred_text`, standardized.
    Standardized,
    /// The block's text (a plain block that is UTF-8 throughout), where an email that is
    /// plain visible ASCII was read ([`standardize::email_ascii_range`]): trimmed already, and
    /// lowercased as it is hashed where `lower` says, not copied (most emails; issue 16's
    /// seventh pass).
    Block { lower: bool },
}

/// The longest value hashed from the block's text: one SHA-256 block (longer ones would be
/// lowercased into a copy anyway; they take the standardized way).
const BLOCK_VALUE_MAX: usize = 55;

/// Where a queued record's consumer key is: most records match nothing, so a key is copied
/// (to [`BlockResult::key_text`]) only once one of its digests is found.
#[derive(Clone, Copy, Debug)]
enum KeyAt {
    /// A span of the block's text (a plain block that is UTF-8 throughout, alive until the
    /// block's last flush).
    Block(usize, usize),
    /// A span of `Scratch::key_text`, where the key was copied (the CSV reader's records and
    /// Arrow rows, whose fields do not outlive the record).
    Copied(usize, usize),
}

/// A record queued for probing.
struct Queued {
    /// The consumer key.
    key: KeyAt,
    /// Where the record starts in the block, to read its fields again if it matched.
    at: usize,
    /// The key's index in `BlockResult::key_ends` once a digest of the record was found.
    hit: Option<u32>,
}

/// Records queued before their digests are probed.
const PROBE_BATCH: usize = 128;

struct Row {
    line: u64,
    bad: bool,
}

impl BlockResult {
    fn problem(&mut self, plan: &Plan, row: &mut Row, column: Option<&Col>, kind: ProblemKind) {
        row.bad = true;
        self.problem_count += 1;
        if self.problems.len() < plan.max_problems {
            self.problems.push(Problem {
                file: plan.file.clone(),
                line: row.line,
                position: plan.position,
                column: column.map(|c| c.label.clone()),
                kind,
            });
        }
    }
}

/// Parses `block` (skipping its first record if it is the header) and probes every record.
pub(crate) fn process_block(
    block: &Block,
    skip_first: bool,
    plan: &Plan,
    lists: &Lists,
) -> BlockResult {
    let mut out = BlockResult::default();
    let mut scratch = Scratch::new(plan);
    let mut reread = |at: usize, buf: &mut String, ends: &mut Vec<usize>| {
        matched_fields(block, at, plan, buf, ends)
    };
    let mut first = skip_first;
    // A plain block's UTF-8 is checked once for the whole block; a block that is not UTF-8
    // is checked field by field, to say which field is not. Its keys are then spans of it.
    let text = if block.plain {
        std::str::from_utf8(&block.data).ok()
    } else {
        None
    };
    let keys = text.unwrap_or_default();
    if block.plain {
        // The fast path: lines and commas, found 64 bytes at a time.
        let data = &block.data[..];
        let mut ends = Vec::with_capacity(plan.width + 1);
        let mut line_no = 1;
        let mut lines = lines::Lines::new(data);
        while let Some((at, line)) = lines.next(&mut ends) {
            let this_line = line_no;
            line_no += 1;
            // A CSV reader skips empty lines too.
            if !line.is_empty() && !std::mem::take(&mut first) {
                let split = Split {
                    line,
                    ends: &ends,
                    text,
                    at,
                };
                take(
                    &mut out,
                    &mut scratch,
                    &split,
                    (this_line, at),
                    (&mut reread, keys),
                    plan,
                    lists,
                );
            }
        }
        // Every line was handed on, each ended by a newline but a last one without.
        out.newlines = line_no - 1 - u64::from(data.last().is_some_and(|&c| c != b'\n'));
    } else {
        out.newlines = memchr::memchr_iter(b'\n', &block.data).count() as u64;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&block.data[..]);
        let mut rec = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // Reading from memory, flexible, as bytes: the CSV reader has nothing left
                    // to fail on, but if it ever does, say so for the rest of the block.
                    let line = e
                        .position()
                        .map_or(1, |p| record_start(&block.data, p.line(), p.byte()).0);
                    let mut row = Row { line, bad: false };
                    out.problem(plan, &mut row, None, ProblemKind::Unreadable(e.to_string()));
                    out.bad_rows += 1;
                    break;
                }
            }
            if std::mem::take(&mut first) {
                continue;
            }
            // The reader sets every record's position; a record without one is not read
            // again for its fields (its line is the block's first).
            // In CRLF blocks the csv crate places a record a line early: `record_start`.
            let (line, at) = rec.position().map_or((1, usize::MAX), |p| {
                let (line, byte) = record_start(&block.data, p.line(), p.byte());
                (line, byte as usize)
            });
            take(
                &mut out,
                &mut scratch,
                &rec,
                (line, at),
                (&mut reread, ""),
                plan,
                lists,
            );
        }
    }
    flush(&mut out, &mut scratch, (&mut reread, keys), plan, lists);
    out
}

/// How a matched record's standardized fields are read again, by the record's `at` (with a
/// text buffer and a scratch vector): from its CSV block, or from its Arrow batch.
pub(crate) type Reread<'a> =
    dyn FnMut(usize, &mut String, &mut Vec<usize>) -> Vec<(Field, String)> + 'a;

#[cfg(feature = "arrow")]
/// Probes records that do not come from a CSV block (Arrow record batches): `rows` hands
/// every record to its argument with its line (or row number) and an index `at`, by which
/// `reread` finds a matched record again for its standardized fields. Same rules as
/// [`process_block`].
pub(crate) fn process_rows(
    rows: impl FnOnce(&mut dyn FnMut(&dyn Fields, u64, usize)),
    reread: &mut Reread<'_>,
    plan: &Plan,
    lists: &Lists,
) -> BlockResult {
    let mut out = BlockResult::default();
    let mut scratch = Scratch::new(plan);
    rows(&mut |rec: &dyn Fields, line: u64, at: usize| {
        take(
            &mut out,
            &mut scratch,
            rec,
            (line, at),
            (reread, ""),
            plan,
            lists,
        );
    });
    flush(&mut out, &mut scratch, (reread, ""), plan, lists);
    out
}

/// Takes one record, found at `line` and `at`: checks, standardizes and queues it, and probes
/// the queue when it is full. Generic over the record's kind, so that reading a plain line's
/// fields is inlined. `keys` is the block's text when the record's fields are spans of it
/// ([`Fields::text_start`]), else empty.
#[inline(always)]
fn take<F: Fields + ?Sized>(
    out: &mut BlockResult,
    scratch: &mut Scratch,
    rec: &F,
    (line, at): (u64, usize),
    (reread, keys): (&mut Reread<'_>, &str),
    plan: &Plan,
    lists: &Lists,
) {
    let mut row = Row { line, bad: false };
    out.records += 1;
    process_record(out, rec, &mut row, at, scratch, plan);
    if row.bad {
        out.bad_rows += 1;
    }
    if scratch.rows.len() >= PROBE_BATCH {
        flush(out, scratch, (reread, keys), plan, lists);
    }
}

impl Scratch {
    fn new(plan: &Plan) -> Self {
        let mut deferred_fields = [false; FIELD_COUNT];
        for d in &plan.derived {
            if let [(field, _)] = d.fields.as_slice() {
                deferred_fields[field_index(*field)] = true;
            }
        }
        // A field a composite also needs is hashed at once, for the composite.
        for d in plan.derived.iter().filter(|d| d.fields.len() > 1) {
            for (field, _) in &d.fields {
                deferred_fields[field_index(*field)] = false;
            }
        }
        Scratch {
            deferred_fields,
            deferred_text: String::with_capacity(PROBE_BATCH * 32),
            deferred: Vec::with_capacity(PROBE_BATCH * 2),
            hasher: Hasher::new(),
            field_hashes: Default::default(),
            done: [false; FIELD_COUNT],
            parts: Vec::with_capacity(4),
            pending: Vec::with_capacity(PROBE_BATCH * 2),
            groups: Vec::with_capacity(PROBE_BATCH * 2),
            candidates: Vec::with_capacity(PROBE_BATCH * 2),
            open: Vec::with_capacity(PROBE_BATCH * 2),
            search: Vec::new(),
            found: Vec::with_capacity(PROBE_BATCH * 2),
            rows: Vec::with_capacity(PROBE_BATCH),
            key_text: String::with_capacity(PROBE_BATCH * 16),
            standardized: String::new(),
            ends: Vec::new(),
        }
    }
}

fn process_record<F: Fields + ?Sized>(
    out: &mut BlockResult,
    rec: &F,
    row: &mut Row,
    at: usize,
    s: &mut Scratch,
    plan: &Plan,
) {
    if rec.count() != plan.width {
        let kind = ProblemKind::FieldCount {
            expected: plan.width,
            found: rec.count(),
        };
        out.problem(plan, row, None, kind);
        return;
    }
    let key_bytes = rec.field(plan.key.index);
    if is_blank(key_bytes) {
        out.problem(plan, row, Some(&plan.key), ProblemKind::EmptyKey);
        return;
    }
    let Some(key) = rec.field_str(plan.key.index) else {
        out.problem(plan, row, Some(&plan.key), ProblemKind::NotUtf8);
        return;
    };
    if key.len() > MAX_KEY_LEN {
        let kind = ProblemKind::KeyTooLong {
            len: key.len(),
            max: MAX_KEY_LEN,
        };
        out.problem(plan, row, Some(&plan.key), kind);
        return;
    }
    // Probing waits on memory (the table is far larger than the caches), so digests are
    // queued and probed in batches, where the processor overlaps the waits.
    let key_index = s.rows.len() as u32;
    let key_at = match rec.text_start(plan.key.index) {
        // A span of the block's text: copied only on a hit.
        Some(start) => KeyAt::Block(start, start + key.len()),
        None => {
            let start = s.key_text.len();
            s.key_text.push_str(key);
            KeyAt::Copied(start, s.key_text.len())
        }
    };
    s.rows.push(Queued {
        key: key_at,
        at,
        hit: None,
    });
    let pending = &mut s.pending;
    let probe = |pending: &mut Vec<(u8, [u8; 32], u32)>, list: u8, digest: &DropHash| {
        pending.push((list, *digest.as_bytes(), key_index));
    };
    s.done = [false; FIELD_COUNT];
    let deferred = &mut s.deferred;
    let deferred_text = &mut s.deferred_text;
    for (list, cols) in &plan.hashed {
        for col in cols {
            let v = rec.field(col.index);
            if is_blank(v) {
                continue;
            }
            match parse_hash(v.trim_ascii()) {
                Ok(h) => probe(pending, *list, &h),
                Err(reason) => out.problem(plan, row, Some(col), ProblemKind::NotAHash(reason)),
            }
        }
    }
    for d in &plan.derived {
        if let [(field, cols)] = d.fields.as_slice()
            && s.deferred_fields[field_index(*field)]
        {
            // Standardized now (its problems reported in order; a plain email is only found
            // in the block's text), hashed at the flush into the digest queued here in its
            // place.
            each_text(out, plan, row, rec, cols, |text, index| {
                let in_block = match (field, rec.text_start(index)) {
                    (Field::Email, Some(at)) => standardize::email_ascii_range(text)
                        .filter(|(range, _)| range.len() <= BLOCK_VALUE_MAX)
                        .map(|(range, lower)| (at + range.start, at + range.end, lower)),
                    _ => None,
                };
                let value = match in_block {
                    Some((start, end, lower)) => (start, end, DeferredFrom::Block { lower }),
                    None => {
                        let start = deferred_text.len();
                        standardize::field_into(*field, text, deferred_text)?;
                        (start, deferred_text.len(), DeferredFrom::Standardized)
                    }
                };
                // Blocks, keys and the batch's text are far below 4 GiB (u32).
                deferred.push(Deferred {
                    pending: pending.len() as u32,
                    start: value.0 as u32,
                    end: value.1 as u32,
                    from: value.2,
                });
                pending.push((d.list, [0; 32], key_index));
                Ok(())
            });
            continue;
        }
        let mut ready = true;
        for (field, cols) in &d.fields {
            let fi = field_index(*field);
            if !s.done[fi] {
                s.done[fi] = true;
                s.field_hashes[fi].clear();
                let (hasher, hashes) = (&mut s.hasher, &mut s.field_hashes[fi]);
                each_text(out, plan, row, rec, cols, |text, _| {
                    hashes.push(hasher.hash(*field, text)?);
                    Ok(())
                });
            }
            ready &= !s.field_hashes[fi].is_empty();
        }
        if !ready {
            continue;
        }
        if let [(field, _)] = d.fields.as_slice() {
            for h in &s.field_hashes[field_index(*field)] {
                probe(pending, d.list, h);
            }
        } else {
            // Every combination of the fields' values (one each in the usual mapping).
            let lens: Vec<usize> = d
                .fields
                .iter()
                .map(|(f, _)| s.field_hashes[field_index(*f)].len())
                .collect();
            let mut idx = vec![0usize; lens.len()];
            'combos: loop {
                s.parts.clear();
                for (k, (f, _)) in d.fields.iter().enumerate() {
                    s.parts.push(s.field_hashes[field_index(*f)][idx[k]]);
                }
                probe(pending, d.list, &composite(&s.parts));
                // the next combination, odometer style
                let mut k = lens.len();
                loop {
                    if k == 0 {
                        break 'combos;
                    }
                    k -= 1;
                    idx[k] += 1;
                    if idx[k] < lens[k] {
                        break;
                    }
                    idx[k] = 0;
                }
            }
        }
    }
}

/// Calls `each` with the text and the column of every value of `cols` in `rec` that is not
/// blank; a value that is not UTF-8, or that `each` cannot standardize, is a problem of the row
/// (in column order).
#[inline]
fn each_text<F: Fields + ?Sized>(
    out: &mut BlockResult,
    plan: &Plan,
    row: &mut Row,
    rec: &F,
    cols: &[Col],
    mut each: impl FnMut(&str, usize) -> Result<(), StandardizeError>,
) {
    for col in cols {
        if is_blank(rec.field(col.index)) {
            continue;
        }
        let Some(text) = rec.field_str(col.index) else {
            out.problem(plan, row, Some(col), ProblemKind::NotUtf8);
            continue;
        };
        if let Err(e) = each(text, col.index) {
            out.problem(plan, row, Some(col), ProblemKind::Standardize(e));
        }
    }
}

/// The longest consumer key accepted, in bytes: longer keys are a problem and their row is
/// skipped (a key is stored with a 24-bit length).
pub(crate) const MAX_KEY_LEN: usize = (1 << 24) - 1;

impl BlockResult {
    /// Makes the problems' lines the file's, given the line the block starts on.
    pub(crate) fn rebase(&mut self, first_line: u64) {
        for p in &mut self.problems {
            p.line += first_line - 1;
        }
    }

    /// Appends `key` to `key_text` and returns its index.
    fn push_key(&mut self, key: &str) -> u32 {
        // A block is at most 64 MiB and a key at most MAX_KEY_LEN: both fit in u32.
        let index = self.key_ends.len() as u32;
        self.key_text.push_str(key);
        self.key_ends.push(self.key_text.len() as u32);
        index
    }

    /// The text of key `index`.
    pub(crate) fn key(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 {
            0
        } else {
            self.key_ends[i - 1] as usize
        };
        &self.key_text[start..self.key_ends[i] as usize]
    }
}

/// A stored hash: 44 characters of padded standard Base64 (DROP's form) or 64 hex digits.
fn parse_hash(v: &[u8]) -> Result<DropHash, String> {
    match v.len() {
        64 => {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(v, &mut bytes).map_err(|e| format!("bad hex: {e}"))?;
            Ok(DropHash::from_bytes(bytes))
        }
        _ => DropHash::from_base64(v).map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::*;
    use crate::Mapping;

    /// A block counts its newlines (where the next block's lines start) whichever way it is
    /// read, plain or through the CSV reader: LF or CRLF, blank lines, a quoted newline, with
    /// or without a newline at its end.
    #[test]
    fn a_block_counts_its_newlines() {
        let lists = Lists::builder().build();
        let mapping: Mapping = "key=key,email=email".parse().unwrap();
        let resolved = mapping.resolve(&[b"key", b"email"], "r.csv").unwrap();
        let plan = Plan::new(Arc::from("r.csv"), resolved, &lists, 10, false);
        let texts = [
            "",
            "\n",
            "\n\n\n",
            "k,a@b.c\n",
            "k,a@b.c",
            "k,a@b.c\r\nj,d@e.f\r\n",
            "k,a\n\nj,b",
            "k,\"a\nb\"\nj,c\n",
            "k,\"a\r\nb\"",
        ];
        for text in texts {
            let newlines = text.matches('\n').count() as u64;
            let quoted = text.contains('"');
            // A plain block is read plain or through the CSV reader, a quoted one only so.
            for plain in [false, true].into_iter().filter(|&p| !(p && quoted)) {
                let block = Block {
                    data: text.as_bytes().to_vec(),
                    plain,
                };
                let out = process_block(&block, false, &plan, &lists);
                assert_eq!(out.newlines, newlines, "{text:?}, plain {plain}");
            }
        }
    }
}
