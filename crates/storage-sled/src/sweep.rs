//! The sweeper: reclaims dropped collections and flushed databases in bounded slices.
//!
//! DEL of a million-element hash and FLUSHALL only write a garbage record in the request path; the
//! server calls [`Store::sweep`] from a timer with a budget, so no single step blocks the reactor. The
//! garbage is unreachable (no metadata points at it), so sweeping needs no coordination with
//! transactions and may be interrupted by a crash at any point.

use crate::error::Result;
use crate::layout;
use crate::meta::Meta;
use crate::store::Store;

impl Store {
    /// Deletes up to about `budget` unreachable records; returns how many it deleted. Zero means
    /// there is no garbage left.
    pub fn sweep(&self, budget: usize) -> Result<usize> {
        let mut deleted = 0;
        while deleted < budget {
            let Some(item) = self.db().scan_prefix([layout::GARBAGE]).next() else {
                break;
            };
            let (gkey, _) = item?;
            let n = match gkey.get(1) {
                Some(b'v') => self.sweep_version(&gkey, budget - deleted)?,
                Some(b'n') => self.sweep_namespace(&gkey, budget - deleted)?,
                _ => {
                    self.db().remove(&gkey)?;
                    1
                }
            };
            deleted += n;
        }
        Ok(deleted)
    }

    fn sweep_version(&self, gkey: &[u8], budget: usize) -> Result<usize> {
        let Some(version) = layout::decode_u64(&gkey[2..]) else {
            self.db().remove(gkey)?;
            return Ok(1);
        };
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for item in self
            .db()
            .scan_prefix(layout::element_prefix(version))
            .take(budget.max(1))
        {
            let (k, _) = item?;
            batch.remove(k);
            n += 1;
        }
        if n < budget.max(1) {
            batch.remove(gkey);
            n += 1;
        }
        self.db().apply_batch(batch)?;
        Ok(n)
    }

    fn sweep_namespace(&self, gkey: &[u8], budget: usize) -> Result<usize> {
        let Some(ns) = layout::decode_u32(&gkey[2..]) else {
            self.db().remove(gkey)?;
            return Ok(1);
        };
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for item in self
            .db()
            .scan_prefix(layout::meta_prefix(ns))
            .take(budget.max(1))
        {
            let (k, v) = item?;
            if let (Some(meta), Some((_, key))) = (Meta::decode(&v), layout::parse_meta_key(&k)) {
                if let Some(at) = meta.expire_at_ms {
                    batch.remove(layout::expiry_key(at, ns, key));
                }
                if let Some(version) = meta.version() {
                    batch.insert(layout::garbage_version_key(version), &[]);
                }
            }
            batch.remove(k);
            n += 1;
        }
        if n < budget.max(1) {
            batch.remove(layout::counter_key(ns));
            batch.remove(gkey);
            self.lock().counts.remove(&ns);
            n += 1;
        }
        self.db().apply_batch(batch)?;
        Ok(n)
    }
}
