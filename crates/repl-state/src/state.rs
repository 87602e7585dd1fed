//! What a node remembers about replication across restarts, and its byte encoding.
//!
//! # Payload encoding (format version 1, all integers little-endian)
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | format version, u32 |
//! | 4 | role: 0 master, 1 replica |
//! | 5 | master kind: 0 unknown, 1 Redis, 2 ardb |
//! | 6 | flags: bit 0 replid present, bit 1 stream db present, bit 2 full sync in progress |
//! | 7..9 | master port, u16 |
//! | 9..17 | master offset, i64 |
//! | 17..21 | stream db, u32 (0 when absent) |
//! | 21..61 | master replid, 40 ASCII hex digits (zeros when absent) |
//! | 61 | master host length n, u8 |
//! | 62..62+n | master host, UTF-8 |

use std::fmt;

use crate::StateError;

/// The payload format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The longest master host name a state holds, in bytes (its length is stored in one byte).
pub const MAX_HOST_LEN: usize = 255;
/// The length of a replication id: 40 hex digits, as Redis generates them.
pub const REPLID_LEN: usize = 40;

const FLAG_REPLID: u8 = 1;
const FLAG_STREAM_DB: u8 = 2;
const FLAG_FULL_SYNC: u8 = 4;
const FIXED_LEN: usize = 62;

/// Whether the node serves writes itself or follows a master.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// The node accepts writes and is the origin of its replication history.
    #[default]
    Master,
    /// The node follows `master_host:master_port` (it was told `REPLICAOF host port`).
    Replica,
}

impl fmt::Display for Role {
    /// `master` or `replica`, the words `INFO replication` and `ROLE` use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Master => "master",
            Role::Replica => "replica",
        })
    }
}

/// What the master turned out to be the last time the replica talked to it.
///
/// Remembered because it decides how a restarted replica asks to resume: a Redis master is sent
/// `PSYNC <replid> <offset>` the PSYNC2 way, an ardb master its own dialect, and an unknown one
/// is probed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PeerKind {
    /// Never connected, or the handshake did not tell.
    #[default]
    Unknown,
    /// A Redis server (or a compatible one speaking PSYNC2).
    Redis,
    /// Another ardb server.
    Ardb,
}

/// The replication state of one node, as persisted in its state file.
///
/// Everything a restarted node needs to pick up where it left off: whether it was a replica,
/// which master it followed, and where in that master's history it stopped, so it can request a
/// partial resync instead of a full one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeState {
    /// Whether the node is a master or a replica.
    pub role: Role,
    /// The master's host name or address; empty for a master, non-empty for a replica, at most
    /// [`MAX_HOST_LEN`] bytes.
    pub master_host: String,
    /// The master's port; 0 for a master, non-zero for a replica.
    pub master_port: u16,
    /// What the master turned out to be (decides PSYNC2 vs ardb's PSYNC after a restart).
    pub master_kind: PeerKind,
    /// The replication id of the history this replica follows: [`REPLID_LEN`] ASCII hex digits.
    /// `None` before the first sync, when the replica can only ask for a full one.
    pub master_replid: Option<String>,
    /// The replica's processed offset in that history, -1 when unknown (Redis's `PSYNC ? -1`).
    pub master_offset: i64,
    /// The database the master's stream last selected, so commands resumed after a partial
    /// resync are applied to the right one even though the master will not repeat its `SELECT`.
    pub stream_db: Option<u32>,
    /// Set while a full sync loads, so a node killed mid-load knows its data is half a snapshot
    /// and starts the full sync over instead of resuming from a history it never finished.
    pub full_sync_in_progress: bool,
}

impl Default for NodeState {
    /// A master with nothing else: what a node that never replicated is.
    fn default() -> Self {
        NodeState {
            role: Role::Master,
            master_host: String::new(),
            master_port: 0,
            master_kind: PeerKind::Unknown,
            master_replid: None,
            master_offset: -1,
            stream_db: None,
            full_sync_in_progress: false,
        }
    }
}

impl NodeState {
    /// Checks the invariants every stored state keeps, naming the first field that breaks them.
    ///
    /// A master has an empty host and port 0; a replica a non-empty host of at most
    /// [`MAX_HOST_LEN`] bytes and a non-zero port; a replid is [`REPLID_LEN`] ASCII hex digits;
    /// the offset is at least -1. Checked before every write and after every read, so a state
    /// that cannot make sense is refused at the door rather than acted on after a restart.
    pub fn validate(&self) -> Result<(), StateError> {
        if self.master_host.len() > MAX_HOST_LEN {
            return Err(StateError::Invalid("master_host"));
        }
        match self.role {
            Role::Master => {
                if !self.master_host.is_empty() {
                    return Err(StateError::Invalid("master_host"));
                }
                if self.master_port != 0 {
                    return Err(StateError::Invalid("master_port"));
                }
            }
            Role::Replica => {
                if self.master_host.is_empty() {
                    return Err(StateError::Invalid("master_host"));
                }
                if self.master_port == 0 {
                    return Err(StateError::Invalid("master_port"));
                }
            }
        }
        if let Some(replid) = &self.master_replid {
            if replid.len() != REPLID_LEN || !replid.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(StateError::Invalid("master_replid"));
            }
        }
        if self.master_offset < -1 {
            return Err(StateError::Invalid("master_offset"));
        }
        Ok(())
    }

    /// The payload bytes of a validated state.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, StateError> {
        self.validate()?;
        let mut out = Vec::with_capacity(FIXED_LEN + self.master_host.len());
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(match self.role {
            Role::Master => 0,
            Role::Replica => 1,
        });
        out.push(match self.master_kind {
            PeerKind::Unknown => 0,
            PeerKind::Redis => 1,
            PeerKind::Ardb => 2,
        });
        let mut flags = 0;
        if self.master_replid.is_some() {
            flags |= FLAG_REPLID;
        }
        if self.stream_db.is_some() {
            flags |= FLAG_STREAM_DB;
        }
        if self.full_sync_in_progress {
            flags |= FLAG_FULL_SYNC;
        }
        out.push(flags);
        out.extend_from_slice(&self.master_port.to_le_bytes());
        out.extend_from_slice(&self.master_offset.to_le_bytes());
        out.extend_from_slice(&self.stream_db.unwrap_or(0).to_le_bytes());
        match &self.master_replid {
            Some(replid) => out.extend_from_slice(replid.as_bytes()),
            None => out.extend_from_slice(&[0; REPLID_LEN]),
        }
        // validate() bounded the host to MAX_HOST_LEN, so its length fits a byte.
        out.push(self.master_host.len() as u8);
        out.extend_from_slice(self.master_host.as_bytes());
        Ok(out)
    }

    /// Parses and validates a payload; any byte string gives a state or an error, never a panic.
    pub(crate) fn decode(payload: &[u8]) -> Result<Self, StateError> {
        let version = u32::from_le_bytes(fixed(payload, 0)?);
        if version != FORMAT_VERSION {
            return Err(StateError::UnsupportedVersion(version));
        }
        if payload.len() < FIXED_LEN {
            return Err(StateError::Invalid("payload length"));
        }
        let role = match payload[4] {
            0 => Role::Master,
            1 => Role::Replica,
            _ => return Err(StateError::Invalid("role")),
        };
        let master_kind = match payload[5] {
            0 => PeerKind::Unknown,
            1 => PeerKind::Redis,
            2 => PeerKind::Ardb,
            _ => return Err(StateError::Invalid("master_kind")),
        };
        let flags = payload[6];
        if flags & !(FLAG_REPLID | FLAG_STREAM_DB | FLAG_FULL_SYNC) != 0 {
            return Err(StateError::Invalid("flags"));
        }
        let master_port = u16::from_le_bytes(fixed(payload, 7)?);
        let master_offset = i64::from_le_bytes(fixed(payload, 9)?);
        let stream_db = u32::from_le_bytes(fixed(payload, 17)?);
        if flags & FLAG_STREAM_DB == 0 && stream_db != 0 {
            return Err(StateError::Invalid("stream_db"));
        }
        let replid = &payload[21..21 + REPLID_LEN];
        let master_replid = if flags & FLAG_REPLID != 0 {
            let text =
                std::str::from_utf8(replid).map_err(|_| StateError::Invalid("master_replid"))?;
            Some(text.to_owned())
        } else if replid.iter().all(|&b| b == 0) {
            None
        } else {
            return Err(StateError::Invalid("master_replid"));
        };
        let host_len = usize::from(payload[61]);
        if payload.len() != FIXED_LEN + host_len {
            return Err(StateError::Invalid("payload length"));
        }
        let master_host = std::str::from_utf8(&payload[FIXED_LEN..])
            .map_err(|_| StateError::Invalid("master_host"))?
            .to_owned();
        let state = NodeState {
            role,
            master_host,
            master_port,
            master_kind,
            master_replid,
            master_offset,
            stream_db: (flags & FLAG_STREAM_DB != 0).then_some(stream_db),
            full_sync_in_progress: flags & FLAG_FULL_SYNC != 0,
        };
        state.validate()?;
        Ok(state)
    }
}

/// The `N` bytes of `payload` at `at`, or an error if the payload is too short.
fn fixed<const N: usize>(payload: &[u8], at: usize) -> Result<[u8; N], StateError> {
    payload
        .get(at..at + N)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(StateError::Invalid("payload length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica() -> NodeState {
        NodeState {
            role: Role::Replica,
            master_host: "10.0.0.7".to_owned(),
            master_port: 6379,
            master_kind: PeerKind::Redis,
            master_replid: Some("0123456789abcdef0123456789ABCDEF01234567".to_owned()),
            master_offset: 123_456_789_012,
            stream_db: Some(7),
            full_sync_in_progress: true,
        }
    }

    fn ok<T>(result: Result<T, StateError>) -> T {
        result.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_field_round_trips() {
        for state in [
            NodeState::default(),
            replica(),
            NodeState {
                master_kind: PeerKind::Ardb,
                master_replid: None,
                master_offset: -1,
                stream_db: Some(u32::MAX),
                full_sync_in_progress: false,
                master_host: "h".repeat(MAX_HOST_LEN),
                master_port: u16::MAX,
                ..replica()
            },
            NodeState {
                master_replid: Some("f".repeat(40)),
                master_offset: i64::MAX,
                stream_db: Some(0),
                ..NodeState::default()
            },
        ] {
            let bytes = ok(state.encode());
            assert_eq!(bytes.len(), FIXED_LEN + state.master_host.len());
            assert_eq!(ok(NodeState::decode(&bytes)), state);
        }
    }

    #[test]
    fn layout_matches_the_documented_table() {
        let bytes = ok(replica().encode());
        assert_eq!(&bytes[0..4], &1u32.to_le_bytes());
        assert_eq!(bytes[4], 1);
        assert_eq!(bytes[5], 1);
        assert_eq!(bytes[6], FLAG_REPLID | FLAG_STREAM_DB | FLAG_FULL_SYNC);
        assert_eq!(&bytes[7..9], &6379u16.to_le_bytes());
        assert_eq!(&bytes[9..17], &123_456_789_012i64.to_le_bytes());
        assert_eq!(&bytes[17..21], &7u32.to_le_bytes());
        assert_eq!(&bytes[21..61], b"0123456789abcdef0123456789ABCDEF01234567");
        assert_eq!(bytes[61], 8);
        assert_eq!(&bytes[62..], b"10.0.0.7");
    }

    #[test]
    fn invalid_states_name_their_field() {
        let cases: [(NodeState, &str); 9] = [
            (
                NodeState {
                    master_host: "x".repeat(MAX_HOST_LEN + 1),
                    ..replica()
                },
                "master_host",
            ),
            (
                NodeState {
                    master_host: String::new(),
                    ..replica()
                },
                "master_host",
            ),
            (
                NodeState {
                    master_port: 0,
                    ..replica()
                },
                "master_port",
            ),
            (
                NodeState {
                    master_host: "h".to_owned(),
                    ..NodeState::default()
                },
                "master_host",
            ),
            (
                NodeState {
                    master_port: 1,
                    ..NodeState::default()
                },
                "master_port",
            ),
            (
                NodeState {
                    master_replid: Some("abc".to_owned()),
                    ..replica()
                },
                "master_replid",
            ),
            (
                NodeState {
                    master_replid: Some("g".repeat(40)),
                    ..replica()
                },
                "master_replid",
            ),
            (
                NodeState {
                    master_replid: Some("é".repeat(20)),
                    ..replica()
                },
                "master_replid",
            ),
            (
                NodeState {
                    master_offset: -2,
                    ..replica()
                },
                "master_offset",
            ),
        ];
        for (state, field) in cases {
            assert!(
                matches!(state.validate(), Err(StateError::Invalid(f)) if f == field),
                "{state:?} should be invalid in {field}"
            );
            assert!(matches!(state.encode(), Err(StateError::Invalid(f)) if f == field));
        }
    }

    #[test]
    fn damaged_payloads_are_refused_by_field() {
        let good = ok(replica().encode());
        let check = |edit: &dyn Fn(&mut Vec<u8>), want: &str| {
            let mut bytes = good.clone();
            edit(&mut bytes);
            let got = NodeState::decode(&bytes);
            match (&got, want) {
                (Err(StateError::Invalid(f)), _) if *f == want => {}
                (Err(StateError::UnsupportedVersion(2)), "version") => {}
                _ => panic!("expected {want}, got {got:?}"),
            }
        };
        check(&|b| b[0] = 2, "version");
        check(&|b| b[4] = 2, "role");
        check(&|b| b[5] = 3, "master_kind");
        check(&|b| b[6] |= 8, "flags");
        check(&|b| b[7..9].copy_from_slice(&[0, 0]), "master_port");
        check(
            &|b| b[9..17].copy_from_slice(&(-5i64).to_le_bytes()),
            "master_offset",
        );
        check(&|b| b[21] = b'z', "master_replid");
        check(&|b| b[6] &= !FLAG_REPLID, "master_replid");
        check(
            &|b| {
                b[6] &= !FLAG_STREAM_DB;
            },
            "stream_db",
        );
        check(&|b| b[61] = 9, "payload length");
        check(&|b| b.push(b'x'), "payload length");
        check(&|b| b.truncate(30), "payload length");
        check(&|b| b.truncate(2), "payload length");
        check(&|b| b[62] = 0xff, "master_host");
    }

    #[test]
    fn random_payloads_never_panic() {
        let good = ok(replica().encode());
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut bytes = good.clone();
            let len = (next() % (bytes.len() as u64 + 8)) as usize;
            bytes.resize(len, 0);
            for _ in 0..next() % 4 {
                if !bytes.is_empty() {
                    let at = (next() % bytes.len() as u64) as usize;
                    bytes[at] = next() as u8;
                }
            }
            if let Ok(state) = NodeState::decode(&bytes) {
                assert!(state.validate().is_ok());
                assert_eq!(ok(state.encode()), bytes);
            }
        }
    }
}
