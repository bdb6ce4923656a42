"""Spark: dropkit on every executor.

Hashing runs inside ``mapInArrow`` (each partition's record batches go to Rust as Arrow memory)
or as an Arrow-backed pandas UDF; matching hashes every row where it lives, keeps only the rows
with a hash the DROP download lists, and matches those few rows on the driver with the same
matcher as ``dropkit match``: a row left behind can match no work item, so the status files are
the ones ``dropkit match`` writes from the whole table.

Every executor needs the ``dropkit`` wheel installed (see ``docs/python.md``: ``pip install`` on
the cluster's nodes, a cluster library, or a packed virtual environment with ``--archives``).

>>> from pyspark.sql import SparkSession
>>> import dropkit.spark
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()
>>> df = spark.createDataFrame([("c-1", " Anna.Smith@Domain.com ")], ["customer", "email"])
>>> dropkit.spark.with_hash(df, "email", "email", "email_hash").first().email_hash
'KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE='
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

from ._hash import _hash_arrays
from ._match import MappingLike, MatchReport, mapping_specs, match as _match

__all__ = ["with_hash", "with_standardized", "hash_udf", "match"]

Columns = Union[str, Sequence[str]]

# What each list is matched with: the fields of a composite, in order, or one field.
_FIELD_LISTS = {"email": "email", "phone": "phone", "maid": "maid", "ctvid": "ctvid"}
_NDZ = ("first_name", "last_name", "dob", "zip")
_NAMEVIN = ("first_name", "last_name", "vin")


def _names(columns: Columns) -> List[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _as_string(column: Any) -> Any:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return column.cast(pa.string())


def _appending(df: Any, output: str, compute: Any) -> Any:
    """``df`` with a string column ``output`` computed batch by batch on the executors."""
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType(
        [f for f in df.schema.fields if f.name != output] + [StructField(output, StringType(), True)]
    )

    def per_partition(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            result = compute(batch)
            if isinstance(result, pa.ChunkedArray):
                result = result.combine_chunks()
            names = [n for n in batch.schema.names if n != output]
            columns = [batch.column(n) for n in names] + [result]
            yield pa.RecordBatch.from_arrays(columns, names=names + [output])

    return df.mapInArrow(per_partition, schema)


def with_hash(df: Any, kind: str, columns: Columns, output: str, *, errors: str = "null") -> Any:
    """``df`` with a column ``output``: the DROP hash of ``columns`` (one column for a field,
    four for ``ndz``: first, last, dob, zip; three for ``namevin``: first, last, vin),
    computed on the executors with ``mapInArrow``. Non-string columns are cast to strings
    (a date becomes ``YYYY-MM-DD``)."""
    names = _names(columns)

    def compute(batch: Any) -> Any:
        arrays = [_as_string(batch.column(n)) for n in names]
        return _hash_arrays(pa, kind, arrays, errors, False)

    return _appending(df, output, compute)


def with_standardized(df: Any, kind: str, column: str, output: str, *, errors: str = "null") -> Any:
    """``df`` with a column ``output``: ``column`` standardized as field ``kind``."""

    def compute(batch: Any) -> Any:
        return _hash_arrays(pa, kind, [_as_string(batch.column(column))], errors, True)

    return _appending(df, output, compute)


def hash_udf(kind: str, *, errors: str = "null") -> Any:
    """A pandas UDF (Arrow-backed) giving the DROP hash, for ``select``/``withColumn``:
    ``df.withColumn("h", dropkit.spark.hash_udf("email")("email"))``; composites take their
    columns in order."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    from ._hash import hash as _hash

    def drop_hash(*columns):  # type: ignore[no-untyped-def]
        return _hash(kind, *[c.astype(object).where(c.notna(), None) for c in columns], errors=errors)

    # Spark reads the UDF's kind from real annotations (this module's are strings)
    drop_hash.__annotations__ = {"columns": pd.Series, "return": pd.Series}
    return pandas_udf(drop_hash, "string")  # type: ignore[call-overload]


def _hash_plan(specs: Sequence[str]) -> List[Tuple[str, Tuple[str, ...]]]:
    """For a mapping: the hashes that can match a list, as (kind, columns) pairs; ``hashed``
    for a column of DROP hashes the broker stores."""
    by_target: Dict[str, List[str]] = {}
    for spec in specs:
        for pair in spec.split(","):
            if "=" not in pair:
                continue
            target, column = (p.strip() for p in pair.split("=", 1))
            target = target.lower()
            target = "first_name" if target == "name" else target
            by_target.setdefault(target, []).append(column)
    plan: List[Tuple[str, Tuple[str, ...]]] = []
    for target, columns in by_target.items():
        if target in _FIELD_LISTS:
            plan.extend((target, (c,)) for c in columns)
        elif target.endswith("_hash"):
            plan.extend(("hashed", (c,)) for c in columns)
    for kind, fields in (("ndz", _NDZ), ("namevin", _NAMEVIN)):
        if all(f in by_target for f in fields):
            for combo in itertools.product(*(by_target[f] for f in fields)):
                plan.append((kind, tuple(combo)))
    return plan


def match(
    download: Union[str, "os.PathLike[str]"],
    df: Any,
    mapping: MappingLike,
    out: Union[str, "os.PathLike[str]"],
    *,
    strict: bool = False,
    max_rows_per_file: Optional[int] = None,
    records_name: Optional[str] = None,
) -> "MatchReport":
    """Matches the Spark DataFrame ``df`` against the DROP download ZIP ``download`` (a path
    on the driver) and writes the status files and ``matches.csv`` into ``out`` on the driver.

    The executors standardize and hash every row's mapped values and keep the rows with a hash
    the download lists (the set of listed hashes is broadcast, 32 bytes a work item); the
    driver matches the rows kept with :func:`dropkit.match`. The statuses and ``matches.csv``
    are those ``dropkit match`` gives for the whole table; the report's ``records_read`` and
    ``problems`` count the rows kept only.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    from . import _native

    specs = mapping_specs(mapping)
    from ._match import mapped_columns

    columns = mapped_columns(specs)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        from ._errors import MappingError

        raise MappingError(
            f"column mapping: column {missing[0]!r} is not in the records (columns: "
            f"{', '.join(df.columns)})"
        )
    plan = _hash_plan(specs)
    digests = _native.DigestSet.from_download(os.fspath(download))
    shipped = df.sparkSession.sparkContext.broadcast(digests.to_bytes())
    schema = StructType([StructField(c, StringType(), True) for c in columns])

    def keep_listed(batches: Iterator[Any]) -> Iterator[Any]:
        listed = _digest_set(shipped.value)
        for batch in batches:
            strings = {c: _as_string(batch.column(c)) for c in columns}
            hashes = []
            for kind, cols in plan:
                if kind == "hashed":
                    hashes.append(strings[cols[0]])
                else:
                    result = _hash_arrays(pa, kind, [strings[c] for c in cols], "null", False)
                    if isinstance(result, pa.ChunkedArray):
                        result = result.combine_chunks()
                    hashes.append(result)
            if not hashes:
                continue
            mask = listed.contains_any(hashes)
            kept = pa.RecordBatch.from_arrays([strings[c] for c in columns], names=columns).filter(mask)
            if kept.num_rows:
                yield kept

    kept = df.select(*columns).mapInArrow(keep_listed, schema).toArrow()
    kept = kept.cast(pa.schema([(c, pa.string()) for c in columns]))
    return _match(
        download,
        kept,
        specs,
        out,
        strict=strict,
        max_rows_per_file=max_rows_per_file,
        records_name=records_name or "spark",
    )


_DIGESTS: Dict[int, Any] = {}


def _digest_set(data: bytes) -> Any:
    """The set of listed hashes, built once per executor process and download."""
    from . import _native

    key = hash(data)
    found = _DIGESTS.get(key)
    if found is None:
        _DIGESTS.clear()
        found = _DIGESTS[key] = _native.DigestSet(data)
    return found
