//! Start-up: the backlog is the redo log.
//!
//! The store records, in the same atomic batch as the data, the stream position it corresponds to.
//! The backlog holds the stream up to the last write any client was told about. On start the node
//! replays the backlog from the store's position to the backlog's end with the stream applier, so a
//! `kill -9` loses no acknowledged write and the data matches exactly one offset.
//!
//! When the backlog cannot serve as a log — missing, damaged (bad magic, torn, checksum mismatch),
//! or not covering the store's position — the node keeps its data and begins a new replication
//! history at the store's offset with a fresh replid (replicas then full-sync once). The damaged
//! file is kept aside as `backlog.damaged` for inspection.

use std::fmt;
use std::path::{Path, PathBuf};

use backlog_mmap::{Backlog, BacklogError, FlushPolicy, ReplId};
use bytes::BytesMut;
use repl_state::{ReplStateFile, StateError};
use storage_sled::{Store, StoreError};

use crate::config::Config;
use crate::replication::apply::StreamApplier;
use crate::server::state::ServerState;

/// The backlog's file name inside `repl-dir`.
pub const BACKLOG_FILE: &str = "backlog";
/// The replication state's file name inside `repl-dir`.
pub const STATE_FILE: &str = "state";
/// How much of the log one replay step reads and commits.
const REPLAY_CHUNK: usize = 4 * 1024 * 1024;

/// Why the node cannot start with a usable log.
#[derive(Debug)]
pub enum RecoveryError {
    /// The replication directory could not be created.
    Directory(PathBuf, std::io::Error),
    /// A new backlog could not be created.
    Backlog(BacklogError),
    /// The store refused the replayed writes.
    Store(StoreError),
    /// The replication state file cannot be used (held by another process, or unreadable).
    State(StateError),
}

impl fmt::Display for RecoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecoveryError::Directory(path, e) => {
                write!(
                    f,
                    "cannot create the replication directory {}: {e}",
                    path.display()
                )
            }
            RecoveryError::Backlog(e) => write!(f, "cannot create the backlog: {e}"),
            RecoveryError::Store(e) => {
                write!(f, "replaying the backlog into the store failed: {e}")
            }
            RecoveryError::State(e) => write!(f, "cannot open the replication state: {e}"),
        }
    }
}

impl std::error::Error for RecoveryError {}

/// Opens the replication state and the backlog, replays what the store lacks, and leaves
/// `state.effects` at the end of the stream, `state.repl_state` and `state.backlog` open.
pub fn recover(store: &Store, state: &mut ServerState, now_ms: u64) -> Result<(), RecoveryError> {
    let dir = state.config.repl_path();
    std::fs::create_dir_all(&dir).map_err(|e| RecoveryError::Directory(dir.clone(), e))?;
    state.repl_state = Some(open_state(&dir)?);
    let path = backlog_path(&state.config);
    let policy = state.config.repl_backlog_fsync;
    let position = store.applied_position();
    state.effects.resume_at(position);
    let mut backlog = match Backlog::open(&path, policy) {
        Ok(backlog) if backlog.holds(position.offset) => {
            match replay(store, state, &backlog, now_ms)? {
                None => backlog,
                Some(problem) => new_history(state, &path, policy, &problem)?,
            }
        }
        Ok(backlog) => {
            let problem = format!(
                "the backlog holds offsets {}..{} but the store is at {}",
                backlog.start_offset(),
                backlog.end_offset(),
                position.offset
            );
            drop(backlog);
            new_history(state, &path, policy, &problem)?
        }
        Err(BacklogError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            new_history(state, &path, policy, "")?
        }
        Err(e) => {
            set_aside(&path);
            new_history(state, &path, policy, &e.to_string())?
        }
    };
    // What was replayed is durable before the ring may overwrite it; a changed repl-backlog-size
    // is adopted by the reactor like a CONFIG SET.
    store.flush().map_err(RecoveryError::Store)?;
    backlog.retain_from(state.effects.offset);
    log::info!(
        "Replication history {} at offset {} (backlog holds {} bytes)",
        backlog.replid(),
        backlog.end_offset(),
        backlog.histlen()
    );
    state.backlog = Some(backlog);
    Ok(())
}

/// Opens the node's replication state (`<repl-dir>/state`); a damaged file is replaced by the
/// default state (a master), which only costs a full sync, and the damage is logged.
fn open_state(dir: &Path) -> Result<ReplStateFile, RecoveryError> {
    let (file, problem) =
        ReplStateFile::open_or_create(&dir.join(STATE_FILE)).map_err(RecoveryError::State)?;
    if let Some(problem) = problem {
        log::warn!(
            "The replication state file was unusable ({problem}); starting from a fresh one"
        );
    }
    Ok(file)
}

/// Where the backlog file lives: `<repl-dir>/backlog`.
pub fn backlog_path(config: &Config) -> PathBuf {
    config.repl_path().join(BACKLOG_FILE)
}

/// Runs the log from the store's position to its end. `Some(problem)` when the log's tail cannot
/// be applied (malformed, or ending inside a command): what did apply is kept and committed.
fn replay(
    store: &Store,
    state: &mut ServerState,
    backlog: &Backlog,
    now_ms: u64,
) -> Result<Option<String>, RecoveryError> {
    let end = backlog.end_offset();
    let mut read_to = state.effects.offset;
    if read_to == end {
        return Ok(None);
    }
    log::info!(
        "Replaying {} bytes of the backlog the store had not made durable",
        end - read_to
    );
    let stream_db = state.effects.stream_db;
    let mut applier = StreamApplier::register(state, stream_db, now_ms);
    let mut input = BytesMut::new();
    let mut problem = None;
    while read_to < end {
        let Some((first, second)) = backlog.read(read_to, REPLAY_CHUNK) else {
            problem = Some(format!("the backlog cannot be read at offset {read_to}"));
            break;
        };
        input.extend_from_slice(first);
        input.extend_from_slice(second);
        read_to += (first.len() + second.len()) as u64;
        let mut txn = store.begin(now_ms);
        let applied = applier.apply(&mut txn, state, &mut input, now_ms);
        txn.commit(Some(state.effects.position()))
            .map_err(RecoveryError::Store)?;
        if let Err(e) = applied {
            problem = Some(format!("malformed command in the backlog: {e}"));
            break;
        }
    }
    if problem.is_none() && applier.is_mid_command(&input) {
        problem = Some("the backlog ends inside a command".to_string());
    }
    log::info!(
        "Replayed {} commands ({} failed); the data is at offset {}",
        applier.stats.commands,
        applier.stats.errors,
        state.effects.offset
    );
    applier.unregister(state);
    Ok(problem)
}

/// Begins a new history at the store's offset with a fresh replid, logging why.
fn new_history(
    state: &mut ServerState,
    path: &Path,
    policy: FlushPolicy,
    problem: &str,
) -> Result<Backlog, RecoveryError> {
    if problem.is_empty() {
        log::info!("No backlog yet: starting a new replication history");
    } else {
        log::warn!(
            "The backlog cannot continue the stored data ({problem}); the data is kept and a new \
             replication history begins (replicas will resynchronize fully)"
        );
    }
    let replid = fresh_replid(state);
    Backlog::create(
        path,
        state.config.backlog_capacity(),
        replid,
        state.effects.offset,
        policy,
    )
    .map_err(RecoveryError::Backlog)
}

/// A new random replication id.
pub fn fresh_replid(state: &mut ServerState) -> ReplId {
    loop {
        if let Some(id) = ReplId::parse(state.rng.hex_id().as_bytes()) {
            return id;
        }
    }
}

/// Keeps a damaged backlog for inspection instead of overwriting it.
fn set_aside(path: &Path) {
    let aside = path.with_extension("damaged");
    if let Err(e) = std::fs::rename(path, &aside) {
        log::warn!(
            "Could not keep the damaged backlog as {}: {e}",
            aside.display()
        );
    }
}
