//! Reverse range scans that survive sled 0.34.7's reverse-traversal bug.
//!
//! sled's `Iter::next_back` steps to the node left of the current one by seeking
//! `possible_predecessor(node.lo)`: the low key with its last byte decremented and four `0xff`
//! bytes appended. When keys just below that node hold longer runs of `0xff` (negative scores in
//! the sorted-set index, binary members), the seek lands one node too far left, the iterator
//! bounces between the two nodes and panics after a million loops ("fucked up tree traversal").
//! [`ReverseScan`] uses sled's reverse iterator and, if it ever panics, finishes the scan with a
//! forward pass over what is left of the range — the same records, in memory, newest-first. The
//! panic is caught and logged, never propagated, so the server keeps serving.

use std::ops::Bound;
use std::panic::{catch_unwind, AssertUnwindSafe};

use sled::IVec;

/// A reverse scan of `[lo, hi)` in one sled tree.
pub struct ReverseScan {
    db: sled::Db,
    lo: Bound<Vec<u8>>,
    /// The part of the range not returned yet ends here.
    hi: Bound<Vec<u8>>,
    sled: Option<sled::Iter>,
    /// After sled failed: the rest of the range, ascending (popped from the back).
    fallback: Option<Vec<(IVec, IVec)>>,
}

impl ReverseScan {
    /// A reverse scan of the records of `db` within `(lo, hi)`.
    pub fn new(db: &sled::Db, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> ReverseScan {
        ReverseScan {
            sled: Some(db.range::<Vec<u8>, _>((lo.clone(), hi.clone()))),
            db: db.clone(),
            lo,
            hi,
            fallback: None,
        }
    }

    /// Reads the rest of the range forwards, after sled's reverse iterator failed.
    fn fall_back(&mut self) -> sled::Result<()> {
        let rest: sled::Result<Vec<(IVec, IVec)>> = self
            .db
            .range::<Vec<u8>, _>((self.lo.clone(), self.hi.clone()))
            .collect();
        self.fallback = Some(rest?);
        Ok(())
    }
}

impl Iterator for ReverseScan {
    type Item = sled::Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(rest) = self.fallback.as_mut() {
            return rest.pop().map(Ok);
        }
        let iter = self.sled.as_mut()?;
        match catch_unwind(AssertUnwindSafe(|| iter.next_back())) {
            Ok(Some(Ok((key, value)))) => {
                self.hi = Bound::Excluded(key.to_vec());
                Some(Ok((key, value)))
            }
            Ok(other) => other,
            Err(_) => {
                log::warn!(
                    "sled's reverse iterator failed (sled 0.34.7 traversal bug); finishing the \
                     scan with a forward pass"
                );
                self.sled = None;
                if let Err(e) = self.fall_back() {
                    return Some(Err(e));
                }
                self.next()
            }
        }
    }
}
