//! The replica side of Redis replication as a sans-IO state machine.
//!
//! A replica has to follow masters of every generation: 2.6 knows only `SYNC`, 2.8–3.2 answer
//! `PSYNC` with a run id and a bare `+CONTINUE`, 4.0+ name their history in
//! `+CONTINUE <replid>` and (7.0 by default) ship the payload diskless between `$EOF:` marks,
//! and ardb-rs masters accept ardb-rs's own `PSYNC2`. This crate holds that protocol
//! knowledge and none of the I/O: the server (a single-threaded reactor) owns the socket,
//! feeds [`MasterLink::receive`] the bytes it reads, and writes the bytes the link asks for.
//! So every master generation is testable without a socket or a clock, and the reactor stays
//! free of protocol rules.
//!
//! One [`MasterLink`] covers one connection:
//! - the handshake, each command waiting for the previous reply: `PING`, `AUTH` when
//!   configured, `REPLCONF listening-port`, `REPLCONF capa eof capa psync2`;
//! - the sync command with fallbacks: `PSYNC2` (only when the master may be ardb-rs) →
//!   `PSYNC` → `SYNC`, with `-LOADING`/`-NOMASTERLINK` meaning "reconnect later";
//! - the payload in either framing, handed out as zero-copy chunks;
//! - then the replication stream, handed out unchanged: decoding commands and counting
//!   offsets is the server's job, and [`ack_command`] builds its `REPLCONF ACK`s.
//!
//! Timeouts are the server's too (it sees every read): any byte, keepalives included, counts
//! as activity.
//!
//! # Example
//!
//! A first connection to a Redis 7.0 master: a full sync with diskless (`$EOF:`) framing,
//! then the stream.
//!
//! ```
//! use bytes::BytesMut;
//! use repl_slave::{ack_command, Event, LinkConfig, LinkState, MasterLink, SyncKind};
//!
//! let mut link = MasterLink::new(LinkConfig {
//!     listening_port: 6380,
//!     auth: None,
//!     history: None,
//!     try_psync2: false,
//! });
//! assert_eq!(link.connected(), b"*1\r\n$4\r\nPING\r\n");
//!
//! // Each reply releases the next handshake command.
//! let mut input = BytesMut::from(&b"+PONG\r\n"[..]);
//! let sent = link.receive(&mut input)?;
//! assert_eq!(sent, [Event::Send(b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n6380\r\n".to_vec())]);
//! input.extend_from_slice(b"+OK\r\n");
//! link.receive(&mut input)?; // REPLCONF capa eof capa psync2
//! input.extend_from_slice(b"+OK\r\n");
//! let sent = link.receive(&mut input)?;
//! assert_eq!(sent, [Event::Send(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n".to_vec())]);
//!
//! // The master starts a snapshot: keepalives, +FULLRESYNC, then the payload between marks.
//! let replid = "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";
//! let mark = "a".repeat(40);
//! input.extend_from_slice(format!("\n+FULLRESYNC {replid} 1000\r\n\n$EOF:{mark}\r\nREDIS0010").as_bytes());
//! let events = link.receive(&mut input)?;
//! assert!(matches!(events[0], Event::FullResync { offset: Some(1000), .. }));
//! assert_eq!(events[1], Event::PayloadStart { len: None });
//! // The last 39 bytes could be the start of the mark: they wait for more input.
//! assert_eq!(link.state(), LinkState::ReceivingPayload { received: 9, total: None });
//!
//! input.extend_from_slice(format!("\u{ff}{}{mark}", "\0".repeat(8)).as_bytes());
//! let events = link.receive(&mut input)?;
//! assert_eq!(events.last(), Some(&Event::PayloadEnd));
//! assert_eq!(link.sync_kind(), Some(SyncKind::Psync));
//!
//! // After a diskless payload the master streams only once it sees an ACK (send one every
//! // second: one sent before the master reaped its snapshot child is ignored).
//! assert!(link.sends_acks());
//! let _to_send = ack_command(1000);
//! input.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
//! let events = link.receive(&mut input)?;
//! assert_eq!(events, [Event::Stream(bytes::Bytes::from_static(b"*1\r\n$4\r\nPING\r\n"))]);
//! assert_eq!(link.state(), LinkState::Streaming);
//! # Ok::<(), repl_slave::SlaveError>(())
//! ```

mod command;
mod config;
mod error;
mod line;
mod link;
mod payload;
mod reply;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod link_tests;

pub use command::ack_command;
pub use config::{Auth, LinkConfig};
pub use error::SlaveError;
pub use line::MAX_LINE;
pub use link::{Event, HandshakeStep, LinkState, MasterLink, SyncKind};
pub use repl_id::ReplId;
