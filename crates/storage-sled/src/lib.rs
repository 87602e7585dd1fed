//! # storage-sled
//!
//! The ardb-rs data model on [sled]: numbered databases, a type tag and an absolute expiry per key,
//! collections whose elements are separate records, and atomic write batches that also record the
//! replication offset they apply.
//!
//! Design points (the full table of record formats is in `docs/storage.md`):
//! - **One tree, one batch.** Every record lives in one sled tree, so a [`Txn`] commits data, counters
//!   and the applied offset with a single `apply_batch`.
//! - **O(1) drops.** A collection's elements are keyed by a store-unique *version*; DEL, type change,
//!   FLUSHDB and FLUSHALL only write a garbage record, and [`Store::sweep`] reclaims in slices.
//! - **O(1) SWAPDB.** Logical databases map to physical namespaces; swapping swaps two numbers.
//! - **Expiry index.** Deadlines are indexed in time order so active expiry reads only due keys.
//!
//! ```
//! use storage_sled::{Meta, Options, Store};
//! # fn main() -> Result<(), storage_sled::StoreError> {
//! let dir = std::env::temp_dir().join(format!("storage-sled-crate-doc-{}", std::process::id()));
//! let store = Store::open(Options::new(&dir))?;
//!
//! let mut txn = store.begin(1_000);
//! txn.put(0, b"session", Meta::string("alive".into()).with_expire(Some(2_000)))?;
//! txn.commit(Some(1.into()))?;
//!
//! // Before the deadline the key is visible; at the deadline it is gone and reported as expired.
//! assert!(store.begin(1_999).get(0, b"session")?.is_some());
//! let mut later = store.begin(2_000);
//! assert!(later.get(0, b"session")?.is_none());
//! assert_eq!(later.take_expired().len(), 1);
//! # drop(later); drop(store); let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! ```

mod cache;
mod commit;
mod error;
pub mod layout;
mod meta;
mod position;
mod reverse;
mod store;
mod sweep;
mod txn;
mod watchdog;

pub use commit::{Committer, Layer, PreparedCommit};
pub use error::{Result, StoreError};
pub use meta::{Body, KeyKind, Meta, StringEncoding};
pub use position::AppliedPosition;
pub use sled::IVec;
pub use store::{Counts, Options, Store};
pub use txn::{Element, ExpiredKey, Txn};

#[cfg(test)]
mod tests;

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
