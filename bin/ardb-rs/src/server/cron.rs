//! The periodic `hz` job: active expiry and sweeping in bounded slices, idle-client timeouts.

use std::time::{Duration, Instant};

use storage_sled::{Store, Txn};

use crate::command::dispatch::record_effects;
use crate::server::state::ServerState;

/// Keys examined per expiry transaction.
const EXPIRE_BATCH: usize = 64;
/// Records the sweeper may delete per tick.
const SWEEP_BUDGET: usize = 2048;

/// Runs one cron tick inside the open group transaction; returns the ids of clients idle past
/// `timeout` that must be closed.
pub fn run(store: &Store, txn: &mut Txn, state: &mut ServerState, now_ms: u64) -> Vec<u64> {
    // A BGSAVE needs expired keys kept until it has written them.
    if state.active_expire_enabled && !state.snapshot_running() && !state.replica.is_replica() {
        active_expire(txn, state, now_ms);
    }
    if let Err(e) = store.sweep(SWEEP_BUDGET) {
        log::error!("Sweeping dropped data failed: {e}");
    }
    sample_ops(state, now_ms);
    idle_clients(state, now_ms)
}

/// Updates INFO's instantaneous_ops_per_sec about once a second.
fn sample_ops(state: &mut ServerState, now_ms: u64) {
    let (at, commands) = state.ops_sample;
    let elapsed = now_ms.saturating_sub(at);
    if elapsed >= 1000 {
        let done = state.stats.commands_processed.saturating_sub(commands);
        state.ops_per_sec = done * 1000 / elapsed;
        state.ops_sample = (now_ms, state.stats.commands_processed);
    }
}

/// Removes expired keys, at most a quarter of a cron period's worth of time, propagating a DEL for
/// each as Redis's active expire cycle does.
pub fn active_expire(txn: &mut Txn, state: &mut ServerState, now_ms: u64) {
    let budget = Duration::from_millis(250 / state.config.hz.max(1));
    let started = Instant::now();
    txn.set_now(now_ms);
    loop {
        let savepoint = txn.savepoint();
        let seen = match txn.expire_due(EXPIRE_BATCH) {
            Ok(n) => n,
            Err(e) => {
                txn.rollback_to(savepoint);
                log::error!("Active expiry failed: {e}");
                return;
            }
        };
        txn.release(savepoint);
        record_effects(txn, state, false, Vec::new());
        if seen < EXPIRE_BATCH || started.elapsed() >= budget {
            return;
        }
    }
}

fn idle_clients(state: &ServerState, now_ms: u64) -> Vec<u64> {
    let timeout_ms = state.config.timeout.saturating_mul(1000);
    if timeout_ms == 0 {
        return Vec::new();
    }
    state
        .clients
        .values()
        .filter(|c| now_ms.saturating_sub(c.last_interaction_ms) > timeout_ms)
        // A blocked client waits on its own timeout, as in Redis; replicas have repl-timeout.
        .filter(|c| !state.blocked.is_parked(c.id) && !c.replica)
        .map(|c| c.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::command::testing::TestServer;

    #[test]
    fn active_expiry_deletes_due_keys_and_propagates_del() {
        let mut t = TestServer::new();
        assert_eq!(t.reply(&["SET", "a", "1", "PX", "100"]), "+OK\r\n");
        assert_eq!(t.reply(&["SET", "b", "1"]), "+OK\r\n");
        let before = t.state.effects.offset;
        let mut txn = t.store.begin(t.now_ms);
        super::active_expire(&mut txn, &mut t.state, t.now_ms + 100);
        assert!(crate::command::dispatch::commit(txn, &t.state).is_ok());
        assert_eq!(t.store.counts(0).keys, 1);
        assert_eq!(t.state.stats.expired_keys, 1);
        assert!(t.state.effects.offset > before);
    }
}
