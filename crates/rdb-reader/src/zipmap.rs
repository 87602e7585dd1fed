//! Zipmap decoding (hashes written by Redis ≤ 2.4, still loadable by every version).
//!
//! Layout: `zmlen u8`, then entries `len key len free value <free bytes>`, then `0xFF`. A
//! length is one byte below 254, or `0xFE` followed by a 4-byte little-endian length.

use crate::blob::Blob;
use crate::error::RdbError;

/// Reads a zipmap length; `None` at the end marker.
fn read_len(b: &mut Blob<'_>, expected: &str) -> Result<Option<u64>, RdbError> {
    match b.u8(expected)? {
        0xFF => Ok(None),
        0xFE => Ok(Some(u64::from(b.u32_le(expected)?))),
        n => Ok(Some(u64::from(n))),
    }
}

/// Decodes the zipmap `data` (found at input offset `base`) into field/value pairs.
pub(crate) fn parse(data: &[u8], base: u64) -> Result<crate::value::Pairs, RdbError> {
    let mut b = Blob::new(data, base, "zipmap");
    let _zmlen = b.u8("the zipmap length")?;
    let mut out = Vec::new();
    while let Some(klen) = read_len(&mut b, "a zipmap key length or the end marker")? {
        let key = b.take_len(klen, "zipmap key data")?;
        let vlen = read_len(&mut b, "a zipmap value length")?
            .ok_or_else(|| b.err("a zipmap value length", "the end marker"))?;
        let free = b.u8("the zipmap free-byte count")?;
        let value = b.take_len(vlen, "zipmap value data")?;
        b.take(usize::from(free), "zipmap free bytes")?;
        out.push((key.to_vec(), value.to_vec()));
    }
    if b.pos() != b.len() {
        return Err(b.err(
            "the end of the zipmap after its end marker",
            "trailing bytes",
        ));
    }
    Ok(out)
}
