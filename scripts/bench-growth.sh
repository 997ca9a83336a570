#!/usr/bin/env bash
# Growth benchmark (issue: "Growth"): ingest day after day into ONE store and report, per day,
# responses/s, peak RSS, disk bytes per row and rrset / rdata lookup p99, so that a curve that
# bends shows up. Usage: scripts/bench-growth.sh [DAYS] [RESPONSES_PER_DAY]
#   (defaults: 10 days of 2,500,000 responses, which pass 10 M rows).
# Disk bytes are the whole data directory (tables, journal, metadata); "table B/row" counts the
# tables (keyspaces/) alone. Rows are `hark stats` rows (RR rows; negative answers not counted).
# Day d is `gen_pcap.py --seed d --domains 400000 --start 2024-06-01 + (d-1) days`: the world
# follows the seed, so nearly every row is new (~1.08 M rows a day; 10 days: 10.8 M rows).
# Time on the 2-core machine: ~6 min of one core per capture, ~2 min a day for ingest and
# lookups (GEN_JOBS=2: ~50 min in all). fjall compacts in whichever process opens the store
# next, so a day's lookups can run beside the compaction its ingest left behind.
# Environment:
#   HARK_BIN, LATENCY_BIN  prebuilt binaries (then no cargo build): `hark`, and the
#                          `lookup_latency` example of hark-store-embedded, or a wrapper that
#                          takes `DB --lookups N` and prints `rrset p50 X us p99 Y us ...` lines
#   KEEP=1                 keep the captures (target/bench/growth/day-DD-N.pcap, ~300 bytes a
#                          response) instead of deleting each one once it is ingested
#   LOOKUPS                lookups of each kind per day (default 5000)
#   GEN_JOBS               generators run at once (default 1; each takes ~1 core and ~4 GB)
# Captures are generated (niced) before any ingest when the disk holds them all, else each one
# just before its day; either way no generator of ours runs while an ingest or a lookup is timed.
# Needs ../shared/bench/gen_pcap.py; installs GNU time from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
days=${1:-10}
per_day=${2:-2500000}
lookups=${LOOKUPS:-5000}
gen_jobs=${GEN_JOBS:-1}
out=target/bench/growth
db=$out/db
tsv=$out/growth.tsv
mkdir -p "$out"
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; }
started=$SECONDS

if [ -z "${HARK_BIN:-}" ]; then cargo build --release -p hark; fi
if [ -z "${LATENCY_BIN:-}" ]; then cargo build --release -p hark-store-embedded --example lookup_latency; fi
hark=${HARK_BIN:-target/release/hark}
latency=${LATENCY_BIN:-target/release/examples/lookup_latency}

pcap_of() { printf '%s/day-%02d-%s.pcap' "$out" "$1" "$per_day"; }

# gen_day D: day D's capture, unless it is already there (written to .tmp, then renamed).
gen_day() {
  local d=$1 f t0=$SECONDS
  f=$(pcap_of "$1")
  [ -f "$f" ] && return 0
  nice python3 ../shared/bench/gen_pcap.py --responses "$per_day" --seed "$d" --domains 400000 \
    --start $((1717200000 + (d - 1) * 86400)) --out "$f.tmp" > "${f%.pcap}.gen"
  mv "$f.tmp" "$f"
  echo "   generated day $d in $((SECONDS - t0)) s: $(grep -o 'unique_tuples=[0-9]*' "${f%.pcap}.gen")"
}

echo "== disk"
df -h "$out"
missing=()
for d in $(seq 1 "$days"); do [ -f "$(pcap_of "$d")" ] || missing+=("$d"); done
# ~300 bytes of capture a response; room for the store (~60 bytes a row) and 2 GiB to spare.
need=$(( ${#missing[@]} * per_day * 300 + days * per_day * 40 + (2 << 30) ))
avail=$(df -B1 --output=avail "$out" | tail -1)
if [ ${#missing[@]} -gt 0 ] && [ "$avail" -gt "$need" ]; then
  echo "== generating ${#missing[@]} captures first ($gen_jobs at a time; ~$((need >> 30)) GiB of $((avail >> 30)) GiB free)"
  running=0
  for d in "${missing[@]}"; do
    if [ "$running" -ge "$gen_jobs" ]; then wait -n; running=$((running - 1)); fi
    gen_day "$d" & running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do wait -n; running=$((running - 1)); done
elif [ ${#missing[@]} -gt 0 ]; then
  echo "== not enough disk for all captures: each is generated just before its day (not timed)"
fi

# lookups DB FILE: the latency example's output (the store-embedded example's table, or a wrapper's
# `KIND p50 .. p99 ..` lines); the wrapper form is tried first: the example rejects --lookups.
lookups_of() {
  if "$latency" "$1" --lookups "$lookups" > "$2" 2>/dev/null && grep -q '^rrset p50' "$2"; then return; fi
  "$latency" "$1" --names "$lookups" --subdomains 0 --ips "$lookups" --seed 1 > "$2"
}
# p99 KIND FILE: the p99 in microseconds of `rrset` (exact name) or `rdata` (one A address).
p99() {
  awk -v kind="$1" '
    $1 == kind && $2 == "p50" { print $6; exit }
    kind == "rrset" && /^rrset exact name/ { print $7; exit }
    kind == "rdata" && /^rdata A one address/ { print $8; exit }' "$2"
}

rm -rf "$db"
printf 'day\tresponses\tseconds\tresponses_per_s\tnew_rows\ttotal_rows\tpeak_rss_mib\tdisk_bytes\tbytes_per_row\ttable_bytes_per_row\trrset_p99_us\trdata_p99_us\tload1\n' > "$tsv"
printf 'day\tkeyspace\ttables\tbytes\n' > "$out/store.tsv"
header="%3s %10s %8s %12s %10s %11s %8s %13s %9s %11s %10s %10s %6s\n"
printf "$header" day responses seconds responses/s "new rows" "total rows" "RSS MiB" "disk bytes" bytes/row "table B/row" "rrset p99" "rdata p99" load
rows=0
for d in $(seq 1 "$days"); do
  f=$(pcap_of "$d")
  gen_day "$d"
  cat "$f" > /dev/null  # page cache: measure hark, not the disk
  log=$(printf '%s/day-%02d' "$out" "$d")
  load=$(cut -d' ' -f1 /proc/loadavg)  # the machine is shared: the 1-minute load before the ingest
  if ! /usr/bin/time -f '%e %M' -o "$log.time" "$hark" --db "$db" ingest --sections all --no-progress "$f" > "$log.ingest" 2>&1; then
    cat "$log.ingest" >&2; exit 1
  fi
  [ "${KEEP:-0}" = 1 ] || rm -f "$f"
  read -r seconds rss_kib < "$log.time"
  responses=$(grep -oE '[0-9]+ responses[ ,(]' "$log.ingest" | head -1 | grep -oE '^[0-9]+')
  "$hark" --db "$db" stats > "$log.stats"
  total=$(awk '$1 == "rows:" { print $2 }' "$log.stats")
  disk=$(du -sb "$db" | cut -f1)             # all of it: tables, journal, metadata
  tables=$(du -sb "$db/keyspaces" | cut -f1)  # the tables (LSM trees) alone
  for ks in "$db"/keyspaces/*; do
    printf '%s\t%s\t%s\t%s\n' "$d" "${ks##*/}" "$(find "$ks/tables" -type f | wc -l)" "$(du -sb "$ks" | cut -f1)" >> "$out/store.tsv"
  done
  printf '%s\tjournal\t-\t%s\n' "$d" "$(cat "$db"/*.jnl | wc -c)" >> "$out/store.tsv"
  lookups_of "$db" "$log.lookups"
  rrset=$(p99 rrset "$log.lookups")
  rdata=$(p99 rdata "$log.lookups")
  [ -n "$rrset" ] && [ -n "$rdata" ] || { echo "no p99 in $log.lookups" >&2; cat "$log.lookups" >&2; exit 1; }
  row=$(awk -v d="$d" -v n="$responses" -v s="$seconds" -v new=$((total - rows)) -v t="$total" \
    -v rss="$rss_kib" -v disk="$disk" -v tables="$tables" -v a="$rrset" -v b="$rdata" -v load="$load" 'BEGIN {
      printf "%d\t%d\t%.2f\t%.0f\t%d\t%d\t%.0f\t%d\t%.1f\t%.1f\t%s\t%s\t%s", d, n, s, n / s, new, t, rss / 1024, disk, disk / t, tables / t, a, b, load }')
  echo "$row" >> "$tsv"
  IFS=$'\t' read -r -a f_ <<< "$row"
  printf "$header" "${f_[@]}"
  rows=$total
done

echo "== store after day $days ($out/store.tsv: tables and bytes per keyspace, day by day)"
"$hark" --db "$db" stats
[ "$rows" -gt 10000000 ] || echo "note: $rows rows, not past 10 M: raise DAYS or RESPONSES_PER_DAY"
echo "table: $tsv; wall time $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
