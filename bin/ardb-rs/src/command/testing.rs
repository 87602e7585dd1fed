//! A command-level test harness: a temporary store, one client, a settable clock, and replies and
//! effects rendered as text so assertions read like a redis-cli session.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use storage_sled::{Options, Store};

use crate::command::dispatch::{commit, execute};
use crate::config::Config;
use crate::server::client::ClientInfo;
use crate::server::state::ServerState;

/// A store and server state in a temporary directory, removed on drop.
pub struct TestServer {
    dir: std::path::PathBuf,
    /// The store commands run against.
    pub store: Store,
    /// The server state.
    pub state: ServerState,
    /// The clock commands see, Unix milliseconds.
    pub now_ms: u64,
    client_id: u64,
}

/// What one command produced.
#[derive(Debug)]
pub struct Ran {
    /// The raw reply bytes.
    pub reply: String,
    /// The effects, each rendered as space-separated arguments with its db (`0: SET k v`).
    pub effects: Vec<String>,
}

impl TestServer {
    /// A fresh server whose clock reads 1,000,000,000,000 ms.
    pub fn new() -> TestServer {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("ardb-rs-cmdtest-{}-{}", std::process::id(), n));
        let _ = std::fs::remove_dir_all(&dir);
        let store = match Store::open(Options::new(&dir)) {
            Ok(s) => s,
            Err(e) => panic!("cannot open test store: {e}"),
        };
        let now_ms = 1_000_000_000_000;
        let mut state = ServerState::new(Config::default(), None, now_ms);
        let addr = SocketAddr::from(([127, 0, 0, 1], 5555));
        state
            .clients
            .insert(1, ClientInfo::new(1, addr, addr, 7, now_ms, true));
        state.next_client_id = 2;
        TestServer {
            dir,
            store,
            state,
            now_ms,
            client_id: 1,
        }
    }

    /// Runs one command and returns its reply and effects.
    pub fn run(&mut self, args: &[&str]) -> Ran {
        let args: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        self.run_bytes(&args)
    }

    /// Runs one command given as raw byte arguments.
    pub fn run_bytes(&mut self, args: &[Bytes]) -> Ran {
        let mut out = BytesMut::new();
        let mut txn = self.store.begin(self.now_ms);
        let outcome = execute(
            &mut txn,
            &mut self.state,
            self.client_id,
            args,
            &mut out,
            self.now_ms,
        );
        if let Err(e) = commit(txn, &self.state) {
            panic!("commit failed: {e}");
        }
        Ran {
            reply: String::from_utf8_lossy(&out).into_owned(),
            effects: outcome
                .effects
                .iter()
                .map(|e| {
                    let args: Vec<String> = e
                        .args
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect();
                    format!("{}: {}", e.db, args.join(" "))
                })
                .collect(),
        }
    }

    /// Runs a command and returns only its reply.
    pub fn reply(&mut self, args: &[&str]) -> String {
        self.run(args).reply
    }

    /// Runs a command and returns only its effects.
    pub fn effects(&mut self, args: &[&str]) -> Vec<String> {
        self.run(args).effects
    }
}

impl Default for TestServer {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The WRONGTYPE error line, as replies carry it.
pub const WRONGTYPE: &str =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// A RESP2 bulk string.
pub fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

/// The bulk strings of a reply made only of aggregates and bulk strings, in order.
pub fn bulks(reply: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = reply.split("\r\n");
    while let Some(line) = lines.next() {
        if line.starts_with('$') && line != "$-1" {
            match lines.next() {
                Some(v) => out.push(v.to_string()),
                None => panic!("truncated reply {reply}"),
            }
        }
    }
    out
}
