"""Polars: dropkit's hashing as expressions.

>>> import polars as pl, dropkit.polars as dkpl
>>> df = pl.DataFrame({"email": [" Anna.Smith@Domain.com", None]})
>>> df.select(dkpl.hash("email", pl.col("email")).alias("h"))["h"].to_list()
['KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=', None]

Each expression runs dropkit on whole batches (``map_batches``): the column crosses to Rust as
Arrow memory, with no per-value Python call.
"""

from __future__ import annotations

from typing import Any, Union

import polars as pl

from ._hash import _run

__all__ = ["hash", "standardize"]

IntoExpr = Union[str, "pl.Expr"]


def _expr(e: IntoExpr) -> "pl.Expr":
    return pl.col(e) if isinstance(e, str) else e


def _map(expr: "pl.Expr", function: Any) -> "pl.Expr":
    try:
        return expr.map_batches(function, return_dtype=pl.String, is_elementwise=True)
    except TypeError:  # older polars: no is_elementwise
        return expr.map_batches(function, return_dtype=pl.String)


def hash(kind: str, *columns: IntoExpr, errors: str = "null") -> "pl.Expr":
    """An expression giving the DROP hash of ``columns`` (column names or expressions):
    one for a field, four for ``ndz`` (first, last, dob, zip), three for ``namevin``
    (first, last, vin). Nulls, and values DROP would refuse with ``errors="null"``, give null.
    """
    exprs = [_expr(c) for c in columns]
    if len(exprs) == 1:
        return _map(exprs[0], lambda s: _run(kind, [s.cast(pl.String)], errors, False))
    packed = pl.struct([e.cast(pl.String).alias(f"c{i}") for i, e in enumerate(exprs)])

    def composite(s: "pl.Series") -> "pl.Series":
        parts = s.struct.unnest()
        return _run(kind, [parts[f"c{i}"] for i in range(len(exprs))], errors, False)

    return _map(packed, composite)


def standardize(kind: str, column: IntoExpr, *, errors: str = "null") -> "pl.Expr":
    """An expression giving the standardized text of ``column`` as field ``kind``."""
    return _map(_expr(column), lambda s: _run(kind, [s.cast(pl.String)], errors, True))
