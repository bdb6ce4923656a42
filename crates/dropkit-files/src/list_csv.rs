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
            let Some((id, rest)) = bytes.split_first_chunk::<WORK_ITEM_ID_LEN>() else {
                return false;
            };
            let Some((b',', hash)) = rest.split_first() else {
                return false;
            };
            if !is_canonical(id) || !is_hash_text(hash) {
                return false;
            }
            row(*id, line);
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
            assert_eq!(
                is_hash_text(t),
                DropHash::from_base64(t).is_ok(),
                "{:?}",
                String::from_utf8_lossy(t)
            );
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
