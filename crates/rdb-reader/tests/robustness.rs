//! Corrupt, truncated and oddly delivered input: never a panic, errors instead.

mod common;

use std::io::Read;

use common::{fixture, read_all};
use rdb_reader::{parse_dump, RdbError, Reader};

/// Deterministic pseudo-random numbers without extra crates.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const RDB_FIXTURES: &[&str] = &[
    "redis-2.8.rdb",
    "redis-3.2.rdb",
    "redis-5.0.rdb",
    "redis-6.2.rdb",
    "redis-7.0.rdb",
    "redis-7.0-lfu.rdb",
];

fn dump_fixtures() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("dump-") {
                out.push(std::fs::read(e.path()).unwrap_or_default());
            }
        }
    }
    out
}

/// Replaces a DUMP payload's CRC with the correct one, so mutations reach the decoders.
fn reseal_dump(p: &mut [u8]) {
    if p.len() >= 10 {
        let n = p.len() - 8;
        let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&p[..n]);
        p[n..].copy_from_slice(&crc.to_le_bytes());
    }
}

#[test]
fn every_truncation_of_every_fixture_is_an_error() {
    for name in RDB_FIXTURES {
        let data = fixture(name);
        assert!(read_all(&data).is_ok(), "{name} must parse whole");
        for cut in 0..data.len() {
            assert!(
                read_all(&data[..cut]).is_err(),
                "{name} cut at {cut} parsed"
            );
        }
    }
    for d in dump_fixtures() {
        for cut in 0..d.len() {
            let _ = parse_dump(&d[..cut]);
            let mut t = d[..cut].to_vec();
            reseal_dump(&mut t);
            let _ = parse_dump(&t);
        }
    }
}

#[test]
fn thousands_of_mutations_never_panic() {
    let mut rng = XorShift(0x5eed_1234_abcd_ef01);
    let mut errors = 0usize;
    for name in RDB_FIXTURES {
        let data = fixture(name);
        for _ in 0..3000 {
            let mut m = data.clone();
            for _ in 0..1 + rng.next() % 4 {
                let i = (rng.next() as usize) % m.len();
                m[i] = match rng.next() % 4 {
                    0 => m[i] ^ (1 << (rng.next() % 8)),
                    1 => 0xFF,
                    2 => 0x80 | (rng.next() as u8 & 0x3f),
                    _ => rng.next() as u8,
                };
            }
            if read_all(&m).is_err() {
                errors += 1;
            }
        }
    }
    assert!(errors > 0);
    let dumps = dump_fixtures();
    assert!(!dumps.is_empty());
    for d in &dumps {
        for _ in 0..1000 {
            let mut m = d.clone();
            let body = m.len().saturating_sub(10).max(1);
            for _ in 0..1 + rng.next() % 3 {
                let i = (rng.next() as usize) % body;
                m[i] = rng.next() as u8;
            }
            reseal_dump(&mut m);
            let _ = parse_dump(&m);
        }
    }
}

/// A reader that hands out one byte per call, to cross every buffer boundary.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

/// A reader that fails after some bytes.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("link dropped"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn byte_at_a_time_and_io_errors() {
    let data = fixture("redis-7.0.rdb");
    let whole = read_all(&data).map(|p| p.entries.len()).ok();
    let mut r = match Reader::new(Trickle(&data)) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let mut n = 0;
    for item in r.by_ref() {
        match item {
            Ok(rdb_reader::Item::Entry(_)) => n += 1,
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(Some(n), whole);
    assert!(r.checksum().is_some());

    let mut r = match Reader::new(Failing(&data[..500])) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let err = loop {
        match r.next_entry() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("should fail"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, RdbError::Io { offset: 500, .. }), "{err}");
    assert!(err.to_string().contains("link dropped"));
}

#[test]
fn bytes_after_the_rdb_are_handed_back() {
    let mut data = fixture("redis-7.0.rdb");
    data.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let mut r = match Reader::new(&data[..]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    while let Ok(Some(_)) = r.next_entry() {}
    assert!(r.checksum().is_some());
    let (mut rest_of_input, buffered) = r.into_inner();
    let mut tail = buffered;
    let _ = rest_of_input.read_to_end(&mut tail);
    assert_eq!(tail, b"*1\r\n$4\r\nPING\r\n");
}
