//! Helpers shared by the integration tests: a scratch directory and a tiny random generator.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use repl_state::{NodeState, PeerKind, Role, StateError};

/// A fresh directory under the system temp dir, removed on drop.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(name: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "repl-state-test-{}-{name}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        ScratchDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn file(&self) -> PathBuf {
        self.0.join("repl-state")
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// xorshift64: enough randomness for damage patterns and kill timings.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// A replica state with every field set to something other than its default.
pub fn replica(offset: i64) -> NodeState {
    NodeState {
        role: Role::Replica,
        master_host: "master.example".to_owned(),
        master_port: 6380,
        master_kind: PeerKind::Ardb,
        master_replid: Some("a".repeat(40)),
        master_offset: offset,
        stream_db: Some(3),
        full_sync_in_progress: false,
    }
}

pub fn ok<T>(result: Result<T, StateError>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}
