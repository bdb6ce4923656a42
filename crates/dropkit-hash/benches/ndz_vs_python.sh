#!/bin/sh
# `dropkit hash ndz` against the plain Python loop (../shared/bench/py_ndz.py), whole processes.
#
#   cargo build --release -p dropkit
#   crates/dropkit-hash/benches/ndz_vs_python.sh [ROWS] [RUNS]     # defaults 1000000 3
#
# Generates ROWS NDZ lines (ASCII names with stray case, spaces, hyphens and apostrophes,
# YYYY-MM-DD dates, ZIP+4 codes; no quotes, as py_ndz.py splits on every comma), checks that
# both write the same bytes, then runs each RUNS times in turn under /usr/bin/time and prints
# wall and CPU seconds and peak memory per run. Run from the repository root.
set -eu
rows=${1:-1000000}
runs=${2:-3}
shared=${SHARED_BENCH:-../shared/bench}
dropkit=${DROPKIT:-target/release/dropkit}
dir=${TMPDIR:-/tmp}/ndz_bench
mkdir -p "$dir"
input="$dir/ndz_$rows.csv"

if [ ! -s "$input" ]; then
    python3 - "$rows" > "$input" <<'EOF'
import random, sys
rng = random.Random(16)
first = ["Danielle", "anna", "  Mary-Jane", "O'Brien", "JOSE", "Li", "Zoe ", "Jean-Luc", "eve"]
last = ["Johnson", "Smith-Jones", " o'neil", "GARCIA", "Nguyen", "van Dyke", "Lee"]
out = sys.stdout
for i in range(int(sys.argv[1])):
    f = rng.choice(first) + str(i % 97)
    l = rng.choice(last) + str(i % 89)
    d = "19%02d-%02d-%02d" % (rng.randrange(30, 100), rng.randrange(1, 13), rng.randrange(1, 29))
    z = "%05d-%04d" % (rng.randrange(1000, 100000), rng.randrange(10000))
    out.write(f"{f},{l},{d},{z}\n")
EOF
fi

"$dropkit" hash ndz < "$input" > "$dir/out_rs.txt"
python3 "$shared/py_ndz.py" < "$input" > "$dir/out_py.txt"
cmp "$dir/out_rs.txt" "$dir/out_py.txt"
echo "outputs identical: $(wc -l < "$dir/out_rs.txt") lines"

time_one() {
    /usr/bin/time -f "$1 wall %e s  cpu %U+%S s  peak %M KiB" sh -c "$2 < '$input' > /dev/null"
}
i=0
while [ "$i" -lt "$runs" ]; do
    time_one "dropkit" "'$dropkit' hash ndz"
    time_one "python " "python3 '$shared/py_ndz.py'"
    i=$((i + 1))
done
