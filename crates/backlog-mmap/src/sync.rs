//! The background syncer behind [`FlushPolicy::EverySec`](crate::FlushPolicy::EverySec): a
//! thread owning a clone of the backlog's file that fdatasyncs it on request, so the thread
//! answering clients never waits for the disk.

use std::fs::File;
use std::io;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often `EverySec` asks for a sync.
const INTERVAL: Duration = Duration::from_secs(1);

/// Spawned on the first request; stopped and joined on drop.
#[derive(Default)]
pub(crate) struct Syncer {
    worker: Option<Worker>,
    last_request: Option<Instant>,
}

struct Worker {
    /// Capacity 1: a request queued but not yet taken will run after every byte already
    /// written, so a second one adds nothing and is dropped.
    requests: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The last error the thread met, reported by the next request.
    failure: Arc<Mutex<Option<io::Error>>>,
}

impl Syncer {
    /// Asks for an fdatasync if a second has passed since the last request; never blocks on
    /// the disk. Reports a failure of an earlier background sync.
    pub(crate) fn request_if_due(&mut self, file: &File) -> io::Result<()> {
        if let Some(worker) = &self.worker {
            let failed = worker
                .failure
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take();
            if let Some(e) = failed {
                return Err(e);
            }
        }
        if self.last_request.is_some_and(|t| t.elapsed() < INTERVAL) {
            return Ok(());
        }
        let worker = match &mut self.worker {
            Some(worker) => worker,
            none => none.insert(Worker::spawn(file.try_clone()?)?),
        };
        if let Some(requests) = &worker.requests {
            match requests.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    self.worker = None;
                    return Err(io::Error::other("backlog sync thread stopped"));
                }
            }
        }
        self.last_request = Some(Instant::now());
        Ok(())
    }

    /// Whether the background thread is running (for tests).
    #[cfg(test)]
    pub(crate) fn running(&self) -> bool {
        self.worker.is_some()
    }
}

impl Worker {
    fn spawn(file: File) -> io::Result<Worker> {
        let (requests, inbox) = sync_channel::<()>(1);
        let failure = Arc::new(Mutex::new(None));
        let report = Arc::clone(&failure);
        let thread = std::thread::Builder::new()
            .name("backlog-sync".into())
            .spawn(move || {
                // Ends when the sender is dropped.
                while inbox.recv().is_ok() {
                    if let Err(e) = file.sync_data() {
                        *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    }
                }
            })?;
        Ok(Worker {
            requests: Some(requests),
            thread: Some(thread),
            failure,
        })
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop after any sync in progress.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
