//! Cuts the records CSV into blocks of whole records, so that blocks parse in parallel.
//!
//! A newline ends a record unless it is inside a quoted field, and (for RFC 4180 CSV) it is
//! inside one exactly when an odd number of `"` come before it. A block ends after the last
//! newline with an even count; blocks without a quote (the common case) just end after their
//! last newline. A hostile file whose quotes never balance cannot make a block grow without
//! bound: past [`MAX_BLOCK`] bytes it is cut at a newline anyway, and the rows around the cut
//! come out with the wrong field count and are reported.

use std::io::{self, Read};

use memchr::{memchr, memchr_iter, memchr2, memchr2_iter, memrchr};

/// Bytes read per block: about 5,000 records, enough to keep a worker busy for a while.
pub(crate) const BLOCK: usize = 1 << 19;
/// Most bytes a block grows to while looking for the end of a quoted field.
pub(crate) const MAX_BLOCK: usize = 64 << 20;

/// Whole records. Their lines are counted by the worker that processes them (out of the
/// reader's lock): see [`crate::probe::BlockResult::newlines`].
#[derive(Debug, Default)]
pub(crate) struct Block {
    pub(crate) data: Vec<u8>,
    /// No quote and no carriage return but in CRLF: records are lines, fields split at every
    /// comma, exactly as a CSV parser would read them.
    pub(crate) plain: bool,
}

/// Reads a CSV as [`Block`]s of whole records.
pub(crate) struct BlockReader<R> {
    inner: R,
    carry: Vec<u8>,
    eof: bool,
    block: usize,
    max_block: usize,
    at_start: bool,
    spare: Vec<Vec<u8>>,
}

impl<R: Read> BlockReader<R> {
    pub(crate) fn with_sizes(inner: R, block: usize, max_block: usize) -> Self {
        BlockReader {
            inner,
            carry: Vec::new(),
            eof: false,
            block: block.max(1),
            max_block: max_block.max(block),
            at_start: true,
            spare: Vec::new(),
        }
    }

    /// Takes back a block's buffer for a later block (saves allocating and faulting in a
    /// fresh megabyte per block).
    pub(crate) fn recycle(&mut self, block: Block) {
        if self.spare.len() < 8 {
            self.spare.push(block.data);
        }
    }

    fn fill(&mut self, data: &mut Vec<u8>, upto: usize) -> io::Result<()> {
        while data.len() < upto && !self.eof {
            let want = (upto - data.len()) as u64;
            let n = (&mut self.inner).take(want).read_to_end(data)?;
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The next block, `None` at the end. A UTF-8 BOM at the very start is dropped.
    pub(crate) fn next_block(&mut self) -> io::Result<Option<Block>> {
        let mut data = self.spare.pop().unwrap_or_default();
        data.clear();
        data.extend_from_slice(&self.carry);
        self.carry.clear();
        data.reserve(self.block.saturating_sub(data.len()));
        let mut upto = self.block;
        // Where the block ends, and whether it may have a quote or a carriage return (the
        // search for its end tells when it has none).
        let (cut, marks) = loop {
            self.fill(&mut data, upto)?;
            if self.at_start {
                self.at_start = false;
                if data.starts_with(b"\xEF\xBB\xBF") {
                    data.drain(..3);
                    self.fill(&mut data, upto)?;
                }
            }
            if self.eof {
                break (data.len(), Marks::MAYBE);
            }
            let (boundary, marks) = record_boundary(&data);
            if let Some(cut) = boundary {
                break (cut, marks);
            }
            if data.len() >= self.max_block {
                break (
                    memrchr(b'\n', &data).map_or(data.len(), |p| p + 1),
                    Marks::MAYBE,
                );
            }
            upto = data.len().saturating_mul(2).min(self.max_block);
        };
        if cut == 0 {
            return Ok(None);
        }
        self.carry.extend_from_slice(&data[cut..]);
        data.truncate(cut);
        // What the search for the cut found in none of the data is in none of the block: not
        // looked for again (a CRLF file's blocks were searched twice for quotes).
        let quote = marks.quote && memchr(b'"', &data).is_some();
        let lone_carriage_return = marks.carriage_return
            && memchr_iter(b'\r', &data).any(|p| data.get(p + 1) != Some(&b'\n'));
        let plain = !quote && !lone_carriage_return;
        Ok(Some(Block { data, plain }))
    }
}

/// Whether some data may have a quote, a carriage return (`false`: it has none).
#[derive(Clone, Copy)]
struct Marks {
    quote: bool,
    carriage_return: bool,
}

impl Marks {
    /// Not searched for.
    const MAYBE: Marks = Marks {
        quote: true,
        carriage_return: true,
    };
}

/// The end of the last whole record in `data` (just past a newline outside quotes), and
/// what marks `data` may have.
fn record_boundary(data: &[u8]) -> (Option<usize>, Marks) {
    let last_line_end = || memrchr(b'\n', data).map(|p| p + 1);
    // Most blocks have neither: one search tells, and the block is then plain.
    if memchr2(b'"', b'\r', data).is_none() {
        let none = Marks {
            quote: false,
            carriage_return: false,
        };
        return (last_line_end(), none);
    }
    if memchr(b'"', data).is_none() {
        let carriage_returns = Marks {
            quote: false,
            carriage_return: true,
        };
        return (last_line_end(), carriage_returns);
    }
    let mut quoted = false;
    let mut cut = None;
    for p in memchr2_iter(b'"', b'\n', data) {
        if data[p] == b'"' {
            quoted = !quoted;
        } else if !quoted {
            cut = Some(p + 1);
        }
    }
    (cut, Marks::MAYBE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks, each with the line its first record starts on (the lines of the blocks
    /// before it counted, as the folding does).
    fn blocks(input: &[u8], block: usize, max: usize) -> Vec<(String, u64)> {
        let mut r = BlockReader::with_sizes(input, block, max);
        let mut out = Vec::new();
        let mut line = 1;
        while let Some(b) = r.next_block().unwrap() {
            let newlines = b.data.iter().filter(|&&c| c == b'\n').count() as u64;
            out.push((String::from_utf8(b.data).unwrap(), line));
            line += newlines;
        }
        out
    }

    #[test]
    fn cuts_after_whole_records() {
        let csv = b"h1,h2\na,1\nb,2\nc,3\n";
        for size in 1..csv.len() + 2 {
            let out = blocks(csv, size, 1024);
            let joined: String = out.iter().map(|(s, _)| s.as_str()).collect();
            assert_eq!(joined.as_bytes(), csv);
            for (s, line) in &out {
                assert!(s.ends_with('\n'), "{size}: {s:?}");
                let first = s.lines().next().unwrap();
                let expected = csv
                    .split(|&b| b == b'\n')
                    .position(|l| l == first.as_bytes());
                assert_eq!(Some(*line as usize - 1), expected, "{size}");
            }
        }
    }

    #[test]
    fn never_cuts_inside_quotes() {
        let csv = b"k,v\n1,\"multi\nline\"\n2,\"a\"\"b\nc\"\n3,x\n";
        for size in 1..csv.len() + 2 {
            let out = blocks(csv, size, 1024);
            let joined: String = out.iter().map(|(s, _)| s.as_str()).collect();
            assert_eq!(joined.as_bytes(), csv);
            for (s, _) in &out {
                assert_eq!(s.matches('"').count() % 2, 0, "{size}: {s:?}");
            }
        }
        let lines: Vec<u64> = blocks(csv, 1, 1024).iter().map(|b| b.1).collect();
        assert_eq!(lines, [1, 2, 4]);
    }

    #[test]
    fn unbalanced_quotes_are_cut_at_the_limit_and_nothing_is_lost() {
        let mut csv = b"k,v\n1,\"never closed\n".to_vec();
        for i in 0..100 {
            csv.extend_from_slice(format!("{i},x\n").as_bytes());
        }
        let out = blocks(&csv, 8, 64);
        assert!(out.iter().all(|(s, _)| s.len() <= 64 + 8));
        let joined: String = out.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(joined.as_bytes(), &csv[..]);
    }

    proptest::proptest! {
        /// A block is plain exactly when it has no quote and every carriage return comes
        /// before a newline, whatever the sizes (quotes before, in and after each cut).
        #[test]
        fn plain_exactly_without_quotes_or_lone_carriage_returns(
            data in proptest::collection::vec(proptest::prop_oneof![
                8 => proptest::strategy::Just(b'a'), 2 => proptest::strategy::Just(b'\n'),
                1 => proptest::strategy::Just(b'"'), 1 => proptest::strategy::Just(b'\r'),
                1 => proptest::strategy::Just(b','),
            ], 0..200),
            block in 1usize..64,
        ) {
            let mut r = BlockReader::with_sizes(&data[..], block, 128);
            while let Some(b) = r.next_block().unwrap() {
                let d = &b.data;
                let plain = !d.contains(&b'"')
                    && d.iter().enumerate().all(|(i, &c)| c != b'\r' || d.get(i + 1) == Some(&b'\n'));
                proptest::prop_assert_eq!(b.plain, plain, "{:?}", String::from_utf8_lossy(d));
            }
        }
    }

    #[test]
    fn bom_dropped_and_last_line_without_newline_kept() {
        let out = blocks(b"\xEF\xBB\xBFk,v\n1,2", 4, 64);
        let joined: String = out.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(joined, "k,v\n1,2");
        assert!(blocks(b"", 4, 64).is_empty());
    }
}
