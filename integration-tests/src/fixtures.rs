//! One-line starters for tests: they panic with the reason (and the server's output) instead of
//! returning errors, because a test that cannot start its servers has failed.

use crate::{RawClient, ServerProcess};

const NO_ARGS: &[&str] = &[];

/// A fresh ardb-rs on a free port and a temporary data directory.
pub fn start_ardb() -> ServerProcess {
    match ServerProcess::ardb_rs(NO_ARGS) {
        Ok(s) => s,
        Err(e) => panic!("cannot start ardb-rs: {e}"),
    }
}

/// A fresh redis-server on a free port, persistence off.
pub fn start_redis() -> ServerProcess {
    match ServerProcess::redis(NO_ARGS) {
        Ok(s) => s,
        Err(e) => panic!("cannot start redis-server: {e}"),
    }
}

/// A connected client of `server`.
pub fn client(server: &ServerProcess) -> RawClient {
    match server.client() {
        Ok(c) => c,
        Err(e) => panic!("cannot connect: {e}\n{}", server.stderr_tail()),
    }
}
