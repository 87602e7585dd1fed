//! SCAN cursors: small integers that stand for a position in the ordered keyspace.
//!
//! Redis's cursor is a hash-table position; ours is the key the last reply ended at. The client sees an
//! integer, the server keeps the mapping (bounded, oldest forgotten first), and because the position is
//! a key, not an index, a cursor stays valid across any number of writes: every key present for the
//! whole scan is returned exactly once.

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;

/// How many cursors are remembered before the oldest is forgotten.
const MAX_CURSORS: usize = 16 * 1024;

/// Where a scan resumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanPosition {
    /// The logical database scanned.
    pub db: usize,
    /// The last key returned; the scan resumes strictly after it.
    pub after: Bytes,
}

/// The table of live cursors.
#[derive(Debug, Default)]
pub struct ScanCursors {
    by_id: BTreeMap<u64, ScanPosition>,
    order: VecDeque<u64>,
    next_id: u64,
}

impl ScanCursors {
    /// Registers a position and returns the non-zero cursor that resumes it.
    pub fn save(&mut self, position: ScanPosition) -> u64 {
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let id = self.next_id;
        self.by_id.insert(id, position);
        self.order.push_back(id);
        while self.order.len() > MAX_CURSORS {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
        id
    }

    /// The position a cursor stands for; `None` for an unknown or forgotten cursor.
    pub fn get(&self, id: u64) -> Option<&ScanPosition> {
        self.by_id.get(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_nonzero_and_bounded() {
        let mut c = ScanCursors::default();
        let first = c.save(ScanPosition {
            db: 0,
            after: Bytes::from("a"),
        });
        assert_ne!(first, 0);
        assert_eq!(
            c.get(first).map(|p| p.after.clone()),
            Some(Bytes::from("a"))
        );
        for _ in 0..MAX_CURSORS {
            c.save(ScanPosition {
                db: 1,
                after: Bytes::new(),
            });
        }
        assert!(c.get(first).is_none());
        assert_eq!(c.by_id.len(), MAX_CURSORS);
    }
}
