# Shared by the bench scripts (sourced): free loopback ports, waiting for a server, and stopping every
# server a script started — by the pids it recorded, never by name — when the script exits.
# The sourcing script sets BENCH_NAME (for messages) before sourcing.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$BENCH_NAME: server on port $1 did not start" >&2; return 1
}

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# bench_run PORT PIPELINE REQUESTS -> "test<TAB>rps" lines for the tests in $TESTS (50 clients);
# fails on any error reply.
bench_run() {
  local out
  out=$(redis-benchmark -p "$1" -c 50 -n "$3" -P "$2" -t "$TESTS" -r 100000 -e --csv 2>&1)
  if echo "$out" | grep -qiE '^(error|ERR)|WRONGTYPE|Error from server'; then
    echo "$BENCH_NAME: errors from server on port $1:" >&2; echo "$out" >&2; exit 1
  fi
  # Data rows only: skip the header and any warning line (redis-benchmark warns when it cannot read
  # CONFIG values it only uses for display).
  echo "$out" | grep '^"' | grep -v '^"test"' | awk -F'","' '{ gsub(/"/, "", $1); gsub(/"/, "", $2); print $1 "\t" $2 }'
}

# best_of_rounds KEY_PREFIX: ROUNDS alternating redis-benchmark runs against $redis_port and
# $ardb_port, unpipelined (REQUESTS requests) and with -P 16 (PIPELINED_REQUESTS); keeps each cell's
# best ops/s in best[KEY_PREFIX<server>/<pipeline>/<test>] (the caller declares `declare -A best`).
best_of_rounds() {
  local prefix=$1 pipeline n round server port test rps key
  for pipeline in 1 16; do
    n=$REQUESTS; [ "$pipeline" -gt 1 ] && n=$PIPELINED_REQUESTS
    for round in $(seq "$ROUNDS"); do
      for server in redis ardb; do
        port=$redis_port; [ "$server" = ardb ] && port=$ardb_port
        while IFS=$'\t' read -r test rps; do
          key="$prefix$server/$pipeline/$test"
          best[$key]=$(python3 -c "print(max(float('${best[$key]:-0}'), float('$rps')))")
        done < <(bench_run "$port" "$pipeline" "$n")
        echo "$BENCH_NAME: ${prefix}round $round, -P $pipeline, $server done" >&2
      done
    done
  done
}
