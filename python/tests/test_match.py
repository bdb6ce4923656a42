"""dropkit.match: records as a path, a pyarrow Table, a pandas or polars DataFrame, giving the
files `dropkit match` writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import dropkit
from conftest import drop_hash, read_dir, write_download

RECORDS = """\
customer,email,phone,first,last,dob,zip
c-1, Anna.Smith@Domain.COM ,(415) 555-9317,Danielle,Johnson,1985-07-04,91790
c-2,family@domain.com,,Eve,Genesis,,
c-3,someone@else.com,,,,,
c-4,FAMILY@domain.com,,,,1985-02-30,
c-5,,,,,,
"""

MAPPING = "key=customer,email=email,phone=phone,first_name=first,last_name=last,dob=dob,zip=zip"


@pytest.fixture()
def download(tmp_path: Path) -> Path:
    ndz = "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
    return write_download(
        tmp_path / "20260312_4821_DROP.zip",
        {
            "Email": [
                ("A7kP2xQ9Lm4R", drop_hash("anna.smith@domain.com")),
                ("B7kP2xQ9Lm4R", drop_hash("family@domain.com")),
                ("C7kP2xQ9Lm4R", drop_hash("nobody@domain.com")),
            ],
            "Phone": [("D7kP2xQ9Lm4R", drop_hash("4155559317"))],
            "NDZ": [("E7kP2xQ9Lm4R", ndz)],
        },
    )


@pytest.fixture()
def records(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text(RECORDS)
    return path


def cli_match(binary: str, download: Path, records: Path, out: Path) -> dict:
    subprocess.run(
        [binary, "match", "--download", str(download), "--records", str(records), "--map", MAPPING, "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return read_dir(out)


def test_a_path_gives_the_files_of_the_cli(dropkit_cli, download, records, tmp_path):
    expected = cli_match(dropkit_cli, download, records, tmp_path / "cli")
    report = dropkit.match(download, records, MAPPING, tmp_path / "py")
    assert read_dir(tmp_path / "py") == expected
    assert expected["20260312_4821_Email.csv"] == "Id,Status\nA7kP2xQ9Lm4R,3\nB7kP2xQ9Lm4R,4\nC7kP2xQ9Lm4R,5\n"
    assert report.records_read == 5
    assert report.match_rows == len(expected["matches.csv"].splitlines()) - 1
    assert sorted(Path(p).name for p in report.status_files) == sorted(
        n for n in expected if n != "matches.csv"
    )
    assert any("1985-02-30" in p for p in report.problems)


@pytest.mark.parametrize("kind", ["pyarrow", "pandas", "polars", "reader"])
def test_in_memory_records_give_the_same_files(dropkit_cli, download, records, tmp_path, kind):
    expected = cli_match(dropkit_cli, download, records, tmp_path / "cli")
    table = pacsv.read_csv(records, convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in RECORDS.split("\n")[0].split(",")}))
    frame = {
        "pyarrow": table,
        "pandas": table.to_pandas(),
        "polars": pl.from_arrow(table),
        "reader": pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2)),
    }[kind]
    report = dropkit.match(download, frame, MAPPING, tmp_path / "py")
    assert read_dir(tmp_path / "py") == expected
    assert report.records_read == 5
    # record batches have rows, not lines: the CSV's line 5 is row 4
    assert report.problems == [
        'records: row 4: column "dob" (dob): date of birth "1985-02-30" is not a calendar date'
    ]


def test_dict_mapping_and_typed_columns(download, tmp_path):
    df = pd.DataFrame({"id": [1, 2], "mail": ["anna.smith@domain.com", "x@y.z"]})
    report = dropkit.match(download, df, {"key": "id", "email": ["mail"]}, tmp_path / "out")
    matches = (tmp_path / "out" / "matches.csv").read_text().splitlines()
    assert matches[1:] == ["A7kP2xQ9Lm4R,Email,1,3"]
    assert report.match_rows == 1


def test_typed_columns_are_read_as_arrow_prints_them(download, tmp_path):
    import datetime

    df = pl.DataFrame(
        {
            "id": [7],
            "first": ["Danielle"],
            "last": ["Johnson"],
            "dob": [datetime.date(1985, 7, 4)],
            "zip": [91790],
        }
    )
    mapping = {"key": "id", "first_name": "first", "last_name": "last", "dob": "dob", "zip": "zip"}
    dropkit.match(download, df, mapping, tmp_path / "out")
    assert (tmp_path / "out" / "20260312_4821_NDZ.csv").read_text() == "Id,Status\nE7kP2xQ9Lm4R,3\n"


def test_errors_are_typed_with_the_cli_messages(dropkit_cli, download, records, tmp_path):
    with pytest.raises(dropkit.MappingError) as caught:
        dropkit.match(download, records, "email=email", tmp_path / "a")
    run = subprocess.run(
        [dropkit_cli, "match", "--download", str(download), "--records", str(records), "--map", "email=email", "--out", str(tmp_path / "b")],
        capture_output=True,
    )
    assert run.returncode == 1
    assert run.stderr.decode().strip() == f"dropkit: {caught.value}"
    dropkit.match(download, records, MAPPING, tmp_path / "c")
    with pytest.raises(dropkit.OutputExistsError):
        dropkit.match(download, records, MAPPING, tmp_path / "c")
    with pytest.raises(dropkit.MatchError):
        dropkit.match(tmp_path / "missing.zip", records, MAPPING, tmp_path / "d")
    with pytest.raises(dropkit.StrictError):
        dropkit.match(download, records, MAPPING, tmp_path / "e", strict=True)
