//! `ardb-rs --import-rdb FILE`: loads a Redis RDB file of any version into the store, streaming
//! (one value in memory at a time), committing in batches, with a progress line every second.
//!
//! Keys already expired are skipped, as Redis's own loader does on a master. Values ardb-rs cannot
//! store yet (streams, module values, hash fields with TTLs) are counted and reported, not fatal.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

use rdb_reader::{Item, Reader};
use storage_sled::Store;

use crate::persistence::import::{store_value, ImportError};

/// Keys committed per storage batch.
const BATCH_KEYS: usize = 1024;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// The file's RDB version.
    pub rdb_version: u16,
    /// Keys stored.
    pub keys: u64,
    /// Keys skipped because they had expired.
    pub expired: u64,
    /// Keys skipped because ardb-rs cannot store their type.
    pub unsupported: u64,
    /// How long it took.
    pub elapsed: Duration,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RDB v{} imported: {} keys in {:.1}s ({} already expired, {} of unsupported types skipped)",
            self.rdb_version,
            self.keys,
            self.elapsed.as_secs_f64(),
            self.expired,
            self.unsupported
        )
    }
}

/// Why an import failed.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be opened.
    Open(std::io::Error),
    /// The RDB is malformed (the error names the byte offset).
    Rdb(rdb_reader::RdbError),
    /// The file names a database the server is not configured with.
    Database(u64),
    /// Writing the store failed.
    Store(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Open(e) => write!(f, "{e}"),
            LoadError::Rdb(e) => write!(f, "{e}"),
            LoadError::Database(db) => write!(
                f,
                "the RDB uses database {db}, beyond the configured databases"
            ),
            LoadError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads `path` into `store`, replacing keys of the same names.
pub fn import_file(store: &Store, path: &Path, now_ms: u64) -> Result<ImportReport, LoadError> {
    let started = Instant::now();
    let file = File::open(path).map_err(LoadError::Open)?;
    let mut reader =
        Reader::new(BufReader::with_capacity(1 << 20, file)).map_err(LoadError::Rdb)?;
    let mut report = ImportReport {
        rdb_version: reader.header().version,
        ..ImportReport::default()
    };
    let mut txn = store.begin(now_ms);
    let mut batch = 0;
    let mut last_progress = Instant::now();
    while let Some(item) = reader.next_entry().map_err(LoadError::Rdb)? {
        let Item::Entry(entry) = item else {
            continue;
        };
        if entry.expire_at_ms.is_some_and(|at| at <= now_ms) {
            report.expired += 1;
            continue;
        }
        let db = usize::try_from(entry.db)
            .ok()
            .filter(|db| *db < store.databases())
            .ok_or(LoadError::Database(entry.db))?;
        match store_value(&mut txn, db, &entry.key, &entry.value, entry.expire_at_ms) {
            Ok(true) => report.keys += 1,
            Ok(false) => {}
            Err(ImportError::Unsupported(what)) => {
                report.unsupported += 1;
                log::warn!(
                    "Skipping key {:?}: {what} values are not supported",
                    String::from_utf8_lossy(&entry.key)
                );
            }
            Err(ImportError::Store(e)) => return Err(LoadError::Store(e.to_string())),
        }
        batch += 1;
        if batch >= BATCH_KEYS {
            txn.commit(None)
                .map_err(|e| LoadError::Store(e.to_string()))?;
            txn = store.begin(now_ms);
            batch = 0;
            if last_progress.elapsed() >= Duration::from_secs(1) {
                log::info!(
                    "Loading RDB: {} keys, {:.1} MB read",
                    report.keys,
                    reader.offset() as f64 / 1e6
                );
                last_progress = Instant::now();
            }
        }
    }
    txn.commit(None)
        .map_err(|e| LoadError::Store(e.to_string()))?;
    store.flush().map_err(|e| LoadError::Store(e.to_string()))?;
    report.elapsed = started.elapsed();
    Ok(report)
}
