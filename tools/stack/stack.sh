#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker+controller) and a real redis-server,
# both on loopback, for local runs and integration tests. No Docker.
#
#   stack.sh start  --dir DIR [--kafka-port P] [--redis-port P]
#   stack.sh stop   --dir DIR
#   stack.sh status --dir DIR
#
# start prints (and writes to DIR/stack.env, shell-sourceable):
#   KAFKA_BROKERS=127.0.0.1:<port>
#   REDIS_ADDR=127.0.0.1:<port>
# plus KAFKA_STARTUP_SECONDS=<s> on stdout. Progress and errors go to stderr.
# start on a DIR whose stack is already up is idempotent: it prints the running stack's
# addresses and exits 0 (it refuses, exit 1, if other ports were asked for or only one of the
# two processes is up). Ports not given are reused from DIR's previous run when free, else picked
# free by the OS. Env: STACK_READY_TIMEOUT (s, default 60), STACK_KAFKA_HEAP (default -Xmx512m).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_TOOLS="$REPO_ROOT/tools/kafka"
KAFKA_LIB="$KAFKA_TOOLS/lib"
READY_TIMEOUT="${STACK_READY_TIMEOUT:-60}"
KAFKA_HEAP="${STACK_KAFKA_HEAP:--Xmx512m}"
STOP_TIMEOUT_KAFKA=30
STOP_TIMEOUT_REDIS=10
# Logged by kafka.server.BrokerLifecycleManager once the broker is unfenced and serving:
#   [BrokerLifecycleManager id=1] The broker has been unfenced. Transitioning from RECOVERY to RUNNING.
KAFKA_READY_LINE="Transitioning from RECOVERY to RUNNING"

log() { echo "stack: $*" >&2; }
die() { echo "stack: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

now_ms() { local t="${EPOCHREALTIME//[!0-9]/}"; echo $(( t / 1000 )); }  # bash 5, no fork of date

# ---------------------------------------------------------------- arguments
CMD="${1:-}"
case "$CMD" in ""|-h|--help|help) usage ;; esac
shift
DIR="" KAFKA_PORT="" REDIS_PORT=""
while (($#)); do
  case "$1" in
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    --kafka-port) KAFKA_PORT="${2:?--kafka-port needs a value}"; shift 2 ;;
    --kafka-port=*) KAFKA_PORT="${1#*=}"; shift ;;
    --redis-port) REDIS_PORT="${2:?--redis-port needs a value}"; shift 2 ;;
    --redis-port=*) REDIS_PORT="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) die "unknown argument: $1 (see: $0 --help)" ;;
  esac
done
[ -n "$DIR" ] || die "--dir DIR is required"
for p in "$KAFKA_PORT" "$REDIS_PORT"; do
  [ -z "$p" ] || { [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)); } || die "bad port: $p"
done
[ -z "$KAFKA_PORT" ] || [ "$KAFKA_PORT" != "$REDIS_PORT" ] || die "--kafka-port and --redis-port are equal"

case "$CMD" in
  start) mkdir -p "$DIR" ;;
  stop|status) ;;
  *) die "unknown command: $CMD (start|stop|status)" ;;
esac
if [ ! -d "$DIR" ]; then
  [ "$CMD" = stop ] && { log "$DIR does not exist; nothing to stop"; exit 0; }
  [ "$CMD" = status ] && { echo "kafka: down"; echo "redis: down"; exit 3; }
fi
DIR="$(cd "$DIR" && pwd)"

KAFKA_PID_FILE="$DIR/kafka.pid"
REDIS_PID_FILE="$DIR/redis.pid"
KAFKA_LOG_DIR="$DIR/kafka-logs"      # log4j output (server.log) and the JVM's stdout/stderr
KAFKA_DATA_DIR="$DIR/kafka-data"     # log.dirs (topic data and the KRaft metadata log)
KAFKA_LOG="$KAFKA_LOG_DIR/server.log"
KAFKA_OUT="$KAFKA_LOG_DIR/kafka.out"
REDIS_DATA_DIR="$DIR/redis"
REDIS_LOG="$DIR/redis.log"
PORTS_FILE="$DIR/ports.env"
ENV_FILE="$DIR/stack.env"

# ---------------------------------------------------------------- processes
read_pid() {  # read_pid FILE -> pid on stdout, or fail
  local f="$1" pid
  [ -s "$f" ] || return 1
  read -r pid <"$f" || true
  [[ "${pid:-}" =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

alive() {  # alive PID: exists and is not a zombie
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# is_ours kafka|redis PID: alive and really this DIR's process, not a reused PID.
is_ours() {
  local what="$1" pid="$2"
  alive "$pid" || return 1
  case "$what" in
    kafka) tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $DIR/server.properties" ;;
    # redis.conf's proc-title-template keeps the config path in the rewritten title.
    redis) tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR/redis.conf" ;;
  esac
}

running_pid() {  # running_pid kafka|redis -> pid if this DIR's process is up
  local what="$1" file pid
  file="$DIR/$what.pid"
  pid="$(read_pid "$file")" || return 1
  is_ours "$what" "$pid" || return 1
  echo "$pid"
}

stop_one() {  # stop_one kafka|redis TIMEOUT_S PID: SIGTERM (again), wait, SIGKILL after TIMEOUT_S
  local what="$1" timeout="$2" pid="$3" deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(now_ms) + timeout * 1000 ))
  while is_ours "$what" "$pid"; do
    if (( $(now_ms) > deadline )); then
      log "$what (pid $pid) still up after ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$(( $(now_ms) + 5000 ))
      while is_ours "$what" "$pid"; do
        (( $(now_ms) <= deadline )) || die "$what (pid $pid) survived SIGKILL"
        sleep 0.1
      done
      break
    fi
    sleep 0.1
  done
  rm -f "$DIR/$what.pid"
  log "$what stopped (pid $pid)"
}

do_stop() {
  # SIGTERM both first so they shut down in parallel, then wait for each.
  local kp rp
  kp="$(running_pid kafka)" && kill -TERM "$kp" 2>/dev/null || kp=""
  rp="$(running_pid redis)" && kill -TERM "$rp" 2>/dev/null || rp=""
  if [ -n "$kp" ]; then stop_one kafka "$STOP_TIMEOUT_KAFKA" "$kp"; else log "kafka not running"; fi
  if [ -n "$rp" ]; then stop_one redis "$STOP_TIMEOUT_REDIS" "$rp"; else log "redis not running"; fi
  rm -f "$KAFKA_PID_FILE" "$REDIS_PID_FILE" "$ENV_FILE"
}

# ---------------------------------------------------------------- probes
redis_ping() { [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

kafka_metadata_ok() {  # broker 1 answers a metadata request and lists itself
  timeout 10 kcat -b "127.0.0.1:$1" -L -m 5 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$1"
}

port_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

free_ports() {  # free_ports N -> N distinct free loopback ports (all held open while picking)
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

env_value() {  # env_value FILE KEY
  [ -f "$1" ] && sed -n "s/^$2=//p" "$1" | tail -n1
}

tail_log() {  # tail_log TITLE FILE
  [ -s "$2" ] || return 0
  echo "----- last 40 lines of $1 ($2) -----" >&2
  tail -n 40 "$2" >&2
  echo "-----" >&2
}

print_env() {
  cat "$ENV_FILE"
}

# ---------------------------------------------------------------- start
kafka_cluster_id() {  # a Kafka Uuid: 16 random bytes, URL-safe base64 without padding
  python3 -c '
import base64, os
while True:
    s = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
    if not s.startswith("-"):
        print(s); break'
}

write_server_properties() {  # write_server_properties KAFKA_PORT CONTROLLER_PORT
  local kp="$1" cp="$2"
  cat >"$DIR/server.properties.tmp" <<EOF
# Written by tools/stack/stack.sh: single-node KRaft (combined broker + controller) on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cp
listeners=PLAINTEXT://127.0.0.1:$kp,CONTROLLER://127.0.0.1:$cp
advertised.listeners=PLAINTEXT://127.0.0.1:$kp
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA_DIR

num.partitions=6
auto.create.topics.enable=false
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
# Must be strictly more than 1 MiB per cleaner thread (KafkaConfig check); default is 128 MiB.
log.cleaner.dedupe.buffer.size=2097152
log.cleaner.threads=1
num.network.threads=2
num.io.threads=4
EOF
  mv "$DIR/server.properties.tmp" "$DIR/server.properties"
}

JAVA_LOG_OPTS=()
set_java_log_opts() {
  JAVA_LOG_OPTS=(
    "-Dlog4j.configuration=file:$KAFKA_TOOLS/log4j.properties"
    "-Dkafka.logs.dir=$KAFKA_LOG_DIR"
  )
}

LAUNCHED_PIDS=()
on_start_abort() {
  # Kill our own just-launched children by PID (they may not have exec'd far enough yet
  # for is_ours to recognise them), then wait for them to go.
  ((${#LAUNCHED_PIDS[@]})) || return 0
  log "start aborted; stopping what was started"
  local pid deadline
  for pid in "${LAUNCHED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$(( $(now_ms) + STOP_TIMEOUT_KAFKA * 1000 ))
  for pid in "${LAUNCHED_PIDS[@]}"; do
    while alive "$pid" && (( $(now_ms) <= deadline )); do sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$KAFKA_PID_FILE" "$REDIS_PID_FILE" "$ENV_FILE"
}

write_redis_conf() {  # write_redis_conf PORT
  cat >"$DIR/redis.conf.tmp" <<EOF
# Written by tools/stack/stack.sh.
bind 127.0.0.1
port $1
daemonize no
dir $REDIS_DATA_DIR
appendonly yes
logfile ""
proc-title-template "{title} {listen-addr} {server-mode} {config-file}"
EOF
  mv "$DIR/redis.conf.tmp" "$DIR/redis.conf"
}

do_start() {
  local kp rp cp kpid rpid
  for c in java redis-server redis-cli kcat python3 setsid flock; do
    command -v "$c" >/dev/null 2>&1 || die "$c not found (run tools/setup.sh)"
  done
  # No-op (no download) when tools/kafka/lib already holds the pinned jars.
  "$KAFKA_TOOLS/fetch.sh" || die "tools/kafka/fetch.sh failed"

  kpid="$(running_pid kafka)" || kpid=""
  rpid="$(running_pid redis)" || rpid=""
  if [ -n "$kpid" ] && [ -n "$rpid" ] && [ -f "$ENV_FILE" ]; then
    local have_k have_r
    have_k="$(env_value "$ENV_FILE" KAFKA_BROKERS)"; have_k="${have_k##*:}"
    have_r="$(env_value "$ENV_FILE" REDIS_ADDR)"; have_r="${have_r##*:}"
    [ -z "$KAFKA_PORT" ] || [ "$KAFKA_PORT" = "$have_k" ] ||
      die "stack in $DIR already running with Kafka on port $have_k, not $KAFKA_PORT; stop it first"
    [ -z "$REDIS_PORT" ] || [ "$REDIS_PORT" = "$have_r" ] ||
      die "stack in $DIR already running with Redis on port $have_r, not $REDIS_PORT; stop it first"
    kafka_metadata_ok "$have_k" || die "kafka (pid $kpid) in $DIR is up but not answering on port $have_k; run: $0 stop --dir $DIR"
    redis_ping "$have_r" || die "redis (pid $rpid) in $DIR is up but not answering on port $have_r; run: $0 stop --dir $DIR"
    log "already running in $DIR (kafka pid $kpid, redis pid $rpid)"
    print_env
    return 0
  fi
  if [ -n "$kpid" ] && [ -n "$rpid" ]; then
    die "stack in $DIR is running but was never reported ready (interrupted start?); run: $0 stop --dir $DIR"
  fi
  if [ -n "$kpid" ] || [ -n "$rpid" ]; then
    die "stack in $DIR is partly running (kafka: ${kpid:-down}, redis: ${rpid:-down}); run: $0 stop --dir $DIR"
  fi

  # Ports: as given, else the previous run's if still free, else fresh ones from the OS.
  local prev_k prev_c prev_r fresh
  prev_k="$(env_value "$PORTS_FILE" KAFKA_PORT || true)"
  prev_c="$(env_value "$PORTS_FILE" CONTROLLER_PORT || true)"
  prev_r="$(env_value "$PORTS_FILE" REDIS_PORT || true)"
  read -r -a fresh <<<"$(free_ports 3)"
  local used=" $KAFKA_PORT $REDIS_PORT "
  pick_port() {  # pick_port PREV: PREV if set, unused and free, else the first unused fresh port
    local p
    if [ -n "$1" ] && [[ "$used" != *" $1 "* ]] && port_free "$1"; then echo "$1"; return; fi
    for p in "${fresh[@]}"; do [[ "$used" == *" $p "* ]] || { echo "$p"; return; }; done
    return 1
  }
  kp="$KAFKA_PORT" rp="$REDIS_PORT"
  [ -n "$kp" ] || { kp="$(pick_port "$prev_k")"; used+="$kp "; }
  cp="$(pick_port "$prev_c")"; used+="$cp "
  [ -n "$rp" ] || { rp="$(pick_port "$prev_r")"; used+="$rp "; }
  for p in "$kp" "$cp" "$rp"; do port_free "$p" || die "port 127.0.0.1:$p is in use"; done
  printf 'KAFKA_PORT=%s\nCONTROLLER_PORT=%s\nREDIS_PORT=%s\n' "$kp" "$cp" "$rp" >"$PORTS_FILE"
  rm -f "$ENV_FILE"

  mkdir -p "$KAFKA_LOG_DIR" "$KAFKA_DATA_DIR" "$REDIS_DATA_DIR"
  write_server_properties "$kp" "$cp"
  write_redis_conf "$rp"
  set_java_log_opts
  # Keep one previous log; the readiness poll must only see this run's lines.
  [ -f "$KAFKA_LOG" ] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
  [ -f "$KAFKA_OUT" ] && mv -f "$KAFKA_OUT" "$KAFKA_OUT.1"
  [ -f "$REDIS_LOG" ] && mv -f "$REDIS_LOG" "$REDIS_LOG.1"

  if [ ! -f "$KAFKA_DATA_DIR/meta.properties" ]; then
    local cid
    cid="$(kafka_cluster_id)"
    # StorageTool prints what it does on stdout; its log4j output is not wanted in server.log.
    if ! java -Dlog4j.configuration=file:/dev/null -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
          -t "$cid" -c "$DIR/server.properties" </dev/null >"$KAFKA_LOG_DIR/format.log" 2>&1; then
      tail_log "kafka storage format" "$KAFKA_LOG_DIR/format.log"
      die "formatting Kafka storage in $KAFKA_DATA_DIR failed"
    fi
    log "formatted Kafka storage (cluster id $cid)"
  fi

  trap on_start_abort EXIT
  trap 'exit 130' INT TERM

  local t0 t1
  t0="$(now_ms)"
  # setsid: own session, so a Ctrl-C or the caller's process-group kill doesn't hit them; all fds
  # redirected (and the lock fd 9 closed) so no caller's pipe or lock is held open by them.
  local -a heap
  read -r -a heap <<<"$KAFKA_HEAP"   # may hold several words, e.g. "-Xms256m -Xmx512m"
  setsid java -server "${heap[@]}" \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      "${JAVA_LOG_OPTS[@]}" -cp "$KAFKA_LIB/*" \
      kafka.Kafka "$DIR/server.properties" </dev/null >"$KAFKA_OUT" 2>&1 9>&- &
  LAUNCHED_PIDS+=("$!")
  echo $! >"$KAFKA_PID_FILE"

  setsid redis-server "$DIR/redis.conf" </dev/null >"$REDIS_LOG" 2>&1 9>&- &
  LAUNCHED_PIDS+=("$!")
  echo $! >"$REDIS_PID_FILE"
  kpid="$(cat "$KAFKA_PID_FILE")" rpid="$(cat "$REDIS_PID_FILE")"
  log "launched kafka (pid $kpid, 127.0.0.1:$kp, controller :$cp) and redis (pid $rpid, 127.0.0.1:$rp)"

  # Condition poll with a deadline (sleeps are only the poll interval).
  local deadline=$(( t0 + READY_TIMEOUT * 1000 )) kafka_ready=0 redis_ready=0
  while :; do
    if ((!kafka_ready)); then
      if ! alive "$kpid"; then
        tail_log "kafka" "$KAFKA_LOG"; tail_log "kafka stdout/stderr" "$KAFKA_OUT"
        die "kafka exited during start-up (logs: $KAFKA_LOG_DIR)"
      fi
      if grep -qF "$KAFKA_READY_LINE" "$KAFKA_LOG" 2>/dev/null && kafka_metadata_ok "$kp"; then
        kafka_ready=1
        t1="$(now_ms)"
      fi
    fi
    if ((!redis_ready)); then
      if ! alive "$rpid"; then
        tail_log "redis" "$REDIS_LOG"
        die "redis-server exited during start-up (log: $REDIS_LOG)"
      fi
      redis_ping "$rp" && redis_ready=1
    fi
    ((kafka_ready && redis_ready)) && break
    if (( $(now_ms) > deadline )); then
      ((kafka_ready)) || { tail_log "kafka" "$KAFKA_LOG"; tail_log "kafka stdout/stderr" "$KAFKA_OUT"; }
      ((redis_ready)) || tail_log "redis" "$REDIS_LOG"
      die "not ready within ${READY_TIMEOUT}s (kafka ready: $kafka_ready, redis ready: $redis_ready)"
    fi
    sleep 0.2
  done

  printf 'KAFKA_BROKERS=127.0.0.1:%s\nREDIS_ADDR=127.0.0.1:%s\n' "$kp" "$rp" >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  trap - EXIT INT TERM
  LAUNCHED_PIDS=()

  local ms=$(( t1 - t0 )) secs
  secs="$(printf '%d.%02d' $((ms / 1000)) $(( (ms % 1000) / 10 )))"
  echo "$secs" >"$DIR/kafka-startup-seconds"
  log "kafka ready in ${secs}s; env in $ENV_FILE"
  print_env
  echo "KAFKA_STARTUP_SECONDS=$secs"
}

do_status() {
  local kp rp pid rc=0
  kp="$(env_value "$PORTS_FILE" KAFKA_PORT || true)"
  rp="$(env_value "$PORTS_FILE" REDIS_PORT || true)"
  if pid="$(running_pid kafka)"; then
    if [ -n "$kp" ] && kafka_metadata_ok "$kp"; then
      echo "kafka: up (pid $pid, 127.0.0.1:$kp)"
    else
      echo "kafka: process up but not answering (pid $pid, 127.0.0.1:${kp:-?})"; rc=3
    fi
  else
    echo "kafka: down"; rc=3
  fi
  if pid="$(running_pid redis)"; then
    if [ -n "$rp" ] && redis_ping "$rp"; then
      echo "redis: up (pid $pid, 127.0.0.1:$rp)"
    else
      echo "redis: process up but not answering (pid $pid, 127.0.0.1:${rp:-?})"; rc=3
    fi
  else
    echo "redis: down"; rc=3
  fi
  return "$rc"
}

case "$CMD" in
  start|stop)
    # One start/stop at a time per DIR.
    exec 9>>"$DIR/.stack.lock"
    flock -w 120 9 || die "another stack.sh start/stop holds $DIR/.stack.lock"
    if [ "$CMD" = start ]; then do_start; else do_stop; fi
    ;;
  status) do_status ;;
esac
