//! Broker records from Parquet (feature `parquet`).
//!
//! The row groups are decoded batch by batch with the `parquet` crate and fed to the same
//! matcher as CSV, as CSV text: a header of the column names, then one line per row. So every
//! rule of the CSV path holds (column mapping by name, standardization, problems), and memory
//! stays bounded by one record batch. Problems name rows as lines: line `N` is row `N - 1` of
//! the file (line 1 being the header). Nulls read as empty values; other types are printed
//! with arrow's display (dates as `YYYY-MM-DD`, numbers in decimal).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use arrow_array::{RecordBatch, RecordBatchReader as _};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::{Error, Mapping, MatchOutcome, Matcher, Rules};

/// Rows decoded per batch.
const BATCH_ROWS: usize = 16 * 1024;

impl Matcher {
    /// Opens the Parquet records file at `path` and matches its rows like a CSV's (see the
    /// [module docs](crate#parquet-input)); column names play the part of the CSV header.
    pub fn run_parquet<R: Rules + Sync + ?Sized>(
        self,
        path: impl AsRef<Path>,
        mapping: &Mapping,
        rules: &R,
    ) -> Result<MatchOutcome, Error> {
        let path = path.as_ref();
        let csv = ParquetAsCsv::open(path)?;
        self.records_name(path.display().to_string())
            .run(csv, mapping, rules)
    }
}

impl ParquetAsCsv {
    /// Opens the Parquet file at `path` as CSV text: a header of its column names first.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let parquet_error = |e: parquet::errors::ParquetError| {
            Error::io(path, io::Error::new(io::ErrorKind::InvalidData, e))
        };
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(parquet_error)?
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(parquet_error)?;
        let header = reader
            .schema()
            .fields()
            .iter()
            .map(|f| quoted(f.name()))
            .collect::<Vec<_>>()
            .join(",");
        Ok(ParquetAsCsv {
            batches: reader,
            buf: format!("{header}\n").into_bytes(),
            pos: 0,
        })
    }
}

/// A `Read` of CSV text over Parquet record batches.
pub(crate) struct ParquetAsCsv {
    batches: ParquetRecordBatchReader,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ParquetAsCsv {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            match self.batches.next() {
                None => return Ok(0),
                Some(Err(e)) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                Some(Ok(batch)) => write_batch(&batch, &mut self.buf)?,
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn write_batch(batch: &RecordBatch, buf: &mut Vec<u8>) -> io::Result<()> {
    let options = FormatOptions::default().with_null("");
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let mut field = String::new();
    for row in 0..batch.num_rows() {
        for (i, f) in formatters.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            field.clear();
            use std::fmt::Write as _;
            write!(field, "{}", f.value(row))
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unprintable value"))?;
            buf.extend_from_slice(quoted(&field).as_bytes());
        }
        buf.push(b'\n');
    }
    Ok(())
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn quoted(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\"")).into()
    } else {
        value.into()
    }
}
