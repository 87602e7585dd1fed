//! This node as a replica: which master it follows, how its link stands, and the progress of a
//! full sync, as REPLICAOF sets them and INFO and ROLE report them.
//!
//! The protocol (handshake with PSYNC2 → PSYNC → SYNC fallbacks, payload framing) is the sans-IO
//! `repl-slave` crate; the socket, the RDB load into a staging keyspace and the stream applier are
//! driven by the reactor (`server/reactor/master_link.rs`).

use std::collections::BTreeMap;

use repl_state::Role;

use crate::server::state::ServerState;

/// Where the link to the master stands, with the words ROLE and INFO use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkStatus {
    /// Not connected; a connection attempt is due (after a backoff when the last one failed).
    #[default]
    Connect,
    /// The TCP connection is being established.
    Connecting,
    /// The handshake runs or the full sync is transferred or loaded.
    Sync,
    /// The stream flows.
    Connected,
}

impl LinkStatus {
    /// ROLE's word for the state.
    pub fn role_word(self) -> &'static str {
        match self {
            LinkStatus::Connect => "connect",
            LinkStatus::Connecting => "connecting",
            LinkStatus::Sync => "sync",
            LinkStatus::Connected => "connected",
        }
    }
}

/// A full sync being received or loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// The payload's length, when the master announced it (`$<len>`; unknown with EOF framing).
    pub total_bytes: Option<u64>,
    /// Payload bytes received so far.
    pub read_bytes: u64,
    /// When the transfer started, Unix milliseconds.
    pub started_ms: u64,
    /// When the last payload bytes arrived.
    pub last_io_ms: u64,
    /// Whether the payload is complete and being loaded.
    pub loading: bool,
    /// Keys loaded so far.
    pub loaded_keys: u64,
}

/// The replica side of replication, in the server state.
#[derive(Debug, Default)]
pub struct ReplicaSide {
    /// The master this node follows (`REPLICAOF host port`), `None` for a master.
    pub master: Option<(String, u16)>,
    /// The link's state.
    pub link: LinkStatus,
    /// When the master last sent anything, Unix milliseconds.
    pub last_io_ms: u64,
    /// When the link last went down (INFO `master_link_down_since_seconds`).
    pub down_since_ms: u64,
    /// The full sync in progress, if any.
    pub sync: Option<SyncProgress>,
    /// Values from a master's RDB ardb-rs cannot store, counted by type name (INFO shows them;
    /// never dropped silently).
    pub skipped: BTreeMap<String, u64>,
    /// Set by REPLICAOF: the reactor drops the current link and acts on the new target.
    pub target_changed: bool,
}

impl ReplicaSide {
    /// Whether this node is a replica.
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }

    /// Whether a full sync is being transferred or loaded.
    pub fn sync_in_progress(&self) -> bool {
        self.sync.is_some()
    }

    /// Counts a value that could not be stored.
    pub fn skip(&mut self, what: &str) {
        *self.skipped.entry(what.to_string()).or_default() += 1;
    }

    /// The total of skipped values.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// At start-up: follows the master the config names (`replicaof`), or else the one the state
/// file remembers from a REPLICAOF before the restart.
pub fn resume_role(state: &mut ServerState) {
    let remembered = state.repl_state.as_ref().and_then(|file| {
        let node = file.state();
        (node.role == Role::Replica).then(|| (node.master_host.clone(), node.master_port))
    });
    if let Some(target) = state.config.replicaof.clone().or(remembered) {
        follow(state, target);
    }
}

/// `REPLICAOF host port`: follow `target`. The choice is persisted, so a restarted node (even
/// after `kill -9`) reconnects to the same master and asks for a partial resync; the reactor
/// drops any current link and connects.
pub fn follow(state: &mut ServerState, target: (String, u16)) {
    log::info!("Connecting to MASTER {}:{}", target.0, target.1);
    state.replica.master = Some(target);
    state.replica.link = LinkStatus::Connect;
    state.replica.target_changed = true;
    persist_role(state);
}

/// `REPLICAOF NO ONE`: becomes a master keeping its data. The history followed so far becomes
/// replid2, valid up to the current offset, so replicas of the old master (or of this node)
/// can continue from here with a partial resync, as Redis's `shiftReplicationId`.
pub fn promote(state: &mut ServerState, now_ms: u64) {
    let new_replid = crate::replication::recovery::fresh_replid(state);
    let offset = state.effects.offset;
    if let Some(backlog) = state.backlog.as_mut() {
        // Recorded stream bytes not yet appended belong to the old history: the switch is at
        // the offset counted so far, not at the backlog's end.
        if let Err(e) = backlog.shift_replid_at(new_replid, offset) {
            log::error!("Could not switch the replication id on promotion: {e}");
        }
    }
    // Its replicas reconnect and learn the new id from `+CONTINUE <newid>` (they continue from
    // replid2), as Redis makes them do on a promotion.
    let links: Vec<u64> = state.master.replicas.iter().map(|(id, _)| id).collect();
    state.killed_clients.extend(links);
    state.replica = ReplicaSide {
        target_changed: true,
        down_since_ms: now_ms,
        ..ReplicaSide::default()
    };
    persist_role(state);
    log::info!("MASTER MODE enabled: new replication id {new_replid}, previous one valid up to offset {offset}");
}

/// Writes the role and master to the replication state file (durably: it decides what the node
/// does after a restart).
fn persist_role(state: &mut ServerState) {
    let master = state.replica.master.clone();
    let Some(file) = state.repl_state.as_mut() else {
        return;
    };
    let mut node = file.state().clone();
    match master {
        Some((host, port)) => {
            node.role = Role::Replica;
            node.master_host = host;
            node.master_port = port;
        }
        None => {
            node.role = Role::Master;
            node.master_host.clear();
            node.master_port = 0;
            node.full_sync_in_progress = false;
        }
    }
    if let Err(e) = file.update_durable(node) {
        log::error!("Could not persist the replication role: {e}");
    }
}
