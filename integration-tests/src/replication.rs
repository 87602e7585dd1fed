//! Replication helpers for the interop tests: real Redis replicas of any installed version
//! ([`start_replica`]), waiting until a replica has applied everything its master produced
//! ([`wait_in_sync`]), the master's sync counters ([`SyncCounters`]), which kind of sync a replica
//! did according to its log ([`SyncEvents`]), and a background writer of non-idempotent commands
//! ([`Writer`]).
//!
//! Everything here reads only `INFO replication` / `INFO stats` fields and log lines that Redis
//! 2.8.17 → 7.0.15 all have, so the master can be ardb-rs or a Redis stand-in.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use resp_codec::Frame;

use crate::redis_versions::RedisVersion;
use crate::reply::{call, info, info_value};
use crate::{escape, RawClient, ServerKind, ServerProcess};

/// How long [`wait_in_sync`] waits by default: generous for a full sync of a few MB, including
/// Redis 7.0's 5 s `repl-diskless-sync-delay`.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts a Redis replica of `version` on a free port, replicating `127.0.0.1:master_port`
/// (`--slaveof` is understood by every version, 7.0 included).
pub fn start_replica(version: &RedisVersion, master_port: u16) -> io::Result<ServerProcess> {
    let port = master_port.to_string();
    ServerProcess::start(
        ServerKind::Redis,
        version.server.clone(),
        None,
        &["--slaveof", "127.0.0.1", port.as_str()],
    )
}

/// `INFO section` of the server on `port`, on a fresh connection.
pub fn info_of(port: u16, section: &str) -> Result<String, String> {
    let mut c = RawClient::connect(port).map_err(|e| e.to_string())?;
    let text = info(&mut c, section);
    c.close();
    text
}

fn field_u64(info: &str, field: &str, port: u16) -> Result<u64, String> {
    let v = info_value(info, field)
        .ok_or_else(|| format!("port {port}: INFO has no {field}:\n{info}"))?;
    v.parse()
        .map_err(|e| format!("port {port}: INFO {field}:{v:?}: {e}"))
}

/// Where a replica stands: `master_link_status:up`, no sync in progress and `slave_repl_offset`
/// equal to the master's `master_repl_offset` (read before the replica's) means in sync.
fn sync_state(master_port: u16, replica_port: u16) -> Result<bool, String> {
    let m = info_of(master_port, "replication")?;
    let master_offset = field_u64(&m, "master_repl_offset", master_port)?;
    let r = info_of(replica_port, "replication")?;
    if info_value(&r, "master_link_status") != Some("up")
        || info_value(&r, "master_sync_in_progress") != Some("0")
    {
        return Ok(false);
    }
    Ok(field_u64(&r, "slave_repl_offset", replica_port)? == master_offset)
}

/// The replica's last three log warnings joined with ` / `, or `no warnings`.
pub fn replica_warnings(replica: &ServerProcess) -> String {
    let log = std::fs::read(replica.log_file()).unwrap_or_default();
    let w = log_warnings(&String::from_utf8_lossy(&log), 3);
    if w.is_empty() {
        "no warnings".to_string()
    } else {
        w.join(" / ")
    }
}

/// Both servers' ports and `INFO replication`, and the replica's log tail, for failure messages.
pub fn diagnostics(master: &ServerProcess, replica: &ServerProcess) -> String {
    let show = |port| info_of(port, "replication").unwrap_or_else(|e| format!("<{e}>"));
    format!(
        "--- master (port {}) INFO replication ---\n{}\n--- replica (port {}) INFO replication ---\n{}\n\
         --- replica log tail ---\n{}",
        master.port(),
        show(master.port()).trim_end(),
        replica.port(),
        show(replica.port()).trim_end(),
        replica.log_tail(4000)
    )
}

/// Waits until the replica's link is up and its `slave_repl_offset` equals the master's
/// `master_repl_offset`. On timeout the error shows both servers' `INFO replication`, the last
/// poll error if any, and the tail of the replica's log.
pub fn wait_in_sync(
    master: &ServerProcess,
    replica: &ServerProcess,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut last_error = String::new();
    loop {
        match sync_state(master.port(), replica.port()) {
            Ok(true) => return Ok(()),
            Ok(false) => last_error.clear(),
            Err(e) => last_error = e,
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "replica not in sync within {timeout:?} (replica log: {}){}\n{}",
                replica_warnings(replica),
                if last_error.is_empty() {
                    String::new()
                } else {
                    format!(" (last error: {last_error})")
                },
                diagnostics(master, replica)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last `max` distinct warnings of a Redis log (repeats in a row count once) (lines marked ` # `, the warning level in every
/// version), without the pid/date prefix and the start-up advice about overcommit and THP —
/// e.g. `Can't handle RDB format version 10`; of an ardb-rs log, its `WARN` and `ERROR` lines.
pub fn log_warnings(log: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = log
        .lines()
        .filter_map(|l| {
            // ardb-rs (env_logger): `[2026-01-01T00:00:00Z WARN  module] message`.
            let levels = [" TRACE ", " DEBUG ", " INFO ", " WARN ", " ERROR "];
            let ardb = l
                .split_once("] ")
                .filter(|(h, _)| h.starts_with('[') && levels.iter().any(|lv| h.contains(lv)));
            if let Some((head, msg)) = ardb {
                return (head.contains(" WARN ") || head.contains(" ERROR ")).then_some(msg.trim());
            }
            l.split_once(" # ").map(|(_, msg)| msg.trim())
        })
        .filter(|m| !m.starts_with("WARNING") && !m.contains("oO0OoO0OoO0Oo"))
        .map(str::to_string)
        .collect();
    out.dedup();
    let skip = out.len().saturating_sub(max);
    out.drain(..skip);
    out
}

/// The master's `INFO stats` sync counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounters {
    /// `sync_full`: full syncs served.
    pub full: u64,
    /// `sync_partial_ok`: accepted partial resyncs.
    pub partial_ok: u64,
    /// `sync_partial_err`: refused partial resyncs (each then served as a full sync).
    pub partial_err: u64,
}

impl SyncCounters {
    /// Reads them from the server on `port`.
    pub fn read(port: u16) -> Result<SyncCounters, String> {
        let stats = info_of(port, "stats")?;
        Ok(SyncCounters {
            full: field_u64(&stats, "sync_full", port)?,
            partial_ok: field_u64(&stats, "sync_partial_ok", port)?,
            partial_err: field_u64(&stats, "sync_partial_err", port)?,
        })
    }
}

impl fmt::Display for SyncCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sync_full={} sync_partial_ok={} sync_partial_err={}",
            self.full, self.partial_ok, self.partial_err
        )
    }
}

/// A kind of synchronisation as the replica saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    /// The replica received a whole RDB.
    Full,
    /// The master accepted a partial resync (`+CONTINUE`).
    Partial,
}

impl fmt::Display for SyncKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyncKind::Full => "full",
            SyncKind::Partial => "partial",
        })
    }
}

/// The syncs a replica's log shows so far: every version from 2.8 logs
/// `MASTER <-> SLAVE|REPLICA sync: receiving …` when an RDB transfer starts and
/// `… sync: Master accepted a Partial Resynchronization.` on `+CONTINUE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncEvents {
    /// RDB transfers started.
    pub full: usize,
    /// Partial resyncs accepted.
    pub partial: usize,
    /// The latest of them.
    pub last: Option<SyncKind>,
}

impl SyncEvents {
    /// Counts the events in a replica's log text.
    pub fn parse(log: &str) -> SyncEvents {
        let mut ev = SyncEvents::default();
        for line in log.lines() {
            if line.contains("sync: receiving") {
                ev.full += 1;
                ev.last = Some(SyncKind::Full);
            } else if line.contains("Master accepted a Partial Resynchronization") {
                ev.partial += 1;
                ev.last = Some(SyncKind::Partial);
            }
        }
        ev
    }

    /// Reads the whole log of `replica` (Redis logs to standard output).
    pub fn read(replica: &ServerProcess) -> SyncEvents {
        let text = std::fs::read(replica.log_file()).unwrap_or_default();
        SyncEvents::parse(&String::from_utf8_lossy(&text))
    }

    /// How many syncs of any kind.
    pub fn total(&self) -> usize {
        self.full + self.partial
    }

    /// What happened since `earlier`: `"full"`, `"partial"`, `"full+partial"`, ... or `"none"`.
    pub fn since(&self, earlier: &SyncEvents) -> String {
        let full = self.full.saturating_sub(earlier.full);
        let partial = self.partial.saturating_sub(earlier.partial);
        let mut parts = Vec::new();
        for (n, name) in [(full, "full"), (partial, "partial")] {
            match n {
                0 => {}
                1 => parts.push(name.to_string()),
                n => parts.push(format!("{n}x{name}")),
            }
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join("+")
        }
    }
}

/// Waits until the replica's log shows a sync after `earlier` (a new RDB transfer or an
/// accepted partial resync) and returns the events; errors with the log tail on timeout.
pub fn wait_new_sync(
    replica: &ServerProcess,
    earlier: &SyncEvents,
    timeout: Duration,
) -> Result<SyncEvents, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let now = SyncEvents::read(replica);
        if now.total() > earlier.total() {
            return Ok(now);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "replica on port {} logged no new sync within {timeout:?}\n--- replica log tail ---\n{}",
                replica.port(),
                replica.log_tail(4000)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What a [`Writer`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriterReport {
    /// Writes acknowledged (SELECTs not counted).
    pub writes: u64,
    /// Acknowledged writes per command name.
    pub per_command: BTreeMap<String, u64>,
    /// Why the writer stopped early (connection lost, error reply), if it did.
    pub error: Option<String>,
}

/// A background thread that keeps issuing non-idempotent writes (`INCR`, `APPEND`, `LPUSH`,
/// `HINCRBY`, `ZINCRBY`) on keys `w:*`, switching database every 50 writes, until stopped. A
/// write applied twice or lost by replication shows up as a difference in the data sets.
#[derive(Debug)]
pub struct Writer {
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    handle: JoinHandle<WriterReport>,
}

fn write_one(c: &mut RawClient, i: u64) -> Result<&'static str, String> {
    let n = i.to_string();
    let (name, args): (&'static str, Vec<String>) = match i % 5 {
        0 => ("INCR", vec!["INCR".into(), "w:counter".into()]),
        1 => (
            "APPEND",
            vec!["APPEND".into(), "w:log".into(), format!("{n},")],
        ),
        2 => ("LPUSH", vec!["LPUSH".into(), "w:list".into(), n]),
        3 => (
            "HINCRBY",
            vec![
                "HINCRBY".into(),
                "w:hash".into(),
                format!("f{}", i % 7),
                "1".into(),
            ],
        ),
        _ => (
            "ZINCRBY",
            vec![
                "ZINCRBY".into(),
                "w:zset".into(),
                "1".into(),
                format!("m{}", i % 11),
            ],
        ),
    };
    match call(c, &args)? {
        Frame::Error(e) => Err(format!("{name}: error reply \"{}\"", escape(&e))),
        _ => Ok(name),
    }
}

fn run_writer(port: u16, dbs: Vec<u32>, stop: &AtomicBool, count: &AtomicU64) -> WriterReport {
    let mut report = WriterReport::default();
    let mut c = match RawClient::connect(port) {
        Ok(c) => c,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let mut current_db = None;
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let db = dbs
            .get(usize::try_from(i / 50).unwrap_or(0) % dbs.len().max(1))
            .copied()
            .unwrap_or(0);
        if current_db != Some(db) {
            if let Err(e) = crate::reply::call_ok(&mut c, &["SELECT", &db.to_string()]) {
                report.error = Some(e);
                break;
            }
            current_db = Some(db);
        }
        match write_one(&mut c, i) {
            Ok(name) => {
                report.writes += 1;
                *report.per_command.entry(name.to_string()).or_default() += 1;
                count.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                report.error = Some(e);
                break;
            }
        }
        i += 1;
        if i.is_multiple_of(10) {
            // ~4k writes/s at most: a steady load, not a CPU hog on a shared 2-core machine.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    c.close();
    report
}

impl Writer {
    /// Starts writing to the server on `port`, cycling through `dbs`.
    pub fn start(port: u16, dbs: &[u32]) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let (s, n, dbs) = (Arc::clone(&stop), Arc::clone(&count), dbs.to_vec());
        let handle = std::thread::spawn(move || run_writer(port, dbs, &s, &n));
        Writer {
            stop,
            count,
            handle,
        }
    }

    /// Writes acknowledged so far.
    pub fn writes(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Stops the thread and returns its report.
    pub fn stop(self) -> WriterReport {
        self.stop.store(true, Ordering::Relaxed);
        match self.handle.join() {
            Ok(r) => r,
            Err(_) => WriterReport {
                error: Some("writer thread panicked".to_string()),
                ..WriterReport::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_sync_log_lines_of_every_version() {
        let log = "\
1:S 01 Jan * Partial resynchronization not possible (no cached master)\n\
1:S 01 Jan * Full resync from master: abc:1\n\
1:S 01 Jan * MASTER <-> SLAVE sync: receiving 1234 bytes from master\n\
1:S 01 Jan * MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.\n";
        let ev = SyncEvents::parse(log);
        assert_eq!(
            ev,
            SyncEvents {
                full: 1,
                partial: 1,
                last: Some(SyncKind::Partial)
            }
        );
        let later = SyncEvents::parse(&format!(
            "{log}x MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk\n"
        ));
        assert_eq!(later.last, Some(SyncKind::Full));
        assert_eq!(later.since(&ev), "full");
        assert_eq!(ev.since(&ev), "none");
        assert_eq!(ev.since(&SyncEvents::default()), "full+partial");
    }

    #[test]
    fn picks_the_last_warnings_of_a_log() {
        let log = "1:C 01 Jan # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n\
                   1:M 01 Jan # WARNING overcommit_memory is set to 0!\n\
                   1:S 01 Jan * Connecting to MASTER\n\
                   [1] 01 Jan # Server started\n\
                   1:S 01 Jan # Can't handle RDB format version 10\n";
        assert_eq!(
            log_warnings(log, 1),
            vec!["Can't handle RDB format version 10".to_string()]
        );
        assert_eq!(log_warnings(log, 5).len(), 2);
        let ardb = "[2026-01-01T00:00:00Z INFO  ardb_rs] ready\n\
                    [2026-01-01T00:00:01Z WARN  ardb_rs::server] Connection with master lost: x\n";
        assert_eq!(
            log_warnings(ardb, 3),
            vec!["Connection with master lost: x".to_string()]
        );
    }
}
