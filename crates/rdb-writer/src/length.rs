//! RDB length encoding: the variable-size prefix in front of strings, counts and database
//! numbers.
//!
//! The two top bits of the first byte choose the form: `00` six bits, `01` fourteen bits
//! big-endian, `0x80` a 32-bit big-endian length, `0x81` a 64-bit one (v8+ only: loaders up to
//! Redis 3.2 read four bytes after any `0x8x`), `11` a special string encoding.

use crate::error::{Error, Result};
use crate::RdbVersion;

/// A length encoded into at most nine bytes, kept on the stack so writing a length never
/// allocates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EncodedLen {
    buf: [u8; 9],
    len: usize,
}

impl EncodedLen {
    /// The encoded bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Encodes `len` in the shortest form `version` accepts.
pub(crate) fn encode_len(len: u64, version: RdbVersion) -> Result<EncodedLen> {
    let mut buf = [0u8; 9];
    let n = if len < 1 << 6 {
        buf[0] = len as u8;
        1
    } else if len < 1 << 14 {
        buf[0] = 0x40 | (len >> 8) as u8;
        buf[1] = len as u8;
        2
    } else if let Ok(small) = u32::try_from(len) {
        buf[0] = 0x80;
        buf[1..5].copy_from_slice(&small.to_be_bytes());
        5
    } else if version.has_64bit_len() {
        buf[0] = 0x81;
        buf[1..9].copy_from_slice(&len.to_be_bytes());
        9
    } else {
        return Err(Error::LengthTooLarge { len, version });
    };
    Ok(EncodedLen { buf, len: n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(len: u64, v: RdbVersion) -> Vec<u8> {
        match encode_len(len, v) {
            Ok(e) => e.as_bytes().to_vec(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn forms() {
        let v = RdbVersion::V9;
        assert_eq!(enc(0, v), [0x00]);
        assert_eq!(enc(63, v), [0x3F]);
        assert_eq!(enc(64, v), [0x40, 0x40]);
        assert_eq!(enc(700, v), [0x42, 0xBC]);
        assert_eq!(enc(16383, v), [0x7F, 0xFF]);
        assert_eq!(enc(16384, v), [0x80, 0x00, 0x00, 0x40, 0x00]);
        assert_eq!(enc(u32::MAX as u64, v), [0x80, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(enc(1 << 32, v), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn no_64bit_form_before_v8() {
        for v in [RdbVersion::V6, RdbVersion::V7] {
            assert!(matches!(
                encode_len(1 << 32, v),
                Err(Error::LengthTooLarge { len, .. }) if len == 1 << 32
            ));
        }
        assert!(encode_len(1 << 32, RdbVersion::V8).is_ok());
    }
}
