//! The replication id: 40 hexadecimal digits naming one history of the replication stream.

use std::fmt;

/// A replication id, as Redis's `master_replid`: 40 ASCII hex digits naming one history of the
/// stream. Offsets only mean something together with the id of the history they belong to, so
/// the backlog stores the id in its header and a replica's PSYNC is checked against it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplId([u8; 40]);

impl ReplId {
    /// All `'0'`: Redis's "no id" value, used for `replid2` when there is no previous history.
    pub const ZERO: ReplId = ReplId([b'0'; 40]);

    /// Accepts exactly 40 ASCII hex digits (either case, kept as given, because PSYNC compares
    /// ids byte for byte); anything else is `None`, so a corrupt header or a bad PSYNC argument
    /// never becomes an id.
    pub fn parse(bytes: &[u8]) -> Option<ReplId> {
        let digits: [u8; 40] = bytes.try_into().ok()?;
        digits
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(ReplId(digits))
    }

    /// The id as text, for INFO and the `+FULLRESYNC`/`+CONTINUE` replies.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored, so this is always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The id's 40 bytes, for encoding it into the header.
    pub fn as_bytes(&self) -> &[u8; 40] {
        &self.0
    }
}

impl fmt::Display for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplId({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_forty_hex_digits() {
        let text = "0123456789abcdefABCDEF0123456789abcdef01";
        let id = ReplId::parse(text.as_bytes());
        assert_eq!(id.map(|id| id.to_string()), Some(text.to_string()));
        assert_eq!(ReplId::parse(&text.as_bytes()[..39]), None);
        assert_eq!(ReplId::parse(format!("{text}0").as_bytes()), None);
        assert_eq!(
            ReplId::parse(b"g123456789abcdef0123456789abcdef01234567"),
            None
        );
        assert_eq!(ReplId::ZERO.as_str(), "0".repeat(40));
        assert_eq!(
            format!("{:?}", ReplId::ZERO),
            format!("ReplId({})", "0".repeat(40))
        );
    }
}
