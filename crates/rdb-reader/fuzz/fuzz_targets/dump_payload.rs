//! Fuzz target: DUMP payloads through `parse_dump`.
//!
//! The input is parsed as is (length, CRC and version checks), and then again with its last
//! 8 bytes replaced by the correct CRC-64 of the rest: mutated payloads would otherwise almost
//! never get past the checksum, and the value decoders behind it would go unfuzzed.
#![no_main]

use libfuzzer_sys::fuzz_target;

static CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);

fuzz_target!(|data: &[u8]| {
    let _ = rdb_reader::parse_dump(data);
    if data.len() >= 11 {
        let body = &data[..data.len() - 8];
        let mut sealed = body.to_vec();
        sealed.extend_from_slice(&CRC64.checksum(body).to_le_bytes());
        if let Ok((_, version)) = rdb_reader::parse_dump(&sealed) {
            assert!((1..=12).contains(&version));
        }
    }
});
