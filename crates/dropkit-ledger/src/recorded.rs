//! What recording a download did, as returned the first time and read back on every later
//! call (recording is idempotent).

use std::path::Path;

use dropkit_files::ZipFileName;
use dropkit_hash::ListType;
use rusqlite::Connection;
use serde::Serialize;
use time::OffsetDateTime;

use crate::LedgerError;
use crate::error::SqlContext as _;
use crate::ledger::parse_instant;

/// What recording a download did. Recording the same download again changes nothing and
/// returns the same summary (read back from the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DownloadSummary {
    /// The download.
    #[serde(serialize_with = "crate::text::display")]
    pub download: ZipFileName,
    /// When it was received (as given the first time it was recorded).
    #[serde(serialize_with = "crate::text::instant")]
    pub received_at: OffsetDateTime,
    /// Per list of the download, in [`ListType`] order.
    pub lists: Vec<ListRecorded>,
    /// What its Removed list did.
    pub removed: RemovedApplied,
}

impl DownloadSummary {
    /// Work items this download added to the ledger, all lists together.
    pub fn work_items(&self) -> u64 {
        self.lists.iter().map(|l| l.work_items).sum()
    }
}

/// What one list of a download added to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListRecorded {
    /// The list type.
    #[serde(serialize_with = "crate::text::display")]
    pub list_type: ListType,
    /// The list file in the ZIP.
    pub file: String,
    /// Rows read (blank lines not counted).
    pub rows: u64,
    /// Work items recorded: the rows whose Id was new to the ledger.
    pub work_items: u64,
    /// Rows whose Id was in the ledger already (listed twice, or delivered by an earlier
    /// download): not recorded again; a hash not seen before for that Id is kept as a further
    /// hash of the work item (table `work_item_hash`), so it is screened too.
    pub known: u64,
    /// Rows without a readable Id: nothing can be recorded for them (dropkit-files reports them
    /// with file and line; `dropkit validate` shows them).
    pub unreadable: u64,
}

/// What a download's Removed list did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RemovedApplied {
    /// Removed entries read (each kept in table `removal`).
    pub entries: u64,
    /// Work items they cancelled: never screened again.
    pub cancelled: u64,
    /// Entries naming a work item cancelled already.
    pub already_cancelled: u64,
    /// Entries naming an Id not in the ledger (delivered before the ledger was kept, and not
    /// imported): kept, so that work item is recorded cancelled if it is ever recorded.
    pub unknown: u64,
    /// Removed rows that could not be read (not applied: a cancellation is never guessed).
    pub unreadable: u64,
}

/// A recorded download's summary, read back from the ledger.
pub(crate) fn summary(
    conn: &Connection,
    path: &Path,
    download: i64,
    name: ZipFileName,
) -> Result<DownloadSummary, LedgerError> {
    let (received, removed_unreadable): (String, u64) = conn
        .query_row(
            "SELECT received_at, removed_unreadable FROM download WHERE id = ?1",
            [download],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .at(path)?;
    let mut stmt = conn
        .prepare(
            "SELECT list_type, file, rows, work_items, known, unreadable
             FROM download_list WHERE download = ?1",
        )
        .at(path)?;
    let mut lists = stmt
        .query_map([download], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ListRecordedRow {
                    file: r.get(1)?,
                    rows: r.get(2)?,
                    work_items: r.get(3)?,
                    known: r.get(4)?,
                    unreadable: r.get(5)?,
                },
            ))
        })
        .at(path)?
        .map(|row| {
            let (list, c) = row.at(path)?;
            let list_type = list
                .parse::<ListType>()
                .map_err(|e| LedgerError::Malformed {
                    path: path.to_owned(),
                    line: 1,
                    reason: format!("table download_list: {e}"),
                })?;
            Ok(ListRecorded {
                list_type,
                file: c.file,
                rows: c.rows,
                work_items: c.work_items,
                known: c.known,
                unreadable: c.unreadable,
            })
        })
        .collect::<Result<Vec<_>, LedgerError>>()?;
    lists.sort_by_key(|l| l.list_type);
    let mut removed = RemovedApplied {
        unreadable: removed_unreadable,
        ..RemovedApplied::default()
    };
    let mut stmt = conn
        .prepare("SELECT effect, count(*) FROM removal WHERE download = ?1 GROUP BY effect")
        .at(path)?;
    let rows = stmt
        .query_map([download], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
        })
        .at(path)?;
    for row in rows {
        let (effect, n) = row.at(path)?;
        removed.entries += n;
        match effect.as_str() {
            "cancelled" => removed.cancelled += n,
            "already_cancelled" => removed.already_cancelled += n,
            _ => removed.unknown += n,
        }
    }
    Ok(DownloadSummary {
        download: name,
        received_at: parse_instant(path, &received)?,
        lists,
        removed,
    })
}

/// A `download_list` row before its list type is parsed.
struct ListRecordedRow {
    file: String,
    rows: u64,
    work_items: u64,
    known: u64,
    unreadable: u64,
}
