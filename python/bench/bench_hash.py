"""dropkit.hash('email', ...) on 2,000,000 values against a plain hashlib loop.

    python python/bench/bench_hash.py [--rows 2000000] [--repeat 3]

Prints the best of --repeat runs for each input kind. The hashlib loop does the email rule
(remove whitespace, lowercase) with str methods and Base64(SHA-256) per value: what a data team
writes without dropkit. Run with a release build of the wheel (pip install ./python).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
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


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


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
    except ImportError:
        pass
    base = results[0][1]
    print(f"{args.rows:,} emails, best of {args.repeat}")
    print(f"{'input':40} {'seconds':>8} {'M values/s':>11} {'vs hashlib':>10}")
    for name, seconds in results:
        print(f"{name:40} {seconds:8.3f} {args.rows / seconds / 1e6:11.2f} {base / seconds:9.1f}x")


if __name__ == "__main__":
    main()
