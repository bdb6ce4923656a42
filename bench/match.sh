#!/bin/sh
# `dropkit match` against DuckDB (2 threads), Polars (+polars-hash) and the plain Python dict
# join, on generated data (an Email list of ITEMS work items, RECORDS records, one in ten listed).
#
#   bench/match.sh [RECORDS] [ITEMS]          # defaults 10000000 1000000
#   SCALE=1 bench/match.sh                    # and the 100k / 3M-item cost and memory checks
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
compare --before "rm -rf $out; $(warm "$zip" "$dir/records.csv")" "$@"

# SCALE=1: cost per record against a 100k-item and a 3M-item Email list (RECORDS records each,
# from the "records matched in" line of `dropkit match`: the lists' loading excluded), median of
# SCALE_RUNS runs each (default 5), in turn, and their ratio (issue 16: at most 1.3); and the
# memory of the lists alone (a records file with only its header) against the whole run's.
if [ "${SCALE:-}" = 1 ]; then
    head -1 "$dir/records.csv" > "$dir/header.csv"
    for r in header.csv records.csv; do
        rm -rf "$out/mem"
        /usr/bin/time -f "peak RSS with $r: %M KiB (%e s wall, %U s user, %S s sys)" \
            "$BIN/dropkit" match --download "$zip" --records "$dir/$r" \
            --map key=customer_id,email=email --out "$out/mem" >/dev/null
    done
    for n in 100000 3000000; do
        d=$DATA/match-$records-$n
        [ -f "$d/records.csv" ] || "$BIN/examples/gen_bench_data" "$d" "$records" "$n"
    done
    # In turn (100k, 3M, 100k, ...), so that a slow spell of the machine weighs on both.
    for _ in $(seq "${SCALE_RUNS:-5}"); do
        for n in 100000 3000000; do
            d=$DATA/match-$records-$n
            rm -rf "$d/out"
            "$BIN/dropkit" match --download "$d/20261120_4821_DROP.zip" --records "$d/records.csv" \
                --map key=customer_id,email=email --out "$d/out" |
                sed -n "s/.*records matched in \([0-9.]*\) s.*/$n \1/p"
        done
    done | python3 -c '
import statistics, sys
t = {}
for line in sys.stdin:
    n, s = line.split()
    t.setdefault(int(n), []).append(float(s))
small, large = (statistics.median(t[n]) for n in sorted(t))
print(f"records matched in (median): 100k items {small:.2f} s, 3M items {large:.2f} s; "
      f"3M / 100k = {large / small:.2f} (target at most 1.3)")
'
fi
