//! A guard against sled 0.34.7's write deadlock (spacejam/sled#1412).
//!
//! When the log reaches a segment whose file space is being truncated, sled's writer waits, while
//! holding the segment accountant's lock, for a truncation task queued on sled's IO thread pool;
//! if every pool thread is itself waiting for that lock, nothing ever runs the task. sled adds a
//! pool thread only when more than seven tasks are queued. The watchdog notices a sled write (or
//! flush) that has been stuck for a second and queues a few harmless flush tasks: the queue passes
//! the threshold, sled starts a new thread, which takes the oldest task — the truncation — and the
//! writer goes on. Observed in ardb-rs's test suite about once in several thousand group commits
//! under flush-heavy loads; each rescue is logged.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a sled call may take before the watchdog steps in.
const STUCK_AFTER: Duration = Duration::from_secs(1);
/// How often the watchdog looks.
const CHECK_EVERY: Duration = Duration::from_millis(250);
/// Flush tasks queued per rescue: enough to pass sled's spawn threshold of seven queued tasks.
const NUDGE_TASKS: usize = 10;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Tracks when the current sled write started (0: none in progress).
#[derive(Clone, Default)]
pub struct Watchdog {
    busy_since_ms: Arc<AtomicU64>,
    /// The database to rescue; emptied by [`Watchdog::stop`] so the thread never keeps sled open
    /// (and its directory locked) after the store is dropped.
    db: Arc<Mutex<Option<sled::Db>>>,
}

/// Marks a sled write in progress until dropped.
pub struct Busy<'a>(&'a Watchdog);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy_since_ms.store(0, Ordering::Release);
    }
}

impl Watchdog {
    /// Marks the start of a sled write or flush; the returned guard marks its end.
    pub fn busy(&self) -> Busy<'_> {
        self.busy_since_ms.store(now_ms().max(1), Ordering::Release);
        Busy(self)
    }

    /// Starts the watching thread for `db`; it ends after [`Watchdog::stop`].
    pub fn start(&self, db: sled::Db) {
        if let Ok(mut slot) = self.db.lock() {
            *slot = Some(db);
        }
        let busy = Arc::clone(&self.busy_since_ms);
        let slot = Arc::clone(&self.db);
        let spawned = std::thread::Builder::new()
            .name("sled-watchdog".into())
            .spawn(move || watch(&busy, &slot));
        if let Err(e) = spawned {
            log::warn!("Could not start the sled watchdog thread: {e}");
        }
    }

    /// Releases the database and ends the thread (when the store is dropped).
    pub fn stop(&self) {
        if let Ok(mut slot) = self.db.lock() {
            *slot = None;
        }
    }
}

fn watch(busy: &AtomicU64, slot: &Mutex<Option<sled::Db>>) {
    let mut rescued_episode = 0u64;
    // Kept alive until the next rescue so the queued tasks' result slots stay valid.
    let mut pending: Vec<std::pin::Pin<Box<dyn Future<Output = sled::Result<usize>> + Send>>> =
        Vec::new();
    loop {
        std::thread::sleep(CHECK_EVERY);
        if slot.lock().map_or(true, |s| s.is_none()) {
            return;
        }
        let since = busy.load(Ordering::Acquire);
        if since == 0 || since == rescued_episode {
            continue;
        }
        if now_ms().saturating_sub(since) < STUCK_AFTER.as_millis() as u64 {
            continue;
        }
        rescued_episode = since;
        log::warn!(
            "A sled write has been stuck for over {STUCK_AFTER:?} (sled#1412); queueing flush tasks \
             so sled's IO pool grows and runs its pending file truncation"
        );
        pending.clear();
        let Some(db) = slot.lock().ok().and_then(|s| s.clone()) else {
            return;
        };
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        for _ in 0..NUDGE_TASKS {
            let db = db.clone();
            let mut task: std::pin::Pin<Box<dyn Future<Output = sled::Result<usize>> + Send>> =
                Box::pin(async move { db.flush_async().await });
            // The first poll queues sled's flush task; the result does not matter.
            if task.as_mut().poll(&mut cx).is_pending() {
                pending.push(task);
            }
        }
    }
}
