//! A block of whole lines: read from the input, then hashed into its output bytes.

use std::io::{self, Read};
use std::str::Utf8Error;

use super::HashStats;
use super::line::{LineError, LineHasher, LineKind};
use crate::{BASE64_LEN, DropHash};

/// A UTF-8 byte-order mark (files saved by Excel or on Windows): not part of the first value.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// Reads at least once, then until `buf` holds `block_bytes` or the input ends; returns whether
/// it ended. Reading at least once lets a line longer than a block grow its buffer. Reads
/// into the buffer's spare capacity, so a reused buffer is not zeroed first.
pub(super) fn fill(
    input: &mut impl Read,
    buf: &mut Vec<u8>,
    block_bytes: usize,
) -> io::Result<bool> {
    let want = block_bytes
        .saturating_sub(buf.len())
        .max(block_bytes / 4)
        .max(1);
    buf.reserve(want);
    let want = want as u64;
    // `read_to_end` retries reads cut short by a signal and stops at the limit or the end.
    let n = input.by_ref().take(want).read_to_end(buf)?;
    Ok((n as u64) < want)
}

/// What hashing a block gave: the counts of the lines answered, and the line that stopped it.
#[derive(Debug, Default)]
pub(super) struct Hashed {
    /// What the lines answered gave.
    pub(super) stats: HashStats,
    /// Why the line after the last one answered is not UTF-8; no line after it was answered.
    pub(super) not_utf8: Option<Utf8Error>,
}

/// Hashes the lines of `data` with `hasher`, appending `STANDARDIZED<TAB>HASH` or
/// `ERROR<TAB>reason` lines to `out`. `first` is true for the block at the start of the input,
/// where a byte-order mark is dropped. Lines end with LF or CRLF.
pub(super) fn hash_block(
    hasher: &mut LineHasher,
    first: bool,
    data: &[u8],
    out: &mut Vec<u8>,
) -> Hashed {
    let mut hashed = Hashed::default();
    out.reserve(data.len() * 3);
    let data = match first {
        true => data.strip_prefix(BOM).unwrap_or(data),
        false => data,
    };
    // A byte-order mark alone is no line (an empty line still ends with a line end).
    if data.is_empty() {
        return hashed;
    }
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    // Checking UTF-8 once for the whole block is cheaper than line by line; only a block that
    // fails is checked line by line, to name the bad line.
    if let Ok(text) = std::str::from_utf8(data) {
        let mut start = 0;
        // Single values are hashed two lines at a time (their SHA-256 rounds interleaved),
        // answered in order; `held` is the first line of a pair not yet hashed.
        let pairs = matches!(hasher.kind(), LineKind::Field(_));
        let mut held: Option<&str> = None;
        for end in memchr::memchr_iter(b'\n', data).chain([data.len()]) {
            // Line ends are ASCII, so both ends are char boundaries.
            let line = text.get(start..end).unwrap_or_default();
            start = end + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !pairs {
                answer(hasher, line, &mut hashed, out);
            } else if let Some(first) = held.take() {
                answer_pair(hasher, [first, line], &mut hashed, out);
            } else {
                held = Some(line);
            }
        }
        if let Some(last) = held {
            answer(hasher, last, &mut hashed, out);
        }
        return hashed;
    }
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line) {
            Ok(text) => answer(hasher, text, &mut hashed, out),
            Err(e) => {
                hashed.not_utf8 = Some(e);
                break;
            }
        }
    }
    hashed
}

/// Writes the answers to two lines, hashed together.
fn answer_pair(hasher: &mut LineHasher, lines: [&str; 2], hashed: &mut Hashed, out: &mut Vec<u8>) {
    match hasher.hash_pair(lines) {
        Some(results) => {
            for (i, result) in results.into_iter().enumerate() {
                write_answer(result, hasher.pair_standardized(i), hashed, out);
            }
        }
        None => {
            for line in lines {
                answer(hasher, line, hashed, out);
            }
        }
    }
}

/// Writes the answer to one line.
fn answer(hasher: &mut LineHasher, line: &str, hashed: &mut Hashed, out: &mut Vec<u8>) {
    let result = hasher.hash_line(line);
    write_answer(result, hasher.standardized(), hashed, out);
}

/// Writes `STANDARDIZED<TAB>HASH` or `ERROR<TAB>reason` for one line.
fn write_answer(
    result: Result<DropHash, LineError>,
    standardized: &str,
    hashed: &mut Hashed,
    out: &mut Vec<u8>,
) {
    hashed.stats.lines += 1;
    match result {
        Ok(hash) => {
            hashed.stats.hashed += 1;
            // `<TAB>HASH<LF>` as one copy.
            let mut tail = [b'\t'; BASE64_LEN + 2];
            tail[1..=BASE64_LEN].copy_from_slice(&hash.base64_bytes());
            tail[BASE64_LEN + 1] = b'\n';
            out.extend_from_slice(standardized.as_bytes());
            out.extend_from_slice(&tail);
        }
        Err(reason) => {
            hashed.stats.rejected += 1;
            out.extend_from_slice(b"ERROR\t");
            out.extend_from_slice(reason.to_string().as_bytes());
            out.push(b'\n');
        }
    }
}
