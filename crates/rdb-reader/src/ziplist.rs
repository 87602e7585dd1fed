//! Ziplist decoding (Redis ≤ 6.2 compact lists, small hashes and sorted sets, and quicklist
//! version-1 nodes).
//!
//! Layout: `zlbytes u32LE, zltail u32LE, zllen u16LE`, entries, `0xFF`. Each entry is the
//! previous entry's length (1 byte, or `0xFE` + u32LE), an encoding header and the data:
//! `00pppppp` 6-bit string length, `01pppppp qqqqqqqq` 14-bit big-endian length, `10000000` +
//! 32-bit big-endian length; `0xC0` int16, `0xD0` int32, `0xE0` int64, `0xF0` int24, `0xFE`
//! int8 (little-endian), `0xF1`–`0xFD` the immediate values 0–12.

use crate::blob::{check_total, Blob, Element};
use crate::error::RdbError;

/// Decodes every element of the ziplist `data`, found at input offset `base`.
pub(crate) fn parse(data: &[u8], base: u64) -> Result<Vec<Element<'_>>, RdbError> {
    let mut b = Blob::new(data, base, "ziplist");
    let zlbytes = b.u32_le("the ziplist byte count")?;
    check_total(&b, u64::from(zlbytes))?;
    let _tail = b.u32_le("the ziplist tail offset")?;
    let count = b.u16_le("the ziplist entry count")?;
    let mut out = Vec::with_capacity(usize::from(count).min(1024));
    loop {
        let first = b.peek("a ziplist entry or the end marker")?;
        if first == 0xFF {
            b.u8("the end marker")?;
            break;
        }
        let prev = b.u8("a previous-entry length")?;
        if prev == 0xFE {
            b.u32_le("a 4-byte previous-entry length")?;
        }
        let enc = b.u8("a ziplist entry encoding")?;
        let element = match enc >> 6 {
            0 => Element::Bytes(b.take(usize::from(enc & 0x3f), "ziplist string data")?),
            1 => {
                let low = b.u8("a 14-bit string length")?;
                let len = (usize::from(enc & 0x3f) << 8) | usize::from(low);
                Element::Bytes(b.take(len, "ziplist string data")?)
            }
            2 => {
                let len = u32::from_be_bytes(b.array("a 32-bit string length")?);
                Element::Bytes(b.take_len(u64::from(len), "ziplist string data")?)
            }
            _ => Element::Int(match enc {
                0xC0 => i64::from(i16::from_le_bytes(b.array("an int16")?)),
                0xD0 => i64::from(i32::from_le_bytes(b.array("an int32")?)),
                0xE0 => i64::from_le_bytes(b.array("an int64")?),
                0xF0 => b.i24_le("an int24")?,
                0xFE => i64::from(i8::from_le_bytes(b.array("an int8")?)),
                0xF1..=0xFD => i64::from(enc & 0x0f) - 1,
                other => {
                    return Err(b.err("a ziplist entry encoding", format!("byte {other:#04x}")))
                }
            }),
        };
        out.push(element);
    }
    if b.pos() != b.len() {
        return Err(b.err(
            "the end of the ziplist after its end marker",
            "trailing bytes",
        ));
    }
    Ok(out)
}
