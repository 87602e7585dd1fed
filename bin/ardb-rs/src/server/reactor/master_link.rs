//! The reactor's side of this node's link to its master: connecting without blocking, driving
//! the `repl-slave` handshake, receiving a full sync into a file and loading it into a staging
//! keyspace in bounded slices, then applying the stream and acknowledging it.
//!
//! The live data is never touched by a full sync until it is complete: the RDB is loaded into
//! staging databases (storage-sled), clients keep reading the old data meanwhile, and the swap,
//! the new stream position and the backlog's new history happen together. A load that fails, or
//! a process that dies mid-load, leaves the old data (the store discards the staging keyspace at
//! open, and the state file's `full_sync_in_progress` makes the next link ask for a full sync).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use mio::net::TcpStream;
use mio::{Interest, Token};
use rdb_reader::{Item, Reader};
use repl_id::ReplId;
use repl_slave::{Auth, Event, LinkConfig, MasterLink};
use storage_sled::AppliedPosition;

use super::Reactor;
use crate::persistence::import::{store_value, ImportError};
use crate::replication::apply::StreamApplier;
use crate::replication::replica::{LinkStatus, SyncProgress};
use crate::util::time::now_ms;

/// The poll token of the master link.
pub(super) const MASTER_LINK: Token = Token(usize::MAX - 2);
/// How long to wait before reconnecting after a failure (Redis retries every second).
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// How long one loop iteration may spend loading a full sync before serving clients again.
const LOAD_SLICE: Duration = Duration::from_millis(2);
/// Skipped keys logged one by one before only counting (INFO has the totals by type).
const LOGGED_SKIPS: u64 = 20;
/// How often a long load reports its progress in the log.
const PROGRESS_LOG_INTERVAL_MS: u64 = 5000;
/// The payload file, in the repl dir.
const PAYLOAD_FILE: &str = "master-payload.rdb";

/// A full sync's RDB being loaded into the staging keyspace.
struct Load {
    reader: Reader<BufReader<File>>,
    replid: Option<ReplId>,
    offset: u64,
    stream_db: Option<u64>,
}

/// The connection to the master and everything in flight on it.
pub(super) struct MasterConnection {
    stream: TcpStream,
    link: MasterLink,
    input: BytesMut,
    output: BytesMut,
    connected: bool,
    /// The `+FULLRESYNC` the payload belongs to.
    full_resync: Option<(Option<ReplId>, Option<u64>)>,
    payload: Option<BufWriter<File>>,
    load: Option<Load>,
    /// Stream bytes not applied yet (received while loading, or an incomplete command).
    stream_input: BytesMut,
    applier: Option<StreamApplier>,
}

impl Reactor {
    /// Once per loop turn: acts on REPLICAOF changes, connects when due, loads a slice of a full
    /// sync, and applies what the stream brought.
    pub(super) fn drive_master_link(&mut self) {
        if std::mem::take(&mut self.state.replica.target_changed) {
            self.drop_master_link("the master changed", false);
            self.next_connect = Instant::now();
        }
        if self.state.replica.master.is_some()
            && self.master_link.is_none()
            && Instant::now() >= self.next_connect
        {
            self.connect_to_master();
        }
        self.advance_load();
        self.apply_master_stream();
        self.flush_master_output();
    }

    /// Whether a full sync is being loaded (the loop then polls without sleeping).
    pub(super) fn loading_master_sync(&self) -> bool {
        self.master_link.as_ref().is_some_and(|c| c.load.is_some())
    }

    fn connect_to_master(&mut self) {
        let Some((host, port)) = self.state.replica.master.clone() else {
            return;
        };
        self.next_connect = Instant::now() + RECONNECT_DELAY;
        let addr = match (host.as_str(), port)
            .to_socket_addrs()
            .map(|mut a| a.next())
        {
            Ok(Some(addr)) => addr,
            Ok(None) | Err(_) => {
                log::warn!("Unable to resolve the master's address {host}:{port}");
                return;
            }
        };
        let mut stream = match TcpStream::connect(addr) {
            Ok(stream) => stream,
            Err(e) => {
                log::warn!("Unable to connect to MASTER {host}:{port}: {e}");
                return;
            }
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut stream, MASTER_LINK, interest)
        {
            log::warn!("Unable to watch the master connection: {e}");
            return;
        }
        log::info!("MASTER <-> REPLICA sync started with {host}:{port}");
        let link = MasterLink::new(self.link_config());
        self.master_link = Some(MasterConnection {
            stream,
            link,
            input: BytesMut::with_capacity(64 * 1024),
            output: BytesMut::new(),
            connected: false,
            full_resync: None,
            payload: None,
            load: None,
            stream_input: BytesMut::new(),
            applier: None,
        });
        self.state.replica.link = LinkStatus::Connecting;
        self.state.replica.last_io_ms = 0;
        self.state.replica.down_since_ms = now_ms();
    }

    /// The handshake's inputs: our port, credentials, and the history to continue from — none
    /// if a full sync was interrupted (the data cannot be trusted to match any offset).
    fn link_config(&self) -> LinkConfig {
        let config = &self.state.config;
        let auth = (!config.masterauth.is_empty()).then(|| Auth {
            user: (!config.masteruser.is_empty()).then(|| config.masteruser.clone()),
            password: config.masterauth.clone(),
        });
        let interrupted = self
            .state
            .repl_state
            .as_ref()
            .is_some_and(|f| f.state().full_sync_in_progress);
        let history = match &self.state.backlog {
            Some(backlog) if !interrupted => Some((backlog.replid(), self.state.effects.offset)),
            _ => None,
        };
        LinkConfig {
            listening_port: self.state.bound_port,
            auth,
            history,
            try_psync2: true,
        }
    }

    /// Closes the link (the data stays); reconnects after a delay when still a replica.
    pub(super) fn drop_master_link(&mut self, why: &str, retry_later: bool) {
        let Some(mut conn) = self.master_link.take() else {
            return;
        };
        let _ = self.poll.registry().deregister(&mut conn.stream);
        if conn.load.is_some() || conn.payload.is_some() {
            self.group_txn().drop_staging();
            let _ = std::fs::remove_file(self.payload_path());
        }
        if let Some(applier) = conn.applier.take() {
            applier.unregister(&mut self.state);
        }
        log::warn!("Connection with master lost: {why}");
        let replica = &mut self.state.replica;
        replica.link = LinkStatus::Connect;
        replica.sync = None;
        replica.down_since_ms = now_ms();
        self.next_connect = Instant::now()
            + if retry_later {
                RECONNECT_DELAY
            } else {
                Duration::ZERO
            };
    }

    fn payload_path(&self) -> PathBuf {
        self.state.config.repl_path().join(PAYLOAD_FILE)
    }

    /// A readiness event on the master link.
    pub(super) fn on_master_event(&mut self, readable: bool, writable: bool, closed: bool) {
        let Some(conn) = self.master_link.as_mut() else {
            return;
        };
        if !conn.connected && (writable || readable) {
            match conn.stream.take_error() {
                Ok(None) if conn.stream.peer_addr().is_ok() => {
                    conn.connected = true;
                    let hello = conn.link.connected();
                    conn.output.extend_from_slice(&hello);
                    self.state.replica.link = LinkStatus::Sync;
                }
                Ok(None) => return,
                Ok(Some(e)) | Err(e) => {
                    self.drop_master_link(&format!("connect failed: {e}"), true);
                    return;
                }
            }
        }
        let mut eof = closed;
        if readable || closed {
            let Some(conn) = self.master_link.as_mut() else {
                return;
            };
            let mut chunk = [0u8; 64 * 1024];
            loop {
                match conn.stream.read(&mut chunk) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => {
                        conn.input.extend_from_slice(&chunk[..n]);
                        self.state.stats.net_input_bytes += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.drop_master_link(&format!("read failed: {e}"), true);
                        return;
                    }
                }
            }
            self.state.replica.last_io_ms = now_ms();
            self.process_master_input();
        }
        if eof {
            self.drop_master_link("the master closed the connection", true);
            return;
        }
        self.flush_master_output();
    }

    /// Writes what the link has to send; keeps WRITABLE interest while some is left.
    fn flush_master_output(&mut self) {
        let Some(conn) = self.master_link.as_mut() else {
            return;
        };
        if !conn.connected {
            return;
        }
        while !conn.output.is_empty() {
            match conn.stream.write(&conn.output) {
                Ok(n) => conn.output.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.drop_master_link(&format!("write failed: {e}"), true);
                    return;
                }
            }
        }
    }

    /// Runs the link over the input and acts on its events.
    fn process_master_input(&mut self) {
        let Some(conn) = self.master_link.as_mut() else {
            return;
        };
        let events = match conn.link.receive(&mut conn.input) {
            Ok(events) => events,
            Err(e) => {
                self.drop_master_link(&format!("protocol error: {e}"), true);
                return;
            }
        };
        for event in events {
            if self.master_link.is_none() {
                return;
            }
            self.on_link_event(event);
        }
        self.apply_master_stream();
    }

    fn on_link_event(&mut self, event: Event) {
        let now = now_ms();
        match event {
            Event::Send(bytes) => {
                if let Some(conn) = self.master_link.as_mut() {
                    conn.output.extend_from_slice(&bytes);
                }
            }
            Event::FullResync { replid, offset } => {
                log::info!(
                    "Full resync from master: {}:{}",
                    replid.map_or_else(|| "?".to_string(), |r| r.to_string()),
                    offset.map_or(-1, |o| o as i64)
                );
                if let Some(conn) = self.master_link.as_mut() {
                    conn.full_resync = Some((replid, offset));
                }
            }
            Event::Continue { new_replid } => self.continue_stream(new_replid),
            Event::PayloadStart { len } => {
                let path = self.payload_path();
                match File::create(&path) {
                    Ok(file) => {
                        if let Some(conn) = self.master_link.as_mut() {
                            conn.payload = Some(BufWriter::with_capacity(1 << 20, file));
                        }
                        self.state.replica.sync = Some(SyncProgress {
                            total_bytes: len,
                            started_ms: now,
                            last_io_ms: now,
                            ..SyncProgress::default()
                        });
                        log::info!(
                            "MASTER <-> REPLICA sync: receiving {} bytes from master to disk",
                            len.map_or_else(|| "streamed".to_string(), |l| l.to_string())
                        );
                    }
                    Err(e) => self.drop_master_link(&format!("{}: {e}", path.display()), true),
                }
            }
            Event::PayloadChunk(bytes) => {
                let written = self
                    .master_link
                    .as_mut()
                    .and_then(|c| c.payload.as_mut())
                    .map(|file| file.write_all(&bytes));
                if let Some(Err(e)) = written {
                    self.drop_master_link(&format!("writing the payload: {e}"), true);
                    return;
                }
                if let Some(sync) = self.state.replica.sync.as_mut() {
                    sync.read_bytes += bytes.len() as u64;
                    sync.last_io_ms = now;
                }
            }
            Event::PayloadEnd => self.start_load(),
            Event::Stream(bytes) => {
                if let Some(conn) = self.master_link.as_mut() {
                    conn.stream_input.extend_from_slice(&bytes);
                }
            }
            Event::Failed { reason, retry } => {
                log::warn!("Replication with the master failed: {reason}");
                self.drop_master_link(&reason, retry);
            }
        }
    }

    /// `+CONTINUE`: the stream goes on from our offset; a new id (the master was promoted)
    /// becomes ours, the old one our replid2.
    fn continue_stream(&mut self, new_replid: Option<ReplId>) {
        let offset = self.state.effects.offset;
        if let (Some(new), Some(backlog)) = (new_replid, self.state.backlog.as_mut()) {
            if new != backlog.replid() {
                if let Err(e) = backlog.shift_replid_at(new, offset) {
                    log::error!("Adopting the master's new replication id failed: {e}");
                }
            }
        }
        log::info!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        self.start_streaming();
    }

    /// The link is up: the stream is applied from here on.
    fn start_streaming(&mut self) {
        let stream_db = self.state.effects.stream_db;
        let applier = StreamApplier::register_logging(&mut self.state, stream_db, now_ms());
        if let Some(conn) = self.master_link.as_mut() {
            conn.applier = Some(applier);
        }
        self.state.replica.link = LinkStatus::Connected;
        self.state.replica.sync = None;
        self.send_ack();
    }

    /// The payload is on disk: opens it and begins loading into a fresh staging keyspace.
    fn start_load(&mut self) {
        let path = self.payload_path();
        let Some(conn) = self.master_link.as_mut() else {
            return;
        };
        let flushed = conn.payload.take().map(|mut file| file.flush());
        if let Some(Err(e)) = flushed {
            self.drop_master_link(&format!("writing the payload: {e}"), true);
            return;
        }
        let (replid, offset) = conn.full_resync.take().unwrap_or((None, None));
        let reader = File::open(&path).map_err(|e| e.to_string()).and_then(|f| {
            Reader::new(BufReader::with_capacity(1 << 20, f)).map_err(|e| e.to_string())
        });
        let reader = match reader {
            Ok(reader) => reader,
            Err(e) => {
                self.drop_master_link(&format!("the master's RDB is unreadable: {e}"), true);
                return;
            }
        };
        if let Some(conn) = self.master_link.as_mut() {
            conn.load = Some(Load {
                reader,
                replid,
                offset: offset.unwrap_or(0),
                stream_db: None,
            });
        }
        self.mark_full_sync_in_progress(true);
        self.group_txn().begin_staging();
        if let Some(sync) = self.state.replica.sync.as_mut() {
            sync.loading = true;
        }
        log::info!("MASTER <-> REPLICA sync: Loading DB into a staging keyspace");
    }

    fn mark_full_sync_in_progress(&mut self, on: bool) {
        if let Some(file) = self.state.repl_state.as_mut() {
            let mut node = file.state().clone();
            node.full_sync_in_progress = on;
            if let Err(e) = file.update_durable(node) {
                log::error!("Could not persist the full-sync flag: {e}");
            }
        }
    }

    /// Loads the next slice of the master's RDB; swaps it in once complete.
    fn advance_load(&mut self) {
        if self.master_link.as_ref().is_none_or(|c| c.load.is_none()) {
            return;
        }
        self.group_txn();
        let databases = self.state.config.databases as u64;
        let (Some(conn), Some((txn, _))) = (self.master_link.as_mut(), self.group.as_mut()) else {
            return;
        };
        let Some(load) = conn.load.as_mut() else {
            return;
        };
        let started = Instant::now();
        let mut loaded = 0;
        let outcome = loop {
            if started.elapsed() >= LOAD_SLICE {
                break Ok(false);
            }
            match load.reader.next_entry() {
                Ok(Some(Item::Entry(entry))) => {
                    if entry.db >= databases {
                        self.state.replica.skip("out-of-range-db");
                        continue;
                    }
                    let db = txn.staging_db(entry.db as usize);
                    match store_value(txn, db, &entry.key, &entry.value, entry.expire_at_ms) {
                        Ok(_) => loaded += 1,
                        Err(ImportError::Unsupported(what)) => {
                            if self.state.replica.skipped_total() < LOGGED_SKIPS {
                                log::warn!(
                                    "Skipping key '{}' from the master: {what} values are not supported",
                                    String::from_utf8_lossy(&entry.key)
                                );
                            }
                            self.state.replica.skip(what);
                        }
                        Err(ImportError::Store(e)) => break Err(e.to_string()),
                    }
                }
                Ok(Some(Item::Aux { key, value })) if key == b"repl-stream-db" => {
                    load.stream_db = std::str::from_utf8(&value)
                        .ok()
                        .and_then(|v| v.parse().ok());
                }
                Ok(Some(_)) => {}
                Ok(None) => break Ok(true),
                Err(e) => break Err(format!("the master's RDB is corrupt: {e}")),
            }
        };
        if let Some(sync) = self.state.replica.sync.as_mut() {
            sync.loaded_keys += loaded;
            let now = now_ms();
            if now.saturating_sub(sync.last_io_ms) >= PROGRESS_LOG_INTERVAL_MS {
                sync.last_io_ms = now;
                log::info!(
                    "MASTER <-> REPLICA sync: loading, {} keys so far ({} s)",
                    sync.loaded_keys,
                    now.saturating_sub(sync.started_ms) / 1000
                );
            }
        }
        match outcome {
            Ok(false) => {}
            Ok(true) => self.finish_load(),
            Err(e) => {
                self.mark_full_sync_in_progress(false);
                self.drop_master_link(&format!("loading failed, keeping the old data: {e}"), true);
            }
        }
    }

    /// The whole RDB is staged: swaps it in, starts the new history at the master's offset in
    /// the backlog and the store together, then streams.
    fn finish_load(&mut self) {
        let Some(load) = self.master_link.as_mut().and_then(|c| c.load.take()) else {
            return;
        };
        let _ = std::fs::remove_file(self.payload_path());
        let keys = self.state.replica.sync.map_or(0, |s| s.loaded_keys);
        // The new history first: a crash after this and before the store commit finds the
        // state file's full_sync_in_progress still set and asks for a full sync again.
        let replid = load
            .replid
            .unwrap_or_else(|| crate::replication::recovery::fresh_replid(&mut self.state));
        self.log_effects();
        if let Some(backlog) = self.state.backlog.as_mut() {
            if let Err(e) = backlog.reset(replid, load.offset) {
                log::error!("Starting the new history in the backlog failed: {e}");
            }
        }
        self.state.effects.resume_at(AppliedPosition {
            offset: load.offset,
            stream_db: load.stream_db.and_then(|db| u32::try_from(db).ok()),
        });
        self.disconnect_replicas("this node's data set was replaced by a full sync");
        if !self.group_txn().swap_in_staging() {
            self.drop_master_link("the staging keyspace vanished", true);
            return;
        }
        self.commit_group(true);
        if self.make_store_durable() {
            self.mark_full_sync_in_progress(false);
        }
        log::info!(
            "MASTER <-> REPLICA sync: Finished with success ({keys} keys, {} skipped)",
            self.state.replica.skipped_total()
        );
        self.start_streaming();
    }

    /// Applies the complete commands received so far, acknowledging if the master asked.
    fn apply_master_stream(&mut self) {
        let Some(conn) = self.master_link.as_ref() else {
            return;
        };
        if conn.applier.is_none() || conn.stream_input.is_empty() {
            return;
        }
        self.group_txn();
        let (Some(conn), Some((txn, _))) = (self.master_link.as_mut(), self.group.as_mut()) else {
            return;
        };
        let Some(applier) = conn.applier.as_mut() else {
            return;
        };
        let now = now_ms();
        let result = applier.apply(txn, &mut self.state, &mut conn.stream_input, now);
        let ack = applier.take_ack_request();
        if let Err(e) = result {
            self.drop_master_link(&format!("malformed replication stream: {e}"), true);
            return;
        }
        if ack {
            self.send_ack();
        }
    }

    /// `REPLCONF ACK <offset>` (never to a SYNC-only master, which does not expect it).
    pub(super) fn send_ack(&mut self) {
        let offset = self.state.effects.offset;
        let Some(conn) = self.master_link.as_mut() else {
            return;
        };
        if conn.applier.is_none() || !conn.link.sends_acks() {
            return;
        }
        conn.output
            .extend_from_slice(&repl_slave::ack_command(offset));
        self.flush_master_output();
    }

    /// The master link's part of the cron: an ACK every second, and dropping a silent master
    /// after `repl-timeout`.
    pub(super) fn master_link_cron(&mut self) {
        if self.master_link.is_none() {
            return;
        }
        let now = now_ms();
        let timeout_ms = self.state.config.repl_timeout.saturating_mul(1000);
        let last_io = self.state.replica.last_io_ms;
        let connecting_too_long = self.state.replica.link == LinkStatus::Connecting
            && now.saturating_sub(self.state.replica.down_since_ms) > timeout_ms;
        if (last_io > 0 && now.saturating_sub(last_io) > timeout_ms) || connecting_too_long {
            self.drop_master_link("timeout: no data from the master", true);
            return;
        }
        if now.saturating_sub(self.last_master_ack_ms) >= 1000 {
            self.last_master_ack_ms = now;
            self.send_ack();
        }
    }
}
