//! Pub/sub subscriptions: who listens to which channel, pattern or shard channel, and the
//! messages PUBLISH leaves for the reactor to deliver.
//!
//! PUBLISH runs inside one client's command, but the receivers' sockets belong to the reactor, so
//! messages for other clients go to an outbox the reactor drains right after the command.

use std::collections::HashMap;

use bytes::Bytes;

/// The three kinds of subscription, each with its own reply names and count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// SUBSCRIBE: exact channel names.
    Channel,
    /// PSUBSCRIBE: glob patterns over channel names.
    Pattern,
    /// SSUBSCRIBE: shard channels (counted separately, as in Redis 7.0).
    Shard,
}

impl Kind {
    /// The name of the subscribe confirmation (`subscribe`, `psubscribe`, `ssubscribe`).
    pub fn subscribe_name(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    /// The name of the unsubscribe confirmation.
    pub fn unsubscribe_name(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

/// Every subscription of every client, plus the undelivered messages.
#[derive(Debug, Default)]
pub struct PubSub {
    subscribers: HashMap<(Kind, Bytes), Vec<u64>>,
    /// Per client, its subscriptions of each kind in subscription order.
    by_client: HashMap<u64, Vec<(Kind, Bytes)>>,
    /// Encoded messages for other clients, delivered by the reactor after the current command.
    pub outbox: Vec<(u64, Bytes)>,
}

impl PubSub {
    /// Subscribes `client`; returns false if it already was.
    pub fn subscribe(&mut self, client: u64, kind: Kind, name: &Bytes) -> bool {
        let subs = self.subscribers.entry((kind, name.clone())).or_default();
        if subs.contains(&client) {
            return false;
        }
        subs.push(client);
        self.by_client
            .entry(client)
            .or_default()
            .push((kind, name.clone()));
        true
    }

    /// Unsubscribes `client`; returns false if it was not subscribed.
    pub fn unsubscribe(&mut self, client: u64, kind: Kind, name: &Bytes) -> bool {
        let slot = (kind, name.clone());
        let Some(subs) = self.subscribers.get_mut(&slot) else {
            return false;
        };
        let before = subs.len();
        subs.retain(|c| *c != client);
        let removed = subs.len() != before;
        if subs.is_empty() {
            self.subscribers.remove(&slot);
        }
        if let Some(list) = self.by_client.get_mut(&client) {
            list.retain(|(k, n)| !(*k == kind && n == name));
            if list.is_empty() {
                self.by_client.remove(&client);
            }
        }
        removed
    }

    /// `client`'s subscriptions of `kind`, in subscription order.
    pub fn subscriptions(&self, client: u64, kind: Kind) -> Vec<Bytes> {
        self.by_client
            .get(&client)
            .map(|l| {
                l.iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, n)| n.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many subscriptions of `kind` `client` has.
    pub fn count(&self, client: u64, kind: Kind) -> usize {
        self.by_client
            .get(&client)
            .map_or(0, |l| l.iter().filter(|(k, _)| *k == kind).count())
    }

    /// Whether `client` has any subscription (RESP2 clients are then in subscribed mode).
    pub fn is_subscribed(&self, client: u64) -> bool {
        self.by_client.contains_key(&client)
    }

    /// Drops every subscription of `client` (disconnect, RESET).
    pub fn forget(&mut self, client: u64) {
        for (kind, name) in self.by_client.remove(&client).unwrap_or_default() {
            let slot = (kind, name);
            if let Some(subs) = self.subscribers.get_mut(&slot) {
                subs.retain(|c| *c != client);
                if subs.is_empty() {
                    self.subscribers.remove(&slot);
                }
            }
        }
    }

    /// The subscribers of an exact (or shard) channel, in subscription order.
    pub fn subscribers(&self, kind: Kind, name: &Bytes) -> Vec<u64> {
        self.subscribers
            .get(&(kind, name.clone()))
            .cloned()
            .unwrap_or_default()
    }

    /// Every subscribed name of `kind`, with its subscriber count.
    pub fn names(&self, kind: Kind) -> Vec<(Bytes, usize)> {
        self.subscribers
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, n), s)| (n.clone(), s.len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_counted_per_kind_and_forgotten() {
        let mut p = PubSub::default();
        let a = Bytes::from_static(b"a");
        assert!(p.subscribe(1, Kind::Channel, &a));
        assert!(!p.subscribe(1, Kind::Channel, &a));
        assert!(p.subscribe(2, Kind::Channel, &a));
        assert!(p.subscribe(1, Kind::Pattern, &Bytes::from_static(b"a*")));
        assert_eq!(p.subscribers(Kind::Channel, &a), [1, 2]);
        assert_eq!(p.count(1, Kind::Channel), 1);
        assert_eq!(p.count(1, Kind::Pattern), 1);
        assert!(p.unsubscribe(2, Kind::Channel, &a));
        assert!(!p.unsubscribe(2, Kind::Channel, &a));
        p.forget(1);
        assert!(!p.is_subscribed(1));
        assert!(p.names(Kind::Channel).is_empty());
    }
}
