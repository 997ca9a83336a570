#!/usr/bin/env bash
# Benchmarks of the foundations (issue: sources, one writer, change feed, exact after a crash,
# memory bounded by bytes). Usage: scripts/bench-foundations.sh [RUNS]   (default 5)
# HARK_BASELINE=1 also builds the code the issue measured its targets with (8e1e752) and runs
# parts 1 and 2 with it side by side: the ratios hold on any machine, the absolute figures do not.
# Needs ../shared/bench/gen_pcap.py; installs hyperfine and GNU time from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
runs=${1:-5}
out=target/bench
mkdir -p "$out"
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
ref=$out/ref-2000000.pcap
day2=$out/day2.pcap
[ -f "$ref" ] || python3 ../shared/bench/gen_pcap.py --responses 2000000 --seed 1 --out "$ref" --truth "$out/ref-2000000.truth.tsv"
# The same world a day later (gen_pcap's default start is 2024-06-01 00:00 UTC = 1717200000).
[ -f "$day2" ] || python3 ../shared/bench/gen_pcap.py --responses 1000000 --seed 1 --start $((1717200000 + 86400)) --out "$day2"
[ -f "$out/pointers.pcap.gz" ] || python3 bench/hostile_inputs.py pointers "$out/pointers.pcap.gz" --responses 2000 --distinct
[ -f "$out/pointers-same.pcap.gz" ] || python3 bench/hostile_inputs.py pointers "$out/pointers-same.pcap.gz" --responses 6000
[ -f "$out/bomb.pcap.gz" ] || python3 bench/hostile_inputs.py bomb "$out/bomb.pcap.gz" --gib 2
cargo build --release -p hark --example ingest_alongside
cargo build --release -p hark
hark=target/release/hark
# summarize HYPERFINE_JSON RESPONSES: median rate and every run.
summarize() {
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]; n = int(sys.argv[2])
print(f"median {r['median']:.2f} s = {n / r['median']:,.0f} responses/s (min {r['min']:.2f}, max {r['max']:.2f}); runs: {', '.join(f'{t:.2f}' for t in r['times'])}")
PY
}
cat "$ref" "$day2" > /dev/null

echo "== 1. reference file into a fresh store, end to end ($runs runs)"
hyperfine --runs "$runs" --prepare "rm -rf $out/fresh" --export-json "$out/fresh.json" \
  "$hark --db $out/fresh ingest --sections all --no-progress $ref"
summarize "$out/fresh.json" 2000000
rm -rf "$out/day1" && "$hark" --db "$out/day1" ingest --sections all --no-progress "$ref" 2>/dev/null
/usr/bin/time -f "peak RSS %M KiB" "$hark" --db "$out/rss" ingest --sections all --no-progress "$ref" 2>&1 | tail -1; rm -rf "$out/rss"
"$hark" --db "$out/day1" export | python3 scripts/compare_truth.py "$out/ref-2000000.truth.tsv" || true

echo "== 2. day 2: the same world a day later into the store holding day 1 ($runs runs)"
hyperfine --runs "$runs" --prepare "rm -rf $out/day2db && cp -r $out/day1 $out/day2db && sync" --export-json "$out/day2.json" \
  "$hark --db $out/day2db ingest --sections all --no-progress $day2"
summarize "$out/day2.json" 1000000

echo "== 3. change feed cost, and rrset lookups alongside an ingest"
target/release/examples/ingest_alongside "$ref" "$out/day1" --runs 3

echo "== 4. peak RSS on hostile inputs (--cache-mb 64)"
# --max-gzip-ratio 0: memory is measured through the whole bomb (the default limit stops it
# after 256 MiB of output).
for input in pointers.pcap.gz pointers-same.pcap.gz bomb.pcap.gz; do
  rm -rf "$out/hostile"
  /usr/bin/time -f "$input: peak RSS %M KiB, wall %e s" "$hark" --db "$out/hostile" ingest --cache-mb 64 --max-gzip-ratio 0 --no-progress "$out/$input" 2>&1 | grep -E "peak RSS|skipped|responses"
done
rm -rf "$out/hostile"
python3 bench/hostile_inputs.py cofline --gib 2 | /usr/bin/time -f "2 GiB COF line: peak RSS %M KiB, wall %e s" "$hark" --db "$out/hostile" import cof --cache-mb 64 - 2>&1 | grep -E "peak RSS|skipped"
rm -rf "$out/hostile"

if [ "${HARK_BASELINE:-0}" = 1 ]; then
  echo "== 5. side by side with the code the issue measured (8e1e752), ratios on this machine"
  base_src=$out/baseline-src
  [ -d "$base_src" ] || git worktree add --detach "$base_src" 8e1e752
  CARGO_TARGET_DIR=$PWD/target/baseline cargo build --release --manifest-path "$base_src/Cargo.toml" -p hark
  base=target/baseline/release/hark
  rm -rf "$out/day1-base" && "$base" --db "$out/day1-base" ingest --sections all --no-progress "$ref" 2>/dev/null
  hyperfine --runs "$runs" --prepare "rm -rf $out/fresh && sync" \
    -n baseline "$base --db $out/fresh ingest --sections all --no-progress $ref" \
    -n current "$hark --db $out/fresh ingest --sections all --no-progress $ref"
  hyperfine --runs "$runs" \
    --prepare "rm -rf $out/day2db && cp -r $out/day1-base $out/day2db && sync" \
    --prepare "rm -rf $out/day2db && cp -r $out/day1 $out/day2db && sync" \
    -n baseline "$base --db $out/day2db ingest --sections all --no-progress $day2" \
    -n current "$hark --db $out/day2db ingest --sections all --no-progress $day2"
fi
