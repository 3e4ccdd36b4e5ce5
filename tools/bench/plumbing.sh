#!/usr/bin/env bash
# plumbing.sh: four figures of the plumbing, each beside a reference measured in the same run, on
# a stack of its own (Kafka + Redis in a fresh temporary directory, the services from build/bin):
#
#   1. intake: durable ReportIdentification/s at C concurrent callers (ghz), beside the same
#      intake process's grpc.health.v1.Health/Check/s at the same concurrency, twice: with ghz
#      rendering a template into every request (bench-{{.UUID}}), and with pre-rendered requests
#      (arrays of unique referrals from `plumbing_bench referral-json --count M`, no template);
#   2. routing: CaseRouted/s on N referrals already waiting on csec.intake.v1, beside a bare
#      idempotent acks=all producer (csec::KafkaProducer, async) writing those N referrals;
#   3. routing killed with SIGKILL and launched again: seconds from the launch until a referral
#      produced after the kill is read back routed, beside a clean first start timed the same way;
#   4. the case view rebuilt by a new projector group (a second intake with a new
#      --case_view_group): events/s, beside a plain reader of the same topics (ScanTopic).
#
#   tools/bench/plumbing.sh [--n 20000] [--concurrency 32] [--connections C] [--duration 10s]
#                           [--warmup 2s] [--restarts 3] [--bin DIR] [--bench-bin FILE]
#                           [--config FILE] [--keep]
#
# --n: referrals for the routing figure. --concurrency/--connections: ghz workers and HTTP/2
# connections (default one connection per worker). --duration/--warmup: each timed ghz phase and
# the untimed one before it. --bin: where csec-intake and csec-routing are (build/bin).
# --bench-bin: plumbing_bench (default build/bin/plumbing_bench, else build-bench/bin/...; built
# with `cmake --build build --target plumbing_bench` when neither exists). --config: the protocol
# YAML the services load (deploy/config/protocol.yaml). --keep: keep the temporary directory
# (logs, ghz JSON, helper outputs) instead of deleting it; it is always kept after a failure.
#
# Order: routing's clean start, routing throughput, the restarts (intake not running, so Redis and
# the CPUs are routing's), then intake under ghz (routing stopped: intake alone, after its
# projector has read what is already on the topics), then the rebuild (nothing else running; the
# case view's events and version keys are deleted first, so it is a rebuild into an empty store).
#
# The intake phases, each a ghz warm-up then a timed run with the same settings, on one intake
# process: Health/Check, reports (templated), reports (pre-rendered). The pre-rendered arrays are
# sized from the templated phase's call rate (3x, plus C, at most 150000 each): one for the
# warm-up and one for the timed run, with different keys, since ghz starts at element 0 in each
# run. A repeated referral would take intake's cheap duplicate path, so the run checks that ghz
# made fewer calls than each array holds, and marks the figure INVALID when not. Before the
# pre-rendered phase the projector reads what the templated one wrote, so both report phases
# start on an intake that is warm, caught up and idle.
#
# Needs: the built services, redis-cli, curl, kcat, python3, and ghz (installed with `go install`
# into $(go env GOPATH)/bin when missing). Never touches .stack/ or build/test-stack; everything it
# starts listens on 127.0.0.1 and is stopped on exit, failure included. Takes about 1-3 minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

n=20000
concurrency=32
connections=""
duration=10s
warmup=2s
restarts=3
bin="$root/build/bin"
bench_bin=""
config="$root/deploy/config/protocol.yaml"
keep=0
ghz_version="v0.120.0"

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --restarts) restarts="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "plumbing: unknown argument $1" >&2; usage ;;
  esac
done
[ -n "$connections" ] || connections="$concurrency"
for v in n concurrency connections restarts; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "plumbing: --$v must be a positive integer" >&2; exit 2; }
done

say() { echo "plumbing: $*" >&2; }
die() { echo "plumbing: error: $*" >&2; exit 1; }
source "$root/tools/bench/bench_stack.sh"
# The system python3 starts faster than a pyenv shim; only the standard library is used.
# a / b with `digits` decimals, or n/a when either is missing or b is 0.
ratio() {
  if [ -z "$1" ] || [ -z "$2" ] || [ "$1" = n/a ] || [ "$2" = n/a ] || awk "BEGIN { exit !($2 == 0) }"; then
    echo n/a
  else
    awk "BEGIN { printf \"%.${3:-3}f\", ($1) / ($2) }"
  fi
}
# A number without decimals, or n/a.
int() { case "$1" in ''|n/a|nan) echo n/a ;; *) printf '%.0f' "$1" ;; esac; }
# A Go duration as ghz -z takes it (10s, 1m30s, 500ms) in seconds.
go_seconds() {
  "$PY" - "$1" <<'EOF'
import re, sys
units = {'h': 3600, 'm': 60, 's': 1, 'ms': 1e-3, 'us': 1e-6, 'µs': 1e-6, 'ns': 1e-9}
parts = re.findall(r'([0-9]+(?:\.[0-9]*)?)(h|ms|m|s|us|µs|ns)', sys.argv[1])
if not parts or ''.join(a + b for a, b in parts) != sys.argv[1]:
    sys.exit(1)
print('%.6f' % sum(float(a) * units[b] for a, b in parts))
EOF
}
warmup_seconds="$(go_seconds "$warmup")" || { echo "plumbing: --warmup must be a duration such as 2s" >&2; exit 2; }
duration_seconds="$(go_seconds "$duration")" || { echo "plumbing: --duration must be a duration such as 10s" >&2; exit 2; }

# ------------------------------------------------------------------------------ binaries, ghz

for s in intake routing; do
  if [ ! -x "$bin/csec-$s" ]; then
    [ "$bin" = "$root/build/bin" ] || die "$bin/csec-$s does not exist"
    say "build/bin/csec-$s is missing: building (tools/build.sh)"
    "$root/tools/build.sh" >&2
  fi
done
bench_bin="$(find_bench_bin plumbing_bench "$bench_bin")"
for tool in redis-cli curl kcat; do command -v "$tool" >/dev/null || die "$tool is missing (tools/setup.sh installs it)"; done

ghz="$(command -v ghz || true)"
if [ -z "$ghz" ] && command -v go >/dev/null; then
  gobin="$(go env GOPATH)/bin"
  [ -x "$gobin/ghz" ] && ghz="$gobin/ghz"
fi
if [ -z "$ghz" ]; then
  command -v go >/dev/null || die "ghz is missing and there is no Go to install it with"
  say "installing ghz $ghz_version with $(go version | awk '{print $3}') (a few minutes, once)"
  GOFLAGS=-mod=mod go install "github.com/bojand/ghz/cmd/ghz@$ghz_version" >&2 ||
    die "go install github.com/bojand/ghz/cmd/ghz@$ghz_version failed"
  ghz="$(go env GOPATH)/bin/ghz"
fi
ghz_version_text="$("$ghz" --version 2>&1 | head -1 || true)"
# A `go install` build calls itself "dev".
[ "$ghz_version_text" = "dev" ] && ghz_version_text="$ghz (a go install build, \"dev\"; this script installs $ghz_version)"

# What the service binaries support: --instance_id (static membership) is new.
routing_help="$("$bin/csec-routing" --helpfull 2>&1 || true)"
intake_help="$("$bin/csec-intake" --helpfull 2>&1 || true)"
routing_static=0; intake_static=0
grep -q -- "instance_id" <<<"$routing_help" && routing_static=1
grep -q -- "instance_id" <<<"$intake_help" && intake_static=1
# The consumer session timeout: the flag's default if there is one, else the source's constant.
session_timeout="$(sed -n 's/.*-kafka_session_timeout.*default: \([^;]*\);.*/\1/p' <<<"$routing_help" | head -1)"
if [ -z "$session_timeout" ]; then
  session_timeout="$(tr '\n' ' ' <<<"$routing_help" | sed -n 's/.*-kafka_session_timeout ([^)]*); *default: \([^;]*\);.*/\1/p' | head -1)"
fi
if [ -n "$session_timeout" ]; then
  session_timeout="$session_timeout (--kafka_session_timeout default; not passed)"
else
  ms="$(grep -ho 'session.timeout.ms"\] = "[0-9]*"' "$root"/services/common/kafka*.cc 2>/dev/null | grep -o '[0-9]\+' | head -1 || true)"
  if [ -n "$ms" ]; then
    session_timeout="$(calc "$ms/1000" 0) s (session.timeout.ms in services/common; not a flag of this binary)"
  else
    session_timeout="unknown (no --kafka_session_timeout flag; old binaries hard-code 10 s)"
  fi
fi

# ------------------------------------------------------------------------------ our own stack

bench_stack_up csec-plumbing
redis_used_memory() { rcli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'; }

# ------------------------------------------------------------------------------ services

# launch NAME TAG READY_FILE [flags...]: starts build/bin/csec-NAME in the background on ports the
# OS picks; sets launched_pid and launched_at (wall clock, just before the exec).
launch() {
  local name="$1" tag="$2" ready="$3"; shift 3
  rm -f "$ready"
  launched_at="$(now)"
  "$bin/csec-$name" --kafka_brokers="$KAFKA_BROKERS" --redis="$REDIS_ADDR" \
    --config="$config" --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
    --ready_file="$ready" "$@" >>"$dir/logs/$tag.log" 2>&1 &
  launched_pid=$!
  pids+=("$launched_pid")
}

await_ready() {  # pid ready_file what
  for _ in $(seq 600); do
    [ -s "$2" ] && return 0
    kill -0 "$1" 2>/dev/null || die "$3 exited before it was ready (see its log)"
    sleep 0.1
  done
  die "$3 was not ready within 60 s"
}


routing_flags=()
[ "$routing_static" = 1 ] && routing_flags+=(--instance_id=bench-routing-0)
routing_pid=""
start_routing() {
  launch routing routing "$dir/routing.ready.json" "${routing_flags[@]}"
  routing_pid="$launched_pid"
}

# probe TAG: the helper reads csec.routing.v1 up to its end and writes TAG.ready; then this
# script (re)starts routing and creates TAG.go; the helper produces one referral and waits for its
# CaseRouted. Sets probe_pid; finish with probe_result.
probe_start() {
  rm -f "$dir/$1.ready" "$dir/$1.go"
  "$bench_bin" probe --brokers "$KAFKA_BROKERS" --ready "$dir/$1.ready" --go "$dir/$1.go" --timeout 120 \
    --run "$(basename "$dir")-$1" >"$dir/$1.out" 2>>"$dir/logs/bench.log" &
  probe_pid=$!
  pids+=("$probe_pid")
  await_ready "$probe_pid" "$dir/$1.ready" "the probe reader"
}
probe_result() {  # tag → sets probe_seconds (launch → routed read) and ready_seconds (launch → ready file)
  local rc=0
  while kill -0 "$probe_pid" 2>/dev/null; do
    kill -0 "$routing_pid" 2>/dev/null || die "routing exited (see its log: $dir/logs/routing.log)"
    sleep 0.05
  done
  wait "$probe_pid" || rc=$?
  forget "$probe_pid"
  [ "$rc" = 0 ] || die "the probe referral ($1) was not routed; see $dir/logs/routing.log"
  probe_seconds="$(calc "$(val "$dir/$1.out" probe_routed_at) - $launched_at")"
  local ready_mtime
  ready_mtime="$(stat -c %.9Y "$dir/routing.ready.json" 2>/dev/null || echo "")"
  if [ -n "$ready_mtime" ]; then ready_seconds="$(calc "$ready_mtime - $launched_at")"; else ready_seconds="?"; fi
}

# await_projector GROUP METRICS_URL MESSAGES DISTINCT_EVENTS LAUNCHED_AT TIMEOUT OUT: polls until
# the projector group has handled every message: csec_kafka_consumed_total{group=...} on
# /metrics (group GROUP-<intake epoch>: intake appends its state epoch) reaching MESSAGES or, without that metric (older binaries), the case view in Redis
# holding DISTINCT_EVENTS events (sum of csec:case:{id}:version). Writes key=value lines to OUT.
await_projector() {
  "$PY" - "$@" "$redis_host" "$redis_port" <<'EOF'
import re, subprocess, sys, time, urllib.request
group, url_file, messages, distinct, launched, timeout, out, rhost, rport = sys.argv[1:10]
messages, distinct, launched, timeout = int(messages), int(distinct), float(launched), float(timeout)
SUM_VERSIONS = """
local cursor, total = '0', 0
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do total = total + tonumber(redis.call('GET', k) or '0') end
until cursor == '0'
return total
"""
metric = re.compile(r'^csec_kafka_consumed_total\{([^}]*)\}\s+([0-9.e+]+)', re.M)
def from_metrics():
    try:
        with open(url_file) as f:
            url = f.read().strip()
        if not url:
            return None, False
        body = urllib.request.urlopen(url, timeout=1).read().decode()
    except Exception:
        return None, False
    values = [float(v) for labels, v in metric.findall(body) if 'group="%s-' % group in labels]
    return (sum(values) if values else None), True
def from_redis():
    r = subprocess.run(['redis-cli', '-h', rhost, '-p', rport, 'EVAL', SUM_VERSIONS, '0', 'csec:case:*}:version'],
                       capture_output=True, text=True)
    try:
        return float(r.stdout.strip().split()[-1])
    except Exception:
        return None
mode, target, first_at, first_value, done_at, value = None, 0, None, None, None, 0.0
deadline = launched + timeout
while time.time() < deadline:
    v, served = from_metrics()
    new_mode = mode
    if v is not None:
        new_mode, target = 'metric csec_kafka_consumed_total{group="%s"}' % group, messages
    elif served or mode is not None or time.time() - launched > 1:
        # No metric (yet): the case view's event count. A metric that shows up later wins.
        if mode is None or mode.startswith('redis'):
            v = from_redis()
            if v is not None:
                new_mode, target = 'redis: events in the case view (sum of csec:case:*:version)', distinct
    if new_mode != mode:
        first_at, first_value = None, None  # progress is counted in the new mode's units
        mode = new_mode
    t = time.time()
    if v is not None:
        value = v
        if v > 0 and first_at is None:
            first_at, first_value = t, v
        if v >= target:
            done_at = t
            break
    time.sleep(0.05 if mode and mode.startswith('metric') else 0.2)
with open(out, 'w') as f:
    f.write('mode=%s\n' % mode)
    f.write('value=%d\n' % value)
    f.write('target=%d\n' % target)
    if first_at is not None:
        f.write('first_seconds=%.6f\nfirst_value=%d\n' % (first_at - launched, first_value))
    if done_at is not None:
        f.write('done_seconds=%.6f\n' % (done_at - launched))
sys.exit(0 if done_at is not None else 1)
EOF
}

clear_case_view() {  # deletes the case view (events and version keys) only: not keys nor reservations
  local script="local c, n = '0', 0 repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) c = r[1] for _, k in ipairs(r[2]) do redis.call('UNLINK', k) n = n + 1 end until c == '0' return n"
  local a b
  a="$(rcli EVAL "$script" 0 'csec:case:*}:events')"
  b="$(rcli EVAL "$script" 0 'csec:case:*}:version')"
  echo "$((a + b))"
}

# ------------------------------------------------------------------------------ setup block

"$bench_bin" setup \
  "brokers=$KAFKA_BROKERS" "redis=$REDIS_ADDR ($(redis-server --version 2>/dev/null | awk '{print $3}'))" \
  "stack dir=$dir/stack (fresh)" "services=$bin (csec-intake, csec-routing)" \
  "ghz=$ghz_version_text" "N=$n referrals (routing)" "C=$concurrency ghz workers on $connections connections" \
  "ghz phases=$warmup warm-up (untimed), then $duration timed, each: Health/Check, reports (templated), reports (pre-rendered)" \
  "config=$config" "restarts=$restarts (SIGKILL, relaunch at once)" \
  "membership=routing $([ "$routing_static" = 1 ] && echo "--instance_id=bench-routing-0" || echo "no (binary lacks --instance_id)"), intake $([ "$intake_static" = 1 ] && echo "--instance_id" || echo "no")" \
  "group session=$session_timeout"
echo
"$bench_bin" ensure-topics --brokers "$KAFKA_BROKERS" 2>>"$dir/logs/bench.log" || die "could not create the csec topics"
# The first consumer group on a new broker creates and loads __consumer_offsets (about a second,
# once per cluster): a throwaway group does that here, so the clean start below is routing's own.
if command -v kcat >/dev/null; then
  timeout 60 kcat -b "$KAFKA_BROKERS" -G plumbing-bench-warmup -e -q -o end csec.deadletter.v1 \
    >/dev/null 2>>"$dir/logs/bench.log" || say "warming the group coordinator with kcat failed (the clean start includes it)"
fi

# ------------------------------------------------------------------------------ 3a. routing, clean start

echo "== routing: first, clean start (empty topics, new group)"
probe_start clean
start_routing
touch "$dir/clean.go"
probe_result clean
clean_seconds="$probe_seconds"
printf '  launch -> probe referral routed and read: %s s (ready file after %s s)\n' "$clean_seconds" "$ready_seconds"
stop_pid "$routing_pid"

# ------------------------------------------------------------------------------ 2. routing throughput

echo "== routing: $n referrals waiting on csec.intake.v1, then routing started"
mem_before="$(redis_used_memory)"
"$bench_bin" load-referrals --brokers "$KAFKA_BROKERS" --n "$n" --ids "$dir/load.ids" \
  --run "$(basename "$dir")" >"$dir/load.out" 2>>"$dir/logs/bench.log" || die "writing the referrals failed: $(cat "$dir/load.out")"
load_rate="$(val "$dir/load.out" load_rate)"
printf '  bare producer (csec::KafkaProducer, idempotent, acks=all, async): %d msgs in %.3f s = %.0f msgs/s, %.0f bytes each\n' \
  "$(val "$dir/load.out" load_acked)" "$(val "$dir/load.out" load_seconds)" "$load_rate" "$(val "$dir/load.out" load_bytes_avg)"

rm -f "$dir/routed.ready"
timeout_routed=$(( n / 100 + 120 ))
"$bench_bin" await-routed --brokers "$KAFKA_BROKERS" --ids "$dir/load.ids" --ready "$dir/routed.ready" \
  --timeout "$timeout_routed" >"$dir/routed.out" 2>>"$dir/logs/bench.log" &
await_pid=$!
pids+=("$await_pid")
await_ready "$await_pid" "$dir/routed.ready" "the CaseRouted reader"
start_routing
routing_launched_at="$launched_at"
rc=0
while kill -0 "$await_pid" 2>/dev/null; do
  kill -0 "$routing_pid" 2>/dev/null || die "routing exited (see its log: $dir/logs/routing.log)"
  sleep 0.1
done
wait "$await_pid" || rc=$?
forget "$await_pid"
[ "$rc" = 0 ] || die "not every CaseRouted arrived within $timeout_routed s: $(val "$dir/routed.out" routed_seen) of $n"
mem_after="$(redis_used_memory)"
routed_rate="$(val "$dir/routed.out" routed_rate)"
routed_ratio="$(ratio "$routed_rate" "$load_rate")"
redis_per_event="$(calc "($mem_after - $mem_before) / $n" 0)"
printf '  CaseRouted read: %d of %d; first %.3f s after launch, last %.3f s; %.0f CaseRouted/s (first to last), %.0f bytes each\n' \
  "$(val "$dir/routed.out" routed_seen)" "$n" \
  "$(calc "$(val "$dir/routed.out" routed_first_at) - $routing_launched_at")" \
  "$(calc "$(val "$dir/routed.out" routed_last_at) - $routing_launched_at")" "$routed_rate" \
  "$(val "$dir/routed.out" routed_bytes_avg)"
printf '  ratio to the bare producer: %s\n' "$routed_ratio"
printf '  Redis used_memory %d -> %d bytes: %s bytes per handled event (routing, incl. dedupe markers)\n' \
  "$mem_before" "$mem_after" "$redis_per_event"

# ------------------------------------------------------------------------------ 3b. routing, SIGKILL + restart

echo "== routing: SIGKILL, launched again at once$([ "$routing_static" = 1 ] && echo " (same --instance_id)"), one referral produced after the kill"
restart_seconds=()
for i in $(seq "$restarts"); do
  sleep 1  # the group settled after the previous start
  probe_start "restart$i"
  kill -KILL "$routing_pid"
  wait "$routing_pid" 2>/dev/null || true
  forget "$routing_pid"
  start_routing
  touch "$dir/restart$i.go"
  probe_result "restart$i"
  restart_seconds+=("$probe_seconds")
  printf '  restart %d: launch -> probe referral routed and read: %s s (ready file after %s s)\n' "$i" "$probe_seconds" "$ready_seconds"
done
stop_pid "$routing_pid"
restart_max="$(printf '%s\n' "${restart_seconds[@]}" | sort -g | tail -1)"
restart_median="$(printf '%s\n' "${restart_seconds[@]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"

# ------------------------------------------------------------------------------ 1. intake

echo "== intake: ghz, $concurrency workers on $connections connections (routing stopped: intake alone)"
intake_flags=(--case_view_group=case-view)
[ "$intake_static" = 1 ] && intake_flags+=(--instance_id=bench-intake-0)
launch intake intake "$dir/intake.ready.json" "${intake_flags[@]}"
intake_pid="$launched_pid"
intake_launched_at="$launched_at"
await_ready "$intake_pid" "$dir/intake.ready.json" "intake"
intake_port="$(ready_port "$dir/intake.ready.json" grpc_port)"
echo "http://127.0.0.1:$(ready_port "$dir/intake.ready.json" http_port)/metrics" >"$dir/intake.metrics_url"

# projector_catch_up TAG SINCE: waits until intake's projector has read every event on the topics
# (counted by a plain reader first); SINCE is when the wait's 300 s began.
projector_catch_up() {
  "$bench_bin" scan-rate --brokers "$KAFKA_BROKERS" >"$dir/$1-scan.out" 2>>"$dir/logs/bench.log" ||
    die "scanning the topics failed"
  await_projector case-view "$dir/intake.metrics_url" "$(val "$dir/$1-scan.out" scan_messages)" \
    "$(val "$dir/$1-scan.out" scan_distinct_events)" "$2" 300 "$dir/$1-catchup.out" ||
    die "intake's projector did not catch up with the topics within 300 s"
}
# Its projector first reads what routing left on the topics: let it finish before timing.
projector_catch_up prescan "$intake_launched_at"
printf '  (intake up; its projector read the %s events already on the topics first, untimed)\n' \
  "$(val "$dir/prescan-scan.out" scan_messages)"

health_args=(--call grpc.health.v1.Health/Check -d '{}')
if ! "$ghz" --insecure "${health_args[@]}" -n 1 -c 1 "127.0.0.1:$intake_port" >"$dir/ghz-health-check.txt" 2>&1 ||
   grep -qiE "error|not found|unimplemented" "$dir/ghz-health-check.txt"; then
  # gRPC's built-in health service may not be visible through reflection: give ghz the proto.
  health_proto="$root/protos/grpc/health/v1/health.proto"
  if [ ! -f "$health_proto" ]; then
    health_proto="$dir/proto/grpc/health/v1/health.proto"
    mkdir -p "$(dirname "$health_proto")"
    cat >"$health_proto" <<'EOF'
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
EOF
  fi
  health_args+=(--proto "$health_proto")
  health_via="proto file $health_proto (not found through reflection)"
else
  health_via="server reflection"
fi

report_call=(--call csec.dispatch.v1.IntakeService/ReportIdentification)
"$bench_bin" referral-json --kind all --key 'bench-{{.UUID}}' --minutes-ago 10 >"$dir/referrals-templated.json"

ghz_run() {  # name length out.json args...: one ghz run of `length` (-z) with the common settings
  local name="$1" length="$2" out="$3"; shift 3
  "$ghz" --insecure -c "$concurrency" --connections "$connections" -z "$length" --duration-stop=wait \
    -O json -o "$out" "$@" "127.0.0.1:$intake_port" 2>>"$dir/logs/ghz.log" ||
    die "ghz ($name) failed: $(tail -3 "$dir/logs/ghz.log")"
}
ghz_summary() {  # ghz JSON → key=value: calls, call_rate, ok, errors, seconds, ok_rate, p50/p95/p99 ms, top error
  "$PY" - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r.get('statusCodeDistribution') or {}
ok = codes.get('OK', 0)
total_s = r['total'] / 1e9
lat = {d['percentage']: d['latency'] / 1e6 for d in (r.get('latencyDistribution') or [])}
errors = sum(v for k, v in codes.items() if k != 'OK')
print('calls=%d' % r.get('count', 0))
print('call_rate=%.3f' % (r.get('count', 0) / total_s if total_s > 0 else 0))
print('ok=%d' % ok)
print('errors=%d' % errors)
print('seconds=%.6f' % total_s)
print('ok_rate=%.3f' % (ok / total_s if total_s > 0 else 0))
for p in (50, 95, 99):
    print('p%d=%.2f' % (p, lat.get(p, float('nan'))))
print('avg=%.2f' % (r.get('average', 0) / 1e6))
dist = r.get('errorDistribution') or {}
if dist:
    top = max(dist.items(), key=lambda kv: kv[1])
    print('top_error=%d x %s' % (top[1], top[0].replace('\n', ' ')[:200]))
print('codes=%s' % ', '.join('%s %d' % kv for kv in sorted(codes.items())))
EOF
}
# ghz_phase NAME args...: the warm-up (NAME-warmup.json/.out), then the timed run (ghz-NAME.json, NAME.out).
ghz_phase() {
  local name="$1"; shift
  ghz_run "$name warm-up" "$warmup" "$dir/$name-warmup.json" "$@"
  ghz_run "$name" "$duration" "$dir/ghz-$name.json" "$@"
  ghz_summary "$dir/$name-warmup.json" >"$dir/$name-warmup.out"
  ghz_summary "$dir/ghz-$name.json" >"$dir/$name.out"
}

# 1. Health/Check, the reference.
ghz_phase health "${health_args[@]}"
# 2. Reports, ghz rendering bench-{{.UUID}} into each request.
ghz_phase reports "${report_call[@]}" -D "$dir/referrals-templated.json"
# 3. Reports, pre-rendered: one array for the warm-up and one for the timed run (ghz starts at
# element 0 in each run), keys bench-<dir>-warmup-<i> and bench-<dir>-timed-<i>. Each holds 3x
# the calls the templated phase made per second over its run's length, plus one per worker (the
# calls in flight when the time is up still complete), 1000 to 150000.
templated_rate="$(awk -v a="$(val "$dir/reports-warmup.out" call_rate)" -v b="$(val "$dir/reports.out" call_rate)" \
  'BEGIN { print (a > b) ? a : b }')"
array_size() {  # seconds → referrals
  awk -v r="$templated_rate" -v s="$1" -v c="$concurrency" \
    'BEGIN { m = int(3 * r * s) + 1 + c; if (m < 1000) m = 1000; if (m > 150000) m = 150000; print m }'
}
prerendered_warmup_n="$(array_size "$warmup_seconds")"
prerendered_timed_n="$(array_size "$duration_seconds")"
for part in warmup timed; do
  count_var="prerendered_${part}_n"
  "$bench_bin" referral-json --kind all --count "${!count_var}" --run "$(basename "$dir")-$part" --minutes-ago 10 \
    >"$dir/referrals-$part.json" 2>>"$dir/logs/bench.log" || die "writing the pre-rendered referrals failed"
done
# The projector reads what the templated phase wrote, so this phase too starts on an idle intake.
projector_catch_up templated "$(now)"
ghz_run "pre-rendered warm-up" "$warmup" "$dir/prerendered-warmup.json" "${report_call[@]}" -D "$dir/referrals-warmup.json"
ghz_run "pre-rendered" "$duration" "$dir/ghz-prerendered.json" "${report_call[@]}" -D "$dir/referrals-timed.json"
ghz_summary "$dir/prerendered-warmup.json" >"$dir/prerendered-warmup.out"
ghz_summary "$dir/ghz-prerendered.json" >"$dir/prerendered.out"
prerendered_warmup_calls="$(val "$dir/prerendered-warmup.out" calls)"
prerendered_timed_calls="$(val "$dir/prerendered.out" calls)"
prerendered_valid=1
if [ "$prerendered_warmup_calls" -ge "$prerendered_warmup_n" ] || [ "$prerendered_timed_calls" -ge "$prerendered_timed_n" ]; then
  prerendered_valid=0
fi

for phase in health reports prerendered; do
  f="$dir/$phase.out"
  case "$phase" in
    health) label="health" ;;
    reports) label="reports, templated" ;;
    prerendered) label="reports, pre-rendered" ;;
  esac
  printf '  %-22s %6.0f OK/s  (%d OK, %d errors in %.2f s; ms p50 %s p95 %s p99 %s; codes: %s)\n' "$label" \
    "$(val "$f" ok_rate)" "$(val "$f" ok)" "$(val "$f" errors)" "$(val "$f" seconds)" \
    "$(val "$f" p50)" "$(val "$f" p95)" "$(val "$f" p99)" "$(val "$f" codes)"
  [ -n "$(val "$f" top_error)" ] && printf '%25s most frequent error: %s\n' "" "$(val "$f" top_error)"
done
printf '  Health/Check via %s\n' "$health_via"
printf '  pre-rendered arrays (3x the templated %.0f calls/s): warm-up %d referrals for %d calls, timed %d for %d calls\n' \
  "$templated_rate" "$prerendered_warmup_n" "$prerendered_warmup_calls" "$prerendered_timed_n" "$prerendered_timed_calls"
if [ "$prerendered_valid" = 1 ]; then
  printf '  (every pre-rendered referral was sent at most once)\n'
else
  warning="WARNING: ghz made at least as many calls as a pre-rendered array holds, so it sent some referrals twice and intake took its cheap duplicate path for them: the pre-rendered figure is INVALID (rerun; the arrays are sized from the templated phase's rate)"
  printf '  !!! %s\n' "$warning"
  say "$warning"
fi
reports_rate="$(val "$dir/reports.out" ok_rate)"
prerendered_rate="$(val "$dir/prerendered.out" ok_rate)"
health_rate="$(val "$dir/health.out" ok_rate)"
intake_ratio="$(ratio "$reports_rate" "$health_rate")"
prerendered_ratio="$(ratio "$prerendered_rate" "$health_rate")"
stop_pid "$intake_pid"

# ------------------------------------------------------------------------------ 4. rebuild

echo "== case view rebuilt by a new projector group"
cleared="$(clear_case_view)"
printf '  case view cleared first: %s keys (csec:case:{id}:events and :version; sealing keys and reservations kept)\n' "$cleared"
"$bench_bin" scan-rate --brokers "$KAFKA_BROKERS" >"$dir/scan.out" 2>>"$dir/logs/bench.log" || die "scanning the topics failed"
scan_messages="$(val "$dir/scan.out" scan_messages)"
scan_rate="$(val "$dir/scan.out" scan_rate)"
scan_rate_steady="$(val "$dir/scan.out" scan_rate_after_first)"
printf '  plain reader (csec::ScanTopic, both topics in parallel, parsing each envelope): %d messages (%d + %d, %d distinct events) in %.3f s = %.0f events/s; first message at %s s, %s events/s from there\n' \
  "$scan_messages" "$(val "$dir/scan.out" scan_intake_messages)" "$(val "$dir/scan.out" scan_routing_messages)" \
  "$(val "$dir/scan.out" scan_distinct_events)" "$(val "$dir/scan.out" scan_seconds)" "$scan_rate" \
  "$(calc "$(val "$dir/scan.out" scan_first_seconds)+0")" "$(int "$scan_rate_steady")"
rebuild_group="case-view-rebuild-$(date +%s)"
rebuild_flags=(--case_view_group="$rebuild_group")
[ "$intake_static" = 1 ] && rebuild_flags+=(--instance_id=bench-intake-rebuild)
echo "" >"$dir/rebuild.metrics_url"
launch intake intake-rebuild "$dir/rebuild.ready.json" "${rebuild_flags[@]}"
rebuild_pid="$launched_pid"
rebuild_launched_at="$launched_at"
# The /metrics address is known once the ready file is: written in the background.
( await_ready "$rebuild_pid" "$dir/rebuild.ready.json" "intake (rebuild)" &&
  echo "http://127.0.0.1:$(ready_port "$dir/rebuild.ready.json" http_port)/metrics" >"$dir/rebuild.metrics_url" ) &
url_writer_pid=$!
pids+=("$url_writer_pid")
await_projector "$rebuild_group" "$dir/rebuild.metrics_url" "$scan_messages" "$(val "$dir/scan.out" scan_distinct_events)" \
  "$rebuild_launched_at" "$(( scan_messages / 200 + 120 ))" "$dir/rebuild.out" ||
  die "the rebuild did not finish: $(val "$dir/rebuild.out" value) of $(val "$dir/rebuild.out" target) ($(val "$dir/rebuild.out" mode))"
stop_pid "$url_writer_pid"
stop_pid "$rebuild_pid"
rebuild_target="$(val "$dir/rebuild.out" target)"
rebuild_done="$(val "$dir/rebuild.out" done_seconds)"
rebuild_rate="$(ratio "$rebuild_target" "$rebuild_done")"
rebuild_first="$(val "$dir/rebuild.out" first_seconds)"
rebuild_first_value="$(val "$dir/rebuild.out" first_value)"
if [ -n "$rebuild_first" ]; then
  rebuild_steady="$(ratio "$rebuild_target - $rebuild_first_value" "$rebuild_done - $rebuild_first")"
else
  rebuild_steady=n/a
fi
rebuild_ratio="$(ratio "$rebuild_rate" "$scan_rate")"
printf '  group %s: %s events, caught up %s s after launch = %s events/s; first progress seen %s s after launch (%s done), %s events/s from there\n' \
  "$rebuild_group" "$rebuild_target" "$(calc "$rebuild_done")" "$(int "$rebuild_rate")" "$(calc "${rebuild_first:-0}")" \
  "${rebuild_first_value:-n/a}" "$(int "$rebuild_steady")"
printf '  progress read from: %s\n' "$(val "$dir/rebuild.out" mode)"

# ------------------------------------------------------------------------------ table

verdict() {  # condition on numbers → "met" / "NOT met" ("n/a" when a number is missing)
  case "$1" in *n/a*) echo "n/a"; return ;; esac
  if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT met"; fi
}
restart_ratio="$(ratio "$restart_max" "$clean_seconds" 2)"
echo
echo "== results"
{
  printf 'figure|value|reference|ratio|target\n'
  printf 'intake: durable ReportIdentification/s, %s callers|%s/s (p50 %s ms, p99 %s ms)|Health/Check %s/s (p50 %s ms)|%s|>= 0.5x: %s\n' \
    "$concurrency" "$(int "$reports_rate")" "$(val "$dir/reports.out" p50)" "$(val "$dir/reports.out" p99)" \
    "$(int "$health_rate")" "$(val "$dir/health.out" p50)" "$intake_ratio" "$(verdict "$intake_ratio >= 0.5")"
  if [ "$prerendered_valid" = 1 ]; then
    printf 'intake: durable ReportIdentification/s, %s callers, pre-rendered requests|%s/s (p50 %s ms, p99 %s ms)|Health/Check %s/s (p50 %s ms)|%s|>= 0.5x: %s\n' \
      "$concurrency" "$(int "$prerendered_rate")" "$(val "$dir/prerendered.out" p50)" "$(val "$dir/prerendered.out" p99)" \
      "$(int "$health_rate")" "$(val "$dir/health.out" p50)" "$prerendered_ratio" "$(verdict "$prerendered_ratio >= 0.5")"
  else
    printf 'intake: durable ReportIdentification/s, %s callers, pre-rendered requests|INVALID: %s/s with referrals sent twice|Health/Check %s/s (p50 %s ms)|n/a|>= 0.5x: n/a (invalid)\n' \
      "$concurrency" "$(int "$prerendered_rate")" "$(int "$health_rate")" "$(val "$dir/health.out" p50)"
  fi
  printf 'routing: CaseRouted/s (acks=all), N=%s|%s/s|bare producer %s msgs/s|%s|>= 5000/s: %s\n' \
    "$n" "$(int "$routed_rate")" "$(int "$load_rate")" "$routed_ratio" "$(verdict "$routed_rate >= 5000")"
  printf 'routing: SIGKILL -> consuming again (launch -> routed)|%s s (max; runs: %s)|clean first start %s s|%sx|<= 2 s: %s\n' \
    "$restart_max" "${restart_seconds[*]}" "$clean_seconds" "$restart_ratio" "$(verdict "$restart_max <= 2")"
  printf 'case view rebuild (new projector group)|%s events/s (%s after start-up)|plain reader %s events/s (%s after start-up)|%s|>= 20000/s: %s\n' \
    "$(int "$rebuild_rate")" "$(int "$rebuild_steady")" "$(int "$scan_rate")" "$(int "$scan_rate_steady")" "$rebuild_ratio" \
    "$(verdict "$rebuild_rate >= 20000")"
} | column -t -s '|' -o ' | '
echo "(intake rows: in the first, ghz renders a template (bench-{{.UUID}}) into every request; in the second it sends"
echo " arrays of unique referrals without template actions, each once, though it still parses each one's JSON at its call)"
[ "$prerendered_valid" = 1 ] || echo "!!! $warning"
echo
echo "== setup (short)"
printf '%-34s%s\n' \
  "services:" "$bin (static membership: routing $([ "$routing_static" = 1 ] && echo yes || echo no), intake $([ "$intake_static" = 1 ] && echo yes || echo no))" \
  "consumer session timeout:" "$session_timeout" \
  "restart median:" "$restart_median s over $restarts runs" \
  "Redis bytes per handled event:" "$redis_per_event (routing, incl. dedupe markers; used_memory delta / N)" \
  "rebuild progress from:" "$(val "$dir/rebuild.out" mode)" \
  "ghz:" "$ghz_version_text, $concurrency workers, $connections connections, $warmup warm-up + $duration" \
  "intake phases, in order:" "Health/Check, reports templated, reports pre-rendered ($prerendered_warmup_n + $prerendered_timed_n referrals)" \
  "machine:" "$(nproc) cores; bench, Kafka, Redis and the services share them"
