//! Recording a download: every work item of its lists, then its Removed list applied, in one
//! transaction.

use std::path::Path;

use dropkit_files::{DataType, DownloadArchive, ListReader, RemovedRow, WorkItemId, ZipFileName};
use dropkit_hash::ListType;
use rusqlite::{Connection, OptionalExtension as _, params};
use time::OffsetDateTime;

use crate::error::SqlContext as _;
use crate::ledger::{fault_point, instant};
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
    /// A download is known by its ZIP's SHA-256, not its name: DROP names every download of
    /// a day `YYYYMMDD_<broker>_DROP.zip`, so a second download the same day carries the
    /// first one's name with other bytes, and is recorded as a download of its own. The
    /// other calls that name a download ([`Ledger::record_answers`], ...) mean the latest
    /// one recorded under that name: the round working on it.
    ///
    /// Idempotent: a download already recorded (the same bytes) is not read again, and the
    /// summary of its first recording is returned. A download recorded before the ledger
    /// kept digests (schema version 1) is the same download when it has the same name and
    /// the same lists, rows and Removed entries (a round resumed across the upgrade); it is
    /// given the digest then. The ZIP is read whole before the transaction starts, so a bad
    /// ZIP changes nothing. A list row whose Id is readable but
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
        let digest = zip_digest(zip)?;
        if let Some(id) = self.download_by_digest(&digest)? {
            return summary(&self.conn, &self.path, id, name);
        }
        let (items, mut counts, removed, removed_unreadable) = read_download(zip)?;
        let distinct_removed = removed
            .iter()
            .map(|r| r.id.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len();
        if let Some(id) =
            self.legacy_download(&name, &counts, distinct_removed, removed_unreadable)?
            && self.all_recorded(&items)?
        {
            let (tx, path) = self.begin()?;
            tx.execute(
                "UPDATE download SET sha256 = ?2 WHERE id = ?1 AND sha256 IS NULL",
                params![id, &digest[..]],
            )
            .at(path)?;
            tx.commit().at(path)?;
            return summary(&self.conn, &self.path, id, name);
        }
        // The work items' only foreign key is the download inserted just before them: checking
        // it a million times costs a tenth of the write. Off for this transaction only.
        self.conn
            .pragma_update(None, "foreign_keys", false)
            .at(&self.path)?;
        let result = self.record_items(
            &name,
            &digest,
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
        digest: &[u8; 32],
        received_at: OffsetDateTime,
        source: &str,
        items: Vec<Item>,
        counts: &mut [ListCount],
        removed: &[RemovedRow],
        removed_unreadable: u64,
    ) -> Result<i64, LedgerError> {
        let (tx, path) = self.begin()?;
        tx.execute(
            "INSERT INTO download
             (name, received_at, recorded_at, source, removed_unreadable, sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name.to_string(),
                instant(received_at),
                instant(OffsetDateTime::now_utc()),
                source,
                removed_unreadable,
                &digest[..]
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

    /// The download recorded with this ZIP digest, if any.
    fn download_by_digest(&self, digest: &[u8; 32]) -> Result<Option<i64>, LedgerError> {
        self.conn
            .query_row(
                "SELECT id FROM download WHERE sha256 = ?1",
                [&digest[..]],
                |r| r.get(0),
            )
            .optional()
            .at(&self.path)
    }

    /// Whether every work item just read is in the ledger already: true of the download
    /// recorded before digests were kept, false of a second download of the same day with
    /// the same counts (its Ids are new), which must be recorded, not taken for the first.
    fn all_recorded(&self, items: &[Item]) -> Result<bool, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM work_item WHERE id = ?1")
            .at(&self.path)?;
        for item in items {
            if !stmt.exists([item.id.as_str()]).at(&self.path)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A download of this name recorded before digests were kept (schema version 1) whose
    /// lists, rows and Removed entries are the ones just read: the same download.
    fn legacy_download(
        &self,
        name: &ZipFileName,
        counts: &[ListCount],
        removed: usize,
        removed_unreadable: u64,
    ) -> Result<Option<i64>, LedgerError> {
        let Some((id, unreadable)) = self
            .conn
            .query_row(
                "SELECT id, removed_unreadable FROM download
                 WHERE name = ?1 AND sha256 IS NULL ORDER BY id DESC LIMIT 1",
                [name.to_string()],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u64>(1)?)),
            )
            .optional()
            .at(&self.path)?
        else {
            return Ok(None);
        };
        let kept: u64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM removal WHERE download = ?1",
                [id],
                |r| r.get(0),
            )
            .at(&self.path)?;
        let mut stmt = self
            .conn
            .prepare("SELECT list_type, file, rows FROM download_list WHERE download = ?1")
            .at(&self.path)?;
        let mut lists: Vec<(String, String, u64)> = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .at(&self.path)?
            .collect::<Result<_, _>>()
            .at(&self.path)?;
        lists.sort();
        let mut read: Vec<(String, String, u64)> = ListType::ALL
            .iter()
            .zip(counts)
            .filter(|(_, c)| !c.file.is_empty())
            .map(|(l, c)| (l.as_str().to_owned(), c.file.clone(), c.rows))
            .collect();
        read.sort();
        let same = lists == read && kept == removed as u64 && unreadable == removed_unreadable;
        Ok(same.then_some(id))
    }
}

/// The SHA-256 of the ZIP's bytes, read in blocks.
fn zip_digest(zip: &Path) -> Result<[u8; 32], LedgerError> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut file = std::fs::File::open(zip).map_err(|e| LedgerError::io(zip, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0_u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LedgerError::io(zip, e)),
        }
    }
    Ok(hasher.finalize().into())
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
