//! The RDB file writer.

use std::io::{BufWriter, Write};

use crc::Digest;

use crate::encoder::{Elem, Encoder, Kind};
use crate::error::{Error, Result};
use crate::length::encode_len;
use crate::string::write_rdb_string;
use crate::{RdbVersion, Value, WriterOptions, CRC64};

const OPCODE_AUX: u8 = 0xFA;
const OPCODE_RESIZEDB: u8 = 0xFB;
const OPCODE_SELECTDB: u8 = 0xFE;
const OPCODE_EOF: u8 = 0xFF;

/// Buffers the sink and folds every byte into the CRC-64 as it passes, so the checksum never
/// needs a second pass over the data.
struct CrcWriter<W: Write> {
    inner: BufWriter<W>,
    digest: Digest<'static, u64>,
    written: u64,
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one RDB file, streaming, to any [`Write`].
///
/// Memory stays constant whatever the data size: keys are written as they are given, and a
/// collection is either streamed element by element in its plain form or, when it is small
/// enough for a compact encoding (at most 128 entries of at most 64 bytes, or 512 integers for
/// an intset), buffered until [`RdbWriter::end_value`] and written compactly. The CRC-64 is
/// updated as bytes are written and appended by [`RdbWriter::finish`].
///
/// Order of calls: [`RdbWriter::new`] (writes the `REDIS00NN` header), AUX fields (v7+), then
/// per database [`RdbWriter::select_db`], optionally [`RdbWriter::resize_db`] (v7+), and its
/// keys; finally [`RdbWriter::finish`]. After any error the writer is poisoned: the output is
/// incomplete and every later call returns [`Error::Poisoned`].
pub struct RdbWriter<W: Write> {
    out: CrcWriter<W>,
    enc: Encoder,
    version: RdbVersion,
    options: WriterOptions,
    poisoned: bool,
}

impl<W: Write> std::fmt::Debug for RdbWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RdbWriter")
            .field("version", &self.version)
            .field("options", &self.options)
            .field("bytes_written", &self.out.written)
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

impl<W: Write> RdbWriter<W> {
    /// Starts an RDB file of `version` with default options, writing the header at once so a
    /// failing sink is reported before any data is prepared.
    pub fn new(out: W, version: RdbVersion) -> Result<Self> {
        Self::with_options(out, version, WriterOptions::default())
    }

    /// Like [`RdbWriter::new`] with explicit [`WriterOptions`] (for example compact encodings
    /// off, to produce only the plain types every loader accepts).
    pub fn with_options(out: W, version: RdbVersion, options: WriterOptions) -> Result<Self> {
        let mut w = RdbWriter {
            out: CrcWriter {
                inner: BufWriter::with_capacity(64 * 1024, out),
                digest: CRC64.digest(),
                written: 0,
            },
            enc: Encoder::new(version, options.clone()),
            version,
            options,
            poisoned: false,
        };
        let header = format!("REDIS{:04}", version.get());
        let r = w.out.write_all(header.as_bytes()).map_err(Error::from);
        w.guard(r)?;
        Ok(w)
    }

    /// The version being written, so callers can adapt (e.g. skip AUX fields for v6).
    pub fn version(&self) -> RdbVersion {
        self.version
    }

    /// Bytes produced so far, header included, for progress reporting.
    pub fn bytes_written(&self) -> u64 {
        self.out.written
    }

    fn guard<T>(&mut self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.poisoned = true;
        }
        r
    }

    fn ready(&self, between_keys: bool) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        if between_keys && self.enc.is_open() {
            return Err(Error::Misuse("a value is still open; call end_value first"));
        }
        Ok(())
    }

    fn require(&self, ok: bool, feature: &'static str) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(Error::Unsupported {
                feature,
                version: self.version,
            })
        }
    }

    /// Writes an AUX field (`0xFA key value`, v7+), e.g. `redis-ver`, `redis-bits`, `ctime`,
    /// `used-mem`, `repl-stream-db`, `repl-id`, `repl-offset`, `aof-base`. Numeric values may be
    /// given as decimal text: they are integer-encoded as Redis does. Loaders skip fields they
    /// do not know; v6 loaders abort on the opcode, hence [`Error::Unsupported`] there.
    pub fn aux(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.ready(true)?;
        let r = self.aux_inner(key, value);
        self.guard(r)
    }

    fn aux_inner(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.require(self.version.has_aux_and_resizedb(), "AUX fields")?;
        self.out.write_all(&[OPCODE_AUX])?;
        write_rdb_string(&mut self.out, key, self.version, self.options.compress)?;
        write_rdb_string(&mut self.out, value, self.version, self.options.compress)
    }

    /// Starts database `db` (`0xFE db`); the keys that follow belong to it. Loaders refuse
    /// numbers at or above their `databases` setting (16 by default).
    pub fn select_db(&mut self, db: u64) -> Result<()> {
        self.ready(true)?;
        let r = self.select_inner(db);
        self.guard(r)
    }

    fn select_inner(&mut self, db: u64) -> Result<()> {
        self.out.write_all(&[OPCODE_SELECTDB])?;
        let len = encode_len(db, self.version)?;
        self.out.write_all(len.as_bytes())?;
        Ok(())
    }

    /// Announces the sizes of the current database (`0xFB`, v7+) so the loader can size its
    /// hash tables once; only a hint, but it must not be used with v6.
    pub fn resize_db(&mut self, db_size: u64, expires_size: u64) -> Result<()> {
        self.ready(true)?;
        let r = self.resize_inner(db_size, expires_size);
        self.guard(r)
    }

    fn resize_inner(&mut self, db_size: u64, expires_size: u64) -> Result<()> {
        self.require(self.version.has_aux_and_resizedb(), "RESIZEDB")?;
        self.out.write_all(&[OPCODE_RESIZEDB])?;
        let a = encode_len(db_size, self.version)?;
        let b = encode_len(expires_size, self.version)?;
        self.out.write_all(a.as_bytes())?;
        self.out.write_all(b.as_bytes())?;
        Ok(())
    }

    /// Writes a string key. `expire_at_ms` is an absolute Unix time in milliseconds
    /// (`0xFC`, understood by every version written here).
    pub fn write_string(
        &mut self,
        key: &[u8],
        value: &[u8],
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        self.ready(true)?;
        let r = self
            .enc
            .string_value(&mut self.out, Some(key), value, expire_at_ms);
        self.guard(r)
    }

    /// Writes a whole in-memory value under `key`.
    pub fn write_value(
        &mut self,
        key: &[u8],
        value: &Value,
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        self.ready(true)?;
        let r = self
            .enc
            .value(&mut self.out, Some(key), value, expire_at_ms);
        self.guard(r)
    }

    fn begin(&mut self, kind: Kind, key: &[u8], len: u64, expire_at_ms: Option<u64>) -> Result<()> {
        self.ready(true)?;
        let r = self
            .enc
            .begin(&mut self.out, kind, Some(key), len, expire_at_ms);
        self.guard(r)
    }

    fn feed(&mut self, elem: Elem<'_>) -> Result<()> {
        self.ready(false)?;
        let r = self.enc.feed(&mut self.out, elem);
        self.guard(r)
    }

    /// Starts a string of exactly `len` bytes to be fed in chunks with
    /// [`RdbWriter::string_chunk`], for values too large to hold at once. Such strings are
    /// written raw (no integer or LZF encoding).
    pub fn begin_string(&mut self, key: &[u8], len: u64, expire_at_ms: Option<u64>) -> Result<()> {
        self.begin(Kind::String, key, len, expire_at_ms)
    }

    /// Appends the next chunk of the string begun with [`RdbWriter::begin_string`].
    pub fn string_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        self.feed(Elem::One(chunk))
    }

    /// Starts a list of exactly `len` elements (`len > 0`), fed with
    /// [`RdbWriter::list_element`] from head to tail.
    pub fn begin_list(&mut self, key: &[u8], len: u64, expire_at_ms: Option<u64>) -> Result<()> {
        self.begin(Kind::List, key, len, expire_at_ms)
    }

    /// Appends the next list element.
    pub fn list_element(&mut self, element: &[u8]) -> Result<()> {
        self.feed(Elem::One(element))
    }

    /// Starts a set of exactly `len` distinct members (`len > 0`), fed with
    /// [`RdbWriter::set_member`].
    pub fn begin_set(&mut self, key: &[u8], len: u64, expire_at_ms: Option<u64>) -> Result<()> {
        self.begin(Kind::Set, key, len, expire_at_ms)
    }

    /// Adds the next set member.
    pub fn set_member(&mut self, member: &[u8]) -> Result<()> {
        self.feed(Elem::One(member))
    }

    /// Starts a sorted set of exactly `len` distinct members (`len > 0`), fed with
    /// [`RdbWriter::sorted_set_member`] in any order.
    pub fn begin_sorted_set(
        &mut self,
        key: &[u8],
        len: u64,
        expire_at_ms: Option<u64>,
    ) -> Result<()> {
        self.begin(Kind::SortedSet, key, len, expire_at_ms)
    }

    /// Adds the next sorted-set member with its score (not NaN).
    pub fn sorted_set_member(&mut self, member: &[u8], score: f64) -> Result<()> {
        self.feed(Elem::Scored(member, score))
    }

    /// Starts a hash of exactly `len` distinct fields (`len > 0`), fed with
    /// [`RdbWriter::hash_field`].
    pub fn begin_hash(&mut self, key: &[u8], len: u64, expire_at_ms: Option<u64>) -> Result<()> {
        self.begin(Kind::Hash, key, len, expire_at_ms)
    }

    /// Adds the next hash field and its value.
    pub fn hash_field(&mut self, field: &[u8], value: &[u8]) -> Result<()> {
        self.feed(Elem::Pair(field, value))
    }

    /// Ends the value begun by a `begin_*` call, checking the element count, and writes it if
    /// it was held back for a compact encoding.
    pub fn end_value(&mut self) -> Result<()> {
        self.ready(false)?;
        let r = self.enc.end(&mut self.out);
        self.guard(r)
    }

    /// Writes EOF and the CRC-64 (little-endian), flushes, and returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.ready(true)?;
        self.out.write_all(&[OPCODE_EOF])?;
        let crc = self.out.digest.clone().finalize();
        self.out.inner.write_all(&crc.to_le_bytes())?;
        self.out.written += 8;
        self.out
            .inner
            .into_inner()
            .map_err(|e| Error::Io(e.into_error()))
    }
}
