"""dropkit.polars: expressions on every official vector."""

from __future__ import annotations

import polars as pl

import dropkit.polars as dkpl
from vectors import COMPOSITE_VECTORS, by_kind


def test_every_field_vector_as_an_expression():
    for kind, (inputs, stds, hashes) in by_kind().items():
        df = pl.DataFrame({"v": inputs + [None]})
        out = df.select(
            dkpl.hash(kind, pl.col("v")).alias("h"),
            dkpl.standardize(kind, "v").alias("s"),
        )
        assert out["h"].to_list() == hashes + [None], kind
        assert out["s"].to_list() == stds + [None], kind


def test_composites_as_expressions():
    for kind, columns, digest in COMPOSITE_VECTORS:
        names = [f"c{i}" for i in range(len(columns))]
        df = pl.DataFrame({n: [c, None] for n, c in zip(names, columns)})
        got = df.select(dkpl.hash(kind, *names).alias("h"))["h"].to_list()
        assert got == [digest, None]


def test_lazy_and_with_columns():
    lf = pl.LazyFrame({"email": [" Anna.Smith@Domain.com", "nobody"] * 3})
    out = lf.with_columns(dkpl.hash("email", "email").alias("h")).collect()
    assert out["h"][0] == "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE="
    assert out.height == 6
