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

# shellcheck source=lib/replication-bench.sh
. scripts/lib/replication-bench.sh

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

python3 - "$sync_table" "$write_table" "$machine" "$KEYS" "$SYNC_ROUNDS" "$REQUESTS" "$ROUNDS" "$in_sync" <<'PY' | python3 scripts/lib/doc_section.py "$OUT" bench-replication "Replication (ardb-rs as master)"
import sys, datetime
sync_table, write_table, machine, keys, sync_rounds, n, rounds, in_sync = sys.argv[1:]
print(f"Measured {datetime.date.today()} by `make bench` (scripts/bench-replication.sh). Both masters hold "
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
         f"of the last write)? {in_sync.strip().rstrip(';')}.")
PY
echo "$BENCH_NAME: tables written to $OUT"
