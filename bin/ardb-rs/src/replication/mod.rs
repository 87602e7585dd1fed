//! Replication: the durable effects log and the stream applier.
//!
//! - `apply.rs` runs a replication stream (RESP commands with SELECTs and MULTI/EXEC blocks) through
//!   the normal command dispatcher, as a master's replica or when a node replays its own log.
//! - `recovery.rs` is start-up: open the backlog (the redo log), replay what the store had not
//!   made durable, or begin a new history when the log is missing or damaged.
//! - `master/` is this node as a master of replicas: links, full-sync jobs, WAIT.
//! - `replica/` is this node as a replica: the master it follows, link state, full-sync progress.
//! - The reactor's side of the log (append before replies, make the store durable before the ring
//!   overwrites) is in `server/reactor/effects_log.rs`, and its side of the replica links (sockets,
//!   payload and stream feeding) in `server/reactor/replicas.rs`.

pub mod apply;
pub mod master;
pub mod recovery;
pub mod replica;
