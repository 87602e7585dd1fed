//! Intset decoding (small sets of integers): `encoding u32LE` (2, 4 or 8 bytes per value),
//! `length u32LE`, then the sorted little-endian signed integers.

use crate::blob::Blob;
use crate::error::RdbError;

/// Decodes the intset `data` (found at input offset `base`) into its members as decimal text.
pub(crate) fn parse(data: &[u8], base: u64) -> Result<Vec<Vec<u8>>, RdbError> {
    let mut b = Blob::new(data, base, "intset");
    let width = b.u32_le("the intset encoding")?;
    if !matches!(width, 2 | 4 | 8) {
        return Err(b.err("an intset encoding of 2, 4 or 8", width));
    }
    let count = b.u32_le("the intset length")?;
    let needed = u64::from(count) * u64::from(width) + 8;
    if needed != data.len() as u64 {
        return Err(b.err(
            "an intset whose length matches its size",
            format!("{count} members of {width} bytes in {} bytes", data.len()),
        ));
    }
    let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(1024));
    for _ in 0..count {
        let v = match width {
            2 => i64::from(i16::from_le_bytes(b.array("an intset member")?)),
            4 => i64::from(i32::from_le_bytes(b.array("an intset member")?)),
            _ => i64::from_le_bytes(b.array("an intset member")?),
        };
        out.push(v.to_string().into_bytes());
    }
    Ok(out)
}
