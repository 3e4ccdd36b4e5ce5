#!/usr/bin/env bash
# timers.sh: csec-timers under load, beside BullMQ's delayed jobs on the same Redis with the same
# schedule, in one run on a stack of its own (Kafka + Redis in a fresh temporary directory,
# csec-timers from build/bin, BullMQ from tools/bench/timers/node_modules):
#
#   0. warm-up: W waits (20,000) spread over 2 s, untimed: warms the broker and the service and
#      measures how fast the service arms, which sizes the lead of the phases below;
#   1. spread: N waits (1,000,000) due evenly over a window (N / 10,000 s, at least 10 s: 10,000
#      fires/s demanded), starting once they are all armed: lateness p50/p99/max end to end
#      (WaitFired read - due_at) and in the service (fired_at - due_at), fires/s achieved, Redis
#      bytes per live timer (used_memory after all are armed, before the first is due, minus
#      before arming, / N; with csec_timers_live from /metrics), lost (not read by due + 30 s),
#      duplicates (a wait fired under two event ids) and raw repeats (same event id again);
#   2. burst: M waits (N / 5) due at one instant: fires/s = M / (due -> last one read);
#   3. recovery: R waits (100,000, at most N) due over the next --recovery-window (60 s); after
#      --kill-after (10 s) of firing csec-timers gets SIGKILL and is launched again at once under
#      the same --instance_id: time to resume (launch -> first WaitFired read after it), lost,
#      duplicates after dedupe, raw repeats, max lateness;
#   4. reference: a bare Kafka producer at the spread's rate and a reader like the bench's: the
#      end-to-end lateness Kafka alone adds to a fire made exactly on time;
#   5. peer: BullMQ (node bullmq_peer.mjs), csec-timers stopped first so they share no CPU: its
#      own warm-up, then the spread and the burst with the same N, M and schedule shape; one
#      Worker, --peer-concurrency (100) jobs at once; lateness = processor start - due.
# Then a table side by side (csec-timers | BullMQ | ratio | target), the setup, and a JSON summary.
#
#   tools/bench/timers/timers.sh [--n 1000000] [--window S] [--burst M] [--recovery R]
#       [--recovery-window 60] [--kill-after 10] [--warmup 20000] [--grace 30] [--peer-cap 120]
#       [--peer-concurrency 100] [--no-peer] [--shards 512] [--lease 10s] [--claim-batch 256]
#       [--bin DIR] [--bench-bin FILE] [--config FILE] [--json FILE] [--keep]
#
# --n: the spread's waits; --window, --burst and --recovery default from it as above, so
# `--n 100000` is a quick run (about 4 minutes). --grace: a wait not read within due + this is
# lost, and each csec phase ends at the last due instant + this at the latest. --peer-cap: a
# BullMQ phase ends at its last due instant + this (BullMQ may lag further than the grace: its
# jobs still in Redis then count as infinitely late). --shards/--lease/--claim-batch: csec-timers'
# --timer_shards (512: each shard stays a listpack at a million timers), --timer_lease,
# --timer_claim_batch. --bin: where csec-timers is (build/bin). --bench-bin: timers_bench
# (default build/bin, else build-tbench/bin; built in build/ when neither exists). --json: the
# summary (default $TMPDIR/csec-timers-bench-<UTC time>.json). --keep: keep the temporary
# directory (logs, helper outputs); it is always kept after a failure.
#
# Needs: csec-timers, timers_bench, redis-cli, curl, python3; node and npm for the peer (`npm ci`
# in tools/bench/timers when node_modules is missing or older than package-lock.json). Never
# touches .stack/ or build/test-stack; everything listens on 127.0.0.1 and is stopped on exit.
# Takes about 12-14 minutes with the defaults on 2 cores, 3.5 with --n 50000.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

n=1000000
window=""
burst=""
recovery=""
recovery_window=60
kill_after=10
warmup=20000
grace=30
peer_cap=120
peer_concurrency=100
peer=1
shards=512
lease=10s
claim_batch=256
bin="$root/build/bin"
bench_bin=""
config="$root/deploy/config/protocol.yaml"
json=""
keep=0

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --burst) burst="$2"; shift 2 ;;
    --recovery) recovery="$2"; shift 2 ;;
    --recovery-window) recovery_window="$2"; shift 2 ;;
    --kill-after) kill_after="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --grace) grace="$2"; shift 2 ;;
    --peer-cap) peer_cap="$2"; shift 2 ;;
    --peer-concurrency) peer_concurrency="$2"; shift 2 ;;
    --no-peer) peer=0; shift ;;
    --shards) shards="$2"; shift 2 ;;
    --lease) lease="$2"; shift 2 ;;
    --claim-batch) claim_batch="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "timers: unknown argument $1" >&2; usage ;;
  esac
done
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "timers: --n must be a positive integer" >&2; exit 2; }
[ -n "$window" ] || window=$(( n / 10000 < 10 ? 10 : n / 10000 ))
[ -n "$burst" ] || burst=$(( n / 5 < 1 ? 1 : n / 5 ))
[ -n "$recovery" ] || recovery=$(( n < 100000 ? n : 100000 ))
for v in window burst recovery recovery_window kill_after warmup grace peer_cap peer_concurrency shards claim_batch; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "timers: --${v//_/-} must be a positive integer" >&2; exit 2; }
done
[ "$kill_after" -lt "$recovery_window" ] || { echo "timers: --kill-after must be less than --recovery-window" >&2; exit 2; }
[ -n "$json" ] || json="${TMPDIR:-/tmp}/csec-timers-bench-$(date -u +%Y%m%dT%H%M%SZ).json"

say() { echo "timers: $*" >&2; }
die() { echo "timers: error: $*" >&2; exit 1; }
source "$root/tools/bench/bench_stack.sh"
# A figure from a helper with 1 decimal; "never" for a wait that never fired (inf), n/a if missing.
fig() { case "$1" in '') echo n/a ;; inf) echo never ;; *) calc "$1" "${2:-1}" ;; esac; }
# A Go-style duration (10s, 1500ms, 1m) in seconds, for the lease.
seconds_of() {
  case "$1" in
    *ms) calc "${1%ms} / 1000" ;;
    *s) calc "${1%s}" ;;
    *m) calc "${1%m} * 60" ;;
    *) die "cannot read the duration $1 (use e.g. 10s)" ;;
  esac
}
lease_seconds="$(seconds_of "$lease")"

# ------------------------------------------------------------------------------ binaries, node

[ -x "$bin/csec-timers" ] || die "$bin/csec-timers does not exist (build it: cmake --build build --target csec-timers)"
bench_bin="$(find_bench_bin timers_bench "$bench_bin")"
for tool in redis-cli curl; do command -v "$tool" >/dev/null || die "$tool is missing (tools/setup.sh installs it)"; done
timers_help="$("$bin/csec-timers" --helpfull 2>&1 || true)"
timer_flags=(--instance_id=timers-0)
for f in "timer_shards=$shards" "timer_lease=$lease" "timer_claim_batch=$claim_batch"; do
  if grep -q -- "--${f%%=*} " <<<"$timers_help"; then timer_flags+=("--$f"); else say "csec-timers has no --${f%%=*}: not passed"; fi
done

if [ "$peer" = 1 ]; then
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for the BullMQ peer (or pass --no-peer)"
  if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    say "installing the peer's packages (npm ci in $here)"
    (cd "$here" && npm ci --no-audit --no-fund >&2) || die "npm ci failed in $here"
  fi
  bullmq_version="$(node -p "require('$here/node_modules/bullmq/package.json').version")"
  ioredis_version="$(node -p "require('$here/node_modules/ioredis/package.json').version")"
  node_version="$(node --version)"
fi

# ------------------------------------------------------------------------------ our own stack

bench_stack_up csec-timers-bench
redis_info() { rcli INFO "$1" | tr -d '\r' | sed -n "s/^$2:\(.*\)$/\1/p"; }
# used_memory once no AOF rewrite runs (a rewrite holds extra buffers for a while).
redis_used_memory() {
  for _ in $(seq 600); do [ "$(redis_info persistence aof_rewrite_in_progress)" = 0 ] && break; sleep 0.1; done
  redis_info memory used_memory
}

# ------------------------------------------------------------------------------ csec-timers

timers_pid=""
metrics_url=""
launch_timers() {  # tag: launches csec-timers; sets timers_pid and launched_at
  rm -f "$dir/timers.ready.json"
  launched_at="$(now)"
  "$bin/csec-timers" --kafka_brokers="$KAFKA_BROKERS" --redis="$REDIS_ADDR" --config="$config" \
    --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --ready_file="$dir/timers.ready.json" \
    "${timer_flags[@]}" >>"$dir/logs/timers-$1.log" 2>&1 &
  timers_pid=$!
  pids+=("$timers_pid")
}
await_timers_ready() {  # sets metrics_url and ready_at
  for _ in $(seq 1200); do
    if [ -s "$dir/timers.ready.json" ]; then
      ready_at="$(now)"
      metrics_url="http://127.0.0.1:$(ready_port "$dir/timers.ready.json" http_port)/metrics"
      return 0
    fi
    kill -0 "$timers_pid" 2>/dev/null || die "csec-timers exited before it was ready (see $dir/logs)"
    sleep 0.05
  done
  die "csec-timers was not ready within 60 s"
}
# The service's metric (summed over its label sets), or empty when it has none.
metric() { curl -s --max-time 2 "$metrics_url" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2; f = 1 } END { if (f) printf "%.0f\n", s }'; }

# await_armed TAG N BASE_CONSUMED DEADLINE_UNIX: waits until the service has handled N more
# messages than BASE_CONSUMED (csec_kafka_consumed_total: each wait request it has put in Redis)
# or, without that metric, until Redis's used_memory has not moved for 3 s; gives up at the
# deadline. Writes TAG.armed.out: armed_unix, how, in_time (1 when done before the deadline).
await_armed() {
  "$PY" - "$metrics_url" "$2" "$3" "$4" "$redis_host" "$redis_port" >"$dir/$1.armed.out" <<'EOF'
import re, subprocess, sys, time, urllib.request
url, n, base, deadline, rhost, rport = sys.argv[1], int(sys.argv[2]), float(sys.argv[3] or -1), float(sys.argv[4]), sys.argv[5], sys.argv[6]
consumed = re.compile(r'^csec_kafka_consumed_total(\{[^}]*\})?\s+([0-9.e+]+)', re.M)
def metric():
    try:
        body = urllib.request.urlopen(url, timeout=1).read().decode()
    except Exception:
        return None
    values = [float(v) for _, v in consumed.findall(body)]
    return sum(values) if values else None
def used_memory():
    out = subprocess.run(['redis-cli', '-h', rhost, '-p', rport, 'INFO', 'memory'], capture_output=True, text=True).stdout
    m = re.search(r'^used_memory:(\d+)', out, re.M)
    return int(m.group(1)) if m else None
how, last_mem, still_since = None, None, None
while time.time() < deadline:
    v = metric() if base >= 0 else None
    if v is not None:
        how = 'csec_kafka_consumed_total'
        if v >= base + n:
            print('armed_unix=%.6f\nhow=%s\nin_time=1' % (time.time(), how))
            sys.exit(0)
    else:
        how = 'used_memory still for 3 s'
        mem = used_memory()
        if mem != last_mem:
            last_mem, still_since = mem, time.time()
        elif time.time() - still_since >= 3:
            print('armed_unix=%.6f\nhow=%s\nin_time=1' % (still_since, how))
            sys.exit(0)
    time.sleep(0.1)
print('armed_unix=%.6f\nhow=%s\nin_time=0' % (time.time(), how))
EOF
}

# run_phase TAG N WINDOW_MS LEAD_MS [flags...]: starts `timers_bench phase` in the background
# (phase_pid) and waits for its armed file (every request acknowledged by Kafka).
run_phase() {
  local tag="$1" count="$2" window_ms="$3" lead_ms="$4"; shift 4
  rm -f "$dir/$tag.armed"
  "$bench_bin" phase --brokers "$KAFKA_BROKERS" --n "$count" --window-ms "$window_ms" --lead-ms "$lead_ms" \
    --grace-s "$grace" --armed "$dir/$tag.armed" "$@" >"$dir/$tag.out" 2>>"$dir/logs/bench-$tag.log" &
  phase_pid=$!
  pids+=("$phase_pid")
  for _ in $(seq 6000); do
    [ -s "$dir/$tag.armed" ] && return 0
    kill -0 "$phase_pid" 2>/dev/null || die "timers_bench phase $tag ended before arming (see $dir/logs/bench-$tag.log)"
    sleep 0.05
  done
  die "timers_bench phase $tag did not arm within 300 s"
}
finish_phase() {  # tag
  local rc=0
  while kill -0 "$phase_pid" 2>/dev/null; do
    kill -0 "$timers_pid" 2>/dev/null || die "csec-timers exited during phase $1 (see $dir/logs)"
    sleep 0.2
  done
  wait "$phase_pid" || rc=$?
  forget "$phase_pid"
  [ "$rc" = 0 ] || die "timers_bench phase $1 failed (see $dir/logs/bench-$1.log)"
}
# The lead (ms) for N waits: the time the service takes to arm them at the warm-up's rate (a cold
# service's, so on the slow side), 1.2x, plus 5 s (at least 10 s): all are in Redis before the
# first is due.
lead_ms() { awk -v n="$1" -v r="$arm_rate" 'BEGIN { s = 1.2 * n / r + 5; if (s < 10) s = 10; printf "%d", s * 1000 }'; }
# Redis bytes per wait: (after - before) / n.
per_item() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (a - b) / n }'; }

"$bench_bin" setup \
  "brokers=$KAFKA_BROKERS" "redis=$REDIS_ADDR ($(redis-server --version 2>/dev/null | awk '{print $3}' | sed 's/^v=//'), deploy/redis/redis.conf: AOF everysec, listpack limits 512)" \
  "stack dir=$dir/stack (fresh)" "service=$bin/csec-timers ${timer_flags[*]} (binary of $(date -u -r "$bin/csec-timers" '+%Y-%m-%d %H:%M:%S UTC'))" \
  "peer=$([ "$peer" = 1 ] && echo "BullMQ $bullmq_version (ioredis $ioredis_version, node $node_version), one Worker, concurrency $peer_concurrency" || echo "none (--no-peer)")" \
  "spread=$n waits over $window s ($(( n / window ))/s demanded), 4 a case" "burst=$burst waits due at one instant" \
  "recovery=$recovery waits over $recovery_window s, SIGKILL after $kill_after s of firing" \
  "warm-up=$warmup waits over 2 s (untimed)" "grace=$grace s (lost = not read by due + grace)" \
  "config=$config" | tee "$dir/setup.out"
echo
"$bench_bin" ensure-topics --brokers "$KAFKA_BROKERS" 2>>"$dir/logs/bench.log" || die "could not create the csec topics"

launch_timers main
await_timers_ready
say "csec-timers ready after $(calc "$ready_at - $launched_at") s; metrics at $metrics_url"

# ------------------------------------------------------------------------------ 0. warm-up

say "warm-up: $warmup waits"
base="$(metric csec_kafka_consumed_total)"
run_phase warmup "$warmup" 2000 15000 --linger-s 0
await_armed warmup "$warmup" "$base" "$(calc "$(now) + 120")"
arm_rate="$(awk -v n="$warmup" -v a="$(val "$dir/warmup.armed.out" armed_unix)" -v s="$(val "$dir/warmup.armed" arm_start_unix)" \
  'BEGIN { d = a - s; if (d < 0.05) d = 0.05; printf "%.0f", n / d }')"
finish_phase warmup
echo "== warm-up: $warmup waits armed by the service at $arm_rate/s (measured by $(val "$dir/warmup.armed.out" how)); lateness end to end p50 $(fig "$(val "$dir/warmup.out" late_p50_ms)" 1) ms, p99 $(fig "$(val "$dir/warmup.out" late_p99_ms)" 1) ms (untimed)"

# ------------------------------------------------------------------------------ 1. spread

lead="$(lead_ms "$n")"
say "spread: $n waits over $window s, first due $(( lead / 1000 )) s after arming begins"
mem_before="$(redis_used_memory)"
keys_before="$(rcli DBSIZE)"
live_before="$(metric csec_timers_live)"
base="$(metric csec_kafka_consumed_total)"
run_phase spread "$n" "$(( window * 1000 ))" "$lead"
first_due="$(val "$dir/spread.armed" first_due_unix)"
await_armed spread "$n" "$base" "$(calc "$first_due - 1")"
mem_after="$(redis_used_memory)"
measured_at="$(now)"
keys_after="$(rcli DBSIZE)"
# The service refreshes csec_timers_live every 5 s: give it that long to show the new timers,
# if the first is not due before.
live_after="$(metric csec_timers_live)"
until [ -z "$live_after" ] || [ "$live_after" -ge "$n" ] || awk -v t="$(now)" -v m="$measured_at" -v f="$first_due" \
    'BEGIN { exit !(t > m + 6 || t > f - 0.5) }'; do
  sleep 0.2
  live_after="$(metric csec_timers_live)"
done
{
  echo "mem_before=$mem_before"; echo "mem_after=$mem_after"; echo "keys_before=$keys_before"; echo "keys_after=$keys_after"
  echo "live_before=${live_before:-}"; echo "live_after=${live_after:-}"
  echo "bytes_per_timer=$(per_item "$mem_after" "$mem_before" "$n")"
  echo "measured_before_first_due=$(awk -v m="$measured_at" -v f="$first_due" 'BEGIN { print (m < f) ? 1 : 0 }')"
  echo "service_arm_seconds=$(calc "$(val "$dir/spread.armed.out" armed_unix) - $(val "$dir/spread.armed" arm_start_unix)")"
} >"$dir/spread.mem"
finish_phase spread
echo "== spread: $(val "$dir/spread.out" read) of $n fired; end to end p50 $(fig "$(val "$dir/spread.out" late_p50_ms)" 1) ms, p99 $(fig "$(val "$dir/spread.out" late_p99_ms)" 1) ms, max $(fig "$(val "$dir/spread.out" late_max_ms)" 1) ms; $(fig "$(val "$dir/spread.out" fire_rate)" 0) fires/s; $(val "$dir/spread.mem" bytes_per_timer) Redis bytes per live timer"

# ------------------------------------------------------------------------------ 2. burst

lead="$(lead_ms "$burst")"
say "burst: $burst waits due at one instant, $(( lead / 1000 )) s after arming begins"
mem_before="$(redis_used_memory)"
base="$(metric csec_kafka_consumed_total)"
run_phase burst "$burst" 0 "$lead"
await_armed burst "$burst" "$base" "$(calc "$(val "$dir/burst.armed" first_due_unix) - 1")"
mem_after="$(redis_used_memory)"
echo "bytes_per_timer=$(per_item "$mem_after" "$mem_before" "$burst")" >"$dir/burst.mem"
finish_phase burst
echo "== burst: $(val "$dir/burst.out" read) of $burst fired; $(fig "$(val "$dir/burst.out" fire_rate)" 0) fires/s; end to end p50 $(fig "$(val "$dir/burst.out" late_p50_ms)" 1) ms, max $(fig "$(val "$dir/burst.out" late_max_ms)" 1) ms"

# ------------------------------------------------------------------------------ 3. recovery

lead="$(lead_ms "$recovery")"
say "recovery: $recovery waits over $recovery_window s; SIGKILL $kill_after s after the first is due"
base="$(metric csec_kafka_consumed_total)"
# Repeats after a crash come a lease after the lost claim: read that long after the last fire.
run_phase recovery "$recovery" "$(( recovery_window * 1000 ))" "$lead" \
  --restart-info "$dir/recovery.restart" --linger-s "$(calc "$lease_seconds + 5" 0)"
kill_at="$(calc "$(val "$dir/recovery.armed" first_due_unix) + $kill_after")"
await_armed recovery "$recovery" "$base" "$(val "$dir/recovery.armed" first_due_unix)"
sleep "$(awk -v k="$kill_at" -v t="$(now)" 'BEGIN { d = k - t; printf "%.3f", (d > 0 ? d : 0) }')"
killed_at="$(now)"
kill -KILL "$timers_pid"
wait "$timers_pid" 2>/dev/null || true
forget "$timers_pid"
launch_timers restarted
printf 'killed_at=%s\nlaunched_at=%s\n' "$killed_at" "$launched_at" >"$dir/recovery.restart"
await_timers_ready
echo "ready_seconds=$(calc "$ready_at - $launched_at")" >>"$dir/recovery.restart"
finish_phase recovery
echo "== recovery: SIGKILL at first due + $kill_after s, launched again at once; resumed firing $(fig "$(val "$dir/recovery.out" resume_seconds)" 2) s after launch; lost $(val "$dir/recovery.out" lost), duplicates $(val "$dir/recovery.out" duplicates), raw repeats $(val "$dir/recovery.out" raw_repeats)"
stop_pid "$timers_pid"

# ------------------------------------------------------------------------------ 4. Kafka's floor

floor_rate=$(( n / window ))
say "reference: a bare producer -> reader at $floor_rate/s for 10 s (csec-timers stopped)"
"$bench_bin" kafka-floor --brokers "$KAFKA_BROKERS" --rate "$floor_rate" --seconds 10 >"$dir/floor.out" 2>>"$dir/logs/bench-floor.log" ||
  die "the Kafka reference failed (see $dir/logs/bench-floor.log)"
echo "== Kafka alone at $floor_rate/s: end to end p50 $(fig "$(val "$dir/floor.out" floor_late_p50_ms)" 1) ms, p99 $(fig "$(val "$dir/floor.out" floor_late_p99_ms)" 1) ms, max $(fig "$(val "$dir/floor.out" floor_late_max_ms)" 1) ms"

# ------------------------------------------------------------------------------ 5. BullMQ

peer_run() {  # tag phase n window_ms lead_ms
  node "$here/bullmq_peer.mjs" --redis "$REDIS_ADDR" --phase "$2" --n "$3" --window-ms "$4" --lead-ms "$5" \
    --concurrency "$peer_concurrency" --grace-s "$grace" --cap-s "$peer_cap" >"$dir/$1.out" 2>>"$dir/logs/$1.log" &
  local pid=$! rc=0
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  [ "$rc" = 0 ] || die "the BullMQ peer ($1) failed (see $dir/logs/$1.log)"
}
if [ "$peer" = 1 ]; then
  say "BullMQ warm-up: $warmup jobs"
  peer_run peer-warmup warmup "$warmup" 2000 5000
  peer_add_rate="$(val "$dir/peer-warmup.out" peer_add_rate)"
  peer_lead() { awk -v n="$1" -v r="$peer_add_rate" 'BEGIN { s = 1.2 * n / r + 5; if (s < 10) s = 10; printf "%d", s * 1000 }'; }
  echo "== BullMQ warm-up: $warmup jobs added at $(calc "$peer_add_rate" 0)/s (untimed)"
  say "BullMQ spread: $n jobs over $window s"
  peer_run peer-spread spread "$n" "$(( window * 1000 ))" "$(peer_lead "$n")"
  echo "== BullMQ spread: $(val "$dir/peer-spread.out" peer_processed) of $n processed; p50 $(fig "$(val "$dir/peer-spread.out" peer_late_p50_ms)" 1) ms, p99 $(fig "$(val "$dir/peer-spread.out" peer_late_p99_ms)" 1) ms; $(fig "$(val "$dir/peer-spread.out" peer_fire_rate)" 0) jobs/s; $(val "$dir/peer-spread.out" peer_bytes_per_job) Redis bytes per delayed job"
  say "BullMQ burst: $burst jobs due at one instant"
  peer_run peer-burst burst "$burst" 0 "$(peer_lead "$burst")"
  echo "== BullMQ burst: $(val "$dir/peer-burst.out" peer_processed) of $burst processed; $(fig "$(val "$dir/peer-burst.out" peer_fire_rate)" 0) jobs/s"
fi

# ------------------------------------------------------------------------------ table, JSON

echo
"$PY" "$here/report.py" --dir "$dir" --json "$json" --n "$n" --window "$window" --burst "$burst" \
  --recovery "$recovery" --recovery-window "$recovery_window" --kill-after "$kill_after" --grace "$grace" \
  --peer-cap "$peer_cap" --peer "$peer" --lease "$lease_seconds" ||
  die "the report failed"
