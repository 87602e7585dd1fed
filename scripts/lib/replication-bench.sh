# Helpers shared by the replication benchmarks (scripts/bench-replication.sh, scripts/bench-replica.sh):
# starting and stopping servers, the seeded mixed data set, and timing a full sync until the replica
# holds the master's data set. Sourced after scripts/lib/bench-common.sh; expects KEYS, SYNC_TIMEOUT,
# ARDB_RS_BIN and BENCH_NAME.

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
def received(stats):
    # Redis counts replication traffic apart; ardb-rs's input counter includes its master link.
    return int(stats.get("total_net_repl_input_bytes", stats["total_net_input_bytes"]))
before = received(r.info("stats"))
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
print("%.3f %d" % (seconds, received(r.info("stats")) - before))
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

