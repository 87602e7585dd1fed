//! Round trips, known vectors and corrupt-input handling for the LZF codec.

use lzf::{compress, decompress, LzfError};

/// A tiny deterministic generator so tests need no extra crates.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn round_trip(data: &[u8]) {
    match compress(data) {
        Some(packed) => {
            assert!(packed.len() < data.len());
            assert_eq!(decompress(&packed, data.len()).as_deref(), Ok(data));
        }
        None => assert!(
            data.len() < 16 || data.iter().collect::<std::collections::HashSet<_>>().len() > 200
        ),
    }
}

#[test]
fn known_vector_run_of_one_byte() {
    let data = [b'a'; 10];
    let packed = compress(&data);
    assert_eq!(packed.as_deref(), Some(&[0x00, b'a', 0xE0, 0x00, 0x00][..]));
    assert_eq!(
        decompress(&[0x00, b'a', 0xE0, 0x00, 0x00], 10),
        Ok(data.to_vec())
    );
}

#[test]
fn known_vector_short_backref() {
    // "abcabc": literal "abc" then a 3-byte reference 3 back (length field 1, offset 2).
    let stream = [0x02, b'a', b'b', b'c', 0x20, 0x02];
    assert_eq!(decompress(&stream, 6), Ok(b"abcabc".to_vec()));
    // Literal-only stream, as liblzf emits for incompressible data.
    assert_eq!(decompress(&[0x03, 1, 2, 3, 4], 4), Ok(vec![1, 2, 3, 4]));
}

#[test]
fn empty_and_tiny_inputs_are_not_compressed() {
    assert_eq!(compress(b""), None);
    assert_eq!(compress(b"a"), None);
    assert_eq!(compress(b"abcd"), None);
    assert_eq!(decompress(b"", 0), Ok(vec![]));
}

#[test]
fn round_trips_varied_data() {
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    // Repetitive text.
    round_trip(&b"The quick brown fox jumps over the lazy dog. ".repeat(100));
    // Long runs (exercise the 264-byte maximum match and overlapping copies).
    round_trip(&vec![0u8; 100_000]);
    round_trip(&[b'x'; 265]);
    // Data with matches further back than the 8 KiB window.
    let mut far: Vec<u8> = (0..9000).map(|_| (rng.next() & 0xff) as u8).collect();
    let head = far[..100].to_vec();
    far.extend_from_slice(&head);
    let _ = compress(&far).map(|p| assert_eq!(decompress(&p, far.len()), Ok(far.clone())));
    // Random data of many sizes and alphabets.
    for size in [5usize, 31, 32, 33, 64, 100, 1000, 4096, 70_000] {
        for alphabet in [2u64, 4, 16, 256] {
            let data: Vec<u8> = (0..size).map(|_| (rng.next() % alphabet) as u8).collect();
            if let Some(p) = compress(&data) {
                assert_eq!(
                    decompress(&p, data.len()),
                    Ok(data.clone()),
                    "size {size} alphabet {alphabet}"
                );
            } else {
                assert!(
                    alphabet > 4 || size < 100,
                    "size {size} alphabet {alphabet} did not compress"
                );
            }
        }
    }
}

#[test]
fn ratio_is_reasonable_on_text() {
    let text =
        b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n".repeat(50);
    let packed = compress(&text).unwrap_or_default();
    assert!(!packed.is_empty());
    assert!(
        packed.len() * 10 < text.len(),
        "{} vs {}",
        packed.len(),
        text.len()
    );
}

#[test]
fn corrupt_inputs_are_errors() {
    // Back-reference before the start of output.
    assert!(matches!(
        decompress(&[0x20, 0x00], 3),
        Err(LzfError::BadBackReference { .. })
    ));
    // Literal run longer than the input.
    assert_eq!(
        decompress(&[0x05, 1, 2], 6),
        Err(LzfError::Truncated { at: 0 })
    );
    // Back-reference missing its offset byte / extension byte.
    assert!(matches!(
        decompress(&[0x00, 1, 0x20], 4),
        Err(LzfError::Truncated { at: 2 })
    ));
    assert!(matches!(
        decompress(&[0x00, 1, 0xE0], 20),
        Err(LzfError::Truncated { at: 2 })
    ));
    // Output longer than announced.
    assert!(matches!(
        decompress(&[0x00, b'a', 0xE0, 0x00, 0x00], 5),
        Err(LzfError::OutputOverrun { .. })
    ));
    assert!(matches!(
        decompress(&[0x03, 1, 2, 3, 4], 2),
        Err(LzfError::OutputOverrun { .. })
    ));
    // Output shorter than announced.
    assert_eq!(
        decompress(&[0x00, b'a'], 2),
        Err(LzfError::LengthMismatch {
            expected_len: 2,
            produced: 1
        })
    );
    // Errors render a message naming the position.
    let msg = LzfError::Truncated { at: 7 }.to_string();
    assert!(msg.contains('7'));
}

#[test]
fn mutated_streams_never_panic() {
    let mut rng = XorShift(42);
    let data = b"hello hello hello world world world 0123456789 0123456789".repeat(20);
    let packed = compress(&data).unwrap_or_default();
    for _ in 0..20_000 {
        let mut m = packed.clone();
        let flips = 1 + rng.next() % 4;
        for _ in 0..flips {
            let idx = (rng.next() as usize) % m.len();
            m[idx] = (rng.next() & 0xff) as u8;
        }
        let cut = (rng.next() as usize) % (m.len() + 1);
        let _ = decompress(&m[..cut], data.len());
        let _ = decompress(&m, (rng.next() % 4096) as usize);
    }
}
