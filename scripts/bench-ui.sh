#!/usr/bin/env bash
# Web UI benchmark: headless Chromium (over chromedriver's WebDriver API, with curl) against
# `hark serve` (release build) on a generated store:
#   - a name with 1,000 records: first contentful paint of its page;
#   - a domain whose graph has 1,000 nodes (cluster=false): time until the graph is drawn
#     and interactive (the page's `hark-graph-ready` mark);
#   - an address with 100,000 names: time until the pivot page has loaded (loadEventEnd);
#   - a name with 5,000 records: first contentful paint of its timeline (paged by 400);
#   - the alerts list (alerts raised by a new-name rule on the ingest): page weight;
#   - page weight: bytes transferred (compressed) by the name page of a small name and by the
#     graph page, everything included;
#   - binary growth: this build's stripped size against BASE_BIN's (default: main's release
#     build in ../main; build it first at the commit this branch starts from).
#
#   scripts/bench-ui.sh            (needs chromium, chromedriver, curl, python3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BIN=${BIN:-target/release/hark}
BASE_BIN=${BASE_BIN:-../main/target/release/hark}
[ -x "$BIN" ] || /tmp/cargo-locked build --release -p hark --locked
work=$(mktemp -d)
pids=()
# chromedriver runs in a session of its own: ending its group ends the browser too.
cleanup() { for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

python3 - "$work/rows.json" <<'PY'
import json, sys
out = open(sys.argv[1], "w")
def row(name, rrtype, rdata, first=1700000000, last=1700900000, count=1):
    out.write(json.dumps({"rrname": name, "rrtype": rrtype, "rdata": rdata, "time_first": first, "time_last": last, "count": count}) + "\n")
for i in range(1000):                      # 1,000 records of one name
    row("big.example.com.", "A", f"10.{i // 256}.{i % 256}.1", 1700000000 + i)
for i in range(500):                       # a domain graph: 500 names -> 499 addresses + apex
    row(f"h{i}.graph.example.", "A", f"10.200.{i // 250}.{i % 250}")
for i in range(100000):                    # 100,000 names on one CDN address
    row(f"n{i}.d{i % 20000}.com.", "A", "203.0.113.50")
for i in range(5000):                      # 5,000 records of one name, for the timeline
    row("tl.example.com.", "A", f"10.{100 + i // 250}.{i % 250}.2", 1700000000 + i * 600, 1700000000 + i * 600 + 86400)
for i in range(60):                        # 60 new names under a watched zone: 60 alerts
    row(f"w{i}.watched.example.", "A", "192.0.2.7")
row("small.example.com.", "A", "192.0.2.1")
PY
printf '[[rule]]\nid = "watched"\nkind = "new-name"\nzones = ["watched.example"]\n' >"$work/rules.toml"
"$BIN" --db "$work/db" ingest --rules "$work/rules.toml" "$work/rows.json" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --db "$work/db" serve --listen "127.0.0.1:$port" --no-auth --rules "$work/rules.toml" 2>/dev/null & pids+=($!)
dport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
setsid chromedriver --port="$dport" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/ui/" >/dev/null && curl -s "http://127.0.0.1:$dport/status" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
wd="http://127.0.0.1:$dport"
session=$(curl -s -X POST "$wd/session" -H 'Content-Type: application/json' -d '{"capabilities":{"alwaysMatch":{"goog:chromeOptions":{"binary":"/usr/bin/chromium","args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--window-size=1280,900"]}}}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"]["sessionId"])')
run() { # run JS, print its value
  curl -s -X POST "$wd/session/$session/execute/sync" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"script": sys.argv[1], "args": []}))' "$1")" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])'
}
visit() { # a fresh page load without the cache
  curl -s -X POST "$wd/session/$session/url" -H 'Content-Type: application/json' -d '{"url":"about:blank"}' >/dev/null
  curl -s -X POST "$wd/session/$session/goog/cdp/execute" -H 'Content-Type: application/json' -d '{"cmd":"Network.clearBrowserCache","params":{}}' >/dev/null
  curl -s -X POST "$wd/session/$session/url" -H 'Content-Type: application/json' -d "{\"url\":\"$base$1\"}" >/dev/null
}
weight='return Math.round(performance.getEntriesByType("navigation")[0].transferSize + performance.getEntriesByType("resource").reduce((s, e) => s + e.transferSize, 0));'
kb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1024}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

fcp=$(for _ in 1 2 3 4 5; do visit /ui/name/big.example.com; run 'return Math.round(performance.getEntriesByName("first-contentful-paint")[0].startTime);'; done | median)
graph=$(for _ in 1 2 3; do visit "/ui/graph/graph.example?cluster=false"; for _ in $(seq 200); do [ "$(run 'return document.getElementById("cy").dataset.ready === "true";')" = True ] && break; sleep 0.05; done
  run 'return Math.round(performance.getEntriesByName("hark-graph-ready")[0].startTime);'; done | median)
nodes=$(run 'return document.getElementById("cy").dataset.nodes;')
pivot=$(for _ in 1 2 3; do visit /ui/ip/203.0.113.50; run 'return Math.round(performance.getEntriesByType("navigation")[0].loadEventEnd);'; done | median)
timeline=$(for _ in 1 2 3 4 5; do visit /ui/timeline/tl.example.com; run 'return Math.round(performance.getEntriesByName("first-contentful-paint")[0].startTime);'; done | median)
visit /ui/timeline/tl.example.com; timeline_weight=$(run "$weight")
visit /ui/alerts; alerts=$(run 'return document.querySelectorAll("#alerts tbody tr").length;'); alerts_weight=$(run "$weight")
visit /ui/ip/203.0.113.50; pivot_weight=$(run "$weight")
visit /ui/name/small.example.com; small=$(run "$weight")
visit /ui/graph/small.example.com; sleep 1; graph_weight=$(run "$weight")
echo "first contentful paint, 1,000-row name page:  ${fcp} ms (target <= 500)"
echo "graph of ${nodes} nodes drawn and interactive: ${graph} ms (target <= 1000)"
echo "pivot of 100,000 names loaded:                ${pivot} ms (target <= 2000)"
echo "timeline of 5,000 records (page of 400), FCP: ${timeline} ms"
echo "page weight, name page (compressed):          $(kb "$small") KB (target <= 30)"
echo "page weight, pivot page (compressed):         $(kb "$pivot_weight") KB (target <= 30)"
echo "page weight, timeline page of 400 bars:       $(kb "$timeline_weight") KB (target <= 30)"
echo "page weight, alerts list of ${alerts} alerts:       $(kb "$alerts_weight") KB (target <= 30)"
echo "page weight, graph page (compressed):         $(kb "$graph_weight") KB (target <= 180)"
# Binary growth, stripped (the release profile keeps line tables, which grow with any code).
strip -o "$work/hark" "$BIN"
if [ -x "$BASE_BIN" ]; then
  strip -o "$work/base" "$BASE_BIN"
  echo "binary growth, stripped:                      $(( ($(stat -c %s "$work/hark") - $(stat -c %s "$work/base")) / 1024 )) KB (target <= 1024; with line tables $(( ($(stat -c %s "$BIN") - $(stat -c %s "$BASE_BIN")) / 1024 )) KB) against $BASE_BIN"
else
  echo "binary, stripped: $(stat -c %s "$work/hark") bytes (no BASE_BIN to compare with)"
fi
curl -s -X DELETE "$wd/session/$session" >/dev/null
