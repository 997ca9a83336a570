#!/usr/bin/env bash
# Live capture under load: dnsperf at its highest rate against the harness resolver (Unbound on
# 127.0.0.1:5301, resolving example.test from NSD on :5300), while `hark capture -i lo` and
# `tcpdump -w` capture the resolver's port side by side. Reports, per run and as medians: the
# responses dnsperf got, the responses each capture kept per second, and each one's drop rate.
# Usage: scripts/bench-capture.sh [RUNS] [SECONDS]   (defaults: 3 runs of 15 s). Needs root
# (capture on lo) and ../shared/harness; installs dnsperf, tcpdump, nsd, unbound, fstrm-bin.
# Traffic stays on loopback addresses.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
runs=${1:-3}
seconds=${2:-15}
need=()
for tool in dnsperf:dnsperf tcpdump:tcpdump nsd:nsd unbound:unbound fstrm_capture:fstrm-bin; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
cargo build --release -p hark
hark=$(realpath "${CARGO_TARGET_DIR:-target}")/release/hark
out=$PWD/target/bench/capture
rm -rf "$out"; mkdir -p "$out"
harness=$out/harness
sh ../shared/harness/start.sh "$harness"
trap 'sh ../shared/harness/stop.sh "$harness" >/dev/null 2>&1 || true' EXIT

# The harness's query mix: 1,000 names that exist, 200 that do not, and the zone's other types.
{ for i in $(seq 0 999); do echo "h$i.example.test A"; done
  for i in $(seq 0 199); do echo "nx$i.example.test A"; done
  printf '%s\n' "example.test AAAA" "www.example.test A" "example.test MX" "example.test TXT" \
    "_sip._udp.example.test SRV" "web.example.test AAAA" "example.test NS" "example.test SOA"
} | shuf --random-source=<(yes) > "$out/queries.txt"

for run in $(seq 1 "$runs"); do
  db=$out/db-$run
  "$hark" --db "$db" capture -i lo --filter 'port 5301' --ports 5301 --no-progress \
    2> "$out/hark-$run.log" &
  hark_pid=$!
  tcpdump -i lo -n -s 0 -B 32768 -w "$out/tcpdump-$run.pcap" 'port 5301' 2> "$out/tcpdump-$run.log" &
  tcpdump_pid=$!
  sleep 2
  dnsperf -s 127.0.0.1 -p 5301 -d "$out/queries.txt" -l "$seconds" -c 4 -q 500 > "$out/dnsperf-$run.txt" 2>&1
  sleep 1
  kill -TERM "$hark_pid" "$tcpdump_pid"
  wait "$hark_pid" "$tcpdump_pid" || true
  tcpdump -r "$out/tcpdump-$run.pcap" -n 'src port 5301' 2>/dev/null | wc -l > "$out/tcpdump-$run.responses"
  echo "== run $run"
  grep -E "Queries (sent|completed)|Queries per second|Run time" "$out/dnsperf-$run.txt"
  grep -E "^interface lo" "$out/hark-$run.log"
  grep -E "packets (captured|received|dropped)" "$out/tcpdump-$run.log"
done

python3 - "$out" "$runs" <<'PY'
import re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = []
for run in range(1, runs + 1):
    perf = open(f"{out}/dnsperf-{run}.txt").read()
    completed = int(re.search(r"Queries completed:\s+(\d+)", perf).group(1))
    runtime = float(re.search(r"Run time \(s\):\s+([\d.]+)", perf).group(1))
    hark = open(f"{out}/hark-{run}.log").read()
    responses = int(re.search(r"(\d+) responses \(", hark).group(1))
    packets = int(re.search(r"interface lo: (\d+) packets", hark).group(1))
    kernel = int(m.group(1)) if (m := re.search(r"kernel_drops=(\d+)", hark)) else 0
    interface = int(m.group(1)) if (m := re.search(r"interface_drops=(\d+)", hark)) else 0
    td = open(f"{out}/tcpdump-{run}.log").read()
    received = int(re.search(r"(\d+) packets? received by filter", td).group(1))
    dropped = int(re.search(r"(\d+) packets? dropped by kernel", td).group(1))
    kept = int(open(f"{out}/tcpdump-{run}.responses").read())
    rows.append(dict(
        dnsperf_qps=completed / runtime,
        hark_rps=responses / runtime,
        hark_drop=(kernel + interface) / max(1, packets + kernel + interface),
        tcpdump_rps=kept / runtime,
        tcpdump_drop=dropped / max(1, received),
    ))
    print(f"run {run}: dnsperf {completed / runtime:,.0f} responses/s; hark kept {responses / runtime:,.0f}/s "
          f"(drops {kernel}+{interface}); tcpdump kept {kept / runtime:,.0f}/s (dropped {dropped} of {received})")
med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
print(f"median of {runs}: dnsperf {med['dnsperf_qps']:,.0f} responses/s | hark capture {med['hark_rps']:,.0f} responses/s, "
      f"drop rate {100 * med['hark_drop']:.3f} % | tcpdump -w {med['tcpdump_rps']:,.0f} responses/s, "
      f"drop rate {100 * med['tcpdump_drop']:.3f} %")
PY
