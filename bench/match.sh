#!/bin/sh
# `dropkit match` against DuckDB (2 threads), Polars (+polars-hash) and the plain Python dict
# join, on generated data (an Email list of ITEMS work items, RECORDS records, one in ten listed).
#
#   bench/match.sh [RECORDS] [ITEMS]          # defaults 10000000 1000000
#
# Builds the release binary and the generator, makes the peers' venv, generates the data once,
# checks that every peer writes the same status file and matches.csv byte for byte, then times
# the commands in turn (RUNS rounds, default 5) and prints a table.
. "$(dirname "$0")/common.sh"
records=${1:-10000000}
items=${2:-1000000}
build
(cd "$ROOT" && cargo build --release -q -p dropkit-match --example gen_bench_data)
venv
dir=$DATA/match-$records-$items
[ -f "$dir/records.csv" ] || "$BIN/examples/gen_bench_data" "$dir" "$records" "$items"
zip=$dir/20261120_4821_DROP.zip
status=20261120_4821_Email.csv
out=$dir/out
machine

rust="$BIN/dropkit match --download $zip --records $dir/records.csv --map key=customer_id,email=email --out $out/rust"
duck="$PY $PEERS/duck_match.py 2 $zip $dir/records.csv customer_id email $out/duck"
polars="$PY $PEERS/polars_match.py $zip $dir/records.csv customer_id email $out/polars"
python="python3 $PEERS/python_match.py $zip $dir/records.csv customer_id email $out/python"

rm -rf "$out"
sh -c "$rust" >/dev/null
for peer in duck polars python; do
    [ "${SKIP_PYTHON:-}" = 1 ] && [ $peer = python ] && continue
    eval "sh -c \"\$$peer\""
    same "$out/rust/$status" "$out/$peer/$status"
    same "$out/rust/matches.csv" "$out/$peer/matches.csv"
done
echo "outputs identical: $status and matches.csv"

set -- "dropkit match" "exec $rust" "DuckDB 2 threads" "exec $duck" "Polars" "exec $polars"
[ "${SKIP_PYTHON:-}" = 1 ] || set -- "$@" "Python dict join" "exec $python"
compare --before "rm -rf $out" "$@"
