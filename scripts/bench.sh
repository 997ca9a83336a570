#!/usr/bin/env bash
# Reproduces the benchmark figures of the README and docs/benchmarks.md.
# Usage: scripts/bench.sh [RESPONSES] [RUNS]   (defaults: 2000000 responses, 5 runs)
# Needs ../shared/bench/gen_pcap.py; installs hyperfine and GNU time from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
responses=${1:-2000000}
runs=${2:-5}
out=target/bench
mkdir -p "$out"
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

pcap=$out/ref-$responses.pcap
truth=$out/ref-$responses.truth.tsv
if [ ! -f "$truth" ]; then
  echo "== generating the reference input: gen_pcap.py --responses $responses --seed 1"
  python3 ../shared/bench/gen_pcap.py --responses "$responses" --seed 1 --out "$pcap" --truth "$truth"
fi
cargo build --release -p hark -p hark-store-embedded --example lookup_latency 2>/dev/null \
  || cargo build --release -p hark
cargo build --release -p hark-intel --example recon_latency
hark=target/release/hark
db=$out/db
cat "$pcap" > /dev/null  # page cache: measure hark, not the disk

echo "== end-to-end ingest, $runs runs, fresh store each time"
hyperfine --runs "$runs" --prepare "rm -rf $db" --export-json "$out/ingest.json" \
  "$hark --db $db ingest --sections all --no-progress $pcap"
python3 - "$out/ingest.json" "$responses" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n = int(sys.argv[2])
print(f"median {r['median']:.2f} s = {n / r['median']:,.0f} responses/s (min {r['min']:.2f} s, max {r['max']:.2f} s)")
PY

echo "== peak memory, and exactness against the generator's truth"
rm -rf "$db"
/usr/bin/time -f "peak RSS %M KiB, wall %e s" "$hark" --db "$db" ingest --sections all --no-progress "$pcap"
"$hark" --db "$db" export | python3 scripts/compare_truth.py "$truth" \
  || echo "(differences: see docs/benchmarks.md; for seed 1, 2 truth tuples count responses the capture does not hold)"
"$hark" --db "$db" stats

echo "== answer section only: the truth's bit-1 tuples"
rm -rf "$db.answer"
"$hark" --db "$db.answer" ingest --sections answer --no-progress "$pcap" 2>/dev/null
"$hark" --db "$db.answer" export | python3 scripts/compare_truth.py "$truth" --answer-only || true

if [ -x target/release/examples/lookup_latency ]; then
  echo "== lookup latency on the resulting store"
  target/release/examples/lookup_latency "$db" --names 10000 --seed 1
fi

echo "== recon: the 100 most popular domains, and the reverse pivot on the busiest /16"
target/release/examples/recon_latency "$db" --domains 100 --runs 3

echo "== per-message parse rate (criterion)"
cargo bench -p hark-dns --bench parse -- --noplot 2>/dev/null | grep -E "time:|thrpt:" || true
