//! Support library for the end-to-end tests: start the built `ardb-rs` binary
//! and a real `redis-server` side by side ([`ServerProcess`]), talk to them
//! with a byte-exact client ([`RawClient`]), and run the differential case
//! files ([`cases`], [`diff`]) that compare both servers reply by reply. The replication
//! interop tests add whole-keyspace dumps ([`dataset`]), replica helpers ([`replication`]) and
//! typed replies ([`reply`]), workloads ([`workload`]), the result table ([`matrix`]) and the
//! scenario plumbing both interop directions share ([`scenario`]).
//!
//! Every helper returns `std::io::Result` with a message that says what is
//! missing (binary, port, process output), so a test can fail with a clear
//! reason instead of skipping.

pub mod cases;
pub mod client;
pub mod dataset;
pub mod diff;
pub mod fixtures;
pub mod matrix;
pub mod process;
pub mod redis_versions;
pub mod replication;
pub mod reply;
pub mod scenario;
pub mod sync_replica;
pub mod workload;

use std::net::TcpListener;
use std::path::PathBuf;

pub use cases::{parse_cases, Action, Case, Compare, Step};
pub use client::{encode_command, RawClient};
pub use diff::{escape, run_case, run_case_traced, CaseOutcome, Mismatch};
pub use process::{ServerKind, ServerProcess};

/// A TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads
/// the port the OS chose and releases it.
pub fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    drop(listener);
    Ok(port)
}

/// Polls `check` every 20 ms until it returns true or `limit` has passed; returns its last
/// answer. For conditions a server reaches asynchronously (a replica coming up, a link dropped).
pub fn eventually(limit: std::time::Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    check()
}

/// The cargo workspace root (the parent of this crate's directory).
pub fn workspace_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match manifest.parent() {
        Some(parent) => parent.to_path_buf(),
        None => manifest,
    }
}

/// The directory holding the `*.case` files of the differential test.
pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cases")
}
