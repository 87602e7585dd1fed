//! What the server tells a link before it connects: its own port, credentials, and history.

use std::fmt;

use repl_id::ReplId;

/// How a replica authenticates to its master (`masterauth`, and `masteruser` from Redis 6.0).
#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    /// The ACL user (`masteruser`). `None` sends the one-argument `AUTH <password>`, which
    /// every Redis version understands; `Some` sends `AUTH <user> <password>`, which only 6.0+
    /// masters accept.
    pub user: Option<String>,
    /// The password (`masterauth`).
    pub password: String,
}

impl fmt::Debug for Auth {
    /// Never prints the password: link configurations end up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Everything a [`MasterLink`](crate::MasterLink) needs to know to run one connection's
/// handshake.
///
/// The link is created per connection: the server builds a fresh config from its current
/// replication state each time it reconnects, so a link never has to learn about an offset
/// that moved while it was down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// The port this replica serves clients on, announced with `REPLCONF listening-port` so
    /// the master's INFO and ROLE (and Sentinel) can name it.
    pub listening_port: u16,
    /// Credentials for `AUTH`, or `None` to skip it.
    pub auth: Option<Auth>,
    /// The history this replica already holds: the replication id it follows and the number
    /// of stream bytes it has processed in it (Redis's `master_repl_offset` of the replica).
    /// `Some` asks for a partial resync from the next byte; `None` asks for a full one.
    pub history: Option<(ReplId, u64)>,
    /// Whether to try ardb-rs's own `PSYNC2` first. Only worth it when the master may be
    /// ardb-rs (which then ships raw key-values instead of an RDB); a Redis master refuses it
    /// with an unknown-command error and the link falls back to `PSYNC`, at the cost of one
    /// round trip.
    pub try_psync2: bool,
}
