//! String encodings (raw, int8/16/32, LZF) and the two score encodings (ASCII and binary
//! doubles), plus the millisecond timestamps.

use std::io::Read;

use crate::error::RdbError;
use crate::input::Input;
use crate::length::Length;

impl<R: Read> Input<R> {
    /// Reads a string in any encoding; integer encodings come out as decimal text, as Redis
    /// shows them, and LZF strings come out decompressed.
    pub(crate) fn read_string(&mut self, expected: &'static str) -> Result<Vec<u8>, RdbError> {
        let at = self.offset();
        match self.read_length_or_encoding(expected)? {
            Length::Len(n) => self.read_vec(n, expected),
            Length::Encoded(0) => {
                let v = i8::from_le_bytes(self.read_array(expected)?);
                Ok(v.to_string().into_bytes())
            }
            Length::Encoded(1) => {
                let v = i16::from_le_bytes(self.read_array(expected)?);
                Ok(v.to_string().into_bytes())
            }
            Length::Encoded(2) => {
                let v = i32::from_le_bytes(self.read_array(expected)?);
                Ok(v.to_string().into_bytes())
            }
            Length::Encoded(3) => {
                let clen = self.read_length("the compressed length of an LZF string")?;
                let ulen = self.read_length("the uncompressed length of an LZF string")?;
                if ulen > crate::input::MAX_PLAUSIBLE_LEN
                    || ulen > clen.saturating_mul(lzf::MAX_MATCH as u64)
                {
                    return Err(RdbError::corrupt(
                        at,
                        "an LZF string whose lengths are consistent",
                        format!("{clen} compressed bytes claiming {ulen} uncompressed"),
                    ));
                }
                let packed = self.read_vec(clen, "the bytes of an LZF string")?;
                let ulen = usize::try_from(ulen).map_err(|_| RdbError::LengthTooLarge {
                    offset: at,
                    expected: "an LZF string",
                    len: ulen,
                })?;
                lzf::decompress(&packed, ulen)
                    .map_err(|source| RdbError::Lzf { offset: at, source })
            }
            Length::Encoded(other) => Err(RdbError::corrupt(
                at,
                expected,
                format!("unknown string encoding {other}"),
            )),
        }
    }

    /// Reads a score in the ASCII form of type 3 (a length byte with 253/254/255 meaning
    /// NaN/+inf/-inf, else that many ASCII characters).
    pub(crate) fn read_text_double(&mut self) -> Result<f64, RdbError> {
        let at = self.offset();
        let len = self.read_u8("a text score")?;
        match len {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let text = self.read_vec(u64::from(n), "a text score")?;
                parse_score(&text).ok_or_else(|| {
                    RdbError::corrupt(
                        at,
                        "a text score",
                        format!("{:?}", String::from_utf8_lossy(&text)),
                    )
                })
            }
        }
    }

    /// Reads an 8-byte little-endian IEEE-754 double (ZSET_2 scores).
    pub(crate) fn read_binary_double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_le_bytes(self.read_array("a binary score")?))
    }

    /// Reads an 8-byte little-endian millisecond timestamp; negative values clamp to 0
    /// (already expired).
    pub(crate) fn read_millis(&mut self, expected: &'static str) -> Result<u64, RdbError> {
        let v = i64::from_le_bytes(self.read_array(expected)?);
        Ok(u64::try_from(v).unwrap_or(0))
    }
}

/// Parses a score written as text (`%.17g` style, or `inf`/`-inf`/`nan`).
pub(crate) fn parse_score(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.trim().parse::<f64>().ok()
}
