//! The RDB length encoding: the top two bits of the first byte choose a 6-bit, 14-bit,
//! 32-bit or 64-bit length, or (`11`) a special string encoding.

use std::io::Read;

use crate::error::RdbError;
use crate::input::Input;

/// A decoded length field: either a length or the number of a special string encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Length {
    /// A plain length or count.
    Len(u64),
    /// `11xxxxxx`: an encoded string follows; the value is the low six bits
    /// (0 = int8, 1 = int16, 2 = int32, 3 = LZF).
    Encoded(u8),
}

impl<R: Read> Input<R> {
    /// Reads a length field that may also announce a special string encoding.
    pub(crate) fn read_length_or_encoding(
        &mut self,
        expected: &'static str,
    ) -> Result<Length, RdbError> {
        let first = self.read_u8(expected)?;
        Ok(match first >> 6 {
            0 => Length::Len(u64::from(first & 0x3f)),
            1 => {
                let second = self.read_u8(expected)?;
                Length::Len((u64::from(first & 0x3f) << 8) | u64::from(second))
            }
            2 => match first {
                0x80 => Length::Len(u64::from(u32::from_be_bytes(self.read_array(expected)?))),
                0x81 => Length::Len(u64::from_be_bytes(self.read_array(expected)?)),
                // Redis 2.6–3.2 read four bytes for any 0x80–0xBF; later versions reject the
                // others, and so do we: nothing ever wrote them.
                other => {
                    return Err(RdbError::corrupt(
                        self.offset() - 1,
                        expected,
                        format!("length prefix byte {other:#04x}"),
                    ))
                }
            },
            _ => Length::Encoded(first & 0x3f),
        })
    }

    /// Reads a length field that must be a plain length.
    pub(crate) fn read_length(&mut self, expected: &'static str) -> Result<u64, RdbError> {
        let at = self.offset();
        match self.read_length_or_encoding(expected)? {
            Length::Len(n) => Ok(n),
            Length::Encoded(e) => Err(RdbError::corrupt(
                at,
                expected,
                format!("string encoding marker {e}"),
            )),
        }
    }

    /// Reads a count of items and rejects implausible ones (over 2^40).
    pub(crate) fn read_count(&mut self, expected: &'static str) -> Result<u64, RdbError> {
        let at = self.offset();
        let n = self.read_length(expected)?;
        if n > crate::input::MAX_PLAUSIBLE_LEN {
            return Err(RdbError::LengthTooLarge {
                offset: at,
                expected,
                len: n,
            });
        }
        Ok(n)
    }
}

/// Capacity to reserve for `count` items before any of them is read: small, because the
/// count is untrusted; the vector grows as items actually arrive.
pub(crate) fn initial_capacity(count: u64) -> usize {
    usize::try_from(count.min(1024)).unwrap_or(1024)
}
