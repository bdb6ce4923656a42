//! Recording the answers given to DROP: the status of each work item and when, read from the
//! status files uploaded.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use dropkit_files::{ListFileName, Status, StatusReader, WorkItemId, ZipFileName};
use rusqlite::params;
use time::OffsetDateTime;

use crate::error::SqlContext as _;
use crate::ledger::{fault_point, instant, recorded_download};
use crate::{Ledger, LedgerError};

/// One status file, read.
struct Answered {
    file: String,
    rows: Vec<(WorkItemId, Status)>,
}

impl Ledger {
    /// Records the answers of `download` (recorded already) from its uploaded status files:
    /// each row's status becomes its work item's answer, uploaded at `at`, in one transaction.
    ///
    /// Every file is read (and every row checked, errors naming file and line) before anything
    /// is written; a file named for another download is refused ([`LedgerError::Mismatch`]).
    /// Returns the number of rows that answered a work item of the download (rows naming
    /// another Id are ignored, with a warning in the log).
    ///
    /// Idempotent: recording the same files again changes nothing and returns the same
    /// number; the first `at` of each file is kept. An answer recorded later (an amendment, in
    /// a file of another name) wins over one recorded earlier, even if the earlier file is
    /// recorded again.
    pub fn record_answers(
        &mut self,
        download: &ZipFileName,
        status_files: &[PathBuf],
        at: OffsetDateTime,
    ) -> Result<u64, LedgerError> {
        let files = status_files
            .iter()
            .map(|p| read_status_file(p, download))
            .collect::<Result<Vec<_>, _>>()?;
        let id = recorded_download(&self.conn, &self.path, download)?;
        let (tx, path) = self.begin()?;
        let mut answered = 0u64;
        {
            let mut add_file = tx
                .prepare(
                    "INSERT INTO answer_file (download, file, answered_at, rows)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (download, file) DO NOTHING",
                )
                .at(path)?;
            let mut file_id = tx
                .prepare("SELECT id FROM answer_file WHERE download = ?1 AND file = ?2")
                .at(path)?;
            let mut answer = tx
                .prepare(
                    "UPDATE work_item SET status = ?2, answer = ?3
                     WHERE id = ?1 AND download = ?4 AND (answer IS NULL OR answer <= ?3)",
                )
                .at(path)?;
            let mut of_download = tx
                .prepare("SELECT count(*) FROM work_item WHERE id = ?1 AND download = ?2")
                .at(path)?;
            for f in &files {
                add_file
                    .execute(params![id, f.file, instant(at), f.rows.len() as u64])
                    .at(path)?;
                let file: i64 = file_id
                    .query_row(params![id, f.file], |r| r.get(0))
                    .at(path)?;
                let mut foreign = 0u64;
                for (work_item, status) in &f.rows {
                    let n = answer
                        .execute(params![work_item.as_str(), status.code(), file, id])
                        .at(path)?;
                    if n == 0 {
                        // Not updated: not of this download, or answered by a later file.
                        let ours: i64 = of_download
                            .query_row(params![work_item.as_str(), id], |r| r.get(0))
                            .at(path)?;
                        if ours == 0 {
                            foreign += 1;
                            continue;
                        }
                    }
                    answered += 1;
                }
                if foreign > 0 {
                    tracing::warn!(
                        file = %f.file,
                        rows = foreign,
                        "status rows answer work items that are not of download {download}; ignored"
                    );
                }
            }
        }
        fault_point("record_answers");
        tx.commit().at(path)?;
        Ok(answered)
    }
}

/// Reads a status file of `download`, every row checked.
fn read_status_file(path: &Path, download: &ZipFileName) -> Result<Answered, LedgerError> {
    let mismatch = |reason: String| LedgerError::Mismatch {
        path: path.to_owned(),
        reason,
    };
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| mismatch("no file name".into()))?
        .to_owned();
    let name = ListFileName::parse_status_file(&file)?;
    if name.date() != download.date() || name.broker_id() != download.broker_id() {
        return Err(mismatch(format!(
            "a status file of another download than {download}"
        )));
    }
    let reader = File::open(path).map_err(|e| LedgerError::io(path, e))?;
    let mut rows = Vec::new();
    for row in StatusReader::new(file.clone(), BufReader::new(reader))? {
        let row = row?;
        rows.push((row.id, row.status));
    }
    Ok(Answered { file, rows })
}
