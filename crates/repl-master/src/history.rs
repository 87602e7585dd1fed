//! What the master can offer a replica: its replication ids and the backlog's byte range.

use crate::ReplId;

/// The master's replication history as the sync decision needs it: which ids a replica may
/// continue from and which stream bytes are still in the backlog.
///
/// Offsets count bytes of the replication stream produced since the history began: "offset
/// N" means N bytes have been produced, so byte number N (zero-based) is the next one. The
/// backlog holds the half-open range `[backlog_start, backlog_end)`, and `backlog_end` is the
/// master's replication offset (`master_repl_offset` in INFO).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// The id of the current history; `+FULLRESYNC` and `+CONTINUE <id>` name it.
    pub replid: ReplId,
    /// The id of the history this one continued from (after a promotion or a restart), or
    /// [`ReplId::ZERO`] if there is none.
    pub replid2: ReplId,
    /// Up to where `replid2` is valid, in Redis's own unit (the PSYNC argument, "the next byte
    /// the replica needs", counted from 1): a replica of the old history may continue if its
    /// PSYNC offset is at most this. `-1` when there is no previous history. Kept in Redis's
    /// unit because it is shown verbatim as `second_repl_offset` in INFO.
    pub second_replid_offset: i64,
    /// The first stream offset still held in the backlog.
    pub backlog_start: u64,
    /// One past the last stream offset in the backlog: the master's replication offset.
    pub backlog_end: u64,
}

impl History {
    /// A history with no predecessor whose backlog holds `[start, end)`: the common case of a
    /// master that was never a replica.
    pub fn new(replid: ReplId, backlog_start: u64, backlog_end: u64) -> History {
        History {
            replid,
            replid2: ReplId::ZERO,
            second_replid_offset: -1,
            backlog_start,
            backlog_end,
        }
    }

    /// The master's replication offset (the end of the stream produced so far).
    pub fn master_offset(&self) -> u64 {
        self.backlog_end
    }
}
