#!/usr/bin/env bash
# Watch rules' cost on ingest: the reference capture ingested with no rules and with a large
# rule set (100,000 intel names, 10,000 watched zones, 1,000 canary names, 100 brands, plus
# record-change, new-domain and posture rules), side by side in one hyperfine run.
# Then the rules' cost per response (the `rule_cost` example: each response committed alone,
# the time the rules take on it, median and p99), and the alert latency in `hark run` from
# observation to sink hand-off (the `alert_latency` example: canary queries over dnstap amid
# a flood of new rows, a webhook receiver timing each alert).
# Usage: scripts/bench-watch.sh [RESPONSES] [RUNS]   (defaults: 1000000 responses, 5 runs)
# CARGO_CMD overrides the cargo used to build (e.g. a wrapper that serialises builds).
# PARTS picks the parts (default "ingest cost latency"); COST_RESPONSES (default 200000) how
# many responses the cost part commits one by one; LATENCY_ARGS the alert_latency options
# (default "--canaries 2000 --rate 100 --background 20000").
set -euo pipefail
cd "$(dirname "$0")/.."
responses=${1:-1000000}
runs=${2:-5}
cargo=${CARGO_CMD:-cargo}
out=target/bench
mkdir -p "$out"
if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hyperfine
fi

pcap=$out/ref-$responses.pcap
truth=$out/ref-$responses.truth.tsv
if [ ! -f "$truth" ]; then
  echo "== generating the reference input: gen_pcap.py --responses $responses --seed 1"
  python3 ../shared/bench/gen_pcap.py --responses "$responses" --seed 1 --out "$pcap" --truth "$truth"
fi
parts=${PARTS:-ingest cost latency}
want() { [[ " $parts " == *" $1 "* ]]; }
$cargo build --release -p hark --bin hark --example rule_cost --example alert_latency
hark=target/release/hark

rules=$out/watch-rules
mkdir -p "$rules"
echo "== writing the rule set"
python3 - "$truth" "$rules" <<'PY'
import collections, random, sys
truth, out = sys.argv[1], sys.argv[2]
random.seed(1)
names = [l.split('\t')[0] for l in open(truth) if not l.startswith('#')]
SECOND_LEVEL = {'co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go'}
def registrable(name):  # close enough to the PSL for the generator's names
    labels = name.rstrip('.').split('.')
    if 'arpa' in labels or len(labels) < 2:
        return None
    keep = 3 if labels[-2] in SECOND_LEVEL else 2
    return '.'.join(labels[-keep:]) if len(labels) >= keep else None
busiest = [d for d, _ in collections.Counter(filter(None, map(registrable, names))).most_common(200)]
words = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'nova', 'omega', 'sigma', 'zulu']
def synthetic(i, tld):
    return f'{random.choice(words)}{i}-{random.randrange(10**6)}.{tld}'
with open(f'{out}/intel.tsv', 'w') as f:
    f.write('#fields\tindicator\tindicator_type\tmeta.source\n')
    for i in range(99_990):
        f.write(f'{synthetic(i, random.choice(["com", "net", "org", "ru", "xyz"]))}\tIntel::DOMAIN\tbench\n')
    for d in busiest[150:160]:  # a few real hits
        f.write(f'{d}\tIntel::DOMAIN\tbench-hit\n')
    for i in range(1000):
        f.write(f'10.{i // 256}.{i % 256}.0/24\tIntel::SUBNET\tbench\n')
zones = busiest[100:150] + [synthetic(i, 'example') for i in range(10_000 - 50)]
canaries = [f'decoy{i}.{busiest[i % 50]}' for i in range(1000)]
brands = busiest[:100]
q = lambda xs: '[' + ', '.join(f'"{x}"' for x in xs) + ']'
with open(f'{out}/rules.toml', 'w') as f:
    f.write(f'''[[sink]]
id = "file"
kind = "ndjson"
path = "alerts.ndjson"

[[rule]]
id = "intel"
kind = "intel"
lists = ["intel.tsv"]

[[rule]]
id = "zones"
kind = "new-name"
zones = {q(zones)}

[[rule]]
id = "canaries"
kind = "canary"
names = {q(canaries)}

[[rule]]
id = "brands"
kind = "lookalike"
brands = {q(brands)}

[[rule]]
id = "delegations"
kind = "record-change"
names = {q(busiest[:1000])}
types = ["NS", "MX"]

[[rule]]
id = "posture"
kind = "posture"
zones = {q(busiest[:100])}

[[rule]]
id = "nod"
kind = "new-domain"
warmup = "6h"
''')
PY
"$hark" watch check "$rules/rules.toml" | tail -1
cat "$pcap" > /dev/null  # page cache: measure hark, not the disk

if want ingest; then
echo "== ingest of $responses responses, $runs runs each, alternating, fresh store each time"
hyperfine --runs "$runs" --prepare "rm -rf $out/db-none $out/db-rules $rules/alerts.ndjson" \
  --export-json "$out/watch.json" \
  -n "no rules" "$hark --db $out/db-none ingest --sections all --no-progress $pcap" \
  -n "rules" "$hark --db $out/db-rules ingest --sections all --no-progress --rules $rules/rules.toml $pcap"
python3 - "$out/watch.json" "$responses" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[2])
none, rules = results["no rules"], results["rules"]
for name, r in (("no rules", none), ("rules", rules)):
    print(f"{name:9} median {r['median']:.2f} s = {n / r['median']:,.0f} responses/s (min {r['min']:.2f}, max {r['max']:.2f})")
print(f"with rules: {none['median'] / rules['median'] * 100:.1f} % of the throughput without rules")
print(f"added cost per response (median difference / responses): {(rules['median'] - none['median']) / n * 1e6:.2f} µs")
PY
"$hark" --db "$out/db-rules" alerts --json | python3 -c '
import collections, json, sys
alerts = [json.loads(l) for l in sys.stdin]
print(f"{len(alerts)} alerts:", dict(collections.Counter(a["rule"] for a in alerts)))'
fi

if want cost; then
  echo "== rules' cost per response: the first ${COST_RESPONSES:-200000} responses committed one by one"
  target/release/examples/rule_cost "$pcap" "$rules/rules.toml" --responses "${COST_RESPONSES:-200000}"
fi

if want latency; then
  echo "== alert latency in hark run: canary queries over dnstap amid new rows, to a webhook"
  lat=$out/watch-latency
  rm -rf "$lat" && mkdir -p "$lat"
  cp "$rules"/intel.tsv "$lat"/
  {
    printf '[[sink]]\nid = "hook"\nkind = "webhook"\nurl = "http://127.0.0.1:17654/"\n\n'
    printf '[[rule]]\nid = "latency"\nkind = "canary"\nnames = ["latency.bench.example"]\n\n'
    sed -n '/^\[\[rule\]\]/,$p' "$rules/rules.toml"
  } > "$lat/rules.toml"
  cat > "$lat/hark.toml" <<EOF
[store]
path = "$lat/db"
[watch]
rules = "$lat/rules.toml"
[[dnstap]]
name = "bench"
listen = "tcp:127.0.0.1:17653"
EOF
  "$hark" run --config "$lat/hark.toml" 2> "$lat/run.log" &
  run_pid=$!
  for _ in $(seq 100); do grep -q '"running": *true' "$lat/db/run-status.json" 2>/dev/null && break; sleep 0.2; done
  # shellcheck disable=SC2086
  target/release/examples/alert_latency tcp:127.0.0.1:17653 127.0.0.1:17654 latency.bench.example \
    ${LATENCY_ARGS:---canaries 2000 --rate 100 --background 20000}
  kill -TERM "$run_pid"; wait "$run_pid" || true
fi
