#!/usr/bin/env bash
# dnstap into `hark run`: the reference capture as RESOLVER_RESPONSE messages, replayed with
# Debian's fstrm_replay into a listener's unix socket, while rrset lookups run on the API.
#
# Usage: scripts/bench-dnstap.sh [RUNS]        (default 3; medians printed at the end)
#   HARK_BIN   a prebuilt hark (else cargo build --release); the converter is the example
#              `pcap_to_dnstap` of the same build.
# Per run: messages/s from the first frame sent to the last frame decoded (read from
# /metrics), frames dropped, lookups during the replay (count, p50, p99), peak RSS.
# Needs ../shared/bench/gen_pcap.py and fstrm-bin (installed from Debian if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
target=${CARGO_TARGET_DIR:-target}
command -v fstrm_replay >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fstrm-bin >/dev/null; }
if [ -z "${HARK_BIN:-}" ]; then
  cargo build --release -p hark --bin hark --example pcap_to_dnstap
fi
hark=${HARK_BIN:-$target/release/hark}
convert=$(dirname "$hark")/examples/pcap_to_dnstap
mkdir -p target/bench
pcap=target/bench/ref-2000000.pcap
truth=target/bench/ref-2000000.truth.tsv
if [ ! -f "$pcap" ]; then
  python3 ../shared/bench/gen_pcap.py --responses 2000000 --seed 1 --out "$pcap" --truth "$truth"
fi
dnstap=target/bench/ref-2000000.dnstap
if [ ! -f "$dnstap" ]; then
  "$convert" "$pcap" "$dnstap" --zone root
fi
frames=$("$hark" --db "$(mktemp -d)/count" ingest --no-progress "$dnstap" 2>&1 | sed -n 's/.*: \([0-9]*\) frames,.*/\1/p' | head -1)
echo "== $dnstap: $frames frames"

metric() { # metric NAME URL: the value of the first sample of NAME
  curl -s "$2/metrics" | awk -v n="$1" '$1 ~ "^"n"[{]" && !done {print $2; done = 1}'
}

results=()
for run in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  cat > "$dir/hark.toml" <<TOML
[store]
path = "$dir/db"
cache_mb = 256
flush_seconds = 2
[api]
listen = "127.0.0.1:0"
no_auth = true
[[dnstap]]
name = "replay"
listen = "unix:$dir/dnstap.sock"
queue_mib = 128
TOML
  "$hark" run --config "$dir/hark.toml" 2> "$dir/run.log" &
  pid=$!
  until [ -f "$dir/db/run-status.json" ]; do sleep 0.1; done
  api="http://$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api"])' "$dir/db/run-status.json")"
  python3 bench/api_latency.py "$api" "$truth" "$dir/stop" > "$dir/latency.txt" &
  lookups=$!
  start=$(date +%s.%N)
  fstrm_replay -t protobuf:dnstap.Dnstap -u "$dir/dnstap.sock" -r "$dnstap"
  until [ "$(metric hark_source_units_total "$api")" = "$frames" ]; do sleep 0.02; done
  end=$(date +%s.%N)
  touch "$dir/stop"; wait "$lookups"
  dropped=$(metric hark_source_dropped_frames_total "$api")
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid"
  rate=$(python3 -c "print(round($frames / ($end - $start)))")
  echo "run $run: $frames frames in $(python3 -c "print(round($end - $start, 2))") s = $rate msg/s, dropped $dropped, peak RSS $((rss / 1024)) MiB, $(cat "$dir/latency.txt")"
  results+=("$rate $(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' "$dir/latency.txt")")
  rm -rf "$dir"
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
print("median: %d msg/s, lookups p99 %.2f ms" % (statistics.median(int(r[0]) for r in rows), statistics.median(float(r[1]) for r in rows)))'
