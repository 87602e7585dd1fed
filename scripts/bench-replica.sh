#!/usr/bin/env bash
# ardb-rs as a replica of a real Redis 7.0 master, side by side with a redis-server replica of the same
# master in the same run:
#   1. Full-sync load of KEYS keys (the mixed data set of scripts/lib/replication-bench.sh): time from
#      REPLICAOF until the replica reports the link up, no sync in progress and the master's dbsize.
#   2. Streaming apply rate: redis-benchmark writes to the master as fast as it takes them (50 clients,
#      SET/INCR/LPUSH, REQUESTS each) with one replica attached; the rate is the writes divided by the
#      time from the first write until the replica's offset reached the master's. A replica that keeps
#      up (lag < 1 s) scores the master's own rate; one that falls behind scores what it applied.
# Prints the tables and writes them to docs/benchmarks.md between <!-- bench-replica:start/end -->.
#
# Environment: KEYS (default 1000000), REQUESTS (default 200000), SYNC_TIMEOUT (seconds, default 1200),
# ARDB_RS_BIN, OUT (default docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-1000000}
REQUESTS=${REQUESTS:-200000}
SYNC_TIMEOUT=${SYNC_TIMEOUT:-1200}
ARDB_RS_BIN=${ARDB_RS_BIN:-$PWD/target/release/ardb-rs}
OUT=${OUT:-docs/benchmarks.md}

BENCH_NAME=bench-replica
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh
# shellcheck source=lib/replication-bench.sh
. scripts/lib/replication-bench.sh

# --- 1. full-sync load ------------------------------------------------------------------------------
start_redis master --repl-diskless-sync-delay 0; master=$port
load "$master"
echo "$BENCH_NAME: $(dbsize "$master") keys loaded into the master" >&2
start_redis replica-redis; redis_replica=$port; redis_replica_pid=$pid
read -r redis_s redis_b < <(sync_wait "$redis_replica" "$master") || sync_failed redis
stop_server "$redis_replica_pid" replica-redis
start_ardb replica-ardb; ardb_replica=$port; ardb_replica_pid=$pid
read -r ardb_s ardb_b < <(sync_wait "$ardb_replica" "$master") || sync_failed ardb
stop_server "$ardb_replica_pid" replica-ardb
keys=$(dbsize "$master")
cell() { python3 -c "print('%.2f s, %.0f keys/s, %.1f MB' % ($1, $keys / $1, $2 / 1e6))"; }
load_table="| full-sync load of $keys keys from redis 7.0 | into redis-server 7.0 | into ardb-rs | ratio (speed) ardb-rs / redis |
|---|---:|---:|---:|
| repl-diskless-sync yes (Redis 7 default), delay 0 | $(cell "$redis_s" "$redis_b") | $(cell "$ardb_s" "$ardb_b") | $(ratio "$redis_s" "$ardb_s") |"
stop_server "$master" master

# --- 2. streaming apply rate ------------------------------------------------------------------------
# apply_rate KIND TEST: a fresh master and one fresh replica of KIND; prints "<master ops/s> <applied/s>".
apply_rate() {
  start_redis "rate-master"; local m=$port m_pid=$pid r r_pid
  if [ "$1" = ardb ]; then start_ardb "rate-replica"; else start_redis "rate-replica"; fi
  r=$port; r_pid=$pid
  sync_wait "$r" "$m" >/dev/null || sync_failed "$1"
  local t0 t1 rps
  t0=$(date +%s.%N)
  rps=$(TESTS=$2 bench_run "$m" 1 "$REQUESTS" | awk -F'\t' '{print $2}')
  [ "$(offsets_match "$r" "$m")" = yes ] || { echo "$BENCH_NAME: $1 replica never caught up" >&2; exit 1; }
  t1=$(date +%s.%N)
  python3 -c "print('%.0f %.0f' % ($rps, $REQUESTS / ($t1 - $t0)))"
  stop_server "$r_pid" rate-replica; stop_server "$m_pid" rate-master
}
rate_table="| stream of $REQUESTS writes, 50 clients | master ops/s (redis replica) | redis replica applied/s | master ops/s (ardb-rs replica) | ardb-rs replica applied/s | ratio applied ardb-rs / redis |
|---|---:|---:|---:|---:|---:|"
for test in set incr lpush; do
  read -r rm ra < <(apply_rate redis "$test")
  read -r am aa < <(apply_rate ardb "$test")
  echo "$BENCH_NAME: $test: redis replica $ra/s, ardb-rs replica $aa/s" >&2
  rate_table+=$'\n'"| ${test^^} | $rm | $ra | $am | $aa | $(ratio "$aa" "$ra") |"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), ardb-rs $("$ARDB_RS_BIN" --version | awk '{print $2}')"
echo "$load_table"; echo; echo "$rate_table"; echo "machine: $machine"

python3 - "$load_table" "$rate_table" "$machine" <<'PY' | python3 scripts/lib/doc_section.py "$OUT" bench-replica "Replication (ardb-rs as replica)"
import sys, datetime
load_table, rate_table, machine = sys.argv[1:]
print(f"Measured {datetime.date.today()} by `make bench` (scripts/bench-replica.sh). One redis-server 7.0 "
         f"master (`--save \"\"`, diskless sync with delay 0) holds the mixed data set of the master benchmark; a "
         f"fresh redis-server 7.0 replica and a fresh ardb-rs replica (defaults) each run `REPLICAOF` against it, "
         f"one after the other; the time runs until the replica shows the link up, no sync in progress and the "
         f"master's DBSIZE. ardb-rs writes the payload to a file and loads it into a staging keyspace between "
         f"client commands; Redis loads it in one go.\n\nMachine: {machine}.\n\n{load_table}\n\n"
         f"Streaming: redis-benchmark against a fresh master with one replica attached; *applied/s* is the writes "
         f"divided by the time from the first write until the replica's `master_repl_offset` (and DBSIZE) equals "
         f"the master's, so a replica that keeps up shows the master's rate.\n\n{rate_table}")
PY
echo "$BENCH_NAME: tables written to $OUT"
