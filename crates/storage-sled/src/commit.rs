//! Prepared commits and the committer thread that applies them.
//!
//! Applying a batch is most of a write's cost in sled (tree descent, delta linking, consolidation). The
//! server's reactor prepares a group's batch — in-memory effects happen at once — and hands it to
//! [`Committer`], which applies it on its own thread while the reactor goes on serving. Only one batch
//! is ever in flight and the next transaction reads through it ([`crate::Store::begin_after`]), so
//! nothing the server acknowledged becomes invisible, and sled never sees two writers at once.

use std::collections::btree_map;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use sled::IVec;

use crate::error::{Result, StoreError};
use crate::layout;
use crate::store::Store;

/// The records of a prepared commit, shared with the transactions that read through it.
pub type Layer = Arc<BTreeMap<Vec<u8>, Option<IVec>>>;

/// A transaction's writes, ready to be applied to sled as one atomic batch.
pub struct PreparedCommit {
    pub(crate) store: Store,
    pub(crate) records: Layer,
    pub(crate) system: Vec<(&'static [u8], Vec<u8>)>,
    pub(crate) counters: Vec<(Vec<u8>, Vec<u8>)>,
}

impl PreparedCommit {
    /// The records, for later transactions to read through until the batch is applied.
    pub fn layer(&self) -> Layer {
        Arc::clone(&self.records)
    }

    /// Applies the batch to sled atomically. On failure the record cache forgets the keys the batch
    /// wrote, since what sled holds for them is now uncertain.
    pub fn apply(&self) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (k, v) in self.records.iter() {
            match v {
                Some(v) => batch.insert(k.as_slice(), v.clone()),
                None => batch.remove(k.as_slice()),
            }
        }
        for (k, v) in &self.counters {
            batch.insert(k.as_slice(), v.as_slice());
        }
        for (k, v) in &self.system {
            batch.insert(*k, v.as_slice());
        }
        let applied = {
            let _busy = self.store.busy();
            self.store.db().apply_batch(batch)
        };
        if let Err(e) = applied {
            let mut cache = self.store.cache();
            for (k, _) in self
                .records
                .range(vec![layout::META]..vec![layout::META + 1])
            {
                cache.remove(k);
            }
            return Err(e.into());
        }
        Ok(())
    }
}

/// Applies prepared commits on a background thread, one at a time, in order.
///
/// ```
/// # fn main() -> Result<(), storage_sled::StoreError> {
/// use storage_sled::{Committer, Meta, Options, Store};
/// let dir = std::env::temp_dir().join(format!("storage-sled-committer-doc-{}", std::process::id()));
/// let store = Store::open(Options::new(&dir))?;
/// let mut committer = Committer::start()?;
///
/// let mut txn = store.begin(0);
/// txn.put(0, b"k", Meta::string("v".into()))?;
/// let layer = committer.submit(txn.prepare(Some(1.into())))?;
/// // The next transaction sees the write even before it reaches sled.
/// assert!(store.begin_after(0, layer).get(0, b"k")?.is_some());
/// committer.wait()?;
/// assert!(store.begin(0).get(0, b"k")?.is_some());
/// # drop(committer); drop(store); let _ = std::fs::remove_dir_all(&dir);
/// # Ok(()) }
/// ```
pub struct Committer {
    jobs: Option<Sender<Arc<PreparedCommit>>>,
    results: Receiver<Result<()>>,
    in_flight: Option<Arc<PreparedCommit>>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// Starts the committer thread.
    pub fn start() -> Result<Committer> {
        let (jobs, job_rx) = mpsc::channel::<Arc<PreparedCommit>>();
        let (result_tx, results) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("ardb-commit".into())
            .spawn(move || {
                for job in job_rx {
                    if result_tx.send(job.apply()).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| StoreError::Sled(sled::Error::Io(e)))?;
        Ok(Committer {
            jobs: Some(jobs),
            results,
            in_flight: None,
            thread: Some(thread),
        })
    }

    /// A committer without a thread: [`Committer::submit`] applies each batch before returning. The
    /// right choice when the machine has no core to spare for applying batches (the thread would
    /// steal time from the thread that serves clients).
    pub fn inline() -> Committer {
        let (_, results) = mpsc::channel();
        Committer {
            jobs: None,
            results,
            in_flight: None,
            thread: None,
        }
    }

    /// Waits until the batch in flight, if any, is applied; returns its result.
    pub fn wait(&mut self) -> Result<()> {
        if self.in_flight.take().is_none() {
            return Ok(());
        }
        match self.results.recv() {
            Ok(result) => result,
            Err(_) => Err(StoreError::Sled(sled::Error::ReportableBug(
                "the committer thread stopped".into(),
            ))),
        }
    }

    /// Waits for the batch in flight, then hands `prepared` to the committer thread. Returns the layer
    /// the next transaction must read through (`None` when there was nothing to write). An error is
    /// the previous batch's failure.
    pub fn submit(&mut self, prepared: Option<PreparedCommit>) -> Result<Option<Layer>> {
        let previous = self.wait();
        let Some(prepared) = prepared else {
            previous?;
            return Ok(None);
        };
        let prepared = Arc::new(prepared);
        let layer = prepared.layer();
        match &self.jobs {
            Some(jobs) if jobs.send(Arc::clone(&prepared)).is_ok() => {
                self.in_flight = Some(prepared)
            }
            _ => prepared.apply()?,
        }
        previous?;
        Ok(Some(layer))
    }

    /// The records of the batch in flight, for a new transaction's base layer.
    pub fn in_flight_layer(&self) -> Option<Layer> {
        self.in_flight.as_ref().map(|p| p.layer())
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        let _ = self.wait();
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One record of an in-memory layer: a sled key and its value (`None` = deleted).
type Record<'a> = (&'a Vec<u8>, &'a Option<IVec>);

/// A layer's records in a range, in either direction.
type LayerIter<'a> = std::iter::Peekable<Box<dyn Iterator<Item = Record<'a>> + 'a>>;

/// Iterates two in-memory layers of records as one, the upper layer shadowing the lower.
pub(crate) struct MemoryLayers<'a> {
    upper: LayerIter<'a>,
    lower: LayerIter<'a>,
    reverse: bool,
}

type Range = (Bound<Vec<u8>>, Bound<Vec<u8>>);

fn layer_range<'a>(
    map: &'a BTreeMap<Vec<u8>, Option<IVec>>,
    range: Range,
    reverse: bool,
) -> Box<dyn Iterator<Item = Record<'a>> + 'a> {
    let r: btree_map::Range<'a, Vec<u8>, Option<IVec>> = map.range::<Vec<u8>, _>(range);
    if reverse {
        Box::new(r.rev())
    } else {
        Box::new(r)
    }
}

impl<'a> MemoryLayers<'a> {
    pub(crate) fn new(
        upper: &'a BTreeMap<Vec<u8>, Option<IVec>>,
        lower: &'a BTreeMap<Vec<u8>, Option<IVec>>,
        range: Range,
        reverse: bool,
    ) -> Self {
        MemoryLayers {
            upper: layer_range(upper, range.clone(), reverse).peekable(),
            lower: layer_range(lower, range, reverse).peekable(),
            reverse,
        }
    }
}

impl<'a> Iterator for MemoryLayers<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let order = match (self.upper.peek(), self.lower.peek()) {
            (None, None) => return None,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((u, _)), Some((l, _))) => {
                let o = u.cmp(l);
                if self.reverse {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        match order {
            std::cmp::Ordering::Less => self.upper.next(),
            std::cmp::Ordering::Greater => self.lower.next(),
            std::cmp::Ordering::Equal => {
                self.lower.next();
                self.upper.next()
            }
        }
    }
}
