#!/usr/bin/env bash
# Fuzzing hark's parsers of untrusted bytes with cargo-fuzz on the stable toolchain
# (libFuzzer, no sanitizer: `-s none`). See docs/fuzzing.md.
#
# Usage:
#   scripts/fuzz.sh smoke [SECONDS]        build every target, run each SECONDS (default 20) on
#                                          its corpus; any crash, leak of memory past the limit
#                                          or hang fails (CI runs this from scripts/test.sh)
#   scripts/fuzz.sh campaign HOURS [T...]  run each target (or the ones named) HOURS (decimals
#                                          allowed) one after another; writes a report
#   scripts/fuzz.sh list                   the targets
# Environment: FUZZ_JOBS (targets run at once; smoke 2, campaign 1), HARK_FIXTURES (seed
# fixtures, default ../shared/fixtures), FUZZ_BUILD=0 (run the targets as last built).
#
# Bounded memory: every run has -rss_limit_mb=2048 (and the same limit on one allocation) and
# -max_len at the largest input the parser must accept, so an unbounded or quadratic
# allocation is a crash, not a slow machine. One input taking over 25 s is a crash too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fixtures=${HARK_FIXTURES:-$root/../shared/fixtures}
fuzz=$root/fuzz
# cargo fuzz keeps its own target directory (fuzz/target): the flags differ from the workspace's.
unset CARGO_TARGET_DIR

targets() { for f in "$fuzz"/fuzz_targets/*.rs; do basename "$f" .rs; done; }

# Largest input each target must accept, and its dictionary.
max_len() {
  case $1 in
    query) echo 8192 ;;
    http) echo 16384 ;;
    dns_message | dns_rdata) echo 65535 ;;
    watch_rules) echo 65536 ;; # rule files and the lists it drives are small by hand
    link) echo 262144 ;;
    *) echo 1100000 ;; # captures, dnstap and Frame Streams frames, lines, zone entries: 1 MiB + headers
  esac
}
dict() {
  case $1 in
    dnstap | fstrm | live_session) echo "$fuzz/dict/dnstap.dict" ;;
    dns_message | dns_rdata | capture | zone | link) echo "$fuzz/dict/dns.dict" ;;
    watch_rules) echo "$fuzz/dict/watch.dict" ;;
  esac
}

lock() {
  if command -v flock >/dev/null; then flock -o /tmp/hark-cargo.lock "$@"; else "$@"; fi
}

build() {
  [ "${FUZZ_BUILD:-1}" = 0 ] && return
  command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
  echo "== cargo fuzz build"
  (cd "$root" && lock cargo fuzz build -s none)
}

seed() {
  python3 "$root/scripts/fuzz_seeds.py" "$fuzz" "$fixtures"
}

binary() { echo "$fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release/$1"; }

# run TARGET SECONDS: libFuzzer on TARGET for SECONDS; its log in fuzz/reports/TARGET.log;
# fails on a crash. libFuzzer's per-input timeout runs on wall time, so a machine that paused
# the fuzzer (a stopped process, a shared box) makes a false timeout: each timeout input is run
# again alone, and one that finishes well within the limit is logged, removed, and the run goes
# on for the time left. A real timeout, crash or memory limit stops it.
run() {
  local target=$1 seconds=$2 args=() started now left input
  local d; d=$(dict "$target")
  [ -n "$d" ] && args+=("-dict=$d")
  mkdir -p "$fuzz/corpus/$target" "$fuzz/artifacts/$target" "$fuzz/reports"
  local log=$fuzz/reports/$target.log
  : >"$log"
  started=$(date +%s)
  while :; do
    now=$(date +%s)
    left=$((seconds - (now - started)))
    [ "$left" -gt 0 ] || return 0
    if "$(binary "$target")" "$fuzz/corpus/$target" "${args[@]}" \
      -max_total_time="$left" -rss_limit_mb=2048 -max_len="$(max_len "$target")" -timeout=25 \
      -print_final_stats=1 -artifact_prefix="$fuzz/artifacts/$target/" >>"$log" 2>&1; then
      return 0
    fi
    grep -q -E '^==[0-9]+== ERROR: libFuzzer: timeout' "$log" || return 1
    for input in "$fuzz/artifacts/$target"/timeout-*; do
      [ -e "$input" ] || continue
      if timeout 5 "$(binary "$target")" -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
        "$input" >/dev/null 2>&1; then
        echo "hark: $(basename "$input") runs alone within 5 s: a paused fuzzer, not a finding" >>"$log"
        rm -f "$input"
      else
        return 1
      fi
    done
    # The timeout is settled: later stats lines start a new segment of the same run.
    sed -i -e 's/^==\([0-9]*\)== ERROR: libFuzzer: timeout/== (paused, re-run fine) \1 timeout/' \
      -e 's/^SUMMARY: libFuzzer: timeout/(paused, re-run fine) summary: timeout/' "$log"
  done
}

# summary TARGET: "execs cov ft corpus peak_rss" from the log's final stats (executions summed
# over the segments of a run that went on after a false timeout; printed whole, as awk would
# print billions in exponent form).
summary() {
  local log=$fuzz/reports/$1.log
  local execs rss last cov ft corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {if (NR) printf "%.0f\n", s}')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | sort -n | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.*corp: \([0-9]*\).*/\1/p' <<<"$last")
  echo "${execs:-0} ${cov:-?} ${ft:-?} ${corp:-?} ${rss:-?}"
}

# run_all SECONDS TARGET...: runs the targets FUZZ_JOBS at a time; prints a table; returns the
# number of targets that crashed.
run_all() {
  local seconds=$1; shift
  local jobs=${FUZZ_JOBS:-1} failed=0 pids=() names=() target i
  local status_dir; status_dir=$(mktemp -d)
  for target in "$@"; do
    # Each run has a temporary directory of its own, removed after it: a target's scratch
    # files (watch_rules keeps its list files in one for the life of the process) go with it.
    (
      TMPDIR=$(mktemp -d)
      export TMPDIR
      started=$(date +%s)
      run "$target" "$seconds" && echo ok >"$status_dir/$target" || echo crash >"$status_dir/$target"
      echo $(($(date +%s) - started)) >"$status_dir/$target.wall"
      rm -rf "$TMPDIR"
    ) &
    pids+=($!)
    names+=("$target")
    if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
  for i in "${pids[@]}"; do wait "$i"; done
  # Wall seconds as run: a crash stops a target before its time is up.
  printf '| target | wall s | execs | execs/s | cov | ft | corpus | peak RSS MB | result |\n|---|---|---|---|---|---|---|---|---|\n'
  for target in "${names[@]}"; do
    read -r execs cov ft corp rss <<<"$(summary "$target")"
    local wall; wall=$(cat "$status_dir/$target.wall")
    local rate=$((execs / (wall > 0 ? wall : 1)))
    local result; result=$(cat "$status_dir/$target")
    if [ "$result" != ok ]; then
      failed=$((failed + 1))
      result="CRASH: $(ls "$fuzz/artifacts/$target" | tr '\n' ' ')"
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "$target" "$wall" "$execs" "$rate" "$cov" "$ft" "$corp" "$rss" "$result"
  done
  rm -rf "$status_dir"
  for target in "${names[@]}"; do
    if grep -q -E '^==[0-9]+== (ERROR|libFuzzer)|panicked at|^SUMMARY' "$fuzz/reports/$target.log"; then
      echo "--- $target (fuzz/reports/$target.log):"
      grep -E -A12 'panicked at|^==[0-9]+== ERROR|out-of-memory|Timeout' "$fuzz/reports/$target.log" | head -30
    fi
  done >&2
  return "$failed"
}

case ${1:-} in
  list) targets ;;
  smoke)
    seconds=${2:-20}
    build
    seed
    mapfile -t all < <(targets)
    echo "== fuzz smoke: ${#all[@]} targets, ${seconds}s each"
    FUZZ_JOBS=${FUZZ_JOBS:-2} run_all "$seconds" "${all[@]}" || {
      echo "fuzz smoke: crashes (inputs in fuzz/artifacts/, logs in fuzz/reports/)" >&2
      exit 1
    }
    ;;
  campaign)
    hours=${2:?usage: scripts/fuzz.sh campaign HOURS [TARGET...]}
    shift 2
    seconds=$(python3 -c "print(max(1, round(float('$hours') * 3600)))")
    build
    seed
    if [ $# -gt 0 ]; then chosen=("$@"); else mapfile -t chosen < <(targets); fi
    mkdir -p "$fuzz/reports"
    # The process number too: campaigns started in the same second (parallel lanes) keep their own.
    report=$fuzz/reports/campaign-$(date -u +%Y%m%dT%H%M%SZ)-$$.md
    {
      echo "# Fuzz campaign $(date -u +%Y-%m-%dT%H:%MZ), ${seconds}s per target, $(nproc) cores, $(rustc --version)"
      echo
      FUZZ_JOBS=${FUZZ_JOBS:-1} run_all "$seconds" "${chosen[@]}" || true
    } | tee "$report"
    echo "report: $report"
    ! grep -q CRASH "$report"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
