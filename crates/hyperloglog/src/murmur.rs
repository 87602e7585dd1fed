//! MurmurHash64A, the element hash used by Redis's HyperLogLog.

/// Multiplication constant of MurmurHash64A.
const M: u64 = 0xc6a4_a793_5bd1_e995;
/// Shift constant of MurmurHash64A.
const R: u32 = 47;

/// MurmurHash2, 64-bit variant "64A", endian-neutral as in Redis: 8-byte
/// blocks are always read little-endian.
///
/// ```
/// use hyperloglog::murmurhash64a;
/// assert_eq!(murmurhash64a(b"", 0), 0);
/// assert_eq!(murmurhash64a(b"hello", 0xadc83b19), murmurhash64a(b"hello", 0xadc83b19));
/// ```
pub fn murmurhash64a(key: &[u8], seed: u32) -> u64 {
    let mut h = u64::from(seed) ^ (key.len() as u64).wrapping_mul(M);

    let blocks = key.chunks_exact(8);
    let tail = blocks.remainder();
    for block in blocks {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(block);
        let mut k = u64::from_le_bytes(buf);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }

    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }

    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}
