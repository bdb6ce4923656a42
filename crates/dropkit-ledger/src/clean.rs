//! The clean records file of `screen`: the records without those whose key matched, in the
//! records' own format.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read as _, Write as _};

use arrow_cast::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::LedgerError;
use crate::screen::CleanPlan;

/// The longest consumer key the matcher accepts (dropkit-match skips a row with a longer one).
const MAX_KEY_LEN: usize = 16 << 20;

/// Rows decoded per Parquet batch.
const BATCH_ROWS: usize = 16 * 1024;

/// Whether a row with this key, in a row of `fields` fields (the header has `width`), is
/// passed on: screened by the matcher (right width, a key) and not matched.
fn keep(key: &[u8], fields: usize, width: usize, plan: &CleanPlan<'_>) -> bool {
    if fields != width || key.len() > MAX_KEY_LEN || key.iter().all(u8::is_ascii_whitespace) {
        return false;
    }
    match std::str::from_utf8(key) {
        Ok(key) => !plan.matched.contains(key),
        Err(_) => false,
    }
}

/// Copies the records CSV to `out` without the rows to leave out, byte for byte (line ends,
/// quoting and all); returns the data rows written.
pub(crate) fn csv(plan: &CleanPlan<'_>, out: &File) -> Result<u64, LedgerError> {
    let records = plan.records;
    let io = |e| LedgerError::io(records, e);
    let csv_err = |e: csv::Error| LedgerError::io(records, std::io::Error::other(e));
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::new(File::open(records).map_err(io)?));
    let mut raw = BufReader::with_capacity(1 << 20, File::open(records).map_err(io)?);
    let mut w = BufWriter::with_capacity(1 << 20, out);
    let mut rec = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        return Ok(0);
    }
    let width = rec.len();
    let key_column = plan.key_column.as_bytes();
    let key = rec
        .iter()
        .enumerate()
        .position(|(i, f)| {
            f == key_column || (i == 0 && f.strip_prefix("\u{feff}".as_bytes()) == Some(key_column))
        })
        .ok_or_else(|| LedgerError::Mismatch {
            path: records.to_owned(),
            reason: format!("no column {:?} in the header", plan.key_column),
        })?;
    // The record before the current one: where it starts and whether it is kept.
    let (mut start, mut kept) = (0u64, true);
    let mut written = 0u64;
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        let at = rec.position().map_or(start, |p| p.byte());
        copy(&mut raw, &mut w, at - start, kept).map_err(io)?;
        start = at;
        kept = keep(rec.get(key).unwrap_or_default(), rec.len(), width, plan);
        written += u64::from(kept);
    }
    if kept {
        std::io::copy(&mut raw, &mut w).map_err(io)?;
    }
    w.flush().map_err(|e| LedgerError::io(plan.out, e))?;
    Ok(written)
}

/// Copies the next `len` bytes of `raw` to `w` when `kept`, skips them otherwise.
fn copy(
    raw: &mut BufReader<File>,
    w: &mut impl std::io::Write,
    len: u64,
    kept: bool,
) -> std::io::Result<()> {
    if kept {
        let n = std::io::copy(&mut raw.take(len), w)?;
        if n != len {
            return Err(std::io::Error::other("the file changed while it was read"));
        }
        Ok(())
    } else {
        raw.seek_relative(len as i64)
    }
}

/// Rewrites the records Parquet file to `out` without the rows to leave out, with the same
/// schema; returns the rows written.
pub(crate) fn parquet(plan: &CleanPlan<'_>, out: &File) -> Result<u64, LedgerError> {
    let records = plan.records;
    let pq = |e| LedgerError::Parquet {
        path: records.to_owned(),
        source: e,
    };
    let arrow = |path: &std::path::Path| {
        let path = path.to_owned();
        move |e| LedgerError::Arrow {
            path: path.clone(),
            source: e,
        }
    };
    let file = File::open(records).map_err(|e| LedgerError::io(records, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(pq)?;
    let schema = builder.schema().clone();
    let key = schema
        .index_of(plan.key_column)
        .map_err(|_| LedgerError::Mismatch {
            path: records.to_owned(),
            reason: format!("no column {:?}", plan.key_column),
        })?;
    let reader = builder.with_batch_size(BATCH_ROWS).build().map_err(pq)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let sink = out.try_clone().map_err(|e| LedgerError::io(plan.out, e))?;
    let mut writer =
        ArrowWriter::try_new(sink, schema, Some(props)).map_err(|e| LedgerError::Parquet {
            path: plan.out.to_owned(),
            source: e,
        })?;
    let options = FormatOptions::default().with_null("");
    let mut written = 0u64;
    let mut text = String::new();
    for batch in reader {
        let batch = batch.map_err(arrow(records))?;
        let column = batch.column(key);
        let format = ArrayFormatter::try_new(column.as_ref(), &options).map_err(arrow(records))?;
        let mask: arrow_array::BooleanArray = (0..batch.num_rows())
            .map(|row| {
                text.clear();
                use std::fmt::Write as _;
                let _ = write!(text, "{}", format.value(row));
                Some(keep(text.as_bytes(), 1, 1, plan))
            })
            .collect();
        let kept =
            arrow_select::filter::filter_record_batch(&batch, &mask).map_err(arrow(records))?;
        written += kept.num_rows() as u64;
        writer.write(&kept).map_err(|e| LedgerError::Parquet {
            path: plan.out.to_owned(),
            source: e,
        })?;
    }
    writer.close().map_err(|e| LedgerError::Parquet {
        path: plan.out.to_owned(),
        source: e,
    })?;
    Ok(written)
}
