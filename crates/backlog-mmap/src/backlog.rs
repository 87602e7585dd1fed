//! The ring: appending, reading, trimming and the header updates that keep it crash-consistent.

use std::fs::File;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{compiler_fence, Ordering};

use dual_slot::DualSlot;
use memmap2::MmapMut;

use crate::crc64;
use crate::error::BacklogError;
use crate::header::{self, Header, HEADER_LEN};
use crate::policy::FlushPolicy;
use crate::sync::Syncer;
use repl_id::ReplId;

/// The replication backlog: the newest `capacity` bytes of the replication stream in a mapped,
/// exclusively locked file whose header always describes a consistent prefix (see the crate
/// docs). One `Backlog` per file; it is the only writer.
pub struct Backlog {
    pub(crate) path: PathBuf,
    /// Holds the exclusive lock for as long as the backlog lives.
    pub(crate) file: File,
    /// The whole file: header region, then the ring.
    pub(crate) map: MmapMut,
    pub(crate) slots: DualSlot,
    /// The header last stored into the mapping.
    pub(crate) header: Header,
    /// Bytes at offsets >= this are never overwritten; `u64::MAX` = no restriction.
    pub(crate) retain_from: u64,
    pub(crate) policy: FlushPolicy,
    /// The first offset written since the last msync, if any.
    pub(crate) dirty_from: Option<u64>,
    pub(crate) header_dirty: bool,
    pub(crate) syncer: Syncer,
}

/// Shows where the file is and what it holds, not the bytes.
impl std::fmt::Debug for Backlog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backlog")
            .field("path", &self.path)
            .field("capacity", &self.header.capacity)
            .field("replid", &self.header.replid)
            .field("start", &self.header.start)
            .field("end", &self.header.end)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Backlog {
    /// Ring size in bytes: how much history a reconnecting replica can catch up from.
    pub fn capacity(&self) -> u64 {
        self.header.capacity
    }

    /// The id of the current history (`master_replid`); a PSYNC naming it can continue.
    pub fn replid(&self) -> ReplId {
        self.header.replid
    }

    /// The id of the previous history (`master_replid2`), [`ReplId::ZERO`] if none, so replicas
    /// of the old master can continue after a promotion.
    pub fn replid2(&self) -> ReplId {
        self.header.replid2
    }

    /// The last PSYNC offset (Redis's `reploff + 1` form) accepted with [`replid2`](Self::replid2),
    /// `-1` if none: beyond it the two histories differ.
    pub fn second_replid_offset(&self) -> i64 {
        self.header.second_replid_offset
    }

    /// The oldest offset a reader can continue from: bytes before it are gone.
    pub fn start_offset(&self) -> u64 {
        self.header.start
    }

    /// How many bytes the stream has produced (`master_repl_offset`).
    pub fn end_offset(&self) -> u64 {
        self.header.end
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> u64 {
        self.header.end - self.header.start
    }

    /// Redis's `repl_backlog_first_byte_offset`: 1-based position of the oldest held byte.
    pub fn first_byte_offset(&self) -> u64 {
        self.header.start + 1
    }

    /// Whether a reader that has consumed up to `offset` can continue from here
    /// (`start <= offset <= end`); decides between `+CONTINUE` and a full resync.
    pub fn holds(&self, offset: u64) -> bool {
        self.header.start <= offset && offset <= self.header.end
    }

    /// The running CRC-64 of the history's bytes up to the end, as recorded in the header.
    pub fn checksum_at_end(&self) -> u64 {
        self.header.crc_end
    }

    /// The running CRC-64 of the history up to `offset`, if held, so two nodes can check that
    /// their streams agree at an offset. Costs `offset - start` bytes of hashing.
    pub fn checksum_at(&self, offset: u64) -> Option<u64> {
        let (a, b) = self.read(self.header.start, self.len_from_start(offset)?)?;
        Some(crc64::extend(crc64::extend(self.header.crc_start, a), b))
    }

    fn len_from_start(&self, offset: u64) -> Option<usize> {
        if !self.holds(offset) {
            return None;
        }
        usize::try_from(offset - self.header.start).ok()
    }

    /// Adds `bytes` to the stream and returns the offsets they occupy. Old bytes are trimmed
    /// to make room (crash-safely: the header stops covering them before they are
    /// overwritten). If the room would have to come from bytes at or after the retain mark,
    /// returns [`BacklogError::WouldOverwriteRetained`] and changes nothing.
    pub fn append(&mut self, bytes: &[u8]) -> Result<Range<u64>, BacklogError> {
        let h = self.header;
        let len = bytes.len() as u64;
        let new_end = h.end.checked_add(len).ok_or(BacklogError::OffsetOverflow)?;
        if bytes.is_empty() {
            return Ok(h.end..h.end);
        }
        // The oldest offset the ring can still hold once the append is done.
        let needed_start = new_end.saturating_sub(h.capacity);
        let mut start = h.start;
        let mut crc_start = h.crc_start;
        if needed_start > h.start {
            if needed_start > self.retain_from {
                return Err(BacklogError::WouldOverwriteRetained {
                    retain_from: self.retain_from,
                    needed_start,
                });
            }
            // Trim a step further than needed so this extra header store stays rare.
            let limit = h.end.min(self.retain_from);
            start = needed_start.max(limit.min(needed_start.saturating_add(self.trim_step())));
            // Hash the old bytes being dropped while they are still there, then publish the
            // new start before any of them is overwritten.
            let dropped_old_end = start.min(h.end);
            let (a, b) = self.ring(h.start, (dropped_old_end - h.start) as usize);
            crc_start = crc64::extend(crc64::extend(crc_start, a), b);
            self.store_header(Header {
                start: dropped_old_end,
                crc_start,
                ..h
            })?;
            if start > h.end {
                // An append longer than the ring: its own head is dropped too.
                crc_start = crc64::extend(crc_start, &bytes[..(start - h.end) as usize]);
            }
        }
        let first_kept = needed_start.max(h.end);
        self.write_ring(first_kept, &bytes[(first_kept - h.end) as usize..]);
        self.store_header(Header {
            start,
            end: new_end,
            crc_start,
            crc_end: crc64::extend(h.crc_end, bytes),
            ..h
        })?;
        self.dirty_from = Some(self.dirty_from.map_or(first_kept, |d| d.min(first_kept)));
        Ok(h.end..new_end)
    }

    /// Sets the retain mark: bytes at offsets >= `offset` are never overwritten, so the stream
    /// the data store has not made durable yet can be replayed from here after a crash. The
    /// server moves it forward as its store persists; `u64::MAX` lifts the restriction (the
    /// default).
    pub fn retain_from(&mut self, offset: u64) {
        self.retain_from = offset;
    }

    /// Up to `max_len` bytes starting at `from`, as two slices because the ring may wrap (the
    /// second may be empty); `None` if a reader at `from` cannot continue (`!holds(from)`).
    pub fn read(&self, from: u64, max_len: usize) -> Option<(&[u8], &[u8])> {
        if !self.holds(from) {
            return None;
        }
        let available = usize::try_from(self.header.end - from).unwrap_or(usize::MAX);
        Some(self.ring(from, max_len.min(available)))
    }

    /// Starts a new, empty history at `offset` (after a full resync from a new master, or when
    /// the file could not be trusted); `replid2` is cleared and the retain mark lifted.
    pub fn reset(&mut self, replid: ReplId, offset: u64) -> Result<(), BacklogError> {
        self.store_header(Header::new_history(self.header.capacity, replid, offset))?;
        self.dirty_from = None;
        self.retain_from = u64::MAX;
        Ok(())
    }

    /// On promotion of a replica to master: the old id becomes `replid2`, valid for PSYNC
    /// offsets up to `end + 1`, and `new_replid` names the history from here on, as Redis's
    /// `shiftReplicationId`. The bytes and offsets are untouched.
    pub fn shift_replid(&mut self, new_replid: ReplId) -> Result<(), BacklogError> {
        self.shift_replid_at(new_replid, self.header.end)
    }

    /// [`shift_replid`](Self::shift_replid) at stream offset `offset`, which may lie past the
    /// end when the caller has recorded stream bytes it has not appended yet (they belong to the
    /// old history too): `replid2` is then valid up to `offset + 1`. An offset before the start
    /// is refused with [`BacklogError::ImpossibleOffsets`].
    pub fn shift_replid_at(&mut self, new_replid: ReplId, offset: u64) -> Result<(), BacklogError> {
        let h = self.header;
        if offset < h.start {
            return Err(BacklogError::ImpossibleOffsets {
                start: h.start,
                end: offset,
                capacity: h.capacity,
            });
        }
        let second = i64::try_from(offset)
            .ok()
            .and_then(|e| e.checked_add(1))
            .ok_or(BacklogError::OffsetOverflow)?;
        self.store_header(Header {
            replid: new_replid,
            replid2: h.replid,
            second_replid_offset: second,
            ..h
        })
    }

    /// The current flush policy.
    pub fn policy(&self) -> FlushPolicy {
        self.policy
    }

    /// Changes the flush policy (CONFIG SET); takes effect at the next
    /// [`sync_for_reply`](Self::sync_for_reply).
    pub fn set_policy(&mut self, policy: FlushPolicy) {
        self.policy = policy;
    }

    /// Call before replies to the writes just appended leave the server, so what the client
    /// sees acknowledged is as durable as the policy promises: `Always` msyncs the new bytes
    /// and the header now; `EverySec` asks the background thread for an fdatasync if a second
    /// has passed (never waiting for it) and reports an earlier background failure; `No` does
    /// nothing.
    pub fn sync_for_reply(&mut self) -> Result<(), BacklogError> {
        match self.policy {
            FlushPolicy::Always => self.sync(),
            FlushPolicy::EverySec => self
                .syncer
                .request_if_due(&self.file)
                .map_err(|e| BacklogError::io(&self.path, e)),
            FlushPolicy::No => Ok(()),
        }
    }

    /// Whether bytes or header changes are waiting for an msync: with `Always`, a caller that
    /// batches replies (one sync for many clients, as Redis fsyncs once per event-loop turn)
    /// holds them while this is true.
    pub fn has_unsynced_writes(&self) -> bool {
        self.dirty_from.is_some() || self.header_dirty
    }

    /// msyncs every byte written since the last msync, then the header, and waits: for
    /// shutdown, or whenever the caller needs everything on disk regardless of policy.
    pub fn sync(&mut self) -> Result<(), BacklogError> {
        if let Some(from) = self.dirty_from.take() {
            let h = self.header;
            let from = from.max(h.end.saturating_sub(h.capacity));
            if from < h.end {
                let len = (h.end - from) as usize;
                let index = self.index(from);
                let first = len.min(self.cap() - index);
                self.flush_range(HEADER_LEN + index, first)?;
                self.flush_range(HEADER_LEN, len - first)?;
            }
        }
        if self.header_dirty {
            self.flush_range(0, HEADER_LEN)?;
            self.header_dirty = false;
        }
        Ok(())
    }

    fn flush_range(&self, at: usize, len: usize) -> Result<(), BacklogError> {
        if len == 0 {
            return Ok(());
        }
        self.map
            .flush_range(at, len)
            .map_err(|e| BacklogError::io(&self.path, e))
    }

    /// How far past the needed start a trim goes: 1/64 of the ring, or 64 KiB if that is more
    /// but no more than a quarter of the ring.
    fn trim_step(&self) -> u64 {
        let cap = self.header.capacity;
        (cap / 64).max((64 * 1024).min(cap / 4)).max(1)
    }

    /// Stores the next header generation. The fences keep the compiler from moving ring
    /// stores across it: a kill must never see the header ahead of the bytes it describes.
    pub(crate) fn store_header(&mut self, header: Header) -> Result<(), BacklogError> {
        compiler_fence(Ordering::SeqCst);
        header::store(&mut self.slots, &mut self.map[..HEADER_LEN], &header)?;
        compiler_fence(Ordering::SeqCst);
        self.header = header;
        self.header_dirty = true;
        Ok(())
    }

    fn cap(&self) -> usize {
        self.map.len() - HEADER_LEN
    }

    fn index(&self, offset: u64) -> usize {
        (offset % self.header.capacity) as usize
    }

    /// `len <= capacity` bytes of the ring from `offset`'s position.
    fn ring(&self, offset: u64, len: usize) -> (&[u8], &[u8]) {
        let index = self.index(offset);
        let first = len.min(self.cap() - index);
        let data = &self.map[HEADER_LEN..];
        (&data[index..index + first], &data[..len - first])
    }

    /// Stores `bytes` (at most `capacity`) at `offset`'s ring position onwards.
    pub(crate) fn write_ring(&mut self, offset: u64, bytes: &[u8]) {
        let index = self.index(offset);
        let first = bytes.len().min(self.cap() - index);
        let data = &mut self.map[HEADER_LEN..];
        data[index..index + first].copy_from_slice(&bytes[..first]);
        data[..bytes.len() - first].copy_from_slice(&bytes[first..]);
    }

    /// Whether the background sync thread is running (for tests).
    #[cfg(test)]
    pub(crate) fn syncer_running(&self) -> bool {
        self.syncer.running()
    }
}

#[cfg(test)]
mod tests;
