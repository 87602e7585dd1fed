//! Listpack decoding (Redis 7 compact hashes, sets, sorted sets, quicklist-2 nodes and
//! stream nodes).
//!
//! Layout: `total u32LE, count u16LE`, entries, `0xFF`. Each entry is an encoding byte, data
//! and a 1–5 byte "backlen" (the entry's size, for reverse iteration, skipped here):
//! `0xxxxxxx` 7-bit unsigned; `10xxxxxx` string of up to 63 bytes; `110xxxxx yyyyyyyy`
//! 13-bit signed; `1110xxxx yyyyyyyy` string of up to 4095 bytes; `0xF0` + u32LE length
//! string; `0xF1`/`0xF2`/`0xF3`/`0xF4` int16/24/32/64 little-endian.

use crate::blob::{check_total, Blob, Element};
use crate::error::RdbError;

/// Size of the backlen field that follows an entry whose encoding+data is `len` bytes.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Decodes every element of the listpack `data`, found at input offset `base`.
pub(crate) fn parse(data: &[u8], base: u64) -> Result<Vec<Element<'_>>, RdbError> {
    let mut b = Blob::new(data, base, "listpack");
    let total = b.u32_le("the listpack byte count")?;
    check_total(&b, u64::from(total))?;
    let count = b.u16_le("the listpack entry count")?;
    let mut out = Vec::with_capacity(usize::from(count).min(1024));
    loop {
        let start = b.pos();
        let enc = b.u8("a listpack entry or the end marker")?;
        if enc == 0xFF {
            break;
        }
        let element = if enc & 0x80 == 0 {
            Element::Int(i64::from(enc & 0x7f))
        } else if enc & 0xC0 == 0x80 {
            Element::Bytes(b.take(usize::from(enc & 0x3f), "listpack string data")?)
        } else if enc & 0xE0 == 0xC0 {
            let low = b.u8("a 13-bit integer")?;
            let v = (i64::from(enc & 0x1f) << 8) | i64::from(low);
            Element::Int(if v >= 1 << 12 { v - (1 << 13) } else { v })
        } else if enc & 0xF0 == 0xE0 {
            let low = b.u8("a 12-bit string length")?;
            let len = (usize::from(enc & 0x0f) << 8) | usize::from(low);
            Element::Bytes(b.take(len, "listpack string data")?)
        } else {
            match enc {
                0xF0 => {
                    let len = b.u32_le("a 32-bit string length")?;
                    Element::Bytes(b.take_len(u64::from(len), "listpack string data")?)
                }
                0xF1 => Element::Int(i64::from(i16::from_le_bytes(b.array("an int16")?))),
                0xF2 => Element::Int(b.i24_le("an int24")?),
                0xF3 => Element::Int(i64::from(i32::from_le_bytes(b.array("an int32")?))),
                0xF4 => Element::Int(i64::from_le_bytes(b.array("an int64")?)),
                other => {
                    return Err(b.err("a listpack entry encoding", format!("byte {other:#04x}")))
                }
            }
        };
        let size = b.pos() - start;
        b.take(backlen_size(size), "a listpack entry backlen")?;
        out.push(element);
    }
    if b.pos() != b.len() {
        return Err(b.err(
            "the end of the listpack after its end marker",
            "trailing bytes",
        ));
    }
    Ok(out)
}
