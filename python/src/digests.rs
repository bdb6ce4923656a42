//! The set of every hash a download lists, for `dropkit.spark`: executors keep only the rows
//! that can match (a value whose hash is listed), and the driver matches those few rows with
//! the real matcher. A row left out can match nothing, so the statuses are the same.

use std::collections::HashSet;
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, make_array};
use arrow_pyarrow::{PyArrowType, ToPyArrow};
use arrow_schema::DataType;
use dropkit_files::DownloadArchive;
use dropkit_hash::{DropHash, ListType};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::{message, raise};

/// Every hash listed in a download (its Removed file aside), as raw 32-byte digests.
#[pyclass(frozen, module = "dropkit._native")]
#[derive(Debug)]
pub(crate) struct DigestSet {
    digests: HashSet<[u8; 32]>,
}

/// A listed hash as DROP writes it (Base64) or as a broker may store it (64 hex digits).
fn digest(text: &str) -> Option<[u8; 32]> {
    match text.len() {
        44 => DropHash::from_base64(text.as_bytes())
            .ok()
            .map(|h| *h.as_bytes()),
        64 => {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(text, &mut bytes).ok().map(|()| bytes)
        }
        _ => None,
    }
}

impl DigestSet {
    fn mask(&self, columns: &[ArrayRef]) -> Result<BooleanArray, String> {
        let rows = columns.first().map_or(0, |c| c.len());
        let mut hit = vec![false; rows];
        for column in columns {
            if column.len() != rows {
                return Err("columns of different lengths".to_owned());
            }
            let mut mark = |row: usize, value: Option<&str>| {
                if value
                    .and_then(digest)
                    .is_some_and(|d| self.digests.contains(&d))
                {
                    hit[row] = true;
                }
            };
            match column.data_type() {
                DataType::Utf8 => column
                    .as_string::<i32>()
                    .iter()
                    .enumerate()
                    .for_each(|(r, v)| mark(r, v)),
                DataType::LargeUtf8 => column
                    .as_string::<i64>()
                    .iter()
                    .enumerate()
                    .for_each(|(r, v)| mark(r, v)),
                DataType::Utf8View => column
                    .as_string_view()
                    .iter()
                    .enumerate()
                    .for_each(|(r, v)| mark(r, v)),
                DataType::Null => {}
                other => return Err(format!("expected string columns of hashes, got {other}")),
            }
        }
        Ok(BooleanArray::from(hit))
    }
}

#[pymethods]
impl DigestSet {
    /// From concatenated 32-byte digests (what `to_bytes` gives: how the set travels to Spark
    /// executors).
    #[new]
    fn new(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        if !data.len().is_multiple_of(32) {
            return Err(raise(
                py,
                "DropkitError",
                format!(
                    "{} bytes is not a whole number of 32-byte digests",
                    data.len()
                ),
                &[],
            ));
        }
        let digests = data
            .chunks_exact(32)
            .filter_map(|c| <[u8; 32]>::try_from(c).ok())
            .collect();
        Ok(DigestSet { digests })
    }

    /// Every hash of every list in the download ZIP at `download` (unreadable rows skipped:
    /// they match nothing).
    #[staticmethod]
    fn from_download(py: Python<'_>, download: PathBuf) -> PyResult<Self> {
        let read = || -> Result<HashSet<[u8; 32]>, dropkit_files::Error> {
            let mut archive = DownloadArchive::open(&download)?;
            let mut digests = HashSet::new();
            for list in ListType::ALL {
                if let Some(reader) = archive.open_list(list)? {
                    for row in reader.flatten() {
                        digests.insert(*row.hash.as_bytes());
                    }
                }
            }
            Ok(digests)
        };
        let digests = py
            .detach(read)
            .map_err(|e| raise(py, "MatchError", message(&e), &[]))?;
        Ok(DigestSet { digests })
    }

    /// The digests, concatenated.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut out = Vec::with_capacity(self.digests.len() * 32);
        for d in &self.digests {
            out.extend_from_slice(d);
        }
        PyBytes::new(py, &out)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        Ok((slf.get_type().into_any(), (slf.get().to_bytes(py),)))
    }

    fn __len__(&self) -> usize {
        self.digests.len()
    }

    /// A pyarrow boolean array: for each row, whether any of `columns` (string arrays of
    /// Base64 or hex hashes, nulls allowed) holds a listed hash.
    fn contains_any<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<PyArrowType<arrow_data::ArrayData>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let columns: Vec<ArrayRef> = columns.into_iter().map(|c| make_array(c.0)).collect();
        let mask = py
            .detach(|| self.mask(&columns))
            .map_err(|e| raise(py, "UnsupportedTypeError", e, &[]))?;
        mask.into_data().to_pyarrow(py)
    }
}
