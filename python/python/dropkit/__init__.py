"""dropkit: California DROP deletion requests, from Python.

Standardize and hash identifiers exactly as DROP does, over a list of ``str``, a pyarrow
``Array`` or ``ChunkedArray``, a pandas ``Series`` or a polars ``Series`` (answered in the same
kind); match a broker's records (a file, a pyarrow ``Table``, a pandas or polars
``DataFrame``) against a DROP download; and do both inside DuckDB (:mod:`dropkit.duckdb`),
Polars (:mod:`dropkit.polars`) and Spark (:mod:`dropkit.spark`).

The work is done by dropkit's Rust crates: arrays cross through the Arrow C data interface,
never value by value in Python.

>>> import dropkit
>>> dropkit.hash("email", [" Anna.Smith@Domain.com", None])
['KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=', None]
"""

from __future__ import annotations

from typing import Any

from ._errors import (
    DropkitError,
    KindError,
    LengthMismatchError,
    MappingError,
    MatchError,
    OutputExistsError,
    StandardizeError,
    StrictError,
    UnsupportedTypeError,
)
from ._hash import KINDS, hash, standardize
from ._match import MatchReport, match
from ._native import __version__

__all__ = [
    "KINDS",
    "DropkitError",
    "KindError",
    "LengthMismatchError",
    "MappingError",
    "MatchError",
    "MatchReport",
    "OutputExistsError",
    "StandardizeError",
    "StrictError",
    "UnsupportedTypeError",
    "__version__",
    "hash",
    "match",
    "standardize",
]

_SUBMODULES = ("duckdb", "polars", "spark")


def __getattr__(name: str) -> Any:
    # dropkit.duckdb, dropkit.polars and dropkit.spark import their engine: only on first use.
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
