//! The replication position the stored data corresponds to, committed atomically with it.

/// Where in a replication stream the stored data stands: the stream offset applied and the database
/// the stream had selected there.
///
/// Both are needed to resume the stream after a restart: replaying commands from `offset` must run
/// them in the database the last `SELECT` before `offset` chose, which may lie far back.
///
/// ```
/// use storage_sled::AppliedPosition;
/// let position = AppliedPosition { offset: 1_234, stream_db: Some(3) };
/// assert_eq!(AppliedPosition::decode(&position.encode()), Some(position));
/// // Plain offsets (no SELECT seen yet) convert directly.
/// assert_eq!(AppliedPosition::from(7).stream_db, None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppliedPosition {
    /// Bytes of the stream applied (Redis's `master_repl_offset` / `slave_repl_offset`).
    pub offset: u64,
    /// The database the stream's last `SELECT` chose, `None` if it has not selected one yet.
    pub stream_db: Option<u32>,
}

/// The encoded `stream_db` meaning "no SELECT yet".
const NO_DB: u32 = u32::MAX;

impl AppliedPosition {
    /// The stored form: the offset (8 bytes) then the database (4 bytes), both big-endian.
    pub fn encode(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&self.offset.to_be_bytes());
        out[8..].copy_from_slice(&self.stream_db.unwrap_or(NO_DB).to_be_bytes());
        out
    }

    /// Reads [`encode`](Self::encode)'s form; an 8-byte record (an offset alone) is accepted too.
    pub fn decode(raw: &[u8]) -> Option<AppliedPosition> {
        let offset = u64::from_be_bytes(raw.get(..8)?.try_into().ok()?);
        let stream_db = match raw.len() {
            8 => None,
            12 => Some(u32::from_be_bytes(raw[8..12].try_into().ok()?)).filter(|&db| db != NO_DB),
            _ => return None,
        };
        Some(AppliedPosition { offset, stream_db })
    }
}

impl From<u64> for AppliedPosition {
    fn from(offset: u64) -> Self {
        AppliedPosition {
            offset,
            stream_db: None,
        }
    }
}
