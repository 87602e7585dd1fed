//! Storing values read from Redis's formats (RDB files, DUMP payloads) as ardb-rs keys, with the
//! encoding flags Redis would have given them.

use rdb_reader::Value;
use storage_sled::{Meta, Txn};

use crate::command::error::CommandError;
use crate::commands::collection::Collection;
use crate::commands::{hashes, lists, sets, zsets};

/// Why a value could not be stored.
#[derive(Debug)]
pub enum ImportError {
    /// A type ardb-rs does not store yet (streams, module values, hash fields with TTLs).
    Unsupported(&'static str),
    /// Writing the store failed.
    Store(CommandError),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Unsupported(what) => write!(f, "{what} values are not supported"),
            ImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<CommandError> for ImportError {
    fn from(e: CommandError) -> Self {
        ImportError::Store(e)
    }
}

impl From<storage_sled::StoreError> for ImportError {
    fn from(e: storage_sled::StoreError) -> Self {
        ImportError::Store(CommandError::from(e))
    }
}

/// Stores `value` at `key` of `db` with `expire_at_ms`, replacing whatever is there. An empty
/// collection (Redis drops those on load) deletes the key; returns whether a key was stored.
pub fn store_value(
    txn: &mut Txn,
    db: usize,
    key: &[u8],
    value: &Value,
    expire_at_ms: Option<u64>,
) -> Result<bool, ImportError> {
    let collection: Collection = match value {
        Value::String(v) => {
            let meta = Meta::string(bytes::Bytes::copy_from_slice(v)).with_expire(expire_at_ms);
            txn.put(db, key, meta)?;
            return Ok(true);
        }
        Value::List(elements) => lists::build_list(txn, elements.iter().map(|e| &e[..])),
        Value::Set(members) => sets::build_set(txn, members.iter().map(|m| &m[..]))?,
        Value::Hash(fields) => {
            hashes::build_hash(txn, fields.iter().map(|(f, v)| (&f[..], &v[..])))?
        }
        Value::SortedSet(items) => zsets::build_zset(txn, items)?,
        Value::HashWithTtl(_) => return Err(ImportError::Unsupported("hash-field-TTL")),
        Value::Stream(_) => return Err(ImportError::Unsupported("stream")),
        Value::Module(_) => return Err(ImportError::Unsupported("module")),
        _ => return Err(ImportError::Unsupported("this type of")),
    };
    if collection.len == 0 {
        txn.delete(db, key)?;
        return Ok(false);
    }
    txn.delete(db, key)?;
    let mut collection = collection;
    collection.meta.expire_at_ms = expire_at_ms;
    collection.save(txn, db, key)?;
    Ok(true)
}
