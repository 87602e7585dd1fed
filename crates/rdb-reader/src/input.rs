//! A buffered, offset-counting, checksumming byte source over any `std::io::Read`.
//!
//! Every byte the decoders consume passes through here, which is what makes the byte offsets
//! in errors exact and lets the CRC-64 be computed in one pass without keeping the file.

use std::io::{ErrorKind, Read};

use crc::{Crc, Digest, CRC_64_REDIS};

use crate::error::RdbError;

/// Redis's CRC-64 (Jones polynomial, reflected, init 0), as used for RDB and DUMP checksums.
pub(crate) static CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_REDIS);

/// Size of the internal read buffer; the reader's fixed memory cost.
const BUF_SIZE: usize = 64 * 1024;

/// Most bytes preallocated for a string before its bytes are actually present; larger strings
/// grow as they are read, so a corrupt length cannot force a huge allocation.
const PREALLOC_CAP: usize = 1 << 20;

/// Lengths above this are rejected as corruption: no real RDB holds a terabyte-sized item.
pub(crate) const MAX_PLAUSIBLE_LEN: u64 = 1 << 40;

/// The byte source: an inner reader, a buffer, the count of consumed bytes and a running CRC.
pub(crate) struct Input<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    offset: u64,
    digest: Digest<'static, u64>,
}

impl<R: Read> Input<R> {
    /// Wraps `inner`; nothing is read yet.
    pub(crate) fn new(inner: R) -> Self {
        Input {
            inner,
            buf: vec![0u8; BUF_SIZE].into_boxed_slice(),
            pos: 0,
            end: 0,
            offset: 0,
            digest: CRC64.digest(),
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The CRC-64 of every byte consumed so far.
    pub(crate) fn crc(&self) -> u64 {
        self.digest.clone().finalize()
    }

    /// Refills the buffer; returns false at end of input.
    fn fill(&mut self) -> Result<bool, RdbError> {
        if self.pos < self.end {
            return Ok(true);
        }
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.pos = 0;
                    self.end = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(RdbError::Io {
                        offset: self.offset,
                        source,
                    })
                }
            }
        }
    }

    /// Consumes up to `max` buffered bytes, feeding them to `sink`; returns how many.
    fn consume_some(
        &mut self,
        max: usize,
        expected: &'static str,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<usize, RdbError> {
        if !self.fill()? {
            return Err(RdbError::UnexpectedEof {
                offset: self.offset,
                expected,
            });
        }
        let n = (self.end - self.pos).min(max);
        let chunk = &self.buf[self.pos..self.pos + n];
        self.digest.update(chunk);
        sink(chunk);
        self.pos += n;
        self.offset += n as u64;
        Ok(n)
    }

    /// Fills `out` completely or fails with an end-of-input error naming `expected`.
    pub(crate) fn read_exact(
        &mut self,
        out: &mut [u8],
        expected: &'static str,
    ) -> Result<(), RdbError> {
        let mut done = 0;
        while done < out.len() {
            let want = out.len() - done;
            let target = &mut out[done..];
            let n = self.consume_some(want, expected, &mut |chunk| {
                target[..chunk.len()].copy_from_slice(chunk);
            })?;
            done += n;
        }
        Ok(())
    }

    /// Reads one byte.
    pub(crate) fn read_u8(&mut self, expected: &'static str) -> Result<u8, RdbError> {
        let mut b = [0u8; 1];
        self.read_exact(&mut b, expected)?;
        Ok(b[0])
    }

    /// Reads a fixed-size array.
    pub(crate) fn read_array<const N: usize>(
        &mut self,
        expected: &'static str,
    ) -> Result<[u8; N], RdbError> {
        let mut b = [0u8; N];
        self.read_exact(&mut b, expected)?;
        Ok(b)
    }

    /// Reads `len` bytes into a new vector, growing it as data arrives rather than trusting
    /// `len` for the allocation.
    pub(crate) fn read_vec(
        &mut self,
        len: u64,
        expected: &'static str,
    ) -> Result<Vec<u8>, RdbError> {
        if len > MAX_PLAUSIBLE_LEN {
            return Err(RdbError::LengthTooLarge {
                offset: self.offset,
                expected,
                len,
            });
        }
        let total = usize::try_from(len).map_err(|_| RdbError::LengthTooLarge {
            offset: self.offset,
            expected,
            len,
        })?;
        let mut out = Vec::with_capacity(total.min(PREALLOC_CAP));
        while out.len() < total {
            let want = total - out.len();
            self.consume_some(want, expected, &mut |chunk| out.extend_from_slice(chunk))?;
        }
        Ok(out)
    }

    /// Skips `len` bytes (still checksummed).
    pub(crate) fn skip(&mut self, len: u64, expected: &'static str) -> Result<(), RdbError> {
        let mut left = len;
        while left > 0 {
            let want = usize::try_from(left.min(BUF_SIZE as u64)).unwrap_or(BUF_SIZE);
            let n = self.consume_some(want, expected, &mut |_| {})?;
            left -= n as u64;
        }
        Ok(())
    }

    /// Gives back the inner reader and the bytes buffered but not consumed.
    pub(crate) fn into_parts(self) -> (R, Vec<u8>) {
        let rest = self.buf[self.pos..self.end].to_vec();
        (self.inner, rest)
    }

    /// Whether the input has no more bytes.
    pub(crate) fn at_end(&mut self) -> Result<bool, RdbError> {
        Ok(!self.fill()?)
    }
}
