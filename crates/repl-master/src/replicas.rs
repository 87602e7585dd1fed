//! The registry of a master's replica links, and what INFO, ROLE, WAIT and the cron ask of it.

use crate::{LinkState, OutputLimit, ReplicaLink};

/// The master's replica links, keyed by the server's connection id and kept in attach order
/// (the order INFO and ROLE list them in).
///
/// Links in [`Handshake`](LinkState::Handshake) may be kept here too; the queries only count
/// links past their sync command, as Redis only counts clients that became replicas.
#[derive(Clone, Debug, Default)]
pub struct Replicas {
    links: Vec<(u64, ReplicaLink)>,
}

impl Replicas {
    /// An empty registry.
    pub fn new() -> Replicas {
        Replicas::default()
    }

    /// Adds the link of connection `id` at the end of the attach order. A link already under
    /// that id is replaced in place and returned (a reused id means the old connection is
    /// gone).
    pub fn add(&mut self, id: u64, link: ReplicaLink) -> Option<ReplicaLink> {
        match self.links.iter_mut().find(|(key, _)| *key == id) {
            Some((_, slot)) => Some(std::mem::replace(slot, link)),
            None => {
                self.links.push((id, link));
                None
            }
        }
    }

    /// Removes and returns the link of connection `id` (when the connection closes).
    pub fn remove(&mut self, id: u64) -> Option<ReplicaLink> {
        let index = self.links.iter().position(|(key, _)| *key == id)?;
        Some(self.links.remove(index).1)
    }

    /// The link of connection `id`.
    pub fn get(&self, id: u64) -> Option<&ReplicaLink> {
        self.links
            .iter()
            .find(|(key, _)| *key == id)
            .map(|(_, l)| l)
    }

    /// The link of connection `id`, to feed it requests and events.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut ReplicaLink> {
        self.links
            .iter_mut()
            .find(|(key, _)| *key == id)
            .map(|(_, l)| l)
    }

    /// Every link with its id, in attach order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &ReplicaLink)> {
        self.links.iter().map(|(id, link)| (*id, link))
    }

    /// How many links are registered, handshaking ones included.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether no link is registered.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    fn replicas(&self) -> impl Iterator<Item = (u64, &ReplicaLink)> {
        self.iter()
            .filter(|(_, link)| link.state() != LinkState::Handshake)
    }

    /// The replica lines of INFO's replication section, as Redis 7.0 writes them (without
    /// line terminators): `connected_slaves:N`, then per replica
    /// `slaveK:ip=…,port=…,state=…,offset=<acked>,lag=<seconds since last ACK>`. Lag is 0
    /// for replicas that are not online yet, as in Redis.
    pub fn info_lines(&self, now_ms: u64) -> Vec<String> {
        let mut lines = vec![format!("connected_slaves:{}", self.replicas().count())];
        for (index, (_, link)) in self.replicas().enumerate() {
            let lag = if link.is_online() {
                link.lag_seconds(now_ms)
            } else {
                0
            };
            lines.push(format!(
                "slave{index}:ip={},port={},state={},offset={},lag={lag}",
                link.ip(),
                link.listening_port(),
                link.info_state(),
                link.ack_offset(),
            ));
        }
        lines
    }

    /// The per-replica entries of ROLE's reply on a master: `[ip, port, acked offset]` as
    /// strings (Redis sends them as bulk strings), online replicas only.
    pub fn role_reply_entries(&self) -> Vec<[String; 3]> {
        self.replicas()
            .filter(|(_, link)| link.is_online())
            .map(|(_, link)| {
                [
                    link.ip().to_string(),
                    link.listening_port().to_string(),
                    link.ack_offset().to_string(),
                ]
            })
            .collect()
    }

    /// For WAIT: how many online replicas acknowledged at least `offset`.
    pub fn count_acked(&self, offset: u64) -> usize {
        self.replicas()
            .filter(|(_, link)| link.is_online() && link.ack_offset() >= offset)
            .count()
    }

    /// For `min-replicas-to-write`: how many online replicas acknowledged within
    /// `max_lag_secs` seconds (lag as INFO shows it).
    pub fn good_replicas(&self, now_ms: u64, max_lag_secs: u64) -> usize {
        self.replicas()
            .filter(|(_, link)| link.is_online() && link.lag_seconds(now_ms) <= max_lag_secs)
            .count()
    }

    /// The replicas to disconnect for silence: online PSYNC replicas whose last ACK is more
    /// than `repl_timeout_ms` old (plain SYNC replicas never ack and are exempt), and
    /// EOF-framed transfers that made no progress for that long.
    pub fn timed_out(&self, now_ms: u64, repl_timeout_ms: u64) -> Vec<u64> {
        self.replicas()
            .filter(|(_, link)| {
                let silent = link.is_online()
                    && link.expects_acks()
                    && now_ms.saturating_sub(link.last_ack_ms()) > repl_timeout_ms;
                silent || link.diskless_stalled(now_ms, repl_timeout_ms)
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// The replicas that get a `\n` keepalive now (see [`ReplicaLink::needs_keepalive`]);
    /// records it as sent. Call it from a timer at least once a second.
    pub fn keepalives_due(&mut self, now_ms: u64) -> Vec<u64> {
        self.links
            .iter_mut()
            .filter_map(|(id, link)| link.needs_keepalive(now_ms).then_some(*id))
            .collect()
    }

    /// Whether replica `id`, with `pending` unsent bytes, breaks `limit` at `now_ms` (see
    /// [`ReplicaLink::over_output_limit`]). Unknown ids are never over.
    pub fn over_output_limit(
        &mut self,
        id: u64,
        pending: u64,
        now_ms: u64,
        limit: &OutputLimit,
    ) -> bool {
        self.get_mut(id)
            .is_some_and(|link| link.over_output_limit(pending, now_ms, limit))
    }
}
