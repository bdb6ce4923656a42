"""dropkit.hash('email', ...) on 2,000,000 values against a plain hashlib loop.

    python python/bench/bench_hash.py [--rows 2000000] [--repeat 3]

Prints the best of --repeat runs for each input kind, wall time and CPU time (all threads:
the work done, which a busy machine distorts less than the wall time). The hashlib loop does the email rule
(remove whitespace, lowercase) with str methods and Base64(SHA-256) per value: what a data team
writes without dropkit. Run with a release build of the wheel (pip install ./python).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import time

import pyarrow as pa

import dropkit


def emails(n: int) -> list:
    return [f" User.{i}@Example-{i % 997}.COM " for i in range(n)]


def plain_hashlib(values: list) -> list:
    out = []
    for v in values:
        s = "".join(v.split()).lower()
        out.append(base64.b64encode(hashlib.sha256(s.encode()).digest()).decode())
    return out


def best(fn, repeat: int) -> tuple:
    """The best wall time and the best CPU time (all threads) of `repeat` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    values = emails(args.rows)
    array = pa.array(values, type=pa.string())
    assert dropkit.hash("email", values[:1000]) == plain_hashlib(values[:1000])

    results = [("hashlib loop (list of str)", best(lambda: plain_hashlib(values), args.repeat))]
    results.append(("dropkit.hash, pyarrow Array", best(lambda: dropkit.hash("email", array), args.repeat)))
    results.append(("dropkit.hash, list of str", best(lambda: dropkit.hash("email", values), args.repeat)))
    try:
        import polars as pl

        series = pl.Series("email", values)
        results.append(("dropkit.hash, polars Series", best(lambda: dropkit.hash("email", series), args.repeat)))
    except ImportError:
        pass
    try:
        import pandas as pd

        frame = pd.Series(values, dtype=object)
        results.append(("dropkit.hash, pandas Series (object)", best(lambda: dropkit.hash("email", frame), args.repeat)))
        arrow_backed = pd.Series(values, dtype="string[pyarrow]")
        results.append(("dropkit.hash, pandas Series (string[pyarrow])", best(lambda: dropkit.hash("email", arrow_backed), args.repeat)))
    except ImportError:
        pass
    base_wall, base_cpu = results[0][1]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.rows:,} emails, best of {args.repeat}, {os.cpu_count()} cores, load {load:.1f}")
    print(f"{'input':46} {'wall s':>7} {'CPU s':>7} {'M/s':>6} {'wall vs hashlib':>16} {'CPU vs hashlib':>15}")
    for name, (wall, cpu) in results:
        print(
            f"{name:46} {wall:7.3f} {cpu:7.3f} {args.rows / wall / 1e6:6.2f} "
            f"{base_wall / wall:15.1f}x {base_cpu / cpu:14.1f}x"
        )


if __name__ == "__main__":
    main()
