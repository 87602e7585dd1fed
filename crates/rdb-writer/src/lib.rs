//! Streaming writer of Redis RDB files (format versions 6 to 12) and DUMP payloads.
//!
//! ardb-rs ships its data set to Redis replicas of every version from 2.6 to 7.4 as an RDB
//! file, and answers `DUMP` with RDB-encoded values. Data sets live on disk and can be far
//! larger than RAM, so [`RdbWriter`] streams: keys and collection elements go to any
//! [`std::io::Write`] as they are fed, the CRC-64 is updated on the fly, and memory stays
//! bounded whatever the size of a value.
//!
//! # File layout
//!
//! ```text
//! "REDIS" + version as 4 ASCII digits            header, e.g. REDIS0010
//! 0xFA key value                                  AUX field (v7+), any number
//! 0xFE db                                         SELECTDB, then that database's keys
//! 0xFB db_size expires_size                       RESIZEDB hint (v7+)
//! [0xFC ms:u64 LE] type key value                 one key, optionally with absolute expiry
//! 0xFF crc:u64 LE                                 EOF, CRC-64/Redis of every byte before it
//! ```
//!
//! Lengths use the RDB variable-length form (6 bits, 14 bits, 32 bits, and from v8 64 bits);
//! strings are length-prefixed, or integer-encoded when they are canonical decimals that fit
//! 32 bits, or LZF-compressed when [`WriterOptions::compress`] is on, longer than 20 bytes and
//! compression saves at least 4 bytes — the same rules Redis applies.
//!
//! # Version rules
//!
//! Each Redis release loads its own RDB version and all older ones, so the writer must produce
//! what the receiving server knows, and refuses ([`Error::Unsupported`],
//! [`Error::LengthTooLarge`]) what the chosen version cannot express:
//!
//! | version | Redis | what this writer may emit |
//! |---|---|---|
//! | 6 | 2.6–3.0 | opcodes `0xFC`–`0xFF` only (no AUX, no RESIZEDB), no 64-bit lengths; types 0–4 plain, 10 list ziplist, 11 intset, 12 zset ziplist, 13 hash ziplist; ASCII scores |
//! | 7 | 3.2 | + AUX, RESIZEDB, 14 quicklist (ziplist nodes) for small lists |
//! | 8, 9 | 4.0, 5.0–6.2 | + 64-bit lengths, 5 ZSET_2 (binary scores) for large sorted sets |
//! | 10 | 7.0 | listpacks replace ziplists: 16 hash, 17 zset, 18 quicklist-2 list |
//! | 11, 12 | 7.2, 7.4 | + 20 listpack set |
//!
//! Compact encodings are used only for values within Redis's default thresholds (at most 128
//! entries of at most 64 bytes; intsets up to 512 members; a list's single node at most
//! 8 KiB), which are buffered until the value
//! ends; larger values are streamed in the plain types 1–5, which every loader accepts (Redis
//! 7.x converts them on load). [`WriterOptions::compact_encodings`] turns compact encodings off
//! entirely.
//!
//! # Example
//!
//! ```
//! use rdb_writer::{RdbVersion, RdbWriter, Value};
//!
//! let mut w = RdbWriter::new(Vec::new(), RdbVersion::V10)?;
//! w.aux(b"redis-ver", b"7.0.15")?;
//! w.aux(b"redis-bits", b"64")?;
//! w.select_db(0)?;
//! w.resize_db(3, 1)?;
//! w.write_string(b"greeting", b"hello", None)?;
//! w.write_value(b"tags", &Value::Set(vec![b"a".to_vec(), b"b".to_vec()]), Some(4_102_444_800_000))?;
//! // A collection streamed element by element, e.g. from storage pages.
//! w.begin_list(b"queue", 3, None)?;
//! for item in [&b"x"[..], b"y", b"z"] {
//!     w.list_element(item)?;
//! }
//! w.end_value()?;
//! let bytes = w.finish()?;
//! assert!(bytes.starts_with(b"REDIS0010"));
//! # Ok::<(), rdb_writer::Error>(())
//! ```
//!
//! `examples/write_small.rs` writes such a file to disk for `redis-check-rdb`.

mod dump;
mod encoder;
mod error;
mod intset;
mod length;
mod listpack;
mod string;
mod value;
mod version;
mod writer;
mod ziplist;

pub use dump::{dump, dump_with_options};
pub use error::{Error, Result};
pub use value::Value;
pub use version::RdbVersion;
pub use writer::RdbWriter;

/// The checksum of RDB files and DUMP payloads: CRC-64 with Jones polynomial, reflected, as in
/// Redis's `crc64.c`.
pub(crate) static CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);

/// Choices that do not change what the file means, only how it is encoded.
///
/// Both default to what Redis itself does, so a receiver loads the file as fast as one written
/// by Redis; turning them off yields the most conservative file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// LZF-compress strings longer than 20 bytes when that saves at least 4 bytes (Redis's
    /// `rdbcompression yes`). Trades CPU for a smaller transfer.
    pub compress: bool,
    /// Use compact encodings (intset, ziplist, listpack) for small values, so the loader can
    /// keep them as they are instead of rebuilding them element by element.
    pub compact_encodings: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            compress: lzf_backend::AVAILABLE,
            compact_encodings: true,
        }
    }
}

/// Where LZF compression comes from; kept in one place so the codec can be swapped.
mod lzf_backend {
    /// Whether an LZF compressor is linked in (the default of [`super::WriterOptions::compress`]).
    pub(crate) const AVAILABLE: bool = true;

    /// Compresses `input` with the workspace's liblzf-compatible codec; `None` when the result
    /// would not be smaller.
    pub(crate) fn compress(input: &[u8]) -> Option<Vec<u8>> {
        lzf::compress(input)
    }
}
