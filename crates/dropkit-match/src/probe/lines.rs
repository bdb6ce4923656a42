//! The lines of a plain block (no quote anywhere), cut at their commas.
//!
//! The block is classified 64 bytes at a time into a mask of its commas and newlines, and the
//! set bits are walked in order, each told apart by its byte. This replaces a search that
//! stopped at every comma and newline (about seven a record). On x86_64 the mask comes from
//! SSE2 (the baseline there): byte compares, then one byte mask instruction per 16 bytes
//! (issue 16's seventh pass: 80 to 32 instructions a record, callgrind); elsewhere from byte
//! compares gathered eight at a time by a multiplication.

/// The bits of the commas and newlines of `chunk` (byte `i` to bit `i`).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn marks(chunk: &[u8; 64]) -> u64 {
    word_marks(chunk)
}

/// The bits of the commas and newlines of `chunk` (byte `i` to bit `i`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn marks(chunk: &[u8; 64]) -> u64 {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };
    let (words, _) = chunk.as_chunks::<16>();
    let comma = set_splat_i8_m128i(b',' as i8);
    let newline = set_splat_i8_m128i(b'\n' as i8);
    let mut m = 0;
    for (k, w) in words.iter().enumerate() {
        let w = load_unaligned_m128i(w);
        let hits = bitor_m128i(
            cmp_eq_mask_i8_m128i(w, comma),
            cmp_eq_mask_i8_m128i(w, newline),
        );
        // The sign bits of the 16 bytes, as the low 16 bits.
        m |= u64::from(move_mask_i8_m128i(hits) as u16) << (16 * k);
    }
    m
}

/// Eight bytes' flags (each byte 0 or 1), gathered into the low eight bits (byte `k`'s flag
/// to bit `k`) by the top byte of one multiplication: no two partial products share a bit.
#[cfg(any(not(target_arch = "x86_64"), test))]
const GATHER: u64 = 0x0102_0408_1020_4080;

/// The bits of the commas and newlines of `chunk` (byte `i` to bit `i`), by byte compares
/// and multiplications (targets other than x86_64; tested against the SSE2 form here).
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline(always)]
fn word_marks(chunk: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &c) in flags.iter_mut().zip(chunk) {
        *f = u8::from(c == b',') | u8::from(c == b'\n');
    }
    let (words, _) = flags.as_chunks::<8>();
    let mut m = 0;
    for (k, w) in words.iter().enumerate() {
        m |= (u64::from_le_bytes(*w).wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    m
}

/// The marks of the 64 bytes of `data` from `at` on (fewer at its end: the rest padded with
/// bytes that are neither a comma nor a newline).
#[inline(always)]
fn marks_at(data: &[u8], at: usize) -> u64 {
    match data
        .get(at..at + 64)
        .and_then(|c| <&[u8; 64]>::try_from(c).ok())
    {
        Some(chunk) => marks(chunk),
        None => {
            let tail = data.get(at..).unwrap_or_default();
            let mut last = [0u8; 64];
            last[..tail.len()].copy_from_slice(tail);
            marks(&last)
        }
    }
}

/// The lines of `data` (the bytes between newlines, and after the last newline if any are
/// left), in order, each with its start in `data`, without its newline and without one
/// carriage return before it; [`Lines::next`] says where each of its fields ends (the commas'
/// positions in the line, then the line's length). Empty lines are handed on too.
pub(crate) struct Lines<'a> {
    data: &'a [u8],
    /// Where the current 64 bytes start.
    base: usize,
    /// The marks of the current 64 bytes not yet walked.
    marks: u64,
    /// Where the current line starts.
    start: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lines {
            data,
            base: 0,
            marks: if data.is_empty() {
                0
            } else {
                marks_at(data, 0)
            },
            start: 0,
        }
    }

    /// The next line: its start and its text; `ends` (cleared first) gets its fields' ends.
    #[inline(always)]
    pub(crate) fn next(&mut self, ends: &mut Vec<usize>) -> Option<(usize, &'a [u8])> {
        ends.clear();
        let end = loop {
            if self.marks != 0 {
                let at = self.base + self.marks.trailing_zeros() as usize;
                self.marks &= self.marks - 1;
                if self.data.get(at) == Some(&b',') {
                    ends.push(at - self.start);
                    continue;
                }
                break at;
            }
            self.base += 64;
            if self.base < self.data.len() {
                self.marks = marks_at(self.data, self.base);
                continue;
            }
            if self.start < self.data.len() {
                break self.data.len();
            }
            return None;
        };
        let at = self.start;
        let mut line = self.data.get(at..end).unwrap_or_default();
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        ends.push(line.len());
        self.start = end + 1;
        Some((at, line))
    }
}

#[cfg(test)]
mod tests {
    use memchr::memchr2_iter;
    use proptest::prelude::*;

    use super::*;

    /// The lines as the plain path cut them with memchr before: one search for the next
    /// comma or newline at a time.
    fn reference(data: &[u8]) -> Vec<(usize, Vec<u8>, Vec<usize>)> {
        let mut out = Vec::new();
        let mut ends = Vec::new();
        let mut start = 0;
        let mut marks = memchr2_iter(b',', b'\n', data);
        loop {
            let end = match marks.next() {
                Some(p) if data[p] == b',' => {
                    ends.push(p - start);
                    continue;
                }
                Some(p) => p,
                None if start < data.len() => data.len(),
                None => break,
            };
            let mut line = &data[start..end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            ends.push(line.len());
            out.push((start, line.to_vec(), std::mem::take(&mut ends)));
            start = end + 1;
        }
        out
    }

    fn lines(data: &[u8]) -> Vec<(usize, Vec<u8>, Vec<usize>)> {
        let mut out = Vec::new();
        let mut ends = vec![7, 7];
        let mut lines = Lines::new(data);
        while let Some((at, line)) = lines.next(&mut ends) {
            out.push((at, line.to_vec(), ends.to_vec()));
        }
        assert!(ends.is_empty());
        assert!(lines.next(&mut ends).is_none());
        out
    }

    #[test]
    fn a_plain_block() {
        let data = b"k,a,b\r\n1,x,\n\n2,,y\r\n3,z,w";
        assert_eq!(lines(data), reference(data));
        assert_eq!(lines(data).len(), 5);
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"\n"), [(0, vec![], vec![0])]);
    }

    proptest! {
        /// Every line, its start and its fields' ends are the ones found one search at a
        /// time: commas, newlines, CRLF, blank lines, no final newline, bytes that are not
        /// UTF-8, across 64-byte chunks.
        #[test]
        fn cuts_as_the_search_one_mark_at_a_time(
            data in prop::collection::vec(
                prop_oneof![
                    6 => Just(b'a'), 2 => Just(b','), 1 => Just(b'\n'), 1 => Just(b'\r'),
                    1 => Just(0u8), 1 => Just(0xC3), 1 => Just(0xFF), 1 => Just(b' '),
                ],
                0..400,
            ),
        ) {
            prop_assert_eq!(lines(&data), reference(&data));
        }

        /// Both ways to a chunk's marks agree (the multiplications are other targets' way).
        #[test]
        fn both_ways_to_the_marks_agree(
            data in prop::collection::vec(
                prop_oneof![
                    2 => Just(b','), 2 => Just(b'\n'), 1 => Just(b'\r'), 1 => Just(0xACu8),
                    2 => any::<u8>(),
                ],
                64,
            ),
        ) {
            let mut bytes = [0u8; 64];
            bytes.copy_from_slice(&data);
            let want = bytes
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &c)| m | (u64::from(c == b',' || c == b'\n') << i));
            prop_assert_eq!(marks(&bytes), want);
            prop_assert_eq!(word_marks(&bytes), want);
        }

        /// Long lines of realistic records, every length around the chunk size.
        #[test]
        fn records_of_every_length(
            fields in prop::collection::vec("[a-z@. ]{0,40}", 1..8),
            records in 1usize..12,
            crlf: bool,
            last_newline: bool,
        ) {
            let sep = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            for r in 0..records {
                text.push_str(&fields.join(","));
                if r + 1 < records || last_newline {
                    text.push_str(sep);
                }
            }
            prop_assert_eq!(lines(text.as_bytes()), reference(text.as_bytes()));
        }
    }
}
