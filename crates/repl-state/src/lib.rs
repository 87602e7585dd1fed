//! The persisted replication state of one node: its role, the master it follows, and where in
//! that master's history it stopped.
//!
//! A replica that restarts should not copy its whole data set again: if it remembers the
//! master's replication id and its own processed offset, it can ask for a partial resync
//! (`PSYNC <replid> <offset>`). That memory has to survive the process being killed at any
//! moment, yet be cheap enough to update on every change of offset. So it lives in a small
//! fixed-size file ([`FILE_SIZE`] bytes) mapped into memory: an update is an encode and a copy
//! into the mapping, which the kernel keeps even if the process dies the next instant, and
//! [`ReplStateFile::sync`] makes it survive a power loss as well.
//!
//! The state is kept in two checksummed, generation-numbered slots (see the `dual-slot` crate):
//! each update writes the slot not holding the current version, so a write torn by a crash
//! leaves the previous version readable. Opening validates everything — size, magic,
//! checksums, format version, every field — and never panics on any content;
//! [`ReplStateFile::open_or_create`] turns a damaged file into a fresh default state plus the
//! problem to log, since forgetting the replication state only costs a full sync.
//!
//! The handle holds an exclusive lock on the file, so two nodes sharing a data directory by
//! mistake fail with [`StateError::Locked`] instead of overwriting each other's state.
//!
//! # Example
//!
//! ```
//! use repl_state::{NodeState, PeerKind, ReplStateFile, Role};
//!
//! # let dir = std::env::temp_dir().join(format!("repl-state-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).map_err(|e| repl_state::StateError::Io { path: dir.clone(), source: e })?;
//! let path = dir.join("repl-state");
//! // First start: no file yet, so the node is a master with nothing else.
//! let (mut file, problem) = ReplStateFile::open_or_create(&path)?;
//! assert!(problem.is_none());
//! assert_eq!(file.state().role, Role::Master);
//!
//! // REPLICAOF: remember the new master durably (a rare change).
//! let mut state = NodeState {
//!     role: Role::Replica,
//!     master_host: "10.0.0.7".into(),
//!     master_port: 6379,
//!     ..NodeState::default()
//! };
//! file.update_durable(state.clone())?;
//!
//! // The handshake found a Redis master; then every processed command moves the offset on,
//! // cheaply and without a disk write.
//! state.master_kind = PeerKind::Redis;
//! state.master_replid = Some("8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb".into());
//! for offset in [100, 250, 731] {
//!     state.master_offset = offset;
//!     file.update(state.clone())?;
//! }
//! drop(file);
//!
//! // After a restart the replica knows what to ask its master for.
//! let file = ReplStateFile::open(&path)?;
//! assert_eq!(file.state().master_offset, 731);
//! assert_eq!(file.state().master_kind, PeerKind::Redis);
//! assert_eq!(file.state().role.to_string(), "replica");
//! # drop(file);
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok::<(), repl_state::StateError>(())
//! ```

mod error;
mod file;
mod state;

pub use error::StateError;
pub use file::{ReplStateFile, FILE_SIZE, MAGIC, SLOT_SIZE};
pub use state::{NodeState, PeerKind, Role, FORMAT_VERSION, MAX_HOST_LEN, REPLID_LEN};
