//! Behaviour of the state file on disk: persistence, torn writes, damage, locking.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use common::{ok, replica, ScratchDir, XorShift};
use dual_slot::DualSlot;
use repl_state::{
    NodeState, PeerKind, ReplStateFile, Role, StateError, FILE_SIZE, MAGIC, SLOT_SIZE,
};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{e}"))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

/// Overwrites `bytes` at `at` without changing the file's length.
fn patch(path: &Path, at: u64, bytes: &[u8]) {
    let mut file = OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{e}"));
    file.seek(SeekFrom::Start(at))
        .and_then(|_| file.write_all(bytes))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Stores `payload` as the next generation with a valid checksum, as a buggy or future writer
/// would.
fn store_raw(path: &Path, payload: &[u8]) {
    let mut bytes = read(path);
    let mut slots = DualSlot::new(MAGIC, SLOT_SIZE);
    slots.load(&bytes).unwrap_or_else(|e| panic!("{e}"));
    slots
        .store(&mut bytes, payload)
        .unwrap_or_else(|e| panic!("{e}"));
    write(path, &bytes);
}

/// The payload of the newest slot.
fn newest_payload(path: &Path) -> Vec<u8> {
    let bytes = read(path);
    let mut slots = DualSlot::new(MAGIC, SLOT_SIZE);
    slots
        .load(&bytes)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_vec()
}

#[test]
fn every_field_survives_a_reopen() {
    let dir = ScratchDir::new("roundtrip");
    let states = [
        NodeState::default(),
        replica(-1),
        NodeState {
            role: Role::Replica,
            master_host: "h".repeat(255),
            master_port: u16::MAX,
            master_kind: PeerKind::Redis,
            master_replid: Some("0123456789abcdefABCDEF012345678901234567".to_owned()),
            master_offset: i64::MAX,
            stream_db: Some(u32::MAX),
            full_sync_in_progress: true,
        },
        NodeState {
            master_replid: Some("f".repeat(40)),
            master_offset: 0,
            stream_db: Some(0),
            ..NodeState::default()
        },
    ];
    for state in states {
        let file = ok(ReplStateFile::create(&dir.file(), &state));
        assert_eq!(file.state(), &state);
        assert_eq!(file.generation(), 1);
        drop(file);
        assert_eq!(read(&dir.file()).len(), FILE_SIZE);
        let file = ok(ReplStateFile::open(&dir.file()));
        assert_eq!(file.state(), &state);
        assert_eq!(file.path(), dir.file());
    }
}

#[test]
fn updates_alternate_slots_and_the_latest_is_reopened() {
    let dir = ScratchDir::new("updates");
    let mut file = ok(ReplStateFile::create(&dir.file(), &NodeState::default()));
    for offset in 0..10i64 {
        ok(file.update(replica(offset)));
        assert_eq!(file.generation(), offset as u64 + 2);
        assert_eq!(file.state().master_offset, offset);
    }
    ok(file.sync());
    ok(file.update_durable(replica(100)));
    assert_eq!(file.generation(), 12);
    drop(file);

    // Generation 12 sits in slot 0, generation 11 in slot 1.
    let bytes = read(&dir.file());
    assert_eq!(&bytes[..8], &MAGIC);
    assert_eq!(&bytes[8..16], &12u64.to_le_bytes());
    assert_eq!(&bytes[SLOT_SIZE..SLOT_SIZE + 8], &MAGIC);
    assert_eq!(&bytes[SLOT_SIZE + 8..SLOT_SIZE + 16], &11u64.to_le_bytes());

    let mut file = ok(ReplStateFile::open(&dir.file()));
    assert_eq!(file.state(), &replica(100));
    assert_eq!(file.generation(), 12);
    // Updates after a reopen continue the generations and leave the previous one intact.
    ok(file.update(replica(101)));
    assert_eq!(file.generation(), 13);
    drop(file);
    let bytes = read(&dir.file());
    assert_eq!(&bytes[SLOT_SIZE + 8..SLOT_SIZE + 16], &13u64.to_le_bytes());
    assert_eq!(&bytes[8..16], &12u64.to_le_bytes());
    assert_eq!(ok(ReplStateFile::open(&dir.file())).state(), &replica(101));
}

#[test]
fn a_torn_newest_slot_falls_back_to_the_previous_state() {
    let dir = ScratchDir::new("torn");
    let mut file = ok(ReplStateFile::create(&dir.file(), &replica(10)));
    ok(file.update(replica(20)));
    drop(file);
    // Generation 2 (offset 20) is in slot 0. Tear it at several places: magic, generation,
    // length, payload, checksum.
    let clean = read(&dir.file());
    for at in [0usize, 9, 17, 20, 30, 60, 81, 90, 100] {
        let mut bytes = clean.clone();
        bytes[at] ^= 0x40;
        write(&dir.file(), &bytes);
        let mut file = ok(ReplStateFile::open(&dir.file()));
        assert_eq!(file.state(), &replica(10), "damage at byte {at}");
        assert_eq!(file.generation(), 1);
        // The next update overwrites the torn slot, not the surviving one.
        ok(file.update(replica(30)));
        drop(file);
        assert_eq!(ok(ReplStateFile::open(&dir.file())).state(), &replica(30));
    }
}

#[test]
fn both_slots_damaged_is_corrupt() {
    let dir = ScratchDir::new("corrupt");
    let mut file = ok(ReplStateFile::create(&dir.file(), &replica(1)));
    ok(file.update(replica(2)));
    drop(file);
    patch(&dir.file(), 25, &[0xee]);
    patch(&dir.file(), SLOT_SIZE as u64 + 25, &[0xee]);
    assert!(matches!(
        ReplStateFile::open(&dir.file()),
        Err(StateError::Corrupt)
    ));
}

#[test]
fn foreign_content_is_bad_magic() {
    let dir = ScratchDir::new("magic");
    write(&dir.file(), &[0u8; FILE_SIZE]);
    assert!(matches!(
        ReplStateFile::open(&dir.file()),
        Err(StateError::BadMagic)
    ));
    let mut file = ok(ReplStateFile::create(&dir.file(), &replica(1)));
    ok(file.update(replica(2)));
    drop(file);
    patch(&dir.file(), 0, b"NOTSTATE");
    patch(&dir.file(), SLOT_SIZE as u64, b"NOTSTATE");
    assert!(matches!(
        ReplStateFile::open(&dir.file()),
        Err(StateError::BadMagic)
    ));
}

#[test]
fn a_truncated_or_grown_file_is_the_wrong_size() {
    let dir = ScratchDir::new("size");
    drop(ok(ReplStateFile::create(&dir.file(), &replica(1))));
    let bytes = read(&dir.file());
    for len in [0usize, 100, SLOT_SIZE, FILE_SIZE - 1, FILE_SIZE + 1] {
        let mut changed = bytes.clone();
        changed.resize(len, 0);
        write(&dir.file(), &changed);
        match ReplStateFile::open(&dir.file()) {
            Err(StateError::WrongSize { expected, found }) => {
                assert_eq!(expected, FILE_SIZE as u64);
                assert_eq!(found, len as u64);
            }
            other => panic!("length {len}: {other:?}"),
        }
    }
}

#[test]
fn an_unknown_format_version_is_reported() {
    let dir = ScratchDir::new("version");
    drop(ok(ReplStateFile::create(&dir.file(), &replica(1))));
    let mut payload = newest_payload(&dir.file());
    payload[..4].copy_from_slice(&7u32.to_le_bytes());
    store_raw(&dir.file(), &payload);
    assert!(matches!(
        ReplStateFile::open(&dir.file()),
        Err(StateError::UnsupportedVersion(7))
    ));
}

#[test]
fn an_invalid_field_is_refused_on_open_and_on_update() {
    let dir = ScratchDir::new("invalid");
    let mut file = ok(ReplStateFile::create(&dir.file(), &replica(5)));
    let bad_replid = NodeState {
        master_replid: Some("xyz".to_owned()),
        ..replica(6)
    };
    assert!(matches!(
        file.update(bad_replid),
        Err(StateError::Invalid("master_replid"))
    ));
    let long_host = NodeState {
        master_host: "h".repeat(256),
        ..replica(6)
    };
    assert!(matches!(
        file.update_durable(long_host.clone()),
        Err(StateError::Invalid("master_host"))
    ));
    // Nothing was written: same state, same generation, in memory and on disk.
    assert_eq!(file.state(), &replica(5));
    assert_eq!(file.generation(), 1);
    drop(file);
    assert_eq!(ok(ReplStateFile::open(&dir.file())).state(), &replica(5));
    assert!(matches!(
        ReplStateFile::create(&dir.file(), &long_host),
        Err(StateError::Invalid("master_host"))
    ));
    assert_eq!(ok(ReplStateFile::open(&dir.file())).state(), &replica(5));

    // A checksummed payload with a replica port of 0.
    let mut payload = newest_payload(&dir.file());
    payload[7..9].copy_from_slice(&0u16.to_le_bytes());
    store_raw(&dir.file(), &payload);
    assert!(matches!(
        ReplStateFile::open(&dir.file()),
        Err(StateError::Invalid("master_port"))
    ));
}

#[test]
fn a_second_handle_is_locked_out_until_the_first_is_dropped() {
    let dir = ScratchDir::new("locked");
    let first = ok(ReplStateFile::create(&dir.file(), &replica(1)));
    assert!(matches!(
        ReplStateFile::open(&dir.file()),
        Err(StateError::Locked)
    ));
    assert!(matches!(
        ReplStateFile::create(&dir.file(), &NodeState::default()),
        Err(StateError::Locked)
    ));
    assert!(matches!(
        ReplStateFile::open_or_create(&dir.file()),
        Err(StateError::Locked)
    ));
    // The refused create did not clobber the file.
    assert_eq!(first.state(), &replica(1));
    drop(first);
    assert_eq!(ok(ReplStateFile::open(&dir.file())).state(), &replica(1));
}

#[test]
fn open_of_a_missing_file_is_an_io_error() {
    let dir = ScratchDir::new("missing");
    match ReplStateFile::open(&dir.file()) {
        Err(StateError::Io { path, source }) => {
            assert_eq!(path, dir.file());
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    let error = ReplStateFile::open(&dir.path().join("no/such/dir"))
        .err()
        .unwrap_or_else(|| panic!("opened a missing file"));
    assert!(error.to_string().contains("no/such/dir"), "{error}");
    assert!(!error.is_damage());
}

#[test]
fn open_or_create_starts_over_on_missing_or_damaged_files() {
    let dir = ScratchDir::new("open-or-create");
    // Missing: a default state, no problem, and a real file left behind.
    let (mut file, problem) = ok(ReplStateFile::open_or_create(&dir.file()));
    assert!(problem.is_none());
    assert_eq!(file.state(), &NodeState::default());
    ok(file.update(replica(9)));
    drop(file);

    // Intact: its state, no problem.
    let (file, problem) = ok(ReplStateFile::open_or_create(&dir.file()));
    assert!(problem.is_none());
    assert_eq!(file.state(), &replica(9));
    drop(file);

    // Damaged in each way: a default state and the problem.
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 4] = [
        ("wrong size", |p| write(p, b"short")),
        ("bad magic", |p| write(p, &[7u8; FILE_SIZE])),
        ("corrupt", |p| {
            patch(p, 30, &[1]);
            patch(p, SLOT_SIZE as u64 + 30, &[1]);
        }),
        ("unsupported version", |p| {
            let mut payload = newest_payload(p);
            payload[0] = 99;
            store_raw(p, &payload);
        }),
    ];
    for (name, damage) in damages {
        let (mut file, _) = ok(ReplStateFile::open_or_create(&dir.file()));
        ok(file.update(replica(1)));
        ok(file.update(replica(2)));
        drop(file);
        damage(&dir.file());
        let (file, problem) = ok(ReplStateFile::open_or_create(&dir.file()));
        assert_eq!(file.state(), &NodeState::default(), "{name}");
        let problem = problem.unwrap_or_else(|| panic!("{name}: no problem reported"));
        assert!(problem.is_damage(), "{name}: {problem}");
        let matches_name = match name {
            "wrong size" => matches!(problem, StateError::WrongSize { found: 5, .. }),
            "bad magic" => matches!(problem, StateError::BadMagic),
            "corrupt" => matches!(problem, StateError::Corrupt),
            _ => matches!(problem, StateError::UnsupportedVersion(99)),
        };
        assert!(matches_name, "{name}: {problem:?}");
        drop(file);
        // The recreated file is whole again.
        assert_eq!(read(&dir.file()).len(), FILE_SIZE);
        assert_eq!(
            ok(ReplStateFile::open(&dir.file())).state(),
            &NodeState::default()
        );
    }
}

#[test]
fn random_damage_never_panics() {
    let dir = ScratchDir::new("fuzz");
    let mut file = ok(ReplStateFile::create(&dir.file(), &replica(1)));
    ok(file.update(replica(2)));
    drop(file);
    let clean = read(&dir.file());
    let payload = newest_payload(&dir.file());
    let mut rng = XorShift::new(0x2545_f491_4f6c_dd1d);
    let mut outcomes = [0usize; 2];
    for round in 0..600 {
        let mut bytes = clean.clone();
        match rng.below(4) {
            0 => {
                // Flip bytes in the slot headers and payloads.
                for _ in 0..1 + rng.below(6) {
                    let slot = rng.below(2) as usize * SLOT_SIZE;
                    let at = slot + rng.below(120) as usize;
                    bytes[at] = rng.next() as u8;
                }
            }
            1 => {
                // Truncate or extend.
                let len = rng.below(FILE_SIZE as u64 + 64) as usize;
                bytes.resize(len, rng.next() as u8);
            }
            2 => {
                // Anywhere at all.
                for _ in 0..1 + rng.below(20) {
                    let at = rng.below(FILE_SIZE as u64) as usize;
                    bytes[at] = rng.next() as u8;
                }
            }
            _ => {
                // A mutated payload under a valid checksum, to reach the field decoder.
                let mut mutated = payload.clone();
                let len = rng.below(mutated.len() as u64 + 4) as usize;
                mutated.resize(len, 0);
                for _ in 0..rng.below(4) {
                    if !mutated.is_empty() {
                        let at = rng.below(mutated.len() as u64) as usize;
                        mutated[at] = rng.next() as u8;
                    }
                }
                let mut slots = DualSlot::new(MAGIC, SLOT_SIZE);
                slots.load(&bytes).unwrap_or_else(|e| panic!("{e}"));
                slots
                    .store(&mut bytes, &mutated)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        write(&dir.file(), &bytes);
        match ReplStateFile::open(&dir.file()) {
            Ok(file) => {
                outcomes[0] += 1;
                assert!(file.state().validate().is_ok(), "round {round}");
            }
            Err(error) if error.is_damage() => outcomes[1] += 1,
            Err(error) => panic!("round {round}: unexpected {error}"),
        }
        match ReplStateFile::open_or_create(&dir.file()) {
            Ok((file, _)) => assert!(file.state().validate().is_ok()),
            Err(error) => panic!("round {round}: open_or_create failed: {error}"),
        }
    }
    // Both outcomes were exercised.
    assert!(outcomes[0] > 50 && outcomes[1] > 50, "{outcomes:?}");
}
