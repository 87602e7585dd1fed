//! `kill -9` at random moments during a stream of updates: the reopened state is always one
//! the killed process wrote, and never older than the last one it reported as written.
//!
//! The test re-executes its own binary as the writer: with `REPL_STATE_CRASH_WRITER` set to a
//! file path, `crash_writer` (run alone through the test-name filter) updates that file in a
//! tight loop and prints every offset once `update` has returned.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{ok, replica, ScratchDir, XorShift};
use repl_state::{NodeState, ReplStateFile};

const WRITER_ENV: &str = "REPL_STATE_CRASH_WRITER";
const KILLS: usize = 20;

/// The state written for `offset`: every field derives from it, so a state mixing two writes
/// would be caught.
fn state_for(offset: i64) -> NodeState {
    NodeState {
        master_host: format!("host-{offset}"),
        master_port: 1 + (offset % 60_000) as u16,
        stream_db: Some((offset % 16) as u32),
        full_sync_in_progress: offset % 2 == 0,
        ..replica(offset)
    }
}

/// The writer half. Without the environment variable (a normal test run) it does nothing.
#[test]
fn crash_writer() {
    let Some(path) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let mut file = ok(ReplStateFile::open(Path::new(&path)));
    let mut offset = file.state().master_offset;
    let mut out = std::io::stdout().lock();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Bounded in case the parent dies without killing us.
    while Instant::now() < deadline {
        offset += 1;
        ok(file.update(state_for(offset)));
        writeln!(out, "written {offset}")
            .and_then(|_| out.flush())
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn kill_9_never_loses_a_reported_update() {
    if std::env::var_os(WRITER_ENV).is_some() {
        return;
    }
    let dir = ScratchDir::new("crash");
    drop(ok(ReplStateFile::create(&dir.file(), &state_for(0))));
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut rng = XorShift::new(seed);
    let started = Instant::now();
    let mut last_reported = 0i64;

    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args(["crash_writer", "--exact", "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, dir.file())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("no stdout pipe"));
        // A reader thread collects the reported offsets and signals the first one.
        let (first_tx, first_rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut reported = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(offset) = line.strip_prefix("written ") {
                    let offset: i64 = offset.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
                    if reported.is_empty() {
                        let _ = first_tx.send(());
                    }
                    reported.push(offset);
                }
            }
            reported
        });
        // Kill at a random moment once the writer is busy.
        if first_rx.recv_timeout(Duration::from_secs(10)).is_err() {
            let _ = child.kill();
            panic!("round {round}: the writer never reported an update");
        }
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        child.kill().unwrap_or_else(|e| panic!("{e}"));
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(!status.success(), "round {round}: writer exited by itself");
        let reported = reader.join().unwrap_or_else(|_| panic!("reader panicked"));
        let last = *reported
            .last()
            .unwrap_or_else(|| panic!("round {round}: nothing reported"));
        // Offsets continue where the previous writer stopped, one by one.
        assert!(reported[0] > last_reported, "round {round}: {reported:?}");
        assert!(reported.windows(2).all(|w| w[1] == w[0] + 1));

        let file = ok(ReplStateFile::open(&dir.file()));
        let offset = file.state().master_offset;
        // Killed after reporting `last`, or after writing `last + 1` but before reporting it.
        assert!(
            offset == last || offset == last + 1,
            "round {round} (seed {seed}): reopened offset {offset}, last reported {last}"
        );
        assert_eq!(
            file.state(),
            &state_for(offset),
            "round {round} (seed {seed})"
        );
        last_reported = offset;
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}
