//! The reactor's side of replica links: routing their requests to `repl-master`, running the
//! full-sync jobs, and feeding each replica its payload and then the stream.
//!
//! A replica connection moves through [`Feed`]s: nothing while it handshakes or waits for a
//! snapshot, then the payload (a file read in chunks, or a diskless job's bytes pushed as they are
//! produced), then the stream from its offset, read straight out of the mapped backlog. Each feed
//! tops the connection's output up to [`FEED_HIGH_WATER`] only when the socket drained, so a slow
//! replica costs a read position, not memory.

use std::fs::File;
use std::io::Read;

use bytes::Bytes;
use repl_master::{
    Action, Context, FullReason, LinkState, MasterError, PayloadFormat, ReplicaLink, Request,
};

use super::Reactor;
use crate::replication::master::full_sync::{FullSync, Payload};
use crate::replication::master::{self, AckWaiter};
use crate::util::time::now_ms;

/// A replica's output is topped up from the payload or the backlog until it holds this much.
const FEED_HIGH_WATER: usize = 1 << 20;
/// A diskless job produces its next slice only while every attached replica's output is below this.
const DISKLESS_HIGH_WATER: usize = 4 << 20;
/// The most one read from the backlog or the payload file appends.
const FEED_CHUNK: usize = 256 * 1024;
/// The most one replica is sent in one go before the others are served.
const FEED_BUDGET: u64 = 16 << 20;

/// What a replica connection is being fed.
#[derive(Debug)]
pub(super) enum Feed {
    /// The disk-framed payload: the rest of the file, then the stream from `stream_from`.
    Payload { file: File, remaining: u64 },
    /// The stream, from this offset on, out of the backlog.
    Stream { next: u64 },
}

/// Whether a request of `client` belongs to its replica link rather than the command table:
/// SYNC, PSYNC and REPLCONF from an authenticated client outside MULTI, and everything a
/// connection sends once it is a replica.
pub(super) fn is_link_request(
    state: &crate::server::state::ServerState,
    client: u64,
    args: &[Bytes],
) -> bool {
    // Checked for every request of every client: the cheap tests first, the client lookup only
    // for requests that may belong to a link.
    let names_link = args.first().is_some_and(|name| {
        [&b"replconf"[..], b"sync", b"psync"]
            .iter()
            .any(|known| name.eq_ignore_ascii_case(known))
    });
    let is_replica = state
        .master
        .replicas
        .get(client)
        .is_some_and(|link| link.state() != LinkState::Handshake);
    if !names_link && !is_replica {
        return false;
    }
    state.clients.get(&client).is_some_and(|info| {
        info.authenticated && info.transaction.is_none() && !info.applies_stream
    })
}

impl Reactor {
    /// Hands one request of connection `index` to its replica link and acts on the answer.
    pub(super) fn handle_link_request(&mut self, index: usize, args: Vec<Bytes>, inline: bool) {
        let Some(conn) = self.connections.get(index) else {
            return;
        };
        let client = conn.client_id;
        let starts_sync = args
            .first()
            .is_some_and(|n| n.eq_ignore_ascii_case(b"sync") || n.eq_ignore_ascii_case(b"psync"));
        if starts_sync {
            // Replies to the handshake leave first (Redis refuses a sync with replies pending,
            // and a pipelining replica should not be refused for our batching), and the backlog
            // holds every recorded effect, so its end is the offset a snapshot taken now has.
            self.flush(index);
            self.log_effects();
        }
        let history = master::history(&self.state);
        let now = now_ms();
        let Some(conn) = self.connections.get(index) else {
            return;
        };
        let output_pending = !conn.output.is_empty();
        let peer_ip = match self.state.clients.get_mut(&client) {
            Some(info) => {
                info.last_interaction_ms = now;
                info.last_command = link_command_name(&args);
                info.addr.ip().to_string()
            }
            None => String::new(),
        };
        let replicas = &mut self.state.master.replicas;
        if replicas.get(client).is_none() {
            replicas.add(client, ReplicaLink::new(peer_ip, now));
        }
        let Some(link) = replicas.get_mut(client) else {
            return;
        };
        let request = Request {
            args: args.iter().map(|a| a.to_vec()).collect(),
            inline,
        };
        // A replica whose own link is down has no consistent history to offer.
        let replica = &self.state.replica;
        let master_link_down = replica.is_replica()
            && replica.link != crate::replication::replica::LinkStatus::Connected;
        let ctx = Context {
            history: &history,
            now_ms: now,
            output_pending,
            master_link_down,
        };
        match link.handle(&request, &ctx) {
            Ok(Action::Reply(bytes)) => self.queue_reply(index, &bytes),
            Ok(Action::Nothing) => self.acks_changed(),
            Ok(Action::Continue { reply, from }) => {
                self.queue_reply(index, &reply);
                self.state.master.sync_partial_ok += 1;
                log::info!(
                    "Partial resynchronization request from replica {} accepted. Sending {} bytes of backlog starting from offset {from}.",
                    describe(&self.state, client),
                    history.backlog_end - from,
                );
                self.become_replica(client);
                self.feeds.insert(client, Feed::Stream { next: from });
            }
            Ok(Action::FullResync { offset, reason }) => {
                self.state.master.sync_full += 1;
                if !matches!(reason, FullReason::PlainSync | FullReason::ForcedByReplica) {
                    self.state.master.sync_partial_err += 1;
                }
                log::info!(
                    "Replica {} asks for synchronization: full resync at offset {offset} ({reason:?})",
                    describe(&self.state, client)
                );
                self.become_replica(client);
                self.state.master.waiting_full_sync.push((client, now));
            }
            Ok(Action::StartStream { from }) => {
                self.feeds.insert(client, Feed::Stream { next: from });
                self.acks_changed();
            }
            Err(e) => self.link_error(index, client, &e),
        }
    }

    /// Appends a reply to the connection's output (the caller flushes).
    fn queue_reply(&mut self, index: usize, bytes: &[u8]) {
        if let Some(conn) = self.connections.get_mut(index) {
            conn.output.extend_from_slice(bytes);
        }
    }

    fn link_error(&mut self, index: usize, client: u64, error: &MasterError) {
        if let Some(line) = error.reply() {
            self.queue_reply(index, &line);
            self.state.stats.error_replies += 1;
        }
        if error.closes_link() {
            log::warn!("Closing replica {}: {error}", describe(&self.state, client));
            if let Some(conn) = self.connections.get_mut(index) {
                conn.close_after_flush = true;
            }
        }
    }

    fn become_replica(&mut self, client: u64) {
        if let Some(info) = self.state.clients.get_mut(&client) {
            info.replica = true;
        }
    }

    /// An ACK moved (or a replica went online): refreshes the count `min-replicas-to-write`
    /// reads and answers the WAITs that are now satisfied.
    fn acks_changed(&mut self) {
        let lag = self.state.config.min_replicas_max_lag;
        let master = &mut self.state.master;
        master.good_replicas = master.replicas.good_replicas(now_ms(), lag);
        let satisfied: Vec<AckWaiter> = master
            .ack_waiters
            .iter()
            .filter(|w| master.replicas.count_acked(w.offset) as u64 >= w.numreplicas)
            .copied()
            .collect();
        for waiter in satisfied {
            self.answer_wait(waiter.client);
        }
    }

    /// Ends a client's WAIT (satisfied, timed out or unblocked) with the number of replicas that
    /// acknowledged its offset; false if the client was not in WAIT.
    pub(super) fn answer_wait(&mut self, client: u64) -> bool {
        let master = &mut self.state.master;
        let Some(position) = master.ack_waiters.iter().position(|w| w.client == client) else {
            return false;
        };
        let waiter = master.ack_waiters.remove(position);
        let acked = master.replicas.count_acked(waiter.offset);
        self.state.blocked.unpark(client);
        if let Some(&index) = self.by_client.get(&client) {
            if let Some(conn) = self.connections.get_mut(index) {
                resp_codec::ReplyWriter::new(&mut conn.output, resp_codec::Protocol::Resp2)
                    .integer(acked as i64);
            }
            self.resume(index);
        }
        true
    }

    /// Starts a full-sync job for the replicas waiting for one (after `repl-diskless-sync-delay`
    /// for a diskless one), or lets them join the running job when they can share it.
    fn start_or_join_full_sync(&mut self) {
        if self.state.master.waiting_full_sync.is_empty() {
            return;
        }
        let now = now_ms();
        let diskless = self.state.config.repl_diskless_sync;
        let format_of = |state: &crate::server::state::ServerState, client: u64| {
            state
                .master
                .replicas
                .get(client)
                .map(|link| link.payload_format(diskless))
        };
        let format = match &self.state.master.full_sync {
            Some(job) => job.format,
            None => {
                let Some(&(first, since)) = self.state.master.waiting_full_sync.first() else {
                    return;
                };
                let Some(format) = format_of(&self.state, first) else {
                    return;
                };
                let delay_ms = self.state.config.repl_diskless_sync_delay * 1000;
                if format.framing == repl_master::Framing::EofMark
                    && now - since.min(now) < delay_ms
                {
                    return;
                }
                if !self.start_full_sync(format, now) {
                    return;
                }
                format
            }
        };
        let Some(job) = self.state.master.full_sync.as_ref() else {
            return;
        };
        if !job.joinable(format) {
            return;
        }
        let offset = job.offset;
        let joining: Vec<u64> = self
            .state
            .master
            .waiting_full_sync
            .iter()
            .map(|(client, _)| *client)
            .filter(|client| format_of(&self.state, *client) == Some(format))
            .collect();
        for client in joining {
            self.attach_to_full_sync(client, offset, diskless);
        }
    }

    /// Starts the snapshot job for `format` at the current offset; false (replicas keep waiting,
    /// and get dropped if it keeps failing) if it could not start.
    fn start_full_sync(&mut self, format: PayloadFormat, now: u64) -> bool {
        self.log_effects();
        let offset = self.state.effects.offset;
        let aux = crate::persistence::save::aux_fields(&self.state, now);
        let repl_dir = self.state.config.repl_path();
        match FullSync::start(
            format,
            offset,
            self.state.config.databases,
            now,
            &aux,
            &repl_dir,
        ) {
            Ok(job) => {
                log::info!(
                    "Starting full sync at offset {offset}: RDB version {}, {:?} framing",
                    format.rdb_version,
                    format.framing
                );
                self.state.master.full_sync = Some(job);
                // Replicas that did not read the stream's database from the RDB (before RDB 7
                // there is no AUX field for it) learn it from a SELECT before the first write.
                self.state.effects.stream_db = None;
                true
            }
            Err(e) => {
                log::error!("Could not start a full sync: {e}; dropping the waiting replicas");
                for (client, _) in std::mem::take(&mut self.state.master.waiting_full_sync) {
                    self.state.killed_clients.push(client);
                }
                false
            }
        }
    }

    fn attach_to_full_sync(&mut self, client: u64, offset: u64, diskless: bool) {
        self.state
            .master
            .waiting_full_sync
            .retain(|(id, _)| *id != client);
        let mark = self.state.rng.hex_id();
        let mut mark_bytes = [b'0'; 40];
        mark_bytes.copy_from_slice(&mark.as_bytes()[..40]);
        let Some(link) = self.state.master.replicas.get_mut(client) else {
            return;
        };
        let start = match link.start_snapshot(offset, diskless, mark_bytes) {
            Ok(start) => start,
            Err(e) => {
                log::warn!("Replica {client} cannot start its snapshot: {e}");
                self.state.killed_clients.push(client);
                return;
            }
        };
        if let Some(job) = self.state.master.full_sync.as_mut() {
            job.replicas.push(client);
        }
        if let Some(&index) = self.by_client.get(&client) {
            if let Some(conn) = self.connections.get_mut(index) {
                conn.output.extend_from_slice(&start.preamble);
            }
            self.flush(index);
        }
    }

    /// Advances the running full sync by a slice and hands out what it produced; once complete,
    /// gives every attached replica its payload.
    pub(super) fn advance_full_sync(&mut self) {
        self.start_or_join_full_sync();
        self.full_sync_busy = false;
        let Some(job) = self.state.master.full_sync.as_ref() else {
            return;
        };
        if job.replicas.is_empty() && job.produced {
            log::warn!("Every replica of the running full sync left: abandoning it");
            if let Some(job) = self.state.master.full_sync.take() {
                job.abort();
            }
            return;
        }
        let diskless = job.format.framing == repl_master::Framing::EofMark;
        let congested = diskless
            && job.replicas.iter().any(|client| {
                self.by_client
                    .get(client)
                    .and_then(|&i| self.connections.get(i))
                    .is_some_and(|conn| conn.output.len() >= DISKLESS_HIGH_WATER)
            });
        self.full_sync_busy = !congested;
        if congested {
            return;
        }
        self.group_txn();
        let (Some(job), Some((txn, _))) =
            (self.state.master.full_sync.as_mut(), self.group.as_mut())
        else {
            return;
        };
        let started = std::time::Instant::now();
        let done = loop {
            match job.step(txn) {
                Ok(true) => break Ok(true),
                Ok(false) if started.elapsed() >= super::BGSAVE_SLICE => break Ok(false),
                Ok(false) => {}
                Err(e) => break Err(e),
            }
        };
        let bytes = job.take_bytes();
        let attached = job.replicas.clone();
        if !bytes.is_empty() {
            for client in &attached {
                self.send_to_replica(*client, &bytes, true);
            }
        }
        match done {
            Ok(false) => {}
            Ok(true) => self.finish_full_sync(),
            Err(e) => {
                log::error!("Full sync failed: {e}; dropping its replicas");
                if let Some(job) = self.state.master.full_sync.take() {
                    self.state
                        .killed_clients
                        .extend(job.replicas.iter().copied());
                    job.abort();
                }
            }
        }
    }

    /// Appends `bytes` to a replica's output and writes what the socket takes.
    fn send_to_replica(&mut self, client: u64, bytes: &[u8], payload: bool) {
        let Some(&index) = self.by_client.get(&client) else {
            return;
        };
        if let Some(conn) = self.connections.get_mut(index) {
            conn.output.extend_from_slice(bytes);
        }
        if payload {
            if let Some(link) = self.state.master.replicas.get_mut(client) {
                link.snapshot_progress(now_ms());
            }
        }
        self.flush(index);
    }

    fn finish_full_sync(&mut self) {
        let Some(job) = self.state.master.full_sync.take() else {
            return;
        };
        let (offset, replicas, keys) = (job.offset, job.replicas.clone(), job.keys_written());
        let payload = match job.finish() {
            Ok(payload) => payload,
            Err(e) => {
                log::error!("Finishing the full sync failed: {e}; dropping its replicas");
                self.state.killed_clients.extend(replicas);
                return;
            }
        };
        log::info!(
            "Full sync snapshot at offset {offset} complete ({keys} keys) for {} replica(s)",
            replicas.len()
        );
        let now = now_ms();
        match payload {
            Payload::Tail(tail) => {
                for client in replicas {
                    self.send_to_replica(client, &tail, true);
                    let end = self
                        .state
                        .master
                        .replicas
                        .get_mut(client)
                        .map(|link| link.finish_snapshot(now));
                    match end {
                        Some(Ok(end)) => {
                            self.send_to_replica(client, &end.trailer, true);
                            self.after_payload(client, end.stream_from, end.close_after);
                        }
                        Some(Err(e)) => {
                            log::warn!("Replica {client}: {e}");
                            self.state.killed_clients.push(client);
                        }
                        None => {}
                    }
                }
            }
            Payload::File { path, len } => {
                for client in replicas {
                    let header = self
                        .state
                        .master
                        .replicas
                        .get_mut(client)
                        .map(|link| link.payload_header(len));
                    let file = File::open(&path);
                    match (header, file) {
                        (Some(Ok(header)), Ok(file)) => {
                            self.feeds.insert(
                                client,
                                Feed::Payload {
                                    file,
                                    remaining: len,
                                },
                            );
                            self.send_to_replica(client, &header, true);
                        }
                        (None, _) => {}
                        (Some(header), file) => {
                            log::warn!(
                                "Replica {client} cannot receive its payload: {:?} {:?}",
                                header.err(),
                                file.err()
                            );
                            self.state.killed_clients.push(client);
                        }
                    }
                }
                // Every reader has it open; the name is no longer needed.
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// The payload was sent: stream from `stream_from` (disk framing) or wait for the first ACK
    /// (EOF framing); `rdb-only` replicas are closed once their output is written.
    fn after_payload(&mut self, client: u64, stream_from: Option<u64>, close_after: bool) {
        match stream_from {
            Some(next) => {
                self.feeds.insert(client, Feed::Stream { next });
            }
            None => {
                self.feeds.remove(&client);
            }
        }
        if close_after {
            if let Some(&index) = self.by_client.get(&client) {
                if let Some(conn) = self.connections.get_mut(index) {
                    conn.close_after_flush = true;
                }
                self.flush(index);
            }
        }
        self.acks_changed();
    }

    /// Tops up every fed replica's output (payload or stream) and writes it.
    pub(super) fn feed_replicas(&mut self) {
        self.feeding_busy = false;
        if self.feeds.is_empty() {
            return;
        }
        self.log_effects();
        let clients: Vec<u64> = self.feeds.keys().copied().collect();
        for client in clients {
            if let Some(&index) = self.by_client.get(&client) {
                self.feed_replica(index);
            }
        }
    }

    /// Feeds one replica until its socket stops taking bytes (a WRITABLE event resumes it), its
    /// feed has nothing more, or [`FEED_BUDGET`] bytes were written (the loop then comes back at
    /// once, after serving everyone else).
    pub(super) fn feed_replica(&mut self, index: usize) {
        let mut written = 0;
        loop {
            let before = self.state.stats.net_output_bytes;
            self.top_up_replica(index);
            let sent = self.state.stats.net_output_bytes - before;
            let Some(conn) = self.connections.get(index) else {
                return;
            };
            if sent == 0 || !conn.output.is_empty() {
                return;
            }
            written += sent;
            if written >= FEED_BUDGET {
                self.feeding_busy = true;
                return;
            }
        }
    }

    /// Tops up one replica's output from its feed, checks its output limit, and flushes.
    fn top_up_replica(&mut self, index: usize) {
        let Some(conn) = self.connections.get_mut(index) else {
            return;
        };
        let client = conn.client_id;
        let Some(feed) = self.feeds.get_mut(&client) else {
            return;
        };
        let mut problem = None;
        let mut payload_done = false;
        match feed {
            Feed::Payload { file, remaining } => {
                while conn.output.len() < FEED_HIGH_WATER && *remaining > 0 {
                    let want = FEED_CHUNK.min(usize::try_from(*remaining).unwrap_or(FEED_CHUNK));
                    let start = conn.output.len();
                    conn.output.resize(start + want, 0);
                    match file.read(&mut conn.output[start..]) {
                        Ok(n) if n > 0 => {
                            conn.output.truncate(start + n);
                            *remaining -= n as u64;
                        }
                        result => {
                            conn.output.truncate(start);
                            problem = Some(format!("reading the payload file: {result:?}"));
                            break;
                        }
                    }
                }
                payload_done = *remaining == 0 && problem.is_none();
            }
            Feed::Stream { next } => match self.state.backlog.as_ref() {
                Some(backlog) if !backlog.holds(*next) => {
                    problem = Some(format!(
                        "it needs offset {next}, which the backlog no longer holds (first byte {}): \
                         consider a larger repl-backlog-size",
                        backlog.first_byte_offset()
                    ));
                }
                Some(backlog) => {
                    while conn.output.len() < FEED_HIGH_WATER && *next < backlog.end_offset() {
                        let Some((first, second)) = backlog.read(*next, FEED_CHUNK) else {
                            break;
                        };
                        conn.output.extend_from_slice(first);
                        conn.output.extend_from_slice(second);
                        *next += (first.len() + second.len()) as u64;
                    }
                    let owed = backlog.end_offset() - *next + conn.output.len() as u64;
                    let limit = self.state.config.replica_output_limit();
                    if self
                        .state
                        .master
                        .replicas
                        .over_output_limit(client, owed, now_ms(), &limit)
                    {
                        problem = Some(format!(
                            "it is {owed} bytes behind, over the client-output-buffer-limit for replicas"
                        ));
                    }
                }
                None => {}
            },
        }
        if let Some(problem) = problem {
            log::warn!(
                "Dropping replica {}: {problem}",
                describe(&self.state, client)
            );
            self.close(index);
            return;
        }
        if payload_done {
            let end = self
                .state
                .master
                .replicas
                .get_mut(client)
                .map(|link| link.finish_snapshot(now_ms()));
            match end {
                Some(Ok(end)) => {
                    log::info!(
                        "Synchronization with replica {} succeeded",
                        describe(&self.state, client)
                    );
                    self.after_payload(client, end.stream_from, end.close_after);
                    self.top_up_replica(index);
                    return;
                }
                Some(Err(e)) => {
                    log::warn!("Replica {client}: {e}");
                    self.close(index);
                    return;
                }
                None => {}
            }
        }
        self.flush(index);
    }

    /// The replication part of the cron: keepalives for replicas waiting for a payload, PINGs in
    /// the stream, dropping silent replicas, and the good-replica count.
    pub(super) fn replication_cron(&mut self) {
        let now = now_ms();
        for client in self.state.master.replicas.keepalives_due(now) {
            self.send_to_replica(client, repl_master::KEEPALIVE, false);
        }
        let timeout_ms = self.state.config.repl_timeout.saturating_mul(1000);
        for client in self.state.master.replicas.timed_out(now, timeout_ms) {
            log::warn!(
                "Disconnecting timedout replica {}",
                describe(&self.state, client)
            );
            if let Some(&index) = self.by_client.get(&client) {
                self.close(index);
            }
        }
        let period_ms = self
            .state
            .config
            .repl_ping_replica_period
            .saturating_mul(1000);
        // A replica only relays its master's stream (PINGs included): bytes of its own would
        // put its offsets out of step with the history it shares with its master.
        if !self.state.replica.is_replica()
            && self.state.master.replica_count() > 0
            && now.saturating_sub(self.state.master.last_ping_ms) >= period_ms
        {
            self.state.master.last_ping_ms = now;
            self.state.effects.inject(repl_master::ping_command());
        }
        self.acks_changed();
    }

    /// Drops every replica (after this node's own full sync replaced its data and history: they
    /// must resynchronise against the new history, as Redis's replicas make theirs do).
    pub(super) fn disconnect_replicas(&mut self, why: &str) {
        let clients: Vec<u64> = self
            .state
            .master
            .replicas
            .iter()
            .map(|(id, _)| id)
            .collect();
        for client in clients {
            if let Some(&index) = self.by_client.get(&client) {
                log::info!(
                    "Disconnecting replica {}: {why}",
                    describe(&self.state, client)
                );
                self.close(index);
            }
        }
    }

    /// End of a loop turn: WAIT asked for fresh ACKs, so the stream carries a GETACK.
    pub(super) fn request_acks(&mut self) {
        if std::mem::take(&mut self.state.master.getack_requested)
            && !self.state.replica.is_replica()
            && self.state.master.replica_count() > 0
        {
            self.state.effects.inject(repl_master::getack_command());
        }
    }
}

/// The name CLIENT LIST shows as a replica link's last command.
fn link_command_name(args: &[Bytes]) -> &'static str {
    let name = args.first().map(|n| n.to_ascii_lowercase());
    match name.as_deref() {
        Some(b"sync") => "sync",
        Some(b"psync") => "psync",
        Some(b"replconf") => "replconf",
        Some(b"ping") => "ping",
        _ => "NULL",
    }
}

/// `ip:port` of a replica as its link knows it, for the log.
fn describe(state: &crate::server::state::ServerState, client: u64) -> String {
    match state.master.replicas.get(client) {
        Some(link) => format!("{}:{}", link.ip(), link.listening_port()),
        None => format!("client {client}"),
    }
}
