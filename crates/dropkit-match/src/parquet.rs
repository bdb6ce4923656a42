//! Broker records from Parquet (feature `parquet`).
//!
//! The row groups are decoded batch by batch with the `parquet` crate into Arrow record batches
//! and matched by [`Matcher::run_batches`]: no CSV text in between. So every rule of the CSV
//! path holds (column mapping by name, standardization, problems) and memory stays bounded by a
//! few record batches. Problems name rows ([`Position::Row`](crate::Position::Row): the first
//! row of the file is row 1). Nulls read as empty values; string and binary columns are read in
//! place, other types printed with arrow's display (dates as `YYYY-MM-DD`, numbers in decimal).

use std::fs::File;
use std::io;
use std::path::Path;

use arrow_array::RecordBatchReader as _;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::{Error, Mapping, MatchOutcome, Matcher, Rules};

/// Rows decoded per batch.
const BATCH_ROWS: usize = 16 * 1024;

impl Matcher {
    /// Opens the Parquet records file at `path` and matches its rows (see the
    /// [module docs](crate#parquet-input)), naming the file by its path; column names play the
    /// part of the CSV header.
    pub fn run_parquet<R: Rules + Sync + ?Sized>(
        self,
        path: impl AsRef<Path>,
        mapping: &Mapping,
        rules: &R,
    ) -> Result<MatchOutcome, Error> {
        let path = path.as_ref();
        let (schema, batches) = open(path)?;
        self.records_name(path.display().to_string())
            .run_batches(&schema, batches, mapping, rules)
    }
}

/// Opens the Parquet file at `path`: its schema and a reader of its record batches.
pub(crate) fn open(path: &Path) -> Result<(SchemaRef, ParquetRecordBatchReader), Error> {
    let parquet_error = |e: parquet::errors::ParquetError| {
        Error::io(path, io::Error::new(io::ErrorKind::InvalidData, e))
    };
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(parquet_error)?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(parquet_error)?;
    Ok((reader.schema(), reader))
}
