//! Splitting one composite line (`first,last,dob,zip`) into its fields, without a CSV reader.
//!
//! Building a `csv::Reader` for every line cost 92% of `dropkit hash ndz`'s time. A line is read
//! here exactly as such a reader (the `csv` crate's defaults: `,` between fields, `"` around a
//! field, `""` for a quote inside one, CR or LF ending a record, no header, no trimming) reads
//! the first record of that line, which a differential test below checks on arbitrary lines:
//!
//! - a byte-order mark at the start of the line is dropped (a new reader takes it for the start
//!   of a file);
//! - a line with no `"` and no CR is split on every `,` and borrowed, never copied (the fast
//!   path: nearly every line of broker data);
//! - otherwise the quotes are removed into one reused buffer. A `"` that does not open a field
//!   is an ordinary character (`O"Neil`), text after a closing quote joins the field
//!   (`"ab"c` is `abc`), a quote left open runs to the end of the line, and an unquoted CR ends
//!   the record (what follows is not read).

use std::ops::Range;

/// Reuses one buffer to split composite lines; keep one per thread.
#[derive(Debug, Default, Clone)]
pub(crate) struct CsvLine {
    /// The unquoted fields of the last quoted line, one after the other.
    unquoted: String,
    /// Where each of those fields ends in `unquoted`.
    ends: Vec<usize>,
}

impl CsvLine {
    /// The fields of `line` (without its line end) if there are exactly `N`, otherwise how many
    /// there are (0 for an empty line, or a BOM alone: a CSV reader sees no record in it).
    pub(crate) fn fields<'a, const N: usize>(
        &'a mut self,
        line: &'a str,
    ) -> Result<[&'a str; N], usize> {
        let line = match line.as_bytes().first() {
            Some(0xef) => line.strip_prefix('\u{feff}').unwrap_or(line),
            _ => line,
        };
        if line.is_empty() {
            return Err(0);
        }
        if let Some(fields) = split_plain(line) {
            return fields;
        }
        self.unquote(line);
        let unquoted = &self.unquoted;
        let mut start = 0;
        exactly(self.ends.iter().map(|&end| {
            let field = unquoted.get(start..end).unwrap_or_default();
            start = end;
            field
        }))
    }

    /// Reads the first record of `line` into `unquoted` and `ends`, as `csv_core` would.
    fn unquote(&mut self, line: &str) {
        self.unquoted.clear();
        self.ends.clear();
        let bytes = line.as_bytes();
        // Empty records (a CR alone) before the first one are skipped, as CSV readers do.
        let Some(first) = bytes.iter().position(|&b| b != b'\r') else {
            return;
        };
        let mut state = State::StartField;
        // The bytes not yet copied: they start just after an ASCII byte (or at the start), so
        // both ends of every copied run are char boundaries.
        let mut run = first;
        for (i, &b) in bytes.iter().enumerate().skip(first) {
            state = match (state, b) {
                (State::StartField, b'"') => {
                    run = i + 1;
                    State::Quoted
                }
                (State::StartField | State::Unquoted, b',' | b'\r') => {
                    self.copy(line, run..i);
                    self.ends.push(self.unquoted.len());
                    if b == b'\r' {
                        return;
                    }
                    run = i + 1;
                    State::StartField
                }
                (State::StartField | State::Unquoted, _) => State::Unquoted,
                (State::Quoted, b'"') => {
                    self.copy(line, run..i);
                    run = i + 1;
                    State::QuoteInQuoted
                }
                (State::Quoted, _) => State::Quoted,
                (State::QuoteInQuoted, b'"') => {
                    self.unquoted.push('"');
                    run = i + 1;
                    State::Quoted
                }
                (State::QuoteInQuoted, b',' | b'\r') => {
                    self.ends.push(self.unquoted.len());
                    if b == b'\r' {
                        return;
                    }
                    run = i + 1;
                    State::StartField
                }
                // After a closing quote, the rest of the field is read as unquoted text.
                (State::QuoteInQuoted, _) => {
                    run = i;
                    State::Unquoted
                }
            };
        }
        if state != State::QuoteInQuoted {
            self.copy(line, run..bytes.len());
        }
        self.ends.push(self.unquoted.len());
    }

    fn copy(&mut self, line: &str, range: Range<usize>) {
        self.unquoted.push_str(line.get(range).unwrap_or_default());
    }
}

/// Where the reader is within a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field: a `"` here opens a quoted field.
    StartField,
    /// In a field that did not start with a quote (or continues after a closing one).
    Unquoted,
    /// Inside quotes: `,` and CR are data.
    Quoted,
    /// Just after a `"` inside quotes: a second `"` is a literal quote, anything else closes.
    QuoteInQuoted,
}

/// `,` `"` and CR in every byte of a word.
const COMMAS: u64 = u64::from_ne_bytes([b','; 8]);
const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
const CRS: u64 = u64::from_ne_bytes([b'\r'; 8]);
const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);

/// The high bit of each byte of `x` that is zero, and no other bit (no carry crosses bytes).
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Splits a line with no `"` and no CR on every `,` (the fast path), eight bytes at a time:
/// the fields if there are exactly `N`, otherwise the count; `None` if the line has a `"` or a
/// CR.
fn split_plain<const N: usize>(line: &str) -> Option<Result<[&str; N], usize>> {
    let bytes = line.as_bytes();
    let (words, rest) = bytes.as_chunks::<8>();
    // The last bytes, padded with a byte that is none of the three.
    let mut last = [b'a'; 8];
    last[..rest.len()].copy_from_slice(rest);
    let mut out = [""; N];
    let mut got = 0;
    let mut start = 0;
    for (at, word) in (0..).step_by(8).zip(words.iter().chain([&last])) {
        let word = u64::from_le_bytes(*word);
        if zero_bytes(word ^ QUOTES) | zero_bytes(word ^ CRS) != 0 {
            return None;
        }
        let mut commas = zero_bytes(word ^ COMMAS);
        while commas != 0 {
            let end = at + (commas.trailing_zeros() / 8) as usize;
            commas &= commas - 1;
            if let Some(slot) = out.get_mut(got) {
                // A comma is ASCII: both ends are char boundaries.
                *slot = line.get(start..end).unwrap_or_default();
            }
            got += 1;
            start = end + 1;
        }
    }
    if let Some(slot) = out.get_mut(got) {
        *slot = line.get(start..).unwrap_or_default();
    }
    got += 1;
    Some(if got == N { Ok(out) } else { Err(got) })
}

/// The first `N` fields if there are exactly `N`, otherwise the count.
fn exactly<'a, const N: usize>(
    fields: impl Iterator<Item = &'a str>,
) -> Result<[&'a str; N], usize> {
    let mut out = [""; N];
    let mut got = 0;
    for field in fields {
        if let Some(slot) = out.get_mut(got) {
            *slot = field;
        }
        got += 1;
    }
    if got == N { Ok(out) } else { Err(got) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    /// What `dropkit hash` did before: a new CSV reader for the line, its first record.
    fn reference(line: &str) -> Vec<String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(line.as_bytes());
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => record.iter().map(str::to_owned).collect(),
            Ok(false) => Vec::new(),
            Err(e) => panic!("the csv crate refused {line:?}: {e}"),
        }
    }

    /// Our fields as a vector, whatever their count (through `N` = 1..=6).
    fn ours(split: &mut CsvLine, line: &str) -> Vec<String> {
        fn take<const N: usize>(split: &mut CsvLine, line: &str) -> Result<Vec<String>, usize> {
            split
                .fields::<N>(line)
                .map(|f| f.iter().map(|s| (*s).to_owned()).collect())
        }
        let got = match take::<1>(split, line) {
            Ok(v) => return v,
            Err(got) => got,
        };
        let result = match got {
            0 => return Vec::new(),
            2 => take::<2>(split, line),
            3 => take::<3>(split, line),
            4 => take::<4>(split, line),
            5 => take::<5>(split, line),
            6 => take::<6>(split, line),
            n => return vec![String::new(); n], // counted only; compared by length below
        };
        result.unwrap()
    }

    #[test]
    fn unquoted_lines_are_split_on_every_comma() {
        let mut s = CsvLine::default();
        assert_eq!(
            s.fields::<4>("Danielle,Johnson,1985-07-04,91790"),
            Ok(["Danielle", "Johnson", "1985-07-04", "91790"])
        );
        assert_eq!(s.fields::<4>(" a , b ,,"), Ok([" a ", " b ", "", ""]));
        assert_eq!(s.fields::<4>("a,b"), Err(2));
        assert_eq!(s.fields::<3>("a,b,c,d"), Err(4));
        assert_eq!(s.fields::<3>(""), Err(0));
        // Across and at the edges of the 8-byte words, and a long line.
        assert_eq!(
            s.fields::<4>("abcdefg,,abcdefgh,abcdefghijklmnop"),
            Ok(["abcdefg", "", "abcdefgh", "abcdefghijklmnop"])
        );
        assert_eq!(s.fields::<2>(",,,,,,,,,,,,,,,,,,"), Err(19));
        assert_eq!(
            s.fields::<2>("abcdefghijklmnopqrstuvwxyz0123456789,x\"y"),
            Ok(["abcdefghijklmnopqrstuvwxyz0123456789", "x\"y"])
        );
    }

    #[test]
    fn quoted_fields_are_unquoted() {
        let mut s = CsvLine::default();
        assert_eq!(
            s.fields::<3>(r#""O'Neil, Jr","Smith ""Bo""",1HGCM82633A004352"#),
            Ok(["O'Neil, Jr", r#"Smith "Bo""#, "1HGCM82633A004352"])
        );
        // A quote inside an unquoted field is data; text after a closing quote joins the field.
        assert_eq!(
            s.fields::<3>(r#"O"Neil,"ab"c,"#),
            Ok([r#"O"Neil"#, "abc", ""])
        );
        // An open quote runs to the end; an unquoted CR ends the record.
        assert_eq!(s.fields::<2>(r#"a,"b,c"#), Ok(["a", "b,c"]));
        assert_eq!(s.fields::<2>("a,b\rc,d"), Ok(["a", "b"]));
        assert_eq!(s.fields::<2>("\r\ra,\"b\r\""), Ok(["a", "b\r"]));
        assert_eq!(s.fields::<2>("\r"), Err(0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Byte for byte what a new `csv` reader per line gave, on lines built from the
        /// characters that matter (and a few that must not).
        #[test]
        fn same_fields_as_a_csv_reader(line in r#"[a, "\r\u{feff}é]{0,12}|[a,é]{0,40}|[a,é]{0,30}["\r][a,]{0,9}"#) {
            let want = reference(&line);
            let got = ours(&mut CsvLine::default(), &line);
            prop_assert_eq!(got.len(), want.len(), "{:?}", line);
            if want.len() <= 6 {
                prop_assert_eq!(got, want, "{:?}", line);
            }
        }
    }
}
