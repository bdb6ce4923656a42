"""`dropkit sql --dialect duckdb` run in DuckDB and compared, value by value, with `dropkit hash`:
the official vectors, 100,000 generated values per kind, every Unicode code point through the
email rule, and the NDZ and NameVIN composites with ASCII names. Needs only the binary."""

from __future__ import annotations

import pytest

from conftest import dropkit_bin
from sql_cases import (
    COLUMN,
    KINDS,
    differences,
    every_code_point,
    expected_composites,
    expected_for,
    people,
    refused_kinds,
    sql,
    values_for,
)
from vectors import COMPOSITE_VECTORS

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run(con, values, select: str):
    """`select` (over the column COLUMN) for every value, in order."""
    # Through Arrow: binding 100,000 Python strings as a list parameter takes minutes.
    table = pa.table({"id": pa.array(range(len(values)), pa.int32()), COLUMN: pa.array(values, pa.string())})
    con.register("arrow_inputs", table)
    con.execute("CREATE OR REPLACE TABLE inputs AS SELECT * FROM arrow_inputs")
    con.unregister("arrow_inputs")
    return con.execute(f"SELECT {select} FROM inputs ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.mark.parametrize("kind", KINDS)
def test_duckdb_expressions_agree_with_dropkit(con, kind):
    binary = dropkit_bin()
    values = values_for(kind)
    std = sql(binary, "duckdb", kind, [COLUMN], standardize=True)
    hashed = sql(binary, "duckdb", kind, [COLUMN])
    got = [(r[0], r[1]) for r in run(con, values, f"{std}, {hashed}")]
    want = expected_for(binary, kind, values)
    assert not differences(kind, values, got, want), differences(kind, values, got, want)
    # The generated values do reach both outcomes.
    assert sum(w[0] is not None for w in want) > len(values) // 100
    assert sum(w[0] is None for w in want) > len(values) // 100


def test_duckdb_email_lowercases_every_code_point_as_dropkit(con):
    binary = dropkit_bin()
    values = every_code_point()
    std = sql(binary, "duckdb", "email", [COLUMN], standardize=True)
    got = [r[0] for r in run(con, values, std)]
    want = [w[0] for w in expected_for(binary, "email", values)]
    assert not differences("email", values, got, want), differences("email", values, got, want)


def test_duckdb_composites_with_ascii_names(con):
    binary = dropkit_bin()
    rows = people()
    names = ["first", "last", "dob", "zip", "vin"]
    table = pa.table({"id": pa.array(range(len(rows)), pa.int32()), **{n: [r[i] for r in rows] for i, n in enumerate(names)}})
    con.register("arrow_people", table)
    con.execute("CREATE OR REPLACE TABLE people AS SELECT * FROM arrow_people")
    con.unregister("arrow_people")
    ndz = sql(binary, "duckdb", "ndz", ["first", "last", "dob", "zip"])
    name_vin = sql(binary, "duckdb", "namevin", ["first", "last", "vin"])
    got = con.execute(f"SELECT {ndz}, {name_vin} FROM people ORDER BY id").fetchall()
    want = expected_composites(binary, rows)
    assert [g[0] for g in got] == want["ndz"]
    assert [g[1] for g in got] == want["namevin"]
    assert got[0][0] == COMPOSITE_VECTORS[0][2]
    assert got[1][1] == COMPOSITE_VECTORS[2][2]
    assert sum(h is not None for h in want["ndz"]) > 1000


def test_names_are_refused_without_ascii_names():
    for kind, code, message in refused_kinds(dropkit_bin()):
        assert code == 2, (kind, message)
        assert "dropkit.duckdb.register" in message and "docs/python.md" in message, message
