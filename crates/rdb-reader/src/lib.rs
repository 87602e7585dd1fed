//! A streaming reader of Redis RDB files (versions 1 to 12, Redis 1.x to 7.4 and Valkey 8)
//! and of DUMP payloads.
//!
//! [`Reader`] pulls [`Item`]s — keys with their value and metadata ([`Entry`]), AUX fields,
//! database switches, function libraries, module AUX records — one at a time from any
//! [`std::io::Read`], with constant memory apart from the value being decoded. Every value
//! encoding Redis ever wrote decodes to one version-agnostic [`Value`], with integers stored
//! compactly (intsets, ziplists, listpacks, int-encoded strings) rendered as decimal text,
//! exactly as Redis returns them. [`parse_dump`] decodes `DUMP` payloads.
//!
//! Corrupt or truncated input yields an [`RdbError`] naming the byte offset and what was
//! expected; it never panics, and declared lengths are never trusted for allocation.
//!
//! # Module layout, following the format
//!
//! | module | format layer |
//! |---|---|
//! | `opcodes` | opcode and type bytes (`rdb.h`) |
//! | `input` | buffered byte source: offsets, CRC-64, bounded reads |
//! | `length` | the 6/14/32/64-bit length encoding |
//! | `string` | raw, integer and LZF strings; ASCII and binary scores |
//! | `blob` | bounds-checked cursor over embedded blobs |
//! | `ziplist`, `listpack`, `intset`, `zipmap` | the compact blob encodings |
//! | `stream` | stream nodes, metadata, consumer groups |
//! | `module` | module type ids and generic skipping of module data |
//! | `object` | value decoding by type byte |
//! | `reader` | the opcode loop, entries, AUX, checksum |
//! | `dump` | DUMP payloads |
//! | `error` | [`RdbError`] |
//!
//! # Example
//!
//! ```
//! use rdb_reader::{Item, Reader};
//!
//! // REDIS0009, AUX repl-stream-db=0, SELECTDB 0, a key "n" = 12 stored as int8, EOF, no CRC.
//! let mut file = b"REDIS0009\xfa\x0erepl-stream-db\xc0\x00\xfe\x00\x00\x01n\xc0\x0c\xff".to_vec();
//! file.extend_from_slice(&[0; 8]);
//! let mut reader = Reader::new(file.as_slice())?;
//! let mut entries = Vec::new();
//! while let Some(item) = reader.next_entry()? {
//!     if let Item::Entry(e) = item {
//!         entries.push((e.db, e.key, e.value));
//!     }
//! }
//! assert_eq!(reader.repl_stream_db(), Some(0));
//! assert_eq!(entries, vec![(0, b"n".to_vec(), rdb_reader::Value::String(b"12".to_vec()))]);
//! # Ok::<(), rdb_reader::RdbError>(())
//! ```

mod blob;
mod dump;
mod error;
mod input;
mod intset;
mod length;
mod listpack;
mod module;
mod object;
pub mod opcodes;
mod reader;
mod stream;
mod string;
mod value;
mod ziplist;
mod zipmap;

pub use dump::parse_dump;
pub use error::RdbError;
pub use module::module_type_name;
pub use reader::{Checksum, Entry, Header, Item, Reader, MAX_RDB_VERSION};
pub use stream::{Consumer, ConsumerGroup, PendingEntry, Stream, StreamEntry, StreamId};
pub use value::{HashField, ModuleValue, Value};
