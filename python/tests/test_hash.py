"""dropkit.hash and dropkit.standardize: every official vector through every input kind."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dropkit
from vectors import COMPOSITE_VECTORS, FIELD_VECTORS, REFUSED, by_kind

STRING_TYPES = [pa.string(), pa.large_string(), pa.string_view()]


def test_every_vector_as_a_list():
    for kind, value, std, digest in FIELD_VECTORS:
        assert dropkit.hash(kind, [value]) == [digest], (kind, value)
        assert dropkit.standardize(kind, [value]) == [std], (kind, value)
    for kind, columns, digest in COMPOSITE_VECTORS:
        assert dropkit.hash(kind, *[[c] for c in columns]) == [digest]


@pytest.mark.parametrize("string_type", STRING_TYPES, ids=str)
def test_every_vector_as_a_pyarrow_array(string_type):
    for kind, (inputs, stds, hashes) in by_kind().items():
        values = pa.array(inputs + [None], type=string_type)
        got = dropkit.hash(kind, values)
        assert isinstance(got, pa.Array)
        assert got.to_pylist() == hashes + [None], kind
        assert dropkit.standardize(kind, values).to_pylist() == stds + [None], kind
        # a slice (offset into the buffers)
        assert dropkit.hash(kind, values.slice(1)).to_pylist() == hashes[1:] + [None]
    for kind, columns, digest in COMPOSITE_VECTORS:
        arrays = [pa.array([None, c], type=string_type) for c in columns]
        assert dropkit.hash(kind, *arrays).to_pylist() == [None, digest]


def test_every_vector_as_a_chunked_array():
    for kind, (inputs, stds, hashes) in by_kind().items():
        values = pa.chunked_array([inputs[:1], inputs[1:], []], type=pa.string())
        got = dropkit.hash(kind, values)
        assert isinstance(got, pa.ChunkedArray)
        assert got.to_pylist() == hashes
        assert dropkit.standardize(kind, values).to_pylist() == stds
    for kind, columns, digest in COMPOSITE_VECTORS:
        # differently chunked columns are aligned
        arrays = [pa.chunked_array([[c, c]]) for c in columns[:-1]]
        arrays.append(pa.chunked_array([[columns[-1]], [columns[-1]]]))
        assert dropkit.hash(kind, *arrays).to_pylist() == [digest, digest]


@pytest.mark.parametrize("dtype", [object, "string", "string[pyarrow]"])
def test_every_vector_as_a_pandas_series(dtype):
    for kind, (inputs, stds, hashes) in by_kind().items():
        series = pd.Series(inputs + [None], dtype=dtype, index=range(10, 11 + len(inputs)), name="v")
        got = dropkit.hash(kind, series)
        assert isinstance(got, pd.Series)
        assert list(got.index) == list(series.index)
        assert got.name == "v"
        assert got.iloc[:-1].tolist() == hashes
        assert pd.isna(got.iloc[-1])
        assert dropkit.standardize(kind, series).iloc[:-1].tolist() == stds
    for kind, columns, digest in COMPOSITE_VECTORS:
        got = dropkit.hash(kind, *[pd.Series([c], dtype=dtype) for c in columns])
        assert got.tolist() == [digest]


def test_every_vector_as_a_polars_series():
    for kind, (inputs, stds, hashes) in by_kind().items():
        series = pl.Series("v", inputs + [None])
        got = dropkit.hash(kind, series)
        assert isinstance(got, pl.Series)
        assert got.name == "v"
        assert got.dtype == pl.String
        assert got.to_list() == hashes + [None]
        assert dropkit.standardize(kind, series).to_list() == stds + [None]
    for kind, columns, digest in COMPOSITE_VECTORS:
        got = dropkit.hash(kind, *[pl.Series([c]) for c in columns])
        assert got.to_list() == [digest]


def test_refused_values_are_null_or_raise_naming_the_row():
    for kind, value in REFUSED:
        assert dropkit.hash(kind, [value]) == [None]
        with pytest.raises(dropkit.StandardizeError) as caught:
            dropkit.hash(kind, pa.array([None, value]), errors="raise")
        assert caught.value.row == 1
        assert isinstance(caught.value, ValueError)
        assert caught.value.reason in str(caught.value)


def test_refused_value_message_is_the_cli_reason():
    with pytest.raises(dropkit.StandardizeError) as caught:
        dropkit.hash("vin", ["1HGCM82633A004352", "1HGCM8263"], errors="raise")
    assert caught.value.row == 1
    assert caught.value.field == "vin"
    assert caught.value.reason == "vin must standardize to 17 characters, got 9"


def test_a_chunked_array_error_names_the_row_of_the_whole_column():
    values = pa.chunked_array([["a@b.c", "b@c.d"], ["c@d.e", "  "]])
    with pytest.raises(dropkit.StandardizeError) as caught:
        dropkit.hash("email", values, errors="raise")
    assert caught.value.row == 3
    assert "row 3" in str(caught.value)


def test_kinds_and_arguments_are_checked():
    with pytest.raises(dropkit.KindError, match="unknown kind"):
        dropkit.hash("emial", ["a@b.c"])
    with pytest.raises(dropkit.KindError, match="ndz takes 4"):
        dropkit.hash("ndz", ["a"], ["b"])
    with pytest.raises(dropkit.KindError, match="namevin takes 3"):
        dropkit.standardize("namevin", ["a"])
    with pytest.raises(dropkit.KindError, match="errors="):
        dropkit.hash("email", ["a@b.c"], errors="ignore")
    with pytest.raises(dropkit.UnsupportedTypeError):
        dropkit.hash("email", pa.array([1, 2]))
    with pytest.raises(dropkit.UnsupportedTypeError):
        dropkit.hash("email", ["a@b.c", 3])
    with pytest.raises(dropkit.UnsupportedTypeError):
        dropkit.hash("email", 42)
    with pytest.raises(dropkit.LengthMismatchError):
        dropkit.hash("namevin", pa.array(["a"]), pa.array(["b"]), pa.array(["1HGCM82633A004352", "x"]))


def test_composites_standardize_to_their_fields_joined():
    assert dropkit.standardize("ndz", ["Danielle"], ["Johnson"], ["1985-07-04"], ["91790"]) == [
        "danielle|johnson|19850704|91790"
    ]
    assert dropkit.standardize("namevin", ["Eve"], ["Genesis"], ["1HGCM82633A004352"]) == [
        "eve|genesis|1hgcm82633a004352"
    ]


def test_name_is_the_name_rule_and_kinds_ignore_case():
    assert dropkit.hash("name", ["Иван"]) == dropkit.hash("FIRST_NAME", ["Иван"])
    assert dropkit.hash("NDZ", ["Danielle"], ["Johnson"], ["19850704"], ["91790"]) == [
        "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
    ]


def test_empty_and_all_null_inputs():
    assert dropkit.hash("email", []) == []
    assert dropkit.hash("email", pa.array([], pa.string())).to_pylist() == []
    assert dropkit.hash("email", pa.array([None, None])).to_pylist() == [None, None]
    assert dropkit.hash("email", pa.array(["a@b.c"]).dictionary_encode()).to_pylist() == [
        dropkit.hash("email", ["a@b.c"])[0]
    ]


def test_same_answers_as_the_dropkit_binary(dropkit_cli):
    from conftest import cli_hash

    for kind, (inputs, stds, hashes) in by_kind().items():
        cli_kind = "name" if kind.endswith("_name") else kind
        expected = cli_hash(dropkit_cli, cli_kind, inputs)
        assert [(s, h) for s, h in zip(stds, hashes)] == expected
    refused = [v for k, v in REFUSED if k == "vin"]
    assert cli_hash(dropkit_cli, "vin", refused)[0][0] == "ERROR"
    with pytest.raises(dropkit.StandardizeError) as caught:
        dropkit.hash("vin", refused, errors="raise")
    assert caught.value.reason == cli_hash(dropkit_cli, "vin", refused)[0][1]
