//! The scenario plumbing both replication interop directions share: ardb-rs as master of real
//! Redis replicas (`tests/interop_master.rs`) and as replica of real Redis masters
//! (`tests/interop_replica.rs`).
//!
//! Both run the same kinds of scenario (a full sync while a writer writes, a mixed write load,
//! the link cut by `CLIENT KILL TYPE slave`) with the same data sets and the same notion of
//! "same data", and record one [`Row`] per scenario in a [`Matrix`]. What is kept here is the
//! part that does not depend on which side ardb-rs is on: running and timing a scenario
//! ([`run`]), sending workloads ([`apply`]), waiting in sync and comparing every database
//! ([`check_same`]), and the observations of the shared scenarios ([`sync_under_writes`],
//! [`mixed_load`], [`cut_link`]). Each test file keeps its own checks and its own row texts, so
//! that the two result tables stay as they were.
//!
//! Nothing here panics on a server's reply: every failure is an `Err(String)` that becomes a
//! failed row.

use std::time::{Duration, Instant};

use resp_codec::Frame;

use crate::dataset::{compare, Dataset};
use crate::matrix::{Matrix, Outcome, Row};
use crate::replication::{
    diagnostics, info_of, replica_warnings, wait_in_sync, wait_new_sync, SyncCounters, SyncEvents,
    Writer,
};
use crate::reply::{call_ok, info_value, pipeline, show_args};
use crate::workload::{is_expected_error, mixed_commands, Command};
use crate::{escape, RawClient, ServerProcess};

/// The databases the data set and the workloads use (3 is flushed by the mixed load), so the
/// databases every comparison dumps.
pub const DBS: [u32; 4] = [0, 1, 3, 5];

/// How far two TTLs of the same key may differ: the master and the replica are dumped one after
/// the other, and a TTL set by a relative `EXPIRE` lands a little later on the replica.
pub const TTL_TOLERANCE_MS: i64 = 3000;

/// What a scenario observed when it passed: the sync kind for the `sync` column and what was
/// checked for the `detail` column of its [`Row`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The sync observed (`full`, `partial`, `stream`, ...).
    pub sync: String,
    /// What was checked, in numbers.
    pub detail: String,
}

/// How [`run`] records a scenario that failed: the two directions say different things about a
/// failure (an expected one against a Redis stand-in, or how to reproduce it by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure<'a> {
    /// A plain failure: the error is the detail.
    Fail,
    /// An expected failure for the reason given: recorded as `xfail`, detail `<why>: <error>`.
    Expected(&'a str),
    /// A failure whose detail ends with `reproduce: <steps>`.
    Reproduce(&'a str),
}

/// Runs the scenario `f`, timing it, and records its row in `matrix` (`on_failure` says how a
/// failure is recorded). Returns whether it passed, so that later scenarios which need it can be
/// skipped.
pub fn run(
    matrix: &mut Matrix,
    scenario: &str,
    on_failure: OnFailure<'_>,
    f: impl FnOnce() -> Result<Seen, String>,
) -> bool {
    let start = Instant::now();
    let result = f();
    let seconds = start.elapsed().as_secs_f64();
    let (outcome, sync, detail) = match result {
        Ok(seen) => (Outcome::Pass, seen.sync, seen.detail),
        Err(e) => match on_failure {
            OnFailure::Fail => (Outcome::Fail, "-".to_string(), e),
            OnFailure::Expected(why) => (
                Outcome::ExpectedFail,
                "-".to_string(),
                format!("{why}: {e}"),
            ),
            OnFailure::Reproduce(repro) => (
                Outcome::Fail,
                "-".to_string(),
                format!("{e}\nreproduce: {repro}"),
            ),
        },
    };
    let ok = outcome == Outcome::Pass;
    matrix.record(Row {
        scenario: scenario.to_string(),
        outcome,
        sync,
        seconds,
        detail,
    });
    ok
}

/// Records `scenarios` as skipped because of `why` (an earlier scenario they build on failed),
/// so the table still shows every scenario of the version.
pub fn skip(matrix: &mut Matrix, scenarios: &[&str], why: &str) {
    for scenario in scenarios {
        matrix.record(Row {
            scenario: scenario.to_string(),
            outcome: Outcome::Skipped,
            sync: "-".into(),
            seconds: 0.0,
            detail: why.into(),
        });
    }
}

/// Writes `matrix` as `<section>-<name>.tsv`, prints where and how long the test took since
/// `started`, and returns the failures for the test's assertion (empty when none). The table is
/// written before anything is asserted, so a failing test still leaves its rows for
/// `scripts/interop.sh`.
pub fn finish(matrix: &Matrix, name: &str, started: Instant) -> Result<String, String> {
    let path = matrix
        .write_tsv(name)
        .map_err(|e| format!("cannot write the result table: {e}"))?;
    println!(
        "{}-{name}: {:.1}s, rows in {}",
        matrix.section(),
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(matrix.failures())
}

/// A command from string arguments, for the short fixed command lists of the tests.
pub fn command(args: &[&str]) -> Command {
    args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

/// A connection to the server on `port`, with the error as a string for a scenario's `Err`.
pub fn client_of(port: u16) -> Result<RawClient, String> {
    RawClient::connect(port).map_err(|e| e.to_string())
}

/// Sends `commands` to the master on `port` as one pipeline and returns how many were sent. Only
/// the error replies the workloads provoke on purpose are allowed (see
/// [`is_expected_error`]); any other fails the scenario, since the replica would then be
/// compared against a data set the test did not mean to build.
pub fn apply(port: u16, commands: &[Command]) -> Result<usize, String> {
    let mut c = client_of(port)?;
    let replies = pipeline(&mut c, commands)?;
    for (cmd, reply) in commands.iter().zip(&replies) {
        if let Frame::Error(e) = reply {
            if !is_expected_error(e) {
                return Err(format!(
                    "master answered {} with \"{}\"",
                    show_args(cmd),
                    escape(e)
                ));
            }
        }
    }
    c.close();
    Ok(commands.len())
}

/// What a data difference found by [`check_same`] is reported with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffReport {
    /// The differences alone (the Redis replicas' logs say little about ardb-rs as master).
    Plain,
    /// The differences, then both servers' `INFO replication` and the replica's log tail (the
    /// ardb-rs replica's log says why it applied what it did).
    Diagnostics,
}

/// Waits until the replica has applied everything the master produced, then dumps [`DBS`] of
/// both and compares every key, type, value and TTL (within [`TTL_TOLERANCE_MS`]). Returns the
/// number of keys, which the rows report.
pub fn check_same(
    master: &ServerProcess,
    replica: &ServerProcess,
    timeout: Duration,
    report: DiffReport,
) -> Result<usize, String> {
    wait_in_sync(master, replica, timeout)?;
    let m = Dataset::dump_port(master.port(), &DBS).map_err(|e| format!("master dump: {e}"))?;
    let r = Dataset::dump_port(replica.port(), &DBS).map_err(|e| format!("replica dump: {e}"))?;
    compare(&m, &r, TTL_TOLERANCE_MS).map_err(|e| match report {
        DiffReport::Plain => e,
        DiffReport::Diagnostics => format!("{e}\n{}", diagnostics(master, replica)),
    })?;
    Ok(m.len())
}

/// How many writes a [`Writer`] made while a replica attached, as seen by
/// [`sync_under_writes`]. A full sync that is to prove anything about writes during the sync
/// must have `up_at > at_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WritesDuringSync {
    /// Writes when the replica was told to attach.
    pub at_start: u64,
    /// Writes when the replica first showed `master_sync_in_progress:1`, if it was seen.
    pub in_progress_at: Option<u64>,
    /// Writes when the replica's link came up.
    pub up_at: u64,
    /// Writes in all, when the writer stopped.
    pub total: u64,
}

impl WritesDuringSync {
    /// Writes between the attach and the link coming up.
    pub fn until_up(&self) -> u64 {
        self.up_at.saturating_sub(self.at_start)
    }

    /// Writes while `master_sync_in_progress:1` was seen, or `-` when it never was.
    pub fn while_in_progress(&self) -> String {
        self.in_progress_at.map_or("-".to_string(), |n| {
            self.up_at.saturating_sub(n).to_string()
        })
    }

    /// The counts for a row's detail: `<n> writes between <attach> and link up (<m> while
    /// master_sync_in_progress:1), <total> in all`, `attach` naming how the replica was attached.
    pub fn describe(&self, attach: &str) -> String {
        format!(
            "{} writes between {attach} and link up ({} while master_sync_in_progress:1), {} in \
             all",
            self.until_up(),
            self.while_in_progress(),
            self.total
        )
    }
}

/// Starts a [`Writer`] on the master's dbs 0 and 1, lets it write 100 ms, then `attach`es a
/// replica (starting a Redis replica, or sending `REPLICAOF` to ardb-rs) and polls the replica's
/// `INFO replication` until its link is up, counting the writes made meanwhile. The writer runs
/// 200 ms more, so that writes after the sync are streamed too, then stops.
///
/// Errors when the attach fails, the writer fails, the link is not up within `timeout` (with the
/// replica's warnings and both servers' state) or no write happened during the sync (the
/// scenario would then not test what it claims). Returns the replica `attach` gave and the
/// counts; the data is not compared here.
pub fn sync_under_writes<'r>(
    master: &ServerProcess,
    timeout: Duration,
    attach: impl FnOnce() -> Result<&'r ServerProcess, String>,
) -> Result<(&'r ServerProcess, WritesDuringSync), String> {
    let writer = Writer::start(master.port(), &[0, 1]);
    std::thread::sleep(Duration::from_millis(100));
    let at_start = writer.writes();
    let attached = attach();
    let deadline = Instant::now() + timeout;
    let (mut in_progress_at, mut up_at) = (None, None);
    if let Ok(replica) = &attached {
        while Instant::now() < deadline {
            let info = info_of(replica.port(), "replication")?;
            if in_progress_at.is_none() && info_value(&info, "master_sync_in_progress") == Some("1")
            {
                in_progress_at = Some(writer.writes());
            }
            if info_value(&info, "master_link_status") == Some("up") {
                up_at = Some(writer.writes());
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let report = writer.stop();
    let replica = attached?;
    if let Some(e) = report.error {
        return Err(format!("the background writer failed: {e}"));
    }
    let Some(up_at) = up_at else {
        return Err(format!(
            "link not up within {timeout:?} (replica log: {})\n{}",
            replica_warnings(replica),
            diagnostics(master, replica)
        ));
    };
    if up_at <= at_start {
        return Err(format!(
            "the writer did not write during the sync ({at_start} → {up_at})"
        ));
    }
    Ok((
        replica,
        WritesDuringSync {
            at_start,
            in_progress_at,
            up_at,
            total: report.writes,
        },
    ))
}

/// What the mixed write load did: commands sent, keys compared, and the replica's sync events
/// before and after (any new one is an unwanted resync).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixedLoad {
    /// Commands sent.
    pub sent: usize,
    /// Keys found the same on both.
    pub keys: usize,
    /// The replica's sync events before the load.
    pub before: SyncEvents,
    /// And after it.
    pub after: SyncEvents,
}

/// Streams the seeded mixed write load (`mixed_commands(2, 3000, [0, 1, 5], flush 3)`: MULTI/EXEC,
/// FLUSHDB, expiries, ...) to a replica in sync and compares the data. Whether a resync happened
/// is the caller's to judge, from the events returned.
pub fn mixed_load(
    master: &ServerProcess,
    replica: &ServerProcess,
    timeout: Duration,
    report: DiffReport,
) -> Result<MixedLoad, String> {
    let before = SyncEvents::read(replica);
    let sent = apply(master.port(), &mixed_commands(2, 3000, &[0, 1, 5], Some(3)))?;
    let keys = check_same(master, replica, timeout, report)?;
    Ok(MixedLoad {
        sent,
        keys,
        before,
        after: SyncEvents::read(replica),
    })
}

/// Whether the replica's log (`kind`, from [`SyncEvents::since`]) and the master's counters
/// before and after agree on exactly one accepted partial resync and no full sync.
pub fn one_partial_resync(kind: &str, before: &SyncCounters, after: &SyncCounters) -> bool {
    kind == "partial" && after.partial_ok == before.partial_ok + 1 && after.full == before.full
}

/// What the link cut did: commands sent while cut, keys compared, the resync the replica logged
/// and the master's sync counters around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutLink {
    /// Commands sent while the link was cut.
    pub sent: usize,
    /// Keys found the same on both.
    pub keys: usize,
    /// The syncs the replica logged since the cut (`partial` expected).
    pub kind: String,
    /// The master's counters before the cut.
    pub before: SyncCounters,
    /// And after the replica was back in sync.
    pub after: SyncCounters,
}

impl CutLink {
    /// Whether it ended in exactly one partial resync (see [`one_partial_resync`]).
    pub fn is_one_partial(&self) -> bool {
        one_partial_resync(&self.kind, &self.before, &self.after)
    }
}

/// Cuts the replication link with `CLIENT KILL TYPE slave` on the master, sends
/// `mixed_commands(3, 500, [0, 1, 5])` while the replica reconnects, waits for the replica to
/// log a new sync and compares the data. Errors when nothing was killed (no link to cut). Whether
/// the resync was the partial one expected is the caller's to judge ([`CutLink::is_one_partial`]).
pub fn cut_link(
    master: &ServerProcess,
    replica: &ServerProcess,
    timeout: Duration,
    report: DiffReport,
) -> Result<CutLink, String> {
    let events = SyncEvents::read(replica);
    let before = SyncCounters::read(master.port())?;
    let mut c = client_of(master.port())?;
    let killed = call_ok(&mut c, &["CLIENT", "KILL", "TYPE", "slave"])?;
    if !matches!(killed, Frame::Integer(n) if n >= 1) {
        return Err(format!("CLIENT KILL TYPE slave killed nothing: {killed:?}"));
    }
    let sent = apply(master.port(), &mixed_commands(3, 500, &[0, 1, 5], None))?;
    let now = wait_new_sync(replica, &events, timeout)?;
    let keys = check_same(master, replica, timeout, report)?;
    let after = SyncCounters::read(master.port())?;
    Ok(CutLink {
        sent,
        keys,
        kind: now.since(&events),
        before,
        after,
    })
}

/// The master's data before the harness self-check diverges a replica: a plain key and a key
/// with a TTL.
pub fn divergence_setup() -> [Command; 2] {
    [
        command(&["SET", "a", "1"]),
        command(&["SET", "t", "x", "EX", "5000"]),
    ]
}

/// Makes the replica on `port` writable (`CONFIG SET <read_only_option> no`; the option's name
/// depends on the version) and changes it behind its master's back: a value, a TTL and an extra
/// key in db 5, the three differences [`DIVERGENCE_REPORT`] expects. It proves that the
/// comparison can fail at all.
pub fn diverge(port: u16, read_only_option: &str) -> Result<(), String> {
    let mut r = client_of(port)?;
    for cmd in [
        &["CONFIG", "SET", read_only_option, "no"][..],
        &["SET", "a", "2"],
        &["PERSIST", "t"],
        &["SELECT", "5"],
        &["SET", "extra", "y"],
    ] {
        call_ok(&mut r, cmd)?;
    }
    Ok(())
}

/// What the comparison must report after [`diverge`] on a replica of [`divergence_setup`].
pub const DIVERGENCE_REPORT: [&str; 4] = [
    "3 difference(s)",
    "db 0 key \"a\": values differ",
    "db 0 key \"t\": TTLs differ",
    "db 5 key \"extra\": only on the replica",
];
