//! Appending to the audit chain, `<state-dir>/audit.jsonl`.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::record::Record;
use crate::{AuditError, Digest, Entry};

/// File name of the audit chain inside a state directory. It stays at the top of the
/// directory for the directory's whole life: a finished round is archived without it.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// The end of an audit chain: the last line's `seq` and the SHA-256 of its bytes (newline
/// included), i.e. what the next line's `prev` will be.
///
/// Written `SEQ:HASH` (`42:9f86d0…`), the form `dropkit audit verify` prints and `--head`
/// reads. An attestation records the head its round ended at, which anchors the chain:
/// a chain alone cannot show that its own last lines were changed or removed, the recorded
/// head can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainHead {
    /// The last line's `seq` (its line number); 0 for an empty chain.
    pub seq: u64,
    /// The SHA-256 of the last line with its newline; [`Digest::ZERO`] for an empty chain.
    pub hash: Digest,
}

impl ChainHead {
    /// The head of an empty chain.
    pub const EMPTY: ChainHead = ChainHead {
        seq: 0,
        hash: Digest::ZERO,
    };
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Why a text is not a chain head (`SEQ:HASH`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a chain head is written SEQ:HASH (a line number, a colon, 64 hexadecimal digits)")]
pub struct ParseHeadError;

impl FromStr for ChainHead {
    type Err = ParseHeadError;

    fn from_str(s: &str) -> Result<ChainHead, ParseHeadError> {
        let (seq, hash) = s.trim().split_once(':').ok_or(ParseHeadError)?;
        Ok(ChainHead {
            seq: seq.parse().map_err(|_| ParseHeadError)?,
            hash: hash.parse().map_err(|_| ParseHeadError)?,
        })
    }
}

/// The audit chain of a state directory, open for appending.
///
/// The caller holds the state directory's lock, as for any change to the directory; the
/// chain also takes an OS lock on `audit.jsonl` itself for each append, so that two
/// processes appending at once write one line at a time, each chained to the other's.
#[derive(Debug)]
pub struct AuditChain {
    path: PathBuf,
    file: File,
    head: ChainHead,
    /// The file's length after this handle's last read or write; `u64::MAX` when unknown.
    end: u64,
}

/// How much of the file's end is read at a time to find its last line.
const TAIL_CHUNK: u64 = 16 * 1024;

impl AuditChain {
    /// Opens `<state_dir>/audit.jsonl`, creating it (`0600` on Unix) when missing; the
    /// directory must exist.
    ///
    /// A torn last line left by a crash (no newline, not JSON) is cut off, and an entry
    /// saying so (`command` `audit`, `step` `repair`, `outcome` `torn-line-removed`, with
    /// the count of `bytes` removed) is appended in its place. A last line that is whole
    /// but lacks only its newline gets it. Opening reads only the end of the file; the whole
    /// chain is checked by [`verify`](crate::verify).
    pub fn open(state_dir: impl AsRef<Path>) -> Result<AuditChain, AuditError> {
        let path = state_dir.as_ref().join(AUDIT_FILE);
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| AuditError::io(&path, e))?;
        let mut chain = AuditChain {
            path,
            file,
            head: ChainHead::EMPTY,
            end: u64::MAX,
        };
        chain.locked(|c| c.catch_up())?;
        if let Some(dir) = chain.path.parent() {
            // Makes a newly created file's directory entry durable (best effort).
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(chain)
    }

    /// The chain file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head after this handle's last open or append (another process may have appended
    /// since; [`AuditChain::append`] chains to the file's real end).
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// Appends `entry` as one line chained to the file's last line, written with one write
    /// and synced to disk before returning, so a crash can only tear this last line. Returns
    /// the new head.
    pub fn append(&mut self, entry: Entry) -> Result<ChainHead, AuditError> {
        self.locked(|c| {
            c.catch_up()?;
            c.write(entry)
        })
    }

    /// Runs `f` holding the OS lock on the chain file.
    fn locked<T>(
        &mut self,
        f: impl FnOnce(&mut AuditChain) -> Result<T, AuditError>,
    ) -> Result<T, AuditError> {
        self.file
            .lock()
            .map_err(|e| AuditError::io(&self.path, e))?;
        let result = f(self);
        let unlocked = self.file.unlock();
        let value = result?;
        unlocked.map_err(|e| AuditError::io(&self.path, e))?;
        Ok(value)
    }

    /// Re-reads the head when the file changed since this handle last saw it, mending a torn
    /// last line.
    fn catch_up(&mut self) -> Result<(), AuditError> {
        let io = |e| AuditError::io(&self.path, e);
        let len = self.file.metadata().map_err(io)?.len();
        if len == self.end {
            return Ok(());
        }
        self.end = u64::MAX;
        let tail = read_tail(&mut self.file, len).map_err(io)?;
        self.head = match &tail.last {
            None => ChainHead::EMPTY,
            Some(line) => {
                let content = line.strip_suffix(b"\n").unwrap_or(line);
                let record =
                    Record::parse(content).map_err(|message| AuditError::LastLineUnreadable {
                        path: self.path.clone(),
                        message,
                    })?;
                ChainHead {
                    seq: record.seq,
                    hash: Digest::of_bytes(line),
                }
            }
        };
        let Some((start, torn)) = tail.torn else {
            self.end = len;
            return Ok(());
        };
        if let Ok(record) = Record::parse(&torn) {
            // Whole but for its newline: finish the line.
            self.file.write_all(b"\n").map_err(io)?;
            self.file.sync_data().map_err(io)?;
            let mut line = torn;
            line.push(b'\n');
            self.head = ChainHead {
                seq: record.seq,
                hash: Digest::of_bytes(&line),
            };
            self.end = len + 1;
            return Ok(());
        }
        self.file.set_len(start).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.end = start;
        let removed = u64::try_from(torn.len()).unwrap_or(u64::MAX);
        self.write(
            Entry::new("audit", "torn-line-removed")
                .step("repair")
                .count("bytes", removed),
        )?;
        Ok(())
    }

    /// Writes `entry` after the known head; the lock is held and the head is current.
    fn write(&mut self, entry: Entry) -> Result<ChainHead, AuditError> {
        let record = Record::from_entry(entry, self.head.seq + 1, self.head.hash);
        let line = record
            .to_line()
            .map_err(|e| AuditError::io(&self.path, std::io::Error::other(e)))?;
        let end = self.end;
        self.end = u64::MAX;
        // One write of the whole line to a file opened for appending: the kernel puts it at
        // the end in one piece, never interleaved with another process's line.
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| AuditError::io(&self.path, e))?;
        self.head = ChainHead {
            seq: record.seq,
            hash: Digest::of_bytes(&line),
        };
        if end != u64::MAX {
            self.end = end + u64::try_from(line.len()).unwrap_or(u64::MAX - end);
        }
        Ok(self.head)
    }
}

/// The end of the chain file: its last complete line (with its newline) and, after it, the
/// bytes of a torn line with where they start.
#[derive(Debug, Default, PartialEq)]
struct Tail {
    last: Option<Vec<u8>>,
    torn: Option<(u64, Vec<u8>)>,
}

/// Reads the file's end backwards, a chunk at a time, until it holds the last complete line.
fn read_tail(file: &mut File, len: u64) -> std::io::Result<Tail> {
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = len;
    loop {
        if let Some(tail) = split_tail(&buf, pos) {
            return Ok(tail);
        }
        let n = TAIL_CHUNK.min(pos);
        pos -= n;
        let mut chunk = vec![0_u8; usize::try_from(n).unwrap_or(usize::MAX)];
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
    }
}

/// Splits `buf`, the file's bytes from `pos` to its end, into its last line and torn part;
/// `None` when more of the file must be read first.
fn split_tail(buf: &[u8], pos: u64) -> Option<Tail> {
    let at_start = pos == 0;
    if buf.is_empty() {
        return at_start.then(Tail::default);
    }
    // Where the torn part starts: after the last newline.
    let torn_start = match buf.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None if at_start => 0,
        None => return None,
    };
    let torn =
        (torn_start < buf.len()).then(|| (pos + torn_start as u64, buf[torn_start..].to_vec()));
    if torn_start == 0 {
        return Some(Tail { last: None, torn });
    }
    let line_start = match buf[..torn_start - 1].iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None if at_start => 0,
        None => return None,
    };
    Some(Tail {
        last: Some(buf[line_start..torn_start].to_vec()),
        torn,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_tail_is_the_last_line_and_a_torn_rest() {
        assert_eq!(split_tail(b"", 0), Some(Tail::default()));
        assert_eq!(split_tail(b"", 5), None);
        assert_eq!(
            split_tail(b"a\nbc\n", 0).unwrap().last.as_deref(),
            Some(&b"bc\n"[..])
        );
        let t = split_tail(b"a\nbc\nde", 10).unwrap();
        assert_eq!(t.last.as_deref(), Some(&b"bc\n"[..]));
        assert_eq!(t.torn, Some((15, b"de".to_vec())));
        assert_eq!(split_tail(b"bc\n", 3), None);
        assert_eq!(split_tail(b"de", 3), None);
        let t = split_tail(b"de", 0).unwrap();
        assert_eq!((t.last, t.torn), (None, Some((0, b"de".to_vec()))));
    }

    #[test]
    fn the_tail_is_found_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let long = "x".repeat(40_000);
        std::fs::write(&path, format!("first\n{long}\ntorn")).unwrap();
        let mut file = File::open(&path).unwrap();
        let len = file.metadata().unwrap().len();
        let tail = read_tail(&mut file, len).unwrap();
        assert_eq!(tail.last.unwrap(), format!("{long}\n").into_bytes());
        assert_eq!(tail.torn, Some((len - 4, b"torn".to_vec())));
    }

    #[test]
    fn a_head_reads_as_it_prints() {
        let head = ChainHead {
            seq: 42,
            hash: Digest::of_bytes(b"x"),
        };
        assert_eq!(head.to_string().parse::<ChainHead>().unwrap(), head);
        assert!("42".parse::<ChainHead>().is_err());
        assert!("x:00".parse::<ChainHead>().is_err());
    }
}
