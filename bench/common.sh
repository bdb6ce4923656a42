# Sourced by the bench scripts: paths, the release build, the peers' virtual environment.
#   ROOT      the repository
#   BIN       the release binaries (CARGO_TARGET_DIR or ROOT/target, /release)
#   PY        the venv's python (DuckDB, Polars, polars-hash, PyArrow), made on first use
#   DATA      where generated data goes (BENCH_DATA, default /tmp/dropkit-bench)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release
VENV=$ROOT/target/bench-venv
PY=$VENV/bin/python
PEERS=$ROOT/bench/peers
DATA=${BENCH_DATA:-/tmp/dropkit-bench}
RUNS=${RUNS:-5}
mkdir -p "$DATA"

build() {
    (cd "$ROOT" && cargo build --release -q -p dropkit "$@")
}

venv() {
    if [ ! -x "$PY" ] || ! "$PY" -c 'import duckdb, polars, polars_hash, pyarrow' 2>/dev/null; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q duckdb polars polars-hash pyarrow
    fi
}

# same BYTES? (prints which file differs and stops)
same() {
    cmp "$1" "$2" || { echo "outputs differ: $1 $2" >&2; exit 1; }
}

compare() {
    python3 "$ROOT/bench/compare.py" -n "$RUNS" "$@"
}

# A command that reads FILES whole (untimed), for compare's --before: every timed run, of
# dropkit and of each peer, then starts with its input in the page cache. On a VM whose host
# takes back pages left untouched for some seconds (issue 16's seventh pass: the first `cat` of
# a 40 MB input took 0.23 s, the next 0.02 s), a short run that follows a long one otherwise
# pays to bring its input back in, which says nothing about the program. (Only the inputs:
# each program's own files, the peers' libraries larger than dropkit's binary, are not.)
warm() {
    printf 'cat'
    for f in "$@"; do printf " '%s'" "$f"; done
    printf ' > /dev/null'
}

machine() {
    echo "machine: $(nproc) cores, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo); $(uptime)"
}
