//! Clients parked by blocking commands (BLPOP, BLMOVE, BZPOPMIN …), by the keys they wait on.
//!
//! A write signals the keys it touched ([`BlockedClients::signal`]); the reactor then retries the
//! clients waiting on each signalled key in the order they blocked, as Redis serves them. Deadlines
//! are kept in order so the reactor can sleep until the next one.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use bytes::Bytes;

/// One parked client: the command it runs again and where it waits.
#[derive(Clone, Debug)]
pub struct Parked {
    /// The database its keys are in.
    pub db: usize,
    /// The blocking command, as sent.
    pub args: Vec<Bytes>,
    /// The keys it waits on.
    pub keys: Vec<Bytes>,
    /// Unix milliseconds when it times out; `None` waits forever.
    pub deadline_ms: Option<u64>,
}

/// Why CLIENT UNBLOCK ended a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnblockReason {
    /// As if the timeout had passed (the command's timeout reply).
    Timeout,
    /// With `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error,
}

/// The registry of parked clients.
#[derive(Debug, Default)]
pub struct BlockedClients {
    clients: HashMap<u64, Parked>,
    by_key: HashMap<(usize, Bytes), VecDeque<u64>>,
    deadlines: BTreeSet<(u64, u64)>,
    ready: Vec<(usize, Bytes)>,
    ready_set: HashSet<(usize, Bytes)>,
    unblock_requests: Vec<(u64, UnblockReason)>,
}

impl BlockedClients {
    /// How many clients are parked (INFO `blocked_clients`).
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Whether no client is parked.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Whether `client` is parked.
    pub fn is_parked(&self, client: u64) -> bool {
        self.clients.contains_key(&client)
    }

    /// The parked client's command and keys.
    pub fn get(&self, client: u64) -> Option<&Parked> {
        self.clients.get(&client)
    }

    /// Parks `client` at the end of the queue of each of its keys.
    pub fn park(&mut self, client: u64, parked: Parked) {
        self.unpark(client);
        for key in &parked.keys {
            let queue = self.by_key.entry((parked.db, key.clone())).or_default();
            if !queue.contains(&client) {
                queue.push_back(client);
            }
        }
        if let Some(at) = parked.deadline_ms {
            self.deadlines.insert((at, client));
        }
        self.clients.insert(client, parked);
    }

    /// Removes `client` from every queue (served, timed out, disconnected).
    pub fn unpark(&mut self, client: u64) -> Option<Parked> {
        let parked = self.clients.remove(&client)?;
        for key in &parked.keys {
            let slot = (parked.db, key.clone());
            if let Some(queue) = self.by_key.get_mut(&slot) {
                queue.retain(|c| *c != client);
                if queue.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        if let Some(at) = parked.deadline_ms {
            self.deadlines.remove(&(at, client));
        }
        Some(parked)
    }

    /// A write touched `key` in `db`: if anyone waits on it, it is queued for serving.
    pub fn signal(&mut self, db: usize, key: &Bytes) {
        if self.by_key.is_empty() {
            return;
        }
        let slot = (db, key.clone());
        if self.by_key.contains_key(&slot) && self.ready_set.insert(slot.clone()) {
            self.ready.push(slot);
        }
    }

    /// Every waited-on key of `db` may have changed (SWAPDB).
    pub fn signal_db(&mut self, db: usize) {
        let keys: Vec<Bytes> = self
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        for key in keys {
            self.signal(db, &key);
        }
    }

    /// The keys signalled since the last call, in signal order.
    pub fn take_ready(&mut self) -> Vec<(usize, Bytes)> {
        self.ready_set.clear();
        std::mem::take(&mut self.ready)
    }

    /// The clients waiting on `key` in `db`, in the order they blocked.
    pub fn waiters(&self, db: usize, key: &Bytes) -> Vec<u64> {
        self.by_key
            .get(&(db, key.clone()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The earliest deadline, for the reactor's sleep.
    pub fn next_deadline(&self) -> Option<u64> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Clients whose deadline is at or before `now_ms`, earliest first.
    pub fn timed_out(&self, now_ms: u64) -> Vec<u64> {
        self.deadlines
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .map(|(_, c)| *c)
            .collect()
    }

    /// CLIENT UNBLOCK: asks the reactor to end `client`'s wait; false if it is not parked.
    pub fn request_unblock(&mut self, client: u64, reason: UnblockReason) -> bool {
        if !self.is_parked(client) {
            return false;
        }
        self.unblock_requests.push((client, reason));
        true
    }

    /// The CLIENT UNBLOCK requests made since the last call.
    pub fn take_unblock_requests(&mut self) -> Vec<(u64, UnblockReason)> {
        std::mem::take(&mut self.unblock_requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parked(keys: &[&'static str], deadline_ms: Option<u64>) -> Parked {
        Parked {
            db: 0,
            args: Vec::new(),
            keys: keys
                .iter()
                .map(|k| Bytes::from_static(k.as_bytes()))
                .collect(),
            deadline_ms,
        }
    }

    #[test]
    fn waiters_are_served_in_blocking_order_and_signals_are_deduplicated() {
        let mut b = BlockedClients::default();
        b.park(7, parked(&["a", "b"], None));
        b.park(3, parked(&["a"], Some(50)));
        let a = Bytes::from_static(b"a");
        assert_eq!(b.waiters(0, &a), [7, 3]);
        b.signal(0, &a);
        b.signal(0, &a);
        b.signal(1, &a);
        b.signal(0, &Bytes::from_static(b"zz"));
        assert_eq!(b.take_ready(), [(0, a.clone())]);
        assert_eq!(b.next_deadline(), Some(50));
        assert_eq!(b.timed_out(49), Vec::<u64>::new());
        assert_eq!(b.timed_out(50), [3]);
        assert!(b.unpark(7).is_some());
        assert_eq!(b.waiters(0, &a), [3]);
        assert_eq!(b.waiters(0, &Bytes::from_static(b"b")), Vec::<u64>::new());
        assert!(b.unpark(3).is_some());
        assert!(b.is_empty());
        assert_eq!(b.next_deadline(), None);
    }
}
