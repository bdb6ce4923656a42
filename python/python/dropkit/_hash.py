"""``dropkit.hash`` and ``dropkit.standardize``: every input kind to Arrow and back.

Lists of ``str`` go to Rust as they are; everything else goes as Arrow arrays through the
C data interface (pandas and polars Series through pyarrow without a per-value copy in Python),
and comes back in the kind it came as.
"""

from __future__ import annotations

import builtins
from typing import Any, List, Optional, Sequence

from . import _native

__all__ = ["KINDS", "hash", "standardize"]

#: Every kind :func:`hash` takes: the fields (``name`` is ``first_name``: the same rule), and
#: the composites ``ndz`` (first, last, dob, zip) and ``namevin`` (first, last, vin).
KINDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "name",
    "dob",
    "zip",
    "maid",
    "ctvid",
    "vin",
    "ndz",
    "namevin",
)


def _module_of(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _pa():
    import pyarrow

    return pyarrow


def _as_string_array(array: Any) -> Any:
    """A pyarrow array of a type the Rust side reads (string, large_string, string_view)."""
    pa = _pa()
    t = array.type
    if pa.types.is_dictionary(t):
        array = array.dictionary_decode()
        t = array.type
    if pa.types.is_null(t):
        return array.cast(pa.string())
    return array


class _Adapter:
    """One input kind: how to turn it into pyarrow arrays and the answer back into that kind."""

    def to_arrow(self, values: Any) -> Any:
        raise NotImplementedError

    def back(self, result: Any, like: Any) -> Any:
        raise NotImplementedError


class _ArrowArray(_Adapter):
    def to_arrow(self, values: Any) -> Any:
        return values

    def back(self, result: Any, like: Any) -> Any:
        return result


class _Chunked(_Adapter):
    def to_arrow(self, values: Any) -> Any:
        return values

    def back(self, result: Any, like: Any) -> Any:
        return result


class _Pandas(_Adapter):
    def to_arrow(self, values: Any) -> Any:
        # object, string and string[pyarrow] Series alike; NaN and None are nulls
        return _pa().array(values, from_pandas=True)

    def back(self, result: Any, like: Any) -> Any:
        import pandas as pd

        dtype = like.dtype
        from_arrow = getattr(dtype, "__from_arrow__", None)
        if from_arrow is not None:
            # string, string[pyarrow], ArrowDtype, ...: the dtype builds itself from the Arrow
            # array (for Arrow-backed dtypes without a copy)
            try:
                values = from_arrow(result)
            except (TypeError, ValueError, NotImplementedError):
                values = result.to_pandas().to_numpy()
        else:
            # object (and anything else): Python str and None, as given
            values = result.to_pandas().to_numpy()
        return pd.Series(values, index=like.index, name=like.name)


class _Polars(_Adapter):
    def to_arrow(self, values: Any) -> Any:
        return values.to_arrow()

    def back(self, result: Any, like: Any) -> Any:
        import polars as pl

        return pl.Series(like.name, result, dtype=pl.String)


def _adapter(values: Any) -> Optional[_Adapter]:
    module = _module_of(values)
    if module == "pyarrow":
        pa = _pa()
        if isinstance(values, pa.ChunkedArray):
            return _Chunked()
        if isinstance(values, pa.Array):
            return _ArrowArray()
    if module == "pandas" and type(values).__name__ == "Series":
        return _Pandas()
    if module == "polars" and type(values).__name__ == "Series":
        return _Polars()
    return None


def _is_sequence(values: Any) -> bool:
    return isinstance(values, (list, tuple))


def _run(kind: str, columns: Sequence[Any], errors: str, standardize: bool) -> Any:
    if not columns:
        raise _native_kind_error(kind, 0)
    first = columns[0]
    if builtins.all(_is_sequence(c) for c in columns):
        return _native.hash_strings(kind, [list(c) for c in columns], errors, standardize)
    adapter = _adapter(first)
    if adapter is None:
        if hasattr(first, "__arrow_c_array__") or hasattr(first, "__arrow_c_stream__"):
            adapter = _Chunked() if hasattr(first, "__arrow_c_stream__") else _ArrowArray()
        else:
            from ._errors import UnsupportedTypeError

            raise UnsupportedTypeError(
                f"argument 0: expected a list of str, a pyarrow Array or ChunkedArray, a pandas "
                f"Series or a polars Series, got {type(first).__name__}"
            )
    pa = _pa()
    arrays = []
    for i, column in enumerate(columns):
        other = _adapter(column)
        arrow = (other or adapter).to_arrow(column) if other is not None else _foreign(column, i)
        arrays.append(arrow)
    result = _hash_arrays(pa, kind, arrays, errors, standardize)
    return adapter.back(result, first)


def _foreign(column: Any, index: int) -> Any:
    """A column of another kind than the first (a list beside a pyarrow array, ...)."""
    pa = _pa()
    if _is_sequence(column):
        return pa.array(column, type=pa.string())
    if hasattr(column, "__arrow_c_stream__") and not hasattr(column, "__arrow_c_array__"):
        return pa.chunked_array(column)
    if hasattr(column, "__arrow_c_array__"):
        return pa.array(column)
    from ._errors import UnsupportedTypeError

    raise UnsupportedTypeError(
        f"argument {index}: expected a list of str, a pyarrow Array or ChunkedArray, a pandas "
        f"Series or a polars Series, got {type(column).__name__}"
    )


def _hash_arrays(pa: Any, kind: str, arrays: List[Any], errors: str, standardize: bool) -> Any:
    """pyarrow arrays (plain or chunked) in, one pyarrow array (or chunked array) out."""
    arrays = [
        pa.chunked_array(a) if not isinstance(a, (pa.Array, pa.ChunkedArray)) and hasattr(a, "__arrow_c_stream__") else a
        for a in arrays
    ]
    chunked = [a for a in arrays if isinstance(a, pa.ChunkedArray)]
    if not chunked:
        return _native.hash_arrow(kind, [_as_string_array(a) for a in arrays], errors, standardize)
    # Chunk by chunk when every column is chunked alike (the common case: one column, or the
    # columns of one table); otherwise each column as one array.
    layouts = {tuple(len(c) for c in a.chunks) if isinstance(a, pa.ChunkedArray) else (len(a),) for a in arrays}
    if len(layouts) == 1 and builtins.all(isinstance(a, pa.ChunkedArray) for a in arrays):
        out = []
        offset = 0
        for i in range(arrays[0].num_chunks):
            try:
                out.append(
                    _native.hash_arrow(
                        kind, [_as_string_array(a.chunk(i)) for a in arrays], errors, standardize
                    )
                )
            except Exception as e:  # the row is the chunk's: make it the column's
                _shift_row(e, offset)
                raise
            offset += len(arrays[0].chunk(i))
        return pa.chunked_array(out, type=pa.string())
    whole = [
        (a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a) for a in arrays
    ]
    result = _native.hash_arrow(kind, [_as_string_array(a) for a in whole], errors, standardize)
    return pa.chunked_array([result], type=pa.string())


def _shift_row(error: Exception, offset: int) -> None:
    from ._errors import StandardizeError

    if isinstance(error, StandardizeError) and offset:
        local = error.row
        error.row = local + offset
        error.message = error.message.replace(f"row {local}", f"row {error.row}", 1)
        error.args = (error.message,)


def _native_kind_error(kind: str, got: int) -> Exception:
    from ._errors import KindError

    return KindError(f"{kind} takes at least one column, got {got}")


def hash(kind: str, *columns: Any, errors: str = "null") -> Any:
    """Standardizes and hashes values as DROP does: ``Base64(SHA-256(standardized))``.

    ``kind`` is a field (``email``, ``phone``, ``first_name``, ``last_name``, ``name``,
    ``dob``, ``zip``, ``maid``, ``ctvid``, ``vin``) with one column, or a composite with its
    columns in order: ``hash("ndz", first, last, dob, zip)``,
    ``hash("namevin", first, last, vin)``.

    Each column is a list of ``str`` (``None`` allowed), a pyarrow ``Array`` or
    ``ChunkedArray`` of strings, a pandas ``Series`` or a polars ``Series``; the answer is of
    the first column's kind, one 44-character hash per value. A null stays null. A value DROP
    would refuse (an email of only spaces, a 16-character VIN, a 30 February) becomes null
    with ``errors="null"`` (the default), or raises :class:`StandardizeError` naming its row
    with ``errors="raise"``.
    """
    return _run(kind, columns, errors, False)


def standardize(kind: str, *columns: Any, errors: str = "null") -> Any:
    """The standardized text DROP would hash (``" Anna@X.com "`` gives ``"anna@x.com"``).

    ``kind``, ``columns`` and ``errors`` are as for :func:`hash`. For a composite, the
    standardized fields joined by ``|`` (``"danielle|johnson|19850704|91790"``), as
    ``dropkit hash ndz`` shows them.
    """
    return _run(kind, columns, errors, True)
