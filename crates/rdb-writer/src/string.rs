//! RDB string encoding (raw, integer, LZF) and the number formats Redis uses inside values.

use std::io::Write;

use crate::error::Result;
use crate::length::encode_len;
use crate::RdbVersion;

/// Parses `s` as Redis does before storing a string as an integer (`string2ll`,
/// `lpStringToInt64`): optional `-`, no `+`, no leading zeros, no spaces, 1 to 20 bytes, within
/// `i64`. Only such canonical strings may be integer-encoded, because the loader turns the
/// integer back into its canonical decimal form; `"007"` must stay a string.
pub(crate) fn parse_canonical_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > 1u64 << 63 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Formats a score the way Redis stores it inside ziplists/listpacks and ASCII scores: exact
/// integers without a fraction (so the compact encoders can store them as integers, as Redis
/// does), otherwise the shortest text that parses back to the same `f64`.
pub(crate) fn format_score(d: f64) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.fract() == 0.0 && d.abs() < (1u64 << 53) as f64 {
        return format!("{}", d as i64);
    }
    let plain = format!("{d}");
    if plain.len() <= 24 {
        plain
    } else {
        format!("{d:e}")
    }
}

/// Strings longer than this are candidates for LZF, like Redis's `rdbcompression` rule.
const LZF_MIN_LEN: usize = 20;

/// Compresses with LZF when the codec is available; `None` when the data does not shrink.
fn lzf_compress(input: &[u8]) -> Option<Vec<u8>> {
    crate::lzf_backend::compress(input)
}

/// Writes `s` as an RDB string: as an 8/16/32-bit integer when it is a canonical decimal that
/// fits (Redis does the same for strings of at most 11 bytes, saving space and letting the
/// loader share integer objects), as LZF when `compress` is set, the string is longer than
/// 20 bytes and compression saves at least 4 bytes, else raw.
pub(crate) fn write_rdb_string<W: Write>(
    out: &mut W,
    s: &[u8],
    version: RdbVersion,
    compress: bool,
) -> Result<()> {
    if s.len() <= 11 {
        if let Some(v) = parse_canonical_int(s) {
            if let Ok(b) = i8::try_from(v) {
                out.write_all(&[0xC0, b as u8])?;
                return Ok(());
            }
            if let Ok(h) = i16::try_from(v) {
                let b = h.to_le_bytes();
                out.write_all(&[0xC1, b[0], b[1]])?;
                return Ok(());
            }
            if let Ok(w) = i32::try_from(v) {
                let b = w.to_le_bytes();
                out.write_all(&[0xC2, b[0], b[1], b[2], b[3]])?;
                return Ok(());
            }
        }
    }
    if compress && s.len() > LZF_MIN_LEN {
        if let Some(packed) = lzf_compress(s) {
            if packed.len() + 4 <= s.len() {
                out.write_all(&[0xC3])?;
                out.write_all(encode_len(packed.len() as u64, version)?.as_bytes())?;
                out.write_all(encode_len(s.len() as u64, version)?.as_bytes())?;
                out.write_all(&packed)?;
                return Ok(());
            }
        }
    }
    write_raw_string(out, s, version)
}

/// Writes `s` as a length-prefixed raw string, never integer- or LZF-encoded (used for blobs
/// such as listpacks, where integer encoding cannot apply, and for chunked strings).
pub(crate) fn write_raw_string<W: Write>(out: &mut W, s: &[u8], version: RdbVersion) -> Result<()> {
    out.write_all(encode_len(s.len() as u64, version)?.as_bytes())?;
    out.write_all(s)?;
    Ok(())
}

/// Writes a type-3 (pre-v8) sorted-set score: one length byte then ASCII, with the reserved
/// lengths 253/254/255 for NaN/+inf/−inf.
pub(crate) fn write_ascii_score<W: Write>(out: &mut W, d: f64) -> Result<()> {
    if d.is_nan() {
        out.write_all(&[253])?;
    } else if d.is_infinite() {
        out.write_all(&[if d > 0.0 { 254 } else { 255 }])?;
    } else {
        let s = format_score(d);
        // At most 24 characters by construction, well under the 253 limit.
        out.write_all(&[s.len() as u8])?;
        out.write_all(s.as_bytes())?;
    }
    Ok(())
}

/// Writes a ZSET_2 (v8+) score: eight bytes of IEEE-754, little-endian.
pub(crate) fn write_binary_score<W: Write>(out: &mut W, d: f64) -> Result<()> {
    out.write_all(&d.to_le_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &[u8], compress: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if let Err(e) = write_rdb_string(&mut v, s, RdbVersion::V9, compress) {
            panic!("{e}");
        }
        v
    }

    #[test]
    fn canonical_ints() {
        assert_eq!(parse_canonical_int(b"0"), Some(0));
        assert_eq!(parse_canonical_int(b"-1"), Some(-1));
        assert_eq!(parse_canonical_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_canonical_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"007",
            b"+1",
            b" 1",
            b"1 ",
            b"1.0",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"123456789012345678901",
        ] {
            assert_eq!(parse_canonical_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn integer_string_encodings() {
        assert_eq!(enc(b"0", false), [0xC0, 0x00]);
        assert_eq!(enc(b"-128", false), [0xC0, 0x80]);
        assert_eq!(enc(b"128", false), [0xC1, 0x80, 0x00]);
        assert_eq!(enc(b"-32768", false), [0xC1, 0x00, 0x80]);
        assert_eq!(enc(b"65536", false), [0xC2, 0x00, 0x00, 0x01, 0x00]);
        assert_eq!(enc(b"-2147483648", false), [0xC2, 0x00, 0x00, 0x00, 0x80]);
        // Beyond i32: raw.
        assert_eq!(enc(b"2147483648", false), b"\x0a2147483648");
        assert_eq!(enc(b"007", false), b"\x03007");
        assert_eq!(enc(b"", false), [0x00]);
        assert_eq!(enc(b"\x00\xff", false), [0x02, 0x00, 0xFF]);
    }

    #[test]
    fn lzf_rule() -> Result<()> {
        // 21 bytes, highly compressible: 0xC3, clen, ulen=21, data that decompresses back.
        let s = vec![b'a'; 21];
        let v = enc(&s, true);
        assert_eq!(v[0], 0xC3);
        let clen = v[1] as usize;
        assert_eq!(v[2], 21);
        assert_eq!(v.len(), 3 + clen);
        assert!(clen + 4 <= 21);
        assert_eq!(lzf::decompress(&v[3..], 21).ok(), Some(s.clone()));
        // 20 bytes: never compressed; with compression off: raw.
        assert_eq!(enc(&s[..20], true)[0], 20);
        assert_eq!(enc(&s, false)[0], 21);
        // Incompressible data stays raw.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: Vec<u8> = (0..64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert_eq!(enc(&noise, true)[0], 0x40);
        Ok(())
    }

    #[test]
    fn scores() {
        assert_eq!(format_score(1.0), "1");
        assert_eq!(format_score(-3.0), "-3");
        assert_eq!(format_score(1.5), "1.5");
        assert_eq!(format_score(-0.0), "-0");
        assert_eq!(format_score(1e300), "1e300");
        assert_eq!(format_score(f64::INFINITY), "inf");
        for d in [
            0.1,
            1e-300,
            123456.789,
            1e20,
            -2.5e-7,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let s = format_score(d);
            assert_eq!(s.parse::<f64>().ok(), Some(d), "{s}");
        }
        let mut v = Vec::new();
        assert!(write_ascii_score(&mut v, 1.5).is_ok());
        assert!(write_ascii_score(&mut v, f64::NEG_INFINITY).is_ok());
        assert_eq!(v, b"\x031.5\xff");
        let mut v = Vec::new();
        assert!(write_binary_score(&mut v, 1.5).is_ok());
        assert_eq!(v, [0, 0, 0, 0, 0, 0, 0xF8, 0x3F]);
    }
}
