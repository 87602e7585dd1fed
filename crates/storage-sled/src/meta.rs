//! Key metadata: the record stored under `k ns key` for every live key.
//!
//! Encoding: `[kind u8][flags u8][expire_at_ms u64 if flags&1]` then, for a string, the value bytes; for
//! a collection, `[version u64][len u64]` and type-specific header bytes (`aux`).

use bytes::Bytes;

/// The Redis type of a key, as `TYPE` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// A string (also bitmaps and HyperLogLogs).
    String,
    /// A list.
    List,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
    /// A hash.
    Hash,
    /// A stream.
    Stream,
}

impl KeyKind {
    /// The name `TYPE` replies with.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::String => "string",
            KeyKind::List => "list",
            KeyKind::Set => "set",
            KeyKind::ZSet => "zset",
            KeyKind::Hash => "hash",
            KeyKind::Stream => "stream",
        }
    }

    fn tag(self) -> u8 {
        match self {
            KeyKind::String => 0,
            KeyKind::List => 1,
            KeyKind::Set => 2,
            KeyKind::ZSet => 3,
            KeyKind::Hash => 4,
            KeyKind::Stream => 5,
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        Some(match tag {
            0 => KeyKind::String,
            1 => KeyKind::List,
            2 => KeyKind::Set,
            3 => KeyKind::ZSet,
            4 => KeyKind::Hash,
            5 => KeyKind::Stream,
            _ => return None,
        })
    }
}

/// How Redis would have encoded a string value in memory, for OBJECT ENCODING.
///
/// ardb-rs stores bytes, not Redis objects, but Redis's answer depends on how the value was written
/// (an APPEND makes it `raw` even when short), so the writer records it here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringEncoding {
    /// As a fresh SET leaves it: `int`, `embstr` or `raw` by the value's shape.
    #[default]
    Auto,
    /// Modified in place (APPEND, SETRANGE, SETBIT, BITOP, BITFIELD): always `raw`.
    Raw,
    /// Created as a plain string object (INCRBYFLOAT): `embstr` up to 44 bytes, never `int`.
    Embstr,
}

impl StringEncoding {
    fn bits(self) -> u8 {
        match self {
            StringEncoding::Auto => 0,
            StringEncoding::Raw => 1 << 1,
            StringEncoding::Embstr => 2 << 1,
        }
    }

    fn from_flags(flags: u8) -> Self {
        match (flags >> 1) & 3 {
            1 => StringEncoding::Raw,
            2 => StringEncoding::Embstr,
            _ => StringEncoding::Auto,
        }
    }
}

/// The payload part of a key's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A string value, stored inline with the metadata so GET is one sled lookup.
    String(Bytes),
    /// The header of a collection whose elements live under `e version …`.
    Collection {
        /// The collection's version: unique for the life of the store, so a dropped collection's
        /// elements can be reclaimed later without touching a newer key of the same name.
        version: u64,
        /// The number of elements, so length commands are O(1).
        len: u64,
        /// Type-specific header bytes (for example a list's head and tail sequence numbers).
        aux: Bytes,
    },
}

/// Everything stored about one key apart from collection elements.
///
/// ```
/// use storage_sled::{Meta, KeyKind};
/// let m = Meta::string(bytes::Bytes::from_static(b"v")).with_expire(Some(1_700_000_000_000));
/// assert_eq!(Meta::decode(&m.encode()), Some(m.clone()));
/// assert_eq!(m.kind, KeyKind::String);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The key's type.
    pub kind: KeyKind,
    /// Absolute expiry in Unix milliseconds; `None` means persistent.
    pub expire_at_ms: Option<u64>,
    /// The value (strings) or the collection header.
    pub body: Body,
    /// How Redis would encode the string value (ignored for collections).
    pub string_encoding: StringEncoding,
}

impl Meta {
    /// A persistent string.
    pub fn string(value: Bytes) -> Self {
        Meta {
            kind: KeyKind::String,
            expire_at_ms: None,
            body: Body::String(value),
            string_encoding: StringEncoding::Auto,
        }
    }

    /// The same metadata with another string encoding hint.
    pub fn with_encoding(mut self, encoding: StringEncoding) -> Self {
        self.string_encoding = encoding;
        self
    }

    /// The same metadata with another expiry.
    pub fn with_expire(mut self, at_ms: Option<u64>) -> Self {
        self.expire_at_ms = at_ms;
        self
    }

    /// The string value, if this is a string key.
    pub fn as_string(&self) -> Option<&Bytes> {
        match &self.body {
            Body::String(v) => Some(v),
            Body::Collection { .. } => None,
        }
    }

    /// The collection version, if this is a collection key.
    pub fn version(&self) -> Option<u64> {
        match &self.body {
            Body::String(_) => None,
            Body::Collection { version, .. } => Some(*version),
        }
    }

    /// Whether the key is expired at `now_ms` (a deadline equal to now counts as expired, as in Redis).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        matches!(self.expire_at_ms, Some(at) if at <= now_ms)
    }

    /// Serialises the metadata for sled.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        out.push(self.kind.tag());
        out.push(u8::from(self.expire_at_ms.is_some()) | self.string_encoding.bits());
        if let Some(at) = self.expire_at_ms {
            out.extend_from_slice(&at.to_be_bytes());
        }
        match &self.body {
            Body::String(v) => out.extend_from_slice(v),
            Body::Collection { version, len, aux } => {
                out.extend_from_slice(&version.to_be_bytes());
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(aux);
            }
        }
        out
    }

    /// Parses stored metadata; `None` if the bytes are not a valid record. A string value is copied.
    pub fn decode(raw: &[u8]) -> Option<Meta> {
        Meta::decode_with(raw, |from, to| Bytes::copy_from_slice(&raw[from..to]))
    }

    /// Parses metadata read from sled without copying the value: a string value is a slice of the
    /// record, so looking up a 512 MB string's TTL or length costs no copy.
    pub fn decode_shared(raw: &sled::IVec) -> Option<Meta> {
        let owner = Bytes::from_owner(raw.clone());
        Meta::decode_with(raw, |from, to| owner.slice(from..to))
    }

    fn decode_with(raw: &[u8], bytes: impl Fn(usize, usize) -> Bytes) -> Option<Meta> {
        let kind = KeyKind::from_tag(*raw.first()?)?;
        let flags = *raw.get(1)?;
        let mut at = 2;
        let expire_at_ms = if flags & 1 == 1 {
            let v = u64::from_be_bytes(raw.get(at..at + 8)?.try_into().ok()?);
            at += 8;
            Some(v)
        } else {
            None
        };
        let body = if kind == KeyKind::String {
            Body::String(bytes(at, raw.len()))
        } else {
            let version = u64::from_be_bytes(raw.get(at..at + 8)?.try_into().ok()?);
            let len = u64::from_be_bytes(raw.get(at + 8..at + 16)?.try_into().ok()?);
            Body::Collection {
                version,
                len,
                aux: bytes(at + 16, raw.len()),
            }
        };
        Some(Meta {
            kind,
            expire_at_ms,
            body,
            string_encoding: StringEncoding::from_flags(flags),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_round_trip() {
        let m = Meta {
            kind: KeyKind::Hash,
            expire_at_ms: None,
            body: Body::Collection {
                version: 42,
                len: 3,
                aux: Bytes::from_static(b"hdr"),
            },
            string_encoding: StringEncoding::Auto,
        };
        assert_eq!(Meta::decode(&m.encode()), Some(m.clone()));
        assert_eq!(m.version(), Some(42));
        assert_eq!(m.as_string(), None);
    }

    #[test]
    fn encoding_hint_round_trips_beside_the_expiry() {
        for enc in [
            StringEncoding::Auto,
            StringEncoding::Raw,
            StringEncoding::Embstr,
        ] {
            let m = Meta::string(Bytes::from_static(b"v"))
                .with_expire(Some(7))
                .with_encoding(enc);
            assert_eq!(Meta::decode(&m.encode()), Some(m));
        }
    }

    #[test]
    fn shared_decoding_equals_copying_decoding() {
        for value in [&b""[..], b"short", &[7u8; 300][..]] {
            let m = Meta::string(Bytes::copy_from_slice(value)).with_expire(Some(9));
            let raw = sled::IVec::from(m.encode());
            assert_eq!(Meta::decode_shared(&raw), Some(m));
        }
    }

    #[test]
    fn truncated_records_are_rejected() {
        assert_eq!(Meta::decode(&[]), None);
        assert_eq!(Meta::decode(&[0, 1, 0, 0]), None);
        assert_eq!(Meta::decode(&[9, 0]), None);
        assert_eq!(Meta::decode(&[4, 0, 0, 0, 0, 0, 0, 0, 0, 1]), None);
    }

    #[test]
    fn expiry_boundary_counts_as_expired() {
        let m = Meta::string(Bytes::new()).with_expire(Some(100));
        assert!(m.is_expired(100));
        assert!(!m.is_expired(99));
        assert!(!Meta::string(Bytes::new()).is_expired(u64::MAX));
    }
}
