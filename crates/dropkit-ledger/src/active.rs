//! The active work items as matcher lists: what later records are screened against.

use dropkit_files::{DataType, ListFileName, ListRow, WorkItemId, ZipFileName};
use dropkit_hash::{DropHash, ListType};
use dropkit_match::Lists;
use rusqlite::OptionalExtension as _;

use crate::error::SqlContext as _;
use crate::ledger::download_id;
use crate::{Ledger, LedgerError};

/// Every active work item of one list, with the further hashes of each (`work_item_hash`).
/// `?2` is the download left out (`-1`: none).
const ACTIVE: &str = "
SELECT id, hash FROM work_item
 WHERE list_type = ?1 AND cancelled_by IS NULL AND hash IS NOT NULL AND download <> ?2
UNION ALL
SELECT h.work_item, h.hash FROM work_item_hash h JOIN work_item w ON w.id = h.work_item
 WHERE w.list_type = ?1 AND w.cancelled_by IS NULL AND w.download <> ?2";

impl Ledger {
    /// Every active (not cancelled) work item of every download but `excluding`, as matcher
    /// [`Lists`]: to screen records for late matches, or (with `None`) for `dropkit screen`.
    ///
    /// One list per list type, named after the newest download that delivered work items to
    /// it. A work item with several hashes matches by any of them. Work items without a
    /// readable hash are left out (nothing can match them). Memory is the matcher's, about 56
    /// bytes per active work item; the rows are streamed from the ledger, never held twice.
    pub fn active_lists(&self, excluding: Option<&ZipFileName>) -> Result<Lists, LedgerError> {
        let path = &self.path;
        let excluded = match excluding {
            Some(name) => download_id(&self.conn, path, name)?.unwrap_or(-1),
            None => -1,
        };
        let mut builder = Lists::builder();
        let mut name_of = self
            .conn
            .prepare(
                "SELECT l.file, sum(l.work_items) OVER () FROM download_list l
                 WHERE l.list_type = ?1 AND l.work_items > 0 AND l.download <> ?2
                 ORDER BY l.download DESC LIMIT 1",
            )
            .at(path)?;
        let mut rows = self.conn.prepare(ACTIVE).at(path)?;
        for list in ListType::ALL {
            let found: Option<(String, u64)> = name_of
                .query_row(rusqlite::params![list.as_str(), excluded], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .at(path)?;
            let Some((file, items)) = found else { continue };
            let name = list_name(&file, list)?;
            builder.size_hint(items);
            let mut line = 1u64;
            let mut failure = None;
            let mut query = rows
                .query(rusqlite::params![list.as_str(), excluded])
                .at(path)?;
            let iter = std::iter::from_fn(|| {
                let row = match query.next() {
                    Ok(Some(row)) => row,
                    Ok(None) => return None,
                    Err(source) => {
                        failure = Some(LedgerError::Sqlite {
                            path: path.clone(),
                            source,
                        });
                        return None;
                    }
                };
                match read_row(row, path, &mut line) {
                    Ok(row) => Some(Ok(row)),
                    Err(e) => {
                        failure = Some(e);
                        None
                    }
                }
            });
            builder.list(name, iter)?;
            if let Some(e) = failure {
                return Err(e);
            }
        }
        Ok(builder.build())
    }
}

/// One row of [`ACTIVE`] as a list row.
fn read_row(
    row: &rusqlite::Row<'_>,
    path: &std::path::Path,
    line: &mut u64,
) -> Result<ListRow, LedgerError> {
    *line += 1;
    let bad = |what: &str| LedgerError::Malformed {
        path: path.to_owned(),
        line: 1,
        reason: format!("table work_item: {what}"),
    };
    let id = row
        .get_ref(0)
        .at(path)?
        .as_str()
        .map_err(|_| bad("an Id is not text"))?;
    let hash = row
        .get_ref(1)
        .at(path)?
        .as_blob()
        .map_err(|_| bad("a hash is not a BLOB"))?;
    let id = WorkItemId::new(id).ok_or_else(|| bad(&format!("{id:?} is not a DROP Id")))?;
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| bad(&format!("the hash of {id} is not 32 bytes")))?;
    Ok(ListRow {
        id,
        hash: DropHash::from(hash),
        line: *line,
    })
}

/// The list's name: the newest file name recorded for it, or a name of the right type.
fn list_name(file: &str, list: ListType) -> Result<ListFileName, LedgerError> {
    if let Ok(name) = file.parse::<ListFileName>()
        && name.list_type() == Some(list)
    {
        return Ok(name);
    }
    Ok(ListFileName::new("00000000", "0", DataType::List(list))?)
}
