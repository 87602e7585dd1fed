use std::io::ErrorKind;

use super::*;
use crate::test_util::{crc, id, TempDir, XorShift};

fn pattern(range: std::ops::Range<u64>) -> Vec<u8> {
    range.map(|o| (o * 7 + o / 251) as u8).collect()
}

/// A backlog with a few appends, wrapped once, then closed; returns its path.
fn make_file(dir: &TempDir, capacity: u64) -> PathBuf {
    let path = dir.path().join("backlog");
    let mut b = Backlog::create(&path, capacity, id(b'e'), 10, FlushPolicy::No)
        .unwrap_or_else(|e| panic!("create: {e}"));
    for len in [100, 57, 200, 33] {
        let end = b.end_offset();
        b.append(&pattern(end..end + len))
            .unwrap_or_else(|e| panic!("append: {e}"));
    }
    path
}

fn open(path: &Path) -> Result<Backlog, BacklogError> {
    Backlog::open(path, FlushPolicy::No)
}

fn rewrite(path: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = fs::read(path).unwrap_or_else(|e| panic!("read: {e}"));
    edit(&mut bytes);
    fs::write(path, bytes).unwrap_or_else(|e| panic!("write: {e}"));
}

/// Replaces the newest header with `edit(header)`, correctly checksummed.
fn reseal(path: &Path, edit: impl FnOnce(&mut Header)) {
    rewrite(path, |bytes| {
        let (mut h, mut slots) =
            header::load(&bytes[..HEADER_LEN]).unwrap_or_else(|e| panic!("load: {e}"));
        edit(&mut h);
        header::store(&mut slots, &mut bytes[..HEADER_LEN], &h)
            .unwrap_or_else(|e| panic!("store: {e}"));
    });
}

fn held(b: &Backlog) -> Vec<u8> {
    let (x, y) = b
        .read(b.start_offset(), usize::MAX)
        .unwrap_or_else(|| panic!("start not held"));
    [x, y].concat()
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let dir = TempDir::new("missing");
    let path = dir.path().join("nope");
    match open(&path) {
        Err(BacklogError::Io { path: p, source }) => {
            assert_eq!(p, path);
            assert_eq!(source.kind(), ErrorKind::NotFound);
        }
        other => panic!("expected Io, got {:?}", other.map(|b| b.end_offset())),
    }
}

#[test]
fn bad_magic_and_unsupported_version_are_reported() {
    let dir = TempDir::new("magic");
    let path = make_file(&dir, 256);
    reseal(&path, |_| {});
    rewrite(&path, |bytes| {
        bytes[0] ^= 0xff;
        bytes[2048] ^= 0xff;
    });
    assert!(matches!(open(&path), Err(BacklogError::BadMagic)));
    // A valid slot whose payload says version 2.
    let path = make_file(&dir, 256);
    rewrite(&path, |bytes| {
        let (h, mut slots) =
            header::load(&bytes[..HEADER_LEN]).unwrap_or_else(|e| panic!("load: {e}"));
        let mut payload = h.encode();
        payload[..4].copy_from_slice(&2u32.to_le_bytes());
        slots
            .store(&mut bytes[..HEADER_LEN], &payload)
            .unwrap_or_else(|e| panic!("store: {e}"));
    });
    assert!(matches!(
        open(&path),
        Err(BacklogError::UnsupportedVersion(2))
    ));
}

#[test]
fn a_truncated_or_extended_file_has_the_wrong_size() {
    let dir = TempDir::new("size");
    let path = make_file(&dir, 256);
    let full = HEADER_LEN as u64 + 256;
    for len in [full - 1, full + 1, 100, 0] {
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{e}"));
        file.set_len(len).unwrap_or_else(|e| panic!("{e}"));
        drop(file);
        let expected = if len < HEADER_LEN as u64 {
            HEADER_LEN as u64
        } else {
            full
        };
        match open(&path) {
            Err(BacklogError::WrongSize {
                expected: e,
                found: f,
            }) => assert_eq!((e, f), (expected, len)),
            other => panic!("len {len}: {:?}", other.map(|b| b.end_offset())),
        }
    }
}

#[test]
fn one_damaged_header_slot_falls_back_to_the_older_generation() {
    let dir = TempDir::new("slot");
    let path = dir.path().join("backlog");
    let mut b = Backlog::create(&path, 1000, id(b'1'), 0, FlushPolicy::No)
        .unwrap_or_else(|e| panic!("{e}"));
    b.append(&pattern(0..300)).unwrap_or_else(|e| panic!("{e}"));
    b.append(&pattern(300..400))
        .unwrap_or_else(|e| panic!("{e}"));
    // Generations: create 1 (slot 1), 2 (slot 0), 3 (slot 1).
    assert_eq!(b.slots.generation(), 3);
    drop(b);
    rewrite(&path, |bytes| bytes[2048 + 40] ^= 0x01);
    let b = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.start_offset(), b.end_offset()), (0, 300));
    assert_eq!(held(&b), pattern(0..300));
    assert_eq!(b.checksum_at_end(), crc(&pattern(0..300)));
    assert_eq!(b.slots.generation(), 2);
    drop(b);
    // Both damaged.
    rewrite(&path, |bytes| bytes[40] ^= 0x01);
    assert!(matches!(open(&path), Err(BacklogError::CorruptHeader)));
}

#[test]
fn impossible_offsets_are_rejected() {
    let dir = TempDir::new("offsets");
    let path = make_file(&dir, 256);
    reseal(&path, |h| {
        h.start = h.end + 1;
    });
    assert!(matches!(
        open(&path),
        Err(BacklogError::ImpossibleOffsets { capacity: 256, .. })
    ));
    let path = make_file(&dir, 256);
    reseal(&path, |h| h.start = h.end - 257);
    match open(&path) {
        Err(BacklogError::ImpossibleOffsets {
            start,
            end,
            capacity,
        }) => assert_eq!((end - start, capacity), (257, 256)),
        other => panic!("{:?}", other.map(|b| b.end_offset())),
    }
    let path = make_file(&dir, 256);
    reseal(&path, |h| h.capacity = 0);
    assert!(matches!(open(&path), Err(BacklogError::InvalidCapacity(0))));
}

#[test]
fn a_flipped_data_byte_is_a_checksum_mismatch() {
    let dir = TempDir::new("flip");
    let path = make_file(&dir, 256);
    let (start, end, crc_end) = {
        let b = open(&path).unwrap_or_else(|e| panic!("{e}"));
        (b.start_offset(), b.end_offset(), b.checksum_at_end())
    };
    assert!(end - start > 100);
    let at = HEADER_LEN + ((start + 50) % 256) as usize;
    rewrite(&path, |bytes| bytes[at] ^= 0x20);
    match open(&path) {
        Err(BacklogError::ChecksumMismatch { expected, found }) => {
            assert_eq!(expected, crc_end);
            assert_ne!(found, crc_end);
        }
        other => panic!("{:?}", other.map(|b| b.end_offset())),
    }
}

#[test]
fn a_file_in_use_is_locked() {
    let dir = TempDir::new("lock");
    let path = make_file(&dir, 256);
    let first = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(open(&path), Err(BacklogError::Locked { path: p }) if p == path));
    assert!(matches!(
        Backlog::create(&path, 256, id(b'f'), 0, FlushPolicy::No),
        Err(BacklogError::Locked { .. })
    ));
    let end = first.end_offset();
    drop(first);
    assert_eq!(open(&path).map(|b| b.end_offset()).ok(), Some(end));
}

#[test]
fn create_rejects_invalid_capacities_and_wipes_an_old_file() {
    let dir = TempDir::new("create");
    let path = make_file(&dir, 256);
    assert!(matches!(
        Backlog::create(&path, 0, id(b'f'), 0, FlushPolicy::No),
        Err(BacklogError::InvalidCapacity(0))
    ));
    assert!(matches!(
        Backlog::create(&path, u64::MAX, id(b'f'), 0, FlushPolicy::No),
        Err(BacklogError::InvalidCapacity(u64::MAX))
    ));
    let b =
        Backlog::create(&path, 64, id(b'f'), 9, FlushPolicy::No).unwrap_or_else(|e| panic!("{e}"));
    drop(b);
    let b = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (b.capacity(), b.replid(), b.start_offset(), b.end_offset()),
        (64, id(b'f'), 9, 9)
    );
    assert_eq!(fs::metadata(&path).map(|m| m.len()).ok(), Some(4096 + 64));
}

#[test]
fn resize_keeps_the_newest_bytes_and_the_checksum_chain() {
    let dir = TempDir::new("resize");
    let path = dir.path().join("backlog");
    let mut b = Backlog::create(&path, 1000, id(b'2'), 0, FlushPolicy::No)
        .unwrap_or_else(|e| panic!("{e}"));
    b.append(&pattern(0..2500))
        .unwrap_or_else(|e| panic!("{e}"));
    b.shift_replid(id(b'3')).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.start_offset(), b.end_offset()), (1500, 2500));
    // Bigger: everything held is kept, and the ring can now hold more.
    let mut b = b.resize(3000).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (b.capacity(), b.start_offset(), b.end_offset()),
        (3000, 1500, 2500)
    );
    assert_eq!(
        (b.replid(), b.replid2(), b.second_replid_offset()),
        (id(b'3'), id(b'2'), 2501)
    );
    assert_eq!(held(&b), pattern(1500..2500));
    assert_eq!(b.checksum_at(1500), Some(crc(&pattern(0..1500))));
    b.append(&pattern(2500..4000))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.start_offset(), b.end_offset()), (1500, 4000));
    // Smaller: the newest 700 bytes remain.
    let b = b.resize(700).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (b.capacity(), b.start_offset(), b.end_offset()),
        (700, 3300, 4000)
    );
    assert_eq!(held(&b), pattern(3300..4000));
    assert_eq!(b.checksum_at_end(), crc(&pattern(0..4000)));
    assert!(!dir.path().join("backlog.resize-tmp").exists());
    drop(b);
    let mut b = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (b.capacity(), b.start_offset(), b.end_offset()),
        (700, 3300, 4000)
    );
    assert_eq!(held(&b), pattern(3300..4000));
    // Shrinking past the retain mark is refused and leaves the file as it was.
    b.retain_from(3500);
    assert!(matches!(
        b.resize(100),
        Err(BacklogError::WouldOverwriteRetained {
            retain_from: 3500,
            needed_start: 3900
        })
    ));
    let b = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.capacity(), b.end_offset()), (700, 4000));
}

/// Random damage never makes `open` panic; whatever opens is self-consistent.
#[test]
fn open_survives_random_mutations_and_truncations() {
    let dir = TempDir::new("fuzz");
    let clean_path = make_file(&dir, 300);
    let clean = fs::read(&clean_path).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("mutant");
    let mut rng = XorShift(0x00c0_ffee);
    let (mut opened, mut refused) = (0, 0);
    for round in 0..600 {
        let mut bytes = clean.clone();
        match rng.below(4) {
            // Raw byte flips, mostly in the header.
            0 | 1 => {
                for _ in 0..1 + rng.below(4) {
                    let limit = if rng.below(4) == 0 {
                        bytes.len()
                    } else {
                        HEADER_LEN
                    };
                    let at = rng.below(limit as u64) as usize;
                    bytes[at] = rng.next() as u8;
                }
            }
            // Structured: a damaged payload with a valid slot checksum.
            2 => {
                let (h, mut slots) =
                    header::load(&bytes[..HEADER_LEN]).unwrap_or_else(|e| panic!("{e}"));
                let mut payload = h.encode().to_vec();
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(payload.len() as u64) as usize;
                    payload[at] = rng.next() as u8;
                }
                if rng.below(4) == 0 {
                    payload.truncate(rng.below(payload.len() as u64) as usize);
                }
                slots
                    .store(&mut bytes[..HEADER_LEN], &payload)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            // Truncated or extended.
            _ => {
                let len = rng.below(bytes.len() as u64 + 100) as usize;
                bytes.resize(len, rng.next() as u8);
            }
        }
        fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        match open(&path) {
            Ok(b) => {
                opened += 1;
                assert!(b.start_offset() <= b.end_offset(), "round {round}");
                assert!(b.histlen() <= b.capacity(), "round {round}");
                assert_eq!(
                    b.checksum_at(b.end_offset()),
                    Some(b.checksum_at_end()),
                    "round {round}"
                );
                assert_eq!(held(&b).len() as u64, b.histlen());
            }
            Err(_) => refused += 1,
        }
    }
    // Both outcomes occur: flips in unused header bytes are harmless, most damage is caught.
    assert!(
        opened > 0 && refused > 0,
        "opened {opened}, refused {refused}"
    );
}
