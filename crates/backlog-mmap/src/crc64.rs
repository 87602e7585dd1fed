//! The running CRC-64 of the stream (Jones polynomial, `CRC_64_REDIS`).
//!
//! `crc` 3.x keeps a reflected algorithm's state bit-reversed and, because `refin == refout`,
//! `finalize` returns that state unchanged (after `xorout`, which is 0 here). `digest_with_initial`
//! however *reflects* the initial value it is given, as it does with the catalogue's `init`. So
//! to continue from a finished checksum `c` we pass `c.reverse_bits()`, which the constructor
//! reflects back into the exact internal state `c` came from.

use crc::{Crc, Table, CRC_64_REDIS};

const CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// The running CRC of zero bytes: where every history starts (also CRC-64/Redis of `b""`).
pub(crate) const EMPTY: u64 = 0;

/// `crc(a ++ bytes)` given `running == crc(a)`.
pub(crate) fn extend(running: u64, bytes: &[u8]) -> u64 {
    if bytes.is_empty() {
        return running;
    }
    let mut digest = CRC64.digest_with_initial((running ^ CRC_64_REDIS.xorout).reverse_bits());
    digest.update(bytes);
    digest.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extending_equals_checksumming_the_concatenation() {
        let plain = Crc::<u64>::new(&CRC_64_REDIS);
        // The check value from the Redis sources (crc64.c).
        assert_eq!(plain.checksum(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(extend(EMPTY, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(plain.checksum(b""), EMPTY);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for split in [0, 1, 8, 9, 500, 999, 1000] {
            let (a, b) = data.split_at(split);
            assert_eq!(
                extend(plain.checksum(a), b),
                plain.checksum(&data),
                "split {split}"
            );
        }
        assert_eq!(
            extend(extend(EMPTY, &data[..3]), &data[3..]),
            plain.checksum(&data)
        );
    }
}
