//! Where a CSV record really starts, in a file with CRLF line ends.
//!
//! The csv crate places a record at the `\n` of the CRLF that ended the record before it,
//! before that line end is counted (BurntSushi/rust-csv#395, open in csv 1.3): in a CRLF
//! file every record but the first is reported one line too early and one byte too early.
//! Readers that hold the whole input (a block of records, a command's output) correct the
//! position here, so that a problem names the line the user sees in an editor.

/// The line (1-based) and byte offset at which the record that the csv crate places at
/// `line` and `byte` of `data` starts: one line and one byte further when `byte` is the `\n`
/// of a CRLF, as is. `byte` past the end of `data` is returned as is.
///
/// ```
/// use dropkit_files::record_start;
///
/// let data = b"Key,Result\r\nc1,done\r\n";
/// // The csv crate reports the second record at line 1, byte 11 (the `\n`).
/// assert_eq!(record_start(data, 1, 11), (2, 12));
/// // A file with LF line ends is reported right already.
/// assert_eq!(record_start(b"Key,Result\nc1,done\n", 2, 11), (2, 11));
/// ```
pub fn record_start(data: &[u8], line: u64, byte: u64) -> (u64, u64) {
    let at = usize::try_from(byte).unwrap_or(usize::MAX);
    let after_cr = at
        .checked_sub(1)
        .and_then(|before| data.get(before))
        .is_some_and(|&b| b == b'\r');
    if after_cr && data.get(at) == Some(&b'\n') {
        (line + 1, byte + 1)
    } else {
        (line, byte)
    }
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
    fn lf_files_and_lone_line_feeds_are_left_alone() {
        let data = b"a,b\n\"k1\",x\nk3,y\n";
        assert_eq!(starts(data), [(1, 0), (2, 4), (3, 11)]);
        // A `\n` not after `\r` is a record's own empty line, not the tail of a CRLF.
        assert_eq!(record_start(b"\n\nk,v", 2, 1), (2, 1));
        assert_eq!(record_start(b"a\r\n", 1, 99), (1, 99));
    }
}
