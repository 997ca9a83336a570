#!/usr/bin/env bash
# Memory under a random-subdomain flood: every dnstap message names a host never seen before,
# sent into `hark run`'s TCP listener as fast as it takes them, for SECONDS (default 600).
# Prints peak RSS and RSS every 30 s, rows/s, and frames dropped.
#
# Usage: scripts/bench-flood.sh [SECONDS]      HARK_BIN / FLOOD_BIN: prebuilt binaries
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
target=${CARGO_TARGET_DIR:-target}
if [ -z "${HARK_BIN:-}" ]; then
  cargo build --release -p hark --bin hark
  cargo build --release -p hark-live --example dnstap_flood
fi
hark=${HARK_BIN:-$target/release/hark}
flood=${FLOOD_BIN:-$target/release/examples/dnstap_flood}
dir=$(mktemp -d)
cat > "$dir/hark.toml" <<TOML
[store]
path = "$dir/db"
cache_mb = 128
flush_seconds = 2
[api]
listen = "127.0.0.1:0"
no_auth = true
[[dnstap]]
name = "flood"
listen = "tcp:127.0.0.1:0"
queue_mib = 64
TOML
"$hark" run --config "$dir/hark.toml" 2> "$dir/run.log" &
pid=$!
until [ -f "$dir/db/run-status.json" ]; do sleep 0.1; done
status() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["api"], s["sources"][0]["location"])' "$dir/db/run-status.json"; }
read -r api location < <(status)
"$flood" "$location" "$seconds" > "$dir/sent" &
flooder=$!
start=$(date +%s)
while kill -0 "$flooder" 2>/dev/null; do
  sleep 30
  now=$(($(date +%s) - start))
  echo "t=${now}s rss=$(($(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024)) MiB units=$(curl -s "http://$api/metrics" | awk '$1 ~ /^hark_source_units_total/ {print $2}')"
done
wait "$flooder"
sleep 3
sent=$(cat "$dir/sent")
metrics=$(curl -s "http://$api/metrics")
units=$(echo "$metrics" | awk '$1 ~ /^hark_source_units_total/ {print $2}')
dropped=$(echo "$metrics" | awk '$1 ~ /^hark_source_dropped_frames_total/ {print $2}')
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -TERM "$pid"; wait "$pid"
rows=$("$hark" --db "$dir/db" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
echo "sent $sent messages in ${seconds}s; decoded $units, dropped $dropped; rows $rows ($((rows / seconds)) rows/s); peak RSS $((peak / 1024)) MiB; store $(du -sh "$dir/db" | cut -f1)"
rm -rf "$dir"
