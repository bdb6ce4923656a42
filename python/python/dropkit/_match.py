"""``dropkit.match``: a broker's records against a DROP download, into status files."""

from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional, Sequence, Union

from . import _native
from ._errors import MappingError, UnsupportedTypeError

__all__ = ["MatchReport", "match", "mapping_specs"]

#: What one match wrote and found: ``status_files``, ``matches_file``, ``records_read``,
#: ``bad_rows``, ``problem_count``, ``problems``, ``list_problems``, ``warnings``,
#: ``match_rows``, ``lists`` and ``summary`` (the text ``dropkit match`` prints).
MatchReport = _native.MatchReport

MappingLike = Union[str, Sequence[str], Mapping[str, Union[str, Sequence[str]]]]


def mapping_specs(mapping: MappingLike) -> List[str]:
    """The mapping as ``FIELD=COLUMN`` specs, as ``dropkit match --map`` takes them.

    ``mapping`` is ``"key=customer,email=email"``, a list of such strings, or a dict
    ``{"key": "customer", "email": ["email", "backup_email"]}``.
    """
    if isinstance(mapping, str):
        return [mapping]
    if isinstance(mapping, Mapping):
        specs: List[str] = []
        for field, columns in mapping.items():
            if isinstance(columns, str):
                columns = [columns]
            specs.extend(f"{field}={column}" for column in columns)
        return specs
    if isinstance(mapping, (list, tuple)) and all(isinstance(s, str) for s in mapping):
        return list(mapping)
    raise MappingError(
        f"column mapping: expected a str, a list of str or a dict, got {type(mapping).__name__}"
    )


def mapped_columns(specs: Sequence[str]) -> List[str]:
    """The column names a mapping reads, in order, each once."""
    columns: List[str] = []
    for spec in specs:
        for pair in spec.split(","):
            if "=" in pair:
                column = pair.split("=", 1)[1].strip()
                if column and column not in columns:
                    columns.append(column)
    return columns


def _records_table(records: Any) -> Optional[Any]:
    """A pyarrow Table (or RecordBatchReader) for in-memory records, None for a path."""
    if isinstance(records, (str, os.PathLike)):
        return None
    module = type(records).__module__.split(".", 1)[0]
    name = type(records).__name__
    import pyarrow as pa

    if isinstance(records, (pa.Table, pa.RecordBatchReader)):
        return records
    if isinstance(records, pa.RecordBatch):
        return pa.Table.from_batches([records])
    if module == "pandas" and name == "DataFrame":
        return pa.Table.from_pandas(records, preserve_index=False)
    if module == "polars" and name in ("DataFrame", "LazyFrame"):
        frame = records.collect() if name == "LazyFrame" else records
        return frame.to_arrow()
    if hasattr(records, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(records)
    raise UnsupportedTypeError(
        "records: expected a path, a pyarrow Table, RecordBatch or RecordBatchReader, or a "
        f"pandas or polars DataFrame, got {name}"
    )


def match(
    download: Union[str, "os.PathLike[str]"],
    records: Any,
    mapping: MappingLike,
    out: Union[str, "os.PathLike[str]"],
    *,
    strict: bool = False,
    max_rows_per_file: Optional[int] = None,
    records_name: Optional[str] = None,
) -> "MatchReport":
    """Matches ``records`` against the DROP download ZIP ``download`` and writes the status
    files and ``matches.csv`` into ``out`` (created if missing), as ``dropkit match`` does.

    ``records`` is a path (CSV with a header, or Parquet), a pyarrow ``Table``,
    ``RecordBatch`` or ``RecordBatchReader``, or a pandas or polars ``DataFrame``.
    ``mapping`` says which columns hold the consumer key and the identifiers (see
    :func:`mapping_specs`). In-memory records are matched batch by batch as Arrow memory
    (non-string columns read as Arrow prints them: dates ``YYYY-MM-DD``); their problems name
    rows (``records: row 6: ...``, the first row being 1) where a file's name lines. Broken rows are reported in the answer, not raised (unless
    ``strict``); a run that cannot finish raises :class:`MatchError` (or a subclass) with
    ``dropkit match``'s message.
    """
    specs = mapping_specs(mapping)
    table = _records_table(records)
    if table is None:
        return _native.match_files(
            os.fspath(download),
            os.fspath(records),
            specs,
            os.fspath(out),
            strict=strict,
            max_rows_per_file=max_rows_per_file,
            records_name=records_name,
        )
    # the record batches go to Rust as they are (the Arrow C stream interface): no CSV text,
    # no temporary file; problems name rows ("records: row 6: ...") instead of lines
    return _native.match_stream(
        os.fspath(download),
        table,
        specs,
        os.fspath(out),
        strict=strict,
        max_rows_per_file=max_rows_per_file,
        records_name=records_name,
    )
