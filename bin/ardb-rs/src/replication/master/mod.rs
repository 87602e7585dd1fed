//! This node as a master: its replica links, the full syncs it runs for them, and what WAIT,
//! INFO, ROLE and `min-replicas-to-write` read.
//!
//! The protocol rules (handshake, full-or-partial decision, payload framing, keepalives) live in
//! the sans-IO `repl-master` crate; this module keeps the server-wide state around them, and the
//! reactor (`server/reactor/replicas.rs`) does the I/O:
//! - `full_sync.rs` — one snapshot job (the point-in-time RDB) shared by the replicas that asked
//!   for a full sync close together;
//! - the stream itself is never copied per replica: each replica has a read position in the
//!   backlog and is fed from the mapped file as its socket drains.

pub mod full_sync;

use repl_master::{History, Replicas};

use crate::server::state::ServerState;
use full_sync::FullSync;

/// A client blocked in WAIT: it is answered once `numreplicas` replicas acknowledged `offset`,
/// or at its timeout with however many did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckWaiter {
    /// The waiting client.
    pub client: u64,
    /// The stream offset its writes reached when it called WAIT.
    pub offset: u64,
    /// How many replicas it asked for.
    pub numreplicas: u64,
}

/// The master side of replication, in the server state.
#[derive(Debug, Default)]
pub struct MasterSide {
    /// Every replica link (and connection in its replication handshake), by client id.
    pub replicas: Replicas,
    /// Full syncs served (INFO `sync_full`).
    pub sync_full: u64,
    /// PSYNCs answered with `+CONTINUE` (INFO `sync_partial_ok`).
    pub sync_partial_ok: u64,
    /// PSYNCs that had to fall back to a full sync (INFO `sync_partial_err`).
    pub sync_partial_err: u64,
    /// Replicas that acknowledged within `min-replicas-max-lag`, refreshed by the cron and on
    /// every ACK.
    pub good_replicas: usize,
    /// Replicas waiting for a full sync to start, with when they started waiting (the diskless
    /// delay is counted from the oldest).
    pub waiting_full_sync: Vec<(u64, u64)>,
    /// The snapshot job running, if any.
    pub full_sync: Option<FullSync>,
    /// Clients blocked in WAIT.
    pub ack_waiters: Vec<AckWaiter>,
    /// WAIT asked for fresh ACKs: the reactor puts `REPLCONF GETACK *` in the stream at the end of
    /// this loop turn.
    pub getack_requested: bool,
    /// When the stream last carried a PING for the replicas.
    pub last_ping_ms: u64,
}

impl MasterSide {
    /// How many links are past their sync command (Redis's replica clients).
    pub fn replica_count(&self) -> usize {
        self.replicas
            .iter()
            .filter(|(_, link)| link.state() != repl_master::LinkState::Handshake)
            .count()
    }

    /// Forgets a closed connection everywhere it may be registered.
    pub fn forget(&mut self, client: u64) {
        self.replicas.remove(client);
        self.waiting_full_sync.retain(|(id, _)| *id != client);
        if let Some(job) = self.full_sync.as_mut() {
            job.detach(client);
        }
        self.ack_waiters.retain(|w| w.client != client);
    }
}

/// The master's history as the sync decision needs it: ids from the backlog, and the range it
/// holds. Offsets already recorded but not yet appended count as not held, so a replica never
/// continues from bytes the backlog does not have yet.
pub fn history(state: &ServerState) -> History {
    match &state.backlog {
        Some(backlog) => History {
            replid: backlog.replid(),
            replid2: backlog.replid2(),
            second_replid_offset: backlog.second_replid_offset(),
            backlog_start: backlog.start_offset(),
            backlog_end: backlog.end_offset(),
        },
        None => {
            let replid = repl_master::ReplId::parse(state.run_id.as_bytes())
                .unwrap_or(repl_master::ReplId::ZERO);
            History::new(replid, state.effects.offset, state.effects.offset)
        }
    }
}

/// Whether `min-replicas-to-write` refuses writes now.
pub fn too_few_good_replicas(state: &ServerState) -> bool {
    let wanted = state.config.min_replicas_to_write;
    wanted > 0 && (state.master.good_replicas as u64) < wanted
}
