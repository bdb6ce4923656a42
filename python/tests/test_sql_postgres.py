"""`dropkit sql --dialect postgres` run by PostgreSQL (DROPKIT_TEST_POSTGRES_URL, which .ci/run
starts) and compared, value by value, with the `dropkit hash` binary: the official vectors and
100,000 generated values per kind, and NDZ/NameVIN with ASCII names. (The Rust test
crates/dropkit-hash/tests/sql_postgres.rs compares the same expressions with the crate, every
code point included.) Without the variable the tests skip, except in CI where they fail."""

from __future__ import annotations

import os

import pytest

from conftest import dropkit_bin
from sql_cases import (
    COLUMN,
    KINDS,
    differences,
    expected_composites,
    expected_for,
    people,
    sql,
    values_for,
)
from vectors import COMPOSITE_VECTORS

psycopg = pytest.importorskip("psycopg")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def pg():
    url = os.environ.get("DROPKIT_TEST_POSTGRES_URL", "").strip()
    if not url:
        if os.environ.get("CI"):
            pytest.fail("DROPKIT_TEST_POSTGRES_URL is not set but CI is (.ci/run starts a server)")
        pytest.skip("set DROPKIT_TEST_POSTGRES_URL=postgres://… to run against a real PostgreSQL")
    with psycopg.connect(url, autocommit=True) as conn:
        encoding = conn.execute("SHOW server_encoding").fetchone()[0]
        if encoding.upper() != "UTF8":
            pytest.skip(f"the database is {encoding}; the expressions need UTF-8 (the Rust test makes one)")
        yield conn


def run(conn, values, select: str):
    conn.execute("DROP TABLE IF EXISTS dropkit_py_sql_inputs")
    conn.execute(f"CREATE TABLE dropkit_py_sql_inputs (id int PRIMARY KEY, {quoted(COLUMN)} text)")
    with conn.cursor() as cur:
        with cur.copy(f"COPY dropkit_py_sql_inputs (id, {quoted(COLUMN)}) FROM STDIN") as copy:
            for i, v in enumerate(values):
                copy.write_row((i, v))
    rows = conn.execute(f"SELECT {select} FROM dropkit_py_sql_inputs ORDER BY id").fetchall()
    conn.execute("DROP TABLE dropkit_py_sql_inputs")
    return rows


@pytest.mark.parametrize("kind", KINDS)
def test_postgres_expressions_agree_with_dropkit(pg, kind):
    binary = dropkit_bin()
    values = values_for(kind)
    std = sql(binary, "postgres", kind, [COLUMN], standardize=True)
    hashed = sql(binary, "postgres", kind, [COLUMN])
    got = [tuple(r) for r in run(pg, values, f"{std}, {hashed}")]
    want = expected_for(binary, kind, values)
    assert not differences(kind, values, got, want), differences(kind, values, got, want)


def test_postgres_composites_with_ascii_names(pg):
    binary = dropkit_bin()
    rows = people()
    pg.execute("DROP TABLE IF EXISTS dropkit_py_sql_people")
    pg.execute(
        "CREATE TABLE dropkit_py_sql_people (id int, first text, last text, dob text, zip text, vin text)"
    )
    with pg.cursor() as cur:
        with cur.copy("COPY dropkit_py_sql_people FROM STDIN") as copy:
            for i, r in enumerate(rows):
                copy.write_row((i,) + tuple(r))
    ndz = sql(binary, "postgres", "ndz", ["first", "last", "dob", "zip"])
    name_vin = sql(binary, "postgres", "namevin", ["first", "last", "vin"])
    got = pg.execute(f"SELECT {ndz}, {name_vin} FROM dropkit_py_sql_people ORDER BY id").fetchall()
    pg.execute("DROP TABLE dropkit_py_sql_people")
    want = expected_composites(binary, rows)
    assert [g[0] for g in got] == want["ndz"]
    assert [g[1] for g in got] == want["namevin"]
    assert got[0][0] == COMPOSITE_VECTORS[0][2]
    assert got[1][1] == COMPOSITE_VECTORS[2][2]
