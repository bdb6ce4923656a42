//! A block of whole lines: read from the input, then hashed into its output bytes.

use std::io::{self, Read};
use std::str::Utf8Error;

use super::HashStats;
use super::line::{LineHasher, LineKind};

/// A UTF-8 byte-order mark (files saved by Excel or on Windows): not part of the first value.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// Reads at least once, then until `buf` holds `block_bytes` or the input ends; returns whether
/// it ended. Reading at least once lets a line longer than a block grow its buffer.
pub(super) fn fill(
    input: &mut impl Read,
    buf: &mut Vec<u8>,
    block_bytes: usize,
) -> io::Result<bool> {
    let chunk = (block_bytes / 4).max(1);
    loop {
        let start = buf.len();
        buf.resize(start + chunk, 0);
        let n = loop {
            match input.read(&mut buf[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(start);
                    return Err(e);
                }
            }
        };
        buf.truncate(start + n);
        if n == 0 {
            return Ok(true);
        }
        if buf.len() >= block_bytes {
            return Ok(false);
        }
    }
}

/// The number of lines in a block of whole lines (the last one may lack its line end).
pub(super) fn count_lines(block: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', block).count() as u64 + u64::from(!block.ends_with(b"\n"))
}

/// The output of one block, and the line that stopped it (lines before it are in `out`).
#[derive(Debug)]
pub(super) struct Hashed {
    /// `STANDARDIZED<TAB>HASH` or `ERROR<TAB>reason`, one line per input line.
    pub(super) out: Vec<u8>,
    /// What the lines in `out` gave.
    pub(super) stats: HashStats,
    /// The number of a line that is not UTF-8, and why; no line after it was read.
    pub(super) not_utf8: Option<(u64, Utf8Error)>,
}

/// Hashes the lines of `data`, numbered from `first_line` (1 for the start of the input, where
/// a byte-order mark is dropped). Lines end with LF or CRLF.
pub(super) fn hash_block(kind: LineKind, first_line: u64, data: &[u8]) -> Hashed {
    let mut hashed = Hashed {
        out: Vec::with_capacity(data.len() * 3),
        stats: HashStats::default(),
        not_utf8: None,
    };
    let mut hasher = LineHasher::new(kind);
    let data = match first_line {
        1 => data.strip_prefix(BOM).unwrap_or(data),
        _ => data,
    };
    // A byte-order mark alone is no line (an empty line still ends with a line end).
    if data.is_empty() {
        return hashed;
    }
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    // Checking UTF-8 once for the whole block is cheaper than line by line; only a block that
    // fails is checked line by line, to name the bad line.
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.split('\n') {
            answer(
                &mut hasher,
                line.strip_suffix('\r').unwrap_or(line),
                &mut hashed,
            );
        }
        return hashed;
    }
    for (number, line) in (first_line..).zip(data.split(|&b| b == b'\n')) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line) {
            Ok(text) => answer(&mut hasher, text, &mut hashed),
            Err(e) => {
                hashed.not_utf8 = Some((number, e));
                break;
            }
        }
    }
    hashed
}

/// Writes the answer to one line.
fn answer(hasher: &mut LineHasher, line: &str, hashed: &mut Hashed) {
    let out = &mut hashed.out;
    hashed.stats.lines += 1;
    match hasher.hash_line(line) {
        Ok(hash) => {
            hashed.stats.hashed += 1;
            out.extend_from_slice(hasher.standardized().as_bytes());
            out.push(b'\t');
            out.extend_from_slice(&hash.base64_bytes());
            out.push(b'\n');
        }
        Err(reason) => {
            hashed.stats.rejected += 1;
            out.extend_from_slice(b"ERROR\t");
            out.extend_from_slice(reason.to_string().as_bytes());
            out.push(b'\n');
        }
    }
}
