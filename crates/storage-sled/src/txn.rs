//! Transactions: a write overlay over sled that commits as one atomic batch.
//!
//! The reactor is single threaded, so a transaction never races another writer; the overlay exists so
//! that commands read their own writes and either commit everything, together with the replication
//! offset they apply, or nothing.
//!
//! The server runs every command of one event-loop iteration in one transaction (group commit: sled
//! makes each batch its own log write, so one batch per iteration instead of one per command is what
//! makes writes fast). A command that fails rolls back to the [`Savepoint`] taken before it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use sled::IVec;

use crate::commit::{Layer, MemoryLayers, PreparedCommit};
use crate::error::{Result, StoreError};
use crate::layout;
use crate::meta::Meta;
use crate::position::AppliedPosition;
use crate::store::{corrupt, encode_db_map, Counts, Store};

/// A key removed because its expiry passed, reported so the caller can propagate a `DEL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiredKey {
    /// The logical database the key was in.
    pub db: usize,
    /// The key.
    pub key: Bytes,
}

/// One element of a collection as returned by [`Txn::elements`].
pub type Element = (Vec<u8>, IVec);

/// A buffered set of changes to a [`Store`], committed atomically by [`Txn::commit`].
pub struct Txn {
    store: Store,
    now_ms: u64,
    expire_on_access: bool,
    /// Set while applying a replication stream: no key counts as expired (see
    /// [`Txn::set_expiry_suspended`]).
    expiry_suspended: bool,
    overlay: BTreeMap<Vec<u8>, Option<IVec>>,
    /// The records of the previous transaction while they are still being applied to sled: read
    /// after the overlay and before sled.
    base: Option<Layer>,
    /// Every change in order, newest last, so a savepoint can be restored without copying state.
    undo: Vec<Undo>,
    /// The last record read from sled (key, value): a write command reads a key's metadata, then
    /// replaces it, and this spares the second lookup. Only records absent from the overlay are
    /// cached, and every write goes to the overlay, so it can never be stale.
    last_read: Option<(Vec<u8>, Option<IVec>)>,
    db_map: Option<Vec<u32>>,
    count_delta: HashMap<u32, (i64, i64)>,
    version_high_water: Option<u64>,
    namespace_high_water: Option<u32>,
    expired: Vec<ExpiredKey>,
    /// Approximate bytes buffered in the overlay, so the caller can bound it.
    pending_bytes: usize,
}

/// One change recorded for rollback.
enum Undo {
    /// An overlay entry and what it held before.
    Write(Vec<u8>, Option<Option<IVec>>),
    /// A counter adjustment of a namespace.
    Counts(u32, i64, i64),
    /// The database map before a FLUSHDB or SWAPDB.
    DbMap(Option<Vec<u32>>),
}

/// The state of a [`Txn`] at one moment, to roll back to if the next command fails. Taking one
/// costs nothing: it is a position in the transaction's undo log.
#[derive(Debug, Clone, Copy)]
pub struct Savepoint {
    undo_len: usize,
    expired_len: usize,
}

impl Txn {
    pub(crate) fn new(store: Store, now_ms: u64, base: Option<Layer>) -> Self {
        Txn {
            store,
            now_ms,
            expire_on_access: true,
            expiry_suspended: false,
            overlay: BTreeMap::new(),
            base,
            undo: Vec::new(),
            last_read: None,
            db_map: None,
            count_delta: HashMap::new(),
            version_high_water: None,
            namespace_high_water: None,
            expired: Vec::new(),
            pending_bytes: 0,
        }
    }

    /// Approximate bytes of keys and values written so far (never decreases on rollback).
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// How many writes the transaction buffers.
    pub fn pending_writes(&self) -> usize {
        self.overlay.len()
    }

    /// The store this transaction belongs to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Moves the clock expiry is judged by; the server sets it before each command, as Redis freezes
    /// the clock for the duration of one command.
    pub fn set_now(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
    }

    /// Marks the current state so that [`Txn::rollback_to`] can return to it.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint {
            undo_len: self.undo.len(),
            expired_len: self.expired.len(),
        }
    }

    /// Confirms the changes made since `sp` was taken: their undo records are dropped, so a long group
    /// does not keep every overwritten value alive until it commits.
    pub fn release(&mut self, sp: Savepoint) {
        self.undo.truncate(sp.undo_len);
    }

    /// Undoes every change made since `sp` was taken (allocated versions and namespaces stay used:
    /// harmless gaps).
    pub fn rollback_to(&mut self, sp: Savepoint) {
        while self.undo.len() > sp.undo_len {
            match self.undo.pop() {
                Some(Undo::Write(key, Some(previous))) => {
                    self.overlay.insert(key, previous);
                }
                Some(Undo::Write(key, None)) => {
                    self.overlay.remove(&key);
                }
                Some(Undo::Counts(ns, keys, expires)) => {
                    if let Some(d) = self.count_delta.get_mut(&ns) {
                        d.0 -= keys;
                        d.1 -= expires;
                    }
                }
                Some(Undo::DbMap(previous)) => self.db_map = previous,
                None => break,
            }
        }
        self.expired.truncate(sp.expired_len);
    }

    /// The clock this transaction judges expiry by.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Whether reading an expired key deletes it (a master) or only hides it (a replica, which waits
    /// for its master's `DEL`). Default: deletes.
    pub fn set_expire_on_access(&mut self, on: bool) {
        self.expire_on_access = on;
    }

    /// Whether keys past their deadline still count as live. A replica applying its master's
    /// stream (or a node replaying its own log) must see exactly the keys the master saw when it
    /// ran each command: the master's DEL, not the replica's clock, ends a key's life. Otherwise an
    /// INCR replayed after the deadline would start a fresh counter the master never had.
    pub fn set_expiry_suspended(&mut self, suspended: bool) {
        self.expiry_suspended = suspended;
    }

    /// The clock deadlines are compared with: `now`, or 0 (nothing is due) while expiry is
    /// suspended.
    fn expiry_clock(&self) -> u64 {
        if self.expiry_suspended {
            0
        } else {
            self.now_ms
        }
    }

    /// Whether the transaction holds any change.
    pub fn is_dirty(&self) -> bool {
        !self.overlay.is_empty() || self.db_map.is_some()
    }

    /// Keys this transaction removed because they had expired, in order; drained by the caller to
    /// emit `DEL` effects.
    pub fn take_expired(&mut self) -> Vec<ExpiredKey> {
        std::mem::take(&mut self.expired)
    }

    // ---- raw access -------------------------------------------------------------------------

    fn read(&mut self, key: &[u8]) -> Result<Option<IVec>> {
        if let Some(v) = self.overlay.get(key) {
            return Ok(v.clone());
        }
        if let Some(v) = self.base.as_ref().and_then(|b| b.get(key)) {
            return Ok(v.clone());
        }
        if let Some((k, v)) = &self.last_read {
            if k.as_slice() == key {
                return Ok(v.clone());
            }
        }
        let v = self.read_through(key)?;
        let cached = self.last_read.get_or_insert_with(|| (Vec::new(), None));
        cached.0.clear();
        cached.0.extend_from_slice(key);
        cached.1 = v.clone();
        Ok(v)
    }

    /// Reads without touching the one-entry cache, for `&self` methods.
    fn peek(&self, key: &[u8]) -> Result<Option<IVec>> {
        match self
            .overlay
            .get(key)
            .or_else(|| self.base.as_ref().and_then(|b| b.get(key)))
        {
            Some(v) => Ok(v.clone()),
            None => self.read_through(key),
        }
    }

    /// A committed record: metadata records through the record cache, others from sled.
    fn read_through(&self, key: &[u8]) -> Result<Option<IVec>> {
        if key.first() != Some(&layout::META) {
            return Ok(self.store.db().get(key)?);
        }
        if let Some(hit) = self.store.cache().get(key) {
            return Ok(hit);
        }
        let v = self.store.db().get(key)?;
        self.store.cache().insert(key, v.clone());
        Ok(v)
    }

    fn write(&mut self, key: Vec<u8>, value: Option<IVec>) {
        self.pending_bytes += key.len() + value.as_ref().map_or(0, |v| v.len());
        let previous = self.overlay.insert(key.clone(), value);
        self.undo.push(Undo::Write(key, previous));
    }

    /// Visits the records in `[lo, hi)` in order (or reverse order), seeing this transaction's own
    /// writes; `visit` returns false to stop.
    fn merged_range(
        &self,
        lo: Bound<Vec<u8>>,
        hi: Bound<Vec<u8>>,
        reverse: bool,
        mut visit: impl FnMut(&[u8], &IVec) -> Result<bool>,
    ) -> Result<()> {
        let range = (lo, hi);
        let mut disk: Box<dyn Iterator<Item = sled::Result<(IVec, IVec)>>> = if reverse {
            Box::new(crate::reverse::ReverseScan::new(
                self.store.db(),
                range.0.clone(),
                range.1.clone(),
            ))
        } else {
            Box::new(self.store.db().range::<Vec<u8>, _>(range.clone()))
        };
        let empty = BTreeMap::new();
        let base = self.base.as_deref().unwrap_or(&empty);
        let mut mem = MemoryLayers::new(&self.overlay, base, range, reverse);
        let mut next_disk = disk.next().transpose()?;
        let mut next_mem = mem.next();
        loop {
            let take_mem = match (&next_disk, &next_mem) {
                (None, None) => return Ok(()),
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((dk, _)), Some((mk, _))) => {
                    let ord = dk.as_ref().cmp(mk.as_slice());
                    let ord = if reverse { ord.reverse() } else { ord };
                    match ord {
                        std::cmp::Ordering::Less => false,
                        std::cmp::Ordering::Greater => true,
                        std::cmp::Ordering::Equal => {
                            // The overlay shadows the committed record.
                            next_disk = disk.next().transpose()?;
                            true
                        }
                    }
                }
            };
            if take_mem {
                if let Some((k, Some(v))) = next_mem {
                    if !visit(k, v)? {
                        return Ok(());
                    }
                }
                next_mem = mem.next();
            } else {
                if let Some((k, v)) = &next_disk {
                    if !visit(k, v)? {
                        return Ok(());
                    }
                }
                next_disk = disk.next().transpose()?;
            }
        }
    }

    // ---- databases --------------------------------------------------------------------------

    fn db_map(&self) -> std::borrow::Cow<'_, [u32]> {
        match &self.db_map {
            Some(m) => std::borrow::Cow::Borrowed(m.as_slice()),
            None => std::borrow::Cow::Owned(self.store.lock().db_map.clone()),
        }
    }

    /// The namespace of logical database `db` (a live one, or a staging one while a staging
    /// keyspace exists).
    fn namespace(&self, db: usize) -> Result<u32> {
        match &self.db_map {
            Some(m) => m.get(db).copied(),
            None => self.store.lock().db_map.get(db).copied(),
        }
        .ok_or(StoreError::DbOutOfRange(db))
    }

    fn logical_db(&self, ns: u32) -> Option<usize> {
        self.db_map().iter().position(|n| *n == ns)
    }

    fn counts_of(&self, ns: u32) -> Counts {
        let base = self
            .store
            .lock()
            .counts
            .get(&ns)
            .copied()
            .unwrap_or_default();
        let (dk, de) = self.count_delta.get(&ns).copied().unwrap_or((0, 0));
        Counts {
            keys: base.keys.saturating_add_signed(dk),
            expires: base.expires.saturating_add_signed(de),
        }
    }

    fn adjust_counts(&mut self, ns: u32, keys: i64, expires: i64) {
        if keys == 0 && expires == 0 {
            return;
        }
        let d = self.count_delta.entry(ns).or_insert((0, 0));
        d.0 += keys;
        d.1 += expires;
        self.undo.push(Undo::Counts(ns, keys, expires));
    }

    fn set_db_map(&mut self, map: Vec<u32>) {
        let previous = self.db_map.replace(map);
        self.undo.push(Undo::DbMap(previous));
    }

    /// Keys in logical database `db`, expired-but-unremoved keys included (as Redis's DBSIZE).
    pub fn dbsize(&self, db: usize) -> Result<u64> {
        Ok(self.counts_of(self.namespace(db)?).keys)
    }

    /// Keys with an expiry in logical database `db`.
    pub fn expires_count(&self, db: usize) -> Result<u64> {
        Ok(self.counts_of(self.namespace(db)?).expires)
    }

    fn fresh_namespace(&mut self) -> u32 {
        let ns = match self.namespace_high_water {
            Some(n) => n,
            None => self.store.lock().next_namespace,
        };
        self.namespace_high_water = Some(ns + 1);
        ns
    }

    /// Empties logical database `db` in O(1): it gets a fresh namespace and the old one is left to
    /// the sweeper.
    pub fn flush_db(&mut self, db: usize) -> Result<()> {
        let old = self.namespace(db)?;
        let fresh = self.fresh_namespace();
        let mut map = self.db_map().into_owned();
        map[db] = fresh;
        self.set_db_map(map);
        self.write(layout::garbage_namespace_key(old), Some(IVec::default()));
        Ok(())
    }

    /// Empties every database (see [`Txn::flush_db`]).
    pub fn flush_all(&mut self) -> Result<()> {
        for db in 0..self.store.databases() {
            self.flush_db(db)?;
        }
        Ok(())
    }

    /// Swaps two logical databases in O(1) by swapping their namespaces.
    pub fn swap_db(&mut self, a: usize, b: usize) -> Result<()> {
        self.namespace(a)?;
        self.namespace(b)?;
        let mut map = self.db_map().into_owned();
        map.swap(a, b);
        self.set_db_map(map);
        Ok(())
    }

    // ---- staging: a fresh keyspace loaded beside the live one ------------------------------

    /// Opens an empty staging keyspace beside the live databases (replacing one already open):
    /// a replica loads a full sync into it while the live data keeps being served, then
    /// [`Txn::swap_in_staging`] replaces every live database with it in one commit. Staging
    /// database `i` is addressed as logical database [`Txn::staging_db`]`(i)` by every method.
    /// If the process stops before the swap, the next open discards the staging keyspace.
    pub fn begin_staging(&mut self) {
        self.drop_staging();
        let live = self.store.databases();
        let mut map = self.db_map().into_owned();
        for _ in 0..live {
            map.push(self.fresh_namespace());
        }
        self.set_db_map(map);
    }

    /// The logical index under which staging database `db` is read and written.
    pub fn staging_db(&self, db: usize) -> usize {
        self.store.databases() + db
    }

    /// Whether a staging keyspace is open.
    pub fn has_staging(&self) -> bool {
        self.db_map().len() > self.store.databases()
    }

    /// Replaces every live database with its staging counterpart (the old data goes to the
    /// sweeper) and closes the staging keyspace; false (nothing changed) if none is open.
    pub fn swap_in_staging(&mut self) -> bool {
        let live = self.store.databases();
        let mut map = self.db_map().into_owned();
        if map.len() != 2 * live {
            return false;
        }
        let staged = map.split_off(live);
        for (slot, fresh) in map.iter_mut().zip(staged) {
            self.write(layout::garbage_namespace_key(*slot), Some(IVec::default()));
            *slot = fresh;
        }
        self.set_db_map(map);
        true
    }

    /// Abandons the staging keyspace, if any (a failed load); the live data is untouched.
    pub fn drop_staging(&mut self) {
        let live = self.store.databases();
        let mut map = self.db_map().into_owned();
        if map.len() <= live {
            return;
        }
        for ns in map.split_off(live) {
            self.write(layout::garbage_namespace_key(ns), Some(IVec::default()));
        }
        self.set_db_map(map);
    }

    // ---- keys -------------------------------------------------------------------------------

    fn read_meta(&mut self, ns: u32, key: &[u8]) -> Result<Option<Meta>> {
        let raw_key = layout::meta_key(ns, key);
        match self.read(&raw_key)? {
            Some(v) => Meta::decode_shared(&v)
                .map(Some)
                .ok_or_else(|| corrupt("key metadata", &raw_key)),
            None => Ok(None),
        }
    }

    /// The live metadata of `key`, or `None` if it does not exist or has expired. An expired key is
    /// removed (and reported by [`Txn::take_expired`]) when expire-on-access is on.
    pub fn get(&mut self, db: usize, key: &[u8]) -> Result<Option<Meta>> {
        let ns = self.namespace(db)?;
        match self.read_meta(ns, key)? {
            Some(m) if m.is_expired(self.expiry_clock()) => {
                if self.expire_on_access {
                    self.remove(ns, key, &m, true);
                    self.expired.push(ExpiredKey {
                        db,
                        key: Bytes::copy_from_slice(key),
                    });
                }
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// Whether `key` exists and is not expired, without removing it if it expired.
    pub fn exists(&self, db: usize, key: &[u8]) -> Result<bool> {
        Ok(matches!(self.stored(db, key)?, Some(m) if !m.is_expired(self.expiry_clock())))
    }

    /// The metadata stored for `key` even if it has expired (and without removing it): what WATCH
    /// needs to tell "expired since" from "never there".
    pub fn stored(&self, db: usize, key: &[u8]) -> Result<Option<Meta>> {
        let ns = self.namespace(db)?;
        let raw_key = layout::meta_key(ns, key);
        match self.peek(&raw_key)? {
            Some(v) => Ok(Some(
                Meta::decode_shared(&v).ok_or_else(|| corrupt("key metadata", &raw_key))?,
            )),
            None => Ok(None),
        }
    }

    /// Stores `meta` under `key`, replacing whatever was there. A replaced collection of another
    /// version is handed to the sweeper, so replacing is O(1) whatever its size.
    pub fn put(&mut self, db: usize, key: &[u8], meta: Meta) -> Result<()> {
        let ns = self.namespace(db)?;
        let old = self.read_meta(ns, key)?;
        let old_expire = old.as_ref().and_then(|m| m.expire_at_ms);
        if old_expire != meta.expire_at_ms {
            if let Some(at) = old_expire {
                self.write(layout::expiry_key(at, ns, key), None);
            }
            if let Some(at) = meta.expire_at_ms {
                self.write(layout::expiry_key(at, ns, key), Some(IVec::default()));
            }
        }
        let new_keys = i64::from(old.is_none());
        let expires = i64::from(meta.expire_at_ms.is_some()) - i64::from(old_expire.is_some());
        self.adjust_counts(ns, new_keys, expires);
        if let Some(old_version) = old.as_ref().and_then(Meta::version) {
            if meta.version() != Some(old_version) {
                self.write(
                    layout::garbage_version_key(old_version),
                    Some(IVec::default()),
                );
            }
        }
        self.write(layout::meta_key(ns, key), Some(IVec::from(meta.encode())));
        Ok(())
    }

    fn remove(&mut self, ns: u32, key: &[u8], old: &Meta, drop_elements: bool) {
        if let Some(at) = old.expire_at_ms {
            self.write(layout::expiry_key(at, ns, key), None);
        }
        self.adjust_counts(ns, -1, -i64::from(old.expire_at_ms.is_some()));
        if drop_elements {
            if let Some(v) = old.version() {
                self.write(layout::garbage_version_key(v), Some(IVec::default()));
            }
        }
        self.write(layout::meta_key(ns, key), None);
    }

    /// Deletes `key` in O(1); returns whether a live key was deleted.
    pub fn delete(&mut self, db: usize, key: &[u8]) -> Result<bool> {
        let ns = self.namespace(db)?;
        match self.get(db, key)? {
            Some(m) => {
                self.remove(ns, key, &m, true);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Removes `key` and returns its metadata with ownership of its elements, for RENAME and MOVE:
    /// the caller must [`Txn::put`] the metadata somewhere or the elements leak until a restart sweep.
    pub fn take(&mut self, db: usize, key: &[u8]) -> Result<Option<Meta>> {
        let ns = self.namespace(db)?;
        let meta = self.get(db, key)?;
        if let Some(m) = &meta {
            self.remove(ns, key, m, false);
        }
        Ok(meta)
    }

    /// Hands out a collection version that no other key has ever used.
    pub fn alloc_version(&mut self) -> u64 {
        let v = match self.version_high_water {
            Some(v) => v,
            None => self.store.lock().next_version,
        };
        self.version_high_water = Some(v + 1);
        v
    }

    /// Up to `limit` live keys of `db` in key order, strictly after `after` (from the start if
    /// `None`); expired keys are skipped, not removed.
    pub fn scan_keys(
        &self,
        db: usize,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Bytes, Meta)>> {
        let ns = self.namespace(db)?;
        let prefix = layout::meta_prefix(ns);
        let lo = match after {
            Some(k) => Bound::Excluded(layout::meta_key(ns, k)),
            None => Bound::Included(prefix.to_vec()),
        };
        let hi = prefix_end(&prefix);
        let mut out = Vec::new();
        let now = self.expiry_clock();
        self.merged_range(lo, hi, false, |k, v| {
            let meta = Meta::decode_shared(v).ok_or_else(|| corrupt("key metadata", k))?;
            if !meta.is_expired(now) {
                out.push((Bytes::copy_from_slice(&k[prefix.len()..]), meta));
            }
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    /// The first live key at or after `start` in `db`, wrapping around to the beginning; used for
    /// RANDOMKEY with a random `start`.
    pub fn key_at_or_after(&self, db: usize, start: &[u8]) -> Result<Option<Bytes>> {
        let ns = self.namespace(db)?;
        let prefix = layout::meta_prefix(ns);
        for lo in [layout::meta_key(ns, start), prefix.to_vec()] {
            let mut found = None;
            let now = self.expiry_clock();
            self.merged_range(Bound::Included(lo), prefix_end(&prefix), false, |k, v| {
                let meta = Meta::decode_shared(v).ok_or_else(|| corrupt("key metadata", k))?;
                if meta.is_expired(now) {
                    return Ok(true);
                }
                found = Some(Bytes::copy_from_slice(&k[prefix.len()..]));
                Ok(false)
            })?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Removes up to `limit` keys whose deadline has passed, across all databases, reporting each
    /// through [`Txn::take_expired`]; returns how many index entries it looked at.
    pub fn expire_due(&mut self, limit: usize) -> Result<usize> {
        let mut due = Vec::new();
        let now = self.now_ms;
        let hi = layout::expiry_key(now, u32::MAX, &[0xff; 8]);
        self.merged_range(
            Bound::Included(vec![layout::EXPIRY]),
            Bound::Excluded(hi),
            false,
            |k, _| {
                if let Some((at, ns, key)) = layout::parse_expiry_key(k) {
                    if at <= now {
                        due.push((k.to_vec(), ns, key.to_vec()));
                    }
                }
                Ok(due.len() < limit)
            },
        )?;
        let seen = due.len();
        for (index_key, ns, key) in due {
            let live = match self.logical_db(ns) {
                // A staging keyspace's keys expire once it is swapped in, not while it loads.
                Some(db) if db >= self.store.databases() => continue,
                Some(db) => self
                    .read_meta(ns, &key)?
                    .filter(|m| m.is_expired(now))
                    .map(|m| (db, m)),
                None => None,
            };
            match live {
                Some((db, m)) => {
                    self.remove(ns, &key, &m, true);
                    self.expired.push(ExpiredKey {
                        db,
                        key: Bytes::from(key),
                    });
                }
                // A stale entry (flushed namespace or changed expiry): just drop it.
                None => self.write(index_key, None),
            }
        }
        Ok(seen)
    }

    // ---- collection elements ----------------------------------------------------------------

    /// One element of collection `version`.
    pub fn element(&self, version: u64, sub: &[u8]) -> Result<Option<IVec>> {
        self.peek(&layout::element_key(version, sub))
    }

    /// Writes one element of collection `version`.
    pub fn put_element(&mut self, version: u64, sub: &[u8], value: impl Into<IVec>) {
        self.write(layout::element_key(version, sub), Some(value.into()));
    }

    /// Deletes one element of collection `version`.
    pub fn delete_element(&mut self, version: u64, sub: &[u8]) {
        self.write(layout::element_key(version, sub), None);
    }

    /// Up to `limit` elements of collection `version` with sub-keys in `[from, to)` (unbounded ends
    /// when `None`), forwards or backwards; sub-keys are returned without the version prefix.
    pub fn elements(
        &self,
        version: u64,
        from: Option<&[u8]>,
        to: Option<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<Element>> {
        let prefix = layout::element_prefix(version);
        let lo = Bound::Included(layout::element_key(version, from.unwrap_or_default()));
        let hi = match to {
            Some(t) => Bound::Excluded(layout::element_key(version, t)),
            None => prefix_end(&prefix),
        };
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.merged_range(lo, hi, reverse, |k, v| {
            out.push((k[prefix.len()..].to_vec(), v.clone()));
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    // ---- commit -----------------------------------------------------------------------------

    /// Applies every change atomically; `applied`, when given, is recorded in the same batch so
    /// the data always corresponds to exactly one replication offset.
    pub fn commit(self, applied: Option<AppliedPosition>) -> Result<()> {
        match self.prepare(applied) {
            Some(prepared) => prepared.apply(),
            None => Ok(()),
        }
    }

    /// Ends the transaction without touching sled yet: its effect on the in-memory state (counters,
    /// database map, allocators, record cache, applied offset) happens now, and the returned batch is
    /// applied by [`PreparedCommit::apply`] — possibly on another thread, while later transactions
    /// read through it as their base layer ([`Store::begin_after`]). `None` if there is nothing to
    /// write.
    pub fn prepare(mut self, applied: Option<AppliedPosition>) -> Option<PreparedCommit> {
        if !self.is_dirty() && applied.is_none() {
            return None;
        }
        let mut system: Vec<(&'static [u8], Vec<u8>)> = Vec::new();
        let mut counters = Vec::new();
        let new_counts: Vec<(u32, Counts)> = self
            .count_delta
            .iter()
            .filter(|(_, d)| **d != (0, 0))
            .map(|(ns, _)| (*ns, self.counts_of(*ns)))
            .collect();
        for (ns, c) in &new_counts {
            counters.push((layout::counter_key(*ns), c.encode().to_vec()));
        }
        if let Some(v) = self.version_high_water {
            system.push((layout::NEXT_VERSION, v.to_be_bytes().to_vec()));
        }
        if let Some(n) = self.namespace_high_water {
            system.push((layout::NEXT_NAMESPACE, n.to_be_bytes().to_vec()));
        }
        if let Some(map) = &self.db_map {
            system.push((layout::DB_MAP, encode_db_map(map)));
            let live = self.store.databases() as u32;
            system.push((layout::LIVE_DBS, live.to_be_bytes().to_vec()));
        }
        if let Some(position) = applied {
            system.push((layout::APPLIED_OFFSET, position.encode().to_vec()));
        }
        let records = std::mem::take(&mut self.overlay);
        {
            let mut cache = self.store.cache();
            for (k, v) in records.range(vec![layout::META]..vec![layout::META + 1]) {
                cache.insert(k, v.clone());
            }
        }
        {
            let mut st = self.store.lock();
            for (ns, c) in new_counts {
                st.counts.insert(ns, c);
            }
            if let Some(v) = self.version_high_water {
                st.next_version = st.next_version.max(v);
            }
            if let Some(n) = self.namespace_high_water {
                st.next_namespace = st.next_namespace.max(n);
            }
            if let Some(map) = self.db_map.take() {
                for ns in &map {
                    st.counts.entry(*ns).or_default();
                }
                st.db_map = map;
            }
            if let Some(position) = applied {
                st.applied = position;
            }
        }
        Some(PreparedCommit {
            store: self.store.clone(),
            records: Arc::new(records),
            system,
            counters,
        })
    }
}

/// The exclusive upper bound of every key starting with `prefix`.
pub(crate) fn prefix_end(prefix: &[u8]) -> Bound<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Bound::Excluded(end);
        }
    }
    Bound::Unbounded
}
