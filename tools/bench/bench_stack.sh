# Sourced by the benchmark drivers (plumbing.sh, timers/timers.sh, paging/paging.sh): a Kafka + Redis stack of the
# bench's own in a fresh temporary directory, every process it starts stopped on exit (failure
# included), and the small helpers they share. The driver defines say, die, root and keep first.
#
#   source "$root/tools/bench/bench_stack.sh"
#   bench_stack_up csec-timers-bench      # sets dir, KAFKA_BROKERS, REDIS_ADDR; rcli works
#   some_server & pids+=("$!")            # stopped on exit; stop_pid "$pid" to stop one now
#   bench_bin="$(find_bench_bin timers_bench "$bench_bin")"

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
val() { sed -n "s/^$2=//p" "$1" | head -1; }  # file key → the value of its first key=value line

pids=()  # every process this script started and has not reaped yet, stopped on exit
stack_started=0
forget() {  # pid: reaped, so never signalled again (its number may be reused)
  local rest=() p
  for p in "${pids[@]}"; do [ "$p" != "$1" ] && rest+=("$p"); done
  pids=("${rest[@]}")
}
stop_pid() {  # pid: SIGTERM, then SIGKILL after 15 s
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; forget "$pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}
bench_cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  pids=()
  if [ "$stack_started" = 1 ]; then "$root/tools/stack/stack.sh" stop --dir "$dir/stack" >/dev/null 2>&1; fi
  if [ "$rc" != 0 ]; then
    say "failed (exit $rc); the last lines of each log:"
    for f in "$dir"/logs/*.log; do [ -s "$f" ] && { echo "--- $f" >&2; tail -5 "$f" >&2; }; done
  fi
  if [ "$keep" = 1 ] || [ "$rc" != 0 ]; then say "kept $dir"; else rm -rf "$dir"; fi
  exit "$rc"
}

bench_stack_up() {  # name: $TMPDIR/<name>.XXXXXX with logs/ and stack/, Kafka + Redis started there
  dir="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  mkdir -p "$dir/logs"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  say "starting Kafka + Redis in $dir/stack"
  stack_started=1
  "$root/tools/stack/stack.sh" start --dir "$dir/stack" >"$dir/stack.out" 2>"$dir/logs/stack.log" ||
    die "tools/stack/stack.sh start failed: $(tail -3 "$dir/logs/stack.log")"
  KAFKA_BROKERS="$(val "$dir/stack.out" KAFKA_BROKERS)"
  REDIS_ADDR="$(val "$dir/stack.out" REDIS_ADDR)"
  [ -n "$KAFKA_BROKERS" ] && [ -n "$REDIS_ADDR" ] || die "stack.sh printed no addresses"
  redis_host="${REDIS_ADDR%:*}"; redis_port="${REDIS_ADDR##*:}"
}
rcli() { redis-cli -h "$redis_host" -p "$redis_port" "$@"; }

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
ready_port() {  # ready file, key: a port a service wrote into its --ready_file
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# target, given path (may be empty): the benchmark program to run. The given one, else the first
# of $bin, build/ and build-bench/ that has it, else built alone in build/.
find_bench_bin() {
  local target="$1" found="$2" candidate
  if [ -z "$found" ]; then
    for candidate in "$bin/$target" "$root/build/bin/$target" "$root/build-bench/bin/$target"; do
      if [ -x "$candidate" ]; then found="$candidate"; break; fi
    done
  fi
  if [ -z "$found" ]; then
    say "$target is missing: building it alone (cmake --build build --target $target -j2)"
    [ -f "$root/build/CMakeCache.txt" ] || die "no build/ to build in: run tools/build.sh first"
    cmake --build "$root/build" --target "$target" -j 2 >&2 ||
      die "$target did not build; if the tree is mid-change, build it alone in a dir of your own:
  cmake -S $root -B $root/build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build $root/build-bench -j2 --target $target"
    found="$root/build/bin/$target"
  fi
  [ -x "$found" ] || die "$found is not executable"
  echo "$found"
}
