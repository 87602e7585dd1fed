//! The master side of Redis replication as a sans-IO state machine.
//!
//! A master has to talk to replicas of every Redis generation: 2.6 sends an inline `SYNC`,
//! 2.8–3.2 `PSYNC` with a run id, 4.0+ `PSYNC` with a replication id and `capa psync2`, 6.2+
//! pipeline their `REPLCONF`s, Valkey 8 announces its version. This crate holds all of that
//! protocol knowledge and none of the I/O: the server (a single-threaded reactor) feeds it each
//! replica connection's decoded requests and events — time, snapshot progress, offsets — and
//! gets back the bytes to send and the next thing to do. So every path is testable without a
//! socket, and the reactor stays free of protocol rules.
//!
//! The parts:
//! - [`decide`]: the pure full-or-partial resync decision from a [`SyncRequest`] and the
//!   master's [`History`] (ids and backlog range).
//! - [`ReplicaLink`]: one connection's state machine — handshake replies with Redis 7.0's exact
//!   errors ([`MasterError`]), the sync decision, snapshot framing ([`payload_format`],
//!   [`disk_header`], [`eof_header`]), keepalives, and the rule that an EOF-framed replica gets
//!   no stream before its first ACK.
//! - [`Replicas`]: every link of the master, for INFO, ROLE, WAIT, `min-replicas-to-write`,
//!   replica timeouts and the output-buffer limit.
//!
//! AUTH is not handled here: the server answers it and only hands a link the requests of an
//! authenticated connection.
//!
//! # Example
//!
//! A Redis 7 replica's first connection, through a full sync over disk framing, to the stream.
//!
//! ```
//! use repl_master::{Action, Context, History, LinkState, ReplId, ReplicaLink, Replicas, Request};
//!
//! let replid = ReplId::parse(b"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb").ok_or("bad id")?;
//! let history = History::new(replid, 0, 1000); // backlog holds offsets [0, 1000)
//! let mut replicas = Replicas::new();
//! replicas.add(7, ReplicaLink::new("10.0.0.2", 0));
//! let link = replicas.get_mut(7).ok_or("no link")?;
//!
//! // The handshake: replies go back to the replica as they are.
//! let ctx = Context::new(&history, 0);
//! let pipelined = ["REPLCONF listening-port 6380", "REPLCONF capa eof capa psync2"];
//! for words in pipelined {
//!     assert_eq!(link.handle(&Request::multibulk(words), &ctx)?, Action::Reply(b"+OK\r\n".to_vec()));
//! }
//!
//! // PSYNC ? -1: a full resync at the master's offset.
//! let action = link.handle(&Request::multibulk("PSYNC ? -1"), &ctx)?;
//! assert!(matches!(action, Action::FullResync { offset: 1000, .. }));
//!
//! // The server starts a snapshot to disk: nothing but keepalives until it is complete.
//! let start = link.start_snapshot(1000, false, [b'0'; 40])?;
//! assert_eq!(start.preamble, format!("+FULLRESYNC {replid} 1000\r\n").into_bytes());
//! assert!(link.needs_keepalive(1000)); // write "\n"
//! assert_eq!(link.payload_header(5)?, b"$5\r\n"); // then the 5 RDB bytes
//! let end = link.finish_snapshot(1500)?;
//! assert_eq!(end.stream_from, Some(1000)); // the stream follows from the snapshot's offset
//! assert_eq!(link.state(), LinkState::Online);
//!
//! // ACKs are never answered; they feed INFO and WAIT.
//! let later = Context::new(&history, 3000);
//! assert_eq!(link.handle(&Request::multibulk("REPLCONF ACK 1000"), &later)?, Action::Nothing);
//! assert_eq!(replicas.count_acked(1000), 1);
//! assert_eq!(
//!     replicas.info_lines(5000),
//!     ["connected_slaves:1", "slave0:ip=10.0.0.2,port=6380,state=online,offset=1000,lag=2"]
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decide;
mod error;
mod history;
mod limits;
mod link;
mod payload;
mod replicas;
mod request;

#[cfg(test)]
mod link_tests;
#[cfg(test)]
mod replicas_tests;

pub use decide::{continue_reply, decide, fullresync_reply, FullReason, SyncDecision, SyncRequest};
pub use error::MasterError;
pub use history::History;
pub use limits::OutputLimit;
pub use link::{Action, Context, LinkState, ReplicaLink, SnapshotEnd, SnapshotStart};
pub use payload::{
    disk_header, eof_header, eof_trailer, payload_format, Capabilities, Framing, HandshakeStyle,
    PayloadFormat, ReplicaVersion,
};
pub use repl_id::ReplId;
pub use replicas::Replicas;
pub use request::{getack_command, ping_command, Request, KEEPALIVE};
