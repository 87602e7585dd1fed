//! The full-or-partial resync decision: a pure function of the request and the history.

use crate::{History, ReplId};

/// What a replica asked for with its sync command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncRequest {
    /// Plain `SYNC` (Redis 2.6, or a newer replica whose PSYNC was refused): always a full
    /// sync, no reply line, and the replica will never send acks.
    Sync,
    /// `PSYNC <replid> <offset>`.
    Psync {
        /// The id the replica's data belongs to, as sent (`?` to force a full sync).
        replid: Vec<u8>,
        /// Redis's PSYNC offset: the replica's processed offset plus one, "the next byte I
        /// need" (`-1` with `?`).
        offset: i64,
        /// Whether the replica sent `capa psync2`, so `+CONTINUE` may carry the id.
        psync2: bool,
    },
}

/// Why a PSYNC could not continue, for the server's log and stats (Redis counts
/// `sync_partial_err` for every reason except [`ForcedByReplica`](FullReason::ForcedByReplica)
/// and [`PlainSync`](FullReason::PlainSync)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FullReason {
    /// Plain `SYNC`: there is nothing to continue from.
    PlainSync,
    /// `PSYNC ? …`: the replica has no usable history (first connection).
    ForcedByReplica,
    /// The id is neither the current nor the previous id of this master.
    UnknownReplId,
    /// The id is the previous id, but the replica is past the point where this master's
    /// history diverged from it.
    PastHistorySwitch {
        /// The PSYNC offset asked for.
        requested: i64,
        /// The last PSYNC offset valid for the previous id.
        second_replid_offset: i64,
    },
    /// The id matches, but the bytes the replica needs are no longer (or not yet) in the
    /// backlog.
    OutsideBacklog {
        /// The PSYNC offset asked for.
        requested: i64,
        /// The backlog's first offset.
        backlog_start: u64,
        /// The backlog's end (the master offset).
        backlog_end: u64,
    },
}

/// The outcome of a sync request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncDecision {
    /// Partial resync: send `reply`, then the stream from offset `from` (which lies in the
    /// backlog's `[start, end]`; `from == end` means nothing is missing yet).
    Continue {
        /// The stream offset the replica needs next.
        from: u64,
        /// `+CONTINUE\r\n`, or `+CONTINUE <replid>\r\n` for a psync2 replica.
        reply: Vec<u8>,
    },
    /// Full resync.
    FullResync {
        /// `+FULLRESYNC <replid> <offset>\r\n` for a snapshot taken now; `None` for plain
        /// SYNC, which gets no line at all. Redis sends this line when the snapshot starts,
        /// so if the replica joins a snapshot taken at another offset, build the line with
        /// [`fullresync_reply`] for that offset instead.
        reply: Option<Vec<u8>>,
        /// The master offset a snapshot taken now corresponds to.
        offset: u64,
        /// Why a partial resync was not possible.
        reason: FullReason,
    },
}

/// Decides between a partial and a full resync, as Redis's `masterTryPartialResynchronization`
/// does.
///
/// A PSYNC continues when both hold:
/// 1. the id is the current `replid`, or it is `replid2` and the PSYNC offset is at most
///    `second_replid_offset` (the replica has not gone past the point where the histories
///    split); ids compare ignoring ASCII case, as Redis's `strcasecmp`;
/// 2. the replica's offset `psync_offset - 1` lies in `[backlog_start, backlog_end]`: the
///    bytes from there to the end are all in the backlog (the upper bound is inclusive
///    because a replica that has everything needs nothing more).
///
/// Everything else, `PSYNC ? -1` included, is a full resync at the current master offset.
pub fn decide(request: &SyncRequest, history: &History) -> SyncDecision {
    let full = |reply: bool, reason: FullReason| SyncDecision::FullResync {
        reply: reply.then(|| fullresync_reply(&history.replid, history.backlog_end)),
        offset: history.backlog_end,
        reason,
    };
    let SyncRequest::Psync {
        replid,
        offset,
        psync2,
    } = request
    else {
        return full(false, FullReason::PlainSync);
    };
    if !history.replid.matches(replid) {
        if replid.as_slice() == b"?" {
            return full(true, FullReason::ForcedByReplica);
        }
        if !history.replid2.matches(replid) || history.second_replid_offset < 0 {
            return full(true, FullReason::UnknownReplId);
        }
        if *offset > history.second_replid_offset {
            return full(
                true,
                FullReason::PastHistorySwitch {
                    requested: *offset,
                    second_replid_offset: history.second_replid_offset,
                },
            );
        }
    }
    // The replica's own offset; i128 keeps `offset - 1` exact for every i64 and u64.
    let have = i128::from(*offset) - 1;
    if have < i128::from(history.backlog_start) || have > i128::from(history.backlog_end) {
        return full(
            true,
            FullReason::OutsideBacklog {
                requested: *offset,
                backlog_start: history.backlog_start,
                backlog_end: history.backlog_end,
            },
        );
    }
    let from = u64::try_from(have).unwrap_or(history.backlog_end);
    SyncDecision::Continue {
        from,
        reply: continue_reply(&history.replid, *psync2),
    }
}

/// `+FULLRESYNC <replid> <offset>\r\n`: tells a PSYNC replica which history and offset the
/// snapshot that follows belongs to.
pub fn fullresync_reply(replid: &ReplId, offset: u64) -> Vec<u8> {
    format!("+FULLRESYNC {replid} {offset}\r\n").into_bytes()
}

/// `+CONTINUE <replid>\r\n` for a psync2 replica (so it can adopt a changed id), plain
/// `+CONTINUE\r\n` otherwise (pre-4.0 replicas expect nothing after the word).
pub fn continue_reply(replid: &ReplId, psync2: bool) -> Vec<u8> {
    if psync2 {
        format!("+CONTINUE {replid}\r\n").into_bytes()
    } else {
        b"+CONTINUE\r\n".to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8; 40] = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &[u8; 40] = b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const C: &[u8; 40] = b"cccccccccccccccccccccccccccccccccccccccc";

    fn id(bytes: &[u8; 40]) -> ReplId {
        ReplId::parse(bytes).unwrap_or_else(|| panic!("valid id"))
    }

    /// Current id A with backlog [100, 200); previous id B valid up to PSYNC offset 151
    /// (the promotion happened at offset 150).
    fn history() -> History {
        History {
            replid: id(A),
            replid2: id(B),
            second_replid_offset: 151,
            backlog_start: 100,
            backlog_end: 200,
        }
    }

    fn psync(replid: &[u8], offset: i64, psync2: bool) -> SyncRequest {
        SyncRequest::Psync {
            replid: replid.to_vec(),
            offset,
            psync2,
        }
    }

    fn continues_from(decision: &SyncDecision) -> Option<u64> {
        match decision {
            SyncDecision::Continue { from, .. } => Some(*from),
            SyncDecision::FullResync { .. } => None,
        }
    }

    fn reason(decision: &SyncDecision) -> Option<&FullReason> {
        match decision {
            SyncDecision::FullResync { reason, .. } => Some(reason),
            SyncDecision::Continue { .. } => None,
        }
    }

    #[test]
    fn backlog_boundaries_with_the_current_id() {
        let h = history();
        // PSYNC offset = replica offset + 1; the replica offset must be in [100, 200].
        assert_eq!(continues_from(&decide(&psync(A, 100, false), &h)), None);
        assert_eq!(
            continues_from(&decide(&psync(A, 101, false), &h)),
            Some(100)
        );
        assert_eq!(
            continues_from(&decide(&psync(A, 150, false), &h)),
            Some(149)
        );
        assert_eq!(
            continues_from(&decide(&psync(A, 201, false), &h)),
            Some(200)
        );
        assert_eq!(continues_from(&decide(&psync(A, 202, false), &h)), None);
        assert_eq!(
            reason(&decide(&psync(A, 202, false), &h)),
            Some(&FullReason::OutsideBacklog {
                requested: 202,
                backlog_start: 100,
                backlog_end: 200
            })
        );
    }

    #[test]
    fn empty_backlog_at_zero() {
        let h = History::new(id(A), 0, 0);
        assert_eq!(continues_from(&decide(&psync(A, 1, true), &h)), Some(0));
        assert_eq!(continues_from(&decide(&psync(A, 0, true), &h)), None);
        assert_eq!(continues_from(&decide(&psync(A, 2, true), &h)), None);
        assert_eq!(continues_from(&decide(&psync(A, i64::MIN, true), &h)), None);
        assert_eq!(continues_from(&decide(&psync(A, i64::MAX, true), &h)), None);
    }

    #[test]
    fn previous_id_up_to_the_switch_point() {
        let h = history();
        assert_eq!(continues_from(&decide(&psync(B, 150, true), &h)), Some(149));
        assert_eq!(continues_from(&decide(&psync(B, 151, true), &h)), Some(150));
        assert_eq!(
            reason(&decide(&psync(B, 152, true), &h)),
            Some(&FullReason::PastHistorySwitch {
                requested: 152,
                second_replid_offset: 151
            })
        );
        // Below the switch point but already out of the backlog.
        assert!(matches!(
            reason(&decide(&psync(B, 100, true), &h)),
            Some(FullReason::OutsideBacklog { .. })
        ));
    }

    #[test]
    fn no_previous_history_means_replid2_never_matches() {
        let h = History::new(id(A), 0, 100);
        // The "no id" value itself must not let a replica in.
        assert_eq!(
            reason(&decide(&psync(ReplId::ZERO.as_bytes(), 1, true), &h)),
            Some(&FullReason::UnknownReplId)
        );
    }

    #[test]
    fn unknown_id_and_question_mark() {
        let h = history();
        let d = decide(&psync(C, 150, true), &h);
        assert_eq!(reason(&d), Some(&FullReason::UnknownReplId));
        let d = decide(&psync(b"?", -1, true), &h);
        assert_eq!(
            d,
            SyncDecision::FullResync {
                reply: Some(format!("+FULLRESYNC {} 200\r\n", "a".repeat(40)).into_bytes()),
                offset: 200,
                reason: FullReason::ForcedByReplica,
            }
        );
    }

    #[test]
    fn ids_compare_ignoring_case() {
        let upper = [b'A'; 40];
        assert_eq!(
            continues_from(&decide(&psync(&upper, 150, true), &history())),
            Some(149)
        );
    }

    #[test]
    fn continue_reply_depends_on_psync2() {
        let h = history();
        let plain = decide(&psync(A, 150, false), &h);
        assert_eq!(
            plain,
            SyncDecision::Continue {
                from: 149,
                reply: b"+CONTINUE\r\n".to_vec()
            }
        );
        // A psync2 replica of the previous id learns the new id.
        let new_id = decide(&psync(B, 150, true), &h);
        assert_eq!(
            new_id,
            SyncDecision::Continue {
                from: 149,
                reply: format!("+CONTINUE {}\r\n", "a".repeat(40)).into_bytes()
            }
        );
    }

    #[test]
    fn plain_sync_gets_no_line() {
        assert_eq!(
            decide(&SyncRequest::Sync, &history()),
            SyncDecision::FullResync {
                reply: None,
                offset: 200,
                reason: FullReason::PlainSync
            }
        );
    }
}
