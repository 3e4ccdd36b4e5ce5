#!/usr/bin/env bash
# The main job: the whole stack on loopback — a real Kafka broker, a real Redis, the services —
# and a sample (synthetic) referral reported over gRPC, routed, read back from Kafka, and its
# protocol deadlines shown as the timers service armed them, its Medical Hub exam as the medical
# service booked it, and the on-call responder and advocate it paged.
#
#   tools/run.sh          # set up, build, start everything, send the sample; leaves it running
#   tools/run.sh stop     # stop the services and the stack
#   tools/run.sh status
#
# State, logs and addresses live in .stack/ (stack.env has KAFKA_BROKERS, REDIS_ADDR, INTAKE_GRPC,
# ROUTING_GRPC, TIMERS_GRPC, PAGING_GRPC, MEDICAL_GRPC; each service's *.ready.json has its /metrics
# port).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.stack"
bin="$root/build/bin"
# The services, their ports and their config files: services/manifest.txt. Each one's gRPC
# address is <NAME>_GRPC (e.g. INTAKE_GRPC) unless already set.
services=()
declare -A config_flags=()
while read -r name port files; do
  case "$name" in ''|'#'*) continue ;; esac
  services+=("$name")
  var="${name^^}_GRPC"
  export "$var=${!var:-127.0.0.1:$port}"
  flags=""
  for file in $files; do flags+=" --${file%%=*}=$root/${file#*=}"; done
  config_flags[$name]="$flags"
done <"$root/services/manifest.txt"

stop_services() {
  for s in "${services[@]}"; do
    local pidfile="$state/$s.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
  done
}

case "${1:-start}" in
  stop)
    stop_services
    "$root/tools/stack/stack.sh" stop --dir "$state/stack"
    echo "run: stopped"
    exit 0 ;;
  status)
    for s in "${services[@]}"; do
      if [ -f "$state/$s.pid" ] && kill -0 "$(cat "$state/$s.pid")" 2>/dev/null; then echo "$s: up"; else echo "$s: down"; fi
    done
    exec "$root/tools/stack/stack.sh" status --dir "$state/stack" ;;
  start) ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac

"$root/tools/build.sh"
mkdir -p "$state/logs"
"$root/tools/stack/stack.sh" start --dir "$state/stack" >/dev/null
# shellcheck disable=SC1091
source "$state/stack/stack.env"

start_service() {  # name, extra flags...
  local name="$1"; shift
  local pidfile="$state/$name.pid" ready="$state/$name.ready.json"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  rm -f "$ready"
  "$bin/csec-$name" --kafka_brokers="$KAFKA_BROKERS" --redis="$REDIS_ADDR" \
    --config="$root/deploy/config/protocol.yaml" --ready_file="$ready" "$@" \
    >>"$state/logs/$name.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 600); do
    [ -f "$ready" ] && return 0
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.1
  done
  echo "run: $name did not start; its log:" >&2
  tail -20 "$state/logs/$name.log" >&2
  exit 1
}

for s in "${services[@]}"; do
  grpc_var="${s^^}_GRPC"
  # shellcheck disable=SC2086  # the config flags are words
  start_service "$s" --grpc_listen="${!grpc_var}" --instance_id="$s-0" ${config_flags[$s]}
done

echo "== stack up: Kafka $KAFKA_BROKERS, Redis $REDIS_ADDR, intake gRPC $INTAKE_GRPC"
echo "== reporting a synthetic referral (LAPD 77th Street, youth with an open DCFS case)"
response="$("$bin/dispatchctl" report --intake "$INTAKE_GRPC" --sample dcfs)"
echo "$response"
case_id="$(echo "$response" | sed -n 's/.*"caseId": "\([^"]*\)".*/\1/p')"
echo "== CaseRouted for case $case_id, read back from csec.routing.v1"
"$bin/dispatchctl" await-routed --brokers "$KAFKA_BROKERS" --case "$case_id" --timeout 60
echo "== the same topic with kcat (kcat -b $KAFKA_BROKERS -C -t csec.routing.v1 -e; payloads are protobuf)"
kcat -b "$KAFKA_BROKERS" -C -t csec.routing.v1 -e -q -f 'partition %p offset %o key %k (%S bytes)\n'
echo "== its protocol deadlines, armed by the timers service (dispatchctl deadlines --timers $TIMERS_GRPC --case $case_id)"
"$bin/dispatchctl" deadlines --timers "$TIMERS_GRPC" --case "$case_id" --wait 60
echo "== its Medical Hub exam as the medical service booked it, in county time; outside the hubs' hours it is a later day (dispatchctl medical show $case_id --medical $MEDICAL_GRPC)"
"$bin/dispatchctl" medical show "$case_id" --medical "$MEDICAL_GRPC" --wait 60
echo "== pages sent for it: the routed team's on-call responder and the advocate (dispatchctl pages list --paging $PAGING_GRPC --case $case_id)"
"$bin/dispatchctl" pages list --paging "$PAGING_GRPC" --case "$case_id" --wait 60
echo "== who is on call now (dispatchctl oncall --paging $PAGING_GRPC)"
"$bin/dispatchctl" oncall --paging "$PAGING_GRPC"
echo "== running. Logs: $state/logs/. Stop with: tools/run.sh stop"
