#!/usr/bin/env bash
# The ClickHouse engine on a 2-shard cluster on loopback (../shared/harness/clickhouse):
# ingest of the reference capture (2,000,000 responses, gen_pcap.py --seed 1) end to end, beside
# the embedded store; disk bytes per row; then rrset, CIDR and name-wildcard lookups through
# `hark serve` with 32 clients on both engines (bench/lookup_latency.py).
#
# Usage: scripts/bench-clickhouse.sh [RUNS]      (default 3; medians printed at the end)
#        ROWS=10000000 scripts/bench-clickhouse.sh
#              the lookup run at scale instead: ROWS synthetic rows (bench/gen_cof.py, written to
#              target/bench and deleted at the end) imported into the cluster and into the
#              embedded store, disk bytes per row, then the same lookups on both engines
#   HARK_BIN   a prebuilt hark (else cargo build --release)
#   PORT_BASE  the cluster's first HTTP port (default 18320; shard 2 = +10)
#   LOOKUPS    seconds of lookups per kind (default 20; 0 skips them)
#   HOT=1      (with ROWS) addresses from a heavy-tailed pool: one /24 holds about 28 % of the A rows
#   CH_OPTIONS (with ROWS) options of the store URL for the lookups, e.g. "?scan_rows=1000000000"
#   CLIENTS    concurrent clients of each lookup run, space-separated (default 32; "1 32": both)
# Both servers and hark share this machine's cores: the figures are for one box, not a cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
base=${PORT_BASE:-18320}
lookups=${LOOKUPS:-20}
target=${CARGO_TARGET_DIR:-target}
if [ -z "${HARK_BIN:-}" ]; then
  cargo build --release -p hark --bin hark
fi
hark=${HARK_BIN:-$target/release/hark}
mkdir -p target/bench
harness=../shared/harness/clickhouse
work=$(mktemp -d)
trap '"$harness/stop.sh" "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

bytes() { # PORT1 PORT2 DB: bytes of the database's active parts on both shards
  local total=0
  for port in "$1" "$2"; do
    n=$(curl -s "http://127.0.0.1:$port/" --data-binary "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '$3' AND active")
    total=$((total + n))
  done
  echo "$total"
}
optimize() { # PORT1 PORT2 DB: every row table merged to one part
  for port in "$1" "$2"; do
    for table in rrset forward rdata negative; do
      curl -s "http://127.0.0.1:$port/" --data-binary "OPTIMIZE TABLE $3.$table FINAL" >/dev/null
    done
  done
}
serve_lookups() { # NAME TRUTH STORE-ARGS...: $CLIENTS clients through `hark serve`, $lookups s per kind
  local name=$1 truth=$2 port pid clients
  shift 2
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$hark" "$@" serve --listen "127.0.0.1:$port" --no-auth 2>/dev/null &
  pid=$!
  until curl -s "http://127.0.0.1:$port/dnsdb/v2/ping" >/dev/null; do sleep 0.1; done
  for clients in ${CLIENTS:-32}; do
    echo "== $name: lookups, $clients clients, $lookups s per kind"
    python3 bench/lookup_latency.py "http://127.0.0.1:$port" "$truth" "$clients" "$lookups"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
seconds_since() { echo "$(date +%s.%N) - $1" | bc; }

if [ -n "${ROWS:-}" ]; then
  cof=target/bench/cof-$ROWS${HOT:+-hot}.ndjson
  truth=target/bench/cof-$ROWS${HOT:+-hot}.truth.tsv
  trap '"$harness/stop.sh" "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work" "$cof"' EXIT
  # Made beforehand (outside a benchmark lock), or now.
  [ -f "$cof" ] || python3 bench/gen_cof.py "$ROWS" "$cof" "$truth" 1 ${HOT:+hot}
  set -- $("$harness/start.sh" "$work/cluster" --shards 2 --port-base "$base")
  url="clickhouse://127.0.0.1:$1,127.0.0.1:$2/scale"
  "$hark" --store "$url" store migrate >/dev/null
  started=$(date +%s.%N)
  "$hark" --store "$url" import cof --no-progress "$cof" >/dev/null
  echo "== import of $ROWS lines into the cluster: $(seconds_since "$started") s"
  started=$(date +%s.%N)
  "$hark" --db "$work/embedded" import cof --no-progress "$cof" >/dev/null
  echo "== import into the embedded store: $(seconds_since "$started") s"
  rm -f "$cof"
  rows=$("$hark" --store "$url" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
  unmerged=$(bytes "$1" "$2" scale)
  started=$(date +%s.%N)
  optimize "$1" "$2" scale
  merged=$(bytes "$1" "$2" scale)
  echo "== rows $rows; cluster disk as imported $unmerged bytes ($((unmerged / rows)) bytes/row); after OPTIMIZE FINAL ($(seconds_since "$started") s) $merged bytes ($((merged / rows)) bytes/row, 4 tables)"
  embedded=$(du -sb "$work/embedded" | cut -f1)
  echo "== embedded: $embedded bytes ($((embedded / rows)) bytes/row)"
  if [ "$lookups" -gt 0 ]; then
    serve_lookups clickhouse "$truth" --store "$url${CH_OPTIONS:-}"
    serve_lookups embedded "$truth" --db "$work/embedded"
  fi
  exit 0
fi

pcap=target/bench/ref-2000000.pcap
truth=target/bench/ref-2000000.truth.tsv
if [ ! -f "$pcap" ]; then
  python3 ../shared/bench/gen_pcap.py --responses 2000000 --seed 1 --out "$pcap" --truth "$truth"
fi
set -- $("$harness/start.sh" "$work/cluster" --shards 2 --port-base "$base")
url_of() { echo "clickhouse://127.0.0.1:$1,127.0.0.1:$2/$3"; }
rate() { sed -n 's/.*commits in \([0-9.]*\)s (\([0-9]*\) responses\/s).*/\2 \1/p' | head -1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ch=(); emb=()
for run in $(seq 1 "$runs"); do
  url=$(url_of "$1" "$2" "bench$run")
  "$hark" --store "$url" store migrate >/dev/null
  r=$("$hark" --store "$url" ingest --no-progress "$pcap" 2>&1 | rate)
  echo "run $run: clickhouse ${r% *} responses/s (${r#* } s)"
  ch+=("${r% *}")
  r=$("$hark" --db "$work/embedded$run" ingest --no-progress "$pcap" 2>&1 | rate)
  echo "run $run: embedded   ${r% *} responses/s (${r#* } s)"
  emb+=("${r% *}")
  [ "$run" = "$runs" ] || rm -rf "$work/embedded$run"
done
last=$(url_of "$1" "$2" "bench$runs")
rows=$("$hark" --store "$last" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
unmerged=$(bytes "$1" "$2" "bench$runs")
optimize "$1" "$2" "bench$runs"
merged=$(bytes "$1" "$2" "bench$runs")
echo "== rows $rows; disk as ingested $unmerged bytes ($((unmerged / rows)) bytes/row), after OPTIMIZE FINAL $merged bytes ($((merged / rows)) bytes/row, 4 tables, negatives included)"
echo "== embedded: $(du -sb "$work/embedded$runs" | cut -f1) bytes ($(( $(du -sb "$work/embedded$runs" | cut -f1) / rows )) bytes/row)"
echo "== ingest medians of $runs: clickhouse $(printf '%s\n' "${ch[@]}" | median) responses/s, embedded $(printf '%s\n' "${emb[@]}" | median) responses/s"

if [ "$lookups" -gt 0 ]; then
  serve_lookups clickhouse "$truth" --store "$last"
  serve_lookups embedded "$truth" --db "$work/embedded$runs"
fi
