//! `dropkit.hash` and `dropkit.standardize` on the Rust side: Arrow arrays in through the C data
//! interface (no per-value Python object), Arrow arrays out; or plain Python lists of `str`.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, StringArray, make_array};
use arrow_pyarrow::{PyArrowType, ToPyArrow};
use dropkit_hash::Field;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::errors::{hash_error, raise};
use dropkit_hash::arrow::{ArrowHashError, Kind, OnInvalid, hash_kind, standardize_kind};

/// What the Python layer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Hash,
    Standardize,
}

/// A kind name as the Python API takes it: the `Kind` names, and `name` (the `dropkit hash`
/// command's word) for the name rule.
fn parse_kind(py: Python<'_>, kind: &str) -> PyResult<Kind> {
    if kind.eq_ignore_ascii_case("name") {
        return Ok(Kind::Field(Field::FirstName));
    }
    kind.parse::<Kind>().map_err(|_| {
        raise(
            py,
            "KindError",
            format!(
                "unknown kind {kind:?}: expected one of email, phone, first_name, last_name, \
                 name, dob, zip, maid, ctvid, vin, ndz, namevin"
            ),
            &[],
        )
    })
}

/// `errors="null"` or `errors="raise"`.
fn parse_errors(py: Python<'_>, errors: &str) -> PyResult<OnInvalid> {
    match errors {
        "null" => Ok(OnInvalid::Null),
        "raise" => Ok(OnInvalid::Error),
        other => Err(raise(
            py,
            "KindError",
            format!("errors={other:?}: expected \"null\" or \"raise\""),
            &[],
        )),
    }
}

/// Checks the number of columns for `kind` before any work.
fn check_arity(py: Python<'_>, kind: Kind, columns: usize) -> PyResult<()> {
    let fields = kind.fields();
    if columns == fields.len() {
        return Ok(());
    }
    let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
    Err(raise(
        py,
        "KindError",
        format!(
            "{kind} takes {} column(s) ({}), got {columns}",
            fields.len(),
            names.join(", ")
        ),
        &[],
    ))
}

/// The kernel for `kind` and `op` over `columns` (already checked by [`check_arity`]).
fn compute(
    kind: Kind,
    op: Op,
    columns: &[ArrayRef],
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    let arrays: Vec<&dyn Array> = columns.iter().map(|c| c.as_ref()).collect();
    match op {
        Op::Hash => hash_kind(kind, &arrays, on_invalid),
        Op::Standardize => standardize_kind(kind, &arrays, on_invalid),
    }
}

fn op(standardize: bool) -> Op {
    if standardize {
        Op::Standardize
    } else {
        Op::Hash
    }
}

/// Hashes (or standardizes) Arrow string arrays: anything exporting `__arrow_c_array__`
/// (pyarrow `Array`, nanoarrow, ...) or a pyarrow `Array`. Answers a pyarrow `StringArray`.
/// The work runs without the GIL.
#[pyfunction]
#[pyo3(signature = (kind, columns, errors = "null", standardize = false))]
pub(crate) fn hash_arrow<'py>(
    py: Python<'py>,
    kind: &str,
    columns: Vec<PyArrowType<arrow_data::ArrayData>>,
    errors: &str,
    standardize: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = parse_kind(py, kind)?;
    let on_invalid = parse_errors(py, errors)?;
    let op = op(standardize);
    check_arity(py, kind, columns.len())?;
    let columns: Vec<ArrayRef> = columns.into_iter().map(|c| make_array(c.0)).collect();
    let result = py
        .detach(|| compute(kind, op, &columns, on_invalid))
        .map_err(|e| hash_error(py, &e))?;
    result.into_data().to_pyarrow(py)
}

/// One Python sequence of `str` or `None` as an Arrow string array (the one place values are
/// read one by one: they are Python objects already).
fn column_from_sequence(
    py: Python<'_>,
    index: usize,
    values: &Bound<'_, PyAny>,
) -> PyResult<ArrayRef> {
    let mut out = StringBuilder::with_capacity(values.len().unwrap_or(0), 0);
    for (row, item) in values.try_iter()?.enumerate() {
        let item = item?;
        if item.is_none() {
            out.append_null();
            continue;
        }
        let text = item.cast::<PyString>().map_err(|_| {
            let type_name = item
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".to_owned());
            raise(
                py,
                "UnsupportedTypeError",
                format!("argument {index}, row {row}: expected str or None, got {type_name}"),
                &[],
            )
        })?;
        out.append_value(text.to_cow()?);
    }
    Ok(Arc::new(out.finish()))
}

/// Hashes (or standardizes) Python sequences of `str` (or `None`): one list per column,
/// answered as a list of `str` or `None`.
#[pyfunction]
#[pyo3(signature = (kind, columns, errors = "null", standardize = false))]
pub(crate) fn hash_strings<'py>(
    py: Python<'py>,
    kind: &str,
    columns: Vec<Bound<'py, PyAny>>,
    errors: &str,
    standardize: bool,
) -> PyResult<Bound<'py, PyList>> {
    let kind = parse_kind(py, kind)?;
    let on_invalid = parse_errors(py, errors)?;
    let op = op(standardize);
    check_arity(py, kind, columns.len())?;
    let columns = columns
        .iter()
        .enumerate()
        .map(|(i, c)| column_from_sequence(py, i, c))
        .collect::<PyResult<Vec<_>>>()?;
    let result = py
        .detach(|| compute(kind, op, &columns, on_invalid))
        .map_err(|e| hash_error(py, &e))?;
    PyList::new(py, result.iter())
}

/// The kind names the Python API takes, normalized (`name` is `first_name`), for the Python
/// layer's checks: raises `KindError` for an unknown one.
#[pyfunction]
pub(crate) fn normalize_kind(py: Python<'_>, kind: &str) -> PyResult<String> {
    Ok(parse_kind(py, kind)?.to_string())
}
