//! One replica connection's state machine: handshake, sync decision, snapshot, stream.

use crate::limits::SoftLimitClock;
use crate::{
    decide, eof_header, fullresync_reply, payload_format, Capabilities, FullReason, HandshakeStyle,
    History, MasterError, OutputLimit, PayloadFormat, ReplicaVersion, Request, SyncDecision,
    SyncRequest,
};
use crate::{disk_header, eof_trailer, Framing};
use resp_codec::parse_integer;

/// Where a replica link is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Before SYNC/PSYNC: PING and REPLCONF are answered.
    Handshake,
    /// A full resync was decided; the replica waits for a snapshot to start for it
    /// (Redis's `WAIT_BGSAVE_START`). Gets `\n` keepalives.
    WaitingSnapshot,
    /// The snapshot is being produced and/or sent (Redis's `WAIT_BGSAVE_END` and `SEND_BULK`).
    SendingSnapshot,
    /// The EOF-framed payload was sent; nothing more may be written until the replica's
    /// first `REPLCONF ACK` says it found the end mark.
    WaitingFirstAck,
    /// The replica receives the replication stream.
    Online,
}

/// What the caller passes with each request: the master's history and the facts about the
/// connection that only the server knows.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The master's replication ids and backlog range, for the sync decision.
    pub history: &'a History,
    /// The current time in milliseconds (any monotonic origin, the same for every call).
    pub now_ms: u64,
    /// Whether replies to earlier requests on this connection are still unsent: Redis refuses
    /// SYNC/PSYNC then, since the payload would interleave with them.
    pub output_pending: bool,
    /// Whether this node is a replica whose own master link is down: it then has no
    /// consistent history to offer and refuses SYNC/PSYNC with `-NOMASTERLINK`.
    pub master_link_down: bool,
}

impl<'a> Context<'a> {
    /// The usual context: nothing pending, no upstream problem.
    pub fn new(history: &'a History, now_ms: u64) -> Context<'a> {
        Context {
            history,
            now_ms,
            output_pending: false,
            master_link_down: false,
        }
    }
}

/// What the server must do after a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send these bytes.
    Reply(Vec<u8>),
    /// Send nothing (REPLCONF ACK, or a request Redis ignores).
    Nothing,
    /// Partial resync: send `reply`, then the stream from offset `from` out of the backlog;
    /// the link is [`Online`](LinkState::Online).
    Continue {
        /// `+CONTINUE…` line.
        reply: Vec<u8>,
        /// The first stream offset to send.
        from: u64,
    },
    /// Full resync: start (or join) a snapshot, then call
    /// [`ReplicaLink::start_snapshot`]; send nothing yet (the `+FULLRESYNC` line goes out when
    /// the snapshot starts, with its offset).
    FullResync {
        /// The master offset a snapshot started now corresponds to.
        offset: u64,
        /// Why a partial resync was not possible.
        reason: FullReason,
    },
    /// The first ACK after an EOF-framed payload: stream from offset `from` (the snapshot's)
    /// may now be sent.
    StartStream {
        /// The first stream offset to send.
        from: u64,
    },
}

/// What to send when a snapshot starts for a replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotStart {
    /// The RDB version and framing to produce for this replica.
    pub format: PayloadFormat,
    /// Bytes to send now: the `+FULLRESYNC` line (not for plain SYNC) and, for EOF framing,
    /// the `$EOF:` header, after which the RDB bytes may follow as they are produced.
    pub preamble: Vec<u8>,
}

/// What to do when a replica's payload has been fully sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotEnd {
    /// Bytes to send after the payload: the EOF mark for EOF framing, nothing for disk.
    pub trailer: Vec<u8>,
    /// `Some(offset)`: stream from this offset may follow at once (disk framing). `None`:
    /// wait for [`Action::StartStream`] (EOF framing).
    pub stream_from: Option<u64>,
    /// The replica asked for the snapshot only (`REPLCONF rdb-only 1`, as `redis-cli --rdb`
    /// does): close the connection once the trailer is sent.
    pub close_after: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Snapshot {
    offset: u64,
    format: PayloadFormat,
    mark: [u8; 40],
    header_sent: bool,
}

/// One replica connection, from its first REPLCONF to the stream.
///
/// The server creates a link when a connection starts the replication handshake (its first
/// REPLCONF, SYNC or PSYNC) and hands it every later request of that connection. AUTH is the
/// server's business: the link is only given requests of an authenticated connection.
/// The link never does I/O: each call returns the bytes to send and the next step.
#[derive(Clone, Debug)]
pub struct ReplicaLink {
    state: LinkState,
    peer_ip: String,
    announced_ip: Option<String>,
    listening_port: i32,
    capabilities: Capabilities,
    version: Option<ReplicaVersion>,
    style: HandshakeStyle,
    plain_sync: bool,
    rdb_only: bool,
    rdb_filter_functions: bool,
    history_id: Option<crate::ReplId>,
    ack_offset: u64,
    fack_offset: Option<u64>,
    last_ack_ms: u64,
    last_interaction_ms: u64,
    last_keepalive_ms: u64,
    last_partial_write_ms: Option<u64>,
    snapshot: Option<Snapshot>,
    output: SoftLimitClock,
}

/// Redis keeps the announced address in a buffer of this many bytes including the NUL.
const MAX_IP_LEN: usize = 256;

impl ReplicaLink {
    /// A link for a connection from `peer_ip` (the socket's peer address, shown in INFO unless
    /// the replica announces another with `REPLCONF ip-address`).
    pub fn new(peer_ip: impl Into<String>, now_ms: u64) -> ReplicaLink {
        ReplicaLink {
            state: LinkState::Handshake,
            peer_ip: peer_ip.into(),
            announced_ip: None,
            listening_port: 0,
            capabilities: Capabilities::default(),
            version: None,
            style: HandshakeStyle::Multibulk,
            plain_sync: false,
            rdb_only: false,
            rdb_filter_functions: false,
            history_id: None,
            ack_offset: 0,
            fack_offset: None,
            last_ack_ms: now_ms,
            last_interaction_ms: now_ms,
            last_keepalive_ms: now_ms,
            last_partial_write_ms: None,
            snapshot: None,
            output: SoftLimitClock::default(),
        }
    }

    /// Handles one request of this connection.
    ///
    /// Before the sync command it answers PING and REPLCONF, and SYNC/PSYNC decide the
    /// resync. Anything else is refused with Redis's unknown-command error (a server that
    /// lets such a connection run ordinary commands routes them to its command table
    /// instead). After the sync command a replica may only send what needs no reply
    /// (REPLCONF ACK); a request that would produce one is
    /// [`MasterError::ReplicaSentCommand`], and the link must be closed, as Redis does.
    pub fn handle(&mut self, request: &Request, ctx: &Context<'_>) -> Result<Action, MasterError> {
        self.last_interaction_ms = ctx.now_ms;
        let Some((name, args)) = request.args.split_first() else {
            return Ok(Action::Nothing);
        };
        let synced = self.state != LinkState::Handshake;
        if !synced {
            self.style = if request.inline {
                HandshakeStyle::Inline
            } else {
                HandshakeStyle::Multibulk
            };
        }
        let lower = name.to_ascii_lowercase();
        let result = match lower.as_slice() {
            b"ping" => match args {
                [] => Ok(Action::Reply(b"+PONG\r\n".to_vec())),
                [message] => {
                    let mut reply = format!("${}\r\n", message.len()).into_bytes();
                    reply.extend(message);
                    reply.extend(b"\r\n");
                    Ok(Action::Reply(reply))
                }
                _ => Err(MasterError::WrongArity("ping")),
            },
            b"replconf" => self.replconf(args, ctx.now_ms),
            b"sync" if !args.is_empty() => Err(MasterError::WrongArity("sync")),
            b"psync" if args.len() < 2 => Err(MasterError::WrongArity("psync")),
            b"sync" | b"psync" if synced => Ok(Action::Nothing),
            b"sync" | b"psync" => self.sync(args, ctx),
            _ => Err(MasterError::UnknownCommand {
                name: name.clone(),
                args: args.to_vec(),
            }),
        };
        let replies = match &result {
            Ok(Action::Reply(_)) => true,
            Ok(_) => false,
            Err(error) => error.reply().is_some(),
        };
        if synced && replies {
            return Err(MasterError::ReplicaSentCommand(lower));
        }
        result
    }

    fn replconf(&mut self, args: &[Vec<u8>], now_ms: u64) -> Result<Action, MasterError> {
        if args.len() % 2 == 1 {
            return Err(MasterError::ReplconfSyntax);
        }
        // Pairs are applied in order, so a bad pair leaves the earlier ones applied, as in
        // Redis.
        for (index, pair) in args.chunks_exact(2).enumerate() {
            let (option, value) = (&pair[0], &pair[1]);
            match option.to_ascii_lowercase().as_slice() {
                b"listening-port" => {
                    let port = parse_integer(value).ok_or(MasterError::NotAnInteger)?;
                    // Redis stores it in a C int; keep its truncation.
                    self.listening_port = port as i32;
                }
                b"ip-address" => {
                    if value.len() >= MAX_IP_LEN {
                        return Err(MasterError::IpAddressTooLong(value.len()));
                    }
                    self.announced_ip = Some(String::from_utf8_lossy(value).into_owned());
                }
                b"capa" => {
                    if value.eq_ignore_ascii_case(b"eof") {
                        self.capabilities.eof = true;
                    } else if value.eq_ignore_ascii_case(b"psync2") {
                        self.capabilities.psync2 = true;
                    }
                }
                b"ack" => {
                    let fack = args.get(index * 2 + 2..index * 2 + 4);
                    return Ok(self.ack(value, fack, now_ms));
                }
                b"getack" => return Err(MasterError::UnexpectedGetAck),
                b"rdb-only" => match parse_integer(value).ok_or(MasterError::NotAnInteger)? {
                    0 => self.rdb_only = false,
                    1 => self.rdb_only = true,
                    _ => return Err(MasterError::RdbOnlyOutOfRange),
                },
                b"rdb-filter-only" => {
                    let mut functions = false;
                    for filter in value.split(u8::is_ascii_whitespace) {
                        if filter.is_empty() {
                            continue;
                        }
                        if !filter.eq_ignore_ascii_case(b"functions") {
                            return Err(MasterError::UnsupportedRdbFilter(filter.to_vec()));
                        }
                        functions = true;
                    }
                    self.rdb_filter_functions = functions;
                }
                // Valkey's; Redis 7.0 does not know it, but the version is the one reliable
                // hint for the payload format, and a replica ignores either answer.
                b"version" => self.version = ReplicaVersion::parse(value),
                _ => return Err(MasterError::UnrecognizedReplconfOption(option.clone())),
            }
        }
        Ok(Action::Reply(b"+OK\r\n".to_vec()))
    }

    /// `REPLCONF ACK <off> [FACK <off>]`: never answered. Ignored before the sync command and
    /// when the offset is not an integer (as Redis does); the ack offset only moves forward.
    fn ack(&mut self, value: &[u8], fack: Option<&[Vec<u8>]>, now_ms: u64) -> Action {
        if self.state == LinkState::Handshake {
            return Action::Nothing;
        }
        let Some(offset) = parse_integer(value) else {
            return Action::Nothing;
        };
        if let Ok(offset) = u64::try_from(offset) {
            self.ack_offset = self.ack_offset.max(offset);
        }
        if let Some([word, fsynced]) = fack {
            if word.eq_ignore_ascii_case(b"fack") {
                if let Some(fsynced) = parse_integer(fsynced).and_then(|v| u64::try_from(v).ok()) {
                    self.fack_offset = Some(self.fack_offset.unwrap_or(0).max(fsynced));
                }
            }
        }
        self.last_ack_ms = now_ms;
        if self.state == LinkState::WaitingFirstAck {
            self.state = LinkState::Online;
            let from = self.snapshot.map_or(0, |snapshot| snapshot.offset);
            return Action::StartStream { from };
        }
        Action::Nothing
    }

    fn sync(&mut self, args: &[Vec<u8>], ctx: &Context<'_>) -> Result<Action, MasterError> {
        let psync = !args.is_empty();
        if psync
            && args
                .get(2)
                .is_some_and(|word| word.eq_ignore_ascii_case(b"failover"))
        {
            return Err(MasterError::FailoverToMaster);
        }
        if ctx.master_link_down {
            return Err(MasterError::NoMasterLink);
        }
        if ctx.output_pending {
            return Err(MasterError::PendingOutput);
        }
        let request = if psync {
            SyncRequest::Psync {
                replid: args[0].clone(),
                offset: parse_integer(&args[1]).ok_or(MasterError::NotAnInteger)?,
                psync2: self.capabilities.psync2,
            }
        } else {
            SyncRequest::Sync
        };
        self.plain_sync = !psync;
        self.history_id = Some(ctx.history.replid);
        self.last_ack_ms = ctx.now_ms;
        match decide(&request, ctx.history) {
            SyncDecision::Continue { from, reply } => {
                self.state = LinkState::Online;
                Ok(Action::Continue { reply, from })
            }
            SyncDecision::FullResync { offset, reason, .. } => {
                self.state = LinkState::WaitingSnapshot;
                self.last_keepalive_ms = ctx.now_ms;
                Ok(Action::FullResync { offset, reason })
            }
        }
    }

    /// The payload format this replica gets if the server wants a diskless transfer or not
    /// (see [`payload_format`]).
    pub fn payload_format(&self, diskless: bool) -> PayloadFormat {
        payload_format(self.capabilities, self.style, self.version, diskless)
    }

    /// A snapshot at stream offset `offset` starts for this replica (a new one, or one
    /// already running that it joins). `mark` is the EOF mark to use if the transfer is
    /// EOF-framed (40 random hex digits are best). Moves the link to
    /// [`SendingSnapshot`](LinkState::SendingSnapshot).
    pub fn start_snapshot(
        &mut self,
        offset: u64,
        diskless: bool,
        mark: [u8; 40],
    ) -> Result<SnapshotStart, MasterError> {
        self.expect(LinkState::WaitingSnapshot, "start_snapshot")?;
        let format = self.payload_format(diskless);
        let mut preamble = Vec::new();
        if !self.plain_sync {
            let replid = self.history_id.unwrap_or(crate::ReplId::ZERO);
            preamble.extend(fullresync_reply(&replid, offset));
        }
        let eof = format.framing == Framing::EofMark;
        if eof {
            preamble.extend(eof_header(&mark));
        }
        self.snapshot = Some(Snapshot {
            offset,
            format,
            mark,
            header_sent: eof,
        });
        self.state = LinkState::SendingSnapshot;
        Ok(SnapshotStart { format, preamble })
    }

    /// The disk-framed payload is complete and `len` bytes long: returns its `$<len>\r\n`
    /// header, after which the payload bytes follow and keepalives stop.
    pub fn payload_header(&mut self, len: u64) -> Result<Vec<u8>, MasterError> {
        self.expect(LinkState::SendingSnapshot, "payload_header")?;
        match &mut self.snapshot {
            Some(snapshot) if !snapshot.header_sent => {
                snapshot.header_sent = true;
                Ok(disk_header(len))
            }
            _ => Err(MasterError::WrongState {
                operation: "payload_header",
                state: self.state,
            }),
        }
    }

    /// Some payload bytes were written to the replica at `now_ms`: a diskless transfer that
    /// stops progressing for longer than the replication timeout is dropped
    /// ([`Replicas::timed_out`](crate::Replicas::timed_out)).
    pub fn snapshot_progress(&mut self, now_ms: u64) {
        if self.state == LinkState::SendingSnapshot {
            self.last_partial_write_ms = Some(now_ms);
        }
    }

    /// All payload bytes were sent at `now_ms`: returns the trailer and whether the stream
    /// may follow at once. Disk framing goes [`Online`](LinkState::Online); EOF framing goes
    /// to [`WaitingFirstAck`](LinkState::WaitingFirstAck).
    pub fn finish_snapshot(&mut self, now_ms: u64) -> Result<SnapshotEnd, MasterError> {
        self.expect(LinkState::SendingSnapshot, "finish_snapshot")?;
        let Some(snapshot) = self.snapshot.filter(|snapshot| snapshot.header_sent) else {
            return Err(MasterError::WrongState {
                operation: "finish_snapshot before payload_header",
                state: self.state,
            });
        };
        // Redis counts a replica that just got its payload as acked now, so it is not timed
        // out for the time the transfer took.
        self.last_ack_ms = now_ms;
        self.last_partial_write_ms = None;
        let end = match snapshot.format.framing {
            Framing::Disk => {
                self.state = LinkState::Online;
                SnapshotEnd {
                    trailer: Vec::new(),
                    stream_from: Some(snapshot.offset),
                    close_after: self.rdb_only,
                }
            }
            Framing::EofMark => {
                self.state = LinkState::WaitingFirstAck;
                SnapshotEnd {
                    trailer: eof_trailer(&snapshot.mark),
                    stream_from: None,
                    close_after: self.rdb_only,
                }
            }
        };
        Ok(end)
    }

    fn expect(&self, state: LinkState, operation: &'static str) -> Result<(), MasterError> {
        if self.state == state {
            Ok(())
        } else {
            Err(MasterError::WrongState {
                operation,
                state: self.state,
            })
        }
    }

    /// Whether a `\n` keepalive should be written now (and records it as written): once a
    /// second while the replica waits for its payload, that is, before the payload header
    /// of a disk transfer. Never once an EOF header or a disk header was sent, since a
    /// newline would then be payload.
    pub fn needs_keepalive(&mut self, now_ms: u64) -> bool {
        let before_payload = match self.state {
            LinkState::WaitingSnapshot => true,
            LinkState::SendingSnapshot => self.snapshot.is_some_and(|s| !s.header_sent),
            _ => false,
        };
        if before_payload && now_ms.saturating_sub(self.last_keepalive_ms) >= 1000 {
            self.last_keepalive_ms = now_ms;
            true
        } else {
            false
        }
    }

    /// Whether `pending` unsent bytes for this replica break `limit` at `now_ms` (then the
    /// server drops the replica). Call it whenever the pending amount changes or on a timer;
    /// the soft limit's clock lives in the link.
    pub fn over_output_limit(&mut self, pending: u64, now_ms: u64, limit: &OutputLimit) -> bool {
        self.output.over(pending, now_ms, limit)
    }

    /// The link's state.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// The state as Redis's INFO names it: `wait_bgsave` until the payload header is sent,
    /// `send_bulk` while a disk payload is sent, `online` after (an EOF replica waiting for its
    /// first ACK is `online` too, as in Redis). Empty during the handshake.
    pub fn info_state(&self) -> &'static str {
        match self.state {
            LinkState::Handshake => "",
            LinkState::WaitingSnapshot => "wait_bgsave",
            LinkState::SendingSnapshot => match self.snapshot {
                Some(s) if s.header_sent && s.format.framing == Framing::Disk => "send_bulk",
                _ => "wait_bgsave",
            },
            LinkState::WaitingFirstAck | LinkState::Online => "online",
        }
    }

    /// Whether the replica counts as online for INFO, ROLE, WAIT and min-replicas (Redis's
    /// `SLAVE_STATE_ONLINE`, which includes waiting for the first ACK).
    pub fn is_online(&self) -> bool {
        matches!(self.state, LinkState::WaitingFirstAck | LinkState::Online)
    }

    /// Whether stream bytes may be written to this replica now.
    pub fn may_stream(&self) -> bool {
        self.state == LinkState::Online
    }

    /// Whether the replica will send `REPLCONF ACK`: every PSYNC replica does, a plain SYNC
    /// one never does, so it is exempt from the ack timeout.
    pub fn expects_acks(&self) -> bool {
        self.state != LinkState::Handshake && !self.plain_sync
    }

    /// Whether the replica synchronised with plain `SYNC`.
    pub fn used_plain_sync(&self) -> bool {
        self.plain_sync
    }

    /// The address shown in INFO and ROLE: the announced one, else the peer's.
    pub fn ip(&self) -> &str {
        self.announced_ip.as_deref().unwrap_or(&self.peer_ip)
    }

    /// The port the replica listens on (`REPLCONF listening-port`; 0 if never sent).
    pub fn listening_port(&self) -> i32 {
        self.listening_port
    }

    /// The capabilities the replica announced.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    /// The version the replica announced, if any and parseable.
    pub fn version(&self) -> Option<ReplicaVersion> {
        self.version
    }

    /// How the replica wrote its handshake (the style of its latest handshake request).
    pub fn handshake_style(&self) -> HandshakeStyle {
        self.style
    }

    /// Whether the replica asked for the snapshot only (`REPLCONF rdb-only 1`).
    pub fn rdb_only(&self) -> bool {
        self.rdb_only
    }

    /// Whether the replica asked for functions only (`REPLCONF rdb-filter-only functions`).
    pub fn rdb_filter_functions(&self) -> bool {
        self.rdb_filter_functions
    }

    /// The highest offset the replica acknowledged (0 before its first ACK).
    pub fn ack_offset(&self) -> u64 {
        self.ack_offset
    }

    /// The highest AOF-fsynced offset a 7.2+ replica reported with `FACK`.
    pub fn fack_offset(&self) -> Option<u64> {
        self.fack_offset
    }

    /// When the replica last acknowledged (or synchronised, or got its payload).
    pub fn last_ack_ms(&self) -> u64 {
        self.last_ack_ms
    }

    /// When the replica last sent anything.
    pub fn last_interaction_ms(&self) -> u64 {
        self.last_interaction_ms
    }

    /// The stream offset of the replica's snapshot, once one started.
    pub fn snapshot_offset(&self) -> Option<u64> {
        self.snapshot.map(|s| s.offset)
    }

    /// Seconds since the last ACK, as Redis computes it (difference of whole Unix seconds).
    pub fn lag_seconds(&self, now_ms: u64) -> u64 {
        (now_ms / 1000).saturating_sub(self.last_ack_ms / 1000)
    }

    pub(crate) fn diskless_stalled(&self, now_ms: u64, timeout_ms: u64) -> bool {
        self.state == LinkState::SendingSnapshot
            && self
                .snapshot
                .is_some_and(|s| s.format.framing == Framing::EofMark)
            && self
                .last_partial_write_ms
                .is_some_and(|last| now_ms.saturating_sub(last) > timeout_ms)
    }
}
