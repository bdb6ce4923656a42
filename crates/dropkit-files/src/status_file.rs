//! Response (status) files: exactly `Id,Status`, then one `Id,code` row per work item.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::rows::{HeaderRule, Rows};
use crate::work_item::{is_canonical, is_canonical_id};
use crate::{DataType, Error, ListFileName, Status, WORK_ITEM_ID_LEN, WorkItemId};

/// The header of every status file, byte for byte.
pub const STATUS_HEADER: &str = "Id,Status";

/// One row of a status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    /// The work item answered.
    pub id: WorkItemId,
    /// Its status.
    pub status: Status,
    /// The line the row is on (the header is line 1).
    pub line: u64,
}

/// Streams the rows of a status file, for amend flows and validation.
///
/// The header must be exactly `Id,Status` (DROP rejects `ID,Status`, a BOM, quotes or extra
/// columns); CRLF line ends are accepted. Bad rows are errors naming file, line, Id and value,
/// and reading goes on after them.
///
/// ```
/// use dropkit_files::{Status, StatusReader};
///
/// let mut r = StatusReader::new("20260312_4821_Email.csv", "Id,Status\nA7kP2xQ9Lm4R,2\n".as_bytes()).unwrap();
/// assert_eq!(r.next().unwrap().unwrap().status, Status::Exempted);
/// assert!(StatusReader::new("x.csv", "ID,Status\n".as_bytes()).is_err());
/// ```
pub struct StatusReader<R> {
    rows: Rows<R>,
}

impl<R: Read> StatusReader<R> {
    /// Reads and checks the header; `file` names the file in errors.
    pub fn new(file: impl Into<String>, reader: R) -> Result<Self, Error> {
        Ok(StatusReader {
            rows: Rows::new(file.into(), reader, HeaderRule::Exact("Id,Status"))?,
        })
    }

    /// The file name used in errors.
    pub fn file_name(&self) -> &str {
        &self.rows.file
    }

    /// How many blank lines were skipped so far (not rows; DROP does not say whether it
    /// accepts them).
    pub fn blank_lines(&self) -> u64 {
        self.rows.blank_lines()
    }

    /// How many rows so far had an Id that is not 12 Base62 characters (kept, and logged).
    pub fn non_canonical_ids(&self) -> u64 {
        self.rows.non_canonical()
    }

    /// The fast path of [`next`](Iterator::next): hands the canonical Id, status and line of
    /// each buffered row that is plainly `<12 Base62>,<2 to 5>` to `row`, exactly the rows the
    /// iterator would give without error (in the same order, with the same line numbers), and
    /// stops at the first other line, which `next` then reads.
    pub(crate) fn fast_rows(&mut self, mut row: impl FnMut([u8; WORK_ITEM_ID_LEN], Status, u64)) {
        self.rows
            .fast_rows(WORK_ITEM_ID_LEN + 2, |bytes, line| match bytes {
                [id @ .., b',', code] => {
                    let Ok(id) = <[u8; WORK_ITEM_ID_LEN]>::try_from(id) else {
                        return false;
                    };
                    match Status::from_field(std::slice::from_ref(code)) {
                        Some(status) if is_canonical(&id) => {
                            row(id, status, line);
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            });
    }

    fn row(&mut self, line: u64) -> Result<StatusRow, Error> {
        let id = self.rows.id(line)?;
        let field = self.rows.field(1);
        let status = Status::from_field(field).ok_or_else(|| Error::RowStatus {
            file: self.rows.file.clone(),
            line,
            id: id.to_string(),
            value: self.rows.error_value(1),
        })?;
        Ok(StatusRow { id, status, line })
    }
}

impl<R: Read> Iterator for StatusReader<R> {
    type Item = Result<StatusRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.rows.next_record()? {
            Ok(line) => self.row(line),
            Err(e) => Err(e),
        })
    }
}

/// What follows a row's Id: the comma, the status code and the line end (every row writer
/// here ends its rows this way).
fn row_end(status: Status) -> [u8; 3] {
    [b',', b'0' + status.code(), b'\n']
}

/// Writes a status file to any writer: `Id,Status\n`, then `Id,code\n` rows; UTF-8, no BOM.
///
/// ```
/// use dropkit_files::{Status, StatusWriter, WorkItemId};
///
/// let mut w = StatusWriter::new(Vec::new()).unwrap();
/// w.write(&"A7kP2xQ9Lm4R".parse::<WorkItemId>().unwrap(), Status::NotFound).unwrap();
/// assert_eq!(w.finish().unwrap(), b"Id,Status\nA7kP2xQ9Lm4R,5\n");
/// ```
pub struct StatusWriter<W: Write> {
    out: BufWriter<W>,
    rows: u64,
}

impl<W: Write> StatusWriter<W> {
    /// Writes the header.
    pub fn new(out: W) -> std::io::Result<Self> {
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        out.write_all(STATUS_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(StatusWriter { out, rows: 0 })
    }

    /// Writes one row. A [`WorkItemId`] never holds a comma, quote, line break or NUL, so no
    /// quoting is ever needed.
    pub fn write(&mut self, id: &WorkItemId, status: Status) -> std::io::Result<()> {
        self.out.write_all(id.as_str().as_bytes())?;
        self.out.write_all(&row_end(status))?;
        self.rows += 1;
        Ok(())
    }

    /// Writes rows rendered ahead ([`StatusRows`]), the same bytes as writing each with
    /// [`write`](Self::write).
    pub fn write_rows(&mut self, rows: &StatusRows) -> std::io::Result<()> {
        self.out.write_all(rows.as_bytes())?;
        self.rows += rows.len();
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// Rows of a status file rendered ahead of writing, for [`StatusWriter::write_rows`] and
/// [`StatusFile::write_rows`]: a large file's rows can then be rendered on several threads,
/// a run of rows each, and written in order. It holds only rows [`StatusWriter::write`] would
/// write, byte for byte the same.
///
/// ```
/// use dropkit_files::{Status, StatusRows, StatusWriter, WorkItemId};
///
/// let mut rows = StatusRows::with_capacity(2);
/// rows.push_canonical(b"A7kP2xQ9Lm4R", Status::Deleted).unwrap();
/// rows.push(&"680".parse::<WorkItemId>().unwrap(), Status::NotFound);
/// // Only 12 Base62 characters go in as raw bytes.
/// assert!(rows.push_canonical(b"A7kP2xQ9Lm4,", Status::Deleted).is_err());
/// assert_eq!(rows.len(), 2);
///
/// let mut w = StatusWriter::new(Vec::new()).unwrap();
/// w.write_rows(&rows).unwrap();
/// assert_eq!(w.rows(), 2);
/// assert_eq!(w.finish().unwrap(), b"Id,Status\nA7kP2xQ9Lm4R,3\n680,5\n");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusRows {
    text: Vec<u8>,
    rows: u64,
}

/// The bytes of a row with a canonical Id: the Id, a comma, the code and a line feed.
const CANONICAL_ROW_LEN: usize = WORK_ITEM_ID_LEN + 3;

impl StatusRows {
    /// No rows.
    pub fn new() -> Self {
        StatusRows::default()
    }

    /// No rows, with room for `rows` rows of canonical Ids.
    pub fn with_capacity(rows: usize) -> Self {
        StatusRows {
            text: Vec::with_capacity(rows.saturating_mul(CANONICAL_ROW_LEN)),
            rows: 0,
        }
    }

    /// Adds one row. A [`WorkItemId`] never holds a comma, quote, line break or NUL, so no
    /// quoting is ever needed.
    pub fn push(&mut self, id: &WorkItemId, status: Status) {
        self.text.extend_from_slice(id.as_str().as_bytes());
        self.text.extend_from_slice(&row_end(status));
        self.rows += 1;
    }

    /// Adds one row whose Id is the 12 bytes `id` (as kept by
    /// [`WorkItemId::canonical_bytes`]), without building a [`WorkItemId`]; the same row as
    /// [`push`](Self::push) would add. Refused (nothing added) unless `id` is 12 Base62
    /// characters: any other Id goes through [`push`](Self::push).
    pub fn push_canonical(
        &mut self,
        id: &[u8; WORK_ITEM_ID_LEN],
        status: Status,
    ) -> Result<(), NotCanonicalId> {
        if !is_canonical_id(id) {
            return Err(NotCanonicalId {
                value: String::from_utf8_lossy(id).into_owned(),
            });
        }
        let mut row = [0u8; CANONICAL_ROW_LEN];
        row[..WORK_ITEM_ID_LEN].copy_from_slice(id);
        row[WORK_ITEM_ID_LEN..].copy_from_slice(&row_end(status));
        self.text.extend_from_slice(&row);
        self.rows += 1;
        Ok(())
    }

    /// How many rows.
    pub fn len(&self) -> u64 {
        self.rows
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Removes every row, keeping the room.
    pub fn clear(&mut self) {
        self.text.clear();
        self.rows = 0;
    }

    /// The rows as they are written: `Id,code\n` each.
    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }
}

/// [`StatusRows::push_canonical`] was given bytes that are not 12 Base62 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a canonical work item Id (12 Base62 characters)")]
#[non_exhaustive]
pub struct NotCanonicalId {
    /// The bytes given, as text (invalid UTF-8 replaced).
    pub value: String,
}

/// A status file being written into a directory under its DROP name.
///
/// Rows go to a hidden temporary file in the same directory; [`finish`](Self::finish) flushes,
/// syncs and renames it to its name. Dropped without `finish` (or on a crash), no file with the
/// DROP name exists, so a half-written file never looks complete. An existing file of the same
/// name is never replaced: pick a new suffix with [`ListFileName::next_unused`].
pub struct StatusFile {
    writer: StatusWriter<File>,
    temp: tempfile::TempPath,
    path: PathBuf,
}

impl StatusFile {
    /// Starts `dir/name`. `name` must be a list's name (not Removed's).
    pub fn create(dir: impl AsRef<Path>, name: &ListFileName) -> Result<Self, Error> {
        if name.data_type() == DataType::Removed {
            return Err(Error::FileName {
                name: name.to_string(),
                reason: "status files answer a list, not the Removed file",
            });
        }
        let dir = dir.as_ref();
        let path = dir.join(name.to_string());
        if path.exists() {
            return Err(Error::Exists { path });
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(".dropkit-").suffix(".partial");
        // A temporary file is private (0600) by default; a status file is an ordinary file
        // (0666 less the umask), like any other the user writes.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
        let (file, temp) = temp.into_parts();
        let writer = StatusWriter::new(file).map_err(|e| Error::io(&path, e))?;
        Ok(StatusFile { writer, temp, path })
    }

    /// Writes one row.
    pub fn write(&mut self, id: &WorkItemId, status: Status) -> Result<(), Error> {
        self.writer
            .write(id, status)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Writes rows rendered ahead ([`StatusRows`]), the same bytes as writing each with
    /// [`write`](Self::write).
    pub fn write_rows(&mut self, rows: &StatusRows) -> Result<(), Error> {
        self.writer
            .write_rows(rows)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.writer.rows()
    }

    /// The path the file gets on [`finish`](Self::finish).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and moves the file to its name; returns its path.
    pub fn finish(self) -> Result<PathBuf, Error> {
        let StatusFile { writer, temp, path } = self;
        let file = writer.finish().map_err(|e| Error::io(&path, e))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        drop(file);
        temp.persist_noclobber(&path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Exists { path: path.clone() }
            } else {
                Error::io(&path, e.error)
            }
        })?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Rows pushed into [`StatusRows`] (canonical ones as bytes, split into runs at
        /// random) write the same bytes as row by row.
        #[test]
        fn status_rows_write_what_rows_write(
            rows in prop::collection::vec(
                ("[A-Za-z0-9]{12}|[^,\"\r\n\x00]{1,30}", 2u8..=5, any::<bool>()),
                0..60,
            ),
        ) {
            let mut one_by_one = StatusWriter::new(Vec::new()).unwrap();
            let mut ahead = StatusWriter::new(Vec::new()).unwrap();
            let mut run = StatusRows::new();
            for (text, code, cut) in &rows {
                let id = WorkItemId::new(text).unwrap();
                let status = Status::from_field(&[b'0' + code]).unwrap();
                one_by_one.write(&id, status).unwrap();
                match <[u8; WORK_ITEM_ID_LEN]>::try_from(text.as_bytes()) {
                    Ok(bytes) if id.is_canonical() => run.push_canonical(&bytes, status).unwrap(),
                    Ok(bytes) => {
                        prop_assert!(run.push_canonical(&bytes, status).is_err());
                        run.push(&id, status);
                    }
                    Err(_) => run.push(&id, status),
                }
                if *cut {
                    ahead.write_rows(&run).unwrap();
                    run.clear();
                    prop_assert!(run.is_empty());
                }
            }
            ahead.write_rows(&run).unwrap();
            prop_assert_eq!(ahead.rows(), one_by_one.rows());
            prop_assert_eq!(ahead.finish().unwrap(), one_by_one.finish().unwrap());
        }
    }

    #[test]
    fn a_file_takes_rows_rendered_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let name: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
        let mut f = StatusFile::create(dir.path(), &name).unwrap();
        let mut rows = StatusRows::with_capacity(1);
        rows.push_canonical(b"A7kP2xQ9Lm4R", Status::OptedOut)
            .unwrap();
        f.write_rows(&rows).unwrap();
        f.write(&id("680"), Status::NotFound).unwrap();
        assert_eq!(f.rows(), 2);
        let path = f.finish().unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"Id,Status\nA7kP2xQ9Lm4R,4\n680,5\n"
        );
        let e = rows
            .push_canonical(b"A7kP2xQ9Lm4\xc3", Status::Deleted)
            .unwrap_err();
        assert_eq!(rows.len(), 1, "a refused row is not added");
        assert!(e.to_string().contains("A7kP2xQ9Lm4"), "{e}");
    }

    fn id(s: &str) -> WorkItemId {
        s.parse().unwrap()
    }

    #[test]
    fn header_must_be_exact() {
        for ok in ["Id,Status\n", "Id,Status\r\n", "Id,Status"] {
            assert!(StatusReader::new("f.csv", ok.as_bytes()).is_ok(), "{ok:?}");
        }
        for bad in [
            "ID,Status\n",
            "id,status\n",
            "\u{feff}Id,Status\n",
            "Id,Status,Note\n",
            "\"Id\",\"Status\"\n",
            "Id ,Status\n",
            "Id\n",
            "",
        ] {
            let e = StatusReader::new("f.csv", bad.as_bytes()).err().unwrap();
            assert!(
                matches!(
                    e,
                    Error::Header {
                        expected: "Id,Status",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rows_and_errors() {
        let csv =
            "Id,Status\r\nA7kP2xQ9Lm4R,7\r\n680,5\r\n,2\r\nB7kP2xQ9Lm4R,1\r\nC7kP2xQ9Lm4R, 3\r\n";
        let rows: Vec<_> = StatusReader::new("20261120_4821_Email.csv", csv.as_bytes())
            .unwrap()
            .collect();
        assert_eq!(
            rows[0].as_ref().unwrap_err().to_string(),
            "20261120_4821_Email.csv:2: Id A7kP2xQ9Lm4R: status 7 is not one of 2, 3, 4, 5"
        );
        assert_eq!(rows[1].as_ref().unwrap().status, Status::NotFound);
        assert!(matches!(rows[2], Err(Error::EmptyId { line: 4, .. })));
        assert!(matches!(rows[3], Err(Error::RowStatus { line: 5, .. })));
        assert!(matches!(rows[4], Err(Error::RowStatus { line: 6, .. })));
    }

    #[test]
    fn file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let name: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
        let mut f = StatusFile::create(dir.path(), &name).unwrap();
        f.write(&id("A7kP2xQ9Lm4R"), Status::Deleted).unwrap();
        assert!(!f.path().exists());
        let path = f.finish().unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"Id,Status\nA7kP2xQ9Lm4R,3\n"
        );
        assert!(matches!(
            StatusFile::create(dir.path(), &name),
            Err(Error::Exists { .. })
        ));
        // abandoned: nothing left under the DROP name, no temp file either
        let part = name.with_suffix("p2").unwrap();
        let mut f = StatusFile::create(dir.path(), &part).unwrap();
        f.write(&id("A7kP2xQ9Lm4R"), Status::Deleted).unwrap();
        drop(f);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("20260312_4821_Email.csv")]
        );
        let removed: ListFileName = "20260312_4821_Removed.csv".parse().unwrap();
        assert!(StatusFile::create(dir.path(), &removed).is_err());
    }
}
