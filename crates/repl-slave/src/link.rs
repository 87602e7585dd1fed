//! One connection to the master: the handshake, the sync command with its fallbacks, the
//! payload, and the hand-over to the stream.

use bytes::{Bytes, BytesMut};
use repl_id::ReplId;

use crate::command::multibulk;
use crate::line::take_line;
use crate::payload::Payload;
use crate::reply::{PayloadHeader, PsyncReply};
use crate::{LinkConfig, SlaveError};

/// Something the server must act on, in the order it happened on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Write these bytes to the master (the next handshake command).
    Send(Vec<u8>),
    /// The master will send a full payload: the server prepares to replace its data set.
    /// `replid`/`offset` are the history the payload starts (from `+FULLRESYNC`); both are
    /// `None` after plain `SYNC`, whose masters (2.6) have no ids or offsets.
    FullResync {
        /// The history the payload belongs to.
        replid: Option<ReplId>,
        /// The stream offset the payload corresponds to: the replica's processed offset once
        /// it is loaded.
        offset: Option<u64>,
    },
    /// Partial resync accepted: the stream continues from the offset asked for and every
    /// further byte is [`Event::Stream`]. `new_replid` is `Some` when a 4.0+ master names its
    /// history (it differs from the one asked for after a failover: the replica keeps the
    /// old one as its second id); 2.8–3.2 masters send no id.
    Continue {
        /// The master's current replication id, if it sent one.
        new_replid: Option<ReplId>,
    },
    /// The payload begins. `len` is its size for `$<len>` framing, `None` for `$EOF:`
    /// (diskless) framing, whose size is unknown until it ends.
    PayloadStart {
        /// The payload's size in bytes, if announced.
        len: Option<u64>,
    },
    /// The next payload bytes (an RDB from Redis, ardb-rs's raw key-value frames after
    /// [`SyncKind::Psync2`]). Never includes the framing.
    PayloadChunk(Bytes),
    /// The payload is complete; what follows is the stream. After `$EOF:` framing the master
    /// sends no stream until a `REPLCONF ACK` ([`crate::ack_command`]) arrives *after* it has
    /// reaped its snapshot child (up to a cron tick after the mark): an ACK sent the instant
    /// the mark arrives is ignored by Redis 3.2–7.0 masters. So keep sending ACKs once a
    /// second, as Redis replicas do, rather than one ACK after loading.
    PayloadEnd,
    /// Replication stream bytes, exactly as received: the server decodes the commands and
    /// counts the offset itself (the stream is not always RESP: 2.6 sends `select N` inline).
    Stream(Bytes),
    /// The master refused or gave up, in a way it means: the server closes the connection.
    /// `retry` says whether reconnecting with the same configuration may succeed (`false`
    /// only when the configuration itself is missing something).
    Failed {
        /// What happened, for the log and INFO.
        reason: String,
        /// Whether to reconnect later.
        retry: bool,
    },
}

/// The handshake steps that precede the sync command; each waits for its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeStep {
    /// `PING` sent: checks the master answers at all (and reveals whether it wants AUTH).
    Ping,
    /// `AUTH` sent.
    Auth,
    /// `REPLCONF listening-port` sent.
    ListeningPort,
    /// `REPLCONF capa eof capa psync2` sent.
    Capa,
}

/// Which sync command the master accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncKind {
    /// ardb-rs's `PSYNC2`: the master is ardb-rs, and a full payload is its raw key-value
    /// format rather than an RDB.
    Psync2,
    /// Redis's `PSYNC` (2.8+): ids, offsets, ACKs and partial resyncs.
    Psync,
    /// Plain `SYNC` (a 2.6 master): always a full payload, no ids, and no ACKs.
    Sync,
}

/// Where the link is, for INFO (`master_link_status`, `master_sync_in_progress`,
/// `master_sync_total_bytes`, `master_sync_read_bytes`) and for the server's decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// A handshake command was sent; waiting for its reply.
    Handshaking(HandshakeStep),
    /// `PSYNC2` or `PSYNC` was sent (the kind says which); waiting for its reply.
    WaitingPsyncReply(SyncKind),
    /// A full resync was agreed; waiting for the payload header (keepalives may come first,
    /// for as long as the master's snapshot takes to start).
    WaitingPayload,
    /// Receiving the payload.
    ReceivingPayload {
        /// Payload bytes received so far.
        received: u64,
        /// The payload's size, when its framing announces one.
        total: Option<u64>,
    },
    /// Receiving the replication stream: the link is up.
    Streaming,
    /// The master refused ([`Event::Failed`]) or sent something malformed ([`SlaveError`]):
    /// the connection must be closed.
    Failed,
}

#[derive(Clone, Debug)]
enum Phase {
    Handshake(HandshakeStep),
    PsyncReply(SyncKind),
    PayloadHeader,
    Payload(Payload),
    Streaming,
    Failed,
}

/// The replica's end of one connection to its master, as a state machine without I/O.
///
/// The server connects, sends [`connected`](MasterLink::connected)'s bytes, then hands every
/// byte it reads to [`receive`](MasterLink::receive) and acts on the [`Event`]s in order. A
/// link lives for one connection: after a failure or a disconnect the server builds a new
/// one from its (possibly advanced) replication state.
#[derive(Clone, Debug)]
pub struct MasterLink {
    config: LinkConfig,
    phase: Phase,
    sync_kind: Option<SyncKind>,
}

impl MasterLink {
    /// A link about to connect with `config`.
    pub fn new(config: LinkConfig) -> MasterLink {
        MasterLink {
            config,
            phase: Phase::Handshake(HandshakeStep::Ping),
            sync_kind: None,
        }
    }

    /// The bytes to send once the TCP connection is established: `PING`. Every later
    /// command is sent only after the previous reply, as Redis replicas up to 6.0 do, so any
    /// master version sees the sequence it expects.
    pub fn connected(&mut self) -> Vec<u8> {
        self.phase = Phase::Handshake(HandshakeStep::Ping);
        multibulk(&["PING"])
    }

    /// Consumes what it can of `input` (bytes read from the master) and returns what
    /// happened. A partial line stays in `input` for the next call; payload and stream bytes
    /// are split off `input` without copying.
    ///
    /// An error, or an [`Event::Failed`], ends the link: the server closes the connection.
    /// An error drops the events of the same call (at most handshake commands and the start
    /// of a full resync, since errors only arise from reply lines): once the connection is
    /// closed they no longer matter.
    pub fn receive(&mut self, input: &mut BytesMut) -> Result<Vec<Event>, SlaveError> {
        if matches!(self.phase, Phase::Failed) {
            return Err(SlaveError::LinkDown);
        }
        let mut events = Vec::new();
        match self.run(input, &mut events) {
            Ok(()) => Ok(events),
            Err(error) => {
                self.phase = Phase::Failed;
                Err(error)
            }
        }
    }

    fn run(&mut self, input: &mut BytesMut, events: &mut Vec<Event>) -> Result<(), SlaveError> {
        loop {
            match &mut self.phase {
                Phase::Failed => return Ok(()),
                Phase::Streaming => {
                    if !input.is_empty() {
                        events.push(Event::Stream(input.split().freeze()));
                    }
                    return Ok(());
                }
                Phase::Payload(payload) => {
                    if !payload.feed(input, events) {
                        return Ok(());
                    }
                    events.push(Event::PayloadEnd);
                    self.phase = Phase::Streaming;
                }
                _ => {
                    let Some(line) = take_line(input)? else {
                        return Ok(());
                    };
                    // Empty lines are the master's keepalives while it prepares the payload.
                    if !line.is_empty() {
                        self.on_line(&line, events)?;
                    }
                }
            }
        }
    }

    fn on_line(&mut self, line: &[u8], events: &mut Vec<Event>) -> Result<(), SlaveError> {
        match self.phase {
            Phase::Handshake(step) => self.on_handshake_reply(step, line, events),
            Phase::PsyncReply(kind) => self.on_psync_reply(kind, line, events)?,
            Phase::PayloadHeader => match PayloadHeader::parse(line)? {
                PayloadHeader::Length(len) => {
                    events.push(Event::PayloadStart { len: Some(len) });
                    self.phase = Phase::Payload(Payload::sized(len));
                }
                PayloadHeader::Eof(mark) => {
                    events.push(Event::PayloadStart { len: None });
                    self.phase = Phase::Payload(Payload::eof(mark));
                }
                PayloadHeader::Aborted => self.fail(
                    events,
                    format!("master aborted replication with an error: {}", quote(line)),
                    true,
                ),
            },
            // Lines are only read in the phases above.
            Phase::Payload(_) | Phase::Streaming | Phase::Failed => {}
        }
        Ok(())
    }

    fn on_handshake_reply(&mut self, step: HandshakeStep, line: &[u8], events: &mut Vec<Event>) {
        let error = line.starts_with(b"-");
        match step {
            HandshakeStep::Ping => {
                // Redis accepts these three errors as "the master is there but wants AUTH
                // (or, for NOPERM, an ACL user allowed to PING)".
                let wants_auth = line.starts_with(b"-NOAUTH")
                    || line.starts_with(b"-ERR operation not permitted");
                let accepted = !error || wants_auth || line.starts_with(b"-NOPERM");
                if !accepted {
                    let reason = format!("error reply to PING: {}", quote(line));
                    return self.fail(events, reason, true);
                }
                if wants_auth && self.config.auth.is_none() {
                    // Redis would go on and fail at PSYNC; saying why now is kinder.
                    let reason = format!(
                        "master requires authentication and no masterauth is configured: {}",
                        quote(line)
                    );
                    return self.fail(events, reason, false);
                }
                match &self.config.auth {
                    Some(auth) => {
                        let mut words = vec!["AUTH"];
                        words.extend(auth.user.as_deref());
                        words.push(&auth.password);
                        events.push(Event::Send(multibulk(&words)));
                        self.phase = Phase::Handshake(HandshakeStep::Auth);
                    }
                    None => self.send_listening_port(events),
                }
            }
            HandshakeStep::Auth if error => {
                let reason = format!("unable to AUTH to master: {}", quote(line));
                self.fail(events, reason, true);
            }
            HandshakeStep::Auth => self.send_listening_port(events),
            // Errors here are not critical: masters before 2.8.22 do not know `capa`, and the
            // announcements only make INFO and the payload nicer.
            HandshakeStep::ListeningPort => {
                events.push(Event::Send(multibulk(&[
                    "REPLCONF", "capa", "eof", "capa", "psync2",
                ])));
                self.phase = Phase::Handshake(HandshakeStep::Capa);
            }
            HandshakeStep::Capa => {
                if self.config.try_psync2 {
                    self.send_psync(SyncKind::Psync2, events);
                } else {
                    self.send_psync(SyncKind::Psync, events);
                }
            }
        }
    }

    fn on_psync_reply(
        &mut self,
        kind: SyncKind,
        line: &[u8],
        events: &mut Vec<Event>,
    ) -> Result<(), SlaveError> {
        match PsyncReply::parse(line)? {
            PsyncReply::FullResync { replid, offset } => {
                self.sync_kind = Some(kind);
                events.push(Event::FullResync {
                    replid: Some(replid),
                    offset: Some(offset),
                });
                self.phase = Phase::PayloadHeader;
            }
            PsyncReply::Continue(new_replid) => {
                self.sync_kind = Some(kind);
                events.push(Event::Continue { new_replid });
                self.phase = Phase::Streaming;
            }
            PsyncReply::TryLater => {
                let reason = format!("master cannot sync now: {}", quote(line));
                self.fail(events, reason, true);
            }
            PsyncReply::Refused if kind == SyncKind::Psync2 => {
                self.send_psync(SyncKind::Psync, events);
            }
            PsyncReply::Refused => {
                // A master without PSYNC (2.6): SYNC has no reply line, the payload header
                // comes directly, and the link will be a pre-PSYNC one (no ACKs).
                events.push(Event::Send(multibulk(&["SYNC"])));
                events.push(Event::FullResync {
                    replid: None,
                    offset: None,
                });
                self.sync_kind = Some(SyncKind::Sync);
                self.phase = Phase::PayloadHeader;
            }
        }
        Ok(())
    }

    fn send_listening_port(&mut self, events: &mut Vec<Event>) {
        let port = self.config.listening_port.to_string();
        events.push(Event::Send(multibulk(&[
            "REPLCONF",
            "listening-port",
            &port,
        ])));
        self.phase = Phase::Handshake(HandshakeStep::ListeningPort);
    }

    /// `PSYNC[2] <replid> <processed+1>` for a replica with history, `PSYNC[2] ? -1`
    /// without.
    fn send_psync(&mut self, kind: SyncKind, events: &mut Vec<Event>) {
        let name = if kind == SyncKind::Psync2 {
            "PSYNC2"
        } else {
            "PSYNC"
        };
        let (replid, offset) = match &self.config.history {
            Some((replid, processed)) => (
                replid.as_str().to_owned(),
                processed.saturating_add(1).to_string(),
            ),
            None => ("?".to_owned(), "-1".to_owned()),
        };
        events.push(Event::Send(multibulk(&[name, &replid, &offset])));
        self.phase = Phase::PsyncReply(kind);
    }

    fn fail(&mut self, events: &mut Vec<Event>, reason: String, retry: bool) {
        events.push(Event::Failed { reason, retry });
        self.phase = Phase::Failed;
    }

    /// Where the link is.
    pub fn state(&self) -> LinkState {
        match &self.phase {
            Phase::Handshake(step) => LinkState::Handshaking(*step),
            Phase::PsyncReply(kind) => LinkState::WaitingPsyncReply(*kind),
            Phase::PayloadHeader => LinkState::WaitingPayload,
            Phase::Payload(payload) => LinkState::ReceivingPayload {
                received: payload.received(),
                total: payload.total(),
            },
            Phase::Streaming => LinkState::Streaming,
            Phase::Failed => LinkState::Failed,
        }
    }

    /// The sync command the master accepted, once it did (`SYNC` counts from when it is
    /// sent: it has no reply line).
    pub fn sync_kind(&self) -> Option<SyncKind> {
        self.sync_kind
    }

    /// Whether the master expects `REPLCONF ACK`s ([`crate::ack_command`]) on this link:
    /// true once `PSYNC` or `PSYNC2` was accepted. False before that and after a fallback to
    /// `SYNC`: a 2.6 master does not know `REPLCONF ACK` and would answer it with an error.
    pub fn sends_acks(&self) -> bool {
        matches!(self.sync_kind, Some(SyncKind::Psync | SyncKind::Psync2))
    }
}

/// A reply line for a human message, lossily decoded and cut to a sane length.
fn quote(line: &[u8]) -> String {
    String::from_utf8_lossy(&SlaveError::quote(line)).into_owned()
}
