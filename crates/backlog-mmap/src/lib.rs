//! The replication backlog of a Redis-compatible master, which is also the node's redo log: a
//! fixed-capacity ring holding the newest bytes of the replication stream, in a file mapped
//! with `memmap2`, behind a header that survives torn writes.
//!
//! A replica that reconnects sends the offset it has consumed; if the backlog still
//! [holds](Backlog::holds) it, the master continues from there instead of a full resync. Because
//! the ring lives in a file, the same bytes also let a restarted node replay writes its data
//! store had not yet made durable (the [retain mark](Backlog::retain_from) keeps them from being
//! overwritten).
//!
//! # Offsets
//!
//! Offsets are byte counts: "offset N" means the first N bytes of the stream have been produced
//! (Redis's `master_repl_offset`). The backlog holds stream bytes `[start, end)`; a reader that
//! has consumed up to N continues with [`read(N, …)`](Backlog::read). Redis's INFO field
//! `repl_backlog_first_byte_offset` is `start + 1` ([`Backlog::first_byte_offset`]); a PSYNC
//! carries `reploff + 1`, which the caller converts.
//!
//! # File layout
//!
//! | bytes | content |
//! |---|---|
//! | `0..2048` | header slot 0 (`dual-slot` record, magic `ARDBBLOG`) |
//! | `2048..4096` | header slot 1 |
//! | `4096..4096 + capacity` | ring data: the stream byte at offset `p` is at `4096 + p % capacity` |
//!
//! The file is exactly `4096 + capacity` bytes long. Each header update goes to the slot not
//! holding the newest generation (see the `dual-slot` crate), so a torn update leaves the
//! previous header readable. The header payload, little-endian:
//!
//! | bytes | field | meaning |
//! |---|---|---|
//! | `0..4` | version, u32 | format version, currently 1 |
//! | `4..12` | capacity, u64 | ring size in bytes |
//! | `12..52` | replid | current history id, 40 ASCII hex digits |
//! | `52..92` | replid2 | previous history id, all `'0'` when none |
//! | `92..100` | second_replid_offset, i64 | PSYNC with replid2 is accepted for `psync_offset <=` this; `-1` when none |
//! | `100..108` | start, u64 | oldest held offset |
//! | `108..116` | end, u64 | offset after the newest held byte |
//! | `116..124` | crc_start, u64 | running CRC-64 at `start` |
//! | `124..132` | crc_end, u64 | running CRC-64 at `end` |
//!
//! The running CRC is CRC-64/Redis (Jones polynomial, as Redis's `crc64`) of the bytes produced
//! *since the current history began*: a new history at offset X ([`Backlog::create`],
//! [`Backlog::reset`]) has `crc_start = crc_end = 0`, the CRC of no bytes. For a history begun
//! at offset 0 it is therefore the CRC of `stream[0..n]`. It extends incrementally, so the
//! checksum at any held offset is `crc_start` extended over `data[start..offset]`.
//!
//! # Crash consistency
//!
//! The process may be killed (SIGKILL) at any instruction. Stores into a shared file mapping
//! live in the page cache and survive the death of the process, so after a kill the file must
//! open cleanly and describe a consistent prefix: the header's `[start, end)` may only cover
//! bytes that are fully written and not yet overwritten. Hence every append
//!
//! 1. if old bytes must be overwritten to make room: first hashes those bytes into `crc_start`
//!    (reading them while they are still there) and stores a header whose `start` has moved past
//!    them;
//! 2. copies the new bytes into the ring;
//! 3. stores the header with the new `end` and `crc_end`.
//!
//! Between two header stores the ring is only written outside the current header's
//! `[start, end)`, so whichever header generation survives (the newest, or the one before it
//! if the newest was torn) matches the data. To keep the extra header store of step 1 rare,
//! `start` advances in steps of `capacity / 64` (or 64 KiB, at most a quarter of the ring)
//! beyond what is needed, but never past `end` nor past the retain mark. An append longer than
//! the capacity keeps only its last `capacity` bytes (`start = end - capacity`) while the
//! running CRC still covers all of it.
//!
//! Power loss is the [`FlushPolicy`]'s business: `Always` msyncs the new bytes, then the
//! header, before replies leave. If pages reach the disk out of order anyway, a torn header
//! falls back to the other slot, and data inconsistent with the header is detected on open as
//! [`BacklogError::ChecksumMismatch`]; the caller then starts a new history.
//!
//! The file is locked exclusively while a [`Backlog`] is open ([`BacklogError::Locked`] for a
//! second opener). Modification by programs that ignore the lock is outside the contract.
//!
//! # Example
//!
//! ```
//! use backlog_mmap::{Backlog, FlushPolicy, ReplId};
//!
//! let dir = std::env::temp_dir().join(format!("backlog-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("backlog");
//! let id = ReplId::parse(b"8de1787ba490483314a4d30f1c628bc5025eb761").ok_or("bad id")?;
//!
//! let mut backlog = Backlog::create(&path, 16, id, 1000, FlushPolicy::No)?;
//! assert_eq!(backlog.append(b"*1\r\n$4\r\nPING\r\n")?, 1000..1014);
//! // The ring wraps: the oldest bytes are trimmed, a step (here 4 bytes) more than needed.
//! assert_eq!(backlog.append(b"0123")?, 1014..1018);
//! assert_eq!((backlog.start_offset(), backlog.end_offset()), (1006, 1018));
//!
//! // A replica that has consumed up to offset 1010 continues from there.
//! let (a, b) = backlog.read(1010, 100).ok_or("not held")?;
//! assert_eq!([a, b].concat(), b"NG\r\n0123");
//! assert!(!backlog.holds(1005));
//!
//! // The file reopens to the same state.
//! drop(backlog);
//! let backlog = Backlog::open(&path, FlushPolicy::EverySec)?;
//! assert_eq!(backlog.end_offset(), 1018);
//! assert_eq!(backlog.checksum_at(1018), Some(backlog.checksum_at_end()));
//! # drop(backlog);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backlog;
mod crc64;
mod error;
mod file;
mod header;
mod policy;
mod sync;
#[cfg(test)]
mod test_util;

pub use backlog::Backlog;
pub use error::BacklogError;
pub use policy::{FlushPolicy, UnknownFlushPolicy};
pub use repl_id::ReplId;
