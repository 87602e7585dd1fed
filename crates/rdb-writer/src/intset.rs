//! Intset blobs (type 11, every version): the compact form of sets whose members are all
//! canonical integers.
//!
//! Layout: `encoding u32 LE` (element width in bytes: 2, 4 or 8, the narrowest that holds every
//! member), `length u32 LE`, then the members sorted ascending, each little-endian.

use crate::error::{Error, Result};

/// Encodes `members` (any order) as an intset. A repeated member is an error: the declared set
/// size would no longer match, and an intset cannot hold duplicates.
pub(crate) fn encode_intset(members: &mut [i64]) -> Result<Vec<u8>> {
    members.sort_unstable();
    if members.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::DuplicateMember);
    }
    let fits = |lo: i64, hi: i64| members.iter().all(|m| (lo..=hi).contains(m));
    let width: usize = if fits(i16::MIN.into(), i16::MAX.into()) {
        2
    } else if fits(i32::MIN.into(), i32::MAX.into()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * members.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for &m in members.iter() {
        out.extend_from_slice(&m.to_le_bytes()[..width]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_order() -> Result<()> {
        assert_eq!(
            encode_intset(&mut [3, -1, 2])?,
            [2, 0, 0, 0, 3, 0, 0, 0, 0xFF, 0xFF, 2, 0, 3, 0]
        );
        assert_eq!(
            encode_intset(&mut [70000, 1])?,
            [4, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x70, 0x11, 0x01, 0x00]
        );
        let v = encode_intset(&mut [i64::MIN])?;
        assert_eq!(&v[..8], [8, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(&v[8..], i64::MIN.to_le_bytes());
        assert!(matches!(
            encode_intset(&mut [1, 1]),
            Err(Error::DuplicateMember)
        ));
        Ok(())
    }
}
