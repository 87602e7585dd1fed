#!/usr/bin/env bash
# ardb-rs as a replication master, side by side with redis-server in the same run:
#   1. Full sync of KEYS keys (70% strings, 10% hashes of 5 fields, 10% lists of 5 elements, 5% sets
#      of 5 members, 5% sorted sets of 5 members; every value, field value and member 100 random
#      bytes), the same data loaded into both masters, to a fresh empty redis-server 7.0 replica:
#      time from REPLICAOF until the replica reports the link up, no sync in progress and the master's
#      dbsize; bytes the replica received; with repl-diskless-sync no, then yes (delay 0).
#   2. Master write throughput (redis-benchmark, 50 clients, SET/INCR/LPUSH) with 0 and with 2
#      redis-server replicas attached and in sync.
# Prints the tables and writes them to docs/benchmarks.md between <!-- bench-replication:start/end -->.
#
# Environment: KEYS (default 1000000), SYNC_ROUNDS (default 1; each sync cell is the best of them),
# REQUESTS (default 200000), ROUNDS (default 3; each throughput cell is the best of ROUNDS alternating
# runs), SYNC_TIMEOUT (seconds, default 1200), ARDB_RS_BIN, OUT (default docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-1000000}
SYNC_ROUNDS=${SYNC_ROUNDS:-1}
REQUESTS=${REQUESTS:-200000}
ROUNDS=${ROUNDS:-3}
SYNC_TIMEOUT=${SYNC_TIMEOUT:-1200}
ARDB_RS_BIN=${ARDB_RS_BIN:-$PWD/target/release/ardb-rs}
OUT=${OUT:-docs/benchmarks.md}
TESTS=set,incr,lpush

BENCH_NAME=bench-replication
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh

# --- servers ----------------------------------------------------------------------------------------
# Each start_* sets $port and $pid (they cannot be returned through $(...): the pid must be recorded in
# this shell's $pids so the EXIT trap stops it).

# start_redis NAME [ARGS...]: a redis-server with persistence off, as the other bench scripts run it;
# DEBUG DIGEST allowed from localhost so the synced data can be compared with the master's.
start_redis() {
  local name=$1; shift
  port=$(free_port); mkdir -p "$work/$name"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/$name" --save '' --appendonly no \
    --enable-debug-command local --daemonize no --loglevel warning "$@" >"$work/$name.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_port "$port"
}

# start_ardb NAME: ardb-rs with its defaults in a fresh directory.
start_ardb() {
  local name=$1
  port=$(free_port); mkdir -p "$work/$name"
  "$ARDB_RS_BIN" --port "$port" --dir "$work/$name" --loglevel warning >"$work/$name.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_port "$port"
}

# stop_server PID NAME: stop one server we started, forget its pid (so the trap never signals a reused
# pid) and delete its data.
stop_server() {
  kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
  local kept=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
  rm -rf "${work:?}/$2"
}

# set_diskless PORT yes|no: the same replication settings on either master.
set_diskless() {
  redis-cli -p "$1" CONFIG SET repl-diskless-sync "$2" >/dev/null
  redis-cli -p "$1" CONFIG SET repl-diskless-sync-delay 0 >/dev/null
  local got; got=$(redis-cli -p "$1" CONFIG GET repl-diskless-sync | tail -1)
  [ "$got" = "$2" ] || { echo "$BENCH_NAME: port $1 kept repl-diskless-sync $got" >&2; exit 1; }
}

# --- data -------------------------------------------------------------------------------------------
# load PORT: the mixed data set, from a seeded generator so both masters receive the same bytes without
# a file of several hundred MB. Random hex values so RDB compression does not flatter either side.
load() {
  local out
  out=$(python3 - "$KEYS" <<'GEN' | redis-cli -p "$1" --pipe 2>&1
import random, sys
n = int(sys.argv[1]); out = sys.stdout.buffer; rnd = random.Random(20261125)
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
def val():
    return rnd.randbytes(50).hex().encode()
for i in range(n):
    kind = i % 20  # 14/20 strings, 2/20 hashes, 2/20 lists, 1/20 sets, 1/20 sorted sets
    if kind < 14:
        cmd(b"SET", b"str:%d" % i, val())
    elif kind < 16:
        cmd(b"HSET", b"hash:%d" % i, *[x for f in range(5) for x in (b"f%d" % f, val())])
    elif kind < 18:
        cmd(b"RPUSH", b"list:%d" % i, *[val() for _ in range(5)])
    elif kind < 19:
        cmd(b"SADD", b"set:%d" % i, *[val() for _ in range(5)])
    else:
        cmd(b"ZADD", b"zset:%d" % i, *[x for s in range(5) for x in (b"%d" % (i * 5 + s), val())])
GEN
)
  echo "$out" | grep -q 'errors: 0,' || { echo "$BENCH_NAME: loading port $1 failed: $out" >&2; exit 1; }
}

dbsize() { redis-cli -p "$1" DBSIZE; }

# --- replication ------------------------------------------------------------------------------------
# sync_wait REPLICA MASTER: issue REPLICAOF 127.0.0.1 MASTER on the replica and start the clock; then poll every 20 ms (one connection, no process per poll) until the replica
# reports master_link_status:up, master_sync_in_progress:0 and the master's dbsize.
# Prints "<seconds> <replication bytes the replica received>" (its total_net_repl_input_bytes delta:
# measured by the same redis-server whichever master it syncs from).
sync_wait() {
  python3 - "$@" "$SYNC_TIMEOUT" <<'SYNC'
import socket, sys, time
replica, master, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port)); self.f = self.s.makefile("rb")
    def cmd(self, *args):
        args = [a.encode() for a in args]
        self.s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
        line = self.f.readline(); kind, rest = line[:1], line[1:-2]
        if kind == b"$":
            return self.f.read(int(rest) + 2)[:-2].decode()
        if kind == b":":
            return int(rest)
        if kind == b"-":
            return RuntimeError(rest.decode())  # e.g. LOADING while the replica loads the RDB
        return rest.decode()
    def info(self, section):
        return dict(l.split(":", 1) for l in self.cmd("INFO", section).splitlines() if ":" in l)

r, m = Conn(replica), Conn(master)
want = m.cmd("DBSIZE")
before = int(r.info("stats")["total_net_repl_input_bytes"])
t0 = time.perf_counter()
reply = r.cmd("REPLICAOF", "127.0.0.1", str(master))
if isinstance(reply, Exception):
    sys.exit("REPLICAOF failed: %s" % reply)
while True:
    rep = r.info("replication")
    if rep.get("master_link_status") == "up" and rep.get("master_sync_in_progress") == "0" \
            and r.cmd("DBSIZE") == want:
        break
    if time.perf_counter() - t0 > timeout:
        sys.exit("replica %d not in sync with %d after %.0f s: dbsize %s of %s, %s" % (
            replica, master, timeout, r.cmd("DBSIZE"), want,
            {k: v for k, v in rep.items() if k.startswith(("master_", "role"))}))
    time.sleep(0.02)
seconds = time.perf_counter() - t0
print("%.3f %d" % (seconds, int(r.info("stats")["total_net_repl_input_bytes"]) - before))
SYNC
}

# offsets_match REPLICA MASTER: after writes, wait (up to 60 s) until the replica has applied the whole
# stream: same master_repl_offset as the master and same dbsize. Prints "yes" or what differed.
offsets_match() {
  local rs ms
  for _ in $(seq 300); do
    ms=$(redis-cli -p "$2" INFO replication | tr -d '\r' | sed -n 's/^master_repl_offset://p')
    rs=$(redis-cli -p "$1" INFO replication | tr -d '\r' | sed -n 's/^master_repl_offset://p')
    [ "$rs" = "$ms" ] && [ "$(dbsize "$1")" = "$(dbsize "$2")" ] && { echo yes; return; }
    sleep 0.2
  done
  echo "no (replica offset $rs, master $ms; dbsize $(dbsize "$1") vs $(dbsize "$2"))"
}

# sync_failed SERVER: show both ends' logs before the trap deletes them.
sync_failed() {
  echo "$BENCH_NAME: full sync from the $1 master failed; replica log:" >&2; tail -20 "$work/replica.log" >&2
  echo "$BENCH_NAME: $1 master log:" >&2; tail -20 "$work/$1-master.log" >&2
  exit 1
}

ratio() { python3 -c "print('%.2f' % (float('$1') / float('$2')) if float('$2') else 'n/a')"; }
min() { python3 -c "print(min(float('$1'), float('$2')))"; }
max() { python3 -c "print(max(float('$1'), float('$2')))"; }

# --- 1. full sync -----------------------------------------------------------------------------------
start_redis redis-master; redis_port=$port; redis_pid=$pid
start_ardb ardb-master; ardb_port=$port; ardb_pid=$pid
load "$redis_port"; load "$ardb_port"
keys=$(dbsize "$redis_port")
[ "$(dbsize "$ardb_port")" = "$keys" ] || { echo "$BENCH_NAME: ardb-rs holds $(dbsize "$ardb_port") keys, redis $keys" >&2; exit 1; }
# What every replica must end up with: Redis's digest of the data set, the same on both masters.
digest=$(redis-cli -p "$redis_port" DEBUG DIGEST)
echo "$BENCH_NAME: $keys keys loaded into both masters" >&2

declare -A secs bytes match
for mode in no yes; do
  set_diskless "$redis_port" "$mode"; set_diskless "$ardb_port" "$mode"
  for round in $(seq "$SYNC_ROUNDS"); do
    for server in redis ardb; do
      master=$redis_port; [ "$server" = ardb ] && master=$ardb_port
      start_redis replica; replica=$port; replica_pid=$pid
      read -r s b < <(sync_wait "$replica" "$master")
      [ -n "${s:-}" ] || sync_failed "$server"
      # Same key count is the stop condition; the digest says the values arrived intact too.
      [ "$(redis-cli -p "$replica" DEBUG DIGEST)" = "$digest" ] && ok=yes || ok=NO
      secs[$mode/$server]=$(min "${secs[$mode/$server]:-inf}" "$s")
      bytes[$mode/$server]=$b; match[$mode/$server]=${match[$mode/$server]:-yes}
      [ "$ok" = yes ] || match[$mode/$server]=NO
      stop_server "$replica_pid" replica
      echo "$BENCH_NAME: diskless $mode, round $round, $server master: $s s, $b bytes, digest matches: $ok" >&2
    done
  done
done
stop_server "$redis_pid" redis-master; stop_server "$ardb_pid" ardb-master

sync_table="| full sync of $keys keys | redis-server → redis 7.0 | ardb-rs → redis 7.0 | ratio (speed) ardb-rs / redis |
|---|---:|---:|---:|"
# cell SECONDS BYTES -> "12.34 s, 81000 keys/s, 123.4 MB"
cell() { python3 -c "print('%.2f s, %.0f keys/s, %.1f MB' % ($1, $keys / $1, $2 / 1e6))"; }
for mode in no yes; do
  r=${secs[$mode/redis]}; a=${secs[$mode/ardb]}
  note=""; [ "${match[$mode/ardb]}${match[$mode/redis]}" = yesyes ] || note=" (data differs: ardb-rs ${match[$mode/ardb]}, redis ${match[$mode/redis]})"
  sync_table+=$'\n'"| repl-diskless-sync $mode | $(cell "$r" "${bytes[$mode/redis]}") | $(cell "$a" "${bytes[$mode/ardb]}") | $(ratio "$r" "$a")$note |"
done

# --- 2. write throughput with 0 and 2 replicas ------------------------------------------------------
# Fresh, empty masters, as scripts/bench.sh measures, so the 0-replica rows are comparable with it.
start_redis redis-master; redis_port=$port
start_ardb ardb-master; ardb_port=$port
declare -A best
measure() { # REPLICAS: best of ROUNDS alternating runs per server and test
  local round server port test rps key
  for round in $(seq "$ROUNDS"); do
    for server in redis ardb; do
      port=$redis_port; [ "$server" = ardb ] && port=$ardb_port
      while IFS=$'\t' read -r test rps; do
        key="$1/$server/$test"; best[$key]=$(max "${best[$key]:-0}" "$rps")
      done < <(bench_run "$port" 1 "$REQUESTS")
      echo "$BENCH_NAME: $1 replicas, round $round, $server done" >&2
    done
  done
}
# One untimed run first: the first writes into a fresh store create every key, later ones update them;
# without it the 0-replica cells would measure creation and the 2-replica cells updates.
bench_run "$redis_port" 1 "$REQUESTS" >/dev/null; bench_run "$ardb_port" 1 "$REQUESTS" >/dev/null
measure 0
replicas=()
for server in redis ardb; do
  master=$redis_port; [ "$server" = ardb ] && master=$ardb_port
  for n in 1 2; do
    start_redis "replica-$server-$n"; replicas+=("$server:$port")
    sync_wait "$port" "$master" >/dev/null
  done
done
echo "$BENCH_NAME: 2 replicas in sync on each master" >&2
measure 2
# The replicas must have applied everything the masters acknowledged.
in_sync=""
for r in "${replicas[@]}"; do
  master=$redis_port; [ "${r%%:*}" = ardb ] && master=$ardb_port
  in_sync+="${r%%:*} replica ${r##*:}: $(offsets_match "${r##*:}" "$master"); "
done
echo "$BENCH_NAME: replicas after the writes: $in_sync" >&2

write_table="| test | redis-server ops/s, 0 replicas | 2 replicas | 2 / 0 | ardb-rs ops/s, 0 replicas | 2 replicas | 2 / 0 | ratio ardb-rs / redis, 0 replicas | 2 replicas |
|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for test in SET INCR LPUSH; do
  r0=${best[0/redis/$test]}; r2=${best[2/redis/$test]}; a0=${best[0/ardb/$test]}; a2=${best[2/ardb/$test]}
  write_table+=$'\n'"| $test | $(printf '%.0f' "$r0") | $(printf '%.0f' "$r2") | $(ratio "$r2" "$r0") | $(printf '%.0f' "$a0") | $(printf '%.0f' "$a2") | $(ratio "$a2" "$a0") | $(ratio "$a0" "$r0") | $(ratio "$a2" "$r2") |"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), $(df -T "$work" | awk 'NR==2 {print $2}') filesystem, redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), ardb-rs $("$ARDB_RS_BIN" --version | awk '{print $2}')"
echo "$sync_table"
echo
echo "$write_table"
echo "replicas after the writes: $in_sync"
echo "machine: $machine"

python3 - "$OUT" "$sync_table" "$write_table" "$machine" "$KEYS" "$SYNC_ROUNDS" "$REQUESTS" "$ROUNDS" "$in_sync" <<'PY'
import sys, re, datetime
out, sync_table, write_table, machine, keys, sync_rounds, n, rounds, in_sync = sys.argv[1:]
start, end = "<!-- bench-replication:start -->", "<!-- bench-replication:end -->"
block = (f"{start}\nMeasured {datetime.date.today()} by `make bench` (scripts/bench-replication.sh). Both masters hold "
         f"the same {keys} keys loaded with `redis-cli --pipe`: 70% strings, 10% hashes of 5 fields, 10% lists of 5 "
         f"elements, 5% sets and 5% sorted sets of 5 members, every value, field value and member 100 random bytes "
         f"(hex). redis-server runs with `--save \"\" --appendonly no` (master and replicas); ardb-rs with its "
         f"defaults in a fresh directory. Both masters get the same `repl-diskless-sync` and "
         f"`repl-diskless-sync-delay 0`; the replica keeps Redis's default `repl-diskless-load disabled`.\n\n"
         f"Machine: {machine}.\n\n"
         f"Full sync: a fresh, empty redis-server replica; time from `REPLICAOF 127.0.0.1 <master>` until its INFO "
         f"shows `master_link_status:up`, `master_sync_in_progress:0` and its DBSIZE equals the master's (polled "
         f"every 20 ms), best of {sync_rounds}; MB is what the replica received (its `total_net_repl_input_bytes`). "
         f"The ratio is speed, redis time / ardb-rs time, as in the tables above: above 1 means ardb-rs is faster. "
         f"Every replica's `DEBUG DIGEST` is checked against the redis-server master's.\n\n{sync_table}\n\n"
         f"Master writes: redis-benchmark, 50 clients, `-r 100000`, {n} requests, best of {rounds} alternating rounds "
         f"per cell, on fresh masters, first with no replica, then with 2 redis-server replicas attached and in sync. "
         f"2 / 0 is each server's own throughput with 2 replicas over without; the last two columns are "
         f"ardb-rs / redis throughput.\n\n{write_table}\n\n"
         f"Did each replica apply the whole stream (same `master_repl_offset` and DBSIZE as its master, within 60 s "
         f"of the last write)? {in_sync.strip().rstrip(';')}.\n{end}")
text = open(out).read()
text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S) if start in text else text.rstrip("\n") + "\n\n## Replication (ardb-rs as master)\n\n" + block + "\n"
open(out, "w").write(text)
PY
echo "$BENCH_NAME: tables written to $OUT"
