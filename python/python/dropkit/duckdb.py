"""DuckDB: dropkit's hashing as vectorized SQL functions.

>>> import duckdb, dropkit.duckdb
>>> con = duckdb.connect()
>>> dropkit.duckdb.register(con)
>>> con.sql("SELECT drop_hash('email', ' Anna.Smith@Domain.com ')").fetchone()[0]
'KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE='

The functions are Arrow UDFs: DuckDB hands each vector of values over as one Arrow array.

- ``drop_hash(kind, value)``: the DROP hash of ``value`` standardized as ``kind`` (``email``,
  ``phone``, ``first_name``, ``last_name``, ``name``, ``dob``, ``zip``, ``maid``, ``ctvid``,
  ``vin``); NULL for a NULL or a value DROP would refuse.
- ``drop_standardize(kind, value)``: the standardized text.
- ``drop_hash_ndz(first, last, dob, zip)`` and ``drop_hash_namevin(first, last, vin)``: the
  composites.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ._hash import _hash_arrays

__all__ = ["register"]


def _string(array: Any) -> Any:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type)):
        array = array.cast(pa.string())
    return array


def _plain(result: Any) -> Any:
    if isinstance(result, pa.ChunkedArray):
        return result.combine_chunks()
    return result


def _by_kind(kinds: Any, values: Any, errors: str, standardize: bool) -> Any:
    """One vector: usually one kind for all rows (a literal); several are done one by one."""
    kinds = _string(kinds)
    values = _string(values)
    distinct = [k for k in pc.unique(kinds).to_pylist() if k is not None]
    if len(distinct) == 1 and kinds.null_count == 0:
        return _plain(_hash_arrays(pa, distinct[0], [values], errors, standardize))
    result = pa.nulls(len(values), pa.string())
    for kind in distinct:
        mask = pc.fill_null(pc.equal(kinds, kind), False)
        mine = pc.if_else(mask, values, pa.scalar(None, values.type))
        hashed = _plain(_hash_arrays(pa, kind, [mine], errors, standardize))
        result = pc.if_else(mask, hashed, result)
    return result


def register(con: Any, *, errors: str = "null", prefix: str = "drop_") -> None:
    """Registers ``drop_hash``, ``drop_standardize``, ``drop_hash_ndz`` and
    ``drop_hash_namevin`` on the DuckDB connection ``con``.

    With ``errors="raise"``, a value DROP would refuse fails the query with
    :class:`dropkit.StandardizeError`'s message instead of giving NULL.
    """
    try:  # duckdb 1.4 and later
        from duckdb.sqltypes import VARCHAR  # type: ignore[import-not-found]
    except ImportError:
        from duckdb.typing import VARCHAR  # type: ignore[import-not-found,no-redef]

    def drop_hash(kind: Any, value: Any) -> Any:
        return _by_kind(kind, value, errors, False)

    def drop_standardize(kind: Any, value: Any) -> Any:
        return _by_kind(kind, value, errors, True)

    def drop_hash_ndz(first: Any, last: Any, dob: Any, zip_: Any) -> Any:
        columns = [_string(c) for c in (first, last, dob, zip_)]
        return _plain(_hash_arrays(pa, "ndz", columns, errors, False))

    def drop_hash_namevin(first: Any, last: Any, vin: Any) -> Any:
        columns = [_string(c) for c in (first, last, vin)]
        return _plain(_hash_arrays(pa, "namevin", columns, errors, False))

    functions = [
        ("hash", drop_hash, 2),
        ("standardize", drop_standardize, 2),
        ("hash_ndz", drop_hash_ndz, 4),
        ("hash_namevin", drop_hash_namevin, 3),
    ]
    for name, function, arity in functions:
        con.create_function(
            f"{prefix}{name}",
            function,
            [VARCHAR] * arity,
            VARCHAR,
            type="arrow",
            null_handling="special",
            side_effects=False,
        )


def unregister(con: Any, *, prefix: str = "drop_") -> None:
    """Removes the functions :func:`register` added."""
    for name in ("hash", "standardize", "hash_ndz", "hash_namevin"):
        con.remove_function(f"{prefix}{name}")


