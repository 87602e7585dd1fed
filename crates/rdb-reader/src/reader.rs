//! The streaming RDB reader: header, opcodes, entries and the trailing checksum.

use std::io::Read;

use crate::error::RdbError;
use crate::input::Input;
use crate::module;
use crate::object::read_value;
use crate::opcodes::*;
use crate::value::{ModuleValue, Value};

/// Highest RDB version this reader understands (Redis 7.4).
pub const MAX_RDB_VERSION: u16 = 12;

/// The file header: `REDIS` and a four-digit version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The RDB format version (1..=12).
    pub version: u16,
}

/// One key with its value and metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Database number the key belongs to (from the last SELECTDB; 0 before any).
    pub db: u64,
    /// The key.
    pub key: Vec<u8>,
    /// Absolute expiry in Unix milliseconds (second-resolution EXPIRETIME is converted).
    pub expire_at_ms: Option<u64>,
    /// LRU idle time in seconds, written when the saving server used an LRU eviction policy.
    pub idle: Option<u64>,
    /// LFU logarithmic access counter, written when the saving server used an LFU policy.
    pub freq: Option<u8>,
    /// The value.
    pub value: Value,
}

/// Something the reader met in the file, in file order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Item {
    /// A key and its value.
    Entry(Entry),
    /// An AUX field (`redis-ver`, `repl-id`, `repl-offset`, ...); also kept by the reader and
    /// available through [`Reader::aux`].
    Aux {
        /// Field name.
        key: Vec<u8>,
        /// Field value.
        value: Vec<u8>,
    },
    /// A SELECTDB: the following entries belong to database `db`.
    SelectDb {
        /// Database number.
        db: u64,
    },
    /// RESIZEDB hints for the current database.
    ResizeDb {
        /// Number of keys.
        db_size: u64,
        /// Number of keys with an expiry.
        expires_size: u64,
    },
    /// SLOT_INFO hints (7.4 cluster mode).
    SlotInfo {
        /// Slot number.
        slot: u64,
        /// Keys in the slot.
        size: u64,
        /// Keys with an expiry in the slot.
        expires_size: u64,
    },
    /// Module auxiliary data (its content skipped).
    ModuleAux {
        /// The module type that wrote it.
        module: ModuleValue,
        /// When it was saved relative to the keyspace (1 = before, 2 = after).
        when: u64,
    },
    /// A function library (FUNCTION2): the library source code, as given to `FUNCTION LOAD`.
    Function {
        /// Library source.
        code: Vec<u8>,
    },
}

/// The outcome of the checksum check at the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// The stored CRC-64 matched the computed one.
    Verified(u64),
    /// The file stored 0: written with `rdbchecksum no`, not checked (as Redis does).
    Disabled,
    /// Version below 5: no checksum in the format.
    Absent,
}

/// Metadata that precedes the next key, carried until the key arrives.
#[derive(Debug, Default)]
struct Pending {
    expire_at_ms: Option<u64>,
    idle: Option<u64>,
    freq: Option<u8>,
}

/// A streaming reader of an RDB file.
///
/// It reads from any [`Read`] through a 64 KiB internal buffer (so wrapping a `BufReader` is
/// unnecessary) and holds in memory only the item being decoded plus the AUX fields, which
/// makes it usable on multi-gigabyte files and on a replication socket.
///
/// ```
/// use rdb_reader::{Item, Reader, Value};
///
/// // An RDB v6 file with one key, `greeting` = `hello`, in database 0 (checksum disabled).
/// let mut file = b"REDIS0006\xfe\x00\x00\x08greeting\x05hello\xff".to_vec();
/// file.extend_from_slice(&[0; 8]);
///
/// let mut reader = Reader::new(&file[..])?;
/// assert_eq!(reader.header().version, 6);
/// let mut keys = Vec::new();
/// while let Some(item) = reader.next_entry()? {
///     if let Item::Entry(entry) = item {
///         assert_eq!(entry.value, Value::String(b"hello".to_vec()));
///         keys.push(entry.key);
///     }
/// }
/// assert_eq!(keys, vec![b"greeting".to_vec()]);
/// # Ok::<(), rdb_reader::RdbError>(())
/// ```
pub struct Reader<R> {
    input: Input<R>,
    header: Header,
    db: u64,
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    pending: Pending,
    checksum: Option<Checksum>,
    failed: bool,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the 9-byte header; fails on a bad magic or a version outside 1..=12.
    pub fn new(inner: R) -> Result<Self, RdbError> {
        let mut input = Input::new(inner);
        let mut magic = [0u8; 9];
        let mut got = 0;
        while got < 9 {
            match input.read_u8("the RDB header") {
                Ok(b) => {
                    magic[got] = b;
                    got += 1;
                }
                Err(RdbError::UnexpectedEof { .. }) => {
                    return Err(RdbError::BadMagic {
                        found: magic[..got].to_vec(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        if &magic[..5] != b"REDIS" || !magic[5..].iter().all(u8::is_ascii_digit) {
            return Err(RdbError::BadMagic {
                found: magic.to_vec(),
            });
        }
        let version = magic[5..]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        if version == 0 || version > u32::from(MAX_RDB_VERSION) {
            return Err(RdbError::UnsupportedVersion { offset: 5, version });
        }
        Ok(Reader {
            input,
            header: Header {
                version: version as u16,
            },
            db: 0,
            aux: Vec::new(),
            pending: Pending::default(),
            checksum: None,
            failed: false,
        })
    }

    /// The file header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// Bytes consumed so far (useful for progress reporting).
    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// The database of the most recent SELECTDB (0 before any).
    pub fn current_db(&self) -> u64 {
        self.db
    }

    /// All AUX fields read so far, in file order. Redis writes them before any key, so they
    /// are complete once the first entry has been returned.
    pub fn aux_fields(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.aux
    }

    /// The value of the last AUX field named `key`, if read so far.
    pub fn aux(&self, key: &str) -> Option<&[u8]> {
        self.aux
            .iter()
            .rev()
            .find(|(k, _)| k == key.as_bytes())
            .map(|(_, v)| v.as_slice())
    }

    /// The master replication id (`repl-id` AUX, 4.0+), which a replica uses to attempt a
    /// partial resync after loading this file.
    pub fn repl_id(&self) -> Option<&str> {
        self.aux("repl-id")
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The replication offset the file corresponds to (`repl-offset` AUX).
    pub fn repl_offset(&self) -> Option<i64> {
        self.aux_number("repl-offset")
    }

    /// The database the master's replication stream had selected (`repl-stream-db` AUX);
    /// a replica starts applying the stream in that database.
    pub fn repl_stream_db(&self) -> Option<u64> {
        self.aux_number("repl-stream-db")
            .and_then(|v: i64| u64::try_from(v).ok())
    }

    /// Parses a numeric AUX field.
    fn aux_number(&self, key: &str) -> Option<i64> {
        std::str::from_utf8(self.aux(key)?).ok()?.parse().ok()
    }

    /// Ends reading and returns the inner reader together with the bytes that were read
    /// ahead into the internal buffer but not consumed.
    ///
    /// On a replication link the master's command stream follows the RDB payload on the same
    /// connection; after [`Reader::next_entry`] has returned `Ok(None)`, those leftover bytes
    /// are the start of that stream and must be processed before reading the socket again.
    pub fn into_inner(self) -> (R, Vec<u8>) {
        self.input.into_parts()
    }

    /// The checksum outcome, once the EOF opcode has been read (`None` before).
    pub fn checksum(&self) -> Option<Checksum> {
        self.checksum
    }

    /// Reads the next item; `Ok(None)` after the EOF opcode and a valid checksum.
    ///
    /// After an error the reader is poisoned and keeps returning `Ok(None)`, since the
    /// position in the file is no longer meaningful.
    pub fn next_entry(&mut self) -> Result<Option<Item>, RdbError> {
        if self.checksum.is_some() || self.failed {
            return Ok(None);
        }
        let r = self.next_inner();
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    /// The opcode loop behind [`Reader::next_entry`].
    fn next_inner(&mut self) -> Result<Option<Item>, RdbError> {
        loop {
            let at = self.input.offset();
            let op = self.input.read_u8("an opcode or value type")?;
            match op {
                OPCODE_EOF => {
                    self.finish()?;
                    return Ok(None);
                }
                OPCODE_SELECTDB => {
                    self.db = self.input.read_length("a database number")?;
                    return Ok(Some(Item::SelectDb { db: self.db }));
                }
                OPCODE_EXPIRETIME => {
                    let secs = i32::from_le_bytes(self.input.read_array("an expiry in seconds")?);
                    self.pending.expire_at_ms = Some(u64::try_from(secs).unwrap_or(0) * 1000);
                }
                OPCODE_EXPIRETIME_MS => {
                    self.pending.expire_at_ms =
                        Some(self.input.read_millis("an expiry in milliseconds")?);
                }
                OPCODE_FREQ => self.pending.freq = Some(self.input.read_u8("an LFU frequency")?),
                OPCODE_IDLE => {
                    self.pending.idle = Some(self.input.read_length("an LRU idle time")?)
                }
                OPCODE_RESIZEDB => {
                    let db_size = self.input.read_length("a RESIZEDB database size")?;
                    let expires_size = self.input.read_length("a RESIZEDB expires size")?;
                    return Ok(Some(Item::ResizeDb {
                        db_size,
                        expires_size,
                    }));
                }
                OPCODE_SLOT_INFO => {
                    let slot = self.input.read_length("a SLOT_INFO slot")?;
                    let size = self.input.read_length("a SLOT_INFO size")?;
                    let expires_size = self.input.read_length("a SLOT_INFO expires size")?;
                    return Ok(Some(Item::SlotInfo {
                        slot,
                        size,
                        expires_size,
                    }));
                }
                OPCODE_AUX => {
                    let key = self.input.read_string("an AUX field name")?;
                    let value = self.input.read_string("an AUX field value")?;
                    self.aux.push((key.clone(), value.clone()));
                    return Ok(Some(Item::Aux { key, value }));
                }
                OPCODE_MODULE_AUX => {
                    let id = self.input.read_length("a module type id")?;
                    let op_at = self.input.offset();
                    let when_opcode = self.input.read_length("the module AUX when-opcode")?;
                    if when_opcode != crate::opcodes::module_opcode::UINT {
                        return Err(RdbError::corrupt(
                            op_at,
                            "module AUX when-opcode 2",
                            when_opcode.to_string(),
                        ));
                    }
                    let when = self.input.read_length("the module AUX when")?;
                    module::skip_data(&mut self.input)?;
                    return Ok(Some(Item::ModuleAux {
                        module: module::describe(id),
                        when,
                    }));
                }
                OPCODE_FUNCTION2 => {
                    let code = self.input.read_string("a function library")?;
                    return Ok(Some(Item::Function { code }));
                }
                OPCODE_FUNCTION_PRE_GA => {
                    return Err(RdbError::Unsupported {
                        offset: at,
                        what: "function library in the 7.0 release-candidate format (opcode 0xF6)"
                            .into(),
                    })
                }
                ty if is_value_type(ty) => {
                    let key = self.input.read_string("a key")?;
                    let value = read_value(&mut self.input, ty, at)?;
                    let pending = std::mem::take(&mut self.pending);
                    return Ok(Some(Item::Entry(Entry {
                        db: self.db,
                        key,
                        expire_at_ms: pending.expire_at_ms,
                        idle: pending.idle,
                        freq: pending.freq,
                        value,
                    })));
                }
                other => {
                    return Err(RdbError::corrupt(
                        at,
                        "an opcode or value type",
                        format!("byte {other:#04x}"),
                    ));
                }
            }
        }
    }

    /// Handles the end of the file: reads and verifies the checksum (v5+).
    fn finish(&mut self) -> Result<(), RdbError> {
        let computed = self.input.crc();
        let at = self.input.offset();
        let outcome = if self.header.version >= 5 {
            let stored = u64::from_le_bytes(self.input.read_array("the 8-byte CRC-64 after EOF")?);
            if stored == 0 {
                Checksum::Disabled
            } else if stored != computed {
                return Err(RdbError::ChecksumMismatch {
                    offset: at,
                    stored,
                    computed,
                });
            } else {
                Checksum::Verified(stored)
            }
        } else {
            Checksum::Absent
        };
        self.checksum = Some(outcome);
        Ok(())
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Item, RdbError>;

    /// Yields items until the end of the file or the first error.
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}
