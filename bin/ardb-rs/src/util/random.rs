//! A small, fast pseudo-random generator (xoshiro256**), seeded from the OS.
//!
//! Randomness here picks RANDOMKEY starting points and run ids; it needs to be unpredictable enough,
//! not cryptographic, so a dependency is not worth it.

use std::io::Read;

/// xoshiro256** state.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from `/dev/urandom`, falling back to the clock and pid.
    pub fn from_entropy() -> Self {
        let mut seed = [0u8; 32];
        let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut seed));
        if from_os.is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            seed[..8].copy_from_slice(&t.to_le_bytes());
            seed[8..12].copy_from_slice(&std::process::id().to_le_bytes());
        }
        Rng::from_seed(seed)
    }

    /// A generator with a fixed seed, for tests.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let mut s = [0u64; 4];
        for (i, chunk) in seed.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            s[i] = u64::from_le_bytes(b);
        }
        if s == [0; 4] {
            s[0] = 0x9e37_79b9_7f4a_7c15;
        }
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// 40 random lower-case hex digits, the form of Redis run ids and replication ids.
    pub fn hex_id(&mut self) -> String {
        let mut out = String::with_capacity(40);
        while out.len() < 40 {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(40);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_forty_hex_digits_and_differ() {
        let mut r = Rng::from_seed([7; 32]);
        let a = r.hex_id();
        let b = r.hex_id();
        assert_eq!(a.len(), 40);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
