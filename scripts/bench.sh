#!/usr/bin/env bash
# Side-by-side throughput of ardb-rs and redis-server (appendonly yes, appendfsync everysec), measured
# with redis-benchmark in the same run: 50 clients, strings and every collection type (the tests in
# TESTS), without and with -P 16.
# Prints a table of both throughputs and their ratio and writes it to docs/benchmarks.md.
#
# Environment: REQUESTS (default 200000), PIPELINED_REQUESTS (default 500000), ROUNDS (default 3;
# each cell is the best of ROUNDS alternating runs, so a noisy moment does not decide a ratio),
# ARDB_RS_BIN, OUT (default docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-200000}
PIPELINED_REQUESTS=${PIPELINED_REQUESTS:-500000}
ROUNDS=${ROUNDS:-3}
ARDB_RS_BIN=${ARDB_RS_BIN:-$PWD/target/release/ardb-rs}
OUT=${OUT:-docs/benchmarks.md}
TESTS=${TESTS:-set,get,incr,mset,lpush,rpush,lpop,rpop,sadd,spop,hset,zadd,lrange_100,lrange_600}

BENCH_NAME=bench
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh

redis_port=$(free_port)
mkdir -p "$work/redis" "$work/ardb"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save '' \
  --appendonly yes --appendfsync everysec --daemonize no --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
ardb_port=$(free_port)
"$ARDB_RS_BIN" --port "$ardb_port" --dir "$work/ardb" --loglevel warning >"$work/ardb.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"
wait_port "$ardb_port"

declare -A best
best_of_rounds ""

table="| test | pipeline | redis-server ops/s | ardb-rs ops/s | ratio ardb-rs / redis |
|---|---|---:|---:|---:|"
for pipeline in 1 16; do
  for test in SET GET INCR "MSET (10 keys)" LPUSH RPUSH LPOP RPOP SADD SPOP HSET ZADD \
      "LRANGE_100 (first 100 elements)" "LRANGE_600 (first 600 elements)"; do
    [ -n "${best[redis/$pipeline/$test]:-}" ] || continue
    r=${best[redis/$pipeline/$test]:-0}; a=${best[ardb/$pipeline/$test]:-0}
    ratio=$(python3 -c "print('%.2f' % (float('$a')/float('$r')) if float('$r') else 'n/a')")
    table+=$'\n'"| $test | $([ "$pipeline" = 1 ] && echo none || echo "-P $pipeline") | $(printf '%.0f' "$r") | $(printf '%.0f' "$a") | $ratio |"
  done
done

# Big collections: a 1,000,000-element list and a 1,000,000-member sorted set on both servers;
# the latency of reads in their middle and of deleting them.
BIG=${BIG:-1000000}
load_big() { # PORT
  python3 - "$BIG" <<'GEN' | redis-cli -p "$1" --pipe >/dev/null
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
def cmd(args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for start in range(0, n, 1000):
    cmd([b"RPUSH", b"biglist"] + [b"e%d" % i for i in range(start, min(n, start + 1000))])
    pairs = []
    for i in range(start, min(n, start + 1000)):
        pairs += [str(i), b"m%d" % i]
    cmd([b"ZADD", b"bigzset"] + pairs)
GEN
}
# latency PORT ARGS... -> mean milliseconds per call, one client, 2000 calls
latency() {
  local port=$1; shift
  redis-benchmark -p "$port" -c 1 -n 2000 --csv "$@" 2>/dev/null | grep '^"' | grep -v '^"test"' | \
    awk -F'","' '{ gsub(/"/, "", $2); printf "%.3f", 1000 / $2 }'
}
# elapsed_ms PORT ARGS... -> milliseconds from sending one command to reading its reply
elapsed_ms() {
  python3 - "$@" <<'TIMED'
import socket, sys, time
port, args = int(sys.argv[1]), [a.encode() for a in sys.argv[2:]]
s = socket.create_connection(("127.0.0.1", port))
req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
t0 = time.perf_counter(); s.sendall(req); s.recv(64); t1 = time.perf_counter()
print("%.2f" % ((t1 - t0) * 1000))
TIMED
}
big_table="| operation on $BIG elements | redis-server | ardb-rs |
|---|---:|---:|"
declare -A big
for server in redis ardb; do
  port=$redis_port; [ "$server" = ardb ] && port=$ardb_port
  redis-cli -p "$port" DEL biglist bigzset >/dev/null
  t0=$(date +%s%N); load_big "$port"; t1=$(date +%s%N)
  big[$server/load]=$(python3 -c "print('%.1f s' % (($t1 - $t0) / 1e9))")
  big[$server/lindex]="$(latency "$port" LINDEX biglist $((BIG / 2))) ms"
  big[$server/lrange]="$(latency "$port" LRANGE biglist $((BIG / 2)) $((BIG / 2 + 9))) ms"
  big[$server/zrange]="$(latency "$port" ZRANGE bigzset $((BIG / 2)) $((BIG / 2 + 9))) ms"
  big[$server/zscore]="$(latency "$port" ZRANGEBYSCORE bigzset $((BIG / 2)) $((BIG / 2 + 9))) ms"
  big[$server/zrank]="$(latency "$port" ZRANK bigzset m$((BIG / 2))) ms"
  big[$server/dellist]="$(elapsed_ms "$port" DEL biglist) ms"
  big[$server/delzset]="$(elapsed_ms "$port" DEL bigzset) ms"
  echo "bench: big collections on $server done" >&2
done
for row in "load (RPUSH + ZADD, 1,000 per command, redis-cli --pipe)/load" "LINDEX middle (mean latency)/lindex" \
    "LRANGE middle 10/lrange" "ZRANGE middle 10 by rank/zrange" "ZRANGEBYSCORE middle 10/zscore" \
    "ZRANK middle member/zrank" "DEL the list (one call, wall time)/dellist" "DEL the sorted set/delzset"; do
  big_table+=$'\n'"| ${row%/*} | ${big[redis/${row##*/}]} | ${big[ardb/${row##*/}]} |"
done
table+=$'\n\n'"$big_table"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), ardb-rs $("$ARDB_RS_BIN" --version | awk '{print $2}')"
echo "$table"
echo "machine: $machine"

python3 - "$table" "$machine" "$REQUESTS" "$PIPELINED_REQUESTS" "$ROUNDS" <<'PY' | python3 scripts/lib/doc_section.py "$OUT" bench
import sys, datetime
table, machine, n, np, rounds = sys.argv[1:]
print(f"Measured {datetime.date.today()} by `make bench` (scripts/bench.sh): redis-benchmark, 50 clients, "
         f"`-r 100000`, {n} requests unpipelined and {np} with `-P 16`, best of {rounds} alternating rounds per cell.\n"
         f"redis-server runs with `appendonly yes`, `appendfsync everysec`; ardb-rs with its defaults (sled, flushed every second).\n\n"
         f"Machine: {machine}.\n\n{table}")
PY
echo "bench: table written to $OUT"
