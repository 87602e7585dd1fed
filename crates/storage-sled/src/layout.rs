//! The on-disk key layout: every sled key ardb-rs writes is built here and nowhere else.
//!
//! All records live in one sled tree so that one `apply_batch` commits a command's data, the key
//! counters and the applied replication offset atomically. The first byte of a sled key names the record
//! family; see `docs/storage.md` for the table with examples.
//!
//! | prefix | record | value |
//! |---|---|---|
//! | `k` ns:u32 key | key metadata (type, expiry, string value or collection header) | [`crate::Meta`] |
//! | `e` version:u64 sub | one element of a collection | type specific |
//! | `x` ms:u64 ns:u32 key | expiry index, ordered by deadline | empty |
//! | `g` `v` version:u64 | a dropped collection whose elements await the sweeper | empty |
//! | `g` `n` ns:u32 | a flushed namespace whose keys await the sweeper | empty |
//! | `s` name | system records: applied offset, counters, db map | fixed-width integers |
//!
//! Integers are big-endian so that sled's byte order is numeric order.

/// Prefix of key metadata records.
pub const META: u8 = b'k';
/// Prefix of collection element records.
pub const ELEMENT: u8 = b'e';
/// Prefix of expiry index records.
pub const EXPIRY: u8 = b'x';
/// Prefix of garbage records.
pub const GARBAGE: u8 = b'g';
/// Prefix of system records; no keyspace record starts with it.
pub const SYSTEM: u8 = b's';

/// The system record holding the replication offset the stored data corresponds to.
pub const APPLIED_OFFSET: &[u8] = b"s|applied-offset";
/// The system record holding the next collection version to hand out.
pub const NEXT_VERSION: &[u8] = b"s|next-version";
/// The system record holding the next physical namespace id to hand out.
pub const NEXT_NAMESPACE: &[u8] = b"s|next-namespace";
/// The system record mapping logical database numbers to physical namespaces.
pub const DB_MAP: &[u8] = b"s|db-map";
/// How many entries at the head of [`DB_MAP`] are live databases, written with it. Entries after
/// them are a staging keyspace being loaded by a full sync; one found at open was interrupted and
/// is discarded.
pub const LIVE_DBS: &[u8] = b"s|live-dbs";
/// The system record naming the layout version, so a future layout can refuse or migrate old data.
pub const FORMAT: &[u8] = b"s|format";
/// The layout version this crate writes.
pub const FORMAT_VERSION: u32 = 1;

/// `k` ns key: where a key's metadata lives.
pub fn meta_key(ns: u32, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(5 + key.len());
    k.push(META);
    k.extend_from_slice(&ns.to_be_bytes());
    k.extend_from_slice(key);
    k
}

/// `k` ns: the prefix shared by every key of a namespace.
pub fn meta_prefix(ns: u32) -> [u8; 5] {
    let b = ns.to_be_bytes();
    [META, b[0], b[1], b[2], b[3]]
}

/// Splits a metadata sled key into its namespace and user key.
pub fn parse_meta_key(raw: &[u8]) -> Option<(u32, &[u8])> {
    if raw.len() < 5 || raw[0] != META {
        return None;
    }
    let ns = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
    Some((ns, &raw[5..]))
}

/// `e` version sub: one element of a collection.
pub fn element_key(version: u64, sub: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + sub.len());
    k.push(ELEMENT);
    k.extend_from_slice(&version.to_be_bytes());
    k.extend_from_slice(sub);
    k
}

/// `e` version: the prefix shared by every element of one collection version.
pub fn element_prefix(version: u64) -> [u8; 9] {
    let mut p = [0u8; 9];
    p[0] = ELEMENT;
    p[1..].copy_from_slice(&version.to_be_bytes());
    p
}

/// `x` ms ns key: an expiry index entry.
pub fn expiry_key(at_ms: u64, ns: u32, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(13 + key.len());
    k.push(EXPIRY);
    k.extend_from_slice(&at_ms.to_be_bytes());
    k.extend_from_slice(&ns.to_be_bytes());
    k.extend_from_slice(key);
    k
}

/// Splits an expiry index key into deadline, namespace and user key.
pub fn parse_expiry_key(raw: &[u8]) -> Option<(u64, u32, &[u8])> {
    if raw.len() < 13 || raw[0] != EXPIRY {
        return None;
    }
    let at = u64::from_be_bytes(raw[1..9].try_into().ok()?);
    let ns = u32::from_be_bytes(raw[9..13].try_into().ok()?);
    Some((at, ns, &raw[13..]))
}

/// `g` `v` version: a dropped collection awaiting the sweeper.
pub fn garbage_version_key(version: u64) -> Vec<u8> {
    let mut k = vec![GARBAGE, b'v'];
    k.extend_from_slice(&version.to_be_bytes());
    k
}

/// `g` `n` ns: a flushed namespace awaiting the sweeper.
pub fn garbage_namespace_key(ns: u32) -> Vec<u8> {
    let mut k = vec![GARBAGE, b'n'];
    k.extend_from_slice(&ns.to_be_bytes());
    k
}

/// `s|count|` ns: the key and expire counters of a namespace.
pub fn counter_key(ns: u32) -> Vec<u8> {
    let mut k = b"s|count|".to_vec();
    k.extend_from_slice(&ns.to_be_bytes());
    k
}

/// Reads a big-endian u64 from a stored value.
pub fn decode_u64(v: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(v.get(..8)?.try_into().ok()?))
}

/// Reads a big-endian u32 from a stored value.
pub fn decode_u32(v: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_keys_sort_by_namespace_then_key() {
        let a = meta_key(1, b"zzz");
        let b = meta_key(2, b"a");
        assert!(a < b);
        assert_eq!(parse_meta_key(&a), Some((1, &b"zzz"[..])));
        assert!(meta_key(1, b"").starts_with(&meta_prefix(1)));
    }

    #[test]
    fn expiry_keys_sort_by_deadline() {
        let early = expiry_key(5, 9, b"k");
        let late = expiry_key(6, 0, b"a");
        assert!(early < late);
        assert_eq!(parse_expiry_key(&early), Some((5, 9, &b"k"[..])));
        assert_eq!(parse_expiry_key(b"x12"), None);
    }

    #[test]
    fn element_keys_share_the_version_prefix() {
        assert!(element_key(7, b"f").starts_with(&element_prefix(7)));
        assert!(element_key(7, b"\xff") < element_key(8, b""));
    }
}
