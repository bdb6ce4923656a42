#!/bin/sh
# Whole-command benchmark of `dropkit match` against the plain Python join
# (bench/peers/python_match.py at the repository root) on the same generated data, in one run.
#
# usage: crates/dropkit-match/benches/match_vs_python.sh [RECORDS] [WORK_ITEMS] [DIR]
#   defaults: 10000000 records, 1000000 work items, /tmp/dropkit-match-bench/RECORDS-WORK_ITEMS
#
# Builds the release binaries, generates the data once (examples/gen_bench_data.rs), runs each
# command under /usr/bin/time -v, checks that both wrote the same status file and matches.csv
# byte for byte, and prints wall time, CPU time, records per second, peak memory and the ratio.
set -eu

records=${1:-10000000}
items=${2:-1000000}
dir=${3:-/tmp/dropkit-match-bench/$records-$items}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}/release

(cd "$root" && cargo build --release -q -p dropkit && cargo build --release -q -p dropkit-match --example gen_bench_data)
if [ ! -f "$dir/records.csv" ]; then
    "$target/examples/gen_bench_data" "$dir" "$records" "$items"
fi
zip="$dir/20261120_4821_DROP.zip"
rm -rf "$dir/out-rust" "$dir/out-python"

/usr/bin/time -v "$target/dropkit" match --download "$zip" --records "$dir/records.csv" \
    --map key=customer_id,email=email --out "$dir/out-rust" >"$dir/rust.out" 2>"$dir/rust.time"
/usr/bin/time -v python3 "$root/bench/peers/python_match.py" "$zip" "$dir/records.csv" customer_id email \
    "$dir/out-python" >"$dir/python.out" 2>"$dir/python.time"

cmp "$dir/out-rust/20261120_4821_Email.csv" "$dir/out-python/20261120_4821_Email.csv"
cmp "$dir/out-rust/matches.csv" "$dir/out-python/matches.csv"

# seconds of "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.24"
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
cpu() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$1"; }
mib() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }

rw=$(wall "$dir/rust.time"); pw=$(wall "$dir/python.time")
rc=$(cpu "$dir/rust.time"); pc=$(cpu "$dir/python.time")
echo "data: $records records, $items work items ($dir); outputs identical"
awk -v n="$records" -v rw="$rw" -v pw="$pw" -v rc="$rc" -v pc="$pc" \
    -v rm="$(mib "$dir/rust.time")" -v pm="$(mib "$dir/python.time")" 'BEGIN {
    printf "| command | wall s | CPU s | records/s | peak MiB |\n| --- | --- | --- | --- | --- |\n"
    printf "| dropkit match | %.2f | %.2f | %.0f | %s |\n", rw, rc, n / rw, rm
    printf "| python_match.py | %.2f | %.2f | %.0f | %s |\n", pw, pc, n / pw, pm
    printf "| ratio | %.1fx faster | %.1fx less CPU | | |\n", pw / rw, pc / rc
}'
