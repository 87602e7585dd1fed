use super::*;
use crate::test_util::{crc, id, TempDir, XorShift};

/// The stream byte at `offset` in these tests.
fn byte_at(offset: u64) -> u8 {
    (offset.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as u8
}

fn stream(range: Range<u64>) -> Vec<u8> {
    range.map(byte_at).collect()
}

fn create(dir: &TempDir, capacity: u64, offset: u64) -> Backlog {
    Backlog::create(
        &dir.path().join("backlog"),
        capacity,
        id(b'a'),
        offset,
        FlushPolicy::No,
    )
    .unwrap_or_else(|e| panic!("create: {e}"))
}

fn append_stream(backlog: &mut Backlog, len: u64) -> Range<u64> {
    let end = backlog.end_offset();
    backlog
        .append(&stream(end..end + len))
        .unwrap_or_else(|e| panic!("append: {e}"))
}

fn held(backlog: &Backlog) -> Vec<u8> {
    let (a, b) = backlog
        .read(backlog.start_offset(), usize::MAX)
        .unwrap_or_else(|| panic!("start not held"));
    [a, b].concat()
}

#[test]
fn append_and_read_across_the_wrap_point() {
    let dir = TempDir::new("wrap");
    let mut b = create(&dir, 100, 0);
    assert_eq!(append_stream(&mut b, 60), 0..60);
    assert_eq!(append_stream(&mut b, 30), 60..90);
    assert_eq!((b.start_offset(), b.end_offset()), (0, 90));
    // 30 more need start >= 20; the trim step (a quarter of this tiny ring, 25) moves it to 45.
    assert_eq!(append_stream(&mut b, 30), 90..120);
    assert_eq!(
        (b.start_offset(), b.end_offset(), b.histlen()),
        (45, 120, 75)
    );
    assert_eq!(b.first_byte_offset(), 46);
    let (first, second) = b.read(45, 1000).unwrap_or_else(|| panic!("not held"));
    assert_eq!((first.len(), second.len()), (55, 20));
    assert_eq!([first, second].concat(), stream(45..120));
    // A read starting after the wrap is one slice; max_len is respected.
    let (first, second) = b.read(101, 5).unwrap_or_else(|| panic!("not held"));
    assert_eq!((first, second), (&stream(101..106)[..], &[][..]));
    let (first, second) = b.read(98, 4).unwrap_or_else(|| panic!("not held"));
    assert_eq!([first, second].concat(), stream(98..102));
    assert_eq!(second.len(), 2);
}

#[test]
fn trimming_keeps_a_consistent_suffix_and_long_appends_keep_their_tail() {
    let dir = TempDir::new("trim");
    let mut b = create(&dir, 1000, 0);
    let mut rng = XorShift(7);
    for _ in 0..500 {
        append_stream(&mut b, 1 + rng.below(300));
        assert!(b.histlen() <= 1000);
        assert_eq!(held(&b), stream(b.start_offset()..b.end_offset()));
        assert_eq!(b.checksum_at_end(), crc(&stream(0..b.end_offset())));
    }
    // Longer than the ring: only the last `capacity` bytes stay, the CRC covers all.
    let range = append_stream(&mut b, 2500);
    assert_eq!(range.end - range.start, 2500);
    assert_eq!(b.start_offset(), b.end_offset() - 1000);
    assert_eq!(held(&b), stream(b.start_offset()..b.end_offset()));
    assert_eq!(b.checksum_at_end(), crc(&stream(0..b.end_offset())));
    assert_eq!(
        b.checksum_at(b.start_offset()),
        Some(crc(&stream(0..b.start_offset())))
    );
    assert_eq!(b.append(&[]).ok(), Some(b.end_offset()..b.end_offset()));
}

#[test]
fn the_retain_mark_refuses_appends_that_would_trim_it_and_changes_nothing() {
    let dir = TempDir::new("retain");
    let mut b = create(&dir, 100, 0);
    append_stream(&mut b, 100);
    b.retain_from(5);
    let before = (
        b.start_offset(),
        b.end_offset(),
        b.checksum_at_end(),
        held(&b),
    );
    match b.append(&stream(100..110)) {
        Err(BacklogError::WouldOverwriteRetained {
            retain_from,
            needed_start,
        }) => assert_eq!((retain_from, needed_start), (5, 10)),
        other => panic!("expected WouldOverwriteRetained, got {other:?}"),
    }
    assert_eq!(
        (
            b.start_offset(),
            b.end_offset(),
            b.checksum_at_end(),
            held(&b)
        ),
        before
    );
    // A later mark allows the append; the trim step stops at the mark (30), short of 10 + 25.
    b.retain_from(30);
    assert_eq!(append_stream(&mut b, 10), 100..110);
    assert_eq!(b.start_offset(), 30);
    assert_eq!(held(&b), stream(30..110));
    // Exactly up to the mark is allowed.
    assert_eq!(append_stream(&mut b, 20), 110..130);
    assert_eq!(b.start_offset(), 30);
    assert!(matches!(
        b.append(&[0]),
        Err(BacklogError::WouldOverwriteRetained {
            retain_from: 30,
            needed_start: 31
        })
    ));
}

#[test]
fn holds_is_inclusive_at_both_ends() {
    let dir = TempDir::new("holds");
    let mut b = create(&dir, 64, 1000);
    assert!(b.holds(1000));
    assert!(!b.holds(999) && !b.holds(1001));
    assert_eq!(b.read(1000, 10), Some((&[][..], &[][..])));
    append_stream(&mut b, 100);
    let (start, end) = (b.start_offset(), b.end_offset());
    assert_eq!(end, 1100);
    assert!(b.holds(start) && b.holds(end) && b.holds(end - 1));
    assert!(!b.holds(start - 1) && !b.holds(end + 1));
    assert_eq!(b.read(start - 1, 1), None);
    assert_eq!(b.read(end + 1, 1), None);
    assert_eq!(b.checksum_at(end + 1), None);
}

#[test]
fn checksum_at_matches_an_independent_crc_of_the_history() {
    let dir = TempDir::new("crc");
    // The history begins at 5000: the running CRC covers the bytes since then.
    let mut b = create(&dir, 256, 5000);
    let mut rng = XorShift(99);
    for _ in 0..40 {
        append_stream(&mut b, 1 + rng.below(40));
    }
    assert!(b.start_offset() > 5000);
    for offset in b.start_offset()..=b.end_offset() {
        assert_eq!(
            b.checksum_at(offset),
            Some(crc(&stream(5000..offset))),
            "{offset}"
        );
    }
    assert_eq!(b.checksum_at_end(), crc(&stream(5000..b.end_offset())));
}

#[test]
fn reset_starts_an_empty_history() {
    let dir = TempDir::new("reset");
    let mut b = create(&dir, 128, 0);
    append_stream(&mut b, 300);
    b.shift_replid(id(b'c')).unwrap_or_else(|e| panic!("{e}"));
    b.retain_from(250);
    b.reset(id(b'b'), 7000).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.start_offset(), b.end_offset()), (7000, 7000));
    assert_eq!((b.replid(), b.replid2()), (id(b'b'), ReplId::ZERO));
    assert_eq!(b.second_replid_offset(), -1);
    assert_eq!(b.checksum_at_end(), 0);
    assert!(!b.holds(300));
    // The retain mark was lifted: the new history can wrap freely.
    b.append(&[1u8; 300]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.checksum_at_end(), crc(&[1u8; 300]));
    assert_eq!(b.end_offset(), 7300);
}

#[test]
fn shift_replid_keeps_the_old_id_for_psync_up_to_end_plus_one() {
    let dir = TempDir::new("shift");
    let mut b = create(&dir, 128, 0);
    append_stream(&mut b, 123);
    b.shift_replid(id(b'd')).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.replid(), b.replid2()), (id(b'd'), id(b'a')));
    assert_eq!(b.second_replid_offset(), 124);
    assert_eq!((b.start_offset(), b.end_offset()), (0, 123));
    assert_eq!(held(&b), stream(0..123));
    drop(b);
    let b = Backlog::open(&dir.path().join("backlog"), FlushPolicy::No)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.replid(), b.replid2()), (id(b'd'), id(b'a')));
    assert_eq!(b.second_replid_offset(), 124);
}

#[test]
fn reopening_after_drop_gives_the_same_state_and_data() {
    let dir = TempDir::new("reopen");
    let mut b = create(&dir, 500, 42);
    let mut rng = XorShift(3);
    for _ in 0..30 {
        append_stream(&mut b, 1 + rng.below(100));
    }
    let state = (
        b.capacity(),
        b.replid(),
        b.start_offset(),
        b.end_offset(),
        b.checksum_at_end(),
        held(&b),
    );
    drop(b);
    let b = Backlog::open(&dir.path().join("backlog"), FlushPolicy::Always)
        .unwrap_or_else(|e| panic!("{e}"));
    let reopened = (
        b.capacity(),
        b.replid(),
        b.start_offset(),
        b.end_offset(),
        b.checksum_at_end(),
        held(&b),
    );
    assert_eq!(reopened, state);
    assert_eq!(b.policy(), FlushPolicy::Always);
}

#[test]
fn sync_for_reply_follows_the_policy() {
    let dir = TempDir::new("policy");
    let mut b = create(&dir, 4096, 0);
    append_stream(&mut b, 5000);
    b.sync_for_reply().unwrap_or_else(|e| panic!("{e}"));
    assert!(b.dirty_from.is_some() && b.header_dirty && !b.syncer_running());
    b.set_policy(FlushPolicy::EverySec);
    b.sync_for_reply().unwrap_or_else(|e| panic!("{e}"));
    assert!(b.syncer_running());
    assert!(b.dirty_from.is_some());
    b.set_policy(FlushPolicy::Always);
    b.sync_for_reply().unwrap_or_else(|e| panic!("{e}"));
    assert!(b.dirty_from.is_none() && !b.header_dirty);
    append_stream(&mut b, 10);
    b.sync().unwrap_or_else(|e| panic!("{e}"));
    assert!(b.dirty_from.is_none() && !b.header_dirty);
    // Dropping stops and joins the background thread.
    drop(b);
}

#[test]
fn random_appends_match_a_model_of_the_stream() {
    let dir = TempDir::new("model");
    let mut b = create(&dir, 777, 0);
    let mut rng = XorShift(0x1234_5678);
    let mut expected_end = 0;
    for round in 0..2000 {
        let len = match rng.below(10) {
            0 => 700 + rng.below(200),
            1..=3 => rng.below(8),
            _ => rng.below(120),
        };
        if rng.below(50) == 0 {
            b.retain_from(b.end_offset().saturating_sub(rng.below(700)));
        } else if rng.below(50) == 0 {
            b.retain_from(u64::MAX);
        }
        let (start, end) = (b.start_offset(), b.end_offset());
        match b.append(&stream(end..end + len)) {
            Ok(range) => {
                assert_eq!(range, end..end + len);
                // Start only moves up to the retain mark.
                assert!(b.start_offset() == start || b.start_offset() <= b.retain_from);
                expected_end += len;
            }
            Err(BacklogError::WouldOverwriteRetained { needed_start, .. }) => {
                assert!(needed_start > b.retain_from);
                assert_eq!(b.end_offset(), end);
            }
            Err(e) => panic!("round {round}: {e}"),
        }
        assert_eq!(b.end_offset(), expected_end);
        assert!(b.histlen() <= 777);
        assert_eq!(held(&b), stream(b.start_offset()..b.end_offset()));
        assert_eq!(b.checksum_at_end(), crc(&stream(0..b.end_offset())));
    }
}

#[test]
fn a_backlog_can_move_between_threads_and_debug_shows_its_offsets() {
    fn assert_send<T: Send>() {}
    assert_send::<Backlog>();
    let dir = TempDir::new("debug");
    let mut b = create(&dir, 64, 10);
    append_stream(&mut b, 5);
    let text = format!("{b:?}");
    assert!(
        text.contains("start: 10") && text.contains("end: 15"),
        "{text}"
    );
}
