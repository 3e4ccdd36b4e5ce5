#!/usr/bin/env bash
# rebuild.sh: what a Redis loss costs in time. On a stack of its own (Kafka + Redis in a fresh
# temporary directory), rebuild_bench writes --days (120, the topics' retention) of synthetic
# history at --per_day referrals a day, then times intake's and medical's rebuild of their Redis
# state from it (the functions the services run at start-up when their epoch key is missing),
# beside a plain read of the same topics in the same run.
#
#   tools/bench/rebuild/rebuild.sh [--days 120] [--per_day 3] [--bench-bin FILE] [--keep]
#
# The county identifies about 790 children a year, so 3 a day is its volume; try --per_day 300
# for a hundred times that. Needs rebuild_bench (built in build/ when missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
say() { echo "rebuild.sh: $*" >&2; }
die() { say "$*"; exit 1; }

days=120
per_day=3
bench_bin=""
bin="$root/build/bin"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days="$2"; shift 2 ;;
    --per_day) per_day="$2"; shift 2 ;;
    --bench-bin) bench_bin="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "unknown argument $1 (see the top of $0)" ;;
  esac
done

source "$root/tools/bench/bench_stack.sh"
bench_bin="$(find_bench_bin rebuild_bench "$bench_bin")"
bench_stack_up csec-rebuild-bench
"$bench_bin" --brokers "$KAFKA_BROKERS" --redis "$REDIS_ADDR" --days "$days" --per_day "$per_day" \
  2>>"$dir/logs/bench.log"
