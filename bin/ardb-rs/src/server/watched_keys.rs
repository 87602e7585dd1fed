//! WATCH bookkeeping: which clients watch which keys, so a write can invalidate their transactions
//! in O(watchers of that key).

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use crate::server::client::ClientInfo;

/// One key a client watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchedKey {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Bytes,
    /// Whether it had already expired (but was still stored) when WATCH ran: a key that expires
    /// later aborts EXEC, one that was already expired does not (Redis 7.0).
    pub expired_at_watch: bool,
}

/// The clients watching each key.
#[derive(Debug, Default)]
pub struct WatchedKeys {
    by_key: HashMap<(usize, Bytes), Vec<u64>>,
}

impl WatchedKeys {
    /// Whether nobody watches anything (the common case: writes skip the lookup).
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Records that `client` watches `key` in `db`.
    pub fn watch(&mut self, client: u64, db: usize, key: &Bytes) {
        let watchers = self.by_key.entry((db, key.clone())).or_default();
        if !watchers.contains(&client) {
            watchers.push(client);
        }
    }

    /// Forgets every watch of `client` (EXEC, DISCARD, UNWATCH, RESET, disconnect).
    pub fn unwatch_all(&mut self, client: u64, keys: &[WatchedKey]) {
        for k in keys {
            let slot = (k.db, k.key.clone());
            if let Some(watchers) = self.by_key.get_mut(&slot) {
                watchers.retain(|c| *c != client);
                if watchers.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
    }

    /// A write touched `key` in `db`: every client watching it will fail its EXEC.
    pub fn touch(&self, db: usize, key: &Bytes, clients: &mut BTreeMap<u64, ClientInfo>) {
        if let Some(watchers) = self.by_key.get(&(db, key.clone())) {
            for id in watchers {
                if let Some(c) = clients.get_mut(id) {
                    c.watch_invalidated = true;
                }
            }
        }
    }

    /// The watched keys of `db`, with their watchers (FLUSHDB, FLUSHALL and SWAPDB check which of
    /// them exist).
    pub fn keys_in(&self, db: usize) -> Vec<(Bytes, Vec<u64>)> {
        self.by_key
            .iter()
            .filter(|((d, _), _)| *d == db)
            .map(|((_, k), w)| (k.clone(), w.clone()))
            .collect()
    }
}
