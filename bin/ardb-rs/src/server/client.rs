//! What the server knows about each connected client, apart from its socket and buffers.

use std::net::SocketAddr;

use bytes::Bytes;
use resp_codec::Protocol;

use crate::command::transaction::QueuedTransaction;
use crate::server::watched_keys::WatchedKey;

/// The per-client state commands can see and change (CLIENT LIST reports it).
#[derive(Debug)]
pub struct ClientInfo {
    /// Unique, increasing id (CLIENT ID).
    pub id: u64,
    /// The peer address.
    pub addr: SocketAddr,
    /// The local address the client connected to.
    pub laddr: SocketAddr,
    /// The socket's file descriptor, for CLIENT LIST's `fd=`.
    pub fd: i64,
    /// CLIENT SETNAME.
    pub name: Option<Bytes>,
    /// CLIENT SETINFO lib-name.
    pub lib_name: Option<Bytes>,
    /// CLIENT SETINFO lib-ver.
    pub lib_ver: Option<Bytes>,
    /// The selected database.
    pub db: usize,
    /// RESP2 or RESP3 (HELLO).
    pub protocol: Protocol,
    /// Whether AUTH succeeded (or no password is required).
    pub authenticated: bool,
    /// Connection time, Unix milliseconds.
    pub created_ms: u64,
    /// Time of the last command, Unix milliseconds.
    pub last_interaction_ms: u64,
    /// The last command run, as CLIENT LIST's `cmd=` shows it.
    pub last_command: &'static str,
    /// Marked by CLIENT KILL or QUIT: the reactor closes it once its replies are written.
    pub close_requested: bool,
    /// Bytes waiting in the query buffer (for CLIENT LIST `qbuf=`), updated by the reactor.
    pub query_buffer_len: usize,
    /// Bytes waiting in the output buffer (CLIENT LIST `omem=`), updated by the reactor.
    pub output_buffer_len: usize,
    /// The commands queued since MULTI, `None` outside a transaction.
    pub transaction: Option<QueuedTransaction>,
    /// The keys WATCHed since the last EXEC/DISCARD/UNWATCH.
    pub watched: Vec<WatchedKey>,
    /// A watched key was written (or flushed) since WATCH: the next EXEC fails.
    pub watch_invalidated: bool,
    /// This client applies a replication stream (a master's, or the node's own log at start-up):
    /// its commands see keys past their deadline as live and their effects are not re-encoded,
    /// because the stream's bytes are logged as they came.
    pub applies_stream: bool,
    /// The stream offset this client's last write reached: what its WAIT waits for.
    pub write_offset: u64,
    /// Whether this connection became a replica (SYNC/PSYNC): CLIENT LIST flag `S`, CLIENT KILL
    /// TYPE replica.
    pub replica: bool,
}

impl ClientInfo {
    /// A freshly accepted client.
    pub fn new(
        id: u64,
        addr: SocketAddr,
        laddr: SocketAddr,
        fd: i64,
        now_ms: u64,
        authenticated: bool,
    ) -> Self {
        ClientInfo {
            id,
            addr,
            laddr,
            fd,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            protocol: Protocol::Resp2,
            authenticated,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_command: "NULL",
            close_requested: false,
            query_buffer_len: 0,
            output_buffer_len: 0,
            transaction: None,
            watched: Vec::new(),
            watch_invalidated: false,
            applies_stream: false,
            write_offset: 0,
            replica: false,
        }
    }

    /// The line CLIENT LIST and CLIENT INFO print for this client (without the trailing newline), in
    /// Redis 7.0's field order.
    pub fn describe(&self, now_ms: u64) -> String {
        let name = self
            .name
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let lib_name = self
            .lib_name
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let lib_ver = self
            .lib_ver
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let resp = match self.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi=-1 \
             qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem=0 \
             events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            name,
            now_ms.saturating_sub(self.created_ms) / 1000,
            now_ms.saturating_sub(self.last_interaction_ms) / 1000,
            if self.replica { "S" } else { "N" },
            self.db,
            self.query_buffer_len,
            self.output_buffer_len,
            self.last_command,
            resp,
            lib_name,
            lib_ver,
        )
    }
}
