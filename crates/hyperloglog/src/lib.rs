//! Redis-compatible HyperLogLog, byte for byte, with no IO.
//!
//! Redis stores a HyperLogLog as an ordinary string value; this crate reads
//! and writes exactly that string, so a value copied out of Redis 7.0 with
//! `GET` works here (and vice versa), and `PFADD`/`PFCOUNT`/`PFMERGE` produce
//! the same bytes and the same integers as Redis.
//!
//! # Format
//!
//! Every HLL starts with a 16-byte header:
//!
//! | bytes  | content                                                        |
//! |--------|----------------------------------------------------------------|
//! | 0..4   | magic `"HYLL"`                                                 |
//! | 4      | encoding: 0 dense, 1 sparse                                    |
//! | 5..8   | unused (zero)                                                  |
//! | 8..16  | cached cardinality, little endian; bit 7 of byte 15 set means "cache invalid" |
//!
//! There are [`HLL_REGISTERS`] (2^14) registers of 6 bits each.
//!
//! * **Dense**: the header is followed by 12288 bytes of packed registers,
//!   least significant bits first: register `i` occupies bits `6*i ..
//!   6*i+6` of the byte string, counting from the LSB of byte 0. Total
//!   length [`HLL_DENSE_SIZE`] (12304).
//! * **Sparse**: the header is followed by run-length opcodes covering all
//!   registers in order: `00xxxxxx` ZERO (1..64 zero registers),
//!   `01xxxxxx xxxxxxxx` XZERO (1..16384 zero registers), `1vvvvvxx` VAL
//!   (value 1..32 repeated 1..4 times). A fresh HLL is a single XZERO: 18
//!   bytes. A sparse HLL becomes dense when a register needs a value above
//!   32, or when an update would make the string longer than
//!   `hll-sparse-max-bytes` (Redis's default is [`DEFAULT_SPARSE_MAX_BYTES`]).
//!
//! Elements are hashed with [`murmurhash64a`] (seed [`HLL_SEED`]); the low 14
//! bits pick the register and the position of the lowest set bit of the
//! remaining 50 bits (plus one) is the candidate register value. The
//! cardinality is computed with Otmar Ertl's improved estimator, as Redis
//! 7.0 does.
//!
//! # Example
//!
//! ```
//! use hyperloglog::{pfadd, pfcount_union, pfmerge, Hll, DEFAULT_SPARSE_MAX_BYTES};
//!
//! // PFADD k a b c (the key did not exist).
//! let (k, updated) = pfadd(None, [&b"a"[..], b"b", b"c"], DEFAULT_SPARSE_MAX_BYTES)?;
//! assert!(updated);
//!
//! // PFCOUNT k: the count is cached in the header, so the value changed.
//! let mut hll = Hll::from_bytes(&k)?;
//! let count = hll.count()?;
//! assert_eq!(count.cardinality, 3);
//! assert!(count.modified);
//!
//! // PFMERGE dest k other; PFCOUNT k other.
//! let (other, _) = pfadd(None, [&b"c"[..], b"d"], DEFAULT_SPARSE_MAX_BYTES)?;
//! let dest = pfmerge(None, [Some(&k[..]), Some(&other[..])], DEFAULT_SPARSE_MAX_BYTES)?;
//! assert_eq!(Hll::from_bytes(&dest)?.count()?.cardinality, 4);
//! assert_eq!(pfcount_union([Some(&k[..]), Some(&other[..]), None])?, 4);
//! # Ok::<(), hyperloglog::HllError>(())
//! ```

mod estimate;
mod murmur;
mod sparse;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

use std::fmt;

pub use murmur::murmurhash64a;

/// Number of bits of the hash used to select a register.
pub const HLL_P: u32 = 14;
/// Number of hash bits used to compute the register value (64 - P).
pub const HLL_Q: u32 = 64 - HLL_P;
/// Number of registers (2^14).
pub const HLL_REGISTERS: usize = 1 << HLL_P;
/// Bits per register in the dense representation.
pub const HLL_BITS: usize = 6;
/// Size of the header in bytes.
pub const HLL_HDR_SIZE: usize = 16;
/// Total size of a dense HLL string (header plus 12288 register bytes).
pub const HLL_DENSE_SIZE: usize = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS).div_ceil(8);
/// Seed Redis passes to [`murmurhash64a`].
pub const HLL_SEED: u32 = 0xadc8_3b19;
/// Redis's default for the `hll-sparse-max-bytes` configuration.
pub const DEFAULT_SPARSE_MAX_BYTES: usize = 3000;

/// Largest register value.
const REGISTER_MAX: u8 = (1 << HLL_BITS) - 1;
/// Encoding byte of the dense representation.
const ENCODING_DENSE: u8 = 0;
/// Encoding byte of the sparse representation.
const ENCODING_SPARSE: u8 = 1;
/// Offset of the encoding byte.
const ENCODING_OFFSET: usize = 4;
/// Offset of the cached cardinality.
const CARD_OFFSET: usize = 8;
/// Offset of the byte holding the "cache invalid" flag.
const CARD_FLAG_OFFSET: usize = 15;

/// Errors with the exact texts Redis replies with (without the leading `-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HllError {
    /// The string is not a HyperLogLog (too short, bad magic, unknown
    /// encoding, or dense with the wrong length).
    WrongType,
    /// The sparse data is inconsistent (runs not covering exactly all
    /// registers).
    Corrupted,
}

impl fmt::Display for HllError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HllError::WrongType => "WRONGTYPE Key is not a valid HyperLogLog string value.",
            HllError::Corrupted => "INVALIDOBJ Corrupted HLL object detected",
        })
    }
}

impl std::error::Error for HllError {}

/// Register index and candidate value for an element, like Redis's
/// `hllPatLen`: index = low 14 hash bits; value = 1 + number of trailing zero
/// bits of the remaining 50 bits (at most 51).
///
/// ```
/// let (index, value) = hyperloglog::pattern_len(b"hello");
/// assert!(index < hyperloglog::HLL_REGISTERS);
/// assert!((1..=51).contains(&value));
/// ```
pub fn pattern_len(element: &[u8]) -> (usize, u8) {
    let hash = murmurhash64a(element, HLL_SEED);
    let index = (hash & (HLL_REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> HLL_P) | (1u64 << HLL_Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Reads dense register `i` from the packed register bytes. A missing
/// trailing byte reads as 0 (Redis relies on the string's NUL terminator).
fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * HLL_BITS / 8;
    let fb = (i * HLL_BITS) & 7;
    let b0 = u32::from(regs.get(byte).copied().unwrap_or(0));
    let b1 = u32::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & u32::from(REGISTER_MAX)) as u8
}

/// Writes dense register `i` (value must be <= 63).
fn dense_set(regs: &mut [u8], i: usize, value: u8) {
    let byte = i * HLL_BITS / 8;
    let fb = (i * HLL_BITS) & 7;
    let v = u32::from(value);
    let max = u32::from(REGISTER_MAX);
    if let Some(b) = regs.get_mut(byte) {
        *b = ((u32::from(*b) & !(max << fb)) | (v << fb)) as u8;
    }
    if let Some(b) = regs.get_mut(byte + 1) {
        *b = ((u32::from(*b) & !(max >> (8 - fb))) | (v >> (8 - fb))) as u8;
    }
}

/// Result of [`Hll::count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The cardinality, as Redis replies it. Redis sends it as a signed
    /// 64-bit integer, so values >= 2^63 (only possible for garbage
    /// registers) print negative there.
    pub cardinality: u64,
    /// `true` when the cache was stale and the header was rewritten; Redis
    /// then writes the value back (marks the key modified).
    pub modified: bool,
}

/// A HyperLogLog, owning its Redis string representation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hll {
    /// The exact Redis string: header plus sparse opcodes or dense registers.
    bytes: Vec<u8>,
}

impl Default for Hll {
    fn default() -> Self {
        Hll::new()
    }
}

impl Hll {
    /// An empty sparse HLL, as Redis creates it: 18 bytes, cached cardinality
    /// 0 and valid. (`PFADD` on a missing key additionally invalidates the
    /// cache; [`pfadd`] does that.)
    ///
    /// ```
    /// let hll = hyperloglog::Hll::new();
    /// assert_eq!(hll.as_bytes(), b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
    /// ```
    pub fn new() -> Hll {
        let mut bytes = Vec::with_capacity(HLL_HDR_SIZE + 2);
        bytes.extend_from_slice(b"HYLL");
        bytes.push(ENCODING_SPARSE);
        bytes.resize(HLL_HDR_SIZE, 0);
        bytes.extend_from_slice(&sparse::empty_body());
        Hll { bytes }
    }

    /// Wraps a string value after Redis's `isHLLObjectOrReply` checks: at
    /// least 16 bytes, magic `HYLL`, encoding 0 or 1, and exactly
    /// [`HLL_DENSE_SIZE`] bytes when dense. Sparse data is only checked when
    /// used (then [`HllError::Corrupted`]).
    ///
    /// ```
    /// use hyperloglog::{Hll, HllError};
    /// assert_eq!(Hll::from_bytes(b"not an hll").err(), Some(HllError::WrongType));
    /// assert!(Hll::from_bytes(Hll::new().as_bytes()).is_ok());
    /// ```
    pub fn from_bytes(value: &[u8]) -> Result<Hll, HllError> {
        Hll::from_vec(value.to_vec())
    }

    /// Like [`Hll::from_bytes`], taking ownership of the buffer.
    pub fn from_vec(bytes: Vec<u8>) -> Result<Hll, HllError> {
        if bytes.len() < HLL_HDR_SIZE || !bytes.starts_with(b"HYLL") {
            return Err(HllError::WrongType);
        }
        match bytes.get(ENCODING_OFFSET).copied() {
            Some(ENCODING_SPARSE) => Ok(Hll { bytes }),
            Some(ENCODING_DENSE) if bytes.len() == HLL_DENSE_SIZE => Ok(Hll { bytes }),
            _ => Err(HllError::WrongType),
        }
    }

    /// The Redis string representation.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Consumes the HLL, returning its Redis string representation.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Whether the sparse encoding is in use (otherwise dense).
    pub fn is_sparse(&self) -> bool {
        self.bytes.get(ENCODING_OFFSET) == Some(&ENCODING_SPARSE)
    }

    /// The cached cardinality, if the cache is valid.
    pub fn cached_cardinality(&self) -> Option<u64> {
        let card = self.bytes.get(CARD_OFFSET..CARD_OFFSET + 8)?;
        let mut buf = [0u8; 8];
        buf.copy_from_slice(card);
        (buf[7] & 0x80 == 0).then(|| u64::from_le_bytes(buf))
    }

    /// Marks the cached cardinality invalid (sets the MSB of header byte 15).
    pub fn invalidate_cache(&mut self) {
        if let Some(b) = self.bytes.get_mut(CARD_FLAG_OFFSET) {
            *b |= 0x80;
        }
    }

    /// Adds one element (one argument of `PFADD`). Returns `true` when a
    /// register changed; the cache is then invalidated. May promote the HLL
    /// to dense (see the crate docs); `sparse_max_bytes` is Redis's
    /// `hll-sparse-max-bytes`. On error the HLL may be partly updated and
    /// should be discarded, as Redis replies with an error.
    ///
    /// ```
    /// use hyperloglog::{Hll, DEFAULT_SPARSE_MAX_BYTES};
    /// let mut hll = Hll::new();
    /// assert!(hll.add(b"foo", DEFAULT_SPARSE_MAX_BYTES)?);
    /// assert!(!hll.add(b"foo", DEFAULT_SPARSE_MAX_BYTES)?);
    /// assert_eq!(hll.cached_cardinality(), None);
    /// # Ok::<(), hyperloglog::HllError>(())
    /// ```
    pub fn add(&mut self, element: &[u8], sparse_max_bytes: usize) -> Result<bool, HllError> {
        let (index, value) = pattern_len(element);
        self.set_register(index, value, sparse_max_bytes)
    }

    /// Raises register `index` to `value` if it is lower, exactly as Redis's
    /// `hllDenseSet`/`hllSparseSet` (including sparse-to-dense promotion).
    /// Returns `true` and invalidates the cache when the register changed.
    /// `index` must be below [`HLL_REGISTERS`] and `value` at most 63,
    /// otherwise nothing happens.
    pub fn set_register(
        &mut self,
        index: usize,
        value: u8,
        sparse_max_bytes: usize,
    ) -> Result<bool, HllError> {
        if index >= HLL_REGISTERS || value > REGISTER_MAX {
            return Ok(false);
        }
        if self.is_sparse() {
            match sparse::set(
                &mut self.bytes,
                HLL_HDR_SIZE,
                index,
                value,
                sparse_max_bytes,
            )? {
                sparse::SetOutcome::Unchanged => return Ok(false),
                sparse::SetOutcome::Updated => {
                    self.invalidate_cache();
                    return Ok(true);
                }
                sparse::SetOutcome::Promote => self.to_dense()?,
            }
        }
        let regs = self.bytes.get_mut(HLL_HDR_SIZE..).unwrap_or_default();
        if value > dense_get(regs, index) {
            dense_set(regs, index, value);
            self.invalidate_cache();
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Converts to the dense encoding in place (no-op when already dense),
    /// keeping the header (cached cardinality included) like Redis's
    /// `hllSparseToDense`.
    pub fn to_dense(&mut self) -> Result<(), HllError> {
        if !self.is_sparse() {
            return Ok(());
        }
        let mut dense = vec![0u8; HLL_DENSE_SIZE];
        let (header, regs) = dense.split_at_mut(HLL_HDR_SIZE);
        header.copy_from_slice(self.bytes.get(..HLL_HDR_SIZE).unwrap_or_default());
        header[ENCODING_OFFSET] = ENCODING_DENSE;
        let body = self.bytes.get(HLL_HDR_SIZE..).unwrap_or_default();
        sparse::for_each_run(body, |first, len, value| {
            if value != 0 {
                for i in first..first + len {
                    dense_set(regs, i, value);
                }
            }
        })?;
        self.bytes = dense;
        Ok(())
    }

    /// Register value histogram (index = register value).
    fn histogram(&self) -> Result<estimate::Histogram, HllError> {
        let mut h = [0u32; 64];
        let body = self.bytes.get(HLL_HDR_SIZE..).unwrap_or_default();
        if self.is_sparse() {
            sparse::for_each_run(body, |_, len, value| {
                h[usize::from(value)] += len as u32;
            })?;
        } else {
            for i in 0..HLL_REGISTERS {
                h[usize::from(dense_get(body, i))] += 1;
            }
        }
        Ok(h)
    }

    /// Computes the cardinality estimate from the registers, ignoring and
    /// not touching the cache.
    pub fn estimate(&self) -> Result<u64, HllError> {
        Ok(estimate::estimate(&self.histogram()?))
    }

    /// `PFCOUNT` of a single key: returns the cached cardinality if valid,
    /// otherwise computes it and stores it in the header (`modified` is then
    /// `true` and the caller should write the value back, as Redis does).
    ///
    /// ```
    /// use hyperloglog::{Hll, DEFAULT_SPARSE_MAX_BYTES};
    /// let mut hll = Hll::new();
    /// hll.add(b"x", DEFAULT_SPARSE_MAX_BYTES)?;
    /// let first = hll.count()?;
    /// assert_eq!((first.cardinality, first.modified), (1, true));
    /// let second = hll.count()?;
    /// assert_eq!((second.cardinality, second.modified), (1, false));
    /// # Ok::<(), hyperloglog::HllError>(())
    /// ```
    pub fn count(&mut self) -> Result<Count, HllError> {
        if let Some(cardinality) = self.cached_cardinality() {
            return Ok(Count {
                cardinality,
                modified: false,
            });
        }
        let cardinality = self.estimate()?;
        if let Some(card) = self.bytes.get_mut(CARD_OFFSET..CARD_OFFSET + 8) {
            card.copy_from_slice(&cardinality.to_le_bytes());
        }
        Ok(Count {
            cardinality,
            modified: true,
        })
    }

    /// Merges this HLL's registers into `registers` (per-register maximum),
    /// like Redis's `hllMerge`.
    pub fn merge_into(&self, registers: &mut Registers) -> Result<(), HllError> {
        let regs = &mut registers.regs;
        let body = self.bytes.get(HLL_HDR_SIZE..).unwrap_or_default();
        if self.is_sparse() {
            sparse::for_each_run(body, |first, len, value| {
                for r in regs.iter_mut().skip(first).take(len) {
                    if value > *r {
                        *r = value;
                    }
                }
            })
        } else {
            for (i, r) in regs.iter_mut().enumerate() {
                let value = dense_get(body, i);
                if value > *r {
                    *r = value;
                }
            }
            Ok(())
        }
    }
}

/// Unpacked registers (one byte each), used for unions: multi-key `PFCOUNT`
/// and `PFMERGE`.
///
/// ```
/// use hyperloglog::{Hll, Registers, DEFAULT_SPARSE_MAX_BYTES};
/// let mut a = Hll::new();
/// a.add(b"x", DEFAULT_SPARSE_MAX_BYTES)?;
/// let mut union = Registers::new();
/// a.merge_into(&mut union)?;
/// assert_eq!(union.count(), 1);
/// # Ok::<(), hyperloglog::HllError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registers {
    /// Exactly [`HLL_REGISTERS`] register values.
    regs: Box<[u8]>,
}

impl Default for Registers {
    fn default() -> Self {
        Registers::new()
    }
}

impl Registers {
    /// All registers zero.
    pub fn new() -> Registers {
        Registers {
            regs: vec![0u8; HLL_REGISTERS].into_boxed_slice(),
        }
    }

    /// The register values, [`HLL_REGISTERS`] of them.
    pub fn as_slice(&self) -> &[u8] {
        &self.regs
    }

    /// Cardinality estimate of these registers (Redis's multi-key
    /// `PFCOUNT`, which does not cache anything).
    pub fn count(&self) -> u64 {
        let mut h = [0u32; 64];
        for &r in self.regs.iter() {
            h[usize::from(r & 63)] += 1;
        }
        estimate::estimate(&h)
    }

    /// Writes every non-zero register into `target` with
    /// [`Hll::set_register`] in index order (so a sparse target stays sparse
    /// unless it must be promoted), then invalidates its cache: the tail of
    /// Redis's `PFMERGE`.
    pub fn write_into(&self, target: &mut Hll, sparse_max_bytes: usize) -> Result<(), HllError> {
        for (i, &r) in self.regs.iter().enumerate() {
            if r != 0 {
                target.set_register(i, r, sparse_max_bytes)?;
            }
        }
        target.invalidate_cache();
        Ok(())
    }
}

/// `PFADD key element...`: `existing` is the key's current value (`None` if
/// missing). Returns the new value and whether Redis would reply 1 (the key
/// was created or a register changed; the cache is then invalidated, and
/// the value must be stored). With `false` the value is unchanged.
///
/// ```
/// use hyperloglog::{pfadd, DEFAULT_SPARSE_MAX_BYTES};
/// let (v, created) = pfadd(None, Vec::<&[u8]>::new(), DEFAULT_SPARSE_MAX_BYTES)?;
/// assert!(created);
/// assert_eq!(v[15], 0x80); // cache invalid, as in Redis
/// let (_, updated) = pfadd(Some(&v), [b"a"], DEFAULT_SPARSE_MAX_BYTES)?;
/// assert!(updated);
/// # Ok::<(), hyperloglog::HllError>(())
/// ```
pub fn pfadd<I>(
    existing: Option<&[u8]>,
    elements: I,
    sparse_max_bytes: usize,
) -> Result<(Vec<u8>, bool), HllError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let (mut hll, mut updated) = match existing {
        Some(v) => (Hll::from_bytes(v)?, false),
        None => (Hll::new(), true),
    };
    for element in elements {
        updated |= hll.add(element.as_ref(), sparse_max_bytes)?;
    }
    if updated {
        hll.invalidate_cache();
    }
    Ok((hll.into_bytes(), updated))
}

/// Multi-key `PFCOUNT key key...`: the cardinality of the union, computed on
/// a temporary register array and never cached. Missing keys (`None`) count
/// as empty; values are checked in order and the first error is returned.
pub fn pfcount_union<'a, I>(values: I) -> Result<u64, HllError>
where
    I: IntoIterator<Item = Option<&'a [u8]>>,
{
    let mut registers = Registers::new();
    for value in values.into_iter().flatten() {
        Hll::from_bytes(value)?.merge_into(&mut registers)?;
    }
    Ok(registers.count())
}

/// `PFMERGE dest source...`: `dest` is the destination's current value
/// (`None` if missing); like Redis it is also merged as a source. Returns
/// the destination's new value (cache invalidated). The result is dense if
/// any input (destination included) was dense; otherwise the registers are
/// written into the sparse destination one by one, so it stays sparse until
/// it must be promoted, exactly as in Redis 7.0.
pub fn pfmerge<'a, I>(
    dest: Option<&'a [u8]>,
    sources: I,
    sparse_max_bytes: usize,
) -> Result<Vec<u8>, HllError>
where
    I: IntoIterator<Item = Option<&'a [u8]>>,
{
    let mut registers = Registers::new();
    let mut use_dense = false;
    let mut target = None;
    for (n, value) in std::iter::once(dest).chain(sources).enumerate() {
        let Some(value) = value else { continue };
        let hll = Hll::from_bytes(value)?;
        use_dense |= !hll.is_sparse();
        hll.merge_into(&mut registers)?;
        if n == 0 {
            target = Some(hll);
        }
    }
    let mut target = target.unwrap_or_default();
    if use_dense {
        target.to_dense()?;
    }
    registers.write_into(&mut target, sparse_max_bytes)?;
    Ok(target.into_bytes())
}
