#!/usr/bin/env bash
# Write throughput with the redo log on: ardb-rs with repl-backlog-fsync everysec / always against
# redis-server with appendonly yes and appendfsync everysec / always, in the same run (redis-benchmark,
# 50 clients, SET/INCR/LPUSH, without and with -P 16, best of ROUNDS alternating runs per cell); then
# the backlog-mmap crate alone: append MB/s against a plain memcpy of the same bytes.
# Writes both tables to docs/benchmarks.md between <!-- bench-durability:start/end --> markers.
#
# Environment: REQUESTS (default 200000), PIPELINED_REQUESTS (default 500000), ROUNDS (default 3),
# ARDB_RS_BIN, OUT (default docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-200000}
PIPELINED_REQUESTS=${PIPELINED_REQUESTS:-500000}
ROUNDS=${ROUNDS:-3}
ARDB_RS_BIN=${ARDB_RS_BIN:-$PWD/target/release/ardb-rs}
OUT=${OUT:-docs/benchmarks.md}
TESTS=set,incr,lpush

BENCH_NAME=bench-durability
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh

# start_pair MODE -> sets redis_port/ardb_port; MODE is everysec or always for both servers.
start_pair() {
  local mode=$1
  redis_port=$(free_port)
  mkdir -p "$work/redis-$mode" "$work/ardb-$mode"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis-$mode" --save '' \
    --appendonly yes --appendfsync "$mode" --daemonize no --loglevel warning >"$work/redis-$mode.log" 2>&1 &
  pids+=($!)
  ardb_port=$(free_port)
  "$ARDB_RS_BIN" --port "$ardb_port" --dir "$work/ardb-$mode" --repl-backlog-fsync "$mode" \
    --loglevel warning >"$work/ardb-$mode.log" 2>&1 &
  pids+=($!)
  wait_port "$redis_port"
  wait_port "$ardb_port"
}

declare -A best
for mode in everysec always; do
  start_pair "$mode"
  best_of_rounds "$mode/"
done

table="| test | pipeline | fsync | redis-server (AOF) ops/s | ardb-rs (backlog) ops/s | ratio ardb-rs / redis |
|---|---|---|---:|---:|---:|"
for mode in everysec always; do
  for pipeline in 1 16; do
    for test in SET INCR LPUSH; do
      r=${best[$mode/redis/$pipeline/$test]:-0}; a=${best[$mode/ardb/$pipeline/$test]:-0}
      ratio=$(python3 -c "print('%.2f' % (float('$a')/float('$r')) if float('$r') else 'n/a')")
      table+=$'\n'"| $test | $([ "$pipeline" = 1 ] && echo none || echo "-P $pipeline") | $mode | $(printf '%.0f' "$r") | $(printf '%.0f' "$a") | $ratio |"
    done
  done
done

echo "bench-durability: backlog-mmap append throughput" >&2
append=$(cargo run --release -q -p backlog-mmap --example append_throughput 2>/dev/null)
append_table="| record size | policy | backlog append MB/s | memcpy MB/s | ratio |
|---|---|---:|---:|---:|"
while read -r _ size policy rate _ _ copy _ _ ratio; do
  append_table+=$'\n'"| $size | ${policy%:} | $rate | $copy | $ratio |"
done < <(echo "$append" | grep '^append')

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), $(df -T "$work" | awk 'NR==2 {print $2}') filesystem, redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')"
echo "$table"
echo "$append_table"
echo "machine: $machine"

python3 - "$table" "$append_table" "$machine" "$REQUESTS" "$PIPELINED_REQUESTS" "$ROUNDS" <<'PY' | python3 scripts/lib/doc_section.py "$OUT" bench-durability "Durability: writes with the redo log on (issue 5)"
import sys, datetime
table, append_table, machine, n, np, rounds = sys.argv[1:]
print(f"Measured {datetime.date.today()} by `make bench` (scripts/bench-durability.sh): redis-benchmark, "
         f"50 clients, `-r 100000`, {n} requests unpipelined and {np} with `-P 16`, best of {rounds} alternating rounds "
         f"per cell. redis-server: `appendonly yes` with the `appendfsync` shown; ardb-rs: its redo log (the mapped "
         f"backlog) with `repl-backlog-fsync` set the same way.\n\nMachine: {machine}.\n\n{table}\n\n"
         f"The backlog-mmap crate alone (`cargo run --release -p backlog-mmap --example append_throughput`, 256 MiB "
         f"ring, `sync_for_reply` after every append, against a memcpy of the same bytes into a Vec ring):\n\n"
         f"{append_table}")
PY
echo "bench-durability: tables written to $OUT"
