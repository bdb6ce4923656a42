//! Recording a download: every work item of its lists, then its Removed list applied, in one
//! transaction.

use std::path::Path;

use dropkit_files::{DataType, DownloadArchive, ListReader, RemovedRow, WorkItemId, ZipFileName};
use dropkit_hash::ListType;
use rusqlite::{Connection, OptionalExtension as _, params};
use time::OffsetDateTime;

use crate::error::SqlContext as _;
use crate::ledger::{download_id, fault_point, instant};
use crate::recorded::{DownloadSummary, summary};
use crate::{Ledger, LedgerError};

/// One work item read from a list.
struct Item {
    id: WorkItemId,
    list: ListType,
    hash: Option<[u8; 32]>,
}

/// One list's counts while reading.
#[derive(Default)]
struct ListCount {
    file: String,
    rows: u64,
    work_items: u64,
    known: u64,
    unreadable: u64,
}

impl Ledger {
    /// Records the download ZIP at `zip`, received at `received_at`: every work item of its
    /// lists (list type, Id, hash, the download, when) and then its Removed list (each entry
    /// cancels the work item with its Id, whichever download delivered it), all in one
    /// transaction.
    ///
    /// Idempotent: a download already recorded (by its name) is not read again, and the
    /// summary of its first recording is returned. The ZIP is read whole before the
    /// transaction starts, so a bad ZIP changes nothing. A list row whose Id is readable but
    /// whose hash is not is recorded without a hash (it is answered, and cannot be screened).
    pub fn record_download(
        &mut self,
        zip: &Path,
        received_at: OffsetDateTime,
    ) -> Result<DownloadSummary, LedgerError> {
        self.record_download_as(zip, received_at, "round")
    }

    pub(crate) fn record_download_as(
        &mut self,
        zip: &Path,
        received_at: OffsetDateTime,
        source: &str,
    ) -> Result<DownloadSummary, LedgerError> {
        let name = zip_name(zip)?;
        if let Some(id) = download_id(&self.conn, &self.path, &name)? {
            return summary(&self.conn, &self.path, id, name);
        }
        let (items, mut counts, removed, removed_unreadable) = read_download(zip)?;
        // The work items' only foreign key is the download inserted just before them: checking
        // it a million times costs a tenth of the write. Off for this transaction only.
        self.conn
            .pragma_update(None, "foreign_keys", false)
            .at(&self.path)?;
        let result = self.record_items(
            &name,
            received_at,
            source,
            items,
            &mut counts,
            &removed,
            removed_unreadable,
        );
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .at(&self.path)?;
        let download = result?;
        summary(&self.conn, &self.path, download, name)
    }

    #[allow(clippy::too_many_arguments)]
    fn record_items(
        &mut self,
        name: &ZipFileName,
        received_at: OffsetDateTime,
        source: &str,
        items: Vec<Item>,
        counts: &mut [ListCount],
        removed: &[RemovedRow],
        removed_unreadable: u64,
    ) -> Result<i64, LedgerError> {
        let (tx, path) = self.begin()?;
        tx.execute(
            "INSERT INTO download (name, received_at, recorded_at, source, removed_unreadable)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                name.to_string(),
                instant(received_at),
                instant(OffsetDateTime::now_utc()),
                source,
                removed_unreadable
            ],
        )
        .at(path)?;
        let download = tx.last_insert_rowid();
        insert_items(&tx, path, download, &items, counts)?;
        drop(items);
        // A Removed entry recorded before its work item (imported out of order, or delivered
        // before the ledger was kept) cancels it now.
        tx.execute(
            "UPDATE work_item SET cancelled_by =
                 (SELECT min(r.download) FROM removal r WHERE r.work_item = work_item.id)
             WHERE download = ?1 AND id IN (SELECT work_item FROM removal)",
            [download],
        )
        .at(path)?;
        apply_removed(&tx, path, download, removed)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO download_list
                     (download, list_type, file, rows, work_items, known, unreadable)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .at(path)?;
            for (list, c) in ListType::ALL.iter().zip(counts.iter()) {
                if c.file.is_empty() {
                    continue;
                }
                stmt.execute(params![
                    download,
                    list.as_str(),
                    c.file,
                    c.rows,
                    c.work_items,
                    c.known,
                    c.unreadable
                ])
                .at(path)?;
            }
        }
        fault_point("record_download");
        tx.commit().at(path)?;
        Ok(download)
    }
}

/// The download's name, from the ZIP's file name.
pub(crate) fn zip_name(zip: &Path) -> Result<ZipFileName, LedgerError> {
    let mismatch = |reason: String| LedgerError::Mismatch {
        path: zip.to_owned(),
        reason,
    };
    let file = zip
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| mismatch("no file name".into()))?;
    file.parse::<ZipFileName>()
        .map_err(|e| mismatch(format!("not a DROP download name: {e}")))
}

/// The index of a list type in [`ListType::ALL`].
fn list_index(list: ListType) -> usize {
    ListType::ALL.iter().position(|&l| l == list).unwrap_or(0)
}

type Read = (Vec<Item>, Vec<ListCount>, Vec<RemovedRow>, u64);

/// Reads every list row and Removed row of the ZIP; work items sorted by Id (so the ledger's
/// B-tree is filled in order), a repeated Id kept in file order.
fn read_download(zip: &Path) -> Result<Read, LedgerError> {
    let mut archive = DownloadArchive::open(zip)?;
    let mut counts: Vec<ListCount> = ListType::ALL.iter().map(|_| ListCount::default()).collect();
    let mut items = Vec::new();
    let lists: Vec<(ListType, String)> = archive
        .list_entries()
        .filter_map(|e| Some((e.name().list_type()?, e.name().to_string())))
        .collect();
    for (list, file) in lists {
        let count = &mut counts[list_index(list)];
        count.file = file.clone();
        let Some(entry) = archive.open_entry(DataType::List(list))? else {
            continue;
        };
        crate::ahead::read_ahead(entry, |chunks| -> Result<(), LedgerError> {
            for row in ListReader::new(file, chunks)? {
                count.rows += 1;
                match row {
                    Ok(row) => items.push(Item {
                        id: row.id,
                        list,
                        hash: Some(*row.hash.as_bytes()),
                    }),
                    Err(e @ dropkit_files::Error::Io { .. }) => return Err(e.into()),
                    Err(e) => match e.row_id().and_then(WorkItemId::new) {
                        Some(id) => items.push(Item {
                            id,
                            list,
                            hash: None,
                        }),
                        None => count.unreadable += 1,
                    },
                }
            }
            Ok(())
        })?;
    }
    let mut removed = Vec::new();
    let mut removed_unreadable = 0u64;
    if let Some(rows) = archive.open_removed()? {
        for row in rows {
            match row {
                Ok(row) => removed.push(row),
                Err(e @ dropkit_files::Error::Io { .. }) => return Err(e.into()),
                Err(_) => removed_unreadable += 1,
            }
        }
    }
    // Stable: a repeated Id keeps its file order.
    items.sort_by(|a, b| a.id.as_str().as_bytes().cmp(b.id.as_str().as_bytes()));
    Ok((items, counts, removed, removed_unreadable))
}

fn insert_items(
    tx: &Connection,
    path: &Path,
    download: i64,
    items: &[Item],
    counts: &mut [ListCount],
) -> Result<(), LedgerError> {
    let mut insert = tx
        .prepare(
            "INSERT INTO work_item (id, list_type, hash, download) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
        )
        .at(path)?;
    let mut existing = tx
        .prepare("SELECT hash FROM work_item WHERE id = ?1")
        .at(path)?;
    let mut fill = tx
        .prepare("UPDATE work_item SET hash = ?2 WHERE id = ?1 AND hash IS NULL")
        .at(path)?;
    let mut alias = tx
        .prepare(
            "INSERT INTO work_item_hash (work_item, hash, download) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .at(path)?;
    for item in items {
        let count = &mut counts[list_index(item.list)];
        let hash = item.hash.as_ref().map(|h| &h[..]);
        let added = insert
            .execute(params![
                item.id.as_str(),
                item.list.as_str(),
                hash,
                download
            ])
            .at(path)?;
        if added == 1 {
            count.work_items += 1;
            continue;
        }
        count.known += 1;
        let Some(hash) = hash else { continue };
        let old: Option<Vec<u8>> = existing
            .query_row([item.id.as_str()], |r| r.get(0))
            .at(path)?;
        match old {
            None => {
                fill.execute(params![item.id.as_str(), hash]).at(path)?;
            }
            Some(old) if old != hash => {
                alias
                    .execute(params![item.id.as_str(), hash, download])
                    .at(path)?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Applies the Removed entries: each cancels the work item with its Id, if it is recorded and
/// still active; every entry is kept, with what it did.
fn apply_removed(
    tx: &Connection,
    path: &Path,
    download: i64,
    removed: &[RemovedRow],
) -> Result<(), LedgerError> {
    let mut state = tx
        .prepare("SELECT cancelled_by FROM work_item WHERE id = ?1")
        .at(path)?;
    let mut cancel = tx
        .prepare("UPDATE work_item SET cancelled_by = ?2 WHERE id = ?1")
        .at(path)?;
    let mut keep = tx
        .prepare(
            "INSERT INTO removal (work_item, download, list_type, hash, effect)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .at(path)?;
    for row in removed {
        let id = row.id.as_str();
        let found: Option<Option<i64>> = state.query_row([id], |r| r.get(0)).optional().at(path)?;
        let effect = match found {
            None => "unknown",
            Some(Some(_)) => "already_cancelled",
            Some(None) => {
                cancel.execute(params![id, download]).at(path)?;
                "cancelled"
            }
        };
        keep.execute(params![
            id,
            download,
            row.list_type.as_str(),
            &row.hash.as_bytes()[..],
            effect
        ])
        .at(path)?;
    }
    Ok(())
}
