//! liblzf-compatible LZF compression and decompression, the codec Redis uses for compressed
//! strings in RDB files (`0xC3` string encoding) and DUMP payloads.
//!
//! # Format
//!
//! An LZF stream is a sequence of control bytes, each followed by its payload:
//!
//! * `000LLLLL` — a literal run: the next `LLLLL + 1` bytes (1..=32) are copied verbatim.
//! * `LLLooooo oooooooo` — a back-reference of length `LLL + 2` to the byte `ooooo oooooooo + 1`
//!   positions behind the current output position (so offsets reach 8192 bytes back).
//! * `111ooooo LLLLLLLL oooooooo` — when the 3-bit length field is all ones, an extra byte
//!   extends the length to `7 + LLLLLLLL + 2` (up to 264).
//!
//! A back-reference may overlap the bytes it produces (offset 1 repeats the previous byte), so
//! it is copied byte by byte.
//!
//! The compressor ([`compress`]) uses liblzf's approach: a hash table of the last position each
//! 3-byte prefix was seen at, greedy matching, literal runs of at most 32 bytes. Its output is
//! any valid LZF stream, not necessarily byte-identical to liblzf's, which Redis and liblzf
//! decompress alike. The decompressor ([`decompress`]) validates every control byte and returns
//! an [`LzfError`] instead of reading or writing out of bounds, so it is safe on untrusted
//! input.
//!
//! Module layout: `compress.rs` holds the compressor, `decompress.rs` the decompressor and its
//! error type.
//!
//! # Example
//!
//! ```
//! let data = b"abcabcabcabcabcabcabcabcabcabcabcabc".repeat(4);
//! let packed = lzf::compress(&data).ok_or("not compressible")?;
//! assert!(packed.len() < data.len());
//! let unpacked = lzf::decompress(&packed, data.len())?;
//! assert_eq!(unpacked, data);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compress;
mod decompress;

pub use compress::compress;
pub use decompress::{decompress, LzfError};

/// Longest literal run one control byte can announce (`000LLLLL` → 1..=32 bytes).
pub const MAX_LITERAL: usize = 32;
/// Farthest a back-reference can reach behind the current position (13-bit offset, plus one).
pub const MAX_OFFSET: usize = 1 << 13;
/// Longest back-reference: 3-bit length 7 plus an extension byte of 255, plus 2.
pub const MAX_MATCH: usize = 7 + 255 + 2;
