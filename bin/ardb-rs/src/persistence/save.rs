//! SAVE and BGSAVE: an RDB of the whole keyspace written to `dir/dbfilename`.
//!
//! Both write to a temporary file that replaces the target only once it is complete and synced,
//! so `dump.rdb` is always a whole RDB. SAVE writes the snapshot at once (blocking, as Redis's
//! SAVE does). BGSAVE keeps the [`Snapshot`] in the server state: the reactor advances it a slice
//! per loop iteration and the dispatcher calls [`BackgroundSave::before_write`] before write
//! commands, so the file is the data at the moment BGSAVE was run while clients keep being served.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use rdb_writer::RdbVersion;
use storage_sled::Txn;

use crate::persistence::export::ExportError;
use crate::persistence::snapshot::Snapshot;
use crate::server::state::ServerState;

/// The RDB version of the files ardb-rs saves: Redis 7.0's.
pub const SAVE_RDB_VERSION: RdbVersion = RdbVersion::V10;

/// A BGSAVE in progress.
pub struct BackgroundSave {
    snapshot: Snapshot<BufWriter<File>>,
    temp: PathBuf,
    target: PathBuf,
    /// When it started, Unix milliseconds.
    pub started_ms: u64,
}

impl std::fmt::Debug for BackgroundSave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundSave")
            .field("target", &self.target)
            .field("keys_written", &self.snapshot.keys_written)
            .finish()
    }
}

/// The AUX fields Redis writes at the head of an RDB (the replication ones describe the stream
/// position the snapshot corresponds to).
pub fn aux_fields(state: &ServerState, now_ms: u64) -> Vec<(&'static [u8], Vec<u8>)> {
    vec![
        (&b"redis-ver"[..], crate::REDIS_VERSION.as_bytes().to_vec()),
        (&b"redis-bits"[..], b"64".to_vec()),
        (&b"ctime"[..], (now_ms / 1000).to_string().into_bytes()),
        (&b"used-mem"[..], b"0".to_vec()),
        (
            &b"repl-stream-db"[..],
            state
                .effects
                .stream_db
                .unwrap_or(0)
                .to_string()
                .into_bytes(),
        ),
        (&b"repl-id"[..], state.replid().into_bytes()),
        (
            &b"repl-offset"[..],
            state.effects.offset.to_string().into_bytes(),
        ),
        (&b"aof-base"[..], b"0".to_vec()),
    ]
}

/// Where SAVE and BGSAVE write, and the temporary file they write first.
fn paths(state: &ServerState) -> (PathBuf, PathBuf) {
    let target = state.config.dir.join(&state.config.dbfilename);
    let temp = state
        .config
        .dir
        .join(format!("temp-{}.rdb", std::process::id()));
    (target, temp)
}

fn begin(
    state: &ServerState,
    now_ms: u64,
) -> Result<(Snapshot<BufWriter<File>>, PathBuf, PathBuf), SaveError> {
    let (target, temp) = paths(state);
    let file = File::create(&temp).map_err(|e| SaveError::Io(temp.clone(), e))?;
    let aux = aux_fields(state, now_ms);
    let aux: Vec<(&[u8], Vec<u8>)> = aux.into_iter().collect();
    let snapshot = Snapshot::start(
        BufWriter::with_capacity(1 << 20, file),
        SAVE_RDB_VERSION,
        state.config.databases,
        now_ms,
        &aux,
    )?;
    Ok((snapshot, temp, target))
}

/// Completes the file: EOF and checksum, fsync, then the atomic rename over the target.
fn commit_file(
    snapshot: Snapshot<BufWriter<File>>,
    temp: &Path,
    target: &Path,
) -> Result<u64, SaveError> {
    let keys = snapshot.keys_written;
    let mut out = snapshot.finish()?;
    let io = |e| SaveError::Io(temp.to_path_buf(), e);
    out.flush().map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(temp, target).map_err(|e| SaveError::Io(target.to_path_buf(), e))?;
    Ok(keys)
}

/// Why a save failed.
#[derive(Debug)]
pub enum SaveError {
    /// Creating, writing or renaming a file failed.
    Io(PathBuf, std::io::Error),
    /// Reading the store or encoding the RDB failed.
    Export(ExportError),
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            SaveError::Export(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SaveError {}

impl From<ExportError> for SaveError {
    fn from(e: ExportError) -> Self {
        SaveError::Export(e)
    }
}

/// SAVE: writes the whole RDB now; returns how many keys it holds.
pub fn save(txn: &mut Txn, state: &ServerState, now_ms: u64) -> Result<u64, SaveError> {
    let (mut snapshot, temp, target) = begin(state, now_ms)?;
    let result = snapshot
        .complete(txn)
        .map_err(SaveError::from)
        .and_then(|()| commit_file(snapshot, &temp, &target));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

impl BackgroundSave {
    /// Starts a BGSAVE at `now_ms`.
    pub fn start(state: &ServerState, now_ms: u64) -> Result<BackgroundSave, SaveError> {
        let (snapshot, temp, target) = begin(state, now_ms)?;
        Ok(BackgroundSave {
            snapshot,
            temp,
            target,
            started_ms: now_ms,
        })
    }

    /// A write command is about to run in `db`: see [`Snapshot::before_command`].
    pub fn before_write(
        &mut self,
        txn: &mut Txn,
        db: usize,
        keys: &[Bytes],
        whole_databases: bool,
    ) -> Result<(), ExportError> {
        self.snapshot.before_command(txn, db, keys, whole_databases)
    }

    /// Advances by one slice; true once every key is written.
    pub fn step(&mut self, txn: &mut Txn) -> Result<bool, ExportError> {
        if self.snapshot.is_complete() {
            return Ok(true);
        }
        self.snapshot.step(txn)
    }

    /// Finishes the file after the last slice; returns how many keys it holds.
    pub fn finish(self) -> Result<u64, SaveError> {
        let result = commit_file(self.snapshot, &self.temp, &self.target);
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }

    /// Abandons the save (an error, or shutdown), removing the temporary file.
    pub fn abort(self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}
