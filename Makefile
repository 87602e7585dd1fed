# ardb-rs: the two commands a user needs are `make run` and `make test`.
CARGO ?= cargo
RELEASE_BIN := target/release/ardb-rs
export ARDB_RS_BIN := $(CURDIR)/$(RELEASE_BIN)

.PHONY: run build test deps lint interop bench stress chaos clean-data

## Build (release) and serve on 127.0.0.1:16379 with data in ./data.
run: build
	@echo "ardb-rs: serving on 127.0.0.1:16379, data in ./data — connect with: redis-cli -p 16379"
	$(RELEASE_BIN)

build:
	$(CARGO) build --release -p ardb-rs

## Install test dependencies (Redis 7.0 from Debian, Redis 2.8–6.2 built once and cached), then
## run every unit and integration test, the real-Redis RDB matrix included.
test: deps build lint
	$(CARGO) test --release --workspace

deps:
	./scripts/install-deps.sh
	./scripts/install-redis-versions.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

## Replication interop with real Redis 2.8.17 → 7.0.15 (ardb-rs as master and as replica); writes docs/interop.md
## and fails if any scenario failed.
interop: deps build
	./scripts/interop.sh

## redis-benchmark against ardb-rs and redis-server side by side; writes the tables to docs/benchmarks.md
## (throughput, RDB, durability, and replication with ardb-rs as the master of redis-server replicas).
bench: deps build
	./scripts/bench.sh
	./scripts/bench-rdb.sh
	./scripts/bench-durability.sh
	./scripts/bench-replication.sh
	./scripts/bench-replica.sh

## Write-stress soak (DURATION seconds, default 240): fails if the server ever stops answering.
stress: deps build
	./scripts/stress.sh

## Crash chaos: 500 kill -9s under a non-idempotent write load; every acknowledged write must survive
## exactly once (tests/crash_recovery.rs; `make test` runs 20).
chaos: build
	ARDB_CRASH_KILLS=$${ARDB_CRASH_KILLS:-500} $(CARGO) test --release -p integration-tests --test crash_recovery -- --nocapture

clean-data:
	rm -rf ./data
