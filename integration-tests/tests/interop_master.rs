//! ardb-rs as the master of real Redis replicas, 2.8.17 → 7.0.15 (issue 6). Run by `make interop`
//! (`--ignored`), not by `cargo test`.
//!
//! Per replica version, against a fresh master: (1) a full sync of a data set of every type with
//! expiries in dbs 0, 1, 5 while a writer keeps writing; (2) a mixed write load; (3) the link cut
//! by `CLIENT KILL TYPE slave`, which must end in a partial resync; (4) master restarts after
//! SIGTERM and SIGKILL, which must end in partial resyncs. After each, the replica must reach the
//! master's offset and hold the same data (every key, type, value, TTL within 3 s). Plus a
//! SYNC-only replica (Redis 2.6 emulated on a socket) and `redis-cli --rdb`.
//!
//! `ARDB_INTEROP_MASTER` picks the master: `ardb-rs` (default), `redis` (the newest installed
//! Redis, 7.0.15) or `redis-<version>` (an installed one), the Redis stand-ins that validate the
//! harness. A stand-in whose RDB the replica cannot load records `xfail` instead of failing, and
//! a stand-in (no persistence) may answer restarts with a full sync. Extra master arguments:
//! `ARDB_INTEROP_MASTER_ARGS` (split on whitespace). Rows go to `target/interop/master-*.tsv`.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use integration_tests::dataset::Dataset;
use integration_tests::matrix::Matrix;
use integration_tests::redis_versions::{installed, installed_version, RedisVersion};
use integration_tests::replication::{
    start_replica, wait_new_sync, SyncCounters, SyncEvents, SyncKind, SYNC_TIMEOUT,
};
use integration_tests::reply::call_ok;
use integration_tests::scenario::{
    self, apply, check_same, client_of, command, diverge, divergence_setup, run, skip,
    sync_under_writes, DiffReport, OnFailure, Seen, DIVERGENCE_REPORT,
};
use integration_tests::sync_replica::SyncOnlyReplica;
use integration_tests::workload::{dataset_commands, mixed_commands};
use integration_tests::{escape, ServerKind, ServerProcess};

/// How long to wait for a stand-in whose failure is expected (no point waiting 30 s).
const EXPECTED_FAIL_TIMEOUT: Duration = Duration::from_secs(8);
/// Data differences are reported alone: a Redis replica's log says little about ardb-rs as master.
const DIFFS: DiffReport = DiffReport::Plain;

/// The master under test.
enum Master {
    ArdbRs,
    Redis(RedisVersion),
}

impl Master {
    fn from_env() -> Master {
        let want = std::env::var("ARDB_INTEROP_MASTER").unwrap_or_default();
        if want.is_empty() || want == "ardb-rs" {
            return Master::ArdbRs;
        }
        let versions = installed().unwrap_or_else(|e| panic!("{e}"));
        let found = match want.strip_prefix("redis-") {
            Some(v) => versions.into_iter().find(|r| r.version == v),
            None if want == "redis" => versions.into_iter().last(),
            None => None,
        };
        match found {
            Some(v) => Master::Redis(v),
            None => panic!(
                "ARDB_INTEROP_MASTER={want:?}: use ardb-rs, redis or redis-<installed version>"
            ),
        }
    }

    fn label(&self) -> String {
        match self {
            Master::ArdbRs => "ardb-rs".to_string(),
            Master::Redis(v) => format!("redis-{} (stand-in)", v.version),
        }
    }

    fn is_stand_in(&self) -> bool {
        matches!(self, Master::Redis(_))
    }

    fn start(&self) -> ServerProcess {
        let args: Vec<String> = std::env::var("ARDB_INTEROP_MASTER_ARGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let started = match self {
            Master::ArdbRs => ServerProcess::ardb_rs(&args),
            Master::Redis(v) => {
                ServerProcess::start(ServerKind::Redis, v.server.clone(), None, &args)
            }
        };
        started.unwrap_or_else(|e| panic!("cannot start the master ({}): {e}", self.label()))
    }

    /// Why a failure against this replica is expected, when it is (stand-ins only).
    fn expected_failure(&self, replica: &RedisVersion) -> Option<String> {
        match self {
            Master::Redis(m) if m.rdb_version() > replica.rdb_version() => Some(format!(
                "stand-in Redis {} sends RDB v{}, Redis {} loads at most v{}",
                m.version,
                m.rdb_version(),
                replica.version,
                replica.rdb_version()
            )),
            _ => None,
        }
    }

    /// The RDB version a SYNC-only (2.6) replica must get.
    fn sync_only_rdb_version(&self) -> u16 {
        match self {
            Master::ArdbRs => 6,
            Master::Redis(v) => v.rdb_version(),
        }
    }
}

/// (1) Data set, replica attached while the writer writes, full sync, same data.
fn full_sync(
    master: &ServerProcess,
    version: &RedisVersion,
    replica: &mut Option<ServerProcess>,
    timeout: Duration,
) -> Result<Seen, String> {
    apply(master.port(), &dataset_commands(&[0, 1, 5]))?;
    let before = SyncCounters::read(master.port())?;
    let (replica, writes) = sync_under_writes(master, timeout, move || {
        let r = start_replica(version, master.port()).map_err(|e| e.to_string())?;
        Ok(&*replica.insert(r))
    })?;
    let keys = check_same(master, replica, timeout, DIFFS)?;
    let after = SyncCounters::read(master.port())?;
    if after.full != before.full + 1 {
        return Err(format!(
            "sync_full should grow by 1: before {before}, after {after}"
        ));
    }
    let events = SyncEvents::read(replica);
    if events.last != Some(SyncKind::Full) {
        return Err(format!("replica log shows no full sync: {events:?}"));
    }
    Ok(Seen {
        sync: "full".into(),
        detail: format!(
            "{keys} keys same; {}; {after}",
            writes.describe("replica start")
        ),
    })
}

/// (2) Mixed writes streamed to the replica, no resync.
fn mixed_load(
    master: &ServerProcess,
    replica: &ServerProcess,
    timeout: Duration,
) -> Result<Seen, String> {
    let load = scenario::mixed_load(master, replica, timeout, DIFFS)?;
    if load.after.total() != load.before.total() {
        return Err(format!(
            "unexpected resync during the stream: {}",
            load.after.since(&load.before)
        ));
    }
    Ok(Seen {
        sync: "stream".into(),
        detail: format!("{} commands, {} keys same", load.sent, load.keys),
    })
}

/// (3) `CLIENT KILL TYPE slave`, writes while disconnected, partial resync.
fn cut_link(
    master: &ServerProcess,
    replica: &ServerProcess,
    timeout: Duration,
) -> Result<Seen, String> {
    let cut = scenario::cut_link(master, replica, timeout, DIFFS)?;
    let (kind, before, after) = (&cut.kind, cut.before, cut.after);
    if !cut.is_one_partial() {
        return Err(format!(
            "expected one partial resync; replica log: {kind}; before {before}, after {after}"
        ));
    }
    Ok(Seen {
        detail: format!(
            "{} commands while cut, {} keys same; {after}",
            cut.sent, cut.keys
        ),
        sync: cut.kind,
    })
}

/// (4) Master restart (SIGTERM or SIGKILL), writes, resync — partial for ardb-rs; a stand-in
/// without persistence restarts empty and does a full sync, which is recorded, not failed.
fn restart(
    master: &mut ServerProcess,
    replica: &ServerProcess,
    kill9: bool,
    stand_in: bool,
    timeout: Duration,
) -> Result<Seen, String> {
    let events = SyncEvents::read(replica);
    if kill9 {
        master.kill9().map_err(|e| format!("kill -9: {e}"))?;
    }
    master.restart().map_err(|e| format!("restart: {e}"))?;
    let sent = apply(
        master.port(),
        &mixed_commands(if kill9 { 5 } else { 4 }, 500, &[0, 1, 5], None),
    )?;
    wait_new_sync(replica, &events, timeout)?;
    let keys = check_same(master, replica, timeout, DIFFS)?;
    let kind = SyncEvents::read(replica).since(&events);
    let counters = SyncCounters::read(master.port())?;
    if kind != "partial" && !stand_in {
        return Err(format!(
            "expected a partial resync, replica log: {kind}; master {counters}"
        ));
    }
    let note = if kind != "partial" {
        " (stand-in has no persistence)"
    } else {
        ""
    };
    Ok(Seen {
        sync: kind,
        detail: format!("{sent} commands after restart, {keys} keys same{note}; master {counters}"),
    })
}

fn master_of(version: &str) {
    let replica_version = installed_version(version).unwrap_or_else(|e| panic!("{e}"));
    let kind = Master::from_env();
    let expected = kind.expected_failure(&replica_version);
    let on_failure = expected
        .as_deref()
        .map_or(OnFailure::Fail, OnFailure::Expected);
    let timeout = if expected.is_some() {
        EXPECTED_FAIL_TIMEOUT
    } else {
        SYNC_TIMEOUT
    };
    let mut matrix = Matrix::new("master", version, &kind.label());
    let mut master = kind.start();
    let mut replica = None;
    let started = Instant::now();

    let synced = run(&mut matrix, "full sync under writes", on_failure, || {
        full_sync(&master, &replica_version, &mut replica, timeout)
    });
    let later = [
        "mixed write load",
        "link cut (CLIENT KILL)",
        "master restart (SIGTERM)",
        "master restart (SIGKILL)",
    ];
    match replica.as_ref().filter(|_| synced) {
        None => skip(&mut matrix, &later, "needs the full sync"),
        Some(r) => {
            run(&mut matrix, later[0], on_failure, || {
                mixed_load(&master, r, timeout)
            });
            run(&mut matrix, later[1], on_failure, || {
                cut_link(&master, r, timeout)
            });
            let stand_in = kind.is_stand_in();
            run(&mut matrix, later[2], on_failure, || {
                restart(&mut master, r, false, stand_in, timeout)
            });
            run(&mut matrix, later[3], on_failure, || {
                restart(&mut master, r, true, stand_in, timeout)
            });
        }
    }
    let failures = scenario::finish(&matrix, version, started).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        failures.is_empty(),
        "{} against Redis {version} replicas:\n{failures}",
        kind.label()
    );
}

#[test]
#[ignore = "interop matrix: make interop"]
fn master_of_redis_2_8_17() {
    master_of("2.8.17");
}

#[test]
#[ignore = "interop matrix: make interop"]
fn master_of_redis_3_2_6() {
    master_of("3.2.6");
}

#[test]
#[ignore = "interop matrix: make interop"]
fn master_of_redis_5_0_6() {
    master_of("5.0.6");
}

#[test]
#[ignore = "interop matrix: make interop"]
fn master_of_redis_6_2_14() {
    master_of("6.2.14");
}

#[test]
#[ignore = "interop matrix: make interop"]
fn master_of_redis_7_0_15() {
    master_of("7.0.15");
}

fn record_alone(
    section_version: &str,
    scenario: &str,
    f: impl FnOnce(&Master) -> Result<Seen, String>,
) {
    let kind = Master::from_env();
    let mut matrix = Matrix::new("master", section_version, &kind.label());
    run(&mut matrix, scenario, OnFailure::Fail, || f(&kind));
    let name = scenario
        .split_whitespace()
        .next()
        .unwrap_or("extra")
        .to_lowercase();
    matrix
        .write_tsv(&name)
        .unwrap_or_else(|e| panic!("cannot write the result table: {e}"));
    let failures = matrix.failures();
    assert!(failures.is_empty(), "{}: {failures}", kind.label());
}

/// The keys [`sync_only`] writes, as the RDB must hold them: (db, key) → value, with a TTL?
fn sync_only_expected() -> BTreeMap<(u64, Vec<u8>), (rdb_reader::Value, bool)> {
    use rdb_reader::Value as V;
    let b = |s: &str| s.as_bytes().to_vec();
    BTreeMap::from([
        ((0, b("so:str")), (V::String(b("hello")), false)),
        (
            (0, b("so:list")),
            (V::List(vec![b("a"), b("b"), b("c")]), false),
        ),
        ((0, b("so:set")), (V::Set(vec![b("x"), b("y")]), false)),
        (
            (0, b("so:zset")),
            (V::SortedSet(vec![(b("m"), 1.5)]), false),
        ),
        ((0, b("so:hash")), (V::Hash(vec![(b("f"), b("v"))]), false)),
        ((0, b("so:ttl")), (V::String(b("soon")), true)),
        ((1, b("so:db1")), (V::String(b("one")), false)),
    ])
}

/// Redis 2.6 emulated: inline PING and SYNC, `$len` + RDB of the expected version holding the
/// keys, then a write on the master arrives as RESP.
fn sync_only(master: &ServerProcess, rdb_version: u16) -> Result<Seen, String> {
    apply(
        master.port(),
        &[
            command(&["SET", "so:str", "hello"]),
            command(&["RPUSH", "so:list", "a", "b", "c"]),
            command(&["SADD", "so:set", "y", "x"]),
            command(&["ZADD", "so:zset", "1.5", "m"]),
            command(&["HSET", "so:hash", "f", "v"]),
            command(&["SET", "so:ttl", "soon", "EX", "5000"]),
            command(&["SELECT", "1"]),
            command(&["SET", "so:db1", "one"]),
        ],
    )?;
    let mut replica =
        SyncOnlyReplica::sync(master.port(), SYNC_TIMEOUT).map_err(|e| format!("SYNC: {e}"))?;
    let header = format!("REDIS{rdb_version:04}");
    if !replica.rdb.starts_with(header.as_bytes()) {
        return Err(format!(
            "RDB starts with \"{}\", expected {header}",
            escape(replica.rdb.get(..9).unwrap_or(&replica.rdb))
        ));
    }
    let mut reader = rdb_reader::Reader::new(replica.rdb.as_slice()).map_err(|e| e.to_string())?;
    let mut got = BTreeMap::new();
    while let Some(item) = reader.next_entry().map_err(|e| format!("RDB: {e}"))? {
        if let rdb_reader::Item::Entry(e) = item {
            let mut value = e.value;
            if let rdb_reader::Value::Set(m) = &mut value {
                m.sort();
            }
            got.insert((e.db, e.key), (value, e.expire_at_ms.is_some()));
        }
    }
    let expected = sync_only_expected();
    if got != expected {
        return Err(format!("RDB holds {got:?}, expected {expected:?}"));
    }
    let mut c = client_of(master.port())?;
    call_ok(&mut c, &["SET", "so:after", "streamed"])?;
    let mut selects = Vec::new();
    loop {
        let cmd = replica
            .next_command(Duration::from_secs(15))
            .map_err(|e| format!("stream after SYNC: {e}"))?;
        let name = cmd
            .first()
            .map(|n| n.to_ascii_uppercase())
            .unwrap_or_default();
        match name.as_slice() {
            b"PING" => {}
            b"SELECT" => selects.push(cmd.get(1).cloned().unwrap_or_default()),
            _ if cmd == [&b"SET"[..], b"so:after", b"streamed"] => break,
            _ => return Err(format!("unexpected command in the stream: {cmd:?}")),
        }
    }
    if selects.last().is_some_and(|db| db != b"0") {
        return Err(format!("the SET came after SELECT {selects:?}, not db 0"));
    }
    Ok(Seen {
        sync: "sync".into(),
        detail: format!(
            "{header}, {} bytes, {} keys; SET streamed as RESP after {} SELECT",
            replica.rdb.len(),
            got.len(),
            selects.len()
        ),
    })
}

#[test]
#[ignore = "interop matrix: make interop"]
fn sync_only_replica() {
    record_alone("2.6 (emulated)", "SYNC-only replica", |kind| {
        let master = kind.start();
        sync_only(&master, kind.sync_only_rdb_version())
    });
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!("{cmd:?} exited with {}:\n{text}", out.status));
    }
    Ok(text)
}

/// `redis-cli --rdb` fetches a snapshot; `redis-check-rdb` accepts it and counts every key.
fn cli_rdb(master: &ServerProcess) -> Result<Seen, String> {
    apply(master.port(), &dataset_commands(&[0, 1, 5]))?;
    let keys = Dataset::dump_port(master.port(), &[0, 1, 5])?.len();
    let file = master.dir().join("redis-cli-snapshot.rdb");
    let port = master.port().to_string();
    output(
        Command::new("redis-cli")
            .args(["-p", &port, "--rdb"])
            .arg(&file),
    )?;
    let check = output(Command::new("redis-check-rdb").arg(&file))?;
    let read = check
        .lines()
        .find_map(|l| l.split("[info] ").nth(1)?.strip_suffix(" keys read"))
        .and_then(|n| n.trim().parse::<usize>().ok());
    if read != Some(keys) || !check.contains("RDB looks OK") {
        return Err(format!(
            "redis-check-rdb read {read:?} keys, master has {keys}:\n{check}"
        ));
    }
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let version = String::from_utf8_lossy(bytes.get(..9).unwrap_or_default()).into_owned();
    Ok(Seen {
        sync: "rdb".into(),
        detail: format!(
            "{version}, {} bytes, {keys} keys, redis-check-rdb OK",
            bytes.len()
        ),
    })
}

#[test]
#[ignore = "interop matrix: make interop"]
fn redis_cli_rdb() {
    record_alone("redis-cli 7.0.15", "redis-cli --rdb", |kind| {
        cli_rdb(&kind.start())
    });
}

/// The harness itself can fail: a replica made writable and changed behind its master's back
/// must be reported (value, TTL and extra key), with a real Redis 7.0.15 pair.
#[test]
#[ignore = "interop matrix: make interop"]
fn harness_detects_divergence() {
    let newest = installed()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .last()
        .unwrap_or_else(|| panic!("no Redis installed"));
    let master = ServerProcess::start(
        ServerKind::Redis,
        newest.server.clone(),
        None,
        &["--repl-diskless-sync", "no"],
    )
    .unwrap_or_else(|e| panic!("cannot start the master: {e}"));
    apply(master.port(), &divergence_setup()).unwrap_or_else(|e| panic!("{e}"));
    let replica = start_replica(&newest, master.port())
        .unwrap_or_else(|e| panic!("cannot start the replica: {e}"));
    if let Err(e) = check_same(&master, &replica, SYNC_TIMEOUT, DIFFS) {
        panic!("replica should be in sync first: {e}");
    }
    diverge(replica.port(), "slave-read-only").unwrap_or_else(|e| panic!("{e}"));
    let err = check_same(&master, &replica, SYNC_TIMEOUT, DIFFS)
        .err()
        .unwrap_or_else(|| panic!("a diverged replica compared equal"));
    for needle in DIVERGENCE_REPORT {
        assert!(err.contains(needle), "{needle:?} missing from:\n{err}");
    }
}
