//! DUMP payloads: what `DUMP` returns and `RESTORE` accepts.
//!
//! Layout: the value exactly as in an RDB file (type byte then encoded value, without key or
//! expiry), then the RDB version as u16 little-endian, then the CRC-64 of everything before it,
//! little-endian. A server accepts payloads whose version is at most its own RDB version.

use crate::encoder::Encoder;
use crate::error::Result;
use crate::{RdbVersion, Value, WriterOptions, CRC64};

/// Builds a DUMP payload for `value` as a server writing `version` would, with default
/// options. Choose the version of the server that will `RESTORE` it (or an older one).
pub fn dump(value: &Value, version: RdbVersion) -> Result<Vec<u8>> {
    dump_with_options(value, version, &WriterOptions::default())
}

/// Like [`dump`] with explicit [`WriterOptions`].
pub fn dump_with_options(
    value: &Value,
    version: RdbVersion,
    options: &WriterOptions,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(version, options.clone());
    enc.value(&mut out, None, value, None)?;
    out.extend_from_slice(&u16::from(version.get()).to_le_bytes());
    let crc = CRC64.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_payload_matches_redis() -> Result<()> {
        // Redis 7.0: DUMP of SET k hello -> "\x00\x05hello\n\x00" + CRC.
        let p = dump(&Value::String(b"hello".to_vec()), RdbVersion::V10)?;
        assert_eq!(&p[..9], b"\x00\x05hello\x0a\x00");
        assert_eq!(p.len(), 17);
        assert_eq!(&p[9..], CRC64.checksum(&p[..9]).to_le_bytes());
        Ok(())
    }

    #[test]
    fn integer_payload_matches_redis_docs() -> Result<()> {
        // The DUMP example of the Redis documentation: SET mykey 10; DUMP mykey.
        let p = dump(&Value::String(b"10".to_vec()), RdbVersion::V10)?;
        assert_eq!(p, b"\x00\xc0\n\n\x00n\x9fWE\x0e\xaec\xbb");
        Ok(())
    }
}
