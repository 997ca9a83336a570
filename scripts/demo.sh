#!/usr/bin/env bash
# Builds hark, generates a sample capture, ingests it into a fresh store, and runs a few lookups.
# Usage: scripts/demo.sh [RESPONSES]   (default 200000; the store goes to target/demo-db)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
responses=${1:-200000}
gen=../shared/bench/gen_pcap.py
[ -f "$gen" ] || { echo "demo: $gen not found: clone hark next to its shared/ folder" >&2; exit 1; }

cargo build --release -p hark
hark=target/release/hark
db=target/demo-db
sample=target/demo-sample.pcap
rm -rf "$db"
if [ ! -f "$sample" ] || [ "$(cat "$sample.responses" 2>/dev/null)" != "$responses" ]; then
  echo "== generating $responses DNS responses into $sample"
  python3 "$gen" --responses "$responses" --seed 1 --out "$sample"
  echo "$responses" > "$sample.responses"
fi

run() { echo; echo "\$ hark $*"; "$hark" --db "$db" "$@"; }
run ingest "$sample"
run stats
# Pick examples from the data itself: the busiest www name, its address, and the busiest
# CNAME target zone.
read -r www address cdn < <("$hark" --db "$db" export | python3 -c '
import json, sys, collections
www, cdn = collections.Counter(), collections.Counter()
address = {}
for line in sys.stdin:
    r = json.loads(line)
    if r["rrtype"] == "A" and r["rrname"].startswith("www."):
        www[r["rrname"]] += r["count"]
        address.setdefault(r["rrname"], r["rdata"])
    if r["rrtype"] == "CNAME":
        cdn[".".join(r["rdata"].rstrip(".").split(".")[-2:])] += r["count"]
name = www.most_common(1)[0][0]
print(name, address[name], cdn.most_common(1)[0][0])')
domain=${www#www.}
run lookup rrset "$www" --limit 3
run lookup rrset "*.$domain" --limit 5 --format csv
run lookup rdata ip "${address%.*}.0/24" --limit 5
run lookup rdata name "*.$cdn" --limit 3 --json
run lookup negative "*.${domain%.}" --limit 3
run intel mx "$domain"
run recon "$domain"
