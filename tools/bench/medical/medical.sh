#!/usr/bin/env bash
# medical.sh: how fast the medical service books exams when many cases compete for few slots, on
# a stack of its own (Kafka + Redis in a fresh temporary directory, P csec-medical processes from
# --bin in one consumer group, "medical"), each figure beside a reference from the same run:
#
#   1. contention: N cases (2,000) routed at once (or at --rate/s): one CaseRouted each on
#      csec.routing.v1, all SPA 4 (hubs hub-lac-usc, hub-chla, hub-mlk), all identified at 09:00
#      on the same far-future day, while the county offers S slots (40) in their 72-hour window:
#      MedicalHubService.SetHubDay spreads them over the best G hub days (--spread, 8: the ones
#      every case tries first) and closes every other hub day of the window. Figures: decisions
#      per second (MedicalAppointmentScheduled + MedicalSchedulingFailed read from
#      csec.medical.v1, over first produce -> last decision read) and CaseRouted produced ->
#      decision read, p50/p99/max. Invariants, checked from the topic and from Redis (the hub
#      days' hashes): exactly S cases scheduled, no (hub, date, slot) given to two cases, every
#      case decided exactly once (no event id read twice, no second decision), every failure
#      cause no_capacity, Redis holding exactly the slots the events name. Any failing one fails
#      the run (exit 1), after the figures are printed.
#   2. uncontended: the same N on another day with every hub day of the window open at all its
#      exam times (every case gets a slot), for comparison.
#   3. references, same run: "Redis alone": the same booking script (csec::medical::MedicalStore::
#      Book, the service's library) run by medical_bench straight against the same Redis, with
#      the same calendar shapes and the same RankSlots groups, from P clients x W threads (the
#      processes' booking workers): decisions/s for both shapes, and for the contended one also
#      every Redis call the service makes per case (lock, load, book, save, unlock); "Kafka
#      alone": a bare producer -> reader -> producer -> reader echo of N CaseRouted-sized messages
#      fed the same way (two hops, like CaseRouted in and the decision out).
# The service's decisions/s is printed as a ratio of Redis alone's, its latency beside Kafka
# alone's. First the consumer group must settle (every process owns partitions, per its
# csec_kafka_partitions_assigned, and the total unchanged for 2 s); then a warm-up of W cases
# (200, plenty of slots, untimed), repeated (up to 5 times) until one in which every process
# decided some. Then a table, a block to paste into the README (report.py) and a JSON summary.
#
#   tools/bench/medical/medical.sh [--n 2000] [--slots 40] [--spread 8] [--processes 2]
#       [--workers 4] [--rate 0] [--warmup 200] [--exam-minutes 5] [--day 2041-03-04]
#       [--timeout 120] [--bin DIR] [--bench-bin FILE] [--config FILE] [--medical-config FILE]
#       [--json FILE] [--keep]
#
# --rate: CaseRouted per second, 0 = as fast as the producer goes (the Kafka reference is fed the
# same way). --workers: each process's --medical_workers. --exam-minutes: the bench's calendar
# (written to the temporary directory): every hub open 00:00-24:00 every day with exams this
# long, so that the uncontended run has room for N cases (5 min: about 5,100 exam times in a
# window); --medical-config uses a file of yours instead (the uncontended run then needs N exam
# times in the window). --day: the first of the days used (each run books on its own, a week
# apart; they must lie in the future, so no booking depends on the time it is made).
# --timeout: seconds after the last CaseRouted a run waits for decisions. --bin: where
# csec-medical is (build/bin). --bench-bin: medical_bench (default --bin, else build/bin, else
# build-bench/bin; built in build/ when none exists). --config: the protocol config
# (deploy/config/protocol.yaml). --json: the summary (default $TMPDIR/csec-medical-bench-<UTC>.json).
# --keep: keep the temporary directory (logs, helper outputs); it is always kept after a failure.
#
# Needs: csec-medical, medical_bench, curl, python3. Never touches .stack/ or build/test-stack;
# everything listens on 127.0.0.1 and is stopped on exit. Takes 30-40 s with the defaults on two
# cores (stack start ~10 s, warm-up, two runs of N at ~400 decisions/s, references ~5 s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

n=2000
slots=40
spread=8
processes=2
workers=4
rate=0
warmup=200
exam_minutes=5
day=2041-03-04
timeout=120
bin="$root/build/bin"
bench_bin=""
config="$root/deploy/config/protocol.yaml"
medical_config=""
json=""
keep=0

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift 2 ;;
    --slots) slots="$2"; shift 2 ;;
    --spread) spread="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --exam-minutes) exam_minutes="$2"; shift 2 ;;
    --day) day="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --medical-config) medical_config="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "medical: unknown argument $1" >&2; usage ;;
  esac
done
for v in n slots spread processes workers exam_minutes timeout; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "medical: --${v//_/-} must be a positive integer" >&2; exit 2; }
done
for v in rate warmup; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "medical: --$v must be a whole number" >&2; exit 2; }
done
[[ "$day" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] && date -u -d "$day" >/dev/null 2>&1 ||
  { echo "medical: --day must be YYYY-MM-DD" >&2; exit 2; }
[ "$(date -u -d "$day" +%s)" -gt "$(( $(date -u +%s) + 2 * 86400 ))" ] ||
  { echo "medical: --day must lie at least two days ahead" >&2; exit 2; }
[ -n "$json" ] || json="${TMPDIR:-/tmp}/csec-medical-bench-$(date -u +%Y%m%dT%H%M%SZ).json"

say() { echo "medical: $*" >&2; }
die() { echo "medical: error: $*" >&2; exit 1; }
source "$root/tools/bench/bench_stack.sh"
day_plus() { date -u -d "$day + $1 days" +%F; }  # each run on its own days, a week apart

# ------------------------------------------------------------------------------ binaries, configs

[ -x "$bin/csec-medical" ] || die "$bin/csec-medical does not exist (build it: cmake --build build --target csec-medical)"
bench_bin="$(find_bench_bin medical_bench "$bench_bin")"
command -v curl >/dev/null || die "curl is missing (tools/setup.sh installs it)"
[ -f "$config" ] || die "no protocol config at $config"
[ -z "$medical_config" ] || [ -f "$medical_config" ] || die "no medical config at $medical_config"

bench_stack_up csec-medical-bench

if [ -z "$medical_config" ]; then
  medical_config="$dir/medical.yaml"
  {
    echo "# medical.sh's calendar: every hub open all day, every day, $exam_minutes-minute exams."
    echo "lead_time_minutes: 60"
    echo "default_hours:"
    echo "  exam_minutes: $exam_minutes"
    for d in monday tuesday wednesday thursday friday saturday sunday; do echo "  $d: \"00:00-24:00\""; done
  } >"$medical_config"
  calendar_note="every hub 00:00-24:00 every day, $exam_minutes-min exams ($medical_config)"
else
  calendar_note="$medical_config"
fi

"$bench_bin" setup \
  "brokers=$KAFKA_BROKERS" "redis=$REDIS_ADDR ($(redis-server --version 2>/dev/null | awk '{print $3}' | sed 's/^v=//'), deploy/redis/redis.conf)" \
  "stack dir=$dir/stack (fresh)" \
  "service=$bin/csec-medical (binary of $(date -u -r "$bin/csec-medical" '+%H:%M:%S UTC %Y-%m-%d')), $processes processes x --medical_workers=$workers, group \"medical\"" \
  "feed=$n CaseRouted $([ "$rate" = 0 ] && echo "at once" || echo "at $rate/s"), SPA 4, identified 09:00 local; warm-up $warmup (untimed)" \
  "contention=$slots slots over the best $spread hub days of the window, the rest closed" \
  "calendar=$calendar_note" \
  "redis alone=$processes clients x $workers threads (MedicalStore, the service's library)" \
  "config=$config" \
  "load average=$(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start; the machine may be shared)" | tee "$dir/setup.out"
echo
"$bench_bin" ensure-topics --brokers "$KAFKA_BROKERS" 2>>"$dir/logs/bench.log" || die "could not create the csec topics"

# ------------------------------------------------------------------------------ the services

medical_pids=()
metrics_urls=()
for i in $(seq "$processes"); do
  ready="$dir/medical-$i.ready.json"
  "$bin/csec-medical" --kafka_brokers="$KAFKA_BROKERS" --redis="$REDIS_ADDR" --config="$config" \
    --medical_config="$medical_config" --medical_workers="$workers" \
    --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --ready_file="$ready" --instance_id="medical-bench-$i" \
    >>"$dir/logs/medical-$i.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  medical_pids+=("$pid")
done
for i in $(seq "$processes"); do
  ready="$dir/medical-$i.ready.json"
  pid="${medical_pids[$((i - 1))]}"
  for _ in $(seq 1200); do
    [ -s "$ready" ] && break
    kill -0 "$pid" 2>/dev/null || die "csec-medical $i exited before it was ready (see $dir/logs/medical-$i.log)"
    sleep 0.05
  done
  [ -s "$ready" ] || die "csec-medical $i was not ready within 60 s"
  metrics_urls+=("http://127.0.0.1:$(ready_port "$ready" http_port)/metrics")
done
medical_grpc="127.0.0.1:$(ready_port "$dir/medical-1.ready.json" grpc_port)"
say "$processes csec-medical processes ready; MedicalHubService (for the calendar) at $medical_grpc"

# Decisions a process made so far (csec_medical_bookings_total, every outcome).
decided_by() { curl -s --max-time 2 "${metrics_urls[$(( $1 - 1 ))]}" |
  awk '$1 ~ /^csec_medical_bookings_total/ { s += $2 } END { printf "%.0f\n", s }'; }
decided_all() { local i; for i in $(seq "$processes"); do printf '%s ' "$(decided_by "$i")"; done; }
alive() { local i; for i in $(seq "$processes"); do
  kill -0 "${medical_pids[$((i - 1))]}" 2>/dev/null || die "csec-medical $i exited (see $dir/logs/medical-$i.log)"; done; }

book() {  # tag, day, calendar flags...: a run of the service; writes $dir/<tag>.out
  local tag="$1" d="$2"; shift 2
  local count="$n"; [ "$tag" = warmup ] && count="$warmup"
  local rc=0
  "$bench_bin" book --brokers "$KAFKA_BROKERS" --medical "$medical_grpc" --redis "$REDIS_ADDR" \
    --protocol-config "$config" --medical-config "$medical_config" --day "$d" --tag "$tag" --n "$count" \
    --rate "$rate" --timeout-s "$timeout" "$@" >"$dir/$tag.out" 2> >(tee -a "$dir/logs/bench-$tag.log" >&2) || rc=$?
  [ "$rc" = 0 ] || die "medical_bench book ($tag) failed (see $dir/logs/bench-$tag.log)"
  alive
}

# ------------------------------------------------------------------------------ warm-up

# The group settled: every process owns partitions (csec_kafka_partitions_assigned) and the total
# has not changed for 2 s. Then warm-up rounds until one in which every process decided some.
assigned_by() { curl -s --max-time 2 "${metrics_urls[$(( $1 - 1 ))]}" |
  awk '$1 ~ /^csec_kafka_partitions_assigned/ { s += $2 } END { printf "%.0f\n", s }'; }
settled_after=""
last_total=-1; stable=0
for tick in $(seq 120); do
  total=0; idle=0
  for i in $(seq "$processes"); do a="$(assigned_by "$i")"; total=$(( total + a )); [ "$a" -gt 0 ] || idle=1; done
  if [ "$idle" = 0 ] && [ "$total" = "$last_total" ]; then stable=$(( stable + 1 )); else stable=0; fi
  last_total=$total
  if [ "$stable" -ge 4 ]; then settled_after="$(calc "$tick * 0.5" 1)"; break; fi
  sleep 0.5
done
[ -n "$settled_after" ] && say "consumer group settled: $total partitions over $processes processes ($settled_after s)" ||
  say "warning: the consumer group did not settle within 60 s (more processes than partitions?)"
warm_rounds=0
if [ "$warmup" -gt 0 ]; then
  for round in 1 2 3 4 5; do
    warm_rounds=$round
    say "warm-up $round: $warmup cases, plenty of slots (untimed)"
    read -ra b <<<"$(decided_all)"
    book warmup "$(day_plus $(( 70 + 7 * round )))" --plenty
    read -ra a <<<"$(decided_all)"
    diffs=(); idle=0
    for i in "${!a[@]}"; do diffs+=("$(( a[i] - b[i] ))"); [ "$(( a[i] - b[i] ))" -gt 0 ] || idle=1; done
    say "warm-up $round decided by process: ${diffs[*]}"
    [ "$idle" = 0 ] && break
    [ "$round" = 5 ] && say "warning: a process decided nothing in 5 warm-ups (more processes than partitions?)"
  done
fi
printf "warmup_rounds=%s\nprocesses=%s\nworkers=%s\ngroup_settled_s=%s\npartitions_assigned=%s\n" \
  "$warm_rounds" "$processes" "$workers" "${settled_after:-never}" "$total" >"$dir/meta.out"

# ------------------------------------------------------------------------------ 1 + 2: the service

log_from=(); for i in $(seq "$processes"); do log_from+=("$(( $(wc -l <"$dir/logs/medical-$i.log") + 1 ))"); done

for phase in contended uncontended; do
  before="$(decided_all)"
  if [ "$phase" = contended ]; then
    say "contention: $n cases for $slots slots (on $(day_plus 0))"
    book contended "$(day_plus 0)" --slots "$slots" --spread "$spread"
  else
    say "uncontended: $n cases, every hub day open (on $(day_plus 7))"
    book uncontended "$(day_plus 7)" --plenty
  fi
  after="$(decided_all)"
  read -ra b <<<"$before"; read -ra a <<<"$after"
  diffs=(); for i in "${!a[@]}"; do diffs+=("$(( a[i] - b[i] ))"); done
  echo "${phase}_by_process=${diffs[*]}" >>"$dir/meta.out"
  r() { val "$dir/$phase.out" "$1"; }
  echo "== $phase: $(r decided) of $n decided ($(r scheduled) scheduled, $(r failed) failed), $(calc "$(r decisions_per_s)" 1) decisions/s; produced -> decision p50 $(calc "$(r latency_p50_ms)" 1), p99 $(calc "$(r latency_p99_ms)" 1) ms; invariants: $(r violations)"
done

for i in $(seq "$processes"); do stop_pid "${medical_pids[$((i - 1))]}"; done
{
  for i in $(seq "$processes"); do
    lines="$(sed -n "${log_from[$((i - 1))]},\$p" "$dir/logs/medical-$i.log")"
    printf 'medical%s_warnings=%s\n' "$i" "$(grep -c '"level":"warn' <<<"$lines" || true)"
    printf 'medical%s_errors=%s\n' "$i" "$(grep -c '"level":"error' <<<"$lines" || true)"
    printf 'medical%s_problem_events=%s\n' "$i" "$(grep -E '"level":"(warn|error)' <<<"$lines" |
      sed -n 's/.*"event":"\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = "; " }')"
  done
} >"$dir/logs.out"

# ------------------------------------------------------------------------------ 3: references

ref() {  # tag, day, calls, calendar flags...
  local tag="$1" d="$2" calls="$3"; shift 3
  "$bench_bin" redis-book --redis "$REDIS_ADDR" --protocol-config "$config" --medical-config "$medical_config" \
    --day "$d" --tag "$tag" --n "$n" --clients "$processes" --threads-per-client "$workers" --calls "$calls" "$@" \
    >"$dir/$tag.out" 2>>"$dir/logs/bench-$tag.log" || die "medical_bench redis-book ($tag) failed (see $dir/logs/bench-$tag.log)"
}
say "reference: Redis alone, $processes clients x $workers threads (services stopped)"
ref ref_contended "$(day_plus 14)" book --slots "$slots" --spread "$spread"
ref ref_uncontended "$(day_plus 21)" book --plenty
ref ref_case "$(day_plus 28)" case --slots "$slots" --spread "$spread"
say "reference: Kafka alone, $n messages $([ "$rate" = 0 ] && echo "at once" || echo "at $rate/s") through a bare echo (two hops)"
"$bench_bin" kafka-echo --brokers "$KAFKA_BROKERS" --n "$n" --rate "$rate" >"$dir/echo.out" \
  2>>"$dir/logs/bench-echo.log" || die "the Kafka reference failed (see $dir/logs/bench-echo.log)"

# ------------------------------------------------------------------------------ figures

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/logs.out"
echo
rc=0
"$PY" "$here/report.py" --dir "$dir" --json "$json" || rc=$?
[ "$rc" = 0 ] || die "$([ "$rc" = 3 ] && echo "an invariant failed (see above)" || echo "the report failed")"
