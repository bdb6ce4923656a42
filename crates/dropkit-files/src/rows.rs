//! The line reader shared by every CSV reader: header check, one reused buffer, exact line
//! numbers, and the checks of the `Id` column.
//!
//! This is a small hand-written CSV reader rather than the `csv` crate because error messages
//! must name the exact line, and `csv` 1.4 reports a record's line wrongly after CRLF line ends
//! and blank lines (checked). DROP's files are plain: Base62 Ids, Base64 hashes, list names and
//! digits, never a line break inside a field. Quoted fields (`"a""b"`) are still understood on
//! one line, so a third-party file that quotes everything reads the same.

use std::io::{BufRead, BufReader, Read};

use crate::error::RowEncoding;
use crate::{Error, WorkItemId};

/// How many non-canonical Ids a reader logs before it only counts them.
const WARN_IDS: u64 = 10;

/// Longest line accepted (DROP's lines are under 100 bytes); longer is an error for that line,
/// so a file without line breaks cannot make a reader buffer it whole.
pub(crate) const MAX_LINE: usize = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Lossy, shortened text of untrusted bytes for an error message.
pub(crate) fn shown(bytes: &[u8]) -> String {
    const MAX: usize = 80;
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.into_owned(),
    }
}

/// How a header must look.
#[derive(Clone, Copy)]
pub(crate) enum HeaderRule {
    /// Download lists: these names in any case; a UTF-8 BOM is tolerated.
    Lenient(&'static str),
    /// Response files: exactly these bytes, no BOM, no quotes, nothing else on the line.
    Exact(&'static str),
}

enum Line {
    Eof,
    Ok,
    TooLong,
}

pub(crate) struct Rows<R> {
    pub(crate) file: String,
    input: BufReader<R>,
    line_buf: Vec<u8>,
    /// Unquoted field bytes when the line had quotes; else fields point into `line_buf`.
    unquoted: Vec<u8>,
    quoted: bool,
    bounds: Vec<(usize, usize)>,
    line: u64,
    fields: usize,
    done: bool,
    non_canonical: u64,
    blank_lines: u64,
    /// Refuse a whole row that is not UTF-8 or holds a NUL (download files).
    check_text: bool,
}

impl<R: Read> Rows<R> {
    pub(crate) fn new(file: String, reader: R, rule: HeaderRule) -> Result<Self, Error> {
        let check_text = matches!(rule, HeaderRule::Lenient(_));
        let (expected, exact) = match rule {
            HeaderRule::Lenient(h) => (h, false),
            HeaderRule::Exact(h) => (h, true),
        };
        let mut rows = Rows {
            file,
            input: BufReader::with_capacity(64 * 1024, reader),
            line_buf: Vec::with_capacity(128),
            unquoted: Vec::new(),
            quoted: false,
            bounds: Vec::with_capacity(4),
            line: 0,
            fields: expected.split(',').count(),
            done: false,
            non_canonical: 0,
            blank_lines: 0,
            check_text,
        };
        let header_error = |rows: &Rows<R>| Error::Header {
            file: rows.file.clone(),
            found: shown(&rows.line_buf),
            expected,
        };
        match rows.read_line()? {
            Line::Eof => {
                rows.line_buf.clear();
                return Err(header_error(&rows));
            }
            Line::TooLong => return Err(header_error(&rows)),
            Line::Ok => {}
        }
        let ok = if exact {
            rows.line_buf == expected.as_bytes()
        } else {
            let line = rows
                .line_buf
                .strip_prefix(BOM)
                .unwrap_or(&rows.line_buf)
                .to_vec();
            let quoted = memchr::memchr(b'"', &line).is_some();
            split(&line, &mut rows.unquoted, &mut rows.bounds).is_ok()
                && rows.bounds.len() == rows.fields
                && rows
                    .bounds
                    .iter()
                    .zip(expected.split(','))
                    .all(|(&(a, b), name)| {
                        field_of(&line, &rows.unquoted, quoted, a, b)
                            .eq_ignore_ascii_case(name.as_bytes())
                    })
        };
        if !ok {
            return Err(header_error(&rows));
        }
        Ok(rows)
    }

    /// Reads one line into `line_buf` without its `\n` or `\r\n`, bounded by [`MAX_LINE`].
    fn read_line(&mut self) -> Result<Line, Error> {
        self.line_buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Err(Error::io(&self.file, e));
                }
            };
            if buf.is_empty() {
                if !any {
                    return Ok(Line::Eof);
                }
                break;
            }
            any = true;
            let (chunk, used, end) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            if !too_long {
                if self.line_buf.len() + chunk.len() > MAX_LINE {
                    too_long = true;
                } else {
                    self.line_buf.extend_from_slice(chunk);
                }
            }
            self.input.consume(used);
            if end {
                break;
            }
        }
        self.line += 1;
        if self.line_buf.last() == Some(&b'\r') {
            self.line_buf.pop();
        }
        Ok(if too_long { Line::TooLong } else { Line::Ok })
    }

    /// Reads the next non-blank line and splits it into fields, checking the count. Returns
    /// the line number. `None` at the end, or after an I/O error was returned.
    pub(crate) fn next_record(&mut self) -> Option<Result<u64, Error>> {
        loop {
            if self.done {
                return None;
            }
            match self.read_line() {
                Err(e) => return Some(Err(e)),
                Ok(Line::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::TooLong) => {
                    return Some(Err(Error::LineTooLong {
                        file: self.file.clone(),
                        line: self.line,
                        limit: MAX_LINE,
                    }));
                }
                Ok(Line::Ok) if self.line_buf.is_empty() => {
                    self.blank_lines += 1;
                    continue;
                }
                Ok(Line::Ok) => {}
            }
            let line = self.line;
            if self.check_text
                && let Some(problem) = encoding_problem(&self.line_buf)
            {
                return Some(Err(Error::Encoding {
                    file: self.file.clone(),
                    line,
                    id: readable_id(&self.line_buf),
                    problem,
                }));
            }
            self.quoted = memchr::memchr(b'"', &self.line_buf).is_some();
            if let Err(reason) = split(&self.line_buf, &mut self.unquoted, &mut self.bounds) {
                return Some(Err(Error::Quoting {
                    file: self.file.clone(),
                    line,
                    reason,
                    row: shown(&self.line_buf),
                }));
            }
            if self.bounds.len() != self.fields {
                return Some(Err(Error::FieldCount {
                    file: self.file.clone(),
                    line,
                    expected: self.fields,
                    found: self.bounds.len(),
                    row: shown(&self.line_buf),
                }));
            }
            return Some(Ok(line));
        }
    }

    /// Reads the complete lines already buffered that are exactly `len` bytes long (before
    /// `\n` or `\r\n`) and that `row` takes, without copying: the fast path of a plain file.
    /// `row` gets the line's bytes and number and returns whether it took the line; it must
    /// take a line only if [`next_record`](Self::next_record) and the reader's own checks
    /// would give the same row without error, and do nothing otherwise. Stops at the first
    /// line it does not take (left to `next_record`, as are lines not fully buffered).
    pub(crate) fn fast_rows(&mut self, len: usize, mut row: impl FnMut(&[u8], u64) -> bool) {
        if self.done {
            return;
        }
        let buf = self.input.buffer();
        let mut used = 0;
        let mut line = self.line;
        while let Some(rest) = buf.get(used..) {
            let end = match rest.get(len..) {
                Some([b'\n', ..]) => 1,
                Some([b'\r', b'\n', ..]) => 2,
                _ => break,
            };
            if !row(&rest[..len], line + 1) {
                break;
            }
            line += 1;
            used += len + end;
        }
        self.line = line;
        self.input.consume(used);
    }

    /// Field `i` of the current record.
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        match self.bounds.get(i) {
            Some(&(a, b)) => field_of(&self.line_buf, &self.unquoted, self.quoted, a, b),
            None => &[],
        }
    }

    /// The text of field `i` of the current record, or an encoding error.
    pub(crate) fn text(&self, i: usize, line: u64) -> Result<&str, Error> {
        std::str::from_utf8(self.field(i)).map_err(|_| Error::Encoding {
            file: self.file.clone(),
            line,
            id: None,
            problem: RowEncoding::NotUtf8,
        })
    }

    /// The Id in field 0 of the current record, warning (not failing) when it is not 12 Base62.
    pub(crate) fn id(&mut self, line: u64) -> Result<WorkItemId, Error> {
        let text = self.text(0, line)?;
        if text.is_empty() {
            return Err(Error::EmptyId {
                file: self.file.clone(),
                line,
            });
        }
        let id = WorkItemId::new(text).ok_or_else(|| Error::RowId {
            file: self.file.clone(),
            line,
            value: shown(text.as_bytes()),
        })?;
        if !id.is_canonical() {
            self.non_canonical += 1;
            if self.non_canonical <= WARN_IDS {
                tracing::warn!(
                    file = %self.file,
                    line,
                    id = %shown(id.as_str().as_bytes()),
                    "work item Id is not 12 Base62 characters as DROP's schema says; kept as is"
                );
                if self.non_canonical == WARN_IDS {
                    tracing::warn!(file = %self.file, "further non-canonical Ids in this file are counted, not logged");
                }
            }
        }
        Ok(id)
    }

    pub(crate) fn non_canonical(&self) -> u64 {
        self.non_canonical
    }

    pub(crate) fn blank_lines(&self) -> u64 {
        self.blank_lines
    }

    pub(crate) fn error_value(&self, i: usize) -> String {
        shown(self.field(i))
    }
}

/// Why a whole line cannot be read as text, if it cannot. ASCII without NUL (every DROP line)
/// costs one fast pass.
fn encoding_problem(line: &[u8]) -> Option<RowEncoding> {
    if memchr::memchr(0, line).is_some() {
        return Some(RowEncoding::Nul);
    }
    if line.is_ascii() || std::str::from_utf8(line).is_ok() {
        return None;
    }
    Some(RowEncoding::NotUtf8)
}

/// The first field of a line that cannot be read as a whole, when that field can be: UTF-8,
/// no NUL, not empty (surrounding quotes dropped), kept whole (it is the Id a reader may still
/// answer).
fn readable_id(line: &[u8]) -> Option<String> {
    let first = line.split(|b| *b == b',').next().unwrap_or(&[]);
    let first = first
        .strip_prefix(b"\"")
        .and_then(|f| f.strip_suffix(b"\""))
        .unwrap_or(first);
    if first.is_empty() || first.contains(&0) {
        return None;
    }
    std::str::from_utf8(first).ok().map(str::to_owned)
}

fn field_of<'a>(line: &'a [u8], unquoted: &'a [u8], quoted: bool, a: usize, b: usize) -> &'a [u8] {
    if quoted { &unquoted[a..b] } else { &line[a..b] }
}

/// Splits one line at commas into `bounds`. Without quotes the bounds index `line`; with
/// quotes, the unquoted fields are written to `unquoted` and the bounds index that.
fn split(
    line: &[u8],
    unquoted: &mut Vec<u8>,
    bounds: &mut Vec<(usize, usize)>,
) -> Result<(), &'static str> {
    bounds.clear();
    if memchr::memchr(b'"', line).is_none() {
        let mut start = 0;
        for comma in memchr::memchr_iter(b',', line) {
            bounds.push((start, comma));
            start = comma + 1;
        }
        bounds.push((start, line.len()));
        return Ok(());
    }
    unquoted.clear();
    let mut i = 0;
    loop {
        let start = unquoted.len();
        if line.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match line.get(i) {
                    None => return Err("a quoted field is not closed on its line"),
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => {
                        unquoted.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        unquoted.push(c);
                        i += 1;
                    }
                }
            }
            match line.get(i) {
                None | Some(b',') => {}
                Some(_) => return Err("text after a closing quote"),
            }
        } else {
            while let Some(&c) = line.get(i) {
                match c {
                    b',' => break,
                    b'"' => return Err("a quote inside an unquoted field"),
                    _ => {
                        unquoted.push(c);
                        i += 1;
                    }
                }
            }
        }
        bounds.push((start, unquoted.len()));
        if line.get(i) == Some(&b',') {
            i += 1;
        } else {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Result<Vec<String>, &'static str> {
        let mut u = Vec::new();
        let mut b = Vec::new();
        split(line.as_bytes(), &mut u, &mut b)?;
        let quoted = line.contains('"');
        Ok(b.iter()
            .map(|&(x, y)| {
                String::from_utf8(field_of(line.as_bytes(), &u, quoted, x, y).to_vec()).unwrap()
            })
            .collect())
    }

    #[test]
    fn splits_plain_and_quoted() {
        assert_eq!(fields("a,b").unwrap(), ["a", "b"]);
        assert_eq!(fields("a,,").unwrap(), ["a", "", ""]);
        assert_eq!(fields("").unwrap(), [""]);
        assert_eq!(fields("\"a,1\",\"b\"\"c\"").unwrap(), ["a,1", "b\"c"]);
        assert_eq!(fields("\"a\",b").unwrap(), ["a", "b"]);
        assert!(fields("\"a").is_err());
        assert!(fields("\"a\"x,b").is_err());
        assert!(fields("a\"b,c").is_err());
    }

    #[test]
    fn download_rows_that_are_not_text_are_one_error() {
        let input = b"ID,Hash\nA\0,h\nB1,h\xff\n\xff,h\nC1,\0\nok,h\n";
        let mut rows = Rows::new("f".into(), &input[..], HeaderRule::Lenient("ID,Hash")).unwrap();
        let mut next = || match rows.next_record() {
            Some(Err(Error::Encoding {
                line, id, problem, ..
            })) => Some((line, id, problem)),
            _ => None,
        };
        assert_eq!(next(), Some((2, None, RowEncoding::Nul)));
        assert_eq!(next(), Some((3, Some("B1".into()), RowEncoding::NotUtf8)));
        assert_eq!(next(), Some((4, None, RowEncoding::NotUtf8)));
        assert_eq!(next(), Some((5, Some("C1".into()), RowEncoding::Nul)));
        assert_eq!(next(), None, "a good row is not an encoding error");
        // Response files keep their own checks: the NUL reaches the status check.
        let status = b"Id,Status\nA7kP2xQ9Lm4R,2\0\n";
        let mut rows = Rows::new("s".into(), &status[..], HeaderRule::Exact("Id,Status")).unwrap();
        assert_eq!(rows.next_record().unwrap().unwrap(), 2);
        assert_eq!(rows.field(1), b"2\0");
    }

    #[test]
    fn fast_rows_take_whole_plain_lines_and_leave_the_rest() {
        let input = b"Id,Status\nab,1\r\ncd,2\nxx,9\nef,3\n\ngh,4\nij,5";
        let mut rows = Rows::new("s".into(), &input[..], HeaderRule::Exact("Id,Status")).unwrap();
        let mut taken = Vec::new();
        let take = |rows: &mut Rows<&[u8]>, taken: &mut Vec<(String, u64)>| {
            rows.fast_rows(4, |row, line| {
                if row.starts_with(b"xx") {
                    return false;
                }
                taken.push((String::from_utf8(row.to_vec()).unwrap(), line));
                true
            });
        };
        take(&mut rows, &mut taken);
        assert_eq!(taken, [("ab,1".to_string(), 2), ("cd,2".to_string(), 3)]);
        // the refused line is the next record, with its number
        assert_eq!(rows.next_record().unwrap().unwrap(), 4);
        assert_eq!(rows.field(1), b"9");
        take(&mut rows, &mut taken);
        assert_eq!(taken.len(), 3, "stops at the blank line");
        assert_eq!(rows.next_record().unwrap().unwrap(), 7);
        assert_eq!(rows.blank_lines(), 1);
        // the last line has no line end: left to next_record
        take(&mut rows, &mut taken);
        assert_eq!(taken.len(), 3);
        assert_eq!(rows.next_record().unwrap().unwrap(), 8);
        assert_eq!(rows.field(0), b"ij");
        assert!(rows.next_record().is_none());
        take(&mut rows, &mut taken);
        assert_eq!(taken.len(), 3);
    }

    #[test]
    fn exact_line_numbers_with_crlf_blank_lines_and_long_lines() {
        let mut input = b"ID,Hash\r\na,b\r\n\r\n\nc,d\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 1));
        input.extend_from_slice(b"\ne,f");
        let mut rows = Rows::new("f".into(), &input[..], HeaderRule::Lenient("ID,Hash")).unwrap();
        assert_eq!(rows.next_record().unwrap().unwrap(), 2);
        assert_eq!(rows.field(1), b"b");
        assert_eq!(rows.next_record().unwrap().unwrap(), 5);
        assert!(matches!(
            rows.next_record().unwrap(),
            Err(Error::LineTooLong { line: 6, .. })
        ));
        assert_eq!(rows.next_record().unwrap().unwrap(), 7);
        assert_eq!(rows.field(0), b"e");
        assert!(rows.next_record().is_none());
        assert_eq!(rows.blank_lines(), 2);
    }
}
