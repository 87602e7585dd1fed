//! Rank chunks: order statistics for large sorted sets, so ranks cost O(n/B + B), not O(rank).
//!
//! sled keeps no subtree counts, so a rank found by walking the score index costs one record per
//! member skipped. Once a set has more than [`RANK_INDEX_MIN`] members it also keeps one record per
//! stretch ("chunk") of about [`CHUNK`] consecutive index records:
//!
//! `c <end>` → `count u64 BE` `start`: the chunk covers the index keys in `[start, end)` and holds
//! `count` of them. Chunks tile the index: the first starts at the bare index prefix `s`
//! ([`INDEX_START`], below every index key), each next one starts at its predecessor's end, and the
//! last ends at [`INDEX_END`] (above every index key). Inner boundaries are index keys of members
//! (which may since have been removed: a boundary only splits the key space).
//!
//! Records are keyed by their chunk's *end* so that every lookup is a forward seek: the chunk
//! containing index key `k` is the first record after `c k` (one seek), and a chunk's predecessor
//! is the record at `c <start>` (one lookup). Reverse seeks are avoided on purpose: sled 0.34.7's
//! reverse iterator can loop until it panics ("fucked up tree traversal") when it crosses a node
//! whose low key ends in a byte just above a run of `0xff` bytes, which the sortable bytes of
//! negative scores produce.
//!
//! A rank sums the counts of the chunks before the containing one (one forward scan over at most
//! about n/B small records) and walks the index inside that chunk (at most 2B records).
//!
//! Chunks are built by one walk when the set first grows past [`RANK_INDEX_MIN`] (the header's
//! [`FLAG_RANK_CHUNKS`] then records that they exist) and kept exact by every member insert and
//! delete for the life of that collection version: a chunk above 2B members is split at its middle
//! member, and a chunk below B/4 is merged into its predecessor when the two fit in 2B (an empty one
//! always is); the first chunk has no predecessor and stays, whatever its size. Small sets keep no
//! chunks and pay nothing; their rank operations walk, which is as fast at that size.

use storage_sled::Txn;

use super::index::{index_key, walk, walk_records, Scored, INDEX_END, INDEX_START};
use crate::command::error::CommandError;
use crate::commands::collection::{Collection, FLAG_RANK_CHUNKS};
use crate::util::random_descent::successor;

/// Sorted sets with more members than this keep rank chunks; below it a rank walk touches at most
/// a few pages of the index, and inserts save the chunk upkeep.
pub(super) const RANK_INDEX_MIN: u64 = 4096;
/// B: the members per chunk when chunks are built; chunks then stay within `[B/4, 2B]` (the first
/// one, and a small one whose predecessor is too full to absorb it, excepted).
pub(super) const CHUNK: u64 = 1024;
/// A chunk larger than this is split in two.
const CHUNK_MAX: u64 = 2 * CHUNK;
/// A chunk smaller than this is merged into its predecessor when they fit in [`CHUNK_MAX`].
const CHUNK_MIN: u64 = CHUNK / 4;
/// The prefix of the chunk records (sorts before the `m` and `s` records).
const CHUNK_PREFIX: u8 = b'c';
/// The start of the chunk records.
const CHUNKS_START: &[u8] = &[CHUNK_PREFIX];
/// The exclusive end of the chunk records.
const CHUNKS_END: &[u8] = &[CHUNK_PREFIX + 1];

/// One chunk: the index keys `[start, end)` it covers and how many index records lie there.
struct Chunk {
    start: Vec<u8>,
    end: Vec<u8>,
    count: u64,
}

/// The chunk record's sub-key for a chunk ending at `end`.
fn chunk_key(end: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(end.len() + 1);
    k.push(CHUNK_PREFIX);
    k.extend_from_slice(end);
    k
}

/// The error for chunk records that disagree with the index or the header.
fn corrupt() -> CommandError {
    CommandError::err("corrupt sorted set rank chunks")
}

/// Decodes a chunk record.
fn decode_chunk(sub: &[u8], value: &[u8]) -> Result<Chunk, CommandError> {
    let count: [u8; 8] = value
        .get(..8)
        .and_then(|c| c.try_into().ok())
        .ok_or_else(corrupt)?;
    Ok(Chunk {
        start: value[8..].to_vec(),
        end: sub.get(1..).ok_or_else(corrupt)?.to_vec(),
        count: u64::from_be_bytes(count),
    })
}

/// Rank-chunk upkeep and the rank operations on an open sorted set.
impl Collection {
    /// Whether this set keeps rank chunks.
    pub(super) fn has_rank_chunks(&self) -> bool {
        self.flags & FLAG_RANK_CHUNKS != 0
    }

    /// Writes a chunk record.
    fn put_chunk(&self, txn: &mut Txn, chunk: &Chunk) {
        let mut value = Vec::with_capacity(8 + chunk.start.len());
        value.extend_from_slice(&chunk.count.to_be_bytes());
        value.extend_from_slice(&chunk.start);
        txn.put_element(self.version, &chunk_key(&chunk.end), value);
    }

    /// The chunk containing index key `key`: the first whose end is above it, by one forward seek
    /// (the last chunk ends above every key, so there always is one while chunks are kept).
    fn chunk_of(&self, txn: &Txn, key: &[u8]) -> Result<Chunk, CommandError> {
        let from = successor(&chunk_key(key));
        let found = txn.elements(self.version, Some(&from), Some(CHUNKS_END), false, 1)?;
        let (sub, value) = found.into_iter().next().ok_or_else(corrupt)?;
        decode_chunk(&sub, &value)
    }

    /// Visits the chunks in index order, until `visit` returns `Ok(false)`.
    fn scan_chunks(
        &self,
        txn: &Txn,
        mut visit: impl FnMut(Chunk) -> Result<bool, CommandError>,
    ) -> Result<(), CommandError> {
        walk_records(
            txn,
            self.version,
            CHUNKS_START,
            CHUNKS_END,
            false,
            |sub, value| visit(decode_chunk(sub, value)?),
        )
    }

    /// Builds the chunks of a set that has just grown past [`RANK_INDEX_MIN`] (its new member's
    /// records already written): one walk of the index, a chunk every [`CHUNK`] members.
    pub(super) fn build_rank_chunks(&mut self, txn: &mut Txn) -> Result<(), CommandError> {
        let mut chunks = vec![Chunk {
            start: INDEX_START.to_vec(),
            end: INDEX_END.to_vec(),
            count: 0,
        }];
        walk(txn, self.version, INDEX_START, INDEX_END, false, |m, s| {
            match chunks.last_mut() {
                Some(last) if last.count < CHUNK => last.count += 1,
                Some(last) => {
                    let boundary = index_key(s, m);
                    last.end = boundary.clone();
                    chunks.push(Chunk {
                        start: boundary,
                        end: INDEX_END.to_vec(),
                        count: 1,
                    });
                }
                None => {}
            }
            Ok(true)
        })?;
        if chunks.iter().map(|c| c.count).sum::<u64>() != self.len {
            return Err(CommandError::err("corrupt sorted set index"));
        }
        for chunk in &chunks {
            self.put_chunk(txn, chunk);
        }
        self.flags |= FLAG_RANK_CHUNKS;
        Ok(())
    }

    /// Counts a new index record `key` (already written) in its chunk, splitting the chunk at its
    /// middle member when it outgrows [`CHUNK_MAX`].
    pub(super) fn chunk_added(&self, txn: &mut Txn, key: &[u8]) -> Result<(), CommandError> {
        let mut chunk = self.chunk_of(txn, key)?;
        chunk.count += 1;
        if chunk.count <= CHUNK_MAX {
            self.put_chunk(txn, &chunk);
            return Ok(());
        }
        // Walk to the middle record: it ends the lower half and starts the upper one.
        let half = chunk.count / 2;
        let mut seen = 0u64;
        let mut middle = None;
        walk(
            txn,
            self.version,
            &chunk.start,
            &chunk.end,
            false,
            |m, s| {
                if seen == half {
                    middle = Some(index_key(s, m));
                    return Ok(false);
                }
                seen += 1;
                Ok(true)
            },
        )?;
        let middle = middle.ok_or_else(corrupt)?;
        let lower = Chunk {
            start: std::mem::replace(&mut chunk.start, middle.clone()),
            end: middle,
            count: half,
        };
        chunk.count -= half;
        self.put_chunk(txn, &lower);
        self.put_chunk(txn, &chunk);
        Ok(())
    }

    /// Uncounts a removed index record `key` (already deleted) from its chunk, merging the chunk
    /// into its predecessor when it has shrunk below [`CHUNK_MIN`] and they fit together.
    pub(super) fn chunk_removed(&self, txn: &mut Txn, key: &[u8]) -> Result<(), CommandError> {
        let mut chunk = self.chunk_of(txn, key)?;
        chunk.count = chunk.count.checked_sub(1).ok_or_else(corrupt)?;
        if chunk.count < CHUNK_MIN && chunk.start.as_slice() != INDEX_START {
            let before_key = chunk_key(&chunk.start);
            let value = txn
                .element(self.version, &before_key)?
                .ok_or_else(corrupt)?;
            let before = decode_chunk(&before_key, &value)?;
            if chunk.count == 0 || before.count + chunk.count <= CHUNK_MAX {
                chunk.start = before.start;
                chunk.count += before.count;
                txn.delete_element(self.version, &before_key);
            }
        }
        self.put_chunk(txn, &chunk);
        Ok(())
    }

    /// The 0-based rank of `member` (scored `score`) in ascending order. With rank chunks: the
    /// counts of the chunks before its chunk plus a walk inside the chunk, O(n/B + B); otherwise
    /// a walk from the lowest score, O(rank).
    pub(crate) fn zrank_of(
        &self,
        txn: &Txn,
        member: &[u8],
        score: f64,
    ) -> Result<u64, CommandError> {
        if !self.has_rank_chunks() {
            return self.zrank_of_walk(txn, member, score);
        }
        let target = index_key(score, member);
        let mut before = 0u64;
        let mut from = None;
        self.scan_chunks(txn, |chunk| {
            if chunk.end > target {
                from = Some(chunk.start);
                return Ok(false);
            }
            before += chunk.count;
            Ok(true)
        })?;
        let from = from.ok_or_else(corrupt)?;
        let mut inside = 0u64;
        walk(txn, self.version, &from, &target, false, |_, _| {
            inside += 1;
            Ok(true)
        })?;
        Ok(before + inside)
    }

    /// The members at ranks `start..=end` (clamped to the set), in score order, or counted from the
    /// highest score when `reverse`. A range starting within [`CHUNK`] of the end it counts from,
    /// or any range of a set without chunks, is walked from that end; otherwise the chunk counts
    /// locate the chunk holding its lowest member and the walk starts there: O(n/B + B + count).
    pub(crate) fn zrank_range(
        &self,
        txn: &Txn,
        start: u64,
        end: u64,
        reverse: bool,
    ) -> Result<Vec<Scored>, CommandError> {
        if !self.has_rank_chunks() || start < CHUNK {
            return self.zrank_range_walk(txn, start, end, reverse);
        }
        let Some(last) = self.len.checked_sub(1) else {
            return Ok(Vec::new());
        };
        let end = end.min(last);
        if start > end {
            return Ok(Vec::new());
        }
        // Ascending ranks `low..=high`; a reverse range is the same members, listed backwards.
        let (low, high) = if reverse {
            (last - end, last - start)
        } else {
            (start, end)
        };
        let mut below = 0u64;
        let mut found: Option<(Vec<u8>, u64)> = None;
        self.scan_chunks(txn, |chunk| {
            if below + chunk.count > low {
                found = Some((chunk.start, low - below));
                return Ok(false);
            }
            below += chunk.count;
            Ok(true)
        })?;
        let (from, mut skip) = found.ok_or_else(corrupt)?;
        let mut wanted = high - low + 1;
        let mut out = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0).min(1 << 16));
        walk(txn, self.version, &from, INDEX_END, false, |m, s| {
            if skip > 0 {
                skip -= 1;
                return Ok(true);
            }
            out.push((m.to_vec(), s));
            wanted -= 1;
            Ok(wanted > 0)
        })?;
        if reverse {
            out.reverse();
        }
        Ok(out)
    }
}

/// Test access to the chunk records, to check them against the index.
#[cfg(test)]
impl Collection {
    /// The chunk counts in index order (empty when the set keeps no chunks), after checking that
    /// the chunks tile the index from [`INDEX_START`] to [`INDEX_END`] and that each count is the
    /// number of index records in its chunk.
    pub(super) fn checked_rank_chunks(&self, txn: &Txn) -> Result<Vec<u64>, String> {
        let mut chunks = Vec::new();
        self.scan_chunks(txn, |chunk| {
            chunks.push(chunk);
            Ok(true)
        })
        .map_err(|e| format!("{e:?}"))?;
        let mut expected_start = INDEX_START.to_vec();
        let mut counts = Vec::new();
        for chunk in &chunks {
            if chunk.start != expected_start || chunk.start >= chunk.end {
                return Err(format!("chunk {} does not tile", counts.len()));
            }
            let mut n = 0u64;
            walk(
                txn,
                self.version,
                &chunk.start,
                &chunk.end,
                false,
                |_, _| {
                    n += 1;
                    Ok(true)
                },
            )
            .map_err(|e| format!("{e:?}"))?;
            if n != chunk.count {
                return Err(format!(
                    "chunk {} counts {} of {n}",
                    counts.len(),
                    chunk.count
                ));
            }
            counts.push(chunk.count);
            expected_start = chunk.end.clone();
        }
        if !chunks.is_empty() && expected_start != INDEX_END {
            return Err("the last chunk does not end the index".to_string());
        }
        Ok(counts)
    }
}
