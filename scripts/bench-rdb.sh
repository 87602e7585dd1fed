#!/usr/bin/env bash
# RDB throughput side by side: on the same 1M-key data set (KEYS, default 1,000,000 strings plus
# KEYS/100 ten-field hashes), redis-server's SAVE and load (DEBUG RELOAD NOSAVE) against ardb-rs's
# SAVE and `--import-rdb` of Redis's file, plus the rdb-writer/rdb-reader crates on their own.
# Writes the table into docs/benchmarks.md between the bench-rdb markers.
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-1000000}
ARDB_RS_BIN=${ARDB_RS_BIN:-$PWD/target/release/ardb-rs}
OUT=${OUT:-docs/benchmarks.md}
cargo build --release --quiet --examples -p rdb-reader -p rdb-writer
EXAMPLES=$PWD/target/release/examples

BENCH_NAME=bench-rdb
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh

load() { # PORT
  python3 - "$KEYS" <<'GEN' | redis-cli -p "$1" --pipe >/dev/null
import sys
n = int(sys.argv[1]); out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for i in range(n):
    cmd(b"SET", b"key:%010d" % i, b"value-%d-xxxxxxxx" % i)
    if i % 100 == 0:
        cmd(b"HSET", b"hash:%d" % i, *[x for f in range(10) for x in (b"f%d" % f, b"%d" % i)])
GEN
}
# timed PORT ARGS... -> seconds from sending one command to its reply
timed() {
  python3 - "$@" <<'TIMED'
import socket, sys, time
port, args = int(sys.argv[1]), [a.encode() for a in sys.argv[2:]]
s = socket.create_connection(("127.0.0.1", port))
req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
t0 = time.perf_counter(); s.sendall(req); reply = s.recv(256); t1 = time.perf_counter()
if not reply.startswith(b"+"):
    sys.exit("unexpected reply %r" % reply)
print("%.3f" % (t1 - t0))
TIMED
}
ratio() { python3 -c "print('%.2f' % (float('$1') / float('$2')) if float('$2') else 'n/a')"; }
mbps() { python3 -c "print('%.0f' % ($1 / 1e6 / float('$2')))"; }

mkdir -p "$work/redis" "$work/ardb" "$work/import"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly no --enable-debug-command yes \
  --daemonize no --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
ardb_port=$(free_port)
"$ARDB_RS_BIN" --port "$ardb_port" --dir "$work/ardb" --loglevel warning >"$work/ardb.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"; wait_port "$ardb_port"
load "$redis_port"; load "$ardb_port"
echo "bench-rdb: data loaded" >&2

redis_save=$(timed "$redis_port" SAVE)
redis_size=$(stat -c %s "$work/redis/dump.rdb")
ardb_save=$(timed "$ardb_port" SAVE)
ardb_size=$(stat -c %s "$work/ardb/dump.rdb")
redis_load=$(timed "$redis_port" DEBUG RELOAD NOSAVE)
t0=$(date +%s%N)
"$ARDB_RS_BIN" --dir "$work/import" --loglevel warning --import-rdb "$work/redis/dump.rdb"
t1=$(date +%s%N)
ardb_import=$(python3 -c "print('%.3f' % (($t1 - $t0) / 1e9))")
writer=$("$EXAMPLES/write_keys" "$KEYS" "$work/crate.rdb")
reader=$("$EXAMPLES/rdb_stats" "$work/redis/dump.rdb")
keys=$((KEYS + KEYS / 100))

table="| $keys keys ($((KEYS / 100)) of them hashes) | redis-server | ardb-rs | ratio (speed) ardb-rs / redis |
|---|---:|---:|---:|
| SAVE | ${redis_save} s ($(mbps "$redis_size" "$redis_save") MB/s) | ${ardb_save} s ($(mbps "$ardb_size" "$ardb_save") MB/s) | $(ratio "$redis_save" "$ardb_save") |
| load Redis's dump.rdb (DEBUG RELOAD NOSAVE / \`--import-rdb\` into sled) | ${redis_load} s | ${ardb_import} s | $(ratio "$redis_load" "$ardb_import") |
| file size | $redis_size B | $ardb_size B | |

Crates alone (no server, no storage): rdb-writer \`$writer\`; rdb-reader on Redis's file \`$reader\`."
echo "$table"
python3 - "$table" "$(nproc)" <<'PY' | python3 scripts/lib/doc_section.py "$OUT" bench-rdb
import sys, datetime
table, cores = sys.argv[1:]
print(f"## RDB\n\nMeasured {datetime.date.today()} by `make bench` (scripts/bench-rdb.sh) on {cores} cores, "
         f"both servers holding the same data set loaded with `redis-cli --pipe`; redis-server 7.0.15 with persistence off "
         f"except the measured SAVE.\n\n{table}")
PY
echo "bench-rdb: table written to $OUT"
