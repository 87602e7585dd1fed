//! DUMP payloads (the `DUMP`/`RESTORE` serialization and the `MIGRATE` wire format): a value
//! type byte and value exactly as in an RDB file, a 2-byte little-endian RDB version, and a
//! CRC-64 (little-endian) of everything before it.

use crate::error::RdbError;
use crate::input::{Input, CRC64};
use crate::object::read_value;
use crate::opcodes::is_value_type;
use crate::reader::MAX_RDB_VERSION;
use crate::value::Value;

/// Parses a DUMP payload into its value and the RDB version it was written with.
///
/// The checksum is always verified (as `RESTORE` does; a zero checksum is not special here),
/// the version must be 1..=12, and the value must use the payload exactly.
///
/// ```
/// // DUMP of a string "hi" as written by Redis 7.0 (RDB version 10).
/// let mut payload = vec![0x00, 0x02, b'h', b'i', 10, 0];
/// let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&payload);
/// payload.extend_from_slice(&crc.to_le_bytes());
/// let (value, version) = rdb_reader::parse_dump(&payload)?;
/// assert_eq!(value, rdb_reader::Value::String(b"hi".to_vec()));
/// assert_eq!(version, 10);
/// # Ok::<(), rdb_reader::RdbError>(())
/// ```
pub fn parse_dump(payload: &[u8]) -> Result<(Value, u16), RdbError> {
    if payload.len() < 11 {
        return Err(RdbError::corrupt(
            0,
            "a DUMP payload of at least 11 bytes (type, value, version, CRC-64)",
            format!("{} bytes", payload.len()),
        ));
    }
    let body_len = payload.len() - 10;
    let (covered, crc_bytes) = payload.split_at(payload.len() - 8);
    let mut stored = [0u8; 8];
    stored.copy_from_slice(crc_bytes);
    let stored = u64::from_le_bytes(stored);
    let computed = CRC64.checksum(covered);
    if stored != computed {
        return Err(RdbError::ChecksumMismatch {
            offset: covered.len() as u64,
            stored,
            computed,
        });
    }
    let version = u16::from_le_bytes([covered[body_len], covered[body_len + 1]]);
    if version == 0 || version > MAX_RDB_VERSION {
        return Err(RdbError::UnsupportedVersion {
            offset: body_len as u64,
            version: u32::from(version),
        });
    }
    let body = &payload[..body_len];
    let mut input = Input::new(body);
    let ty = input.read_u8("a value type")?;
    if !is_value_type(ty) {
        return Err(RdbError::corrupt(
            0,
            "a value type",
            format!("byte {ty:#04x}"),
        ));
    }
    let value = read_value(&mut input, ty, 0)?;
    if !input.at_end()? {
        return Err(RdbError::corrupt(
            input.offset(),
            "the end of the value",
            "trailing bytes",
        ));
    }
    Ok((value, version))
}
