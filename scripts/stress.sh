#!/usr/bin/env bash
# Write-stress soak for ardb-rs: pipelined SET/INCR/MSET over a 1M-key range with 64-byte values, in
# rounds of up to 60 s, for DURATION seconds (default 240). Every 10 s a separate client must get PONG
# within 5 s, or the run fails and the server's thread stacks are saved (gdb, if installed) — this is
# how sled's deadlock (spacejam/sled#1412) shows itself. Stops every process it starts, by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-240}
ARDB_RS_BIN=${ARDB_RS_BIN:-$PWD/target/release/ardb-rs}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
"$ARDB_RS_BIN" --port "$port" --dir "$dir" --loglevel warning >"$dir.log" 2>&1 &
server=$!
bench=
cleanup() {
  [ -n "$bench" ] && kill "$bench" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$dir" "$dir.log"
}
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

end=$((SECONDS + DURATION)); rounds=0
while [ $SECONDS -lt $end ]; do
  redis-benchmark -p "$port" -c 50 -n 1000000 -P 16 -t set,incr,mset -r 1000000 -d 64 -q >/dev/null 2>&1 &
  bench=$!
  for _ in 1 2 3 4 5 6; do
    sleep 10
    if ! timeout 5 redis-cli -p "$port" ping >/dev/null 2>&1; then
      echo "stress: FAILED — no PONG within 5 s after $rounds rounds"
      command -v gdb >/dev/null && gdb -p "$server" -batch -ex "thread apply all bt 10" > stress-hang-backtrace.txt 2>&1 \
        && echo "stress: thread stacks in stress-hang-backtrace.txt"
      exit 1
    fi
  done
  kill "$bench" 2>/dev/null || true; wait "$bench" 2>/dev/null || true; bench=
  rounds=$((rounds + 1))
done
echo "stress: ok — $rounds rounds, $(redis-cli -p "$port" dbsize) keys, $(du -sh "$dir" | cut -f1) on disk, server answered throughout"
