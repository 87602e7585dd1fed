#!/usr/bin/env python3
"""Assembles docs/interop.md from the interop tests' result files.

Usage: interop_doc.py OUT_DIR COMMIT STATUS > docs/interop.md

Every OUT_DIR/*.tsv row is `section version master scenario result sync seconds detail`
(integration-tests/src/matrix.rs). Rows are grouped by section, one table per section
(versions x scenarios); any new section (e.g. `replica`, issue 7) gets its own table without
changes here beyond an optional title in TITLES.
"""
import datetime
import glob
import os
import re
import sys

TITLES = {
    "master": "ardb-rs as master of real Redis replicas",
    "replica": "ardb-rs as replica of real Redis masters",
}
INTROS = {
    "master": (
        "Each replica version gets a fresh master: (1) a data set of every type with expiries in "
        "dbs 0, 1, 5 and a full sync while a writer keeps writing non-idempotent commands; (2) a "
        "mixed write load (strings, counters, floats, lists, sets, sorted sets, hashes, expiries, "
        "MULTI/EXEC, SELECT, FLUSHDB); (3) the link cut with `CLIENT KILL TYPE slave`, which must "
        "end in a partial resync; (4) master restarts after SIGTERM and SIGKILL, which must end in "
        "partial resyncs. After each step the replica must reach the master's offset and hold the "
        "same keys, types, values and TTLs (within 3 s). Plus a SYNC-only replica (Redis 2.6, "
        "emulated on a socket: RDB v6 and the RESP stream) and `redis-cli --rdb` checked by "
        "`redis-check-rdb`. Source: `integration-tests/tests/interop_master.rs`."
    ),
    "replica": (
        "Each Redis master version (defaults, persistence off) gets a fresh ardb-rs replica: (1) "
        "a data set in every encoding that version writes (ziplist/listpack and hashtable hashes, "
        "small and long lists, intsets of 16/32/64-bit integers and string sets, ziplist/listpack "
        "and skiplist sorted sets, sparse and dense HyperLogLogs, ~100 KB LZF-compressed strings; "
        "checked with `OBJECT ENCODING`), expiries, dbs 0, 1, 5, then `REPLICAOF` sent to ardb-rs "
        "while a writer keeps writing non-idempotent commands: one full sync, nothing skipped "
        "(`ardb_skipped_values:0`); (2) the mixed write load streamed; (3) `CLIENT KILL TYPE "
        "slave` on the master, which must end in a partial resync; (4) the replica SIGKILLed and "
        "restarted on its directory without arguments while the master writes: it must remember "
        "`REPLICAOF` and resync partially; (5) the master restarted with SIGTERM, empty and with "
        "a new id: the replica must follow with a full sync and drop the old data. After each "
        "step the replica must reach the master's offset and hold the same keys, types, values "
        "and TTLs (within 3 s). Plus Redis 7.0 with the payload forced diskless (`$EOF:` framing, "
        "delay 0) and on disk (`$<len>`), and a SYNC-only master (Redis 2.6, emulated on a "
        "socket: `-ERR` to PSYNC, a Redis 2.8.17 RDB v6, an inline `select 1`; no `REPLCONF ACK` "
        "allowed). Source: `integration-tests/tests/interop_replica.rs`."
    ),
}
HEADERS = {"master": ("Replica", "Master"), "replica": ("Master", "Master setup")}
CELL = {"pass": "pass", "FAIL": "**FAIL**", "xfail": "xfail", "skipped": "skipped"}


def version_key(v):
    nums = re.findall(r"\d+", v)
    return (0, [int(n) for n in nums]) if re.match(r"^\d", v) else (1, [v])


def esc(s):
    return s.replace("|", "\\|")


def main():
    out_dir, commit, status = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = []
    for path in sorted(glob.glob(os.path.join(out_dir, "*.tsv"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 8:
                    rows.append(parts)
    sections = []
    for r in rows:
        if r[0] not in sections:
            sections.append(r[0])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print("# Replication interop with real Redis\n")
    print("ardb-rs replicates with real Redis servers of every version from 2.8.17 to 7.0.15 in "
          "both directions: as the master of real Redis replicas, and as the replica of real "
          "Redis masters. This page holds the result tables of the last run. Run it with `make interop` (installs the "
          "Redis versions, builds, runs the `--ignored` interop tests and rewrites this page; it "
          "exits non-zero if a scenario failed). `ARDB_INTEROP_MASTER=redis` (or "
          "`redis-<version>`) runs the same tests against a real Redis master as a stand-in, to "
          "check the harness of the first table itself.\n")
    print("Cells: `pass (sync kind)`; `**FAIL**`; `xfail` = fails for a known reason outside "
          "ardb-rs (a Redis stand-in sending an RDB version the replica cannot load); `skipped` = "
          "needs the full sync, which failed.\n")
    print(f"Last run: {now}, commit `{commit}`, {status}.\n")
    if not rows:
        print("_No results: the tests did not write any result file._")
    for s in sections:
        srows = [r for r in rows if r[0] == s]
        print(f"## {TITLES.get(s, s)}\n")
        if s in INTROS:
            print(INTROS[s] + "\n")
        scenarios = []
        for r in srows:
            if r[3] not in scenarios:
                scenarios.append(r[3])
        keys = sorted({(r[1], r[2]) for r in srows}, key=lambda k: (version_key(k[0]), k[1]))
        first, second = HEADERS.get(s, ("Version", "Master"))
        print(f"| {first} | {second} | " + " | ".join(esc(x) for x in scenarios) + " |")
        print("|---|---|" + "---|" * len(scenarios))
        for version, master in keys:
            cells = []
            for sc in scenarios:
                hit = [r for r in srows if (r[1], r[2], r[3]) == (version, master, sc)]
                if not hit:
                    cells.append("–")
                    continue
                r = hit[-1]
                cell = CELL.get(r[4], r[4])
                if r[5] not in ("", "-"):
                    cell += f" ({r[5]})"
                cells.append(f"{cell}, {r[6]} s")
            print(f"| {esc(version)} | {esc(master)} | " + " | ".join(cells) + " |")
        notes = sorted((r for r in srows if r[4] in ("FAIL", "xfail")), key=lambda r: r[4] != "FAIL")
        if notes:
            print("\nFailures (skipped scenarios are not listed):\n")
            for r in notes:
                print(f"- {esc(r[1])}, {esc(r[3])}: {r[4]} — {esc(r[7])}")
        print()


if __name__ == "__main__":
    main()
