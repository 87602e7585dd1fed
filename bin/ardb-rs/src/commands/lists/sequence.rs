//! How a list lives on sled: element `i` is the record `e <version> <head + i>` (big-endian
//! sequence number), so the elements of a list always occupy the contiguous sequence range
//! `head..head + len` recorded in its header.
//!
//! Contiguity is what makes index access O(log n): LINDEX, LSET and the start of an LRANGE are one
//! ordered lookup. Pushes and pops at either end move `head` or `len` by one. The operations that
//! remove or insert in the middle (LREM, LINSERT) shift the shorter side of the list by the gap,
//! which is O(n) as in Redis.

use storage_sled::Txn;

use crate::command::error::CommandError;
use crate::commands::collection::{Collection, PAGE};

/// Which end of a list an operation works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The head (index 0): LPUSH, LPOP, LEFT.
    Left,
    /// The tail (index -1): RPUSH, RPOP, RIGHT.
    Right,
}

impl End {
    /// Parses `LEFT`/`RIGHT` in any case.
    pub(crate) fn parse(arg: &[u8]) -> Option<End> {
        if arg.eq_ignore_ascii_case(b"LEFT") {
            Some(End::Left)
        } else if arg.eq_ignore_ascii_case(b"RIGHT") {
            Some(End::Right)
        } else {
            None
        }
    }
}

/// The sled sub-key of sequence number `seq`.
fn sub(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// Normalises Redis's `start`/`stop` index pair (negative counts from the tail) against `len`:
/// the first index and the number of elements, `None` when the range is empty.
pub(crate) fn clamp_range(start: i64, stop: i64, len: u64) -> Option<(u64, u64)> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = if start < 0 {
        start.saturating_add(len)
    } else {
        start
    };
    let mut stop = if stop < 0 {
        stop.saturating_add(len)
    } else {
        stop
    };
    if start < 0 {
        start = 0;
    }
    if start > stop || start >= len {
        return None;
    }
    if stop >= len {
        stop = len - 1;
    }
    Some((start as u64, (stop - start + 1) as u64))
}

/// Resolves a possibly negative index into `0..len`, `None` when out of range.
pub(crate) fn resolve_index(index: i64, len: u64) -> Option<u64> {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let i = if index < 0 {
        index.checked_add(len_i)?
    } else {
        index
    };
    (0..len_i).contains(&i).then_some(i as u64)
}

/// List operations on an open list header; they change `head`/`len`, and the caller saves it.
impl Collection {
    /// The element at `index` (`0..len`).
    pub(crate) fn list_get(&self, txn: &Txn, index: u64) -> Result<Option<Vec<u8>>, CommandError> {
        Ok(txn
            .element(self.version, &sub(self.head.wrapping_add(index)))?
            .map(|v| v.to_vec()))
    }

    /// Overwrites the element at `index` (`0..len`).
    pub(crate) fn list_set(&mut self, txn: &mut Txn, index: u64, value: &[u8]) {
        txn.put_element(self.version, &sub(self.head.wrapping_add(index)), value);
    }

    /// Adds `value` at one end.
    pub(crate) fn push(&mut self, txn: &mut Txn, end: End, value: &[u8]) {
        let seq = match end {
            End::Left => {
                self.head = self.head.wrapping_sub(1);
                self.head
            }
            End::Right => self.head.wrapping_add(self.len),
        };
        txn.put_element(self.version, &sub(seq), value);
        self.len += 1;
    }

    /// Removes and returns the element at one end, `None` if the list is empty.
    pub(crate) fn pop(&mut self, txn: &mut Txn, end: End) -> Result<Option<Vec<u8>>, CommandError> {
        if self.len == 0 {
            return Ok(None);
        }
        let index = match end {
            End::Left => 0,
            End::Right => self.len - 1,
        };
        let value = self.list_get(txn, index)?;
        txn.delete_element(self.version, &sub(self.head.wrapping_add(index)));
        if end == End::Left {
            self.head = self.head.wrapping_add(1);
        }
        self.len -= 1;
        // A header out of step with the elements is corruption; report it rather than invent a value.
        value
            .map(Some)
            .ok_or_else(|| CommandError::err("list element missing from the store"))
    }

    /// Up to `count` elements from index `start` on, in list order (reversed with `reverse`:
    /// then `start` is the last index returned and elements come from there towards the head).
    pub(crate) fn list_range(
        &self,
        txn: &Txn,
        start: u64,
        count: u64,
        reverse: bool,
    ) -> Result<Vec<Vec<u8>>, CommandError> {
        let mut out = Vec::with_capacity(usize::try_from(count.min(PAGE as u64)).unwrap_or(0));
        self.walk(txn, start, count, reverse, |_, value| {
            out.push(value.to_vec());
            true
        })?;
        Ok(out)
    }

    /// Visits up to `count` elements with their indexes, starting at index `start` and moving
    /// towards the tail (or the head with `reverse`), a page at a time, until `visit` returns false.
    pub(crate) fn walk(
        &self,
        txn: &Txn,
        start: u64,
        count: u64,
        reverse: bool,
        mut visit: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), CommandError> {
        let mut remaining = count.min(if reverse {
            start.saturating_add(1)
        } else {
            self.len.saturating_sub(start)
        });
        let mut next = start;
        while remaining > 0 {
            let page = remaining.min(PAGE as u64);
            let (lo, hi) = if reverse {
                (next + 1 - page, next + 1)
            } else {
                (next, next + page)
            };
            let from = sub(self.head.wrapping_add(lo));
            let to = sub(self.head.wrapping_add(hi));
            let elements =
                txn.elements(self.version, Some(&from), Some(&to), reverse, page as usize)?;
            if elements.len() as u64 != page {
                return Err(CommandError::err("list elements missing from the store"));
            }
            for (offset, (_, value)) in elements.iter().enumerate() {
                let index = if reverse {
                    hi - 1 - offset as u64
                } else {
                    lo + offset as u64
                };
                if !visit(index, value) {
                    return Ok(());
                }
            }
            remaining -= page;
            next = if reverse { lo.wrapping_sub(1) } else { hi };
        }
        Ok(())
    }

    /// Removes the first `left` and the last `right` elements.
    pub(crate) fn trim(&mut self, txn: &mut Txn, left: u64, right: u64) {
        let left = left.min(self.len);
        let right = right.min(self.len - left);
        for i in 0..left {
            txn.delete_element(self.version, &sub(self.head.wrapping_add(i)));
        }
        for i in (self.len - right)..self.len {
            txn.delete_element(self.version, &sub(self.head.wrapping_add(i)));
        }
        self.head = self.head.wrapping_add(left);
        self.len -= left + right;
    }

    /// Removes the elements at `indexes` (ascending, distinct, each `< len`), closing the gaps by
    /// shifting whichever side of the list is shorter.
    pub(crate) fn remove_at(&mut self, txn: &mut Txn, indexes: &[u64]) -> Result<(), CommandError> {
        let (Some(&first), Some(&last)) = (indexes.first(), indexes.last()) else {
            return Ok(());
        };
        let removed = indexes.len() as u64;
        if last < self.len - first {
            // Shift the head side right: rewrite 0..=last without the removed ones.
            let kept: Vec<Vec<u8>> = self.survivors(txn, 0, last + 1, indexes)?;
            for i in 0..=last {
                txn.delete_element(self.version, &sub(self.head.wrapping_add(i)));
            }
            self.head = self.head.wrapping_add(removed);
            for (i, value) in kept.iter().enumerate() {
                txn.put_element(
                    self.version,
                    &sub(self.head.wrapping_add(i as u64)),
                    &value[..],
                );
            }
        } else {
            // Shift the tail side left: rewrite first..len without the removed ones.
            let kept = self.survivors(txn, first, self.len - first, indexes)?;
            for i in first..self.len {
                txn.delete_element(self.version, &sub(self.head.wrapping_add(i)));
            }
            for (i, value) in kept.iter().enumerate() {
                let seq = self.head.wrapping_add(first + i as u64);
                txn.put_element(self.version, &sub(seq), &value[..]);
            }
        }
        self.len -= removed;
        Ok(())
    }

    /// The elements in `start..start + count` whose index is not in `removed` (ascending).
    fn survivors(
        &self,
        txn: &Txn,
        start: u64,
        count: u64,
        removed: &[u64],
    ) -> Result<Vec<Vec<u8>>, CommandError> {
        let mut kept = Vec::new();
        let mut skip = removed.iter().peekable();
        self.walk(txn, start, count, false, |index, value| {
            while skip.next_if(|&&r| r < index).is_some() {}
            if skip.next_if(|&&r| r == index).is_none() {
                kept.push(value.to_vec());
            }
            true
        })?;
        Ok(kept)
    }

    /// Inserts `value` so that it becomes index `at` (`0..=len`), shifting the shorter side.
    pub(crate) fn insert_at(
        &mut self,
        txn: &mut Txn,
        at: u64,
        value: &[u8],
    ) -> Result<(), CommandError> {
        if at <= self.len - at {
            // Move 0..at one step towards the head.
            let moved = self.list_range(txn, 0, at, false)?;
            self.head = self.head.wrapping_sub(1);
            for (i, v) in moved.iter().enumerate() {
                txn.put_element(self.version, &sub(self.head.wrapping_add(i as u64)), &v[..]);
            }
        } else {
            // Move at..len one step towards the tail.
            let moved = self.list_range(txn, at, self.len - at, false)?;
            for (i, v) in moved.iter().enumerate() {
                let seq = self.head.wrapping_add(at + 1 + i as u64);
                txn.put_element(self.version, &sub(seq), &v[..]);
            }
        }
        txn.put_element(self.version, &sub(self.head.wrapping_add(at)), value);
        self.len += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_redis_normalisation() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 5)));
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 2)));
        assert_eq!(clamp_range(-100, 1, 5), Some((0, 2)));
        assert_eq!(clamp_range(3, 100, 5), Some((3, 2)));
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(2, 1, 5), None);
        assert_eq!(clamp_range(0, -1, 0), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 3), Some((0, 3)));
    }

    #[test]
    fn indexes_resolve_from_either_end() {
        assert_eq!(resolve_index(0, 3), Some(0));
        assert_eq!(resolve_index(-1, 3), Some(2));
        assert_eq!(resolve_index(-3, 3), Some(0));
        assert_eq!(resolve_index(-4, 3), None);
        assert_eq!(resolve_index(3, 3), None);
        assert_eq!(resolve_index(i64::MIN, 3), None);
    }
}
