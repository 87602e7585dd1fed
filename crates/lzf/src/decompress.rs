//! The LZF decompressor, hardened against malformed input.

use std::fmt;

/// Why an LZF stream could not be decompressed.
///
/// Every variant carries the input offset of the offending control byte so a caller (for
/// example an RDB reader) can report where the stream went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LzfError {
    /// The input ended inside a literal run or a back-reference.
    Truncated {
        /// Input offset of the control byte whose payload is missing.
        at: usize,
    },
    /// A literal run or back-reference would write past `expected_len`.
    OutputOverrun {
        /// Input offset of the control byte.
        at: usize,
        /// The output length the caller said to expect.
        expected_len: usize,
    },
    /// A back-reference points before the start of the output.
    BadBackReference {
        /// Input offset of the control byte.
        at: usize,
        /// How far back the reference reaches (1 = the previous byte).
        distance: usize,
        /// How many bytes had been produced when the reference was met.
        produced: usize,
    },
    /// The input was consumed entirely but produced fewer bytes than expected.
    LengthMismatch {
        /// The output length the caller said to expect.
        expected_len: usize,
        /// The number of bytes the stream actually produced.
        produced: usize,
    },
}

impl fmt::Display for LzfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LzfError::Truncated { at } => {
                write!(f, "lzf: input truncated in the element starting at byte {at}")
            }
            LzfError::OutputOverrun { at, expected_len } => write!(
                f,
                "lzf: element at byte {at} would produce more than the expected {expected_len} bytes"
            ),
            LzfError::BadBackReference { at, distance, produced } => write!(
                f,
                "lzf: back-reference at byte {at} reaches {distance} bytes back but only {produced} bytes were produced"
            ),
            LzfError::LengthMismatch { expected_len, produced } => write!(
                f,
                "lzf: stream produced {produced} bytes, expected {expected_len}"
            ),
        }
    }
}

impl std::error::Error for LzfError {}

/// Decompresses an LZF stream that must expand to exactly `expected_len` bytes.
///
/// Redis always stores the uncompressed length next to the compressed bytes, and treats any
/// other outcome as corruption; so does this function. Malformed input yields an [`LzfError`],
/// never a panic, and the output never grows beyond `expected_len` (preallocation is capped
/// too, so a lying `expected_len` cannot force a huge allocation by itself).
pub fn decompress(input: &[u8], expected_len: usize) -> Result<Vec<u8>, LzfError> {
    // The largest expansion LZF allows is a 3-byte element producing 264 bytes.
    let plausible = input.len().saturating_mul(crate::MAX_MATCH);
    let mut out = Vec::with_capacity(expected_len.min(plausible).min(1 << 24));
    let mut i = 0;
    while i < input.len() {
        let at = i;
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let lit = input.get(i..i + run).ok_or(LzfError::Truncated { at })?;
            if out.len() + run > expected_len {
                return Err(LzfError::OutputOverrun { at, expected_len });
            }
            out.extend_from_slice(lit);
            i += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i).ok_or(LzfError::Truncated { at })?);
                i += 1;
            }
            len += 2;
            let low = usize::from(*input.get(i).ok_or(LzfError::Truncated { at })?);
            i += 1;
            let distance = (((ctrl & 0x1f) << 8) | low) + 1;
            let produced = out.len();
            if distance > produced {
                return Err(LzfError::BadBackReference {
                    at,
                    distance,
                    produced,
                });
            }
            if produced + len > expected_len {
                return Err(LzfError::OutputOverrun { at, expected_len });
            }
            let start = produced - distance;
            if distance >= len {
                out.extend_from_within(start..start + len);
            } else {
                for k in 0..len {
                    let b = out[start + k];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != expected_len {
        return Err(LzfError::LengthMismatch {
            expected_len,
            produced: out.len(),
        });
    }
    Ok(out)
}
