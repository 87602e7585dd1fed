//! The sled layout of a sorted set and its operations on an open [`Collection`].
//!
//! Each member has two element records under the collection's version: `m member` holding the score
//! (8 bytes, the f64 bits big-endian), to find a member's score in one lookup, and
//! `s <sortable score> member` (empty), the score index, walked in order by the range commands.
//! Both are written and deleted together, so every change costs O(log n) per member. Sets that have
//! grown past [`RANK_INDEX_MIN`] members also keep rank chunks (`c <index key>` → count, see
//! [`super::rank`]), which every member insert and delete here keeps exact.

use storage_sled::Txn;

use super::rank::RANK_INDEX_MIN;
use super::score::{from_sortable, normalize, sortable, LexBound, LexRange, ScoreRange};
use crate::command::error::CommandError;
use crate::commands::collection::{Collection, PAGE};
use crate::util::random_descent::successor;

/// The prefix of the member records.
const MEMBER: u8 = b'm';
/// The prefix of the score-index records.
const INDEX: u8 = b's';
/// The longest member Redis keeps in a listpack (`zset-max-listpack-value`).
const LISTPACK_MAX_VALUE: usize = 64;

/// A member and its score.
pub(crate) type Scored = (Vec<u8>, f64);

/// The member record's sub-key.
fn member_key(member: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(member.len() + 1);
    k.push(MEMBER);
    k.extend_from_slice(member);
    k
}

/// The score-index record's sub-key.
pub(super) fn index_key(score: f64, member: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(member.len() + 9);
    k.push(INDEX);
    k.extend_from_slice(&sortable(score));
    k.extend_from_slice(member);
    k
}

/// The index sub-key of the first member with a score at or after `score`'s sortable bytes plus
/// `bump` (0 or 1), or `None` when that overflows (nothing can follow).
fn index_seek(score: f64, bump: u64) -> Option<Vec<u8>> {
    let n = u64::from_be_bytes(sortable(score)).checked_add(bump)?;
    let mut k = Vec::with_capacity(9);
    k.push(INDEX);
    k.extend_from_slice(&n.to_be_bytes());
    Some(k)
}

/// The exclusive end of the score index (the byte after `s`), bounding index walks.
pub(super) const INDEX_END: &[u8] = &[INDEX + 1];
/// The start of the score index.
pub(super) const INDEX_START: &[u8] = &[INDEX];

/// Decodes a score-index sub-key into its member and score.
fn decode_index(sub: &[u8]) -> Option<Scored> {
    let bytes: [u8; 8] = sub.get(1..9)?.try_into().ok()?;
    Some((sub[9..].to_vec(), from_sortable(bytes)))
}

/// Decodes a stored score.
fn decode_score(value: &[u8]) -> Result<f64, CommandError> {
    let bytes: [u8; 8] = value
        .try_into()
        .map_err(|_| CommandError::err("corrupt sorted set score"))?;
    Ok(f64::from_be_bytes(bytes))
}

/// Walks the score index over sub-keys in `[from, to)`, ascending or descending, a page at a time,
/// until `visit` returns `Ok(false)`.
pub(crate) fn walk(
    txn: &Txn,
    version: u64,
    from: &[u8],
    to: &[u8],
    reverse: bool,
    mut visit: impl FnMut(&[u8], f64) -> Result<bool, CommandError>,
) -> Result<(), CommandError> {
    walk_records(txn, version, from, to, reverse, |sub, _| {
        let Some((member, score)) = decode_index(sub) else {
            return Err(CommandError::err("corrupt sorted set index"));
        };
        visit(&member, score)
    })
}

/// The first page a walk reads. Pages then grow fourfold up to [`PAGE`]: a walk that stops after a
/// few records (ZRANGE 0 10, a rank inside one chunk) does not read and copy a thousand.
const FIRST_PAGE: usize = 32;

/// Walks the raw element records (sub-key and value) of `version` with sub-keys in `[from, to)`,
/// ascending or descending, a page at a time, until `visit` returns `Ok(false)`: the score index
/// walks and the rank-chunk scans share it.
pub(super) fn walk_records(
    txn: &Txn,
    version: u64,
    from: &[u8],
    to: &[u8],
    reverse: bool,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<bool, CommandError>,
) -> Result<(), CommandError> {
    let mut lo = from.to_vec();
    let mut hi = to.to_vec();
    let mut size = FIRST_PAGE;
    loop {
        if lo >= hi {
            return Ok(());
        }
        let page = txn.elements(version, Some(&lo), Some(&hi), reverse, size)?;
        for (sub, value) in &page {
            if !visit(sub, value)? {
                return Ok(());
            }
        }
        match page.last() {
            Some((last, _)) if page.len() == size => {
                if reverse {
                    hi = last.clone();
                } else {
                    lo = successor(last);
                }
                size = (size * 4).min(PAGE);
            }
            _ => return Ok(()),
        }
    }
}

/// The sorted-set operations on an open sorted set.
impl Collection {
    /// The score of `member`, if it is one.
    pub(crate) fn zscore(&self, txn: &Txn, member: &[u8]) -> Result<Option<f64>, CommandError> {
        match txn.element(self.version, &member_key(member))? {
            Some(v) => Ok(Some(decode_score(&v)?)),
            None => Ok(None),
        }
    }

    /// Sets `member`'s score, replacing its old one (`old`, as read by the caller). A new member
    /// past [`RANK_INDEX_MIN`] starts the rank chunks; with chunks, a changed score moves the
    /// member's count from its old chunk to its new one.
    pub(crate) fn zput(
        &mut self,
        txn: &mut Txn,
        member: &[u8],
        old: Option<f64>,
        score: f64,
    ) -> Result<(), CommandError> {
        let score = normalize(score);
        let key = index_key(score, member);
        txn.put_element(
            self.version,
            &member_key(member),
            score.to_be_bytes().to_vec(),
        );
        match old {
            Some(o) => {
                let old_key = index_key(o, member);
                if old_key == key {
                    // Same place in the index (for instance -0 replaced by 0): nothing moves.
                    return Ok(());
                }
                txn.delete_element(self.version, &old_key);
                if self.has_rank_chunks() {
                    self.chunk_removed(txn, &old_key)?;
                }
                txn.put_element(self.version, &key, Vec::new());
                if self.has_rank_chunks() {
                    self.chunk_added(txn, &key)?;
                }
            }
            None => {
                self.len += 1;
                if member.len() > LISTPACK_MAX_VALUE {
                    self.big = true;
                }
                txn.put_element(self.version, &key, Vec::new());
                if self.has_rank_chunks() {
                    self.chunk_added(txn, &key)?;
                } else if self.len > RANK_INDEX_MIN {
                    self.build_rank_chunks(txn)?;
                }
            }
        }
        Ok(())
    }

    /// Removes `member` (whose score the caller read as `score`), and its count from its rank chunk.
    pub(crate) fn zdelete(
        &mut self,
        txn: &mut Txn,
        member: &[u8],
        score: f64,
    ) -> Result<(), CommandError> {
        let key = index_key(score, member);
        txn.delete_element(self.version, &member_key(member));
        txn.delete_element(self.version, &key);
        self.len = self.len.saturating_sub(1);
        if self.has_rank_chunks() {
            self.chunk_removed(txn, &key)?;
        }
        Ok(())
    }

    /// Removes `member` if present; returns whether it was.
    pub(crate) fn zremove(&mut self, txn: &mut Txn, member: &[u8]) -> Result<bool, CommandError> {
        match self.zscore(txn, member)? {
            Some(s) => {
                self.zdelete(txn, member, s)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Visits members in score order (or reverse), until `visit` returns `Ok(false)`.
    pub(crate) fn zwalk(
        &self,
        txn: &Txn,
        reverse: bool,
        visit: impl FnMut(&[u8], f64) -> Result<bool, CommandError>,
    ) -> Result<(), CommandError> {
        walk(txn, self.version, INDEX_START, INDEX_END, reverse, visit)
    }

    /// Every member with its score, in score order.
    pub(crate) fn zall(&self, txn: &Txn) -> Result<Vec<Scored>, CommandError> {
        let mut out = Vec::new();
        self.zwalk(txn, false, |m, s| {
            out.push((m.to_vec(), s));
            Ok(true)
        })?;
        Ok(out)
    }

    /// The members at ranks `start..=end` (already clamped to the set), in score order, or counted
    /// from the highest score when `reverse`, by walking the index from that end and skipping
    /// `start` records: O(start + count). [`Collection::zrank_range`] uses it for sets without rank
    /// chunks and for ranges near the end it walks from.
    pub(super) fn zrank_range_walk(
        &self,
        txn: &Txn,
        start: u64,
        end: u64,
        reverse: bool,
    ) -> Result<Vec<Scored>, CommandError> {
        let mut out = Vec::new();
        let mut rank = 0u64;
        self.zwalk(txn, reverse, |m, s| {
            if rank >= start {
                out.push((m.to_vec(), s));
            }
            rank += 1;
            Ok(rank <= end)
        })?;
        Ok(out)
    }

    /// The 0-based rank of `member` (scored `score`) in ascending order by counting the index
    /// records before it, O(rank): [`Collection::zrank_of`] without rank chunks.
    pub(super) fn zrank_of_walk(
        &self,
        txn: &Txn,
        member: &[u8],
        score: f64,
    ) -> Result<u64, CommandError> {
        let target = index_key(score, member);
        let mut n = 0u64;
        walk(txn, self.version, INDEX_START, &target, false, |_, _| {
            n += 1;
            Ok(true)
        })?;
        Ok(n)
    }

    /// Visits the members in a score range in order (descending when `reverse`), until `visit`
    /// returns `Ok(false)`. Seeks straight to the range: O(log n + visited).
    pub(crate) fn zscore_range(
        &self,
        txn: &Txn,
        range: &ScoreRange,
        reverse: bool,
        visit: impl FnMut(&[u8], f64) -> Result<bool, CommandError>,
    ) -> Result<(), CommandError> {
        let from = index_seek(range.min.value, u64::from(range.min.exclusive));
        let to = if range.max.exclusive {
            index_seek(range.max.value, 0)
        } else {
            index_seek(range.max.value, 1)
        };
        let Some(from) = from else {
            return Ok(());
        };
        let to = to.unwrap_or_else(|| INDEX_END.to_vec());
        walk(txn, self.version, &from, &to, reverse, visit)
    }

    /// The first (or, `last`, the final) member in score order.
    pub(crate) fn zedge(&self, txn: &Txn, last: bool) -> Result<Option<Scored>, CommandError> {
        let mut found = None;
        self.zwalk(txn, last, |m, s| {
            found = Some((m.to_vec(), s));
            Ok(false)
        })?;
        Ok(found)
    }

    /// Visits the members of a lexicographic range as Redis does (its ranges assume every member has
    /// the same score): forwards from the first member at or above `min` while members stay at or
    /// below `max`, or (`reverse`) backwards from the last member at or below `max` while they stay
    /// at or above `min`. Empty when the range is, or when the set's ends rule it out.
    pub(crate) fn zlex_range(
        &self,
        txn: &Txn,
        range: &LexRange,
        reverse: bool,
        mut visit: impl FnMut(&[u8], f64) -> Result<bool, CommandError>,
    ) -> Result<(), CommandError> {
        if range.always_empty() {
            return Ok(());
        }
        let (Some(first), Some(last)) = (self.zedge(txn, false)?, self.zedge(txn, true)?) else {
            return Ok(());
        };
        if !range.above_min(&last.0) || !range.below_max(&first.0) {
            return Ok(());
        }
        // Redis's lexicographic ranges are meant for sets whose members all share one score: then
        // the range maps onto one stretch of the index and the walk seeks straight to it.
        let (mut from, mut to) = (INDEX_START.to_vec(), INDEX_END.to_vec());
        if sortable(first.1) == sortable(last.1) {
            let mut prefix = vec![INDEX];
            prefix.extend_from_slice(&sortable(first.1));
            let with = |m: &[u8]| [prefix.as_slice(), m].concat();
            from = match &range.min {
                LexBound::Inclusive(v) => with(v),
                LexBound::Exclusive(v) => successor(&with(v)),
                LexBound::Min | LexBound::Max => prefix.clone(),
            };
            if let Some(end) = index_seek(first.1, 1) {
                to = end;
            }
            match &range.max {
                LexBound::Inclusive(v) => to = successor(&with(v)),
                LexBound::Exclusive(v) => to = with(v),
                LexBound::Min | LexBound::Max => {}
            }
        }
        let mut started = false;
        walk(txn, self.version, &from, &to, reverse, |m, s| {
            if !started {
                let reached = if reverse {
                    range.below_max(m)
                } else {
                    range.above_min(m)
                };
                if !reached {
                    return Ok(true);
                }
                started = true;
            }
            let inside = if reverse {
                range.above_min(m)
            } else {
                range.below_max(m)
            };
            if !inside {
                return Ok(false);
            }
            visit(m, s)
        })
    }

    /// A seek over the member records for random picks: the first member at or after `probe`.
    pub(crate) fn zseek_member(
        &self,
        txn: &Txn,
        probe: &[u8],
    ) -> Result<Option<Vec<u8>>, CommandError> {
        let from = member_key(probe);
        let page = txn.elements(self.version, Some(&from), Some(&[MEMBER + 1]), false, 1)?;
        Ok(page.into_iter().next().map(|(sub, _)| sub[1..].to_vec()))
    }

    /// Up to `limit` members with scores, in member order, strictly after `after` (from the first
    /// when `None`): the pages of a large ZSCAN.
    pub(crate) fn zmembers_after(
        &self,
        txn: &Txn,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Scored>, CommandError> {
        let from = match after {
            Some(a) => successor(&member_key(a)),
            None => vec![MEMBER],
        };
        let page = txn.elements(self.version, Some(&from), Some(&[MEMBER + 1]), false, limit)?;
        page.into_iter()
            .map(|(sub, v)| Ok((sub[1..].to_vec(), decode_score(&v)?)))
            .collect()
    }
}
