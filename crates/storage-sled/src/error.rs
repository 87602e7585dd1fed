//! The error type of the storage crate.

use std::fmt;

/// Everything that can go wrong below the keyspace API.
///
/// Storage errors are never caused by a client's input alone: they mean the disk, sled or the stored
/// bytes misbehaved, so the server reports them to the client as an `ERR` and keeps serving.
#[derive(Debug)]
pub enum StoreError {
    /// sled reported an I/O or corruption error.
    Sled(sled::Error),
    /// A stored record could not be decoded; `what` names the record kind.
    Corrupt {
        /// The kind of record that failed to decode (for example `"key metadata"`).
        what: &'static str,
        /// The raw sled key of the record, for diagnosis.
        key: Vec<u8>,
    },
    /// A logical database index outside `0..databases`.
    DbOutOfRange(usize),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sled(e) => write!(f, "storage error: {e}"),
            StoreError::Corrupt { what, key } => {
                write!(
                    f,
                    "storage corruption: undecodable {what} at key {key:02x?}"
                )
            }
            StoreError::DbOutOfRange(db) => write!(f, "DB index {db} is out of range"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sled(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Sled(e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, StoreError>;
