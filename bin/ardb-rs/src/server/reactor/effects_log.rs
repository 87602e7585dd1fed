//! The reactor's side of the durable effects log.
//!
//! Two rules make the backlog a redo log (docs/architecture.md, "The backlog is the redo log"):
//! - effects reach the backlog before any reply leaves, and before the sled batch that records
//!   their offset is submitted ([`Reactor::log_effects`] runs first in both paths);
//! - the ring never overwrites bytes the store has not made durable: the backlog refuses such an
//!   append, and the reactor then commits and flushes the store and retries.

use backlog_mmap::{BacklogError, FlushPolicy};

use super::Reactor;

/// A pending buffer grown past this by one huge command is not kept for reuse.
const PENDING_KEEP_CAPACITY: usize = 4 * 1024 * 1024;

impl Reactor {
    /// Appends the effects recorded since the last call to the backlog.
    pub(super) fn log_effects(&mut self) {
        if self.state.effects.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.state.effects.pending);
        let mut result = self.append_to_backlog(&pending);
        if let Err(BacklogError::WouldOverwriteRetained { .. }) = result {
            // One second of writes outgrew the ring: make the store durable so the ring may
            // overwrite what it now holds, then retry.
            if self.make_store_durable() {
                result = self.append_to_backlog(&pending);
            }
        }
        if let Err(e) = result {
            self.storage_failed(&format!("appending to the backlog failed: {e}"));
        }
        pending.clear();
        if pending.capacity() <= PENDING_KEEP_CAPACITY {
            self.state.effects.pending = pending;
        }
    }

    fn append_to_backlog(&mut self, bytes: &[u8]) -> Result<(), BacklogError> {
        match self.state.backlog.as_mut() {
            Some(backlog) => backlog.append(bytes).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Before a connection's replies leave: the effects they acknowledge are in the backlog, and
    /// with `repl-backlog-fsync always` on disk. In that mode the replies are held instead
    /// (`false`) and [`Reactor::release_synced_replies`] writes them after one msync at the end of
    /// the loop turn, so fifty clients cost one sync, not fifty (as Redis fsyncs in beforeSleep).
    pub(super) fn replies_may_leave(&mut self, index: usize) -> bool {
        self.log_effects();
        let Some(backlog) = self.state.backlog.as_mut() else {
            return true;
        };
        if backlog.policy() == FlushPolicy::Always && backlog.has_unsynced_writes() {
            if !self.awaiting_sync.contains(&index) {
                self.awaiting_sync.push(index);
            }
            return false;
        }
        if let Err(e) = backlog.sync_for_reply() {
            self.storage_failed(&format!("syncing the backlog failed: {e}"));
        }
        true
    }

    /// Syncs the backlog once and writes the replies held for it.
    pub(super) fn release_synced_replies(&mut self) {
        if self.awaiting_sync.is_empty() {
            return;
        }
        let synced = match self.state.backlog.as_mut() {
            Some(backlog) => backlog.sync(),
            None => Ok(()),
        };
        if let Err(e) = synced {
            self.storage_failed(&format!("syncing the backlog failed: {e}"));
        }
        for index in std::mem::take(&mut self.awaiting_sync) {
            self.flush(index);
        }
    }

    /// Commits the open group, waits until sled holds it, flushes sled, and lets the backlog
    /// overwrite everything before the offset now durable. `false` if the flush failed.
    pub(super) fn make_store_durable(&mut self) -> bool {
        self.submit_group();
        self.settle();
        if let Err(e) = self.store.flush() {
            log::error!("Flushing the store failed: {e}");
            return false;
        }
        let durable = self.store.applied_offset();
        if let Some(backlog) = self.state.backlog.as_mut() {
            backlog.retain_from(durable);
        }
        true
    }

    /// Applies a changed `repl-backlog-fsync` or `repl-backlog-size` (CONFIG SET) to the backlog.
    /// A smaller ring may drop bytes, so the store is made durable first.
    pub(super) fn adopt_backlog_config(&mut self) {
        let policy = self.state.config.repl_backlog_fsync;
        let capacity = self.state.config.backlog_capacity();
        let Some(backlog) = self.state.backlog.as_mut() else {
            return;
        };
        if backlog.policy() != policy {
            backlog.set_policy(policy);
        }
        if backlog.capacity() == capacity {
            return;
        }
        self.log_effects();
        if !self.make_store_durable() {
            return;
        }
        let Some(backlog) = self.state.backlog.take() else {
            return;
        };
        let path = crate::replication::recovery::backlog_path(&self.state.config);
        match backlog.resize(capacity) {
            Ok(resized) => self.state.backlog = Some(resized),
            Err(e) => {
                log::warn!("Resizing the backlog to {capacity} bytes failed: {e}");
                match backlog_mmap::Backlog::open(&path, policy) {
                    Ok(reopened) => self.state.backlog = Some(reopened),
                    Err(e) => self.storage_failed(&format!("reopening the backlog failed: {e}")),
                }
            }
        }
    }
}
