//! The ledger's work items as Parquet, for a warehouse or a Spark job.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use dropkit_hash::DropHash;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::SqlContext as _;
use crate::ledger::parse_instant;
use crate::{Ledger, LedgerError};

/// Rows per record batch (and at most per row group).
const BATCH_ROWS: usize = 64 * 1024;

/// The columns of the export, in order (documented in `docs/ledger.md`).
fn schema() -> Schema {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("list_type", DataType::Utf8, false),
        Field::new("hash", DataType::Utf8, true),
        Field::new("download", DataType::Utf8, false),
        Field::new("received_at", instant.clone(), false),
        Field::new("status", DataType::UInt8, true),
        Field::new("answered_at", instant.clone(), true),
        Field::new("active", DataType::Boolean, false),
        Field::new("cancelled_by", DataType::Utf8, true),
        Field::new("cancelled_at", instant, true),
    ])
}

/// The columns being filled.
struct Columns {
    id: StringBuilder,
    list_type: StringBuilder,
    hash: StringBuilder,
    download: StringBuilder,
    received_at: TimestampMicrosecondBuilder,
    status: UInt8Builder,
    answered_at: TimestampMicrosecondBuilder,
    active: BooleanBuilder,
    cancelled_by: StringBuilder,
    cancelled_at: TimestampMicrosecondBuilder,
    rows: usize,
}

impl Columns {
    fn new() -> Self {
        let ts = || TimestampMicrosecondBuilder::with_capacity(BATCH_ROWS).with_timezone("UTC");
        let text = |bytes| StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * bytes);
        Columns {
            id: text(12),
            list_type: text(6),
            hash: text(44),
            download: text(22),
            received_at: ts(),
            status: UInt8Builder::with_capacity(BATCH_ROWS),
            answered_at: ts(),
            active: BooleanBuilder::with_capacity(BATCH_ROWS),
            cancelled_by: text(0),
            cancelled_at: ts(),
            rows: 0,
        }
    }

    fn finish(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, arrow_schema::ArrowError> {
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.list_type.finish()),
            Arc::new(self.hash.finish()),
            Arc::new(self.download.finish()),
            Arc::new(self.received_at.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.answered_at.finish()),
            Arc::new(self.active.finish()),
            Arc::new(self.cancelled_by.finish()),
            Arc::new(self.cancelled_at.finish()),
        ];
        RecordBatch::try_new(schema.clone(), columns)
    }
}

impl Ledger {
    /// Writes every work item of the ledger to the Parquet file `out` (zstd), sorted by Id:
    /// `id`, `list_type`, `hash` (Base64, as DROP writes it), `download`, `received_at`,
    /// `status`, `answered_at`, `active`, `cancelled_by` and `cancelled_at` (instants as
    /// UTC microsecond timestamps). Returns the rows written. The file appears complete under
    /// its name or not at all.
    pub fn export_parquet(&self, out: &Path) -> Result<u64, LedgerError> {
        let path = &self.path;
        let pq = |e| LedgerError::Parquet {
            path: out.to_owned(),
            source: e,
        };
        let arrow = |e| LedgerError::Arrow {
            path: out.to_owned(),
            source: e,
        };
        // Downloads and answer files are few: resolved in memory, not joined per row.
        let mut downloads: HashMap<i64, (String, i64)> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, received_at FROM download")
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let at: String = r.get(2).at(path)?;
            downloads.insert(r.get(0).at(path)?, (r.get(1).at(path)?, micros(path, &at)?));
        }
        drop(rows);
        let mut answers: HashMap<i64, i64> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, answered_at FROM answer_file")
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        while let Some(r) = rows.next().at(path)? {
            let at: String = r.get(1).at(path)?;
            answers.insert(r.get(0).at(path)?, micros(path, &at)?);
        }
        drop(rows);

        let dir = match out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".dropkit-export")
            .tempfile_in(dir)
            .map_err(|e| LedgerError::io(out, e))?;
        let schema = Arc::new(schema());
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let sink = tmp
            .as_file()
            .try_clone()
            .map_err(|e| LedgerError::io(out, e))?;
        let mut writer = ArrowWriter::try_new(sink, schema.clone(), Some(props)).map_err(pq)?;
        let mut cols = Columns::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, list_type, hash, download, status, answer, cancelled_by
                 FROM work_item ORDER BY id",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut total = 0u64;
        let mut b64 = [0u8; 44];
        while let Some(r) = rows.next().at(path)? {
            cols.id
                .append_value(r.get_ref(0).at(path)?.as_str().unwrap_or_default());
            cols.list_type
                .append_value(r.get_ref(1).at(path)?.as_str().unwrap_or_default());
            match r.get_ref(2).at(path)?.as_blob_or_null().ok().flatten() {
                Some(h) => match <[u8; 32]>::try_from(h) {
                    Ok(h) => cols
                        .hash
                        .append_value(DropHash::from(h).encode_base64(&mut b64)),
                    Err(_) => cols.hash.append_null(),
                },
                None => cols.hash.append_null(),
            }
            let download: i64 = r.get(3).at(path)?;
            let (name, received) = downloads.get(&download).cloned().unwrap_or_default();
            cols.download.append_value(name);
            cols.received_at.append_value(received);
            cols.status
                .append_option(r.get::<_, Option<u8>>(4).at(path)?);
            let answer: Option<i64> = r.get(5).at(path)?;
            cols.answered_at
                .append_option(answer.and_then(|a| answers.get(&a).copied()));
            let cancelled: Option<i64> = r.get(6).at(path)?;
            cols.active.append_value(cancelled.is_none());
            let by = cancelled.and_then(|c| downloads.get(&c));
            cols.cancelled_by.append_option(by.map(|b| b.0.as_str()));
            cols.cancelled_at.append_option(by.map(|b| b.1));
            cols.rows += 1;
            total += 1;
            if cols.rows == BATCH_ROWS {
                writer
                    .write(&cols.finish(&schema).map_err(arrow)?)
                    .map_err(pq)?;
            }
        }
        if cols.rows > 0 || total == 0 {
            writer
                .write(&cols.finish(&schema).map_err(arrow)?)
                .map_err(pq)?;
        }
        writer.close().map_err(pq)?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| LedgerError::io(out, e))?;
        tmp.persist(out)
            .map_err(|e| LedgerError::io(out, e.error))?;
        Ok(total)
    }
}

/// An instant of the ledger as microseconds since the Unix epoch.
fn micros(path: &Path, text: &str) -> Result<i64, LedgerError> {
    let at = parse_instant(path, text)?;
    Ok((at.unix_timestamp_nanos() / 1000) as i64)
}
