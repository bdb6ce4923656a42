"""Shared fixtures: the `dropkit` binary (DROPKIT_BIN, set by .ci/run), DROP download ZIPs
built here, and one local Spark session for every Spark test."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def dropkit_bin() -> str:
    """The `dropkit` binary to compare with: DROPKIT_BIN, else target/debug/dropkit."""
    path = os.environ.get("DROPKIT_BIN") or str(
        Path(__file__).resolve().parents[2] / "target" / "debug" / "dropkit"
    )
    if not Path(path).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"DROPKIT_BIN: no dropkit binary at {path}")
        pytest.skip(f"no dropkit binary at {path} (set DROPKIT_BIN)")
    return path


@pytest.fixture(scope="session")
def dropkit_cli() -> str:
    return dropkit_bin()


def cli_hash(binary: str, kind: str, lines: Iterable[str]) -> List[Tuple[str, str]]:
    """`dropkit hash KIND` over lines: (standardized or ERROR, hash or reason) per line."""
    data = "".join(f"{line}\n" for line in lines)
    run = subprocess.run([binary, "hash", kind], input=data.encode(), capture_output=True, check=True)
    return [tuple(l.split("\t", 1)) for l in run.stdout.decode().splitlines()]  # type: ignore[misc]


def drop_hash(standardized: str) -> str:
    return base64.b64encode(hashlib.sha256(standardized.encode()).digest()).decode()


def write_download(
    path: Path, lists: Dict[str, Sequence[Tuple[str, str]]], date: str = "20260312", broker: str = "4821"
) -> Path:
    """A DROP download ZIP: {"Email": [(id, hash), ...], "NDZ": [...]} as DROP writes it."""
    with zipfile.ZipFile(path, "w") as z:
        for list_type, rows in lists.items():
            body = "ID,Hash\r\n" + "".join(f"{i},{h}\r\n" for i, h in rows)
            z.writestr(f"{date}_{broker}_{list_type}.csv", body)
    return path


def read_dir(path: Path) -> Dict[str, str]:
    """Every file of a directory: name to text."""
    return {p.name: p.read_text() for p in sorted(path.iterdir()) if p.is_file()}


def java_home() -> str | None:
    """A Java 17 for Spark: JAVA_HOME if set, else the Debian package's."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for candidate in sorted(Path("/usr/lib/jvm").glob("java-17-openjdk*")):
        if (candidate / "bin" / "java").exists():
            return str(candidate)
    java = shutil.which("java")
    return str(Path(java).resolve().parents[1]) if java else None


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for every Spark test (starting one costs seconds)."""
    pytest.importorskip("pyspark")
    home = java_home()
    if home:
        os.environ["JAVA_HOME"] = home
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("dropkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
