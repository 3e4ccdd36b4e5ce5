#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker+controller) and a real redis-server,
# both on loopback, for local runs and integration tests. No Docker.
#
#   stack.sh start   [PART] --dir DIR [--kafka-port P] [--redis-port P]
#   stack.sh stop    [PART] --dir DIR
#   stack.sh restart [PART] --dir DIR
#   stack.sh kill    [PART] --dir DIR
#   stack.sh status  [PART] --dir DIR
#
# PART is kafka or redis; without it a command acts on both.
# start brings up whatever (of PART) is down, keeps a part that is up and answering, waits until
# all answer and prints (and writes to DIR/stack.env, shell-sourceable):
#   KAFKA_BROKERS=127.0.0.1:<port>
#   REDIS_ADDR=127.0.0.1:<port>
# plus KAFKA_STARTUP_SECONDS=<s> on stdout if it launched Kafka. Progress and errors go to stderr.
# With both already up it is idempotent (prints the addresses, exit 0); it refuses (exit 1) a
# --kafka-port/--redis-port other than the running part's. A part comes back on DIR's previous
# port (DIR/ports.env): required (exit 1 if taken, after 10 s) when the other part is up and on
# restart; with nothing up it is reused when free, else the OS picks a free one.
# stop PART and kill PART (SIGKILL, a simulated crash) leave the other part, ports.env and
# stack.env alone; stop without PART stops both and removes stack.env (ports.env stays). restart
# stops (SIGTERM, SIGKILL after 30 s Kafka / 10 s Redis) and starts again on the same port with
# the same data; stack.env stays. status prints a line per part; exit 0 if all answer, else 3.
# Env: STACK_READY_TIMEOUT (s, default 60), STACK_KAFKA_HEAP (default -Xmx512m).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_TOOLS="$REPO_ROOT/tools/kafka"
KAFKA_LIB="$KAFKA_TOOLS/lib"
READY_TIMEOUT="${STACK_READY_TIMEOUT:-60}"
KAFKA_HEAP="${STACK_KAFKA_HEAP:--Xmx512m}"
STOP_TIMEOUT_KAFKA=30
STOP_TIMEOUT_REDIS=10
# Only the standard library is used: the system python3, when there is one, starts faster than
# a pyenv shim (which costs ~0.3 s a call on a busy 2-core machine; a restart makes two or three).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# Logged by kafka.server.BrokerLifecycleManager once the broker is unfenced and serving:
#   [BrokerLifecycleManager id=1] The broker has been unfenced. Transitioning from RECOVERY to RUNNING.
KAFKA_READY_LINE="Transitioning from RECOVERY to RUNNING"

log() { echo "stack: $*" >&2; }
die() { echo "stack: error: $*" >&2; exit 1; }

usage() {  # the header comment: line 2 up to the first line that is not a comment
  awk 'NR > 1 && !/^#/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

now_ms() { local t="${EPOCHREALTIME//[!0-9]/}"; echo $(( t / 1000 )); }  # bash 5, no fork of date

# ---------------------------------------------------------------- arguments
CMD="${1:-}"
case "$CMD" in ""|-h|--help|help) usage ;; esac
shift
PART=""
if (($#)) && [[ "$1" != -* ]]; then PART="$1"; shift; fi
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
    *) die "unknown argument: $1 (usage: $0 COMMAND [kafka|redis] --dir DIR [...]; see --help)" ;;
  esac
done
case "$CMD" in
  start|stop|restart|kill|status) ;;
  *) die "unknown command: $CMD (start|stop|restart|kill|status)" ;;
esac
case "$PART" in
  "") PARTS=(kafka redis) ;;
  kafka|redis) PARTS=("$PART") ;;
  *) die "unknown part: $PART (kafka|redis)" ;;
esac
[ -n "$DIR" ] || die "--dir DIR is required"
for p in "$KAFKA_PORT" "$REDIS_PORT"; do
  [ -z "$p" ] || { [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)); } || die "bad port: $p"
done
[ -z "$KAFKA_PORT" ] || [ "$KAFKA_PORT" != "$REDIS_PORT" ] || die "--kafka-port and --redis-port are equal"
if [ -n "$KAFKA_PORT$REDIS_PORT" ]; then
  [ "$CMD" = start ] || die "--kafka-port/--redis-port only apply to start ($CMD keeps the ports)"
  [ -z "$KAFKA_PORT" ] || [ "$PART" != redis ] || die "--kafka-port given to start redis"
  [ -z "$REDIS_PORT" ] || [ "$PART" != kafka ] || die "--redis-port given to start kafka"
fi

case "$CMD" in
  start|restart) mkdir -p "$DIR" ;;
esac
if [ ! -d "$DIR" ]; then
  case "$CMD" in
    stop|kill) log "$DIR does not exist; nothing to $CMD"; exit 0 ;;
    status) for p in "${PARTS[@]}"; do echo "$p: down"; done; exit 3 ;;
  esac
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

stop_timeout() { if [ "$1" = kafka ]; then echo "$STOP_TIMEOUT_KAFKA"; else echo "$STOP_TIMEOUT_REDIS"; fi; }

stop_parts() {  # stop_parts PART...: SIGTERM all first so they shut down in parallel, then wait for each
  local what pid
  local -A pids=()
  for what in "$@"; do
    pid="$(running_pid "$what")" && kill -TERM "$pid" 2>/dev/null && pids[$what]="$pid"
  done
  for what in "$@"; do
    if [ -n "${pids[$what]:-}" ]; then
      stop_one "$what" "$(stop_timeout "$what")" "${pids[$what]}"
    else
      log "$what not running"; rm -f "$DIR/$what.pid"
    fi
  done
}

do_stop() {  # do_stop PART...: a stop of both also removes stack.env (ports.env stays, for reuse)
  stop_parts "$@"
  (($# == 2)) && rm -f "$ENV_FILE"
  return 0
}

do_kill() {  # do_kill PART...: SIGKILL, as a crash would; the other part, ports.env and stack.env stay
  local what pid deadline
  for what in "$@"; do
    if ! pid="$(running_pid "$what")"; then log "$what not running"; continue; fi
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(( $(now_ms) + 5000 ))
    while is_ours "$what" "$pid"; do
      (( $(now_ms) <= deadline )) || die "$what (pid $pid) survived SIGKILL"
      sleep 0.05
    done
    rm -f "$DIR/$what.pid"
    log "$what killed (pid $pid, SIGKILL)"
  done
}

# ---------------------------------------------------------------- probes
redis_ping() { [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

kafka_metadata_ok() {  # broker 1 answers a metadata request and lists itself
  timeout 10 kcat -b "127.0.0.1:$1" -L -m 5 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$1"
}

# busy_ports PORT...: prints those a server could not listen on at 127.0.0.1 now. SO_REUSEADDR,
# as Kafka (the JDK's server sockets) and redis-server set it: TIME_WAIT leftovers of a stopped
# server's connections do not count (a restart can reuse its port at once); a listener does.
busy_ports() {
  (($#)) || { echo; return 0; }
  "$PY" - "$@" <<'EOF'
import socket, sys
busy = []
for a in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(a)))
    except OSError:
        busy.append(a)
    finally:
        s.close()
print(" ".join(busy))
EOF
}

free_ports() {  # free_ports N -> N distinct free loopback ports (all held open while picking)
  "$PY" - "$1" <<'EOF'
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

part_port() {  # part_port kafka|controller|redis -> DIR's port for it (ports.env, else the config file)
  local v=""
  case "$1" in
    kafka) v="$(env_value "$PORTS_FILE" KAFKA_PORT || true)"
      [ -n "$v" ] || v="$(sed -n 's#^listeners=PLAINTEXT://127\.0\.0\.1:\([0-9]*\),.*#\1#p' "$DIR/server.properties" 2>/dev/null || true)" ;;
    controller) v="$(env_value "$PORTS_FILE" CONTROLLER_PORT || true)"
      [ -n "$v" ] || v="$(sed -n 's#^listeners=.*CONTROLLER://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$DIR/server.properties" 2>/dev/null || true)" ;;
    redis) v="$(env_value "$PORTS_FILE" REDIS_PORT || true)"
      [ -n "$v" ] || v="$(sed -n 's/^port \([0-9]*\)$/\1/p' "$DIR/redis.conf" 2>/dev/null || true)" ;;
  esac
  [[ "$v" =~ ^[0-9]+$ ]] || return 1
  echo "$v"
}

tail_log() {  # tail_log TITLE FILE
  [ -s "$2" ] || return 0
  echo "----- last 40 lines of $1 ($2) -----" >&2
  tail -n 40 "$2" >&2
  echo "-----" >&2
}

env_text() {  # stack.env's content, from ports.env: the addresses, also of a part that is down
  local kp rp
  kp="$(part_port kafka)" || kp=""
  rp="$(part_port redis)" || rp=""
  [ -z "$kp" ] || echo "KAFKA_BROKERS=127.0.0.1:$kp"
  [ -z "$rp" ] || echo "REDIS_ADDR=127.0.0.1:$rp"
}

write_env() {
  env_text >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

note_down() {  # note_down KAFKA_PID REDIS_PID: say which part is left down
  local down=""
  [ -n "$1" ] || down+=" kafka"
  [ -n "$2" ] || down+=" redis"
  [ -z "$down" ] || log "still down:$down (bring it up: $0 start --dir $DIR)"
}

print_env() {
  cat "$ENV_FILE"
}

# ---------------------------------------------------------------- start
kafka_cluster_id() {  # a Kafka Uuid: 16 random bytes, URL-safe base64 without padding
  "$PY" -c '
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

LAUNCHED_PIDS=() LAUNCHED_PARTS=()
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
  # Only what this run launched: a part that was up before stays up, with its pid file.
  local what
  for what in "${LAUNCHED_PARTS[@]}"; do rm -f "$DIR/$what.pid"; done
}

write_redis_conf() {  # write_redis_conf PORT
  cat >"$DIR/redis.conf.tmp" <<EOF
# Written by tools/stack/stack.sh.
bind 127.0.0.1
port $1
daemonize no
dir $REDIS_DATA_DIR
include $REPO_ROOT/deploy/redis/redis.conf
logfile ""
proc-title-template "{title} {listen-addr} {server-mode} {config-file}"
EOF
  mv "$DIR/redis.conf.tmp" "$DIR/redis.conf"
}

# do_start PART...: bring PARTs up; a PART already up and answering is kept as it is. KEEP_PORTS=1
# (restart) requires each PART's previous port, as does the other part being up: the clients of a
# bounced part must find it at the address they had.
KEEP_PORTS=0
do_start() {
  local want=" $* " kpid rpid kp="" cp="" rp="" launch_k=0 launch_r=0 strict=$KEEP_PORTS
  for c in java redis-server redis-cli kcat "$PY" setsid flock; do
    command -v "$c" >/dev/null 2>&1 || die "$c not found (run tools/setup.sh)"
  done

  kpid="$(running_pid kafka)" || kpid=""
  rpid="$(running_pid redis)" || rpid=""
  [[ "$want" == *" kafka "* && -z "$kpid" ]] && launch_k=1
  [[ "$want" == *" redis "* && -z "$rpid" ]] && launch_r=1
  { [ -n "$kpid" ] || [ -n "$rpid" ]; } && strict=1

  # A running part keeps its ports; a different one asked for is refused, as is one that does not answer.
  if [ -n "$kpid" ]; then
    kp="$(part_port kafka)" || die "kafka (pid $kpid) in $DIR is up but its port is unknown (no $PORTS_FILE); run: $0 restart kafka --dir $DIR"
    cp="$(part_port controller)" || die "kafka (pid $kpid) in $DIR is up but its controller port is unknown; run: $0 restart kafka --dir $DIR"
    [ -z "$KAFKA_PORT" ] || [ "$KAFKA_PORT" = "$kp" ] ||
      die "kafka in $DIR already running on port $kp, not $KAFKA_PORT; stop it first"
    if [[ "$want" == *" kafka "* ]] && ! kafka_metadata_ok "$kp"; then
      die "kafka (pid $kpid) in $DIR is up but not answering on port $kp; run: $0 restart kafka --dir $DIR"
    fi
  fi
  if [ -n "$rpid" ]; then
    rp="$(part_port redis)" || die "redis (pid $rpid) in $DIR is up but its port is unknown (no $PORTS_FILE); run: $0 restart redis --dir $DIR"
    [ -z "$REDIS_PORT" ] || [ "$REDIS_PORT" = "$rp" ] ||
      die "redis in $DIR already running on port $rp, not $REDIS_PORT; stop it first"
    if [[ "$want" == *" redis "* ]] && ! redis_ping "$rp"; then
      die "redis (pid $rpid) in $DIR is up but not answering on port $rp; run: $0 restart redis --dir $DIR"
    fi
  fi

  if ((!launch_k && !launch_r)); then
    [ -f "$ENV_FILE" ] && [ "$(cat "$ENV_FILE")" = "$(env_text)" ] || write_env
    log "already running in $DIR (kafka pid ${kpid:-down}, redis pid ${rpid:-down})"
    note_down "$kpid" "$rpid"
    print_env
    return 0
  fi

  # Only now: fetch.sh may take a while the first time, and kept parts do not need it.
  if ((launch_k)); then "$KAFKA_TOOLS/fetch.sh" || die "tools/kafka/fetch.sh failed"; fi

  # Ports of the parts to launch: as given, else the previous run's (required if strict, else
  # only if still free), else fresh ones from the OS. The controller port is internal: any will do.
  local prev_k prev_c prev_r
  prev_k="$(part_port kafka)" || prev_k=""
  prev_c="$(part_port controller)" || prev_c=""
  prev_r="$(part_port redis)" || prev_r=""
  # Taken: ports asked for, those of running parts, and the remembered ports of a part left down.
  local used=" $KAFKA_PORT $REDIS_PORT $kp $cp $rp "
  ((launch_k)) || [ -n "$kpid" ] || used+="$prev_k $prev_c "
  ((launch_r)) || [ -n "$rpid" ] || used+="$prev_r "
  # Candidates, and whether each is required (1) or may fall back to a fresh port (0).
  local ck="" cc="" cr="" nk=0 nr=0
  if ((launch_k)); then
    if [ -n "$KAFKA_PORT" ]; then ck="$KAFKA_PORT" nk=1
    elif [ -n "$prev_k" ] && [[ "$used" != *" $prev_k "* ]]; then ck="$prev_k" nk=$strict; fi
    if [ -n "$prev_c" ] && [[ "$used $ck " != *" $prev_c "* ]]; then cc="$prev_c"; fi
  fi
  if ((launch_r)); then
    if [ -n "$REDIS_PORT" ]; then cr="$REDIS_PORT" nr=1
    elif [ -n "$prev_r" ] && [[ "$used $ck $cc " != *" $prev_r "* ]]; then cr="$prev_r" nr=$strict; fi
  fi
  # One probe for all candidates; a required one gets 10 s to be let go (a just-stopped server's).
  local busy wait_until=$(( $(now_ms) + 10000 ))
  while :; do
    # shellcheck disable=SC2086  # empty candidates drop out
    busy=" $(busy_ports $ck $cc $cr) "
    if { ((nk)) && [[ "$busy" == *" $ck "* ]]; } || { ((nr)) && [[ "$busy" == *" $cr "* ]]; }; then
      if ((strict)) && (( $(now_ms) <= wait_until )); then sleep 0.2; continue; fi
      local which=kafka p="$ck" asked="$KAFKA_PORT"
      ((nk)) && [[ "$busy" == *" $ck "* ]] || which=redis p="$cr" asked="$REDIS_PORT"
      [ -z "$asked" ] || die "port 127.0.0.1:$p ($which) is in use"
      die "$which's port 127.0.0.1:$p (from $PORTS_FILE) is taken by another process, and $which must come back at the address its clients have; free the port, or stop the whole stack and start it again (new ports)"
    fi
    break
  done
  [[ -z "$ck" || "$busy" != *" $ck "* ]] || ck=""
  [[ -z "$cc" || "$busy" != *" $cc "* ]] || cc=""
  [[ -z "$cr" || "$busy" != *" $cr "* ]] || cr=""
  if { ((launch_k)) && { [ -z "$ck" ] || [ -z "$cc" ]; }; } || { ((launch_r)) && [ -z "$cr" ]; }; then
    local f
    used+="$ck $cc $cr "
    for f in $(free_ports 3); do
      [[ "$used" != *" $f "* ]] || continue
      if ((launch_k)) && [ -z "$ck" ]; then ck="$f"
      elif ((launch_k)) && [ -z "$cc" ]; then cc="$f"
      elif ((launch_r)) && [ -z "$cr" ]; then cr="$f"
      fi
      used+="$f "
    done
    if { ((launch_k)) && { [ -z "$ck" ] || [ -z "$cc" ]; }; } || { ((launch_r)) && [ -z "$cr" ]; }; then
      die "could not find free loopback ports"
    fi
  fi
  if ((launch_k)); then kp="$ck" cp="$cc"; else kp="${kp:-$prev_k}" cp="${cp:-$prev_c}"; fi
  if ((launch_r)); then rp="$cr"; else rp="${rp:-$prev_r}"; fi
  printf 'KAFKA_PORT=%s\nCONTROLLER_PORT=%s\nREDIS_PORT=%s\n' "$kp" "$cp" "$rp" >"$PORTS_FILE.tmp"
  mv "$PORTS_FILE.tmp" "$PORTS_FILE"
  # A start from nothing: no stale addresses while it comes up. A bounce (restart, or one part
  # kept up) keeps stack.env: the addresses do not change.
  ((KEEP_PORTS)) || [ -n "$kpid" ] || [ -n "$rpid" ] || rm -f "$ENV_FILE"

  if ((launch_k)); then
    mkdir -p "$KAFKA_LOG_DIR" "$KAFKA_DATA_DIR"
    write_server_properties "$kp" "$cp"
    set_java_log_opts
    # Keep one previous log; the readiness poll must only see this run's lines.
    [ -f "$KAFKA_LOG" ] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
    [ -f "$KAFKA_OUT" ] && mv -f "$KAFKA_OUT" "$KAFKA_OUT.1"
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
  fi
  if ((launch_r)); then
    mkdir -p "$REDIS_DATA_DIR"
    write_redis_conf "$rp"
    [ -f "$REDIS_LOG" ] && mv -f "$REDIS_LOG" "$REDIS_LOG.1"
  fi

  trap on_start_abort EXIT
  trap 'exit 130' INT TERM

  local t0 t1="" tr=""
  t0="$(now_ms)"
  # setsid: own session, so a Ctrl-C or the caller's process-group kill doesn't hit them; all fds
  # redirected (and the lock fd 9 closed) so no caller's pipe or lock is held open by them.
  if ((launch_k)); then
    local -a heap
    read -r -a heap <<<"$KAFKA_HEAP"   # may hold several words, e.g. "-Xms256m -Xmx512m"
    setsid java -server "${heap[@]}" \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        "${JAVA_LOG_OPTS[@]}" -cp "$KAFKA_LIB/*" \
        kafka.Kafka "$DIR/server.properties" </dev/null >"$KAFKA_OUT" 2>&1 9>&- &
    kpid=$!
    LAUNCHED_PIDS+=("$kpid") LAUNCHED_PARTS+=(kafka)
    echo "$kpid" >"$KAFKA_PID_FILE"
    log "launched kafka (pid $kpid, 127.0.0.1:$kp, controller :$cp)"
  fi
  if ((launch_r)); then
    setsid redis-server "$DIR/redis.conf" </dev/null >"$REDIS_LOG" 2>&1 9>&- &
    rpid=$!
    LAUNCHED_PIDS+=("$rpid") LAUNCHED_PARTS+=(redis)
    echo "$rpid" >"$REDIS_PID_FILE"
    log "launched redis (pid $rpid, 127.0.0.1:$rp)"
  fi

  # Condition poll with a deadline (sleeps are only the poll interval).
  local deadline=$(( t0 + READY_TIMEOUT * 1000 )) kafka_ready=$((!launch_k)) redis_ready=$((!launch_r))
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
      redis_ping "$rp" && { redis_ready=1; tr="$(now_ms)"; }
    fi
    ((kafka_ready && redis_ready)) && break
    if (( $(now_ms) > deadline )); then
      ((kafka_ready)) || { tail_log "kafka" "$KAFKA_LOG"; tail_log "kafka stdout/stderr" "$KAFKA_OUT"; }
      ((redis_ready)) || tail_log "redis" "$REDIS_LOG"
      die "not ready within ${READY_TIMEOUT}s (kafka ready: $kafka_ready, redis ready: $redis_ready)"
    fi
    sleep 0.2
  done

  write_env
  trap - EXIT INT TERM
  LAUNCHED_PIDS=() LAUNCHED_PARTS=()

  secs() { local ms=$1; printf '%d.%02d' $((ms / 1000)) $(( (ms % 1000) / 10 )); }
  [ -z "$tr" ] || log "redis ready in $(secs $((tr - t0)))s"
  local ksecs=""
  if [ -n "$t1" ]; then
    ksecs="$(secs $((t1 - t0)))"
    echo "$ksecs" >"$DIR/kafka-startup-seconds"
    log "kafka ready in ${ksecs}s"
  fi
  note_down "$kpid" "$rpid"
  log "env in $ENV_FILE"
  print_env
  [ -z "$ksecs" ] || echo "KAFKA_STARTUP_SECONDS=$ksecs"
}

do_restart() {  # do_restart PART...: stop, then start on the same ports with the same data
  stop_parts "$@"
  KEEP_PORTS=1
  do_start "$@"
}

status_one() {  # status_one kafka|redis: one line; fails unless up and answering
  local what="$1" port pid
  port="$(part_port "$what")" || port=""
  if ! pid="$(running_pid "$what")"; then
    echo "$what: down"; return 1
  fi
  if [ -n "$port" ] && { if [ "$what" = kafka ]; then kafka_metadata_ok "$port"; else redis_ping "$port"; fi; }; then
    echo "$what: up (pid $pid, 127.0.0.1:$port)"
  else
    echo "$what: process up but not answering (pid $pid, 127.0.0.1:${port:-?})"; return 1
  fi
}

do_status() {  # do_status PART...: exit 3 unless all answer
  local what rc=0
  for what in "$@"; do status_one "$what" || rc=3; done
  return "$rc"
}

case "$CMD" in
  start|stop|restart|kill)
    # One start/stop/restart/kill at a time per DIR.
    exec 9>>"$DIR/.stack.lock"
    flock -w 120 9 || die "another stack.sh start/stop/restart/kill holds $DIR/.stack.lock"
    "do_$CMD" "${PARTS[@]}"
    ;;
  status) do_status "${PARTS[@]}" ;;
esac
