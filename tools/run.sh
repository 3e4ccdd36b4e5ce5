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
services=(intake routing timers paging medical)
INTAKE_GRPC="${INTAKE_GRPC:-127.0.0.1:50051}"
ROUTING_GRPC="${ROUTING_GRPC:-127.0.0.1:50052}"
TIMERS_GRPC="${TIMERS_GRPC:-127.0.0.1:50053}"
PAGING_GRPC="${PAGING_GRPC:-127.0.0.1:50054}"
MEDICAL_GRPC="${MEDICAL_GRPC:-127.0.0.1:50055}"

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

start_service intake --grpc_listen="$INTAKE_GRPC" --instance_id=intake-0
start_service routing --grpc_listen="$ROUTING_GRPC" --instance_id=routing-0
start_service timers --grpc_listen="$TIMERS_GRPC" --instance_id=timers-0
start_service paging --grpc_listen="$PAGING_GRPC" --instance_id=paging-0 \
  --paging_config="$root/deploy/config/paging.yaml"
start_service medical --grpc_listen="$MEDICAL_GRPC" --instance_id=medical-0 \
  --medical_config="$root/deploy/config/medical.yaml"
{ echo "KAFKA_BROKERS=$KAFKA_BROKERS"; echo "REDIS_ADDR=$REDIS_ADDR"; echo "INTAKE_GRPC=$INTAKE_GRPC"
  echo "ROUTING_GRPC=$ROUTING_GRPC"; echo "TIMERS_GRPC=$TIMERS_GRPC"; echo "PAGING_GRPC=$PAGING_GRPC"
  echo "MEDICAL_GRPC=$MEDICAL_GRPC"; } >"$state/stack.env"

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
