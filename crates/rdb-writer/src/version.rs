//! The RDB format version and what each one may contain.

use std::fmt;

use crate::error::{Error, Result};

/// An RDB format version this crate can write (6 to 12 inclusive).
///
/// A newtype rather than a bare integer so the range check happens once, at construction, and
/// every encoder can ask the version what it may emit instead of re-deriving the rules. Each
/// Redis release loads its own version and every older one, never a newer one:
/// 2.6–3.0 → 6, 3.2 → 7, 4.0 → 8, 5.0–6.2 → 9, 7.0 → 10, 7.2 → 11, 7.4 → 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RdbVersion(u8);

impl RdbVersion {
    /// The oldest version written: what Redis 2.6, 2.8 and 3.0 produce and load.
    pub const V6: RdbVersion = RdbVersion(6);
    /// Redis 3.2: adds AUX and RESIZEDB opcodes and the quicklist type.
    pub const V7: RdbVersion = RdbVersion(7);
    /// Redis 4.0: adds binary sorted-set scores (ZSET_2) and 64-bit lengths.
    pub const V8: RdbVersion = RdbVersion(8);
    /// Redis 5.0 to 6.2.
    pub const V9: RdbVersion = RdbVersion(9);
    /// Redis 7.0: listpack hashes, sorted sets and list nodes.
    pub const V10: RdbVersion = RdbVersion(10);
    /// Redis 7.2: listpack sets.
    pub const V11: RdbVersion = RdbVersion(11);
    /// Redis 7.4.
    pub const V12: RdbVersion = RdbVersion(12);
    /// The lowest version this crate writes.
    pub const MIN: RdbVersion = RdbVersion::V6;
    /// The highest version this crate writes.
    pub const MAX: RdbVersion = RdbVersion::V12;

    /// Validates `v` against the supported range, so an out-of-range version is refused before
    /// any byte is written.
    pub fn new(v: u32) -> Result<RdbVersion> {
        if (6..=12).contains(&v) {
            // Lossless: checked to be at most 12 just above.
            Ok(RdbVersion(v as u8))
        } else {
            Err(Error::InvalidVersion(v))
        }
    }

    /// The numeric version, as it appears in the `REDIS000N` header and DUMP footers.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether the AUX (`0xFA`) and RESIZEDB (`0xFB`) opcodes exist; loaders of 2.6–3.0 abort
    /// on them.
    pub fn has_aux_and_resizedb(self) -> bool {
        self.0 >= 7
    }

    /// Whether lengths above `u32::MAX` can be written (the `0x81` form, Redis 4.0+).
    pub fn has_64bit_len(self) -> bool {
        self.0 >= 8
    }

    /// Whether sorted-set scores are written as binary doubles (type 5, ZSET_2).
    pub fn has_binary_zset_scores(self) -> bool {
        self.0 >= 8
    }

    /// Whether the quicklist list type (14, ziplist nodes) exists.
    pub fn has_quicklist(self) -> bool {
        self.0 >= 7
    }

    /// Whether listpack hashes/sorted sets (16/17) and quicklist-2 lists (18) exist; from this
    /// version on they replace the ziplist forms.
    pub fn has_listpack(self) -> bool {
        self.0 >= 10
    }

    /// Whether listpack-encoded sets (type 20, Redis 7.2) exist.
    pub fn has_set_listpack(self) -> bool {
        self.0 >= 11
    }
}

impl fmt::Display for RdbVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<u32> for RdbVersion {
    type Error = Error;
    fn try_from(v: u32) -> Result<RdbVersion> {
        RdbVersion::new(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_validated() {
        assert!(matches!(RdbVersion::new(5), Err(Error::InvalidVersion(5))));
        assert!(matches!(
            RdbVersion::new(13),
            Err(Error::InvalidVersion(13))
        ));
        for v in 6..=12 {
            assert_eq!(RdbVersion::new(v).map(RdbVersion::get).ok(), Some(v as u8));
        }
    }

    #[test]
    fn features_by_version() {
        assert!(!RdbVersion::V6.has_aux_and_resizedb());
        assert!(RdbVersion::V7.has_aux_and_resizedb());
        assert!(!RdbVersion::V7.has_64bit_len());
        assert!(RdbVersion::V8.has_binary_zset_scores());
        assert!(!RdbVersion::V9.has_listpack());
        assert!(RdbVersion::V10.has_listpack());
        assert!(!RdbVersion::V10.has_set_listpack());
        assert!(RdbVersion::V11.has_set_listpack());
    }
}
