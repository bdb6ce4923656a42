//! A record batch's mapped columns as bytes by row, without copying strings: string and binary
//! arrays are read in place; other types (numbers, dates) are printed once per batch with
//! arrow's display, as the CSV text of the same data would show them.

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::{
    Array, BinaryArray, BinaryViewArray, LargeBinaryArray, LargeStringArray, RecordBatch,
    StringArray, StringViewArray,
};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, DataType};

use crate::record::Fields;

/// One column of a batch, read by row; a null reads as an empty value.
pub(crate) enum Column {
    /// Not mapped: never read.
    Unmapped,
    Utf8(StringArray),
    LargeUtf8(LargeStringArray),
    Utf8View(StringViewArray),
    Binary(BinaryArray),
    LargeBinary(LargeBinaryArray),
    BinaryView(BinaryViewArray),
}

impl Column {
    /// `array` as a column; types other than strings and bytes are printed with arrow's
    /// display (`1985-07-04` for a date, decimal numbers), nulls as nulls.
    pub(crate) fn of(array: &dyn Array) -> Result<Self, ArrowError> {
        Ok(match array.data_type() {
            DataType::Utf8 => Column::Utf8(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 => Column::LargeUtf8(array.as_string::<i64>().clone()),
            DataType::Utf8View => Column::Utf8View(array.as_string_view().clone()),
            DataType::Binary => Column::Binary(array.as_binary::<i32>().clone()),
            DataType::LargeBinary => Column::LargeBinary(array.as_binary::<i64>().clone()),
            DataType::BinaryView => Column::BinaryView(array.as_binary_view().clone()),
            _ => Column::Utf8(printed(array)?),
        })
    }

    /// Row `i`'s bytes, empty when null.
    #[inline]
    fn get(&self, i: usize) -> &[u8] {
        fn or_empty<'a>(a: &'a dyn Array, i: usize, v: impl FnOnce() -> &'a [u8]) -> &'a [u8] {
            if a.is_null(i) { b"" } else { v() }
        }
        match self {
            Column::Unmapped => b"",
            Column::Utf8(a) => or_empty(a, i, || a.value(i).as_bytes()),
            Column::LargeUtf8(a) => or_empty(a, i, || a.value(i).as_bytes()),
            Column::Utf8View(a) => or_empty(a, i, || a.value(i).as_bytes()),
            Column::Binary(a) => or_empty(a, i, || a.value(i)),
            Column::LargeBinary(a) => or_empty(a, i, || a.value(i)),
            Column::BinaryView(a) => or_empty(a, i, || a.value(i)),
        }
    }
}

/// `array` printed row by row with arrow's display, nulls kept.
fn printed(array: &dyn Array) -> Result<StringArray, ArrowError> {
    let options = FormatOptions::default();
    let formatter = ArrayFormatter::try_new(array, &options)?;
    let mut text = String::new();
    let mut out = arrow_array::builder::StringBuilder::with_capacity(array.len(), array.len() * 8);
    for i in 0..array.len() {
        if array.is_null(i) {
            out.append_null();
        } else {
            text.clear();
            write!(text, "{}", formatter.value(i))
                .map_err(|_| ArrowError::CastError(format!("row {i} cannot be printed")))?;
            out.append_value(&text);
        }
    }
    Ok(out.finish())
}

/// The columns of `batch` the matcher reads (`mapped[i]`), the others left unread.
pub(crate) fn columns(batch: &RecordBatch, mapped: &[bool]) -> Result<Vec<Column>, ArrowError> {
    batch
        .columns()
        .iter()
        .zip(mapped)
        .map(|(c, &m)| {
            if m {
                Column::of(c.as_ref())
            } else {
                Ok(Column::Unmapped)
            }
        })
        .collect()
}

/// One row of a batch, as the fields of a record.
pub(crate) struct BatchRow<'a> {
    pub(crate) columns: &'a [Column],
    pub(crate) row: usize,
}

impl Fields for BatchRow<'_> {
    fn count(&self) -> usize {
        self.columns.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        self.columns[i].get(self.row)
    }
}
