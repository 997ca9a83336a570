#!/usr/bin/env bash
# Import benchmarks (release, medians of 3 with hyperfine):
#   - COF: the reference store's export (gen_pcap.py --responses 2000000 --seed 1, ingested),
#     repeated with times shifted by a day per copy, to LINES lines (default 5,000,000);
#   - Zeek TSV and Suricata EVE v3: the Zeek fixture's data lines repeated to ~2 M lines, and the
#     same transactions written as EVE v3 events;
#   - the 97 root-zone snapshots in one command, each at its snapshot time.
# Usage: scripts/bench-imports.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-5000000}
out=${CARGO_TARGET_DIR:-target}/bench-imports
mkdir -p "$out"
command -v hyperfine >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hyperfine; }
cargo build --release -p hark
hark=${CARGO_TARGET_DIR:-target}/release/hark
db=$out/db

# COF input
cof=$out/cof-$lines.json
if [ ! -f "$cof" ]; then
  pcap=$out/ref-2000000.pcap
  [ -f "$pcap" ] || python3 ../shared/bench/gen_pcap.py --responses 2000000 --seed 1 --out "$pcap" --truth "$out/ref.truth.tsv"
  rm -rf "$out/ref-db"
  "$hark" --db "$out/ref-db" ingest --sections all --no-progress "$pcap"
  "$hark" --db "$out/ref-db" export > "$out/ref-export.json"
  python3 - "$out/ref-export.json" "$lines" "$cof" <<'PY'
import json, sys
src, want, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(src)]
n = 0
with open(dst, "w") as f:
    shift = 0
    while n < want:
        for r in rows:
            if n >= want:
                break
            r2 = dict(r, time_first=r["time_first"] + shift, time_last=r["time_last"] + shift)
            f.write(json.dumps(r2, separators=(",", ":")) + "\n")
            n += 1
        shift += 86400
PY
fi

# Zeek TSV and EVE v3 inputs from the Zeek fixture
zeek=$out/zeek.log
eve=$out/eve-events.json
if [ ! -f "$eve" ]; then
  python3 - ../shared/fixtures/imports/zed__zeek-default_dns.log.gz "$zeek" "$eve" <<'PY'
import gzip, json, sys, datetime
src, zeek, eve = sys.argv[1:4]
header, data = [], []
for line in gzip.open(src, "rt"):
    (header if line.startswith("#") else data).append(line)
fields = [h for h in header if h.startswith("#fields")][0].rstrip("\n").split("\t")[1:]
copies = 2_000_000 // len(data) + 1
with open(zeek, "w") as z, open(eve, "w") as e:
    z.writelines(h for h in header if not h.startswith("#close"))
    for c in range(copies):
        for line in data:
            z.write(line)
            r = dict(zip(fields, line.rstrip("\n").split("\t")))
            ts = datetime.datetime.fromtimestamp(float(r["ts"]) + c * 86400, datetime.timezone.utc)
            ev = {"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f+0000"), "event_type": "dns",
                  "dns": {"version": 3, "type": "response", "rcode": r["rcode_name"] if r["rcode_name"] != "-" else "NOERROR",
                          "queries": [{"rrname": r["query"], "rrtype": r["qtype_name"]}]}}
            if r["answers"] not in ("-", "(empty)") and r["qtype_name"] in ("A", "AAAA"):
                ev["dns"]["grouped"] = {r["qtype_name"]: [a for a in r["answers"].split(",") if a[0].isdigit() or ":" in a]}
            e.write(json.dumps(ev) + "\n")
PY
fi

cat "$cof" "$zeek" "$eve" > /dev/null
report() { python3 - "$1" "$2" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n = int(sys.argv[2])
print(f"{sys.argv[3]}: median {r['median']:.2f} s = {n / r['median']:,.0f} lines/s (min {r['min']:.2f}, max {r['max']:.2f})")
PY
}
hyperfine --runs 3 --prepare "rm -rf $db" --export-json "$out/cof-bench.json" "$hark --db $db import cof --no-progress $cof"
report "$out/cof-bench.json" "$(wc -l < "$cof")" "COF import"
hyperfine --runs 3 --prepare "rm -rf $db" --export-json "$out/zeek-bench.json" "$hark --db $db import zeek --no-progress $zeek"
report "$out/zeek-bench.json" "$(wc -l < "$zeek")" "Zeek TSV import"
hyperfine --runs 3 --prepare "rm -rf $db" --export-json "$out/eve-bench.json" "$hark --db $db import eve --no-progress $eve"
report "$out/eve-bench.json" "$(wc -l < "$eve")" "EVE v3 import"

args=()
while read -r serial time _; do
  args+=(--time "$time" "../shared/fixtures/rootzone/root.zone.$serial.gz")
done < ../shared/fixtures/rootzone/index.txt
printf '%s\n' "$hark --db $db import zone --no-progress ${args[*]}" > "$out/zone-cmd.sh"
hyperfine --runs 3 --prepare "rm -rf $db" --export-json "$out/zone.json" "sh $out/zone-cmd.sh"
python3 -c "import json; r=json.load(open('$out/zone.json'))['results'][0]; print(f\"97 root-zone snapshots: median {r['median']:.2f} s (min {r['min']:.2f}, max {r['max']:.2f})\")"
