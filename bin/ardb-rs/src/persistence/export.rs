//! Writing one stored key into an RDB stream: the value is read from storage a page at a time and
//! fed to [`rdb_writer::RdbWriter`], so a collection of any size is exported in bounded memory.

use std::io::Write;

use rdb_writer::RdbWriter;
use storage_sled::{KeyKind, Meta, Txn};

use crate::command::error::CommandError;
use crate::commands::collection::{for_each_element, Collection, PAGE};

/// Why an export failed.
#[derive(Debug)]
pub enum ExportError {
    /// Reading the store failed.
    Store(CommandError),
    /// The RDB writer refused or its sink failed.
    Rdb(rdb_writer::Error),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Store(e) => write!(f, "reading the store: {e}"),
            ExportError::Rdb(e) => write!(f, "writing the RDB: {e}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<CommandError> for ExportError {
    fn from(e: CommandError) -> Self {
        ExportError::Store(e)
    }
}

impl From<rdb_writer::Error> for ExportError {
    fn from(e: rdb_writer::Error) -> Self {
        ExportError::Rdb(e)
    }
}

impl From<storage_sled::StoreError> for ExportError {
    fn from(e: storage_sled::StoreError) -> Self {
        ExportError::Store(CommandError::from(e))
    }
}

/// Writes `key` with its value and expiry. Streams stay out of RDB exports until ardb-rs stores
/// them (nothing creates one yet); an empty collection (impossible in a consistent store) is skipped.
pub fn write_key<W: Write>(
    out: &mut RdbWriter<W>,
    txn: &Txn,
    key: &[u8],
    meta: Meta,
) -> Result<(), ExportError> {
    let expire = meta.expire_at_ms;
    if let Some(value) = meta.as_string() {
        out.write_string(key, value, expire)?;
        return Ok(());
    }
    let kind = meta.kind;
    if kind == KeyKind::Stream {
        return Ok(());
    }
    let c = Collection::open(meta, kind, u64::MAX)?;
    if c.len == 0 {
        return Ok(());
    }
    let mut failure: Option<rdb_writer::Error> = None;
    let mut feed = |r: rdb_writer::Result<()>| match r {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    };
    match kind {
        KeyKind::List => {
            out.begin_list(key, c.len, expire)?;
            let mut index = 0;
            while index < c.len {
                let page = (c.len - index).min(PAGE as u64);
                for element in c.list_range(txn, index, page, false)? {
                    out.list_element(&element)?;
                }
                index += page;
            }
        }
        KeyKind::Set => {
            out.begin_set(key, c.len, expire)?;
            for_each_element(txn, c.version, |_, member, _| {
                Ok(feed(out.set_member(member)))
            })?;
        }
        KeyKind::Hash => {
            out.begin_hash(key, c.len, expire)?;
            for_each_element(txn, c.version, |_, field, value| {
                Ok(feed(out.hash_field(field, value)))
            })?;
        }
        KeyKind::ZSet => {
            out.begin_sorted_set(key, c.len, expire)?;
            c.zwalk(txn, false, |member, score| {
                Ok(feed(out.sorted_set_member(member, score)))
            })?;
        }
        KeyKind::String | KeyKind::Stream => return Ok(()),
    }
    if let Some(e) = failure {
        return Err(e.into());
    }
    out.end_value()?;
    Ok(())
}
