#!/usr/bin/env bash
# paging.sh: how fast pages reach on-call staff on their WatchPages streams, on a stack of its own
# (Kafka + Redis in a fresh temporary directory, csec-timers and csec-paging from --bin), each
# figure beside a reference from the same run (issue 8: p99 <= 1 s from the deadline):
#
#   1. routed: N cases (1,000) routed at R/s (50): a CaseRouted on csec.routing.v1 (MART, team
#      mart-spa-6, advocacy saving-innocence, identified_at = when produced) -> the first
#      "case_routed" PageSent received on the on-call's WatchPages stream, p50/p99/max (split at
#      PageSent.sent_at: in the service | on the way out);
#   2. escalation: the protocol's arrival deadlines set to --arrival seconds (20), so each case's
#      responder_arrival and advocate_arrival come due, spread like the feed: DeadlineMissed.due_at
#      -> the escalation PageSent received on the supervisor lines' streams (mart-supervisor and
#      cph-supervisor; advocacy-supervisor and cph-supervisor), p50/p99/max, split into the timers
#      service's part (fired_at - due_at, read from csec.timers.v1) and paging's (received - fired_at);
#   3. references: a bare Kafka producer -> TopicTail reader (what WatchPages reads with) on the
#      same broker at the feed's rate, during the timed phase (same load) and alone afterwards with
#      the services stopped.
# A warm-up of W cases (50), the same shape and untimed, goes first (its deadlines pass before the
# timed cases are routed). Counts of missing, duplicate, repeated and unexpected pages, and the
# services' warnings and errors, are printed with the figures. Then a block to paste into the
# README (report.py) and a JSON summary.
#
#   tools/bench/paging/paging.sh [--n 1000] [--rate 50] [--arrival 20] [--warmup 50] [--grace 30]
#       [--floor-seconds 10] [--team mart-spa-6] [--bin DIR] [--bench-bin FILE]
#       [--config FILE] [--paging-config FILE] [--json FILE] [--keep]
#
# --grace: a page not received within its deadline (or its CaseRouted) + this is missing, and the
# timed phase ends at the last deadline + this at the latest. --team: a MART team of the configs.
# --bin: where csec-timers and csec-paging are (build/bin). --bench-bin: paging_bench (default
# --bin, else build/bin, else build-bench/bin; built in build/ when none exists). --config: the
# protocol config whose two `minutes: 90` arrival deadlines are rewritten; --paging-config:
# deploy/config/paging.yaml. --json: the summary (default $TMPDIR/csec-paging-bench-<UTC>.json).
# --keep: keep the temporary directory (logs, helper outputs); it is always kept after a failure.
#
# Needs: csec-timers, csec-paging, paging_bench, curl, python3. Never touches .stack/ or
# build/test-stack; everything listens on 127.0.0.1 and is stopped on exit. Takes about 1.5
# minutes with the defaults (stack start; warm-up W/R s + --arrival; timed N/R s + --arrival;
# the Kafka reference --floor-seconds).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

n=1000
rate=50
arrival=20
warmup=50
grace=30
floor_seconds=10
team=mart-spa-6
bin="$root/build/bin"
bench_bin=""
config="$root/deploy/config/protocol.yaml"
paging_config="$root/deploy/config/paging.yaml"
json=""
keep=0

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --arrival) arrival="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --grace) grace="$2"; shift 2 ;;
    --floor-seconds) floor_seconds="$2"; shift 2 ;;
    --team) team="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --paging-config) paging_config="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "paging: unknown argument $1" >&2; usage ;;
  esac
done
for v in n rate arrival grace floor_seconds; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "paging: --${v//_/-} must be a positive integer" >&2; exit 2; }
done
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "paging: --warmup must be a whole number" >&2; exit 2; }
[ -n "$json" ] || json="${TMPDIR:-/tmp}/csec-paging-bench-$(date -u +%Y%m%dT%H%M%SZ).json"

say() { echo "paging: $*" >&2; }
die() { echo "paging: error: $*" >&2; exit 1; }
source "$root/tools/bench/bench_stack.sh"
# A figure from a helper with 1 decimal; "never" for a page never received (inf), n/a if missing.
fig() { case "$1" in '') echo n/a ;; inf) echo never ;; *) calc "$1" "${2:-1}" ;; esac; }

# ------------------------------------------------------------------------------ binaries, configs

for service in csec-timers csec-paging; do
  [ -x "$bin/$service" ] || die "$bin/$service does not exist (build it: cmake --build build --target $service)"
done
bench_bin="$(find_bench_bin paging_bench "$bench_bin")"
command -v curl >/dev/null || die "curl is missing (tools/setup.sh installs it)"
[ -f "$config" ] || die "no protocol config at $config"
[ -f "$paging_config" ] || die "no paging config at $paging_config"

bench_stack_up csec-paging-bench

# The protocol config with both arrival deadlines (the only `minutes: 90` entries) at --arrival
# seconds and their reminders halfway, as tests/integration/timers_support.cc writes it.
protocol="$dir/protocol.yaml"
sed -e "s/^    minutes: 90\$/    seconds: $arrival/" \
    -e "s/remind_before: \[{minutes: 30}, {minutes: 10}\]/remind_before: [{seconds: $(( arrival / 2 > 0 ? arrival / 2 : 1 ))}]/" \
    "$config" >"$protocol"
[ "$(grep -c "^    seconds: $arrival\$" "$protocol")" = 2 ] ||
  die "$config does not have the two arrival deadlines as \`minutes: 90\` lines: cannot shorten them"

# ------------------------------------------------------------------------------ the services

launch() {  # name, extra flags...: starts csec-<name>; waits for its ready file
  local name="$1"; shift
  local ready="$dir/$name.ready.json" pid
  "$bin/csec-$name" --kafka_brokers="$KAFKA_BROKERS" --redis="$REDIS_ADDR" --config="$protocol" \
    --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --ready_file="$ready" --instance_id="$name-bench-0" \
    "$@" >>"$dir/logs/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  eval "${name}_pid=$pid"
  for _ in $(seq 1200); do
    [ -s "$ready" ] && return 0
    kill -0 "$pid" 2>/dev/null || die "csec-$name exited before it was ready (see $dir/logs/$name.log)"
    sleep 0.05
  done
  die "csec-$name was not ready within 60 s"
}
# The services' warnings and errors (JSON lines on stderr) in lines FROM..TO of their log: the
# count and the distinct events. Start-up ones (a fresh stack: "rebuild_started", the broker's
# coordinator still loading) are counted apart from those during the run and shutdown.
log_problems() {  # name, key prefix, from line, to line ($: the end)
  local lines
  lines="$(sed -n "$3,$4p" "$dir/logs/$1.log")"
  printf '%s_warnings=%s\n' "$2" "$(grep -c '"level":"warn' <<<"$lines" || true)"
  printf '%s_errors=%s\n' "$2" "$(grep -c '"level":"error' <<<"$lines" || true)"
  printf '%s_problem_events=%s\n' "$2" "$(grep -E '"level":"(warn|error)' <<<"$lines" |
    sed -n 's/.*"event":"\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = "; " }')"
}

"$bench_bin" setup \
  "brokers=$KAFKA_BROKERS" "redis=$REDIS_ADDR ($(redis-server --version 2>/dev/null | awk '{print $3}' | sed 's/^v=//'), deploy/redis/redis.conf)" \
  "stack dir=$dir/stack (fresh)" \
  "services=$bin/csec-timers, $bin/csec-paging (binaries of $(date -u -r "$bin/csec-timers" '+%H:%M:%S'), $(date -u -r "$bin/csec-paging" '+%H:%M:%S UTC %Y-%m-%d'))" \
  "feed=$n cases at $rate/s (MART, $team, saving-innocence), warm-up $warmup (untimed)" \
  "deadlines=responder_arrival and advocate_arrival $arrival s after identified_at (= produced)" \
  "grace=$grace s (missing = not received by deadline or CaseRouted + grace)" \
  "config=$protocol (from $config), paging config=$paging_config" \
  "load average=$(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start; the machine may be shared)" | tee "$dir/setup.out"
echo
"$bench_bin" ensure-topics --brokers "$KAFKA_BROKERS" 2>>"$dir/logs/bench.log" || die "could not create the csec topics"

launch timers
launch paging --paging_config="$paging_config"
paging_grpc="127.0.0.1:$(ready_port "$dir/paging.ready.json" grpc_port)"
say "csec-timers and csec-paging ready; PagingService at $paging_grpc"

# ------------------------------------------------------------------------------ 1 + 2: the run

timers_from=$(( $(wc -l <"$dir/logs/timers.log") + 1 ))
paging_from=$(( $(wc -l <"$dir/logs/paging.log") + 1 ))

say "warm-up: $warmup cases, then timed: $n cases at $rate/s, deadlines $arrival s later (about $(( (warmup + n) / rate + 2 * arrival + 10 )) s)"
"$bench_bin" run --brokers "$KAFKA_BROKERS" --paging "$paging_grpc" --n "$n" --rate "$rate" --arrival-s "$arrival" \
  --warmup "$warmup" --grace-s "$grace" --floor-rate "$rate" --team "$team" \
  >"$dir/run.out" 2> >(tee -a "$dir/logs/bench-run.log" >&2) &
run_pid=$!
pids+=("$run_pid")
rc=0
wait "$run_pid" || rc=$?
forget "$run_pid"
[ "$rc" = 0 ] || die "paging_bench run failed (see $dir/logs/bench-run.log)"
for s in timers paging; do
  pid_var="${s}_pid"
  kill -0 "${!pid_var}" 2>/dev/null || die "csec-$s exited during the run (see $dir/logs/$s.log)"
done
r() { fig "$(val "$dir/run.out" "$1")"; }
echo "== timed: $(val "$dir/run.out" pages_received) of $(val "$dir/run.out" pages_expected) pages; CaseRouted -> first page p50 $(r routed_first_p50_ms), p99 $(r routed_first_p99_ms) ms; deadline -> escalation page p50 $(r esc_page_p50_ms), p99 $(r esc_page_p99_ms) ms"

stop_pid "$paging_pid"
stop_pid "$timers_pid"
{
  log_problems timers timers "$timers_from" '$'; log_problems paging paging "$paging_from" '$'
  log_problems timers timers_startup 1 "$(( timers_from - 1 ))"; log_problems paging paging_startup 1 "$(( paging_from - 1 ))"
} >"$dir/logs.out"

# ------------------------------------------------------------------------------ 3: Kafka alone

say "reference: a bare producer -> TopicTail at $rate/s for $floor_seconds s (services stopped)"
"$bench_bin" kafka-floor --brokers "$KAFKA_BROKERS" --rate "$rate" --seconds "$floor_seconds" >"$dir/floor.out" \
  2>>"$dir/logs/bench-floor.log" || die "the Kafka reference failed (see $dir/logs/bench-floor.log)"

# ------------------------------------------------------------------------------ figures

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/logs.out"
echo
"$PY" "$here/report.py" --dir "$dir" --json "$json" || die "the report failed"
