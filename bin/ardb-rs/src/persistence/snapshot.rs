//! A point-in-time snapshot of the whole keyspace, written as an RDB while the server keeps
//! serving (the brief's invariant 2).
//!
//! sled has no snapshots, so the snapshot walks every database in key order with a cursor, a
//! bounded slice at a time between client commands. Before any write command runs,
//! [`Snapshot::before_write`] serialises the keys it may touch that the cursor has not passed yet
//! (serialize-before-mutate), and remembers them so the cursor skips them later: every key is
//! written exactly once, with the value it had when the snapshot started. Keys created after the
//! start are remembered without being written. Commands that replace whole databases (FLUSHDB,
//! FLUSHALL, SWAPDB, and MOVE/COPY into another database) first complete the snapshot. While a
//! snapshot runs, expiry does not delete keys (they read as absent), so a key that expires
//! meanwhile is still exported, with its TTL, as it existed at the start.

use std::collections::HashSet;
use std::io::Write;

use bytes::Bytes;
use rdb_writer::{RdbVersion, RdbWriter};
use storage_sled::Txn;

use crate::persistence::export::{write_key, ExportError};

/// Keys read per step of the cursor.
const STEP_KEYS: usize = 256;

/// A snapshot in progress, writing to `W`.
pub struct Snapshot<W: Write> {
    out: Option<RdbWriter<W>>,
    databases: usize,
    /// The database the cursor is in, and the last key it wrote there (`None`: at its start).
    db: usize,
    after: Option<Bytes>,
    /// Whether SELECTDB was written for `db`.
    selected: bool,
    /// Keys not yet reached by the cursor that were already handled (written before a write, or
    /// created after the start).
    handled: HashSet<(usize, Bytes)>,
    /// Keys that expired before this instant are not part of the snapshot.
    start_ms: u64,
    /// Keys written so far.
    pub keys_written: u64,
}

impl<W: Write> Snapshot<W> {
    /// Starts a snapshot of `databases` databases at `start_ms`, writing the RDB header and the
    /// AUX fields a Redis loader expects.
    pub fn start(
        sink: W,
        version: RdbVersion,
        databases: usize,
        start_ms: u64,
        aux: &[(&[u8], Vec<u8>)],
    ) -> Result<Snapshot<W>, ExportError> {
        let mut out = RdbWriter::new(sink, version)?;
        if version.has_aux_and_resizedb() {
            for (k, v) in aux {
                out.aux(k, v)?;
            }
        }
        Ok(Snapshot {
            out: Some(out),
            databases,
            db: 0,
            after: None,
            selected: false,
            handled: HashSet::new(),
            start_ms,
            keys_written: 0,
        })
    }

    /// Whether the cursor has passed `key` of `db` (or it was handled already).
    fn passed(&self, db: usize, key: &[u8]) -> bool {
        db < self.db
            || (db == self.db && self.after.as_deref().is_some_and(|a| key <= a))
            || self.handled.contains(&(db, Bytes::copy_from_slice(key)))
    }

    fn writer(&mut self) -> Result<&mut RdbWriter<W>, ExportError> {
        self.out
            .as_mut()
            .ok_or(ExportError::Rdb(rdb_writer::Error::Poisoned))
    }

    /// Writes one key of `db` as it is stored now (the caller guarantees that is its value at the
    /// start), selecting its database first.
    fn write(&mut self, txn: &Txn, db: usize, key: &[u8]) -> Result<(), ExportError> {
        let Some(meta) = txn.stored(db, key)? else {
            return Ok(());
        };
        if meta.is_expired(self.start_ms) {
            return Ok(());
        }
        let select = db != self.db || !self.selected;
        let out = self.writer()?;
        if select {
            out.select_db(db as u64)?;
        }
        write_key(out, txn, key, meta)?;
        if select && db != self.db {
            // Back to the cursor's database for the keys that follow.
            let cursor_db = self.db as u64;
            let cursor_selected = self.selected;
            if cursor_selected {
                self.writer()?.select_db(cursor_db)?;
            }
        } else {
            self.selected = true;
        }
        self.keys_written += 1;
        Ok(())
    }

    /// A write command is about to change `keys` of `db`: the ones the cursor has not passed are
    /// written now (or, if absent, remembered as created after the start).
    pub fn before_write(
        &mut self,
        txn: &Txn,
        db: usize,
        keys: &[Bytes],
    ) -> Result<(), ExportError> {
        for key in keys {
            if db >= self.databases || self.passed(db, key) {
                continue;
            }
            self.write(txn, db, key)?;
            self.handled.insert((db, key.clone()));
        }
        Ok(())
    }

    /// A write command is about to run in `db`: see [`Snapshot::before_write`]. Commands that
    /// replace whole databases (`whole_databases`) complete the snapshot first.
    pub fn before_command(
        &mut self,
        txn: &mut Txn,
        db: usize,
        keys: &[Bytes],
        whole_databases: bool,
    ) -> Result<(), ExportError> {
        if whole_databases {
            self.complete(txn)
        } else {
            self.before_write(txn, db, keys)
        }
    }

    /// Advances the cursor by one bounded slice; returns true once every database is written.
    pub fn step(&mut self, txn: &mut Txn) -> Result<bool, ExportError> {
        while self.db < self.databases {
            let keys = scan_as_of(
                txn,
                self.db,
                self.after.as_deref(),
                STEP_KEYS,
                self.start_ms,
            )?;
            let Some((last, _)) = keys.last() else {
                self.db += 1;
                self.after = None;
                self.selected = false;
                continue;
            };
            let last = last.clone();
            for (key, _) in keys {
                let slot = (self.db, key);
                if self.handled.remove(&slot) {
                    continue;
                }
                let db = self.db;
                self.write(txn, db, &slot.1)?;
            }
            self.after = Some(last);
            return Ok(false);
        }
        Ok(true)
    }

    /// Writes everything the cursor has not reached yet (before a command that replaces whole
    /// databases, or for a synchronous SAVE).
    pub fn complete(&mut self, txn: &mut Txn) -> Result<(), ExportError> {
        while !self.step(txn)? {}
        Ok(())
    }

    /// Whether every database has been written.
    pub fn is_complete(&self) -> bool {
        self.db >= self.databases
    }

    /// Ends the RDB (EOF and checksum) and returns the sink.
    pub fn finish(mut self) -> Result<W, ExportError> {
        let out = self
            .out
            .take()
            .ok_or(ExportError::Rdb(rdb_writer::Error::Poisoned))?;
        Ok(out.finish()?)
    }
}

/// The keys of `db` after `after` that existed at `as_of_ms` (stored and not expired then).
fn scan_as_of(
    txn: &mut Txn,
    db: usize,
    after: Option<&[u8]>,
    limit: usize,
    as_of_ms: u64,
) -> Result<Vec<(Bytes, storage_sled::Meta)>, ExportError> {
    let now = txn.now_ms();
    txn.set_now(as_of_ms);
    let keys = txn.scan_keys(db, after, limit);
    txn.set_now(now);
    Ok(keys?)
}
