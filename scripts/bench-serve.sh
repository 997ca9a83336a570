#!/usr/bin/env bash
# The `hark serve` benchmark: lookups under 32 concurrent keep-alive clients (wrk) on every face
# (DNSDB rrset and rdata/ip lookups; SecurityTrails history and current DNS; VirusTotal domain
# and IP resolutions), and one 1,000,000-row answer streamed in bounded memory.
# Usage: scripts/bench-serve.sh [RUNS] [SECONDS]   (defaults: 3 runs of 20 s per lookup kind)
#   KINDS="rrset vt-ip-resolutions ..."  only these lookup kinds (default: all six)
#   LOOKUPS_ONLY=1                       stop after the lookups (no 1M-row answer, no flood)
#   HARK_BIN=path                        run this binary instead of building target/release/hark
# Uses the store scripts/bench.sh builds from gen_pcap.py --responses 2000000 --seed 1 (builds
# it if missing). Installs wrk from Debian if missing. Server and wrk share the machine's cores.
# Prints each run, then the median requests/s and p99 of the runs per kind.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
runs=${1:-3}
seconds=${2:-20}
out=target/bench
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
if [ -n "${HARK_BIN:-}" ]; then
  hark=$HARK_BIN
else
  cargo build --release -p hark
  hark=${CARGO_TARGET_DIR:-target}/release/hark
fi
pcap=$out/ref-2000000.pcap
db=$out/db
if [ ! -d "$db" ]; then
  [ -f "$pcap" ] || python3 ../shared/bench/gen_pcap.py --responses 2000000 --seed 1 --out "$pcap" --truth "$out/ref-2000000.truth.tsv"
  "$hark" --db "$db" ingest --sections all --no-progress "$pcap"
fi

echo "== query paths drawn from the store: 10,000 owner names, 10,000 A addresses, per face"
"$hark" --db "$db" export | python3 -c '
import json, random, sys
random.seed(1)
names, ips = set(), set()
for line in sys.stdin:
    row = json.loads(line)
    names.add(row["rrname"])
    if row["rrtype"] == "A":
        ips.add(row["rdata"])
names, ips = sorted(names), sorted(ips)
picked_names = [n.rstrip(".") for n in random.choices(names, k=10000)]
picked_ips = random.choices(ips, k=10000)
kinds = {  # kind: (template, drawn from)
    "rrset": ("/dnsdb/v2/lookup/rrset/name/%s", picked_names),
    "rdata-ip": ("/dnsdb/v2/lookup/rdata/ip/%s", picked_ips),
    "st-history": ("/v1/history/%s/dns/a", picked_names),
    "st-domain": ("/v1/domain/%s", picked_names),
    "vt-domain-resolutions": ("/api/v3/domains/%s/resolutions", picked_names),
    "vt-ip-resolutions": ("/api/v3/ip_addresses/%s/resolutions?limit=40", picked_ips),
}
for kind, (template, values) in kinds.items():
    with open("%s/paths-%s.txt" % (sys.argv[1], kind), "w") as f:
        for value in values:
            f.write(template % value + "\n")
' "$out"

key=bench-key
echo "bench:$key" > "$out/keys"
port=18953
serve() {  # serve STORE [FLAGS...]: starts hark serve, sets $server
  "$hark" --db "$1" serve --listen 127.0.0.1:$port --keys "$out/keys" "${@:2}" 2>/dev/null &
  server=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/dnsdb/v2/ping" && return; sleep 0.1; done
  echo "hark serve did not start" >&2; exit 1
}
serve "$db"
trap 'kill $server 2>/dev/null || true' EXIT
header_of() {  # the key header of a lookup kind's face
  case $1 in st-*) echo APIKEY ;; vt-*) echo x-apikey ;; *) echo X-API-Key ;; esac
}
summary=()
for kind in ${KINDS:-rrset rdata-ip st-history st-domain vt-domain-resolutions vt-ip-resolutions}; do
  header=$(header_of "$kind")
  echo "== $kind lookups: wrk -t2 -c32 -d${seconds}s, $runs runs, key in $header"
  wrk -t2 -c32 -d5s -s bench/wrk/lookup.lua "http://127.0.0.1:$port" -- "$out/paths-$kind.txt" "$key" "$header" >/dev/null  # warm-up
  for run in $(seq "$runs"); do
    wrk -t2 -c32 -d"${seconds}s" --latency -s bench/wrk/lookup.lua "http://127.0.0.1:$port" -- "$out/paths-$kind.txt" "$key" "$header" > "$out/wrk-$kind-$run.txt"
    awk '/Requests\/sec/ {rps=$2} /^p50_us/ {p50=$2} /^p99_us/ {p99=$2} /^errors/ {e=$2} /^status/ {s=s" "$0}
      END {printf "run '"$run"': %s requests/s, p50 %.2f ms, p99 %.2f ms, errors %s;%s\n", rps, p50/1000, p99/1000, e, s}' "$out/wrk-$kind-$run.txt"
  done
  # Medians of the runs: requests/s and p99.
  summary+=("$(for run in $(seq "$runs"); do awk '/Requests\/sec/ {print $2}' "$out/wrk-$kind-$run.txt"; done | sort -g | awk -v k="$kind" '{v[NR]=$1} END {printf "%-22s median %s requests/s", k, v[int((NR+1)/2)]}')$(
    for run in $(seq "$runs"); do awk '/^p99_us/ {print $2}' "$out/wrk-$kind-$run.txt"; done | sort -g | awk '{v[NR]=$1} END {printf ", median p99 %.2f ms", v[int((NR+1)/2)]/1000}')")
done
echo "== medians of $runs runs (32 clients)"
printf '%s\n' "${summary[@]}"
kill $server; wait $server 2>/dev/null || true
[ -n "${LOOKUPS_ONLY:-}" ] && exit 0

echo "== one 1,000,000-row answer, streamed"
big=$out/db-big
if [ ! -d "$big" ]; then
  python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1200000):
        f.write("{\"rrname\":\"h%07d.big.example.\",\"rrtype\":\"A\",\"rdata\":\"10.%d.%d.%d\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
' "$out/big.json"
  "$hark" --db "$big" import cof "$out/big.json"
fi
serve "$big" --results-max 1000000
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
start=$(date +%s.%N)
curl -s -H "X-API-Key: $key" "http://127.0.0.1:$port/dnsdb/v2/lookup/rrset/name/%2A.big.example?limit=0" \
  | python3 -c '
import json, sys
objs, last = 0, None
for line in sys.stdin:
    last = json.loads(line)
    objs += "obj" in last
print(f"objects {objs}, last line {json.dumps(last)}")'
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
echo "server RSS before ${rss_before} KiB, peak ${peak} KiB; $(python3 -c "print(f'{1e6/($end-$start):,.0f} rows/s, {$end-$start:.2f} s')")"

echo "== a CIRCL walk of the 1,200,000 rows in pages of 10,000 (pypdns iter_query's way)"
python3 bench/dribble_walk.py "http://127.0.0.1:$port" '*.big.example' --page 10000 --pages 100 \
  --user bench --password "$key"
kill $server; wait $server 2>/dev/null || true

echo "== rrset lookups (4 clients) alone, then during a flood of 130 clients on /api/v1/stats"
serve "$db"
flood() {  # flood SECONDS: rrset lookups while 130 connections call /api/v1/stats
  wrk -t1 -c130 -d"$(( $1 + 4 ))s" -H "X-API-Key: $key" "http://127.0.0.1:$port/api/v1/stats" > "$out/wrk-stats-flood.txt" &
  local flooding=$!
  sleep 2
  wrk -t1 -c4 -d"${1}s" --latency -s bench/wrk/lookup.lua "http://127.0.0.1:$port" -- "$out/paths-rrset.txt" "$key" > "$out/wrk-during-flood.txt"
  wait $flooding
}
wrk -t1 -c4 -d"${seconds}s" --latency -s bench/wrk/lookup.lua "http://127.0.0.1:$port" -- "$out/paths-rrset.txt" "$key" > "$out/wrk-alone.txt"
flood "$seconds"
for phase in alone during-flood; do
  awk '/Requests\/sec/ {rps=$2} /^p50_us/ {p50=$2} /^p99_us/ {p99=$2} /^errors/ {e=$2} /^status/ {s=s" "$0}
    END {printf "lookups '"$phase"': %s requests/s, p50 %.2f ms, p99 %.2f ms, errors %s;%s\n", rps, p50/1000, p99/1000, e, s}' "$out/wrk-$phase.txt"
done
awk '/Requests\/sec/ {print "stats calls: " $2 " requests/s"} /Non-2xx/ {print "stats non-2xx: " $0}' "$out/wrk-stats-flood.txt"
