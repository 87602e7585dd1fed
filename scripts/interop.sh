#!/usr/bin/env bash
# Replication interop matrix with real Redis 2.8.17 → 7.0.15 in both directions (`make interop`):
# ardb-rs as master of Redis replicas (tests/interop_master.rs) and as replica of Redis masters
# (tests/interop_replica.rs). Installs the Redis versions, builds release, runs the `--ignored` interop tests and assembles docs/interop.md from
# the result files they write (<target>/interop/*.tsv, one table per section). The page is written
# even when tests fail; the script then exits non-zero.
#
# Environment: ARDB_INTEROP_MASTER (ardb-rs | redis | redis-<version>, see tests/interop_master.rs),
# ARDB_INTEROP_TESTS (test targets, default "interop_master interop_replica"), OUT (default docs/interop.md),
# CARGO_TARGET_DIR, ARDB_INTEROP_OUT (result files, default <target>/interop).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
OUT=${OUT:-docs/interop.md}
TESTS=${ARDB_INTEROP_TESTS:-interop_master interop_replica}
target=${CARGO_TARGET_DIR:-$PWD/target}
export ARDB_INTEROP_OUT=${ARDB_INTEROP_OUT:-$target/interop}

./scripts/install-redis-versions.sh
$CARGO build --release -p ardb-rs

mkdir -p "$ARDB_INTEROP_OUT"
rm -f "$ARDB_INTEROP_OUT"/*.tsv
failed=()
for t in $TESTS; do
  if ! $CARGO test --release -p integration-tests --test "$t" -- --ignored --test-threads=2; then
    failed+=("$t")
  fi
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null | grep -v " $OUT\$" || true)" ]; then
  commit="$commit (with uncommitted changes)"
fi
if [ ${#failed[@]} -eq 0 ]; then
  status="all tests passed"
else
  status="FAILED: ${failed[*]}"
fi
python3 scripts/lib/interop_doc.py "$ARDB_INTEROP_OUT" "$commit" "$status" >"$OUT"
echo "interop: wrote $OUT ($status)"
[ ${#failed[@]} -eq 0 ]
