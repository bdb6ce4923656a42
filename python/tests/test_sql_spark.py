"""`dropkit sql --dialect spark` run by Spark SQL (local[2], several partitions) and compared,
value by value, with `dropkit hash`: the official vectors, 100,000 generated values per kind,
the code points whose case or whitespace matters through the email rule, and the NDZ and
NameVIN composites with ASCII names. Needs only the binary (and PySpark on Java 17)."""

from __future__ import annotations

import pytest

from conftest import dropkit_bin
from sql_cases import (
    COLUMN,
    KINDS,
    cased_code_points,
    differences,
    expected_composites,
    expected_for,
    people,
    sql,
    values_for,
)
from vectors import COMPOSITE_VECTORS


def run(spark, values, select: str):
    """`select` (over the column COLUMN) for every value, in order, on 4 partitions."""
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"id": pa.array(range(len(values)), pa.int32()), COLUMN: pa.array(values, pa.string())})
    df = spark.createDataFrame(table).repartition(4)
    df.createOrReplaceTempView("inputs")
    rows = spark.sql(f"SELECT id, {select} FROM inputs").collect()
    rows.sort(key=lambda r: r[0])
    return [tuple(r)[1:] for r in rows]


@pytest.mark.parametrize("kind", KINDS)
def test_spark_expressions_agree_with_dropkit(spark, kind):
    binary = dropkit_bin()
    values = values_for(kind)
    std = sql(binary, "spark", kind, [COLUMN], standardize=True)
    hashed = sql(binary, "spark", kind, [COLUMN])
    got = run(spark, values, f"{std}, {hashed}")
    want = expected_for(binary, kind, values)
    assert not differences(kind, values, got, want), differences(kind, values, got, want)
    assert sum(w[0] is not None for w in want) > len(values) // 100


def test_spark_email_lowercases_cased_code_points_as_dropkit(spark):
    binary = dropkit_bin()
    values = cased_code_points()
    std = sql(binary, "spark", "email", [COLUMN], standardize=True)
    got = [r[0] for r in run(spark, values, std)]
    want = [w[0] for w in expected_for(binary, "email", values)]
    assert not differences("email", values, got, want), differences("email", values, got, want)


def test_spark_composites_with_ascii_names(spark):
    binary = dropkit_bin()
    rows = people()
    pa = pytest.importorskip("pyarrow")
    names = ["first", "last", "dob", "zip", "vin"]
    table = pa.table({"id": pa.array(range(len(rows)), pa.int32()), **{n: [r[i] for r in rows] for i, n in enumerate(names)}})
    df = spark.createDataFrame(table).repartition(4)
    df.createOrReplaceTempView("people")
    ndz = sql(binary, "spark", "ndz", ["first", "last", "dob", "zip"])
    name_vin = sql(binary, "spark", "namevin", ["first", "last", "vin"])
    got = sorted(spark.sql(f"SELECT id, {ndz}, {name_vin} FROM people").collect(), key=lambda r: r[0])
    want = expected_composites(binary, rows)
    assert [g[1] for g in got] == want["ndz"]
    assert [g[2] for g in got] == want["namevin"]
    assert got[0][1] == COMPOSITE_VECTORS[0][2]
    assert got[1][2] == COMPOSITE_VECTORS[2][2]
