"""dropkit.spark in local mode (local[2]) on a generated DataFrame of several partitions: the
same hashes as `dropkit hash` and the same status files as `dropkit match`."""

from __future__ import annotations

import csv
import random
import subprocess
from pathlib import Path

import pytest

import dropkit
from conftest import cli_hash, drop_hash, read_dir, write_download
from vectors import COMPOSITE_VECTORS, FIELD_VECTORS

pytest.importorskip("pyspark")

COLUMNS = ["customer", "email", "phone", "first", "last", "dob", "zip", "vin"]
MAPPING = "key=customer,email=email,phone=phone,first_name=first,last_name=last,dob=dob,zip=zip,vin=vin"


def generated_rows(n: int = 3000, seed: int = 15):
    rng = random.Random(seed)
    firsts = ["Anna", "Juan Pablo", "Иван", "Eve", "Danielle", "  ", "O'Brien"]
    lasts = ["Smith", "Martinez", "Genesis", "Johnson", "Ng"]
    rows = []
    for i in range(n):
        rows.append(
            (
                f"c-{i % (n - 40)}",  # a few keys twice: one consumer
                rng.choice([f" User{i}@Example.COM ", f"family{i % 50}@domain.com", "", None, "   "]),
                rng.choice([f"+1 (415) 555-{i:04d}", "", None, "12"]),
                rng.choice(firsts),
                rng.choice(lasts),
                rng.choice(["1985-07-04", "19900101", "1985-02-30", None, ""]),
                rng.choice(["91790", "91790-3771", "00712345", None]),
                rng.choice(["1HGCM82633A004352", "1HGCM8263", None]),
            )
        )
    return rows


def test_with_hash_gives_the_hashes_of_the_binary(spark, dropkit_cli):
    rows = generated_rows()
    df = spark.createDataFrame(rows, COLUMNS).repartition(4)
    assert df.rdd.getNumPartitions() == 4
    out = (
        dropkit.spark.with_hash(df, "email", "email", "email_hash")
        .select("email", "email_hash")
        .toArrow()
    )
    emails = out.column("email").to_pylist()
    got = out.column("email_hash").to_pylist()
    present = [(e, h) for e, h in zip(emails, got) if e is not None]
    cli = cli_hash(dropkit_cli, "email", [e for e, _ in present])
    assert [h for _, h in present] == [None if s == "ERROR" else h for s, h in cli]
    assert all(h is None for e, h in zip(emails, got) if e is None)


def test_every_vector_through_spark(spark):
    df = spark.createDataFrame([(k, v) for k, v, _, _ in FIELD_VECTORS], ["kind", "value"])
    for kind in sorted({k for k, _, _, _ in FIELD_VECTORS}):
        part = df.where(df.kind == kind)
        expected = [(v, s, h) for k, v, s, h in FIELD_VECTORS if k == kind]
        hashed = dropkit.spark.with_hash(part, kind, "value", "h")
        both = dropkit.spark.with_standardized(hashed, kind, "value", "s").collect()
        assert sorted((r.value, r.s, r.h) for r in both) == sorted(expected)
        udf = part.select(dropkit.spark.hash_udf(kind)("value").alias("h")).collect()
        assert sorted(r.h for r in udf) == sorted(h for _, _, h in expected)
    for kind, columns, digest in COMPOSITE_VECTORS:
        names = [f"c{i}" for i in range(len(columns))]
        one = spark.createDataFrame([columns], names)
        assert dropkit.spark.with_hash(one, kind, names, "h").first().h == digest
        assert one.select(dropkit.spark.hash_udf(kind)(*names).alias("h")).first().h == digest


def test_match_gives_the_status_files_of_the_binary(spark, dropkit_cli, tmp_path: Path):
    rows = generated_rows()
    records = tmp_path / "records.csv"
    with records.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(["" if v is None else v for v in row] for row in rows)
    # lists: some emails of the records (one shared by several consumers), phones, NDZ and
    # NameVIN composites, and hashes nobody has
    ndz = dropkit.hash("ndz", ["Danielle"], ["Johnson"], ["1985-07-04"], ["91790"])[0]
    namevin = dropkit.hash("namevin", ["Eve"], ["Genesis"], ["1HGCM82633A004352"])[0]
    lists = {
        "Email": [(f"E{i:011d}", drop_hash(f"user{i}@example.com")) for i in range(0, 3000, 7)]
        + [(f"F{i:011d}", drop_hash(f"family{i}@domain.com")) for i in range(10)]
        + [(f"G{i:011d}", drop_hash(f"nobody{i}@x.com")) for i in range(20)],
        "Phone": [(f"P{i:011d}", drop_hash(f"415555{i:04d}")) for i in range(0, 3000, 11)],
        "NDZ": [("N00000000001", ndz), ("N00000000002", drop_hash("nothing"))],
        "NameVIN": [("V00000000001", namevin)],
    }
    download = write_download(tmp_path / "20260312_4821_DROP.zip", lists)
    cli_out = tmp_path / "cli"
    subprocess.run(
        [dropkit_cli, "match", "--download", str(download), "--records", str(records), "--map", MAPPING, "--out", str(cli_out)],
        check=True,
        capture_output=True,
    )
    expected = read_dir(cli_out)
    # the strings as the CSV reader sees them: empty for missing
    df = spark.createDataFrame([["" if v is None else v for v in row] for row in rows], COLUMNS).repartition(3)
    report = dropkit.spark.match(download, df, MAPPING, tmp_path / "spark")
    got = read_dir(tmp_path / "spark")
    # the status files byte for byte; matches.csv lists a work item's consumers in the order
    # the records came, which a distributed table does not have: the same rows
    assert {n: t for n, t in got.items() if n != "matches.csv"} == {
        n: t for n, t in expected.items() if n != "matches.csv"
    }
    assert sorted(got) == sorted(expected)
    assert got["matches.csv"].splitlines()[0] == expected["matches.csv"].splitlines()[0]
    assert sorted(got["matches.csv"].splitlines()) == sorted(expected["matches.csv"].splitlines())
    statuses = {line.rsplit(",", 1)[1] for name, text in expected.items() if name != "matches.csv" for line in text.splitlines()[1:]}
    assert {"3", "4", "5"} <= statuses
    assert report.match_rows == len(expected["matches.csv"].splitlines()) - 1
    assert report.records_read < len(rows)  # only the rows that could match reached the driver
