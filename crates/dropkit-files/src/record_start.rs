//! Where a CSV record really starts, after CRLF line ends and blank lines.
//!
//! The csv crate places a record at the first byte after the one that ended the record before
//! it, before it looks further: at the `\n` of a CRLF line end (BurntSushi/rust-csv#395, open,
//! still so in csv 1.4), or at the first of the blank lines it then skips, none of them counted
//! yet. So a record after a CRLF or a blank line is reported a line (or more) too early.
//! Readers that hold the whole input (a block of records, a command's output) correct the
//! position here, so that a problem names the line the user sees in an editor.

/// The line (1-based) and byte offset at which the record that the csv crate places at
/// `line` and `byte` of `data` starts: past the line-end bytes (`\r`, `\n`) at `byte`, a line
/// further for each `\n` among them (no record starts with an unquoted line end, so they are
/// the previous line's end or blank lines). `byte` past the end of `data` is returned as is.
///
/// ```
/// use dropkit_files::record_start;
///
/// let data = b"Key,Result\r\nc1,done\r\n\r\nc2,failed\r\n";
/// // The csv crate reports the second record at line 1, byte 11 (the `\n`).
/// assert_eq!(record_start(data, 1, 11), (2, 12));
/// // The third, after a blank line, at line 2, byte 20.
/// assert_eq!(record_start(data, 2, 20), (4, 23));
/// // A record right after an LF line end is reported right already.
/// assert_eq!(record_start(b"Key,Result\nc1,done\n", 2, 11), (2, 11));
/// ```
pub fn record_start(data: &[u8], line: u64, byte: u64) -> (u64, u64) {
    let Some(rest) = usize::try_from(byte).ok().and_then(|at| data.get(at..)) else {
        return (line, byte);
    };
    let skipped = rest
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let line_ends = rest[..skipped].iter().filter(|&&b| b == b'\n').count();
    (line + line_ends as u64, byte + skipped as u64)
}

#[cfg(test)]
mod tests {
    use super::record_start;

    /// Every record's (line, byte) as the csv crate reports it, corrected.
    fn starts(data: &[u8]) -> Vec<(u64, u64)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let p = rec.position().unwrap();
            out.push(record_start(data, p.line(), p.byte()));
        }
        out
    }

    #[test]
    fn crlf_records_start_where_an_editor_shows_them() {
        // Line 3 holds a quoted field spanning two lines.
        let data = b"a,b\r\n\"k1\",x\r\n\"k2\",\"two\r\nlines\"\r\nk3,y\r\n";
        assert_eq!(starts(data), [(1, 0), (2, 5), (3, 13), (5, 32)]);
        for &(_, byte) in &starts(data)[1..] {
            assert_ne!(data[byte as usize], b'\n');
        }
    }

    #[test]
    fn blank_lines_before_a_record_are_counted() {
        let crlf = b"a,b\r\n\"k1\",x\r\n\r\n\r\nk3,y\r\n";
        assert_eq!(starts(crlf), [(1, 0), (2, 5), (5, 17)]);
        let lf = b"a,b\n\n\"k1\",x\n\nk3,y\n";
        assert_eq!(starts(lf), [(1, 0), (3, 5), (5, 13)]);
    }

    #[test]
    fn lf_files_are_left_alone() {
        let data = b"a,b\n\"k1\",x\nk3,y\n";
        assert_eq!(starts(data), [(1, 0), (2, 4), (3, 11)]);
        assert_eq!(record_start(b"a\r\n", 1, 99), (1, 99));
    }
}
