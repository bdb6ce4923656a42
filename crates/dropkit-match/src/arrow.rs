//! Broker records as Arrow record batches (feature `arrow`): matched row by row straight from
//! the arrays, with no CSV text in between.
//!
//! Column names play the part of the CSV header; string and binary columns are read in place,
//! other types printed once per batch by arrow's display. Each batch is cut into units of rows
//! that are standardized, hashed and probed on every core (rayon's global pool) while the next
//! batches are read, and the units' results are folded in row order: the same statuses, match
//! report, matched records and problems as the same records in a CSV, problems naming rows
//! ([`Position::Row`], the first row of the first batch being row 1) instead of lines.

mod columns;

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, Schema};
use rayon::prelude::*;

use crate::item_state::Accumulator;
use crate::lists::Lists;
use crate::outcome::MatchOutcome;
use crate::plan::Plan;
use crate::probe::{BlockResult, process_rows};
use crate::problem::Position;
use crate::record::retained_fields;
use crate::{Error, Mapping, Matcher, Rules};
use columns::{BatchRow, Column, columns};

/// Rows per unit of work: about what a CSV block of a megabyte holds.
const UNIT_ROWS: usize = 8 * 1024;

/// A batch with its mapped columns ready to read, and the number of its first row.
struct Ready {
    columns: Vec<Column>,
    first_row: u64,
    rows: usize,
}

impl Matcher {
    /// Matches records given as Arrow record batches, all of `schema` (whose column names
    /// play the part of the CSV header), against the lists: exactly as [`run`](Self::run)
    /// matches the same records in CSV, with problems naming rows instead of lines (see
    /// [`Position::Row`]). Nulls are empty values; string and binary columns are read as
    /// they are, other types as arrow prints them (dates `YYYY-MM-DD`, numbers in decimal).
    ///
    /// Memory for the records is a few batches, whatever their number. A batch the iterator
    /// fails to give stops the run with [`Error::Io`] naming the records.
    ///
    /// ```
    /// use std::io::{Cursor, Write};
    /// use std::sync::Arc;
    ///
    /// use arrow_array::{ArrayRef, RecordBatch, StringArray};
    /// use dropkit_files::{DownloadArchive, Status};
    /// use dropkit_hash::{DropHash, ListType};
    /// use dropkit_match::{DefaultRules, Lists, Matcher};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let anna = DropHash::of_standardized("anna.smith@domain.com");
    /// let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    /// zip.start_file("20260312_4821_Email.csv", zip::write::SimpleFileOptions::default())?;
    /// write!(zip, "ID,Hash\r\nA7kP2xQ9Lm4R,{anna}\r\n")?;
    /// let zip = zip.finish()?.into_inner();
    /// let lists = Lists::from_archive(&mut DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(zip))?)?;
    ///
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer", Arc::new(StringArray::from(vec!["c-1", "c-2"])) as ArrayRef),
    ///     ("email", Arc::new(StringArray::from(vec![Some(" Anna.Smith@Domain.COM"), None]))),
    /// ])?;
    /// let outcome = Matcher::new(lists).records_name("customers").run_batches(
    ///     &batch.schema(),
    ///     [Ok(batch)],
    ///     &"key=customer,email=email".parse()?,
    ///     &DefaultRules,
    /// )?;
    /// assert_eq!(outcome.status_of(ListType::Email, "A7kP2xQ9Lm4R"), Some(Status::Deleted));
    /// assert_eq!(outcome.summary().records_read, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_batches<I, Ru>(
        self,
        schema: &Schema,
        batches: I,
        mapping: &Mapping,
        rules: &Ru,
    ) -> Result<MatchOutcome, Error>
    where
        I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
        I::IntoIter: Send,
        Ru: Rules + Sync + ?Sized,
    {
        let start = Instant::now();
        let Matcher {
            lists,
            strict,
            max_problems,
            records_name,
            record_fields,
            spill,
            block: _,
        } = self;
        if strict && let Some(first) = lists.problems().first() {
            return Err(Error::Strict(first.to_string()));
        }
        let header: Vec<&[u8]> = schema
            .fields()
            .iter()
            .map(|f| f.name().as_bytes())
            .collect();
        let resolved = mapping.resolve(&header, &records_name)?;
        let width = header.len();
        // Which columns are read: the key's and the mapped ones'.
        let mut mapped = vec![false; width];
        for name in std::iter::once(mapping.key_column()).chain(mapping.columns().map(|c| c.1)) {
            if let Some(i) = header.iter().position(|h| *h == name.as_bytes()) {
                mapped[i] = true;
            }
        }
        let keep = if strict {
            max_problems.max(1)
        } else {
            max_problems
        };
        let name: Arc<str> = Arc::from(records_name.as_str());
        let mut plan = Plan::new(name, resolved, &lists, keep, record_fields);
        plan.position = Position::Row;

        let mut reader = Reader {
            batches: batches.into_iter(),
            mapped,
            width,
            next_row: 1,
            name: &records_name,
        };
        let per_round = rayon::current_num_threads().max(1) * 2 * UNIT_ROWS;
        let mut acc = Accumulator::new(&lists, max_problems, spill.as_deref());
        let mut round = reader.round(per_round)?;
        // Each round reads the next batches, processes these on every core and folds the
        // previous round's results, all at once (the CSV path streams its blocks through the
        // workers instead, `flow.rs`: record batches come from the Parquet reader in rounds).
        let mut done: Vec<BlockResult> = Vec::new();
        while !round.is_empty() || !done.is_empty() {
            let previous = std::mem::take(&mut done);
            let acc = &mut acc;
            let units: Vec<(usize, Range<usize>)> = round
                .iter()
                .enumerate()
                .flat_map(|(b, ready)| {
                    (0..ready.rows.div_ceil(UNIT_ROWS))
                        .map(move |u| (b, u * UNIT_ROWS..((u + 1) * UNIT_ROWS).min(ready.rows)))
                })
                .collect();
            let (next, (results, applied)) = rayon::join(
                || reader.round(per_round),
                || {
                    rayon::join(
                        || {
                            units
                                .par_iter()
                                .map(|(b, rows)| {
                                    process_unit(&round[*b], rows.clone(), &plan, &lists)
                                })
                                .collect::<Vec<_>>()
                        },
                        || {
                            previous
                                .into_iter()
                                .try_for_each(|result| acc.apply(result, strict))
                        },
                    )
                },
            );
            applied?;
            done = results;
            round = next?;
        }
        MatchOutcome::new(lists, acc, plan, rules, start)
    }
}

/// Probes rows `rows` of one batch.
fn process_unit(ready: &Ready, rows: Range<usize>, plan: &Plan, lists: &Lists) -> BlockResult {
    let columns = &ready.columns[..];
    let first_row = ready.first_row;
    let mut reread = |row: usize, buf: &mut String, _: &mut Vec<usize>| {
        retained_fields(&BatchRow { columns, row }, plan, buf)
    };
    process_rows(
        |record| {
            for row in rows {
                record(&BatchRow { columns, row }, first_row + row as u64, row);
            }
        },
        &mut reread,
        plan,
        lists,
    )
}

/// The batches, taken a round at a time.
struct Reader<'a, I> {
    batches: I,
    mapped: Vec<bool>,
    width: usize,
    next_row: u64,
    name: &'a str,
}

impl<I: Iterator<Item = Result<RecordBatch, ArrowError>>> Reader<'_, I> {
    /// The next batches, up to about `rows` rows; empty at the end.
    fn round(&mut self, rows: usize) -> Result<Vec<Ready>, Error> {
        let mut out: Vec<Ready> = Vec::new();
        let mut taken = 0;
        while taken < rows {
            let Some(batch) = self.batches.next() else {
                break;
            };
            let batch = batch.map_err(|e| self.error(e.to_string()))?;
            if batch.num_columns() != self.width {
                return Err(self.error(format!(
                    "a record batch has {} columns, the schema {}",
                    batch.num_columns(),
                    self.width
                )));
            }
            let columns = columns(&batch, &self.mapped).map_err(|e| self.error(e.to_string()))?;
            let n = batch.num_rows();
            out.push(Ready {
                columns,
                first_row: self.next_row,
                rows: n,
            });
            self.next_row += n as u64;
            taken += n;
        }
        Ok(out)
    }

    fn error(&self, message: String) -> Error {
        let e = std::io::Error::new(std::io::ErrorKind::InvalidData, message);
        Error::io(self.name, e)
    }
}
