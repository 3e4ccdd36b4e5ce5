#!/usr/bin/env bash
# Brings the stack up (tools/run.sh: set-up, build, Kafka, Redis, services; idempotent), then runs
# every benchmark with its defaults and prints what they print.
#
#   tools/bench/run.sh                    # both benches
#   tools/bench/run.sh --concurrency 1    # flags after the script go to referral_bench
#
# The stack is left running, as tools/run.sh leaves it; `tools/run.sh stop` stops it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/build/bin"

# tools/run.sh's own output ends with every event on csec.routing.v1 (kcat), which grows with
# every bench run: kept in a file, shown only if bringing the stack up failed.
stack_log="$(mktemp)"
trap 'rm -f "$stack_log"' EXIT
echo "== bringing the stack up (tools/run.sh)"
if ! "$root/tools/run.sh" >"$stack_log" 2>&1; then
  tail -40 "$stack_log" >&2
  echo "bench: tools/run.sh failed" >&2
  exit 1
fi
set -a
# shellcheck disable=SC1091
source "$root/.stack/stack.env"
set +a

"$bin/routing_decision_bench"
echo
# The bench's consumer logs its partition assignment (JSON, stderr); the figures are on stdout.
"$bin/referral_bench" "$@" 2> >(grep -v '"kafka.assigned"' >&2)
