#!/bin/sh
# `dropkit validate --complete` against the plain Python validator (peers/py_validate.py), on a
# generated download (an Email list of ITEMS work items, 100 Removed) and its complete response.
#
#   bench/validate.sh [ITEMS]        # default 1000000
. "$(dirname "$0")/common.sh"
items=${1:-1000000}
build
(cd "$ROOT" && cargo build --release -q -p dropkit-files --example gen_download)
machine
dir=$DATA/validate-$items
[ -f "$dir/20261120_4821_Email.csv" ] || "$BIN/examples/gen_download" "$dir" "$items" >/dev/null
zip=$dir/20261120_4821_DROP.zip
resp=$dir/20261120_4821_Email.csv
# both accept the response: exit 0 (what each prints differs in wording, not in verdict)
"$BIN/dropkit" validate --download "$zip" --complete "$resp" > "$DATA/validate.rust"
python3 "$PEERS/py_validate.py" "$zip" "$resp" > "$DATA/validate.python"
echo "both accept the response"
# and both reject it with one status changed to 7 (exit 1)
bad=$dir/bad/20261120_4821_Email.csv
mkdir -p "$dir/bad"
sed '3s/,[2-5]$/,7/' "$resp" > "$bad"
if "$BIN/dropkit" validate --download "$zip" --complete "$bad" > "$DATA/validate-bad.rust"; then
    echo "dropkit accepted the bad response" >&2; exit 1
fi
if python3 "$PEERS/py_validate.py" "$zip" "$bad" > "$DATA/validate-bad.python"; then
    echo "the Python validator accepted the bad response" >&2; exit 1
fi
echo "both reject a response with a bad status"
compare --before "$(warm "$zip" "$resp")" \
    "dropkit validate --complete" "exec $BIN/dropkit validate --download $zip --complete $resp" \
    "Python validator" "exec python3 $PEERS/py_validate.py $zip $resp"
