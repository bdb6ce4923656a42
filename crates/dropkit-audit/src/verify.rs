//! Checking an audit chain from its file alone, offline.

use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::Path;

use crate::record::Record;
use crate::{AuditError, Break, ChainHead, Digest};

/// What [`verify`] found in an intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Complete lines in the chain.
    pub lines: u64,
    /// The chain's head: its last complete line and that line's SHA-256.
    pub head: ChainHead,
    /// The file ends with a torn line left by a crash (no newline, not JSON): not counted,
    /// not tampering. The next append cuts it off and records that it did.
    pub torn_last_line: bool,
}

/// Checks the audit chain at `path` (a `audit.jsonl`): every line is an entry, line N has
/// `seq` N, line 1's `prev` is 64 zeros and every other line's `prev` is the SHA-256 of the
/// line before it (its bytes with the newline).
///
/// Returns [`AuditError::Broken`] naming the first broken line: a line that is not an entry
/// ([`Break::NotAnEntry`], also a torn line in the middle), a `seq` out of place (lines
/// removed, inserted or reordered: [`Break::Sequence`]), a line changed after it was chained
/// ([`Break::Changed`], found by the next line's `prev`), or a first line whose `prev` is not
/// zeros ([`Break::FirstPrev`]). A torn last line is reported in
/// [`VerifyReport::torn_last_line`], not as an error.
///
/// A chain alone cannot show a change to its last line or the removal of lines from its
/// end: check against a head recorded elsewhere with [`verify_head`].
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    walk(path, None)
}

/// [`verify`], and that `head` (recorded in an attestation, or printed by an earlier
/// `dropkit audit verify`) is in the chain: line `head.seq` exists and hashes to
/// `head.hash`. Otherwise [`Break::NotHead`] or [`Break::Missing`] names that line.
pub fn verify_head(path: &Path, head: &ChainHead) -> Result<VerifyReport, AuditError> {
    walk(path, Some(head))
}

/// Reads every complete line of the chain at `path`, checking it as [`verify`] does: for a
/// report or `dropkit status` to read what happened.
pub fn read_records(path: &Path) -> Result<Vec<Record>, AuditError> {
    let mut records = Vec::new();
    walk_with(path, None, |record| records.push(record))?;
    Ok(records)
}

fn walk(path: &Path, anchor: Option<&ChainHead>) -> Result<VerifyReport, AuditError> {
    walk_with(path, anchor, |_| {})
}

fn walk_with(
    path: &Path,
    anchor: Option<&ChainHead>,
    mut each: impl FnMut(Record),
) -> Result<VerifyReport, AuditError> {
    let file = File::open(path).map_err(|e| AuditError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let broken = |line, problem| AuditError::Broken {
        path: path.to_owned(),
        line,
        problem,
    };
    let mut head = ChainHead::EMPTY;
    let mut torn_last_line = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| AuditError::io(path, e))?;
        if n == 0 {
            break;
        }
        let line_no = head.seq + 1;
        let complete = buf.ends_with(b"\n");
        let record = match Record::parse(buf.strip_suffix(b"\n").unwrap_or(&buf)) {
            Ok(record) => record,
            // The file's end without a newline: a line torn by a crash.
            Err(_) if !complete => {
                torn_last_line = true;
                break;
            }
            Err(message) => return Err(broken(line_no, Break::NotAnEntry { message })),
        };
        if record.seq != line_no {
            return Err(broken(
                line_no,
                Break::Sequence {
                    expected: line_no,
                    found: record.seq,
                },
            ));
        }
        if record.prev != head.hash {
            return Err(if line_no == 1 {
                broken(1, Break::FirstPrev)
            } else {
                broken(head.seq, Break::Changed { next_line: line_no })
            });
        }
        if !complete {
            // Whole but for its newline; the next append adds it.
            buf.push(b'\n');
        }
        head = ChainHead {
            seq: line_no,
            hash: Digest::of_bytes(&buf),
        };
        if let Some(anchor) = anchor
            && anchor.seq == line_no
            && anchor.hash != head.hash
        {
            return Err(broken(
                line_no,
                Break::NotHead {
                    expected: anchor.hash,
                },
            ));
        }
        each(record);
    }
    if let Some(anchor) = anchor
        && anchor.seq > head.seq
    {
        return Err(broken(anchor.seq, Break::Missing { last: head.seq }));
    }
    Ok(VerifyReport {
        lines: head.seq,
        head,
        torn_last_line,
    })
}
