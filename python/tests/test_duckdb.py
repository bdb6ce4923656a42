"""dropkit.duckdb: the SQL functions on every official vector."""

from __future__ import annotations

import duckdb
import pytest

import dropkit
import dropkit.duckdb
from vectors import COMPOSITE_VECTORS, FIELD_VECTORS


@pytest.fixture()
def con():
    con = duckdb.connect()
    dropkit.duckdb.register(con)
    yield con
    con.close()


def test_every_field_vector(con):
    con.execute("CREATE TABLE v (kind VARCHAR, value VARCHAR, std VARCHAR, hash VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?, ?, ?)", FIELD_VECTORS)
    rows = con.sql(
        "SELECT kind, value, drop_standardize(kind, value), drop_hash(kind, value), std, hash FROM v"
    ).fetchall()
    assert len(rows) == len(FIELD_VECTORS)
    for kind, value, got_std, got_hash, std, digest in rows:
        assert (got_std, got_hash) == (std, digest), (kind, value)


def test_one_kind_per_query_and_nulls(con):
    rows = con.sql(
        "SELECT drop_hash('email', e) FROM (VALUES (' Anna.Smith@Domain.com'), (NULL), ('   ')) t(e)"
    ).fetchall()
    assert rows == [("KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=",), (None,), (None,)]


def test_composites(con):
    for kind, columns, digest in COMPOSITE_VECTORS:
        args = ", ".join(f"'{c}'" for c in columns)
        assert con.sql(f"SELECT drop_hash_{kind}({args})").fetchone()[0] == digest


def test_a_large_table_matches_the_python_api(con):
    con.sql(
        "CREATE TABLE t AS SELECT 'User' || i || '@Example.COM ' AS e FROM range(5000) r(i)"
    )
    got = [r[0] for r in con.sql("SELECT drop_hash('email', e) FROM t ORDER BY rowid").fetchall()]
    values = [r[0] for r in con.sql("SELECT e FROM t ORDER BY rowid").fetchall()]
    assert got == dropkit.hash("email", values)


def test_errors_raise_fails_the_query():
    con = duckdb.connect()
    dropkit.duckdb.register(con, errors="raise")
    with pytest.raises(duckdb.Error, match="vin must standardize to 17 characters"):
        con.sql("SELECT drop_hash('vin', '1HGCM8263')").fetchall()
