//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use rdb_reader::{Entry, Item, RdbError, Reader};

/// Reads a fixture file's bytes (empty when missing, so the caller's assertions fail clearly).
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default()
}

/// Everything a file contained.
#[derive(Default, Debug)]
pub struct Parsed {
    pub version: u16,
    pub entries: BTreeMap<(u64, Vec<u8>), Entry>,
    pub items: Vec<Item>,
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    pub checksum: Option<rdb_reader::Checksum>,
    pub repl_id: Option<String>,
    pub repl_offset: Option<i64>,
    pub repl_stream_db: Option<u64>,
}

/// Reads a whole RDB into a [`Parsed`].
pub fn read_all(data: &[u8]) -> Result<Parsed, RdbError> {
    let mut r = Reader::new(data)?;
    let mut p = Parsed {
        version: r.header().version,
        ..Parsed::default()
    };
    while let Some(item) = r.next_entry()? {
        match item {
            Item::Entry(e) => {
                p.entries.insert((e.db, e.key.clone()), e);
            }
            other => p.items.push(other),
        }
    }
    p.aux = r.aux_fields().to_vec();
    p.checksum = r.checksum();
    p.repl_id = r.repl_id().map(str::to_owned);
    p.repl_offset = r.repl_offset();
    p.repl_stream_db = r.repl_stream_db();
    Ok(p)
}

impl Parsed {
    /// The entry for `key` in `db`; panics with a readable message when missing.
    pub fn get(&self, db: u64, key: &str) -> &Entry {
        match self.entries.get(&(db, key.as_bytes().to_vec())) {
            Some(e) => e,
            None => panic!(
                "key {key:?} missing from db {db}; have {:?}",
                self.entries.keys().collect::<Vec<_>>()
            ),
        }
    }
}

/// Shorthand for a byte vector from a str.
pub fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// Sorted copy of byte strings, for order-insensitive comparisons (sets, hashes).
pub fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v
}
