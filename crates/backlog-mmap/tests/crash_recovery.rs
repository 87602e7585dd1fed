//! Kills an appending process with SIGKILL at random moments and checks that the backlog file
//! always reopens to a consistent prefix of the stream.
//!
//! The test re-runs its own executable as the child (selected by an environment variable and a
//! test-name filter). The child appends records whose bytes are a function of their offset to
//! a 64 KiB ring, so it wraps constantly, and prints `END <offset>` after each append. The
//! parent kills it after a few to ~100 ms, reopens the file and checks: it opens, it ends at or
//! after the last printed offset, every held byte is the pattern's byte for its offset, and the
//! running checksum at the previous round's end (if still held) is what it was then.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backlog_mmap::{Backlog, FlushPolicy, ReplId};

const CHILD_ENV: &str = "BACKLOG_MMAP_CRASH_CHILD";
const CHILD_TEST: &str = "child_appends_until_killed";
const CAPACITY: u64 = 64 * 1024;
const ROUNDS: usize = 30;

/// The stream byte at `offset`.
fn byte_at(offset: u64) -> u8 {
    (offset.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as u8
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

fn replid() -> ReplId {
    ReplId::parse(b"c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00").unwrap_or(ReplId::ZERO)
}

/// Runs only as the child: appends until killed (or for 10 s at most, should the parent die).
#[test]
fn child_appends_until_killed() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut backlog = Backlog::open(&PathBuf::from(path), FlushPolicy::No)
        .unwrap_or_else(|e| panic!("child open: {e}"));
    let mut rng = XorShift(backlog.end_offset() ^ u64::from(std::process::id()) | 1);
    let mut out = std::io::stdout().lock();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let end = backlog.end_offset();
        // Mostly small records; now and then one longer than the whole ring.
        let len = match rng.below(50) {
            0 => CAPACITY + rng.below(CAPACITY),
            1..=9 => 1 + rng.below(16 * 1024),
            _ => 1 + rng.below(600),
        };
        let record: Vec<u8> = (end..end + len).map(byte_at).collect();
        let range = backlog
            .append(&record)
            .unwrap_or_else(|e| panic!("child append: {e}"));
        assert_eq!(range, end..end + len);
        writeln!(out, "END {}", range.end)
            .and_then(|()| out.flush())
            .unwrap_or_else(|e| panic!("child stdout: {e}"));
    }
}

#[test]
fn killed_appender_always_leaves_a_consistent_backlog() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("backlog-mmap-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("backlog");
    drop(
        Backlog::create(&path, CAPACITY, replid(), 0, FlushPolicy::No)
            .unwrap_or_else(|e| panic!("create: {e}")),
    );
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let seed = started.elapsed().as_nanos() as u64 ^ 0x5eed_5eed_5eed_5eed;
    let mut rng = XorShift(seed | 1);
    // (end offset, checksum there) after the previous round.
    let mut previous: (u64, u64) = (0, 0);
    let mut rounds_with_progress = 0;
    let mut wrapped_rounds = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("no child stdout"));
        let reader = std::thread::spawn(move || {
            let mut last = None;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(end) = line.strip_prefix("END ") {
                    last = end.parse::<u64>().ok();
                }
            }
            last
        });
        std::thread::sleep(Duration::from_millis(3 + rng.below(98)));
        match child.kill() {
            Ok(()) => {}
            // Already exited: only possible if it failed, which `wait` reports.
            Err(e) if e.kind() == ErrorKind::InvalidInput => {}
            Err(e) => panic!("kill: {e}"),
        }
        let status = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
        assert!(!status.success(), "round {round}: child exited on its own");
        let last_printed = reader.join().unwrap_or_else(|_| panic!("reader panicked"));

        let backlog = Backlog::open(&path, FlushPolicy::No)
            .unwrap_or_else(|e| panic!("round {round}: open after kill: {e}"));
        let (start, end) = (backlog.start_offset(), backlog.end_offset());
        assert!(
            end >= last_printed.unwrap_or(0),
            "round {round}: end {end} < printed {last_printed:?}"
        );
        assert!(end >= previous.0, "round {round}: end went backwards");
        assert!(end - start <= CAPACITY);
        let (a, b) = backlog
            .read(start, usize::MAX)
            .unwrap_or_else(|| panic!("round {round}: start not held"));
        assert_eq!((a.len() + b.len()) as u64, end - start);
        for (offset, &byte) in (start..end).zip(a.iter().chain(b)) {
            assert_eq!(byte, byte_at(offset), "round {round}: byte at {offset}");
        }
        assert_eq!(backlog.checksum_at(end), Some(backlog.checksum_at_end()));
        if backlog.holds(previous.0) {
            assert_eq!(
                backlog.checksum_at(previous.0),
                Some(previous.1),
                "round {round}: checksum chain broken at {}",
                previous.0
            );
        }
        if end > previous.0 {
            rounds_with_progress += 1;
        }
        if end >= previous.0 + CAPACITY {
            wrapped_rounds += 1;
        }
        previous = (end, backlog.checksum_at_end());
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "crash test: {ROUNDS} kills, {rounds_with_progress} with progress, {wrapped_rounds} \
         wrapped the ring, final offset {}, {:.1} s",
        previous.0,
        started.elapsed().as_secs_f64()
    );
    assert!(
        rounds_with_progress >= ROUNDS / 3,
        "too few rounds appended anything"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
