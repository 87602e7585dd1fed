//! The single-threaded mio reactor: it owns every socket and timer and drives the command layer.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use resp_codec::{Limits, RequestDecoder};
use signal_hook_mio::v1_0::Signals;
use storage_sled::{Committer, Store, Txn};

use crate::command::blocking::BlockMode;
use crate::command::dispatch::{execute, execute_in};
use crate::server::blocked::{Parked, UnblockReason};
use crate::server::client::ClientInfo;
use crate::server::connection::{Connection, ReadOutcome};
use crate::server::cron;
use crate::server::slab::Slab;
use crate::server::state::ServerState;
use crate::server::timers::{Timer, Timers};
use crate::util::time::now_ms;

mod effects_log;
mod master_link;
mod replicas;

const SIGNALS: Token = Token(usize::MAX - 1);
/// The longest a write group stays open before it is committed to sled.
const GROUP_COMMIT_INTERVAL: Duration = Duration::from_millis(2);
/// Commit earlier once a group buffers this many records…
const GROUP_MAX_WRITES: usize = 8192;
/// …or this many bytes.
const GROUP_MAX_BYTES: usize = 64 * 1024 * 1024;
const FIRST_CONNECTION: usize = 1024;
/// How long one loop iteration may spend writing a BGSAVE before serving clients again.
const BGSAVE_SLICE: Duration = Duration::from_millis(2);
const READ_CHUNK: usize = 64 * 1024;

/// The server's event loop and everything it owns.
pub struct Reactor {
    poll: Poll,
    listeners: Vec<TcpListener>,
    connections: Slab<Connection>,
    by_client: HashMap<u64, usize>,
    signals: Signals,
    timers: Timers,
    store: Store,
    state: ServerState,
    scratch: Vec<u8>,
    /// The transaction every command runs in until the group is committed (group commit), and when
    /// it was opened.
    group: Option<(Txn, Instant)>,
    /// Applies committed groups to sled on its own thread, one at a time.
    committer: Committer,
    /// Connections with more input waiting than one burst: served one burst per loop iteration each,
    /// so a client streaming a huge pipeline cannot starve the others or the timers.
    pending_reads: std::collections::VecDeque<usize>,
    /// Connections whose replies wait for the backlog's msync (`repl-backlog-fsync always`).
    awaiting_sync: Vec<usize>,
    /// What each replica connection is being fed (payload or stream), by client id.
    feeds: HashMap<u64, replicas::Feed>,
    /// A full sync has a slice ready to produce: the loop polls without sleeping.
    full_sync_busy: bool,
    /// The link to this node's master, when it is a replica.
    master_link: Option<master_link::MasterConnection>,
    /// When the next connection attempt to the master may be made.
    next_connect: Instant,
    /// When the last periodic ACK went to the master, Unix milliseconds.
    last_master_ack_ms: u64,
    /// A replica used up its feeding budget with its socket still writable: the loop polls
    /// without sleeping and feeds it again.
    feeding_busy: bool,
}

/// Why the reactor could not start.
#[derive(Debug)]
pub enum StartError {
    /// Binding a listening socket failed.
    Bind(SocketAddr, io::Error),
    /// A bind address could not be parsed.
    BadAddress(String),
    /// Setting up polling or signal handling failed.
    Io(io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind(addr, e) => write!(f, "could not bind {addr}: {e}"),
            StartError::BadAddress(a) => write!(f, "invalid bind address '{a}'"),
            StartError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Reactor {
    /// Binds the configured addresses and prepares the loop.
    pub fn bind(store: Store, mut state: ServerState) -> Result<Reactor, StartError> {
        let poll = Poll::new().map_err(StartError::Io)?;
        let mut listeners = Vec::new();
        let mut port = state.config.port;
        for host in state.config.bind.split_whitespace() {
            let ip: std::net::IpAddr = host
                .trim_start_matches('-')
                .parse()
                .map_err(|_| StartError::BadAddress(host.to_string()))?;
            let addr = SocketAddr::new(ip, port);
            let mut listener = TcpListener::bind(addr).map_err(|e| StartError::Bind(addr, e))?;
            if port == 0 {
                port = listener.local_addr().map_err(StartError::Io)?.port();
            }
            poll.registry()
                .register(&mut listener, Token(listeners.len()), Interest::READABLE)
                .map_err(StartError::Io)?;
            log::info!("Ready to accept connections tcp on {}:{port}", ip);
            listeners.push(listener);
        }
        state.bound_port = port;
        let mut signals = Signals::new([signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT])
            .map_err(StartError::Io)?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)
            .map_err(StartError::Io)?;
        let mut timers = Timers::default();
        let now = Instant::now();
        timers.schedule(now, Timer::Cron);
        timers.schedule(now + Duration::from_secs(1), Timer::StoreFlush);
        let committer = if state.config.use_commit_thread() {
            Committer::start().map_err(|e| StartError::Io(io::Error::other(e.to_string())))?
        } else {
            Committer::inline()
        };
        Ok(Reactor {
            poll,
            listeners,
            connections: Slab::default(),
            by_client: HashMap::new(),
            signals,
            timers,
            store,
            state,
            scratch: vec![0; READ_CHUNK],
            group: None,
            committer,
            pending_reads: std::collections::VecDeque::new(),
            awaiting_sync: Vec::new(),
            feeds: HashMap::new(),
            full_sync_busy: false,
            feeding_busy: false,
            master_link: None,
            next_connect: Instant::now(),
            last_master_ack_ms: 0,
        })
    }

    /// Runs until SHUTDOWN or a termination signal, then makes everything durable.
    pub fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        while !self.state.shutdown_requested {
            let now = Instant::now();
            let timers = match (self.timers.timeout(now), self.blocked_timeout()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let timeout = match (&self.group, timers) {
                _ if !self.pending_reads.is_empty()
                    || self.state.bgsave.is_some()
                    || self.full_sync_busy
                    || self.feeding_busy
                    || self.loading_master_sync() =>
                {
                    Some(Duration::ZERO)
                }
                (Some((_, opened)), t) => {
                    let group = (*opened + GROUP_COMMIT_INTERVAL).saturating_duration_since(now);
                    Some(t.map_or(group, |t| t.min(group)))
                }
                (None, t) => t,
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            for event in events.iter() {
                match event.token() {
                    SIGNALS => self.on_signal(),
                    master_link::MASTER_LINK => self.on_master_event(
                        event.is_readable(),
                        event.is_writable(),
                        event.is_read_closed() || event.is_error(),
                    ),
                    Token(i) if i < self.listeners.len() => self.accept(i),
                    Token(i) => {
                        let index = i - FIRST_CONNECTION;
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.on_readable(index, event.is_read_closed() || event.is_error());
                        }
                        if event.is_writable() {
                            self.on_writable(index);
                        }
                    }
                }
            }
            for index in std::mem::take(&mut self.pending_reads) {
                self.on_readable(index, false);
            }
            self.commit_group(false);
            self.close_killed();
            self.run_timers();
            self.end_blocked_waits();
            self.advance_bgsave();
            self.advance_full_sync();
            self.drive_master_link();
            self.request_acks();
            self.feed_replicas();
            self.release_synced_replies();
        }
        self.shutdown()
    }

    /// Writes the next slices of a BGSAVE in progress (a couple of milliseconds' worth), and
    /// completes the file once every key is written.
    fn advance_bgsave(&mut self) {
        if self.state.bgsave.is_none() {
            return;
        }
        self.group_txn();
        let (Some(bgsave), Some((txn, _))) = (self.state.bgsave.as_mut(), self.group.as_mut())
        else {
            return;
        };
        let started = Instant::now();
        let done = loop {
            match bgsave.step(txn) {
                Ok(true) => break Ok(true),
                Ok(false) if started.elapsed() >= BGSAVE_SLICE => break Ok(false),
                Ok(false) => {}
                Err(e) => break Err(e.to_string()),
            }
        };
        let finished = match done {
            Ok(false) => return,
            Ok(true) => self
                .state
                .bgsave
                .take()
                .map(|b| b.finish().map_err(|e| e.to_string())),
            Err(e) => {
                if let Some(b) = self.state.bgsave.take() {
                    b.abort();
                }
                Some(Err(e))
            }
        };
        match finished {
            Some(Ok(keys)) => {
                log::info!("Background saving terminated with success ({keys} keys)");
                self.state.last_save_secs = now_ms() / 1000;
                self.state.changes_since_save = 0;
                self.state.last_bgsave_ok = true;
            }
            Some(Err(e)) => {
                log::error!("Background saving error: {e}");
                self.state.last_bgsave_ok = false;
            }
            None => {}
        }
    }

    /// How long until the earliest blocked client times out.
    fn blocked_timeout(&self) -> Option<Duration> {
        let at = self.state.blocked.next_deadline()?;
        Some(Duration::from_millis(at.saturating_sub(now_ms())))
    }

    /// Ends the waits that timed out or that CLIENT UNBLOCK ended, replying as Redis does.
    fn end_blocked_waits(&mut self) {
        let timed_out = self.state.blocked.timed_out(now_ms());
        let requested = self.state.blocked.take_unblock_requests();
        let ended = timed_out
            .into_iter()
            .map(|c| (c, UnblockReason::Timeout))
            .chain(requested);
        for (client, reason) in ended.collect::<Vec<_>>() {
            if self.answer_wait(client) || self.state.blocked.unpark(client).is_none() {
                continue;
            }
            let Some(&index) = self.by_client.get(&client) else {
                continue;
            };
            let protocol = self
                .state
                .clients
                .get(&client)
                .map_or(resp_codec::Protocol::Resp2, |c| c.protocol);
            if let Some(conn) = self.connections.get_mut(index) {
                let mut reply = resp_codec::ReplyWriter::new(&mut conn.output, protocol);
                match reason {
                    UnblockReason::Timeout => reply.null_array(),
                    UnblockReason::Error => {
                        reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
                    }
                }
            }
            self.resume(index);
        }
    }

    /// Serves parked clients whose keys writes have signalled, in the order they blocked, until no
    /// signalled key is left (serving one client may signal more keys, as BLMOVE does).
    fn serve_blocked(&mut self) {
        self.end_blocked_waits();
        loop {
            let ready = self.state.blocked.take_ready();
            if ready.is_empty() {
                return;
            }
            let mut resumed = Vec::new();
            for (db, key) in ready {
                for client in self.state.blocked.waiters(db, &key) {
                    let Some(Parked { args, .. }) = self.state.blocked.get(client).cloned() else {
                        continue;
                    };
                    let Some(&index) = self.by_client.get(&client) else {
                        self.state.blocked.unpark(client);
                        continue;
                    };
                    self.group_txn();
                    let (Some(conn), Some((txn, _))) =
                        (self.connections.get_mut(index), self.group.as_mut())
                    else {
                        continue;
                    };
                    let outcome = execute_in(
                        txn,
                        &mut self.state,
                        client,
                        &args,
                        &mut conn.output,
                        now_ms(),
                        BlockMode::Serving(key.clone()),
                    );
                    if outcome.block.is_none() {
                        self.state.blocked.unpark(client);
                        resumed.push(index);
                    }
                }
            }
            for index in resumed {
                self.resume(index);
            }
        }
    }

    /// Sends the pub/sub messages PUBLISH left for other clients.
    fn deliver_messages(&mut self) {
        if self.state.pubsub.outbox.is_empty() {
            return;
        }
        let mut touched = Vec::new();
        for (client, message) in std::mem::take(&mut self.state.pubsub.outbox) {
            let Some(&index) = self.by_client.get(&client) else {
                continue;
            };
            if let Some(conn) = self.connections.get_mut(index) {
                conn.output.extend_from_slice(&message);
                if !touched.contains(&index) {
                    touched.push(index);
                }
            }
        }
        for index in touched {
            self.flush(index);
        }
    }

    /// A client's wait ended: runs the requests it sent meanwhile and sends its replies.
    fn resume(&mut self, index: usize) {
        self.process_input(index);
        self.deliver_messages();
        self.commit_group(false);
        self.flush(index);
    }

    fn on_signal(&mut self) {
        for signal in self.signals.pending() {
            log::warn!("Received signal {signal}, scheduling shutdown...");
            self.state.shutdown_requested = true;
        }
    }

    /// The open group transaction, opening one if needed; it reads through the batch still being
    /// applied, if any.
    fn group_txn(&mut self) -> &mut Txn {
        let (store, committer) = (&self.store, &self.committer);
        &mut self
            .group
            .get_or_insert_with(|| {
                (
                    store.begin_after(now_ms(), committer.in_flight_layer()),
                    Instant::now(),
                )
            })
            .0
    }

    /// Waits until sled holds every committed group (before flushing or sweeping, so sled only ever
    /// has one writer).
    fn settle(&mut self) {
        if let Err(e) = self.committer.wait() {
            self.storage_failed(&e.to_string());
        }
    }

    fn storage_failed(&mut self, error: &str) {
        log::error!(
            "Committing writes to the store failed; refusing writes until restart: {error}"
        );
        self.state.storage_error = Some(error.to_string());
    }

    /// Commits the group — one sled batch for every command run since the last commit, with the stream
    /// position they reached — when it is old or big enough, or always with `force`.
    ///
    /// The batch is applied by the committer thread while the reactor goes on serving. sled turns every
    /// batch into its own log write, so batching commands is what makes writes cheap. Replies do not
    /// wait for this: reads see the open group and the batch in flight, and durability comes from the
    /// redo log, which is appended first.
    fn commit_group(&mut self, force: bool) {
        let due = match &self.group {
            None => return,
            Some((txn, opened)) => {
                force
                    || opened.elapsed() >= GROUP_COMMIT_INTERVAL
                    || txn.pending_writes() >= GROUP_MAX_WRITES
                    || txn.pending_bytes() >= GROUP_MAX_BYTES
            }
        };
        if due {
            self.log_effects();
            self.submit_group();
        }
    }

    /// Hands the open group to the committer with the stream position it reached. A failed commit
    /// disables writes (MISCONF) instead of letting later writes vanish silently.
    fn submit_group(&mut self) {
        if let Some((txn, _)) = self.group.take() {
            let prepared = txn.prepare(Some(self.state.effects.position()));
            if let Err(e) = self.committer.submit(prepared) {
                self.storage_failed(&e.to_string());
            }
        }
    }

    fn shutdown(mut self) -> io::Result<()> {
        if let Some(bgsave) = self.state.bgsave.take() {
            log::warn!("There is a background save in progress: abandoning it");
            bgsave.abort();
        }
        // Replicas get the stream up to the last write, as far as their sockets take it now.
        self.feed_replicas();
        self.commit_group(true);
        log::info!("User requested shutdown...");
        let backlog_synced = match self.state.backlog.as_mut() {
            Some(backlog) => backlog.sync(),
            None => Ok(()),
        };
        if let Err(e) = backlog_synced {
            log::error!("Syncing the backlog failed: {e}");
        }
        if self.make_store_durable() {
            log::info!("Data is durable on disk. ardb-rs is now ready to exit, bye bye...")
        }
        if !self.state.config.pidfile.is_empty() {
            let _ = std::fs::remove_file(&self.state.config.pidfile);
        }
        Ok(())
    }

    fn accept(&mut self, listener: usize) {
        loop {
            let (stream, addr) = match self.listeners[listener].accept() {
                Ok(pair) => pair,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log::warn!("Accepting client connection: {e}");
                    return;
                }
            };
            self.state.stats.connections_received += 1;
            if self.state.clients.len() >= self.state.config.maxclients {
                self.state.stats.rejected_connections += 1;
                let _ = io::Write::write(&mut &stream, b"-ERR max number of clients reached\r\n");
                continue;
            }
            if let Err(e) = self.register_client(stream, addr) {
                log::warn!("Registering client {addr}: {e}");
            }
        }
    }

    fn register_client(&mut self, stream: TcpStream, addr: SocketAddr) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let laddr = stream.local_addr()?;
        let id = self.state.next_client_id;
        self.state.next_client_id += 1;
        let limits = Limits {
            max_bulk_len: usize::try_from(self.state.config.proto_max_bulk_len)
                .unwrap_or(usize::MAX),
            ..Limits::default()
        };
        let authenticated = self.state.config.requirepass.is_empty();
        let mut decoder = RequestDecoder::new(limits);
        decoder.set_auth_required(!authenticated);
        let fd = i64::from(stream.as_raw_fd());
        let index = self
            .connections
            .insert(Connection::new(stream, id, decoder));
        if let Some(conn) = self.connections.get_mut(index) {
            let registered = self.poll.registry().register(
                &mut conn.stream,
                Token(FIRST_CONNECTION + index),
                Interest::READABLE,
            );
            if let Err(e) = registered {
                self.connections.remove(index);
                return Err(e);
            }
        }
        self.by_client.insert(id, index);
        self.state.clients.insert(
            id,
            ClientInfo::new(id, addr, laddr, fd, now_ms(), authenticated),
        );
        Ok(())
    }

    /// Reads one burst from a connection and runs what it holds. If more input is waiting, the
    /// connection is queued to be served again after everyone else in this loop iteration.
    fn on_readable(&mut self, index: usize, to_end: bool) {
        let Some(conn) = self.connections.get_mut(index) else {
            return;
        };
        let outcome = conn.read_available(&mut self.scratch, to_end);
        let (ReadOutcome::Drained(n) | ReadOutcome::More(n) | ReadOutcome::Closed(n)) = outcome;
        self.state.stats.net_input_bytes += n as u64;
        self.process_input(index);
        self.serve_blocked();
        self.deliver_messages();
        self.commit_group(false);
        self.flush(index);
        match outcome {
            // Replies to what the peer sent before closing were still attempted by the flush.
            ReadOutcome::Closed(_) => self.close(index),
            ReadOutcome::More(_) => {
                if self.connections.get_mut(index).is_some() && !self.pending_reads.contains(&index)
                {
                    self.pending_reads.push_back(index);
                }
            }
            ReadOutcome::Drained(_) => {}
        }
    }

    fn on_writable(&mut self, index: usize) {
        let fed = self
            .connections
            .get(index)
            .is_some_and(|conn| self.feeds.contains_key(&conn.client_id));
        if fed {
            self.feed_replica(index);
        } else {
            self.flush(index);
        }
    }

    /// Parses and runs every complete request in the connection's input; requests of a replica
    /// link go to the link.
    fn process_input(&mut self, index: usize) {
        while let Some((args, inline)) = self.run_requests(index) {
            self.handle_link_request(index, args, inline);
        }
    }

    /// Runs the connection's complete requests through the command table until the input is
    /// used up or a request belongs to the replica link, which is returned.
    fn run_requests(&mut self, index: usize) -> Option<(Vec<Bytes>, bool)> {
        self.group_txn();
        let (Some(conn), Some((txn, _))) = (self.connections.get_mut(index), self.group.as_mut())
        else {
            return None;
        };
        // CONFIG SET proto-max-bulk-len applies to connected clients too.
        let max_bulk = usize::try_from(self.state.config.proto_max_bulk_len).unwrap_or(usize::MAX);
        if conn.decoder.limits().max_bulk_len != max_bulk {
            let limits = Limits {
                max_bulk_len: max_bulk,
                ..*conn.decoder.limits()
            };
            conn.decoder.set_limits(limits);
        }
        let client_id = conn.client_id;
        let mut link_request = None;
        while !conn.close_after_flush && !self.state.blocked.is_parked(client_id) {
            let request = match conn.decoder.decode(&mut conn.input) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    log::debug!("Protocol error from client {client_id}: {e}");
                    conn.output.extend_from_slice(&e.to_resp_error_line());
                    conn.close_after_flush = true;
                    conn.input.clear();
                    break;
                }
            };
            let args: Vec<Bytes> = request.args;
            if replicas::is_link_request(&self.state, client_id, &args) {
                link_request = Some((args, request.inline));
                break;
            }
            let outcome = execute(
                txn,
                &mut self.state,
                client_id,
                &args,
                &mut conn.output,
                now_ms(),
            );
            if let Some(block) = outcome.block {
                let db = self.state.clients.get(&client_id).map_or(0, |c| c.db);
                let parked = Parked {
                    db,
                    args,
                    keys: block.keys,
                    deadline_ms: block.deadline_ms,
                };
                self.state.blocked.park(client_id, parked);
            }
            if let Some(info) = self.state.clients.get_mut(&client_id) {
                if info.close_requested {
                    conn.close_after_flush = true;
                }
                conn.decoder.set_auth_required(!info.authenticated);
            }
        }
        if conn.input.len() as u64 > self.state.config.client_query_buffer_limit {
            log::warn!("Closing client {client_id} that reached max query buffer length");
            conn.close_after_flush = true;
            conn.input.clear();
        }
        if let Some(info) = self.state.clients.get_mut(&client_id) {
            info.query_buffer_len = conn.input.len();
        }
        link_request
    }

    /// Writes pending output, adjusting WRITABLE interest; closes when asked to after the flush.
    fn flush(&mut self, index: usize) {
        if !self.replies_may_leave(index) {
            return;
        }
        let Some(conn) = self.connections.get_mut(index) else {
            return;
        };
        match conn.flush_output() {
            Ok(n) => self.state.stats.net_output_bytes += n as u64,
            Err(_) => {
                self.close(index);
                return;
            }
        }
        let pending = !conn.output.is_empty();
        if !pending && conn.close_after_flush {
            self.close(index);
            return;
        }
        if pending != conn.wants_write {
            let interest = if pending {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let token = Token(FIRST_CONNECTION + index);
            if self
                .poll
                .registry()
                .reregister(&mut conn.stream, token, interest)
                .is_err()
            {
                self.close(index);
                return;
            }
            conn.wants_write = pending;
        }
        if let Some(info) = self.state.clients.get_mut(&conn.client_id) {
            info.output_buffer_len = conn.output.len();
        }
    }

    fn close(&mut self, index: usize) {
        if let Some(mut conn) = self.connections.remove(index) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            crate::command::transaction::unwatch(&mut self.state, conn.client_id);
            self.state.master.forget(conn.client_id);
            self.feeds.remove(&conn.client_id);
            self.state.pubsub.forget(conn.client_id);
            self.state.clients.remove(&conn.client_id);
            self.state.blocked.unpark(conn.client_id);
            self.by_client.remove(&conn.client_id);
        }
    }

    /// Closes clients that CLIENT KILL (run by another client) named, at once and without their
    /// pending output, as Redis frees killed clients.
    fn close_killed(&mut self) {
        for id in std::mem::take(&mut self.state.killed_clients) {
            if let Some(&index) = self.by_client.get(&id) {
                self.close(index);
            }
        }
    }

    fn run_timers(&mut self) {
        let now = Instant::now();
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::Cron => {
                    self.settle();
                    self.group_txn();
                    let Some((txn, _)) = self.group.as_mut() else {
                        continue;
                    };
                    let idle = cron::run(&self.store, txn, &mut self.state, now_ms());
                    for id in idle {
                        if let Some(&index) = self.by_client.get(&id) {
                            self.close(index);
                        }
                    }
                    self.replication_cron();
                    self.master_link_cron();
                    let period = Duration::from_millis(1000 / self.state.config.hz.max(1));
                    self.timers.schedule(now + period, Timer::Cron);
                }
                Timer::StoreFlush => {
                    self.commit_group(true);
                    let started = Instant::now();
                    // Lets the backlog overwrite what is now durable in the store.
                    self.make_store_durable();
                    self.adopt_backlog_config();
                    if started.elapsed() > Duration::from_millis(100) {
                        log::warn!(
                            "Store flush blocked the event loop for {:?}",
                            started.elapsed()
                        );
                    }
                    self.timers
                        .schedule(now + Duration::from_secs(1), Timer::StoreFlush);
                }
            }
        }
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.state.bound_port
    }
}
