//! Opening the sled database and the committed state shared by all transactions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::cache::RecordCache;
use crate::error::{Result, StoreError};
use crate::layout;
use crate::position::AppliedPosition;
use crate::txn::Txn;

/// How to open a [`Store`].
#[derive(Clone, Debug)]
pub struct Options {
    /// The directory sled keeps its files in.
    pub path: PathBuf,
    /// How many logical databases `SELECT` can address (Redis's `databases`, default 16).
    pub databases: usize,
    /// sled's page cache size in bytes.
    pub cache_capacity: u64,
    /// How often sled flushes by itself; `None` leaves flushing to [`Store::flush`].
    pub flush_every_ms: Option<u64>,
    /// Bytes of decoded key metadata kept in memory in front of sled (0 disables the cache).
    pub record_cache_capacity: usize,
}

impl Options {
    /// Options with Redis's defaults for a data directory.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Options {
            path: path.into(),
            databases: 16,
            cache_capacity: 256 * 1024 * 1024,
            flush_every_ms: Some(1000),
            record_cache_capacity: 128 * 1024 * 1024,
        }
    }
}

/// Key and expire counters of one database, kept so `DBSIZE` and `INFO keyspace` are O(1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Keys stored, including expired keys not yet removed (as Redis counts them).
    pub keys: u64,
    /// Keys with an expiry.
    pub expires: u64,
}

impl Counts {
    pub(crate) fn encode(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.keys.to_be_bytes());
        out[8..].copy_from_slice(&self.expires.to_be_bytes());
        out
    }

    fn decode(raw: &[u8]) -> Option<Counts> {
        Some(Counts {
            keys: layout::decode_u64(raw)?,
            expires: layout::decode_u64(raw.get(8..)?)?,
        })
    }
}

/// Committed state mirrored in memory: the db map, counters and id allocators.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) db_map: Vec<u32>,
    pub(crate) counts: HashMap<u32, Counts>,
    pub(crate) next_version: u64,
    pub(crate) next_namespace: u32,
    pub(crate) applied: AppliedPosition,
}

/// The ardb-rs data store: every database of one node in one sled tree.
///
/// All mutation goes through a [`Txn`] so that a command's changes, the counters and the replication
/// offset it applies reach sled in one atomic batch. Cloning is cheap (a shared handle), so a
/// transaction can own one and outlive any borrow.
///
/// ```
/// # fn main() -> Result<(), storage_sled::StoreError> {
/// let dir = std::env::temp_dir().join(format!("storage-sled-doc-{}", std::process::id()));
/// let store = storage_sled::Store::open(storage_sled::Options::new(&dir))?;
/// let mut txn = store.begin(0);
/// txn.put(0, b"greeting", storage_sled::Meta::string("hello".into()))?;
/// txn.commit(Some(42.into()))?;
/// assert_eq!(store.applied_offset(), 42);
/// assert_eq!(store.begin(0).get(0, b"greeting")?.and_then(|m| m.as_string().cloned()), Some("hello".into()));
/// # drop(store); let _ = std::fs::remove_dir_all(&dir);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// What every clone of a [`Store`] shares.
struct Inner {
    db: sled::Db,
    /// Rescues sled writes stuck in sled's own deadlock (see `watchdog.rs`).
    watchdog: crate::watchdog::Watchdog,
    databases: usize,
    state: Mutex<State>,
    cache: Mutex<RecordCache>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.watchdog.stop();
    }
}

impl Store {
    /// Opens (or creates) the store, loading the committed counters and db map.
    pub fn open(options: Options) -> Result<Store> {
        let db = sled::Config::new()
            .path(&options.path)
            .cache_capacity(options.cache_capacity)
            .flush_every_ms(options.flush_every_ms)
            .mode(sled::Mode::HighThroughput)
            .open()?;
        let databases = options.databases.max(1);
        let applied = match db.get(layout::APPLIED_OFFSET)? {
            Some(v) => AppliedPosition::decode(&v)
                .ok_or_else(|| corrupt("applied position", layout::APPLIED_OFFSET))?,
            None => AppliedPosition::default(),
        };
        let next_version = read_u64(&db, layout::NEXT_VERSION)?.unwrap_or(1);
        let mut next_namespace = match db.get(layout::NEXT_NAMESPACE)? {
            Some(v) => layout::decode_u32(&v)
                .ok_or_else(|| corrupt("namespace counter", layout::NEXT_NAMESPACE))?,
            None => 0,
        };
        let mut db_map: Vec<u32> = match db.get(layout::DB_MAP)? {
            Some(v) => v.chunks_exact(4).filter_map(layout::decode_u32).collect(),
            None => Vec::new(),
        };
        let live = match db.get(layout::LIVE_DBS)? {
            Some(v) => layout::decode_u32(&v)
                .ok_or_else(|| corrupt("live database count", layout::LIVE_DBS))?
                as usize,
            None => db_map.len(),
        };
        let mut map_grew = false;
        let mut batch = sled::Batch::default();
        if db_map.len() > live {
            // A full sync was loading a staging keyspace when the process stopped: half a data
            // set is never kept; the sweeper reclaims it.
            let abandoned = db_map.split_off(live);
            log::warn!(
                "Discarding an interrupted full-sync load ({} staging databases)",
                abandoned.len()
            );
            for ns in abandoned {
                batch.insert(layout::garbage_namespace_key(ns), &[]);
            }
            map_grew = true;
        }
        while db_map.len() < databases {
            db_map.push(next_namespace);
            next_namespace += 1;
            map_grew = true;
        }
        if map_grew {
            batch.insert(layout::DB_MAP, encode_db_map(&db_map));
            batch.insert(layout::LIVE_DBS, &(db_map.len() as u32).to_be_bytes());
            batch.insert(layout::NEXT_NAMESPACE, &next_namespace.to_be_bytes());
            batch.insert(layout::FORMAT, &layout::FORMAT_VERSION.to_be_bytes());
            db.apply_batch(batch)?;
        }
        let mut counts = HashMap::new();
        for ns in &db_map {
            let c = match db.get(layout::counter_key(*ns))? {
                Some(v) => Counts::decode(&v)
                    .ok_or_else(|| corrupt("key counters", &layout::counter_key(*ns)))?,
                None => Counts::default(),
            };
            counts.insert(*ns, c);
        }
        Ok(Store {
            inner: Arc::new(Inner {
                watchdog: {
                    let w = crate::watchdog::Watchdog::default();
                    w.start(db.clone());
                    w
                },
                db,
                databases,
                state: Mutex::new(State {
                    db_map,
                    counts,
                    next_version,
                    next_namespace,
                    applied,
                }),
                cache: Mutex::new(RecordCache::new(options.record_cache_capacity)),
            }),
        })
    }

    /// Starts a transaction; `now_ms` is the clock expiry is judged by (see [`Txn::set_now`]).
    pub fn begin(&self, now_ms: u64) -> Txn {
        Txn::new(self.clone(), now_ms, None)
    }

    /// Starts a transaction that reads through `base`, the records of a prepared commit that may not
    /// be applied to sled yet (see [`crate::Committer`]).
    pub fn begin_after(&self, now_ms: u64, base: Option<crate::commit::Layer>) -> Txn {
        Txn::new(self.clone(), now_ms, base)
    }

    pub(crate) fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked while holding it; the state it guards is
        // replaced wholesale on commit, so it is still consistent.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn cache(&self) -> MutexGuard<'_, RecordCache> {
        self.inner.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes held by the record cache.
    pub fn record_cache_bytes(&self) -> usize {
        self.cache().bytes()
    }

    /// How many logical databases can be addressed.
    pub fn databases(&self) -> usize {
        self.inner.databases
    }

    /// The replication offset of the last committed batch that recorded one.
    pub fn applied_offset(&self) -> u64 {
        self.lock().applied.offset
    }

    /// The replication position (offset and stream database) of the last committed batch that
    /// recorded one: where a restarted node resumes its stream.
    pub fn applied_position(&self) -> AppliedPosition {
        self.lock().applied
    }

    /// The committed key counters of logical database `db`.
    pub fn counts(&self, db: usize) -> Counts {
        let st = self.lock();
        st.db_map
            .get(db)
            .and_then(|ns| st.counts.get(ns))
            .copied()
            .unwrap_or_default()
    }

    /// Makes every committed batch durable; returns the bytes sled wrote.
    pub fn flush(&self) -> Result<usize> {
        let _busy = self.inner.watchdog.busy();
        Ok(self.db().flush()?)
    }

    /// Marks a sled write in progress for the deadlock watchdog until the guard is dropped.
    pub(crate) fn busy(&self) -> crate::watchdog::Busy<'_> {
        self.inner.watchdog.busy()
    }

    /// The size of sled's files on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db().size_on_disk()?)
    }

    /// Whether dropped collections or flushed databases still await the sweeper.
    pub fn has_garbage(&self) -> bool {
        self.db().scan_prefix([layout::GARBAGE]).next().is_some()
    }
}

pub(crate) fn encode_db_map(map: &[u32]) -> Vec<u8> {
    map.iter().flat_map(|ns| ns.to_be_bytes()).collect()
}

pub(crate) fn corrupt(what: &'static str, key: &[u8]) -> StoreError {
    StoreError::Corrupt {
        what,
        key: key.to_vec(),
    }
}

fn read_u64(db: &sled::Db, key: &[u8]) -> Result<Option<u64>> {
    match db.get(key)? {
        Some(v) => layout::decode_u64(&v)
            .map(Some)
            .ok_or_else(|| corrupt("system counter", key)),
        None => Ok(None),
    }
}
