"""Spark local mode: hashing an email column through dropkit (mapInArrow, and the pandas UDF)
against Spark's built-in SQL, sha2(lower(regexp_replace(email, '\\s', '')), 256) turned into
Base64, on the same DataFrame.

    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 python python/bench/bench_spark.py \
        [--rows 2000000] [--partitions 8] [--master local[2]]

The DataFrame is generated, cached and counted first; each variant writes its result to the
"noop" sink (every row computed, nothing stored), best of --repeat runs. Built-in SQL follows the
email rule for ASCII whitespace only (\\s), and needs unhex() since sha2 gives hex.
"""

from __future__ import annotations

import argparse
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import dropkit.spark


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
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    spark = (
        SparkSession.builder.master(args.master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = (
        spark.range(args.rows, numPartitions=args.partitions)
        .select(F.concat(F.lit(" User."), F.col("id").cast("string"), F.lit("@Example.COM ")).alias("email"))
        .cache()
    )
    df.count()

    builtin = df.select(
        F.base64(F.unhex(F.sha2(F.lower(F.regexp_replace("email", r"\s", "")), 256))).alias("h")
    )
    via_arrow = dropkit.spark.with_hash(df, "email", "email", "h").select("h")
    via_udf = df.select(dropkit.spark.hash_udf("email")("email").alias("h"))
    # the same hashes
    a = sorted(r.h for r in builtin.limit(1000).collect())
    b = sorted(r.h for r in via_arrow.limit(1000).collect())
    assert a == b, "built-in SQL and dropkit disagree"

    def run(frame):
        return lambda: frame.write.format("noop").mode("overwrite").save()

    results = [
        ("Spark SQL sha2/base64 (built-in)", best(run(builtin), args.repeat)),
        ("dropkit.spark.with_hash (mapInArrow)", best(run(via_arrow), args.repeat)),
        ("dropkit.spark.hash_udf (pandas UDF)", best(run(via_udf), args.repeat)),
    ]
    print(f"{args.rows:,} emails, {args.partitions} partitions, {args.master}, best of {args.repeat}")
    print(f"{'variant':40} {'seconds':>8} {'M rows/s':>9}")
    for name, seconds in results:
        print(f"{name:40} {seconds:8.2f} {args.rows / seconds / 1e6:9.2f}")
    spark.stop()


if __name__ == "__main__":
    main()
