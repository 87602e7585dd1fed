//! The value encoder shared by RDB files and DUMP payloads.
//!
//! A value is announced with its element count, fed element by element, then ended. Values at
//! most as large as Redis's default compact thresholds are buffered (bounded memory) so the
//! encoder can pick a compact encoding at the end; a value that is declared larger, or that
//! turns out not to qualify, is streamed in its plain form straight to the output.

use std::io::Write;

use crate::error::{Error, Result};
use crate::intset::encode_intset;
use crate::length::encode_len;
use crate::listpack::ListpackBuilder;
use crate::string::{
    format_score, parse_canonical_int, write_ascii_score, write_binary_score, write_raw_string,
    write_rdb_string,
};
use crate::ziplist::ZiplistBuilder;
use crate::{RdbVersion, WriterOptions};

/// Most entries a hash, sorted set, list or listpack set may have to be written compactly
/// (Redis's default `*-max-listpack-entries` / `*-max-ziplist-entries`).
pub(crate) const COMPACT_MAX_ENTRIES: u64 = 128;
/// Longest element (hash field or value, sorted-set member, list element, set member) a compact
/// encoding may hold (Redis's default `*-max-*-value`).
pub(crate) const COMPACT_MAX_VALUE: usize = 64;
/// Most members an intset may have (`set-max-intset-entries`).
pub(crate) const INTSET_MAX_ENTRIES: u64 = 512;
/// Largest list node blob (Redis's default `list-max-listpack-size -2`, 8 KiB per node); a
/// small list whose single node would be larger is written plain instead.
pub(crate) const LIST_NODE_MAX_BYTES: usize = 8 * 1024;

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
const TYPE_LIST_ZIPLIST: u8 = 10;
const TYPE_SET_INTSET: u8 = 11;
const TYPE_ZSET_ZIPLIST: u8 = 12;
const TYPE_HASH_ZIPLIST: u8 = 13;
const TYPE_LIST_QUICKLIST: u8 = 14;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
const TYPE_SET_LISTPACK: u8 = 20;
const OPCODE_EXPIRETIME_MS: u8 = 0xFC;
/// Quicklist-2 node container: a listpack holding several elements.
const QUICKLIST_CONTAINER_PACKED: u64 = 2;

/// Which Redis type is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    List,
    Set,
    SortedSet,
    Hash,
}

/// What goes in front of the type byte: nothing for DUMP, key and expiry for RDB records.
#[derive(Debug)]
struct Prefix {
    key: Option<Vec<u8>>,
    expire_at_ms: Option<u64>,
}

#[derive(Debug)]
enum Body {
    /// Nothing written yet; elements kept (bounded by the compact thresholds).
    Buffered {
        prefix: Prefix,
        items: Vec<Vec<u8>>,
        scores: Vec<f64>,
        intset_ok: bool,
        pack_ok: bool,
    },
    /// Header already written in plain form; elements go straight out.
    Streaming,
}

#[derive(Debug)]
struct Open {
    kind: Kind,
    declared: u64,
    fed: u64,
    body: Body,
}

/// An element handed to the encoder.
#[derive(Clone, Copy)]
pub(crate) enum Elem<'a> {
    /// A list element, set member, or string chunk.
    One(&'a [u8]),
    /// A sorted-set member and its score.
    Scored(&'a [u8], f64),
    /// A hash field and its value.
    Pair(&'a [u8], &'a [u8]),
}

/// Encodes values one at a time onto any writer.
#[derive(Debug)]
pub(crate) struct Encoder {
    version: RdbVersion,
    options: WriterOptions,
    open: Option<Open>,
}

impl Encoder {
    pub(crate) fn new(version: RdbVersion, options: WriterOptions) -> Self {
        Encoder {
            version,
            options,
            open: None,
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.open.is_some()
    }

    fn compress(&self) -> bool {
        self.options.compress
    }

    fn string<W: Write>(&self, out: &mut W, s: &[u8]) -> Result<()> {
        write_rdb_string(out, s, self.version, self.compress())
    }

    fn len<W: Write>(&self, out: &mut W, n: u64) -> Result<()> {
        out.write_all(encode_len(n, self.version)?.as_bytes())?;
        Ok(())
    }

    fn write_prefix<W: Write>(&self, out: &mut W, prefix: &Prefix, type_byte: u8) -> Result<()> {
        if let Some(ms) = prefix.expire_at_ms {
            out.write_all(&[OPCODE_EXPIRETIME_MS])?;
            out.write_all(&ms.to_le_bytes())?;
        }
        out.write_all(&[type_byte])?;
        if let Some(key) = &prefix.key {
            self.string(out, key)?;
        }
        Ok(())
    }

    fn plain_type(&self, kind: Kind) -> u8 {
        match kind {
            Kind::String => TYPE_STRING,
            Kind::List => TYPE_LIST,
            Kind::Set => TYPE_SET,
            Kind::SortedSet if self.version.has_binary_zset_scores() => TYPE_ZSET_2,
            Kind::SortedSet => TYPE_ZSET,
            Kind::Hash => TYPE_HASH,
        }
    }

    /// Writes one element in the plain form of `kind`.
    fn write_plain_elem<W: Write>(&self, out: &mut W, elem: Elem<'_>) -> Result<()> {
        match elem {
            Elem::One(s) => self.string(out, s),
            Elem::Scored(m, score) => {
                self.string(out, m)?;
                if self.version.has_binary_zset_scores() {
                    write_binary_score(out, score)
                } else {
                    write_ascii_score(out, score)
                }
            }
            Elem::Pair(f, v) => {
                self.string(out, f)?;
                self.string(out, v)
            }
        }
    }

    /// Starts a value. `key` is `None` for DUMP payloads.
    pub(crate) fn begin<W: Write>(
        &mut self,
        out: &mut W,
        kind: Kind,
        key: Option<&[u8]>,
        declared: u64,
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        if self.open.is_some() {
            return Err(Error::Misuse("a value is already open; end it first"));
        }
        let prefix = Prefix {
            key: key.map(<[u8]>::to_vec),
            expire_at_ms,
        };
        if kind == Kind::String {
            self.write_prefix(out, &prefix, TYPE_STRING)?;
            self.len(out, declared)?;
            self.open = Some(Open {
                kind,
                declared,
                fed: 0,
                body: Body::Streaming,
            });
            return Ok(());
        }
        if declared == 0 {
            return Err(Error::EmptyCollection);
        }
        let compact = self.options.compact_encodings;
        let small = declared <= COMPACT_MAX_ENTRIES;
        let (intset_ok, pack_ok) = match kind {
            Kind::Set => (
                compact && declared <= INTSET_MAX_ENTRIES,
                compact && small && self.version.has_set_listpack(),
            ),
            _ => (false, compact && small),
        };
        let body = if intset_ok || pack_ok {
            Body::Buffered {
                prefix,
                items: Vec::new(),
                scores: Vec::new(),
                intset_ok,
                pack_ok,
            }
        } else {
            self.write_prefix(out, &prefix, self.plain_type(kind))?;
            self.len(out, declared)?;
            Body::Streaming
        };
        self.open = Some(Open {
            kind,
            declared,
            fed: 0,
            body,
        });
        Ok(())
    }

    /// Feeds one element of the open value.
    pub(crate) fn feed<W: Write>(&mut self, out: &mut W, elem: Elem<'_>) -> Result<()> {
        let mut open = self.open.take().ok_or(Error::Misuse("no value is open"))?;
        let result = self.feed_open(out, &mut open, elem);
        self.open = Some(open);
        result
    }

    fn feed_open<W: Write>(&self, out: &mut W, open: &mut Open, elem: Elem<'_>) -> Result<()> {
        let matches = matches!(
            (open.kind, elem),
            (Kind::String | Kind::List | Kind::Set, Elem::One(_))
                | (Kind::SortedSet, Elem::Scored(..))
                | (Kind::Hash, Elem::Pair(..))
        );
        if !matches {
            return Err(Error::Misuse(match open.kind {
                Kind::String => "a string is open: feed string chunks",
                Kind::List => "a list is open: feed list elements",
                Kind::Set => "a set is open: feed set members",
                Kind::SortedSet => "a sorted set is open: feed members with scores",
                Kind::Hash => "a hash is open: feed field/value pairs",
            }));
        }
        if let Elem::Scored(_, s) = elem {
            if s.is_nan() {
                return Err(Error::NanScore);
            }
        }
        if open.kind == Kind::String {
            let Elem::One(chunk) = elem else {
                return Err(Error::Misuse("string chunk expected"));
            };
            open.fed += chunk.len() as u64;
            if open.fed > open.declared {
                return Err(Error::CountMismatch {
                    declared: open.declared,
                    actual: open.fed,
                });
            }
            out.write_all(chunk)?;
            return Ok(());
        }
        open.fed += 1;
        if open.fed > open.declared {
            return Err(Error::CountMismatch {
                declared: open.declared,
                actual: open.fed,
            });
        }
        let flush = match &mut open.body {
            Body::Streaming => return self.write_plain_elem(out, elem),
            Body::Buffered {
                items,
                scores,
                intset_ok,
                pack_ok,
                ..
            } => {
                match elem {
                    Elem::One(s) => {
                        if open.kind == Kind::Set && parse_canonical_int(s).is_none() {
                            *intset_ok = false;
                        }
                        if s.len() > COMPACT_MAX_VALUE {
                            *pack_ok = false;
                        }
                        items.push(s.to_vec());
                    }
                    Elem::Scored(m, score) => {
                        if m.len() > COMPACT_MAX_VALUE {
                            *pack_ok = false;
                        }
                        items.push(m.to_vec());
                        scores.push(score);
                    }
                    Elem::Pair(f, v) => {
                        if f.len() > COMPACT_MAX_VALUE || v.len() > COMPACT_MAX_VALUE {
                            *pack_ok = false;
                        }
                        items.push(f.to_vec());
                        items.push(v.to_vec());
                    }
                }
                !*intset_ok && !*pack_ok
            }
        };
        if flush {
            let body = std::mem::replace(&mut open.body, Body::Streaming);
            if let Body::Buffered {
                prefix,
                items,
                scores,
                ..
            } = body
            {
                self.write_buffered_plain(out, open.kind, &prefix, open.declared, &items, &scores)?;
            }
        }
        Ok(())
    }

    fn write_buffered_plain<W: Write>(
        &self,
        out: &mut W,
        kind: Kind,
        prefix: &Prefix,
        declared: u64,
        items: &[Vec<u8>],
        scores: &[f64],
    ) -> Result<()> {
        self.write_prefix(out, prefix, self.plain_type(kind))?;
        self.len(out, declared)?;
        self.write_plain_items(out, kind, items, scores)
    }

    fn write_plain_items<W: Write>(
        &self,
        out: &mut W,
        kind: Kind,
        items: &[Vec<u8>],
        scores: &[f64],
    ) -> Result<()> {
        match kind {
            Kind::SortedSet => {
                for (m, s) in items.iter().zip(scores) {
                    self.write_plain_elem(out, Elem::Scored(m, *s))?;
                }
            }
            Kind::Hash => {
                for pair in items.chunks(2) {
                    if let [f, v] = pair {
                        self.write_plain_elem(out, Elem::Pair(f, v))?;
                    }
                }
            }
            _ => {
                for s in items {
                    self.write_plain_elem(out, Elem::One(s))?;
                }
            }
        }
        Ok(())
    }

    /// Ends the open value, writing it compactly if it was buffered.
    pub(crate) fn end<W: Write>(&mut self, out: &mut W) -> Result<()> {
        let open = self.open.take().ok_or(Error::Misuse("no value is open"))?;
        if open.fed != open.declared {
            return Err(Error::CountMismatch {
                declared: open.declared,
                actual: open.fed,
            });
        }
        let Body::Buffered {
            prefix,
            items,
            scores,
            intset_ok,
            pack_ok,
        } = open.body
        else {
            return Ok(());
        };
        let v = self.version;
        match open.kind {
            Kind::Set if intset_ok => {
                let mut ints: Vec<i64> = items
                    .iter()
                    .filter_map(|s| parse_canonical_int(s))
                    .collect();
                let blob = encode_intset(&mut ints)?;
                self.write_prefix(out, &prefix, TYPE_SET_INTSET)?;
                write_raw_string(out, &blob, v)?;
            }
            Kind::Set if pack_ok => {
                let mut lp = ListpackBuilder::new();
                for s in &items {
                    lp.push(s);
                }
                self.write_prefix(out, &prefix, TYPE_SET_LISTPACK)?;
                self.string(out, &lp.finish())?;
            }
            Kind::List => {
                let blob = if v.has_listpack() {
                    let mut lp = ListpackBuilder::new();
                    for s in &items {
                        lp.push(s);
                    }
                    lp.finish()
                } else {
                    let mut zl = ZiplistBuilder::new();
                    for s in &items {
                        zl.push(s);
                    }
                    zl.finish()
                };
                if blob.len() > LIST_NODE_MAX_BYTES {
                    return self.write_buffered_plain(
                        out,
                        open.kind,
                        &prefix,
                        open.declared,
                        &items,
                        &scores,
                    );
                }
                if v.has_listpack() {
                    self.write_prefix(out, &prefix, TYPE_LIST_QUICKLIST_2)?;
                    self.len(out, 1)?;
                    self.len(out, QUICKLIST_CONTAINER_PACKED)?;
                } else if v.has_quicklist() {
                    self.write_prefix(out, &prefix, TYPE_LIST_QUICKLIST)?;
                    self.len(out, 1)?;
                } else {
                    self.write_prefix(out, &prefix, TYPE_LIST_ZIPLIST)?;
                }
                self.string(out, &blob)?;
            }
            Kind::SortedSet | Kind::Hash => {
                let mut pairs: Vec<(&[u8], Vec<u8>)> = Vec::with_capacity(items.len());
                if open.kind == Kind::SortedSet {
                    for (m, s) in items.iter().zip(&scores) {
                        pairs.push((m, format_score(*s).into_bytes()));
                    }
                } else {
                    for pair in items.chunks(2) {
                        if let [f, val] = pair {
                            pairs.push((f, val.clone()));
                        }
                    }
                }
                let blob = if v.has_listpack() {
                    let mut lp = ListpackBuilder::new();
                    for (a, b) in &pairs {
                        lp.push(a);
                        lp.push(b);
                    }
                    lp.finish()
                } else {
                    let mut zl = ZiplistBuilder::new();
                    for (a, b) in &pairs {
                        zl.push(a);
                        zl.push(b);
                    }
                    zl.finish()
                };
                let type_byte = match (open.kind, v.has_listpack()) {
                    (Kind::SortedSet, true) => TYPE_ZSET_LISTPACK,
                    (Kind::SortedSet, false) => TYPE_ZSET_ZIPLIST,
                    (_, true) => TYPE_HASH_LISTPACK,
                    (_, false) => TYPE_HASH_ZIPLIST,
                };
                self.write_prefix(out, &prefix, type_byte)?;
                self.string(out, &blob)?;
            }
            Kind::Set | Kind::String => {
                // A buffered set with no compact form left was flushed when it lost the last
                // one, and strings are never buffered.
                return Err(Error::Misuse(
                    "internal: buffered value without a compact form",
                ));
            }
        }
        Ok(())
    }

    /// Writes a whole in-memory string value (integer/LZF encodings apply).
    pub(crate) fn string_value<W: Write>(
        &mut self,
        out: &mut W,
        key: Option<&[u8]>,
        value: &[u8],
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        if self.open.is_some() {
            return Err(Error::Misuse("a value is already open; end it first"));
        }
        let prefix = Prefix {
            key: key.map(<[u8]>::to_vec),
            expire_at_ms,
        };
        self.write_prefix(out, &prefix, TYPE_STRING)?;
        self.string(out, value)
    }

    /// Writes a whole [`crate::Value`].
    pub(crate) fn value<W: Write>(
        &mut self,
        out: &mut W,
        key: Option<&[u8]>,
        value: &crate::Value,
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        use crate::Value;
        match value {
            Value::String(s) => return self.string_value(out, key, s, expire_at_ms),
            Value::List(items) => {
                self.begin(out, Kind::List, key, items.len() as u64, expire_at_ms)?;
                for s in items {
                    self.feed(out, Elem::One(s))?;
                }
            }
            Value::Set(items) => {
                self.begin(out, Kind::Set, key, items.len() as u64, expire_at_ms)?;
                for s in items {
                    self.feed(out, Elem::One(s))?;
                }
            }
            Value::SortedSet(items) => {
                self.begin(out, Kind::SortedSet, key, items.len() as u64, expire_at_ms)?;
                for (m, s) in items {
                    self.feed(out, Elem::Scored(m, *s))?;
                }
            }
            Value::Hash(items) => {
                self.begin(out, Kind::Hash, key, items.len() as u64, expire_at_ms)?;
                for (f, v) in items {
                    self.feed(out, Elem::Pair(f, v))?;
                }
            }
        }
        self.end(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_type(items: usize, elem_len: usize, version: RdbVersion) -> Result<u8> {
        let mut enc = Encoder::new(version, WriterOptions::default());
        let mut out = Vec::new();
        enc.begin(&mut out, Kind::List, None, items as u64, None)?;
        for _ in 0..items {
            enc.feed(&mut out, Elem::One(&vec![b'x'; elem_len]))?;
        }
        enc.end(&mut out)?;
        Ok(out[0])
    }

    #[test]
    fn list_encoding_choice() -> Result<()> {
        assert_eq!(list_type(3, 5, RdbVersion::V6)?, TYPE_LIST_ZIPLIST);
        assert_eq!(list_type(3, 5, RdbVersion::V7)?, TYPE_LIST_QUICKLIST);
        assert_eq!(list_type(3, 5, RdbVersion::V10)?, TYPE_LIST_QUICKLIST_2);
        // Too many entries, too long an element, too large a node: plain.
        assert_eq!(list_type(129, 5, RdbVersion::V10)?, TYPE_LIST);
        assert_eq!(list_type(3, 65, RdbVersion::V10)?, TYPE_LIST);
        assert_eq!(list_type(128, 64, RdbVersion::V10)?, TYPE_LIST);
        assert_eq!(list_type(100, 64, RdbVersion::V10)?, TYPE_LIST_QUICKLIST_2);
        Ok(())
    }
}
