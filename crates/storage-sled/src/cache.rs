//! The record cache: decoded-key-metadata lookups served from memory for the hot set.
//!
//! Every command reads its key's metadata record; sled answers from its page cache, but a sled
//! lookup walks the tree (about a microsecond and a half). This cache keeps recently used metadata
//! records — including "no such key", which is what a write to a new key reads — bounded in bytes.
//! The server is the only writer and every commit refreshes the records it wrote, so an entry is never
//! stale; namespaces are never reused, so flushed databases cannot be hit either.

use std::collections::HashMap;

use sled::IVec;

/// Bytes charged per entry on top of key and value, for the map's own bookkeeping.
const ENTRY_OVERHEAD: usize = 64;

/// A bounded map from sled key to its value (`None` = known absent).
#[derive(Debug, Default)]
pub(crate) struct RecordCache {
    map: HashMap<Vec<u8>, Option<IVec>>,
    bytes: usize,
    capacity: usize,
}

fn cost(key: &[u8], value: &Option<IVec>) -> usize {
    key.len() + value.as_ref().map_or(0, |v| v.len()) + ENTRY_OVERHEAD
}

impl RecordCache {
    /// A cache of at most `capacity` bytes (0 disables it).
    pub(crate) fn new(capacity: usize) -> Self {
        RecordCache {
            map: HashMap::new(),
            bytes: 0,
            capacity,
        }
    }

    /// The cached value of `key`: `Some(None)` means known absent, `None` means not cached.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Option<IVec>> {
        self.map.get(key).cloned()
    }

    /// Remembers `key`'s current value, evicting arbitrary entries beyond the capacity.
    pub(crate) fn insert(&mut self, key: &[u8], value: Option<IVec>) {
        if self.capacity == 0 {
            return;
        }
        let added = cost(key, &value);
        if added > self.capacity / 8 {
            // Huge values would flush the whole cache for one entry; leave them to sled.
            self.remove(key);
            return;
        }
        match self.map.get_mut(key) {
            Some(old) => {
                self.bytes = self.bytes - cost(key, old) + added;
                *old = value;
            }
            None => {
                self.bytes += added;
                self.map.insert(key.to_vec(), value);
            }
        }
        while self.bytes > self.capacity {
            let Some(victim) = self.map.keys().next().cloned() else {
                break;
            };
            self.remove(&victim);
        }
    }

    /// Forgets `key`.
    pub(crate) fn remove(&mut self, key: &[u8]) {
        if let Some(old) = self.map.remove(key) {
            self.bytes -= cost(key, &old);
        }
    }

    /// Bytes currently charged.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_capacity_and_tracks_updates() {
        let mut c = RecordCache::new(1000);
        c.insert(b"a", Some(IVec::from(&b"1"[..])));
        c.insert(b"b", None);
        assert_eq!(c.get(b"a"), Some(Some(IVec::from(&b"1"[..]))));
        assert_eq!(c.get(b"b"), Some(None));
        assert_eq!(c.get(b"c"), None);
        c.insert(b"a", Some(IVec::from(&b"22"[..])));
        assert_eq!(c.bytes(), 2 * ENTRY_OVERHEAD + 1 + 2 + 1);
        for i in 0..100u32 {
            c.insert(&i.to_be_bytes(), None);
        }
        assert!(c.bytes() <= 1000);
        c.insert(b"big", Some(IVec::from(vec![0u8; 500])));
        assert_eq!(
            c.get(b"big"),
            None,
            "entries over an eighth of the capacity are not kept"
        );
        assert_eq!(RecordCache::new(0).get(b"x"), None);
    }
}
