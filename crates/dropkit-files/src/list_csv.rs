//! Streaming readers for the download's list CSVs (`ID,Hash`) and its Removed CSV
//! (`ID,Hash,ListType`).

use std::io::Read;

use dropkit_hash::{BASE64_LEN, DropHash, ListType};

use crate::rows::{HeaderRule, Rows};
use crate::work_item::is_canonical;
use crate::{Error, WORK_ITEM_ID_LEN, WorkItemId};

/// One row of a list CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// The work item Id, byte for byte.
    pub id: WorkItemId,
    /// The row's hash (for NDZ and NameVIN, the final composite hash).
    pub hash: DropHash,
    /// The line the row is on (the header is line 1).
    pub line: u64,
}

/// One row of the Removed CSV: an identifier delivered earlier that DROP withdrew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedRow {
    /// The work item Id, byte for byte.
    pub id: WorkItemId,
    /// The row's hash.
    pub hash: DropHash,
    /// The list the identifier was delivered in.
    pub list_type: ListType,
    /// The line the row is on (the header is line 1).
    pub line: u64,
}

fn hash_of<R: Read>(rows: &Rows<R>, id: &WorkItemId, line: u64) -> Result<DropHash, Error> {
    let field = rows.field(1);
    DropHash::from_base64(field).map_err(|reason| Error::Hash {
        file: rows.file.clone(),
        line,
        id: id.to_string(),
        value: rows.error_value(1),
        reason,
    })
}

/// Base64's value of each byte, or [`NOT_BASE64`].
const BASE64_VALUE: [u8; 256] = {
    let mut table = [NOT_BASE64; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const NOT_BASE64: u8 = 0x40;

/// Whether [`DropHash::from_base64`] accepts `text`, without decoding it: 43 characters of the
/// standard alphabet, the last with its two padding bits zero, then `=` (the only form in
/// which 44 characters decode to 32 bytes under the canonical decoder). Checked against
/// `from_base64` by the tests.
pub(crate) fn is_hash_text(text: &[u8]) -> bool {
    let [body @ .., last, b'='] = text else {
        return false;
    };
    if text.len() != BASE64_LEN {
        return false;
    }
    let bad = body
        .iter()
        .fold(BASE64_VALUE[usize::from(*last)], |bad, &c| {
            bad | BASE64_VALUE[usize::from(c)]
        });
    bad & NOT_BASE64 == 0 && BASE64_VALUE[usize::from(*last)] & 3 == 0
}

/// The digest of a hash text exactly when [`DropHash::from_base64`] accepts it (see
/// [`is_hash_text`]), decoded in the same pass as the check: a list's fast path, one call a row.
/// Checked against `from_base64` by the tests.
pub(crate) fn decode_hash_text(text: &[u8]) -> Option<[u8; 32]> {
    let [body @ .., b'='] = text else {
        return None;
    };
    let body: &[u8; BASE64_LEN - 1] = body.try_into().ok()?;
    // Five groups of 8 characters give 30 bytes; the last 3 characters give 2.
    let (groups, last) = body.split_at(40);
    let mut out = [0u8; 32];
    let mut bad = 0;
    for (bytes, chars) in out.chunks_exact_mut(6).zip(groups.chunks_exact(8)) {
        let bits = chars.iter().fold(0u64, |n, &c| {
            let v = BASE64_VALUE[usize::from(c)];
            bad |= v;
            n << 6 | u64::from(v)
        });
        bytes.copy_from_slice(&bits.to_be_bytes()[2..]);
    }
    let [a, b, c] = [0, 1, 2].map(|i| BASE64_VALUE[usize::from(last[i])]);
    // The last character carries 4 bits and 2 padding bits, which must be zero.
    if (bad | a | b | c) & NOT_BASE64 != 0 || c & 3 != 0 {
        return None;
    }
    let bits = u16::from(a) << 10 | u16::from(b) << 4 | u16::from(c) >> 2;
    out[30..].copy_from_slice(&bits.to_be_bytes());
    Some(out)
}

/// A row's canonical Id and its hash text, when the row is `<12 Base62>,<anything>`: what both
/// fast paths of [`ListReader`] start from.
fn plain_row(bytes: &[u8]) -> Option<([u8; WORK_ITEM_ID_LEN], &[u8])> {
    let (id, rest) = bytes.split_first_chunk::<WORK_ITEM_ID_LEN>()?;
    let (b',', hash) = rest.split_first()? else {
        return None;
    };
    is_canonical(id).then_some((*id, hash))
}

/// Streams the rows of a list CSV (`ID,Hash`), one reused buffer, nothing loaded whole.
///
/// The header is matched case-insensitively (`ID,Hash`, `Id,Hash`), a UTF-8 BOM and CRLF line
/// ends are tolerated, and a header-only file simply yields no rows. Each bad row is an
/// [`Error`] naming the file, line and value; reading goes on with the next row, except after an
/// I/O error, which ends the iteration.
///
/// ```
/// use dropkit_files::ListReader;
///
/// let csv = "\u{feff}ID,Hash\r\nA7kP2xQ9Lm4R,KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\r\n";
/// let mut rows = ListReader::new("20260312_4821_Email.csv", csv.as_bytes()).unwrap();
/// let row = rows.next().unwrap().unwrap();
/// assert_eq!((row.id.as_str(), row.line), ("A7kP2xQ9Lm4R", 2));
/// assert!(rows.next().is_none());
/// ```
pub struct ListReader<R> {
    rows: Rows<R>,
}

impl<R: Read> ListReader<R> {
    /// Reads and checks the header; `file` names the file in errors.
    pub fn new(file: impl Into<String>, reader: R) -> Result<Self, Error> {
        Ok(ListReader {
            rows: Rows::new(file.into(), reader, HeaderRule::Lenient("ID,Hash"))?,
        })
    }

    /// The file name used in errors.
    pub fn file_name(&self) -> &str {
        &self.rows.file
    }

    /// How many rows so far had an Id that is not 12 Base62 characters (kept, and logged).
    pub fn non_canonical_ids(&self) -> u64 {
        self.rows.non_canonical()
    }

    /// How many blank lines were skipped so far (not rows; DROP does not say whether it
    /// accepts them).
    pub fn blank_lines(&self) -> u64 {
        self.rows.blank_lines()
    }

    /// The fast path of [`next`](Iterator::next): hands the canonical Id and line of each
    /// buffered row that is plainly `<12 Base62>,<valid hash>` to `row`, exactly the rows the
    /// iterator would give without error (in the same order, with the same line numbers), and
    /// stops at the first other line, which `next` then reads.
    pub(crate) fn fast_rows(&mut self, mut row: impl FnMut([u8; WORK_ITEM_ID_LEN], u64)) {
        const LEN: usize = WORK_ITEM_ID_LEN + 1 + BASE64_LEN;
        self.rows.fast_rows(LEN, |bytes, line| {
            let Some((id, _)) = plain_row(bytes).filter(|(_, hash)| is_hash_text(hash)) else {
                return false;
            };
            row(id, line);
            true
        });
    }

    /// The fast path for a reader that keeps every row (`dropkit match`): hands the canonical
    /// Id, the decoded digest and the line of each buffered row that is plainly
    /// `<12 Base62>,<valid hash>` (LF or CRLF) to `row`, exactly the rows the iterator would
    /// give without error (in the same order, with the same lines and the same digests), and
    /// stops at the first other line or the end of what is buffered, which
    /// [`next`](Iterator::next) then reads. Call it and `next` in turn until `next` gives
    /// `None`:
    ///
    /// ```
    /// use dropkit_files::ListReader;
    ///
    /// let csv = "ID,Hash\r\nA7kP2xQ9Lm4R,KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\r\n680,x\r\n";
    /// let mut rows = ListReader::new("20260312_4821_Email.csv", csv.as_bytes()).unwrap();
    /// let mut plain = Vec::new();
    /// let mut others = Vec::new();
    /// loop {
    ///     rows.plain_rows(|id, digest, line| plain.push((id, digest, line)));
    ///     let Some(row) = rows.next() else { break };
    ///     others.push(row);
    /// }
    /// assert_eq!((&plain[0].0, plain[0].2), (b"A7kP2xQ9Lm4R", 2));
    /// assert!(others[0].is_err()); // line 3: "x" is not a hash
    /// ```
    pub fn plain_rows(&mut self, mut row: impl FnMut([u8; WORK_ITEM_ID_LEN], [u8; 32], u64)) {
        const LEN: usize = WORK_ITEM_ID_LEN + 1 + BASE64_LEN;
        self.rows.fast_rows(LEN, |bytes, line| {
            let Some((id, digest)) =
                plain_row(bytes).and_then(|(id, hash)| Some((id, decode_hash_text(hash)?)))
            else {
                return false;
            };
            row(id, digest, line);
            true
        });
    }

    fn row(&mut self, line: u64) -> Result<ListRow, Error> {
        let id = self.rows.id(line)?;
        let hash = hash_of(&self.rows, &id, line)?;
        Ok(ListRow { id, hash, line })
    }
}

impl<R: Read> Iterator for ListReader<R> {
    type Item = Result<ListRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.rows.next_record()? {
            Ok(line) => self.row(line),
            Err(e) => Err(e),
        })
    }
}

/// Streams the rows of the Removed CSV (`ID,Hash,ListType`), like [`ListReader`].
///
/// ```
/// use dropkit_files::RemovedReader;
/// use dropkit_hash::ListType;
///
/// let csv = "ID,Hash,ListType\nA7kP2xQ9Lm4R,KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=,Email\n";
/// let row = RemovedReader::new("x_Removed.csv", csv.as_bytes()).unwrap().next().unwrap().unwrap();
/// assert_eq!(row.list_type, ListType::Email);
/// ```
pub struct RemovedReader<R> {
    rows: Rows<R>,
}

impl<R: Read> RemovedReader<R> {
    /// Reads and checks the header; `file` names the file in errors.
    pub fn new(file: impl Into<String>, reader: R) -> Result<Self, Error> {
        Ok(RemovedReader {
            rows: Rows::new(file.into(), reader, HeaderRule::Lenient("ID,Hash,ListType"))?,
        })
    }

    /// The file name used in errors.
    pub fn file_name(&self) -> &str {
        &self.rows.file
    }

    fn row(&mut self, line: u64) -> Result<RemovedRow, Error> {
        let id = self.rows.id(line)?;
        let hash = hash_of(&self.rows, &id, line)?;
        let list_type =
            self.rows
                .text(2, line)?
                .parse::<ListType>()
                .map_err(|_| Error::ListType {
                    file: self.rows.file.clone(),
                    line,
                    id: id.to_string(),
                    value: self.rows.error_value(2),
                })?;
        Ok(RemovedRow {
            id,
            hash,
            list_type,
            line,
        })
    }
}

impl<R: Read> Iterator for RemovedReader<R> {
    type Item = Result<RemovedRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.rows.next_record()? {
            Ok(line) => self.row(line),
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";

    fn read(csv: &str) -> Result<Vec<Result<ListRow, Error>>, Error> {
        Ok(ListReader::new("f.csv", csv.as_bytes())?.collect())
    }

    #[test]
    fn hash_text_check_is_from_base64() {
        let mut texts: Vec<Vec<u8>> = vec![H.as_bytes().to_vec(), Vec::new(), b"=".to_vec()];
        let x = DropHash::of_standardized("x");
        let digests = [
            [0u8; 32],
            [255u8; 32],
            <[u8; 32]>::try_from(x.as_ref()).unwrap(),
        ];
        for d in digests {
            let good = DropHash::from(d).to_string().into_bytes();
            texts.push(good[..43].to_vec());
            texts.push([&good[..], b"="].concat());
            texts.push([&good[..43], b"=="].concat());
            texts.push([&good[..42], b"=="].concat());
            texts.push([&good[..42], b"==="].concat());
            texts.push(good.clone());
            // every byte at every position
            for i in 0..good.len() {
                for b in 0..=255u8 {
                    let mut t = good.clone();
                    t[i] = b;
                    texts.push(t);
                }
            }
        }
        for t in &texts {
            let parsed = DropHash::from_base64(t).ok();
            assert_eq!(
                is_hash_text(t),
                parsed.is_some(),
                "{:?}",
                String::from_utf8_lossy(t)
            );
            assert_eq!(
                decode_hash_text(t).as_ref(),
                parsed.as_ref().map(DropHash::as_bytes),
                "{:?}",
                String::from_utf8_lossy(t)
            );
        }
    }

    /// Gives at most `step` bytes a read, so rows straddle the reader's buffer.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    proptest::proptest! {
        /// `plain_rows` then `next` in turn give exactly the rows of the iterator alone: the
        /// same Ids, digests and lines, the same errors in the same places, the same counts.
        #[test]
        fn plain_rows_and_next_give_the_iterators_rows(
            lines in proptest::collection::vec(0usize..14, 0..60),
            crlf in proptest::collection::vec(proptest::bool::ANY, 60),
            step in 1usize..300,
        ) {
            let good = DropHash::of_standardized("x").to_string();
            let mut csv = String::from("ID,Hash\r\n");
            for (i, kind) in lines.iter().enumerate() {
                let id = format!("A7kP2xQ9L{:03}", i);
                let row = match kind {
                    0..=5 => format!("{id},{good}"),
                    6 => format!("{id},{}", &good[..43]),
                    7 => format!("680,{good}"),
                    8 => String::new(),
                    9 => format!("{id},{}A", &good[..43]),
                    10 => format!("\"{id}\",{good}"),
                    11 => format!("{id}x,{}", &good[1..]),
                    12 => format!("{}_,{good}", &id[..11]),
                    _ => format!("{id},{good},x"),
                };
                csv.push_str(&row);
                csv.push_str(if crlf[i] { "\r\n" } else { "\n" });
            }
            let shown = |rows: Vec<Result<ListRow, Error>>| -> Vec<String> {
                rows.into_iter().map(|r| format!("{r:?}")).collect()
            };
            let mut plain = ListReader::new("f.csv", Trickle { data: csv.as_bytes(), step }).unwrap();
            let expected: Vec<_> = plain.by_ref().collect();
            let mut fast = ListReader::new("f.csv", Trickle { data: csv.as_bytes(), step }).unwrap();
            let mut got = Vec::new();
            loop {
                fast.plain_rows(|id, digest, line| {
                    let id = WorkItemId::new(std::str::from_utf8(&id).unwrap()).unwrap();
                    got.push(Ok(ListRow { id, hash: DropHash::from(digest), line }));
                });
                let Some(row) = fast.next() else { break };
                got.push(row);
            }
            proptest::prop_assert_eq!(shown(got), shown(expected));
            proptest::prop_assert_eq!(fast.non_canonical_ids(), plain.non_canonical_ids());
            proptest::prop_assert_eq!(fast.blank_lines(), plain.blank_lines());
        }
    }

    #[test]
    fn headers_any_case_bom_crlf() {
        for header in ["ID,Hash", "Id,Hash", "id,HASH", "\u{feff}ID,Hash"] {
            for nl in ["\n", "\r\n"] {
                let rows = read(&format!("{header}{nl}A7kP2xQ9Lm4R,{H}{nl}680,{H}")).unwrap();
                let rows: Vec<ListRow> = rows.into_iter().map(Result::unwrap).collect();
                assert_eq!(rows.len(), 2);
                assert_eq!(rows[1].id.as_str(), "680");
                assert_eq!(rows[1].line, 3);
                assert_eq!(rows[0].hash.to_string(), H);
            }
        }
    }

    #[test]
    fn header_only_and_bad_headers() {
        assert!(read("ID,Hash\n").unwrap().is_empty());
        assert!(read("ID,Hash").unwrap().is_empty());
        for bad in [
            "",
            "\n",
            "ID\n",
            "ID,Hash,ListType\n",
            "ID;Hash\n",
            "Hash,ID\n",
            " ID,Hash\n",
        ] {
            assert!(matches!(read(bad), Err(Error::Header { .. })), "{bad:?}");
        }
    }

    #[test]
    fn bad_rows_are_typed_errors_and_reading_goes_on() {
        let csv = format!(
            "ID,Hash\n,{H}\nA7kP2xQ9Lm4R,nothash\nB7kP2xQ9Lm4R\nC7kP2xQ9Lm4R,{H},x\nD7kP2xQ9Lm4R,{H}\n\"a,b\",{H}\n"
        );
        let rows = read(&csv).unwrap();
        assert_eq!(rows.len(), 6);
        assert!(matches!(&rows[0], Err(Error::EmptyId { line: 2, .. })));
        match &rows[1] {
            Err(e @ Error::Hash { line: 3, value, .. }) => {
                assert_eq!(value, "nothash");
                assert!(
                    e.to_string()
                        .starts_with("f.csv:3: Id A7kP2xQ9Lm4R: hash \"nothash\""),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            &rows[2],
            Err(Error::FieldCount {
                line: 4,
                found: 1,
                ..
            })
        ));
        assert!(matches!(
            &rows[3],
            Err(Error::FieldCount {
                line: 5,
                found: 3,
                ..
            })
        ));
        assert_eq!(rows[4].as_ref().unwrap().line, 6);
        assert!(matches!(&rows[5], Err(Error::RowId { line: 7, .. })));
    }

    #[test]
    fn non_utf8_id_is_an_encoding_error() {
        let mut bytes = b"ID,Hash\n".to_vec();
        bytes.extend_from_slice(b"\xff\xfe,");
        bytes.extend_from_slice(H.as_bytes());
        let rows: Vec<_> = ListReader::new("f.csv", &bytes[..]).unwrap().collect();
        assert!(matches!(&rows[0], Err(Error::Encoding { line: 2, .. })));
    }

    #[test]
    fn counts_non_canonical_ids() {
        let csv = format!("ID,Hash\n680,{H}\nA7kP2xQ9Lm4R,{H}\n679,{H}\n");
        let mut r = ListReader::new("f.csv", csv.as_bytes()).unwrap();
        assert_eq!(r.by_ref().filter(Result::is_ok).count(), 3);
        assert_eq!(r.non_canonical_ids(), 2);
    }

    #[test]
    fn removed_rows() {
        let csv = format!("id,hash,listtype\nA7kP2xQ9Lm4R,{H},namevin\nB7kP2xQ9Lm4R,{H},Fax\n");
        let rows: Vec<_> = RemovedReader::new("r.csv", csv.as_bytes())
            .unwrap()
            .collect();
        assert_eq!(rows[0].as_ref().unwrap().list_type, ListType::NameVin);
        assert!(matches!(&rows[1], Err(Error::ListType { line: 3, value, .. }) if value == "Fax"));
        assert!(matches!(
            RemovedReader::new("r.csv", "ID,Hash\n".as_bytes()),
            Err(Error::Header { .. })
        ));
    }
}
