//! A damaged backlog or replication state file never stops the server or costs data: it starts,
//! logs what it found, keeps everything sled holds, and begins a new replication history (a new
//! `master_replid` at the same offset, so replicas resynchronize once).

use std::path::{Path, PathBuf};

use integration_tests::ServerProcess;

const KEYS: usize = 200;

fn start() -> ServerProcess {
    ServerProcess::ardb_rs(&["--repl-backlog-size", "1mb"]).unwrap_or_else(|e| panic!("{e}"))
}

/// Writes a data set and stops the server cleanly; returns (replid, offset) before the damage.
fn write_and_stop(server: &mut ServerProcess) -> (String, String) {
    let mut c = server.client().unwrap_or_else(|e| panic!("{e}"));
    for i in 0..KEYS {
        assert_eq!(integer(&c.cmd_str(&["INCR", &format!("k{i}")])), 1);
        assert_eq!(
            integer(&c.cmd_str(&["RPUSH", "list", &format!("v{i}")])),
            i as i64 + 1
        );
    }
    let ids = (
        c.info_field("replication", "master_replid"),
        c.info_field("replication", "master_repl_offset"),
    );
    assert!(
        ids.1.parse::<u64>().unwrap_or(0) > 0,
        "writes advance the offset"
    );
    server.shutdown().unwrap_or_else(|e| panic!("{e}"));
    ids
}

fn integer(reply: &str) -> i64 {
    reply
        .trim_end()
        .trim_start_matches(':')
        .parse()
        .unwrap_or_else(|_| panic!("not an integer: {reply:?}"))
}

fn repl_file(server: &ServerProcess, name: &str) -> PathBuf {
    server.dir().join("repl").join(name)
}

/// Restarts after `damage` and checks: serving, data intact, a new history at the same offset,
/// and a log line naming the problem.
fn survives(damage: impl FnOnce(&Path), file: &str, expect_new_history: bool) {
    let mut server = start();
    let (replid, offset) = write_and_stop(&mut server);
    damage(&repl_file(&server, file));
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let mut c = server.client().unwrap_or_else(|e| panic!("{e}"));
    for i in 0..KEYS {
        assert_eq!(c.cmd_str(&["GET", &format!("k{i}")]), "$1\r\n1\r\n", "k{i}");
    }
    assert_eq!(integer(&c.cmd_str(&["LLEN", "list"])), KEYS as i64);
    assert_eq!(c.info_field("replication", "master_repl_offset"), offset);
    let new_replid = c.info_field("replication", "master_replid");
    if expect_new_history {
        assert_ne!(new_replid, replid, "a damaged backlog starts a new history");
    } else {
        assert_eq!(new_replid, replid, "the backlog was intact");
    }
    assert_eq!(c.info_field("replication", "role"), "master");
    // Writes go on, into the new history.
    assert_eq!(c.cmd_str(&["SET", "after", "1"]), "+OK\r\n");
    let log = server.stderr_tail();
    assert!(
        log.contains("cannot continue") || log.contains("unusable"),
        "the damage is logged: {log}"
    );
}

fn rewrite(path: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    change(&mut bytes);
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[test]
fn garbage_backlog() {
    survives(
        |p| {
            rewrite(p, |b| {
                let mut x = 0x9e37_79b9_7f4a_7c15_u64;
                for byte in b.iter_mut() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *byte = x as u8;
                }
            })
        },
        "backlog",
        true,
    );
}

#[test]
fn truncated_backlog() {
    survives(|p| rewrite(p, |b| b.truncate(b.len() / 2)), "backlog", true);
}

#[test]
fn empty_backlog() {
    survives(|p| rewrite(p, Vec::clear), "backlog", true);
}

#[test]
fn flipped_bit_in_the_backlog_data() {
    // The ring starts after the 4 KiB header; the history begins at its first byte.
    survives(|p| rewrite(p, |b| b[4096 + 100] ^= 0x10), "backlog", true);
}

#[test]
fn both_backlog_header_slots_damaged() {
    survives(
        |p| {
            rewrite(p, |b| {
                b[100] ^= 0xff;
                b[2048 + 100] ^= 0xff;
            })
        },
        "backlog",
        true,
    );
}

#[test]
fn garbage_state_file_keeps_the_history() {
    survives(
        |p| rewrite(p, |b| b.iter_mut().for_each(|x| *x = 0xA5)),
        "state",
        false,
    );
}

#[test]
fn truncated_state_file_keeps_the_history() {
    survives(|p| rewrite(p, |b| b.truncate(10)), "state", false);
}
