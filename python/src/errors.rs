//! Rust errors as the Python exceptions of `dropkit._errors` (defined in Python, so they can
//! also be `ValueError`s, `TypeError`s or `FileExistsError`s), with the messages the `dropkit`
//! command prints.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use dropkit_hash::arrow::ArrowHashError;

/// The error and its causes joined by `: `, each text once: what `dropkit` prints after
/// `dropkit: ` (see `message` in the CLI's `main.rs`).
pub(crate) fn message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut cause = Some(err);
    while let Some(err) = cause {
        let text = err.to_string();
        if !text.is_empty() && !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        cause = err.source();
    }
    out
}

/// An exception of class `name` from `dropkit._errors`, with `message` and keyword attributes.
pub(crate) fn raise(
    py: Python<'_>,
    name: &str,
    message: String,
    attrs: &[(&str, Py<PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = py.import("dropkit._errors")?.getattr(name)?;
        let kwargs = PyDict::new(py);
        for (key, value) in attrs {
            kwargs.set_item(*key, value.bind(py))?;
        }
        let exc = class.call((message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

/// An `ArrowHashError` as `StandardizeError` (with `row`, `field`, `reason`),
/// `UnsupportedTypeError` or `LengthMismatchError`.
pub(crate) fn hash_error(py: Python<'_>, err: &ArrowHashError) -> PyErr {
    let text = message(err);
    match err {
        ArrowHashError::Invalid { row, field, source } => {
            let attrs = [
                ("row", row.into_pyobject(py).map(|o| o.into_any().unbind())),
                (
                    "field",
                    field
                        .as_str()
                        .into_pyobject(py)
                        .map(|o| o.into_any().unbind()),
                ),
                (
                    "reason",
                    source
                        .to_string()
                        .into_pyobject(py)
                        .map(|o| o.into_any().unbind()),
                ),
            ];
            let attrs: Vec<(&str, Py<PyAny>)> = attrs
                .into_iter()
                .filter_map(|(k, v)| v.ok().map(|v| (k, v)))
                .collect();
            raise(py, "StandardizeError", text, &attrs)
        }
        ArrowHashError::UnsupportedType { .. } => raise(py, "UnsupportedTypeError", text, &[]),
        ArrowHashError::LengthMismatch { .. } => raise(py, "LengthMismatchError", text, &[]),
        ArrowHashError::Arity { .. } => raise(py, "KindError", text, &[]),
        _ => raise(py, "DropkitError", text, &[]),
    }
}
