//! `dropkit._native`: the Rust half of the Python package `dropkit` (built with maturin, one
//! abi3 wheel for CPython 3.9 and later).
//!
//! Arrays cross through the Arrow C data interface (`arrow-pyarrow`): a pyarrow, polars or
//! pandas column of a million strings is one buffer handed over, never a million Python
//! objects. The Python layer (`python/python/dropkit`) turns lists, pandas and polars Series
//! and chunked arrays into Arrow arrays and back, and defines the exceptions raised here.
//! Work on arrays runs without the GIL.

mod digests;
mod errors;
mod hashing;
mod matching;

use pyo3::prelude::*;

/// The module `dropkit._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hashing::hash_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(hashing::hash_strings, m)?)?;
    m.add_function(wrap_pyfunction!(hashing::normalize_kind, m)?)?;
    m.add_function(wrap_pyfunction!(matching::match_files, m)?)?;
    m.add_function(wrap_pyfunction!(matching::match_stream, m)?)?;
    m.add_class::<matching::MatchReport>()?;
    m.add_class::<digests::DigestSet>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
